/* push_store: gfdx-push's tables as the rowset sees them (rowset.h), and the load hook that
 * queues the rows a batch's decisions read. pboc.need and pboc.dispatch are also read by
 * gfdx-feedback: their columns are a contract (schemas/sql/pboc/001_need_dispatch.sql).
 *
 *   need      STATE keyed need_id: one row per need pushed, its status from push_fsm;
 *   dispatch  STATE keyed (need_id, bank_id): one row per bank a need went to, its status
 *             from push_fsm's dispatch life cycle.
 * received_at and dispatched_at are not in the written columns: PostgreSQL's default (the
 * batch transaction's now()) sets them on insert and an update leaves them alone. pboc has
 * no history table of its own (its message log, rejections and outbox are the machinery's).
 * Write order: need before dispatch (dispatch.need_id references need). */
#ifndef PUSH_STORE_H
#define PUSH_STORE_H

#include <stddef.h>

#include "rowset.h"
#include "service.h"

extern const gfdx_table push_need_table;
extern const gfdx_table push_dispatch_table;

/* The service's tables in write order. */
extern const gfdx_table *const push_tables[];
#define PUSH_TABLE_COUNT 2

/* gfdx_load_fn: queues, for every record's need_id (NeedPushed and NeedPushWithdrawn both
 * carry it), the need row and the need's dispatch rows. Records without a need_id are
 * skipped (their decision refuses them). 0, or -1 when out of memory. */
int push_store_load(void *service_ctx, gfdx_rowset *rs, const gfdx_record *const *recs, size_t n);

#endif
