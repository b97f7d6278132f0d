/* test_feedback_fsm: every (stage, event) pair of a bank's matching life cycle, and which
 * legal steps an open obstacle holds back, against an expectation written here
 * independently of feedback_fsm.c's table (the rules in feedback_fsm.h), plus names,
 * parsing and whole paths. */
#include "check.h"
#include "feedback/feedback_fsm.h"

#include <stdbool.h>

#define SENTINEL ((feedback_stage)77) /* never a real stage: proves *next was not written */
#define N_STAGE 6
#define N_EVENT 7

/* The legal transitions, one line each; `blocked_ok`: still legal with an open obstacle. */
static const struct {
    feedback_stage from;
    feedback_event ev;
    feedback_stage to;
    bool blocked_ok;
} legal[] = {
    {FEEDBACK_NONE, FEEDBACK_EV_CONTACTED, FEEDBACK_CONTACTED, false},
    {FEEDBACK_NONE, FEEDBACK_EV_DECLINED, FEEDBACK_DECLINED, true},
    {FEEDBACK_NONE, FEEDBACK_EV_OBSTACLE_RAISED, FEEDBACK_NONE, true},
    {FEEDBACK_NONE, FEEDBACK_EV_OBSTACLE_RESOLVED, FEEDBACK_NONE, true},
    {FEEDBACK_CONTACTED, FEEDBACK_EV_DUE_DILIGENCE, FEEDBACK_DUE_DILIGENCE, false},
    {FEEDBACK_CONTACTED, FEEDBACK_EV_CREDIT_APPROVED, FEEDBACK_CREDIT_APPROVED, false},
    {FEEDBACK_CONTACTED, FEEDBACK_EV_DECLINED, FEEDBACK_DECLINED, true},
    {FEEDBACK_CONTACTED, FEEDBACK_EV_OBSTACLE_RAISED, FEEDBACK_CONTACTED, true},
    {FEEDBACK_CONTACTED, FEEDBACK_EV_OBSTACLE_RESOLVED, FEEDBACK_CONTACTED, true},
    {FEEDBACK_DUE_DILIGENCE, FEEDBACK_EV_CREDIT_APPROVED, FEEDBACK_CREDIT_APPROVED, false},
    {FEEDBACK_DUE_DILIGENCE, FEEDBACK_EV_DECLINED, FEEDBACK_DECLINED, true},
    {FEEDBACK_DUE_DILIGENCE, FEEDBACK_EV_OBSTACLE_RAISED, FEEDBACK_DUE_DILIGENCE, true},
    {FEEDBACK_DUE_DILIGENCE, FEEDBACK_EV_OBSTACLE_RESOLVED, FEEDBACK_DUE_DILIGENCE, true},
    {FEEDBACK_CREDIT_APPROVED, FEEDBACK_EV_CREDIT_APPROVED, FEEDBACK_CREDIT_APPROVED, false},
    {FEEDBACK_CREDIT_APPROVED, FEEDBACK_EV_DISBURSED, FEEDBACK_DISBURSED, false},
    {FEEDBACK_CREDIT_APPROVED, FEEDBACK_EV_DECLINED, FEEDBACK_DECLINED, true},
    {FEEDBACK_CREDIT_APPROVED, FEEDBACK_EV_OBSTACLE_RAISED, FEEDBACK_CREDIT_APPROVED, true},
    {FEEDBACK_CREDIT_APPROVED, FEEDBACK_EV_OBSTACLE_RESOLVED, FEEDBACK_CREDIT_APPROVED, true},
    {FEEDBACK_DISBURSED, FEEDBACK_EV_DISBURSED, FEEDBACK_DISBURSED, false},
    {FEEDBACK_DISBURSED, FEEDBACK_EV_OBSTACLE_RAISED, FEEDBACK_DISBURSED, true},
    {FEEDBACK_DISBURSED, FEEDBACK_EV_OBSTACLE_RESOLVED, FEEDBACK_DISBURSED, true},
    {FEEDBACK_DECLINED, FEEDBACK_EV_OBSTACLE_RESOLVED, FEEDBACK_DECLINED, true},
};
#define N_LEGAL (sizeof legal / sizeof legal[0])

static int find_legal(int from, int ev)
{
    for (unsigned i = 0; i < N_LEGAL; i++)
        if ((int)legal[i].from == from && (int)legal[i].ev == ev)
            return (int)i;
    return -1;
}

