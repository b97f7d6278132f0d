/* feedback_decide: the decisions of gfdx-feedback (DESIGN §6.3) on the decide API
 * (service.h): pure functions of (d->rows, d->rec, d->sender, d->ctx) that stage their
 * effects in the batch's rowset (feedback_store.h tables) and emit through
 * gfdx_decide_emit. No SQL, no logging, no exit. d->ctx->service_ctx is a feedback_ctx.
 *
 * Every decision follows the same order: who is the sender, is the record well formed (pure
 * checks), may this sender speak about this need (a pboc.dispatch row for a bank; the need's
 * province authority or PBoC branch for a resolution) before anything about the need's state
 * is looked at, is the change legal (feedback_rules: the stage from feedback_fsm_next, the
 * open obstacles, the amounts), then the effects: the bank's matching row, its
 * matching_event row, the need's aggregate recomputed from every bank's current row (so a
 * later record of the same need in the batch sees the earlier ones) with NeedMatchingStatus
 * to settings.status_topic when it changed, alerts, and ObstacleCoordination to
 * <coordination_prefix><province>. A refusal after effects were staged is undone by the
 * pipeline (gfdx_rowset_undo), so a refused record leaves nothing.
 *
 * Verdicts: GFDX_DECIDE_OK; GFDX_DECIDE_REFUSED with the codes of feedback.h and
 * feedback_rules.h (and LIMIT_EXCEEDED when a total across banks would overflow 64 bits,
 * RECORD_TOO_LARGE from gfdx_decide_emit); GFDX_DECIDE_FAILED: out of memory (transient),
 * a stored row that cannot be read or an obstacle id already taken (permanent: STORE_ERROR). */
#ifndef FEEDBACK_DECIDE_H
#define FEEDBACK_DECIDE_H

#include "feedback_fsm.h"
#include "feedback_store.h"
#include "service.h"

/* MatchingFeedback (bank): a stage reached, with its amounts. */
gfdx_verdict feedback_decide_matching(gfdx_decision *d);

/* ObstacleRaised (bank): an OPEN obstacle whose id is the record's event id; the bank's
 * matching is BLOCKED until it is resolved. */
gfdx_verdict feedback_decide_obstacle_raised(gfdx_decision *d);

/* ObstacleResolved (the need's province authority or PBoC branch). */
gfdx_verdict feedback_decide_obstacle_resolved(gfdx_decision *d);

/* The need's province authority or the PBoC branch the need was routed to: who may
 * acknowledge and resolve its obstacles. */
bool feedback_may_coordinate(const gfdx_participant *p, const feedback_need *n);

/* An obstacle step's effects on its bank (feedback_obstacle.c, e.g. a reopened obstacle: ev
 * OBSTACLE_RAISED, open again): the bank's matching (open_obstacles through
 * feedback_apply_obstacle), its matching_event row, the need's aggregate and
 * NeedMatchingStatus, and ObstacleCoordination from the obstacle's row as staged. */
gfdx_verdict feedback_decide_obstacle_effects(gfdx_decision *d, const char *obstacle_id, const char *bank_id,
                                              feedback_event ev);

#endif
