/* feedback_aggregate.c: per-need aggregate and its overall state. See feedback_aggregate.h. */
#include "feedback_aggregate.h"

#include <string.h>

static const char *const overall_names[] = {
    [FEEDBACK_AWAITING] = "AWAITING", [FEEDBACK_MATCHING] = "MATCHING",         [FEEDBACK_APPROVED] = "APPROVED",
    [FEEDBACK_FINANCED] = "FINANCED", [FEEDBACK_DECLINED_ALL] = "DECLINED_ALL", [FEEDBACK_BLOCKED] = "BLOCKED",
};
#define OVERALL_COUNT (sizeof overall_names / sizeof overall_names[0])

const char *feedback_overall_name(feedback_overall o)
{
    return (unsigned)o < OVERALL_COUNT ? overall_names[o] : "UNKNOWN";
}

int feedback_overall_parse(const char *name, feedback_overall *out)
{
    for (unsigned i = 0; name && out && i < OVERALL_COUNT; i++)
        if (!strcmp(name, overall_names[i])) {
            *out = (feedback_overall)i;
            return 0;
        }
    return -1;
}

/* What the precedence rules look at besides the counters. */
typedef struct {
    bool approved_unblocked; /* a bank at CREDIT_APPROVED without open obstacles */
    bool blocked;            /* a bank not DECLINED with open obstacles */
    bool at_work;            /* a bank at CONTACTED .. DISBURSED */
    bool reported;           /* a bank at any stage but NONE */
} facts;

/* Adds one bank; false when a sum would overflow (a is then partly added: discard it). */
static bool count_bank(const feedback_matching *m, feedback_aggregate *a, facts *f)
{
    bool approved = m->stage == FEEDBACK_CREDIT_APPROVED || m->stage == FEEDBACK_DISBURSED;
    a->banks_contacted += m->contacted; /* at most one per bank: n banks fit in an int */
    a->banks_approved += approved;
    a->banks_declined += m->stage == FEEDBACK_DECLINED;
    if (__builtin_add_overflow(a->approved_total, approved ? m->approved_amount : 0, &a->approved_total) ||
        __builtin_add_overflow(a->disbursed_total, m->disbursed_total, &a->disbursed_total) ||
        __builtin_add_overflow(a->open_obstacles, m->open_obstacles, &a->open_obstacles))
        return false;
    f->approved_unblocked |= m->stage == FEEDBACK_CREDIT_APPROVED && m->open_obstacles == 0;
    f->blocked |= m->stage != FEEDBACK_DECLINED && m->open_obstacles > 0;
    f->at_work |= m->stage != FEEDBACK_DECLINED && m->stage != FEEDBACK_NONE;
    f->reported |= m->stage != FEEDBACK_NONE;
    return true;
}

static feedback_overall overall_of(const feedback_aggregate *a, const facts *f)
{
    if (a->disbursed_total > 0)
        return FEEDBACK_FINANCED;
    if (f->approved_unblocked)
        return FEEDBACK_APPROVED;
    if (f->blocked)
        return FEEDBACK_BLOCKED;
    if (a->banks_declined > 0 && a->banks_declined >= a->banks_dispatched && !f->at_work)
        return FEEDBACK_DECLINED_ALL;
    if (f->reported)
        return FEEDBACK_MATCHING;
    return FEEDBACK_AWAITING;
}

int feedback_aggregate_compute(const feedback_matching *banks, size_t n, int banks_dispatched,
                               feedback_aggregate *out)
{
    feedback_aggregate a = {.banks_dispatched = banks_dispatched};
    facts f = {0};
    for (size_t i = 0; i < n; i++)
        if (!count_bank(&banks[i], &a, &f))
            return -1;
    a.overall = overall_of(&a, &f);
    *out = a;
    return 0;
}

bool feedback_aggregate_same_status(const feedback_aggregate *a, const feedback_aggregate *b)
{
    return a->overall == b->overall && a->banks_contacted == b->banks_contacted &&
           a->banks_approved == b->banks_approved && a->banks_declined == b->banks_declined &&
           a->open_obstacles == b->open_obstacles && a->approved_total == b->approved_total &&
           a->disbursed_total == b->disbursed_total;
}