/* Every (stage, event) pair: legal ones reach their stage, the others are -1 and leave *next;
 * and every legal step is held back by an open obstacle exactly when feedback_event_advances. */
static void test_full_matrix(void)
{
    int n_ok = 0, n_advancing = 0, n_illegal = 0;
    for (int s = 0; s < N_STAGE; s++)
        for (int e = 0; e < N_EVENT; e++) {
            feedback_stage next = SENTINEL;
            int rc = feedback_fsm_next((feedback_stage)s, (feedback_event)e, &next);
            int li = find_legal(s, e);
            const char *sn = feedback_stage_name((feedback_stage)s), *en = feedback_event_name((feedback_event)e);
            if (li < 0) {
                n_illegal++;
                CHECK_MSG(rc == -1 && next == SENTINEL, "%s -%s-> must be illegal", sn, en);
                continue;
            }
            n_ok++;
            CHECK_MSG(rc == 0 && next == legal[li].to, "%s -%s-> must reach %s", sn, en,
                      feedback_stage_name(legal[li].to));
            CHECK_MSG(feedback_event_advances((feedback_event)e) == !legal[li].blocked_ok,
                      "%s -%s->: held back by an open obstacle must be %d", sn, en, !legal[li].blocked_ok);
            n_advancing += !legal[li].blocked_ok;
        }
    /* 22 legal cells, 7 of them advancing (refused MATCHING_BLOCKED while blocked). */
    CHECK(n_ok == 22);
    CHECK(n_advancing == 7);
    CHECK(n_illegal == N_STAGE * N_EVENT - 22);
    CHECK(!feedback_event_advances((feedback_event)N_EVENT) && !feedback_event_advances((feedback_event)-1));
}

/* The decisions feedback_fsm.h names explicitly, spelled out one by one. */
static void test_named_rules(void)
{
    feedback_stage next = SENTINEL;
    CHECK(feedback_fsm_next(FEEDBACK_CONTACTED, FEEDBACK_EV_CREDIT_APPROVED, &next) == 0 &&
          next == FEEDBACK_CREDIT_APPROVED); /* skipping due diligence is allowed */
    CHECK(feedback_fsm_next(FEEDBACK_NONE, FEEDBACK_EV_DUE_DILIGENCE, &next) == -1);
    CHECK(feedback_fsm_next(FEEDBACK_NONE, FEEDBACK_EV_CREDIT_APPROVED, &next) == -1);
    CHECK(feedback_fsm_next(FEEDBACK_CONTACTED, FEEDBACK_EV_DISBURSED, &next) == -1);
    CHECK(feedback_fsm_next(FEEDBACK_DUE_DILIGENCE, FEEDBACK_EV_DISBURSED, &next) == -1);
    CHECK(feedback_fsm_next(FEEDBACK_DISBURSED, FEEDBACK_EV_DECLINED, &next) == -1);
    CHECK(feedback_fsm_next(FEEDBACK_DISBURSED, FEEDBACK_EV_CREDIT_APPROVED, &next) == -1);
    CHECK(feedback_fsm_next(FEEDBACK_CONTACTED, FEEDBACK_EV_CONTACTED, &next) == -1);
    CHECK(feedback_fsm_next(FEEDBACK_DUE_DILIGENCE, FEEDBACK_EV_CONTACTED, &next) == -1);
    CHECK(feedback_fsm_next(FEEDBACK_DECLINED, FEEDBACK_EV_CONTACTED, &next) == -1);
    CHECK(feedback_fsm_next(FEEDBACK_DECLINED, FEEDBACK_EV_OBSTACLE_RAISED, &next) == -1);
    CHECK(feedback_fsm_next(FEEDBACK_DECLINED, FEEDBACK_EV_OBSTACLE_RESOLVED, &next) == 0 && next == FEEDBACK_DECLINED);
    /* what an open obstacle holds back: advancing, not declining nor the obstacle events */
    CHECK(feedback_event_advances(FEEDBACK_EV_DISBURSED) && feedback_event_advances(FEEDBACK_EV_CONTACTED));
    CHECK(!feedback_event_advances(FEEDBACK_EV_DECLINED) && !feedback_event_advances(FEEDBACK_EV_OBSTACLE_RAISED) &&
          !feedback_event_advances(FEEDBACK_EV_OBSTACLE_RESOLVED));
}

