/* feedback_store: gfdx-feedback's statements, for its handlers (feedback.c). Every function
 * runs parameterised SQL in the handler's transaction through gfdx_apply_exec and returns
 * GFDX_APPLY_OK or GFDX_APPLY_DB_ERROR (verdict set in a); none refuses (deciding is the
 * handlers' and the pure rules' business) except feedback_store_aggregate on an overflow.
 *
 * pboc.need and pboc.dispatch belong to gfdx-push: plain SELECTs only (no FOR UPDATE/SHARE,
 * which would need UPDATE rights on them). Records of one need are keyed by need id, so one
 * instance applies them in order; feedback's own rows are locked FOR UPDATE all the same. */
#ifndef FEEDBACK_STORE_H
#define FEEDBACK_STORE_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "feedback_aggregate.h"
#include "feedback_fsm.h"
#include "feedback_rules.h"
#include "service.h"

/* A row of pboc.need as gfdx-feedback reads it. The strings live in res: release with
 * feedback_need_clear (accepts a zeroed struct). */
typedef struct {
    PGresult *res;
    const char *need_id, *province, *branch_id, *catalogue_code, *uscc, *factory_name, *project_name;
    long long financing_amount;
    bool withdrawn; /* status WITHDRAWN */
} feedback_need;

void feedback_need_clear(feedback_need *n);

/* GFDX_APPLY_OK once pboc.need and pboc.dispatch exist (remembered in *ready); else a
 * TRANSIENT database error, so that the batch waits for gfdx-push's migrations. */
gfdx_apply_result feedback_store_pboc_ready(gfdx_apply *a, bool *ready);

/* Loads pboc.need; *found false (n zeroed) when there is no such need. */
gfdx_apply_result feedback_store_need(gfdx_apply *a, const char *need_id, feedback_need *n, bool *found);

/* The dispatch of need_id to bank_id (FEEDBACK_DISPATCH_NONE when there is no row). */
gfdx_apply_result feedback_store_dispatch(gfdx_apply *a, const char *need_id, const char *bank_id,
                                          feedback_dispatch *d);

/* Loads and locks (FOR UPDATE) the bank's matching; *found false and m initialised
 * (feedback_matching_init) when the bank has no row yet. */
gfdx_apply_result feedback_store_matching(gfdx_apply *a, const char *need_id, const char *bank_id,
                                          feedback_matching *m, bool *found);

/* Inserts or updates the bank's matching row to m after the record's event ev (which stage
 * time stamps to set: the record's meta.occurred_at). */
gfdx_apply_result feedback_store_save_matching(gfdx_apply *a, const feedback_need *n, const char *bank_id,
                                               const feedback_matching *m, feedback_event ev);

/* Appends the applied record to feedback.matching_event. amount and obstacle_id may be NULL. */
gfdx_apply_result feedback_store_history(gfdx_apply *a, const char *need_id, const char *bank_id,
                                         feedback_stage from, feedback_stage to, const long long *amount,
                                         const char *obstacle_id);

/* Recomputes the need's aggregate from all its matching rows and dispatches, compares it with
 * feedback.need_status (locked), stores it, and when a published field changed emits
 * NeedMatchingStatus to status_topic. before is the stored aggregate (all zero and AWAITING
 * when the need had none), after the new one. The one refusal of this module: LIMIT_EXCEEDED
 * when a total across banks would overflow 64 bits (feedback_aggregate_compute). */
gfdx_apply_result feedback_store_aggregate(gfdx_apply *a, const feedback_need *n, const char *status_topic,
                                           feedback_aggregate *before, feedback_aggregate *after);

/* Inserts a feedback.alert row (facts: a JSON object, borrowed) and logs it. */
gfdx_apply_result feedback_store_alert(gfdx_apply *a, feedback_alert_kind kind, const char *need_id,
                                       const char *bank_id, json_t *facts, const char *detail);

/* Inserts an OPEN obstacle whose id is the record's event id, raised by bank_id. */
gfdx_apply_result feedback_store_obstacle_raise(gfdx_apply *a, const feedback_need *n, const char *bank_id,
                                                const char *category, const char *description);

/* Loads and locks an obstacle of need_id: *found, its bank and whether it is still open. */
gfdx_apply_result feedback_store_obstacle(gfdx_apply *a, const char *need_id, const char *obstacle_id, bool *found,
                                          char *bank_id, size_t bank_len, bool *open);

/* Marks the obstacle RESOLVED by the record's sender (resolution, resolved_by official). */
gfdx_apply_result feedback_store_obstacle_resolve(gfdx_apply *a, const char *obstacle_id, const char *resolution,
                                                  const char *official);

/* Emits the obstacle's ObstacleCoordination record (its current row, with the need's
 * enterprise and project) to topic, keyed by the need's province. */
gfdx_apply_result feedback_store_emit_coordination(gfdx_apply *a, const feedback_need *n, const char *obstacle_id,
                                                   const char *topic);

#endif
