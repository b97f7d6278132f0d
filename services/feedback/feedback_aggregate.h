/* feedback_aggregate: the per-need aggregate of bank matching (feedback.need_status, and the
 * NeedMatchingStatus record on gfdx.matching-status), computed from every bank's matching.
 *
 * Pure: no I/O, no allocation. The counters:
 *   banks_dispatched  banks the need was dispatched to (pboc.dispatch rows, any status);
 *   banks_contacted   banks that reached CONTACTED or beyond (still counted after declining);
 *   banks_approved    banks at CREDIT_APPROVED or DISBURSED;
 *   banks_declined    banks at DECLINED;
 *   approved_total    sum of approved_amount of the banks counted in banks_approved (a bank
 *                     that approved and then declined no longer counts);
 *   disbursed_total   sum of every bank's disbursements;
 *   open_obstacles    obstacles raised on the need and not yet resolved (all banks).
 *
 * overall, the first rule that holds, in this order of precedence:
 *   1. FINANCED      disbursed_total > 0: money reached the enterprise; an obstacle elsewhere
 *                    does not undo that (open_obstacles still says so);
 *   2. APPROVED      some bank is at CREDIT_APPROVED with no open obstacle of its own;
 *   3. BLOCKED       some bank that has not declined has an open obstacle (an approval whose
 *                    bank is blocked counts here, not as APPROVED): the need waits for the
 *                    province authority and the PBoC branch;
 *   4. DECLINED_ALL  at least one bank declined, at least as many as the need was dispatched
 *                    to, and no bank is still at work (every bank the need went to declined);
 *                    open obstacles of banks that declined do not block;
 *   5. MATCHING      some bank reported a stage (CONTACTED or later, or DECLINED while
 *                    others have not reported yet);
 *   6. AWAITING      no bank has reported a stage. */
#ifndef FEEDBACK_AGGREGATE_H
#define FEEDBACK_AGGREGATE_H

#include <stdbool.h>
#include <stddef.h>

#include "feedback_fsm.h"

typedef enum {
    FEEDBACK_AWAITING,
    FEEDBACK_MATCHING,
    FEEDBACK_APPROVED,
    FEEDBACK_FINANCED,
    FEEDBACK_DECLINED_ALL,
    FEEDBACK_BLOCKED
} feedback_overall;

typedef struct {
    feedback_overall overall;
    int banks_dispatched, banks_contacted, banks_approved, banks_declined, open_obstacles;
    long long approved_total, disbursed_total;
} feedback_aggregate;

/* The MatchingOverall symbol: "AWAITING" ... "BLOCKED"; "UNKNOWN" out of range. */
const char *feedback_overall_name(feedback_overall o);

/* Inverse of feedback_overall_name. 0 and *out set, or -1. */
int feedback_overall_parse(const char *name, feedback_overall *out);

/* The aggregate of banks[0..n) for a need dispatched to banks_dispatched banks. banks may be
 * NULL when n is 0 (AWAITING, all zero). Every sum is checked (__builtin_add_overflow): 0 and
 * *out filled, or -1 when approved_total, disbursed_total or open_obstacles would overflow
 * (*out untouched; the record that led there is refused LIMIT_EXCEEDED). */
int feedback_aggregate_compute(const feedback_matching *banks, size_t n, int banks_dispatched,
                               feedback_aggregate *out);

/* True when a and b agree on everything NeedMatchingStatus carries (overall and the six
 * counters; banks_dispatched is not published). A change publishes a record. */
bool feedback_aggregate_same_status(const feedback_aggregate *a, const feedback_aggregate *b);

#endif
