/* feedback_fsm.c: a bank's matching life cycle as one transition table (see feedback_fsm.h). */
#include "feedback_fsm.h"

#include <stddef.h>
#include <string.h>

static const char *const stage_names[FEEDBACK_STAGE_COUNT] = {
    [FEEDBACK_NONE] = "NONE",
    [FEEDBACK_CONTACTED] = "CONTACTED",
    [FEEDBACK_DUE_DILIGENCE] = "DUE_DILIGENCE",
    [FEEDBACK_CREDIT_APPROVED] = "CREDIT_APPROVED",
    [FEEDBACK_DISBURSED] = "DISBURSED",
    [FEEDBACK_DECLINED] = "DECLINED",
};

static const char *const event_names[FEEDBACK_EVENT_COUNT] = {
    [FEEDBACK_EV_CONTACTED] = "CONTACTED",
    [FEEDBACK_EV_DUE_DILIGENCE] = "DUE_DILIGENCE",
    [FEEDBACK_EV_CREDIT_APPROVED] = "CREDIT_APPROVED",
    [FEEDBACK_EV_DISBURSED] = "DISBURSED",
    [FEEDBACK_EV_DECLINED] = "DECLINED",
    [FEEDBACK_EV_OBSTACLE_RAISED] = "OBSTACLE_RAISED",
    [FEEDBACK_EV_OBSTACLE_RESOLVED] = "OBSTACLE_RESOLVED",
};

_Static_assert(FEEDBACK_DECLINED + 1 == FEEDBACK_STAGE_COUNT, "FEEDBACK_STAGE_COUNT out of date");
_Static_assert(FEEDBACK_EV_OBSTACLE_RESOLVED + 1 == FEEDBACK_EVENT_COUNT, "FEEDBACK_EVENT_COUNT out of date");

/* A cell: the target stage + 1 (0 = illegal). GO marks the steps of events that advance
 * (feedback_event_advances), ANY the others; both are plain targets, kept apart for reading. */
#define GO(st) ((unsigned char)((st) + 1))
#define ANY(st) ((unsigned char)((st) + 1))

static const unsigned char transitions[FEEDBACK_STAGE_COUNT][FEEDBACK_EVENT_COUNT] = {
    [FEEDBACK_NONE] = {
        [FEEDBACK_EV_CONTACTED] = GO(FEEDBACK_CONTACTED),
        [FEEDBACK_EV_DECLINED] = ANY(FEEDBACK_DECLINED),
        [FEEDBACK_EV_OBSTACLE_RAISED] = ANY(FEEDBACK_NONE),
        [FEEDBACK_EV_OBSTACLE_RESOLVED] = ANY(FEEDBACK_NONE),
    },
    [FEEDBACK_CONTACTED] = {
        [FEEDBACK_EV_DUE_DILIGENCE] = GO(FEEDBACK_DUE_DILIGENCE),
        [FEEDBACK_EV_CREDIT_APPROVED] = GO(FEEDBACK_CREDIT_APPROVED),
        [FEEDBACK_EV_DECLINED] = ANY(FEEDBACK_DECLINED),
        [FEEDBACK_EV_OBSTACLE_RAISED] = ANY(FEEDBACK_CONTACTED),
        [FEEDBACK_EV_OBSTACLE_RESOLVED] = ANY(FEEDBACK_CONTACTED),
    },
    [FEEDBACK_DUE_DILIGENCE] = {
        [FEEDBACK_EV_CREDIT_APPROVED] = GO(FEEDBACK_CREDIT_APPROVED),
        [FEEDBACK_EV_DECLINED] = ANY(FEEDBACK_DECLINED),
        [FEEDBACK_EV_OBSTACLE_RAISED] = ANY(FEEDBACK_DUE_DILIGENCE),
        [FEEDBACK_EV_OBSTACLE_RESOLVED] = ANY(FEEDBACK_DUE_DILIGENCE),
    },
    [FEEDBACK_CREDIT_APPROVED] = {
        [FEEDBACK_EV_CREDIT_APPROVED] = GO(FEEDBACK_CREDIT_APPROVED),
        [FEEDBACK_EV_DISBURSED] = GO(FEEDBACK_DISBURSED),
        [FEEDBACK_EV_DECLINED] = ANY(FEEDBACK_DECLINED),
        [FEEDBACK_EV_OBSTACLE_RAISED] = ANY(FEEDBACK_CREDIT_APPROVED),
        [FEEDBACK_EV_OBSTACLE_RESOLVED] = ANY(FEEDBACK_CREDIT_APPROVED),
    },
    [FEEDBACK_DISBURSED] = {
        [FEEDBACK_EV_DISBURSED] = GO(FEEDBACK_DISBURSED),
        [FEEDBACK_EV_OBSTACLE_RAISED] = ANY(FEEDBACK_DISBURSED),
        [FEEDBACK_EV_OBSTACLE_RESOLVED] = ANY(FEEDBACK_DISBURSED),
    },
    [FEEDBACK_DECLINED] = {
        [FEEDBACK_EV_OBSTACLE_RESOLVED] = ANY(FEEDBACK_DECLINED),
    },
};

static bool stage_valid(feedback_stage st) { return (unsigned)st < FEEDBACK_STAGE_COUNT; }
static bool event_valid(feedback_event ev) { return (unsigned)ev < FEEDBACK_EVENT_COUNT; }

const char *feedback_stage_name(feedback_stage st) { return stage_valid(st) ? stage_names[st] : "UNKNOWN"; }

const char *feedback_event_name(feedback_event ev) { return event_valid(ev) ? event_names[ev] : "UNKNOWN"; }

int feedback_stage_parse(const char *name, feedback_stage *out)
{
    if (!name || !out)
        return -1;
    for (unsigned i = 0; i < FEEDBACK_STAGE_COUNT; i++)
        if (!strcmp(name, stage_names[i])) {
            *out = (feedback_stage)i;
            return 0;
        }
    return -1;
}

int feedback_event_of_stage(const char *stage_name, feedback_event *out)
{
    if (!stage_name || !out)
        return -1;
    for (unsigned i = FEEDBACK_EV_CONTACTED; i <= FEEDBACK_EV_DECLINED; i++)
        if (!strcmp(stage_name, event_names[i])) {
            *out = (feedback_event)i;
            return 0;
        }
    return -1;
}

int feedback_fsm_next(feedback_stage cur, feedback_event ev, feedback_stage *next)
{
    if (!next || !stage_valid(cur) || !event_valid(ev))
        return -1;
    unsigned char to = transitions[cur][ev];
    if (to == 0)
        return -1;
    *next = (feedback_stage)(to - 1);
    return 0;
}

bool feedback_event_advances(feedback_event ev) { return ev >= FEEDBACK_EV_CONTACTED && ev <= FEEDBACK_EV_DISBURSED; }

bool feedback_stage_is_final(feedback_stage st) { return st == FEEDBACK_DECLINED; }

void feedback_matching_init(feedback_matching *m)
{
    memset(m, 0, sizeof *m);
    m->stage = FEEDBACK_NONE;
    m->rate_bp = m->term_months = -1;
}
