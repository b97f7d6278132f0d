/* push_fsm: the life cycles inside gfdx-push (DESIGN §6.2): a need's and a dispatch's. They
 * are the only source of a status pboc.need and pboc.dispatch hold (no literal anywhere).
 *
 * A need (pboc.need.status):
 *   NONE        -PUSH->     DISPATCHED   (NeedPushed: recorded, routed, dispatched)
 *   DISPATCHED  -WITHDRAW-> WITHDRAWN    (NeedPushWithdrawn: dispatches cancelled; final)
 *   DISPATCHED  -ASSIGN->   DISPATCHED   (BanksAssigned by its branch: more dispatches)
 * Every other pair is refused. BanksAssigned on a WITHDRAWN need is NEED_WITHDRAWN, on a need
 * never pushed UNKNOWN_NEED (push_fsm_refusal). A second NeedPushed for a need already here (a new event id:
 * a retry with the same event id never reaches the handler) is ILLEGAL_TRANSITION: MIIT
 * pushes a need once, and a need's dispatches must not change under the banks working on
 * it; a correction is a withdrawal and a new need. A withdrawal of a need never pushed is
 * UNKNOWN_NEED (push_fsm_refusal).
 *
 * A dispatch, one per (need, bank) (pboc.dispatch.status):
 *   NONE    -DISPATCH-> ACTIVE      (the need was pushed and the bank is registered for its branch)
 *   ACTIVE  -CANCEL->   CANCELLED   (the need was withdrawn; final)
 * Every other pair is illegal: a bank assigned again to a need it is ACTIVE on is a no-op.
 *
 * A watch alert, one per (need, kind) (pboc.alert.status):
 *   NONE  -RAISE-> OPEN     (the watch found the need due: AlertRaised to its branch)
 *   OPEN  -CLOSE-> CLOSED   (banks were assigned; final)
 * Every other pair is illegal: an alert is raised once.
 *
 * Pure, table-free, thread-safe. */
#ifndef PUSH_FSM_H
#define PUSH_FSM_H

typedef enum { PUSH_NONE = 0, PUSH_DISPATCHED, PUSH_WITHDRAWN } push_status;
typedef enum { PUSH_EV_PUSH, PUSH_EV_WITHDRAW, PUSH_EV_ASSIGN } push_event;

#define PUSH_STATUS_COUNT 3
#define PUSH_EVENT_COUNT 3

/* 0 and *next set when the transition is legal; -1 otherwise (*next left alone). */
int push_fsm_next(push_status cur, push_event ev, push_status *next);

/* The refusal reason code of an illegal (cur, ev): "UNKNOWN_NEED" for a withdrawal or an
 * assignment of a need never pushed, "NEED_WITHDRAWN" for an assignment of a withdrawn need,
 * else "ILLEGAL_TRANSITION" (static). */
const char *push_fsm_refusal(push_status cur, push_event ev);

/* "NONE" | "DISPATCHED" | "WITHDRAWN" as stored in pboc.need.status ("UNKNOWN" outside the
 * enum); "PUSH" | "WITHDRAW" | "ASSIGN". Static strings. */
const char *push_status_name(push_status st);
const char *push_event_name(push_event ev);

/* Inverse of push_status_name ("NONE" included). 0 ok; -1 for anything else (*out untouched). */
int push_status_parse(const char *name, push_status *out);

typedef enum { PUSH_DISPATCH_NONE = 0, PUSH_DISPATCH_ACTIVE, PUSH_DISPATCH_CANCELLED } push_dispatch_status;
typedef enum { PUSH_DEV_DISPATCH, PUSH_DEV_CANCEL } push_dispatch_event;

#define PUSH_DISPATCH_STATUS_COUNT 3
#define PUSH_DISPATCH_EVENT_COUNT 2

/* 0 and *next set when the transition is legal; -1 otherwise (*next left alone). */
int push_dispatch_fsm_next(push_dispatch_status cur, push_dispatch_event ev, push_dispatch_status *next);

/* "NONE" | "ACTIVE" | "CANCELLED" as stored in pboc.dispatch.status ("UNKNOWN" outside). */
const char *push_dispatch_status_name(push_dispatch_status st);

/* Inverse of push_dispatch_status_name. 0 ok; -1 for anything else (*out untouched). */
int push_dispatch_status_parse(const char *name, push_dispatch_status *out);

typedef enum { PUSH_ALERT_NONE = 0, PUSH_ALERT_OPEN, PUSH_ALERT_CLOSED } push_alert_status;
typedef enum { PUSH_AEV_RAISE, PUSH_AEV_CLOSE } push_alert_event;

#define PUSH_ALERT_STATUS_COUNT 3

/* 0 and *next set when the transition is legal; -1 otherwise (*next left alone). */
int push_alert_fsm_next(push_alert_status cur, push_alert_event ev, push_alert_status *next);

/* "NONE" | "OPEN" | "CLOSED" as stored in pboc.alert.status ("UNKNOWN" outside). */
const char *push_alert_status_name(push_alert_status st);

/* Inverse of push_alert_status_name. 0 ok; -1 for anything else (*out untouched). */
int push_alert_status_parse(const char *name, push_alert_status *out);

#endif