static void test_bad_arguments(void)
{
    feedback_stage next = SENTINEL;
    CHECK(feedback_fsm_next((feedback_stage)N_STAGE, FEEDBACK_EV_CONTACTED, &next) == -1);
    CHECK(feedback_fsm_next((feedback_stage)-1, FEEDBACK_EV_CONTACTED, &next) == -1);
    CHECK(feedback_fsm_next(FEEDBACK_NONE, (feedback_event)N_EVENT, &next) == -1);
    CHECK(feedback_fsm_next(FEEDBACK_NONE, FEEDBACK_EV_CONTACTED, NULL) == -1);
    CHECK(next == SENTINEL);
}

static void test_names(void)
{
    static const char *const stages[N_STAGE] = {"NONE", "CONTACTED", "DUE_DILIGENCE", "CREDIT_APPROVED", "DISBURSED",
                                                "DECLINED"};
    for (int s = 0; s < N_STAGE; s++) {
        feedback_stage back = SENTINEL;
        CHECK_STR_EQ(feedback_stage_name((feedback_stage)s), stages[s]);
        CHECK(feedback_stage_parse(stages[s], &back) == 0 && back == (feedback_stage)s);
    }
    feedback_stage st = SENTINEL;
    CHECK(feedback_stage_parse("contacted", &st) == -1 && st == SENTINEL);
    CHECK(feedback_stage_parse("UNKNOWN", &st) == -1);
    CHECK(feedback_stage_parse(NULL, &st) == -1);
    CHECK_STR_EQ(feedback_stage_name((feedback_stage)N_STAGE), "UNKNOWN");
    CHECK_STR_EQ(feedback_event_name(FEEDBACK_EV_OBSTACLE_RESOLVED), "OBSTACLE_RESOLVED");
    CHECK_STR_EQ(feedback_event_name((feedback_event)N_EVENT), "UNKNOWN");
    feedback_event ev = FEEDBACK_EV_OBSTACLE_RAISED;
    CHECK(feedback_event_of_stage("DISBURSED", &ev) == 0 && ev == FEEDBACK_EV_DISBURSED);
    CHECK(feedback_event_of_stage("DECLINED", &ev) == 0 && ev == FEEDBACK_EV_DECLINED);
    ev = FEEDBACK_EV_CONTACTED;
    CHECK(feedback_event_of_stage("OBSTACLE_RAISED", &ev) == -1 && ev == FEEDBACK_EV_CONTACTED);
    CHECK(feedback_event_of_stage("NONE", &ev) == -1);
    CHECK(feedback_stage_is_final(FEEDBACK_DECLINED));
    CHECK(!feedback_stage_is_final(FEEDBACK_DISBURSED));
    CHECK(!feedback_stage_is_final(FEEDBACK_NONE));
}

/* A bank's whole path, with several disbursements and an obstacle in the middle. */
static void test_walk(void)
{
    static const struct {
        feedback_event ev;
        feedback_stage want;
    } path[] = {
        {FEEDBACK_EV_CONTACTED, FEEDBACK_CONTACTED},
        {FEEDBACK_EV_OBSTACLE_RAISED, FEEDBACK_CONTACTED},
        {FEEDBACK_EV_OBSTACLE_RESOLVED, FEEDBACK_CONTACTED},
        {FEEDBACK_EV_DUE_DILIGENCE, FEEDBACK_DUE_DILIGENCE},
        {FEEDBACK_EV_CREDIT_APPROVED, FEEDBACK_CREDIT_APPROVED},
        {FEEDBACK_EV_CREDIT_APPROVED, FEEDBACK_CREDIT_APPROVED},
        {FEEDBACK_EV_DISBURSED, FEEDBACK_DISBURSED},
        {FEEDBACK_EV_DISBURSED, FEEDBACK_DISBURSED},
        {FEEDBACK_EV_DISBURSED, FEEDBACK_DISBURSED},
    };
    feedback_stage st = FEEDBACK_NONE;
    for (unsigned i = 0; i < sizeof path / sizeof path[0]; i++) {
        feedback_stage next = SENTINEL;
        CHECK_MSG(feedback_fsm_next(st, path[i].ev, &next) == 0 && next == path[i].want,
                  "step %u", i);
        st = next;
    }
    feedback_matching m;
    feedback_matching_init(&m);
    CHECK(m.stage == FEEDBACK_NONE && m.rate_bp == -1 && m.term_months == -1 && !m.contacted && m.product[0] == 0);
}

int main(void)
{
    test_full_matrix();
    test_named_rules();
    test_bad_arguments();
    test_names();
    test_walk();
    return CHECK_DONE();
}
