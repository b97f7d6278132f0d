/* push_fsm: the life cycle of a need inside gfdx-push (DESIGN §6.2).
 *
 *   NONE        -PUSH->     DISPATCHED   (NeedPushed: recorded, routed, dispatched)
 *   DISPATCHED  -WITHDRAW-> WITHDRAWN    (NeedPushWithdrawn: dispatches cancelled; final)
 *
 * Every other pair is refused. A second NeedPushed for a need already here (a new event id:
 * a retry with the same event id never reaches the handler) is ILLEGAL_TRANSITION: MIIT
 * pushes a need once, and a need's dispatches must not change under the banks working on
 * it; a correction is a withdrawal and a new need. A withdrawal of a need never pushed is
 * UNKNOWN_NEED. Pure, table-free, thread-safe. */
#ifndef PUSH_FSM_H
#define PUSH_FSM_H

typedef enum { PUSH_NONE = 0, PUSH_DISPATCHED, PUSH_WITHDRAWN } push_status;
typedef enum { PUSH_EV_PUSH, PUSH_EV_WITHDRAW } push_event;

#define PUSH_STATUS_COUNT 3
#define PUSH_EVENT_COUNT 2

/* Returns NULL and sets *next when the transition is legal; otherwise the refusal reason
 * code ("UNKNOWN_NEED" or "ILLEGAL_TRANSITION", static) and leaves *next alone. */
const char *push_fsm_next(push_status cur, push_event ev, push_status *next);

/* "NONE" | "DISPATCHED" | "WITHDRAWN" as stored in pboc.need.status ("UNKNOWN" outside the
 * enum); "PUSH" | "WITHDRAW". Static strings. */
const char *push_status_name(push_status st);
const char *push_event_name(push_event ev);

/* Inverse of push_status_name ("NONE" included). 0 ok; -1 for anything else (*out untouched). */
int push_status_parse(const char *name, push_status *out);

#endif
