/* test_feedback_aggregate: the per-need aggregate (counters) and the precedence of its
 * overall state, rule by rule and at every boundary between two rules
 * (feedback_aggregate.h). */
#include "check.h"
#include "feedback/feedback_aggregate.h"

#include <stdbool.h>

/* A bank at `stage`, having contacted when the stage implies it (or when told). */
static feedback_matching bank(feedback_stage stage, int obstacles, long long approved, long long disbursed)
{
    feedback_matching m;
    feedback_matching_init(&m);
    m.stage = stage;
    m.contacted = stage != FEEDBACK_NONE && stage != FEEDBACK_DECLINED;
    m.open_obstacles = obstacles;
    m.approved_amount = approved;
    m.disbursed_total = disbursed;
    return m;
}

static feedback_overall overall(const feedback_matching *b, size_t n, int dispatched)
{
    feedback_aggregate a;
    feedback_aggregate_compute(b, n, dispatched, &a);
    return a.overall;
}

#define OVERALL_IS(want, dispatched, ...)                                                                          \
    do {                                                                                                           \
        feedback_matching b_[] = {__VA_ARGS__};                                                                    \
        feedback_overall got_ = overall(b_, sizeof b_ / sizeof b_[0], dispatched);                                 \
        CHECK_MSG(got_ == (want), "expected %s, got %s", feedback_overall_name(want), feedback_overall_name(got_)); \
    } while (0)

static void test_counters(void)
{
    feedback_matching b[] = {
        bank(FEEDBACK_DISBURSED, 0, 3000, 1000),      bank(FEEDBACK_CREDIT_APPROVED, 1, 2000, 0),
        bank(FEEDBACK_DECLINED, 1, 0, 0),             bank(FEEDBACK_CONTACTED, 0, 0, 0),
        bank(FEEDBACK_NONE, 2, 0, 0),                 bank(FEEDBACK_DECLINED, 0, 500, 0),
    };
    b[2].contacted = true;  /* contacted, then declined: still counted as contacted */
    b[5].contacted = false; /* declined without contact, after an approval of 500 that no longer counts */
    feedback_aggregate a;
    feedback_aggregate_compute(b, 6, 7, &a);
    CHECK(a.banks_dispatched == 7);
    CHECK(a.banks_contacted == 4);
    CHECK(a.banks_approved == 2);
    CHECK(a.banks_declined == 2);
    CHECK(a.approved_total == 5000);
    CHECK(a.disbursed_total == 1000);
    CHECK(a.open_obstacles == 4); /* a declined bank's open obstacle still counts */
    CHECK(a.overall == FEEDBACK_FINANCED);

    feedback_aggregate_compute(NULL, 0, 3, &a);
    CHECK(a.overall == FEEDBACK_AWAITING && a.banks_contacted == 0 && a.approved_total == 0 && a.open_obstacles == 0);
}

static void test_each_rule(void)
{
    /* 6. nothing reported */
    OVERALL_IS(FEEDBACK_AWAITING, 3, bank(FEEDBACK_NONE, 0, 0, 0));
    /* 5. a stage reported */
    OVERALL_IS(FEEDBACK_MATCHING, 3, bank(FEEDBACK_CONTACTED, 0, 0, 0));
    OVERALL_IS(FEEDBACK_MATCHING, 3, bank(FEEDBACK_DUE_DILIGENCE, 0, 0, 0), bank(FEEDBACK_NONE, 0, 0, 0));
    /* 4. everyone declined */
    OVERALL_IS(FEEDBACK_DECLINED_ALL, 2, bank(FEEDBACK_DECLINED, 0, 0, 0), bank(FEEDBACK_DECLINED, 0, 0, 0));
    /* 3. an open obstacle on a bank still at work, or before contact */
    OVERALL_IS(FEEDBACK_BLOCKED, 3, bank(FEEDBACK_CONTACTED, 1, 0, 0));
    OVERALL_IS(FEEDBACK_BLOCKED, 3, bank(FEEDBACK_NONE, 1, 0, 0));
    /* 2. an approval without an obstacle */
    OVERALL_IS(FEEDBACK_APPROVED, 3, bank(FEEDBACK_CREDIT_APPROVED, 0, 100, 0));
    /* 1. money disbursed */
    OVERALL_IS(FEEDBACK_FINANCED, 3, bank(FEEDBACK_DISBURSED, 0, 100, 50));
    OVERALL_IS(FEEDBACK_FINANCED, 1, bank(FEEDBACK_DISBURSED, 0, 100, 100));
}

