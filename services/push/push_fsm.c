/* push_fsm.c: see push_fsm.h. */
#include "push_fsm.h"

#include <string.h>

static const char *const status_names[PUSH_STATUS_COUNT] = {"NONE", "DISPATCHED", "WITHDRAWN"};
static const char *const event_names[PUSH_EVENT_COUNT] = {"PUSH", "WITHDRAW", "ASSIGN"};
static const char *const dispatch_names[PUSH_DISPATCH_STATUS_COUNT] = {"NONE", "ACTIVE", "CANCELLED"};
static const char *const alert_names[PUSH_ALERT_STATUS_COUNT] = {"NONE", "OPEN", "CLOSED"};

int push_fsm_next(push_status cur, push_event ev, push_status *next)
{
    if (cur == PUSH_NONE && ev == PUSH_EV_PUSH) {
        *next = PUSH_DISPATCHED;
        return 0;
    }
    if (cur == PUSH_DISPATCHED && ev == PUSH_EV_WITHDRAW) {
        *next = PUSH_WITHDRAWN;
        return 0;
    }
    if (cur == PUSH_DISPATCHED && ev == PUSH_EV_ASSIGN) {
        *next = PUSH_DISPATCHED;
        return 0;
    }
    return -1;
}

const char *push_fsm_refusal(push_status cur, push_event ev)
{
    if (cur == PUSH_NONE && (ev == PUSH_EV_WITHDRAW || ev == PUSH_EV_ASSIGN))
        return "UNKNOWN_NEED";
    if (cur == PUSH_WITHDRAWN && ev == PUSH_EV_ASSIGN)
        return "NEED_WITHDRAWN";
    return "ILLEGAL_TRANSITION";
}

const char *push_status_name(push_status st)
{
    return (unsigned)st < PUSH_STATUS_COUNT ? status_names[st] : "UNKNOWN";
}

const char *push_event_name(push_event ev)
{
    return (unsigned)ev < PUSH_EVENT_COUNT ? event_names[ev] : "UNKNOWN";
}

/* Index of name in names[0..n), or -1. */
static int name_index(const char *const *names, int n, const char *name)
{
    for (int i = 0; name && i < n; i++)
        if (!strcmp(names[i], name))
            return i;
    return -1;
}

int push_status_parse(const char *name, push_status *out)
{
    int i = name_index(status_names, PUSH_STATUS_COUNT, name);
    if (i < 0)
        return -1;
    *out = (push_status)i;
    return 0;
}

int push_dispatch_fsm_next(push_dispatch_status cur, push_dispatch_event ev, push_dispatch_status *next)
{
    if (cur == PUSH_DISPATCH_NONE && ev == PUSH_DEV_DISPATCH) {
        *next = PUSH_DISPATCH_ACTIVE;
        return 0;
    }
    if (cur == PUSH_DISPATCH_ACTIVE && ev == PUSH_DEV_CANCEL) {
        *next = PUSH_DISPATCH_CANCELLED;
        return 0;
    }
    return -1;
}

const char *push_dispatch_status_name(push_dispatch_status st)
{
    return (unsigned)st < PUSH_DISPATCH_STATUS_COUNT ? dispatch_names[st] : "UNKNOWN";
}

int push_dispatch_status_parse(const char *name, push_dispatch_status *out)
{
    int i = name_index(dispatch_names, PUSH_DISPATCH_STATUS_COUNT, name);
    if (i < 0)
        return -1;
    *out = (push_dispatch_status)i;
    return 0;
}

int push_alert_fsm_next(push_alert_status cur, push_alert_event ev, push_alert_status *next)
{
    if (cur == PUSH_ALERT_NONE && ev == PUSH_AEV_RAISE) {
        *next = PUSH_ALERT_OPEN;
        return 0;
    }
    if (cur == PUSH_ALERT_OPEN && ev == PUSH_AEV_CLOSE) {
        *next = PUSH_ALERT_CLOSED;
        return 0;
    }
    return -1;
}

const char *push_alert_status_name(push_alert_status st)
{
    return (unsigned)st < PUSH_ALERT_STATUS_COUNT ? alert_names[st] : "UNKNOWN";
}

int push_alert_status_parse(const char *name, push_alert_status *out)
{
    int i = name_index(alert_names, PUSH_ALERT_STATUS_COUNT, name);
    if (i < 0)
        return -1;
    *out = (push_alert_status)i;
    return 0;
}
