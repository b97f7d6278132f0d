/* intake_store.h: what gfdx-intake stores and reads, as rowset tables (rowset.h), and the two
 * hooks that touch PostgreSQL for it: the batch's load and the relay's delivery reports.
 *
 *   intake.need              STATE, one row per need, keyed need_id (written every column)
 *   intake.need_event        HISTORY, one row per applied record or status change
 *   district.current_entry   READ, optional (gfdx-namelist may not be deployed): the name-list
 *                            entries valid now, found by uscc, for the priority tags
 *
 * Everything else about a need is decided in intake_decide.c, without SQL. */
#ifndef INTAKE_STORE_H
#define INTAKE_STORE_H

#include "service.h"

extern const gfdx_table intake_need_table;
extern const gfdx_table intake_need_event_table;
extern const gfdx_table intake_current_entry_table;

/* The service's tables in write order (need before its events), the READ table last. */
extern const gfdx_table *const intake_tables[];
#define INTAKE_TABLE_COUNT 4

/* The deadline reminder's candidates (intake_remind.h): a new JSON array in *pending, one
 * object per approved need not recommended yet. 0, or -1 with err / *transient. */
int intake_store_pending(PGconn *db, json_t **pending, char *err, size_t errlen, bool *transient);

/* gfdx_load_fn: queues the need of every record (by need_id) and, for the records that carry
 * a factory (NeedSubmitted, NeedRevised), the current list entries of its uscc. 0, or -1
 * when out of memory. */
int intake_store_load(void *service_ctx, gfdx_rowset *rs, const gfdx_record *const *recs, size_t n);

/* gfdx_delivered_fn: every delivered NeedPushed moves its need RECOMMENDED -> PUSHED through
 * intake_fsm (with a need_event row), loaded, decided and written with one rowset; a need
 * in another state (withdrawn meanwhile) is left alone. Runs under a savepoint in the relay's
 * transaction. A transient failure returns -1 (*transient: the relay rolls back, the reports
 * come again). A permanent one is rolled back to the savepoint and the NeedPushed rows are
 * then marked one at a time: a need that still fails is logged as an error and stays
 * RECOMMENDED until an operator looks, and 0 is returned, so that its row counts as delivered
 * and is never re-sent. */
int intake_store_delivered(void *service_ctx, PGconn *db, const gfdx_delivery *rows, size_t n, char *err,
                           size_t errlen, bool *transient);

#endif