/* Where two rules both hold, the higher one wins; one case per adjacent pair and more. */
static void test_precedence(void)
{
    /* FINANCED over BLOCKED: a disbursing bank's own new obstacle */
    OVERALL_IS(FEEDBACK_FINANCED, 2, bank(FEEDBACK_DISBURSED, 1, 100, 40));
    /* FINANCED over BLOCKED elsewhere and over APPROVED */
    OVERALL_IS(FEEDBACK_FINANCED, 3, bank(FEEDBACK_DISBURSED, 0, 100, 40), bank(FEEDBACK_CONTACTED, 2, 0, 0),
               bank(FEEDBACK_CREDIT_APPROVED, 0, 80, 0));
    /* FINANCED over DECLINED_ALL-like counts: the others declined */
    OVERALL_IS(FEEDBACK_FINANCED, 2, bank(FEEDBACK_DISBURSED, 0, 100, 40), bank(FEEDBACK_DECLINED, 0, 0, 0));
    /* APPROVED over BLOCKED when the blocked bank is another one */
    OVERALL_IS(FEEDBACK_APPROVED, 2, bank(FEEDBACK_CREDIT_APPROVED, 0, 100, 0), bank(FEEDBACK_DUE_DILIGENCE, 1, 0, 0));
    /* BLOCKED over APPROVED when the approving bank itself is blocked */
    OVERALL_IS(FEEDBACK_BLOCKED, 2, bank(FEEDBACK_CREDIT_APPROVED, 1, 100, 0), bank(FEEDBACK_CONTACTED, 0, 0, 0));
    /* BLOCKED over MATCHING */
    OVERALL_IS(FEEDBACK_BLOCKED, 3, bank(FEEDBACK_CONTACTED, 0, 0, 0), bank(FEEDBACK_DUE_DILIGENCE, 1, 0, 0));
    /* BLOCKED over DECLINED: one declined, the other blocked */
    OVERALL_IS(FEEDBACK_BLOCKED, 2, bank(FEEDBACK_DECLINED, 0, 0, 0), bank(FEEDBACK_CONTACTED, 1, 0, 0));
    /* a declined bank's open obstacle does not block: DECLINED_ALL */
    OVERALL_IS(FEEDBACK_DECLINED_ALL, 2, bank(FEEDBACK_DECLINED, 1, 0, 0), bank(FEEDBACK_DECLINED, 0, 0, 0));
    /* DECLINED_ALL needs every dispatched bank: 2 of 3 declined, one silent -> MATCHING */
    OVERALL_IS(FEEDBACK_MATCHING, 3, bank(FEEDBACK_DECLINED, 0, 0, 0), bank(FEEDBACK_DECLINED, 0, 0, 0));
    /* ... and no bank at work even if the dispatch count is stale (more reporting banks) */
    OVERALL_IS(FEEDBACK_MATCHING, 1, bank(FEEDBACK_DECLINED, 0, 0, 0), bank(FEEDBACK_CONTACTED, 0, 0, 0));
    /* a declined bank with the others silent is MATCHING, not AWAITING */
    OVERALL_IS(FEEDBACK_MATCHING, 2, bank(FEEDBACK_DECLINED, 0, 0, 0), bank(FEEDBACK_NONE, 0, 0, 0));
    /* an obstacle that was resolved before any contact leaves AWAITING */
    OVERALL_IS(FEEDBACK_AWAITING, 2, bank(FEEDBACK_NONE, 0, 0, 0), bank(FEEDBACK_NONE, 0, 0, 0));
    /* DISBURSED with nothing disbursed cannot happen; an approval counts only at CREDIT_APPROVED */
    OVERALL_IS(FEEDBACK_MATCHING, 2, bank(FEEDBACK_DECLINED, 0, 100, 0), bank(FEEDBACK_CONTACTED, 0, 0, 0));
}

static void test_same_status(void)
{
    feedback_matching b[] = {bank(FEEDBACK_CONTACTED, 0, 0, 0)};
    feedback_aggregate x, y;
    feedback_aggregate_compute(b, 1, 3, &x);
    feedback_aggregate_compute(b, 1, 4, &y);
    CHECK(feedback_aggregate_same_status(&x, &y)); /* banks_dispatched is not published */
    b[0].stage = FEEDBACK_DUE_DILIGENCE;
    feedback_aggregate_compute(b, 1, 3, &y);
    CHECK(feedback_aggregate_same_status(&x, &y)); /* CONTACTED -> DUE_DILIGENCE changes nothing published */
    b[0].open_obstacles = 1;
    feedback_aggregate_compute(b, 1, 3, &y);
    CHECK(!feedback_aggregate_same_status(&x, &y));
    y = x;
    y.approved_total++;
    CHECK(!feedback_aggregate_same_status(&x, &y));
    y = x;
    y.disbursed_total++;
    CHECK(!feedback_aggregate_same_status(&x, &y));
    y = x;
    y.banks_declined++;
    CHECK(!feedback_aggregate_same_status(&x, &y));
}

static void test_names(void)
{
    static const char *const names[] = {"AWAITING", "MATCHING", "APPROVED", "FINANCED", "DECLINED_ALL", "BLOCKED"};
    for (int i = 0; i < 6; i++) {
        feedback_overall o = FEEDBACK_BLOCKED;
        CHECK_STR_EQ(feedback_overall_name((feedback_overall)i), names[i]);
        CHECK(feedback_overall_parse(names[i], &o) == 0 && o == (feedback_overall)i);
    }
    feedback_overall o = FEEDBACK_MATCHING;
    CHECK(feedback_overall_parse("awaiting", &o) == -1 && o == FEEDBACK_MATCHING);
    CHECK(feedback_overall_parse(NULL, &o) == -1);
    CHECK_STR_EQ(feedback_overall_name((feedback_overall)6), "UNKNOWN");
}

int main(void)
{
    test_counters();
    test_each_rule();
    test_precedence();
    test_same_status();
    test_names();
    return CHECK_DONE();
}
