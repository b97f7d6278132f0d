/* push_fsm.c: see push_fsm.h. */
#include "push_fsm.h"

#include <string.h>

static const char *const status_names[PUSH_STATUS_COUNT] = {"NONE", "DISPATCHED", "WITHDRAWN"};
static const char *const event_names[PUSH_EVENT_COUNT] = {"PUSH", "WITHDRAW"};

const char *push_fsm_next(push_status cur, push_event ev, push_status *next)
{
    if (cur == PUSH_NONE && ev == PUSH_EV_PUSH) {
        *next = PUSH_DISPATCHED;
        return NULL;
    }
    if (cur == PUSH_DISPATCHED && ev == PUSH_EV_WITHDRAW) {
        *next = PUSH_WITHDRAWN;
        return NULL;
    }
    return cur == PUSH_NONE && ev == PUSH_EV_WITHDRAW ? "UNKNOWN_NEED" : "ILLEGAL_TRANSITION";
}

const char *push_status_name(push_status st)
{
    return (unsigned)st < PUSH_STATUS_COUNT ? status_names[st] : "UNKNOWN";
}

const char *push_event_name(push_event ev)
{
    return (unsigned)ev < PUSH_EVENT_COUNT ? event_names[ev] : "UNKNOWN";
}

int push_status_parse(const char *name, push_status *out)
{
    for (int i = 0; name && i < PUSH_STATUS_COUNT; i++)
        if (!strcmp(status_names[i], name)) {
            *out = (push_status)i;
            return 0;
        }
    return -1;
}
