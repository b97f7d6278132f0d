/* test_feedback_overflow: amounts summed across banks never wrap (feedback_aggregate.h):
 * two banks approving INT64_MAX fen each used to make feedback.need_status.approved_total
 * -2 (signed overflow: undefined behaviour in C). The sum is checked; an overflowing
 * aggregate is reported, never computed. Run it under UBSan too (GFDX_SANITIZE=ON). */
#include "check.h"
#include "feedback/feedback_aggregate.h"

#include <stdint.h>

static feedback_matching bank(feedback_stage stage, long long approved, long long disbursed)
{
    feedback_matching m;
    feedback_matching_init(&m);
    m.stage = stage;
    m.contacted = true;
    m.approved_amount = approved;
    m.disbursed_total = disbursed;
    return m;
}

static void test_approved_overflow(void)
{
    feedback_matching b[] = {bank(FEEDBACK_CREDIT_APPROVED, INT64_MAX, 0), bank(FEEDBACK_CREDIT_APPROVED, INT64_MAX, 0)};
    feedback_aggregate a = {.approved_total = 12345};
    CHECK(feedback_aggregate_compute(b, 2, 2, &a) == -1);
    CHECK_MSG(a.approved_total == 12345, "out must stay untouched, got %lld", a.approved_total);
    /* one bank at INT64_MAX is representable */
    CHECK(feedback_aggregate_compute(b, 1, 2, &a) == 0);
    CHECK(a.approved_total == INT64_MAX && a.overall == FEEDBACK_APPROVED);
    /* one fen past it is not */
    feedback_matching c[] = {bank(FEEDBACK_CREDIT_APPROVED, INT64_MAX, 0), bank(FEEDBACK_CREDIT_APPROVED, 1, 0)};
    CHECK(feedback_aggregate_compute(c, 2, 2, &a) == -1);
}

static void test_disbursed_overflow(void)
{
    feedback_matching b[] = {bank(FEEDBACK_DISBURSED, INT64_MAX, INT64_MAX), bank(FEEDBACK_DECLINED, 0, 1)};
    feedback_aggregate a;
    CHECK(feedback_aggregate_compute(b, 2, 2, &a) == -1);
    b[1].disbursed_total = 0;
    CHECK(feedback_aggregate_compute(b, 2, 2, &a) == 0);
    CHECK(a.disbursed_total == INT64_MAX && a.overall == FEEDBACK_FINANCED);
}

static void test_obstacles_overflow(void)
{
    feedback_matching b[] = {bank(FEEDBACK_CONTACTED, 0, 0), bank(FEEDBACK_CONTACTED, 0, 0)};
    b[0].open_obstacles = INT32_MAX;
    b[1].open_obstacles = 1;
    feedback_aggregate a;
    CHECK(feedback_aggregate_compute(b, 2, 2, &a) == -1);
}

int main(void)
{
    test_approved_overflow();
    test_disbursed_overflow();
    test_obstacles_overflow();
    return CHECK_DONE();
}
