/* feedback_obstacle: the life of a financing obstacle (融资梗阻, a feedback.obstacle row) after
 * a bank raised it (issue 12), and the decisions of its steps.
 *
 * The state machine (pure, table-driven; feedback_obstacle_fsm_next is the only source of an
 * obstacle's status):
 *
 *   (ObstacleRaised)                        -> OPEN
 *   OPEN         -ACKNOWLEDGE-> ACKNOWLEDGED   the need's province authority or PBoC branch took
 *                                              it in hand (已受理); still open
 *   OPEN | ACKNOWLEDGED -RESOLVE-> RESOLVED    the province authority or branch resolved it
 *   RESOLVED     -CONFIRM->  CLOSED            the bank that raised it confirms (final)
 *   RESOLVED     -REOPEN->   OPEN              that bank says it is not resolved after all
 *
 * Everything else is illegal and refused: acknowledging twice or after a resolution
 * (OBSTACLE_NOT_OPEN), resolving what is not open (OBSTACLE_NOT_OPEN, as before), confirming
 * or reopening what is not RESOLVED (OBSTACLE_NOT_RESOLVED: e.g. confirming an open
 * obstacle), anything after CLOSED.
 *
 * Open (OPEN, ACKNOWLEDGED) obstacles hold the bank's matching BLOCKED: resolving takes one
 * off the bank's open_obstacles, reopening puts one back (feedback_apply_obstacle, as when it
 * was raised), acknowledging and confirming leave it alone; the need's aggregate follows
 * (feedback_aggregate.h: BLOCKED while any bank that has not declined has one open).
 *
 * Every step, the raise included, is kept in feedback.obstacle_event (HISTORY): the sender
 * that took it (the province authority or branch that acknowledged or resolved it, the bank
 * that raised, confirmed or reopened it), from and to status, its text, its record.
 *
 * Authorization first, before the obstacle is looked at: ObstacleAcknowledged from the need's
 * province authority or PBoC branch only (UNAUTHORIZED_SENDER, the same answer whether the
 * need exists); ObstacleConfirmed / ObstacleReopened from a bank the need was dispatched to
 * (UNAUTHORIZED_SENDER otherwise), and only for an obstacle that bank raised: another bank's
 * obstacle is UNKNOWN_OBSTACLE, as one that does not exist. */
#ifndef FEEDBACK_OBSTACLE_H
#define FEEDBACK_OBSTACLE_H

#include <jansson.h>
#include <stdbool.h>

#include "rowset.h"
#include "service.h"

typedef enum {
    FEEDBACK_OBS_OPEN = 0,
    FEEDBACK_OBS_ACKNOWLEDGED,
    FEEDBACK_OBS_RESOLVED,
    FEEDBACK_OBS_CLOSED
} feedback_obstacle_status;

typedef enum {
    FEEDBACK_OBS_EV_ACKNOWLEDGE = 0, /* ObstacleAcknowledged */
    FEEDBACK_OBS_EV_RESOLVE,         /* ObstacleResolved */
    FEEDBACK_OBS_EV_CONFIRM,         /* ObstacleConfirmed */
    FEEDBACK_OBS_EV_REOPEN           /* ObstacleReopened */
} feedback_obstacle_event;

#define FEEDBACK_OBS_STATUS_COUNT 4
#define FEEDBACK_OBS_EVENT_COUNT 4

/* "OPEN", "ACKNOWLEDGED", "RESOLVED", "CLOSED" (feedback.obstacle.status); "UNKNOWN" out of
 * range. Static. */
const char *feedback_obstacle_status_name(feedback_obstacle_status st);

/* Exact inverse of feedback_obstacle_status_name. 0 and *out set, or -1 (NULL, unknown). */
int feedback_obstacle_status_parse(const char *name, feedback_obstacle_status *out);

/* "ACKNOWLEDGE", "RESOLVE", "CONFIRM", "REOPEN"; "UNKNOWN" out of range. */
const char *feedback_obstacle_event_name(feedback_obstacle_event ev);

/* The transition function: 0 and *next for a legal step; -1 (illegal, out of range, next
 * NULL) with *next untouched. */
int feedback_obstacle_fsm_next(feedback_obstacle_status cur, feedback_obstacle_event ev,
                               feedback_obstacle_status *next) __attribute__((warn_unused_result));

/* OPEN and ACKNOWLEDGED: the obstacle still blocks its bank and ages (the watch). */
bool feedback_obstacle_is_open(feedback_obstacle_status st);

/* The refusal code of an illegal ev: OBSTACLE_NOT_OPEN (ACKNOWLEDGE, RESOLVE) or
 * OBSTACLE_NOT_RESOLVED (CONFIRM, REOPEN). Static. */
const char *feedback_obstacle_refusal(feedback_obstacle_event ev);

/* feedback.obstacle_event: one row per step of an obstacle (HISTORY). */
extern const gfdx_table feedback_obstacle_event_table;

/* Appends the step of the decided record to feedback.obstacle_event: obstacle_id of need_id
 * from status `from` (NULL: the raise) to `to`, by the record's sender, with `text` (the
 * record's description, resolution, comment or reason; NULL when none). */
gfdx_verdict feedback_obstacle_log(gfdx_decision *d, const char *obstacle_id, const char *need_id, const char *from,
                                   const char *to, const char *text);

/* The obstacle's status and the step ev, checked by the state machine: GFDX_DECIDE_OK and
 * *next, or refused (OBSTACLE_NOT_OPEN / OBSTACLE_NOT_RESOLVED), or failed when the stored
 * status is unknown (corrupt). */
gfdx_verdict feedback_obstacle_check(gfdx_decision *d, const json_t *obstacle, feedback_obstacle_event ev,
                                     feedback_obstacle_status *next);

/* ObstacleAcknowledged (the need's province authority or PBoC branch): OPEN -> ACKNOWLEDGED
 * (acknowledged_by / acknowledged_at on the obstacle); nothing else changes. */
gfdx_verdict feedback_decide_obstacle_acknowledged(gfdx_decision *d);

/* ObstacleConfirmed (the bank that raised it): RESOLVED -> CLOSED (closed_at). */
gfdx_verdict feedback_decide_obstacle_confirmed(gfdx_decision *d);

/* ObstacleReopened (the bank that raised it): RESOLVED -> OPEN; the resolution is cleared
 * from the row (kept in obstacle_event), the bank's matching is BLOCKED again, the need's
 * aggregate and NeedMatchingStatus follow, ObstacleCoordination (OPEN) goes to the province. */
gfdx_verdict feedback_decide_obstacle_reopened(gfdx_decision *d);

#endif
