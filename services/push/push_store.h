/* push_store: gfdx-push's tables as the rowset sees them (rowset.h), and the load hook that
 * queues the rows a batch's decisions read. pboc.need and pboc.dispatch are also read by
 * gfdx-feedback: their columns are a contract (schemas/sql/pboc/001_need_dispatch.sql).
 *
 *   need      STATE keyed need_id: one row per need pushed, its status from push_fsm;
 *   dispatch  STATE keyed (need_id, bank_id): one row per bank a need went to, its status
 *             from push_fsm's dispatch life cycle;
 *   dispatch  again, as push_dispatch_new_table (HISTORY, same table and columns): the rows
 *             a NeedPushed creates, appended, so that the rowset writes them with one COPY
 *             instead of an INSERT ... ON CONFLICT of a JSON document (a push creates ~28
 *             rows, the banks of its branch and every national head office: the largest
 *             part of a batch's write). A later record of the batch that changes such a row
 *             (a withdrawal cancels it, an assignment upgrades a head office's copy) puts
 *             the changed copy in the STATE table, written after: PostgreSQL then holds
 *             the last version, as before. Read dispatches with push_store_dispatch(es),
 *             which see both;
 *   alert     STATE keyed (need_id, kind): one row per alert the watch raised about a need
 *             (NO_BANK), its status from push_fsm's alert life cycle
 *             (schemas/sql/pboc/002_alert.sql).
 * received_at and dispatched_at are not in the written columns: PostgreSQL's default (the
 * batch transaction's now()) sets them on insert and an update leaves them alone. pboc has
 * no history table of its own (its message log, rejections and outbox are the machinery's).
 * Write order: need before dispatch and alert (both reference need); the appended dispatch
 * rows before the STATE dispatch rows (an update of a row appended by the same batch). */
#ifndef PUSH_STORE_H
#define PUSH_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rowset.h"
#include "service.h"

/* pboc.alert.kind of the watch's alert about a need still without a bank. */
#define PUSH_ALERT_NO_BANK "NO_BANK"

/* pboc.dispatch.via (003_dispatch_via.sql): how the dispatch came to its bank. A need has a
 * bank organised for it only with an ACTIVE dispatch that is not PUSH_VIA_HEAD_OFFICE (a head
 * office's copy of every push is for its information). */
#define PUSH_VIA_BRANCH "BRANCH"
#define PUSH_VIA_HEAD_OFFICE "HEAD_OFFICE"
#define PUSH_VIA_ASSIGNED "ASSIGNED"

/* Whether a pboc.dispatch row is a bank organised for its need (not a head office's copy). */
bool push_dispatch_organised(const json_t *dispatch);

extern const gfdx_table push_need_table;
extern const gfdx_table push_dispatch_table;
extern const gfdx_table push_dispatch_new_table;
extern const gfdx_table push_alert_table;

/* The service's tables in write order: need, the appended dispatches, dispatch, alert. */
extern const gfdx_table *const push_tables[];
#define PUSH_TABLE_COUNT 4

/* The current dispatch row of (need_id, bank_id): the STATE table's (loaded, or put by an
 * earlier change of the batch) if there is one, else the row a NeedPushed of this batch
 * appended; NULL if none (or out of memory). Borrowed, like gfdx_rows_get's. */
const json_t *push_store_dispatch(const gfdx_rowset *rs, const char *need_id, const char *bank_id);

/* Every current dispatch row of need_id (push_store_dispatch's for each bank), in bank id
 * order, as a new array of borrowed rows (caller json_decref()s); NULL when out of memory. */
json_t *push_store_dispatches(const gfdx_rowset *rs, const char *need_id);

/* gfdx_load_fn: queues, for every record's need_id (NeedPushed, NeedPushWithdrawn and
 * BanksAssigned all carry it), the need row, the need's dispatch rows and its alert rows. Records without a need_id are
 * skipped (their decision refuses them). 0, or -1 when out of memory. */
int push_store_load(void *service_ctx, gfdx_rowset *rs, const gfdx_record *const *recs, size_t n);

/* Queues the rows the watch decides a need on: the same as the load hook's for one need id.
 * 0, or -1 when out of memory. */
int push_store_want_need(gfdx_rowset *rs, const char *need_id);

/* The watch's one candidate statement: the ids (new JSON array of strings, *ids) of at most
 * `limit` DISPATCHED needs, oldest first, received more than min_age_days - 1 days before
 * now_ms (a need that has aged N working days has aged more than N - 1 calendar days: the
 * exact age is the decision's), with no ACTIVE dispatch and no NO_BANK alert row. 0, or -1
 * with err and *transient. */
int push_store_no_bank_candidates(PGconn *db, int64_t now_ms, int min_age_days, int limit, json_t **ids,
                                  char *err, size_t errlen, bool *transient);

#endif
