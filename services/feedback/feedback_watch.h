/* feedback_watch: gfdx-feedback's watch (service.h "the watch"): the duties that fall due when
 * nothing arrives (issue 12, timeliness).
 *
 *   NO_FEEDBACK       an ACTIVE dispatch (pboc.dispatch) of a need that is not withdrawn, whose
 *                     bank has sent nothing on the need (no feedback.matching row: neither a
 *                     MatchingFeedback nor an obstacle) more than feedback.no_feedback_alert_days
 *                     working days after pboc.dispatch.dispatched_at;
 *   OBSTACLE_OVERDUE  an obstacle still open (OPEN or ACKNOWLEDGED) more than
 *                     feedback.obstacle_open_alert_days working days after it was raised
 *                     (feedback.obstacle.raised_at, the bank's meta.occurred_at).
 * Ages are gfdx_calendar_working_days_between(since, the watch's clock): "more than N" means
 * the (N+1)th working day after; a dispatch of a Friday with N = 10 is due on the 11th
 * working day after it.
 *
 * Each is raised once (idempotent): its alert_id is feedback_alert_id(kind, need, bank) or
 * (kind, obstacle id), the candidate statement skips what has an alert of that kind already,
 * and the decision skips an id whose alert row is loaded (a second round finds nothing to do).
 * A due candidate becomes a feedback.alert row (STATE put, facts: working_days, limit_days,
 * since), AlertRaised to gfdx.alerts.<branch> and Escalation to
 * <coordination_prefix><province> (key: the province), read there by the province authority
 * and the province's branches.
 *
 * The candidates come from one parameterised statement (feedback_watch_candidates) on w->db:
 * both kinds, oldest first, at most FEEDBACK_WATCH_MAX per round (older ones are the more aged:
 * what a round leaves is picked up by the next). A calendar-day prefilter (N working days are at
 * least N calendar days) keeps the young ones out of the statement's answer. */
#ifndef FEEDBACK_WATCH_H
#define FEEDBACK_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "calendar.h"
#include "service.h"

#define FEEDBACK_WATCH_MAX 2000

typedef enum { FEEDBACK_WATCH_NO_FEEDBACK = 0, FEEDBACK_WATCH_OBSTACLE_OVERDUE } feedback_watch_kind;

/* One candidate of the statement. Strings borrowed (from the PGresult, or the test). */
typedef struct {
    feedback_watch_kind kind;
    const char *need_id, *bank_id;
    const char *obstacle_id; /* OBSTACLE_OVERDUE; NULL for NO_FEEDBACK */
    int64_t since_ms;        /* dispatched_at or raised_at */
} feedback_watch_candidate;

/* "NO_FEEDBACK", "OBSTACLE_OVERDUE". Static. */
const char *feedback_watch_kind_name(feedback_watch_kind k);

/* Pure: whether something aged since since_ms is due at now_ms with limit_days; *age gets the
 * working days (gfdx_calendar_working_days_between). Due when *age > limit_days. */
bool feedback_watch_due(const gfdx_calendar *cal, int64_t since_ms, int64_t now_ms, int limit_days, int64_t *age);

/* The alert id of a candidate (feedback_alert_id of its kind and need and bank, or obstacle). */
void feedback_watch_alert_id(const feedback_watch_candidate *c, char *out);

/* Queues what the decision of c reads: its pboc.need row and its alert (by id). 0 or -1. */
int feedback_watch_want(gfdx_rowset *rs, const feedback_watch_candidate *c);

/* The decision on one candidate, pure on (w->rows, w->ctx): nothing when its alert exists or it
 * is not due yet, else the alert row staged and AlertRaised and Escalation emitted
 * (gfdx_watch_emit). *raised says whether it was. 0, or -1 with w->err (*w->transient). */
int feedback_watch_decide(gfdx_watch *w, const feedback_watch_candidate *c, bool *raised);

/* gfdx_watch_fn: candidates, their rows, the decisions. */
int feedback_watch(void *service_ctx, gfdx_watch *w);

#endif
