/* feedback_store: gfdx-feedback's tables as the rowset sees them (rowset.h), the load hook
 * that queues the rows a batch's decisions read, and the readers that turn a loaded row into
 * what the pure rules work on. No SQL here: the rowset loads and writes (one statement per
 * table and column a batch touches).
 *
 *   matching        STATE keyed (need_id, bank_id): one bank's matching on one need;
 *   need_status     STATE keyed need_id: the need's aggregate (feedback_aggregate.h);
 *   obstacle        STATE keyed obstacle_id (the ObstacleRaised record's event id);
 *   matching_event  HISTORY: one row per applied record;
 *   alert           HISTORY: green-washing alerts (append_alert); also STATE keyed alert_id
 *                   (feedback_alert.h: handled, and the watch's alerts);
 *   obstacle_event  HISTORY: every step of an obstacle (feedback_obstacle.h);
 *   pboc.need, pboc.dispatch  READ tables of gfdx-push (same agency, same database), never
 *                   locked; required: until gfdx-push has created them the rowset's load
 *                   fails transiently (GFDX_FAULT_NOT_READY) and the records wait.
 * Columns left out of the written lists keep PostgreSQL's defaults: created_at of matching,
 * id and recorded_at of matching_event, id and raised_at of alert.
 * Write order: matching, need_status, obstacle, matching_event, alert, obstacle_event, alert
 * as STATE (no foreign keys
 * between them; the order only keeps the statements stable). */
#ifndef FEEDBACK_STORE_H
#define FEEDBACK_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "feedback_aggregate.h"
#include "feedback_fsm.h"
#include "feedback_rules.h"
#include "rowset.h"
#include "service.h"

extern const gfdx_table feedback_matching_table;
extern const gfdx_table feedback_need_status_table;
extern const gfdx_table feedback_obstacle_table;
extern const gfdx_table feedback_matching_event_table;
extern const gfdx_table feedback_alert_table;
extern const gfdx_table feedback_pboc_need_table;
extern const gfdx_table feedback_pboc_dispatch_table;

/* The service's own tables, in write order. */
#define FEEDBACK_TABLE_COUNT 7
extern const gfdx_table *const feedback_tables[FEEDBACK_TABLE_COUNT];

/* feedback.obstacle.status: an obstacle is OPEN until the authorities resolve it. */
#define FEEDBACK_OBSTACLE_OPEN "OPEN"
#define FEEDBACK_OBSTACLE_RESOLVED "RESOLVED"

/* gfdx_load_fn: for every record's need_id, the need's matching rows, aggregate and
 * obstacles, and gfdx-push's pboc.need and pboc.dispatch rows; for an ObstacleRaised also
 * the obstacle under its own event id (an id already taken is refused, never overwritten).
 * Records without a need_id are skipped. 0, or -1 when out of memory. */
int feedback_store_load(void *service_ctx, gfdx_rowset *rs, const gfdx_record *const *recs, size_t n);

/* A pboc.need row as the rules read it: strings borrowed from the row (READ rows never
 * change during a batch); catalogue_code "" when null. */
typedef struct {
    const char *need_id, *province, *branch_id, *catalogue_code, *uscc, *factory_name, *project_name;
    long long financing_amount;
    bool withdrawn; /* status WITHDRAWN */
} feedback_need;

/* Reads a pboc.need row. 0, or -1 when a text column the rules need is missing (corrupt). */
int feedback_store_need_of(const json_t *row, feedback_need *n);

/* The dispatch a pboc.dispatch row says (FEEDBACK_DISPATCH_NONE for a NULL row). 0, or -1
 * for an unknown status (corrupt). */
int feedback_store_dispatch_of(const json_t *row, feedback_dispatch *d);

/* Reads a feedback.matching row into m (feedback_matching_init for a NULL row). 0, or -1 for
 * an unknown stage (corrupt). */
int feedback_store_matching_of(const json_t *row, feedback_matching *m);

/* Reads a feedback.need_status row into g and its status_changes into *changes (AWAITING,
 * zeros and 0 for a NULL row: the need has no aggregate yet). 0, or -1 for an unknown
 * overall (corrupt). */
int feedback_store_aggregate_of(const json_t *row, feedback_aggregate *g, long long *changes);

#endif
