/* test_feedback_rules: the pure rules of gfdx-feedback (feedback_rules.h): reading a
 * MatchingFeedback body, who may report, the amount rules on top of the stage table, the
 * obstacle counter, and the three green-washing alert rules. */
#include "check.h"
#include "feedback/feedback_rules.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>

static char why[512];

/* Parses a JSON body; returns the reason code (NULL when accepted). */
static const char *parse(const char *json, feedback_report *out)
{
    json_error_t e;
    json_t *b = json_loads(json, 0, &e);
    if (!b) {
        fprintf(stderr, "bad test JSON: %s\n", e.text);
        return "TEST_JSON";
    }
    why[0] = '\0';
    feedback_report r;
    const char *code = feedback_report_parse(b, &r, why, sizeof why);
    if (!code && out) {
        *out = r;
        out->product = out->decline_reason = out->comment = NULL; /* borrowed from b */
    }
    json_decref(b);
    return code;
}

#define CODE_IS(want, got)                                                                                \
    do {                                                                                                  \
        const char *w_ = (want), *g_ = (got);                                                             \
        CHECK_MSG((!w_ && !g_) || (w_ && g_ && !strcmp(w_, g_)), "expected %s, got %s (%s)", w_ ? w_ : "OK", \
                  g_ ? g_ : "OK", why);                                                                   \
    } while (0)

static void test_parse(void)
{
    feedback_report r;
    CODE_IS(NULL, parse("{\"stage\":\"CONTACTED\",\"product\":null,\"approved_amount\":null}", &r));
    CHECK(r.event == FEEDBACK_EV_CONTACTED && !r.has_approved && !r.has_disbursed && !r.has_rate);
    CODE_IS(NULL, parse("{\"stage\":\"CREDIT_APPROVED\",\"approved_amount\":500,\"rate_bp\":320,\"term_months\":36,"
                        "\"product\":\"PROJECT_LOAN\"}",
                        &r));
    CHECK(r.event == FEEDBACK_EV_CREDIT_APPROVED && r.has_approved && r.approved_amount == 500 && r.rate_bp == 320 &&
          r.term_months == 36);
    CODE_IS("MISSING_FIELD", parse("{\"stage\":\"CREDIT_APPROVED\",\"approved_amount\":null}", NULL));
    CODE_IS("INVALID_AMOUNT", parse("{\"stage\":\"CREDIT_APPROVED\",\"approved_amount\":0}", NULL));
    CODE_IS("NEGATIVE_AMOUNT", parse("{\"stage\":\"CREDIT_APPROVED\",\"approved_amount\":-1}", NULL));
    CODE_IS("NEGATIVE_AMOUNT", parse("{\"stage\":\"CONTACTED\",\"approved_amount\":-1}", NULL));
    CODE_IS("MISSING_FIELD", parse("{\"stage\":\"DISBURSED\"}", NULL));
    CODE_IS("INVALID_AMOUNT", parse("{\"stage\":\"DISBURSED\",\"disbursed_amount\":0}", NULL));
    CODE_IS("NEGATIVE_AMOUNT", parse("{\"stage\":\"DISBURSED\",\"disbursed_amount\":-5}", NULL));
    CODE_IS(NULL, parse("{\"stage\":\"DISBURSED\",\"disbursed_amount\":5}", &r));
    CHECK(r.has_disbursed && r.disbursed_amount == 5);
    CODE_IS("MISSING_FIELD", parse("{\"stage\":\"DECLINED\"}", NULL));
    CODE_IS(NULL, parse("{\"stage\":\"DECLINED\",\"decline_reason\":\"CREDIT_RISK\"}", NULL));
    CODE_IS("INVALID_FIELD", parse("{\"stage\":\"CONTACTED\",\"rate_bp\":-1}", NULL));
    CODE_IS("INVALID_FIELD", parse("{\"stage\":\"CONTACTED\",\"rate_bp\":10001}", NULL));
    CODE_IS(NULL, parse("{\"stage\":\"CONTACTED\",\"rate_bp\":0,\"term_months\":600}", NULL));
    CODE_IS("INVALID_FIELD", parse("{\"stage\":\"CONTACTED\",\"term_months\":0}", NULL));
    CODE_IS("INVALID_FIELD", parse("{\"stage\":\"CONTACTED\",\"term_months\":601}", NULL));
    CODE_IS("INVALID_FIELD", parse("{\"stage\":\"STARTED\"}", NULL));
    CODE_IS("INVALID_FIELD", parse("{}", NULL));
}

static void test_texts(void)
{
    char big[3 * 2001 + 1];
    for (int i = 0; i < 2001; i++)
        memcpy(big + 3 * i, "\xe6\xa2\x97", 3); /* 梗, 3 bytes */
    big[3 * 2001] = '\0';
    CODE_IS("INVALID_FIELD", feedback_check_text("description", big, why, sizeof why));
    big[3 * 2000] = '\0'; /* exactly 2000 characters (6000 bytes) */
    CODE_IS(NULL, feedback_check_text("description", big, why, sizeof why));
    CODE_IS("INVALID_FIELD", feedback_check_text("description", "  \t\n", why, sizeof why));
    CODE_IS("INVALID_FIELD", feedback_check_text("description", "", why, sizeof why));
    CODE_IS("INVALID_FIELD", feedback_check_text("description", NULL, why, sizeof why));
    CODE_IS(NULL, feedback_check_text("resolution", "已协调融资担保机构提供担保", why, sizeof why));
}

/* Every (dispatch, withdrawn, event) combination against the rules in feedback_rules.h. */
static void test_authorize(void)
{
    static const feedback_event bank_events[] = {FEEDBACK_EV_CONTACTED, FEEDBACK_EV_DUE_DILIGENCE,
                                                 FEEDBACK_EV_CREDIT_APPROVED, FEEDBACK_EV_DISBURSED,
                                                 FEEDBACK_EV_DECLINED, FEEDBACK_EV_OBSTACLE_RAISED};
    for (int d = 0; d < 3; d++)
        for (int w = 0; w <= 1; w++)
            for (unsigned i = 0; i < sizeof bank_events / sizeof bank_events[0]; i++) {
                feedback_event ev = bank_events[i];
                bool closing = ev == FEEDBACK_EV_DISBURSED || ev == FEEDBACK_EV_DECLINED;
                const char *want = d == FEEDBACK_DISPATCH_NONE        ? "UNAUTHORIZED_SENDER"
                                   : w && !closing                    ? "NEED_WITHDRAWN"
                                   : !w && d != FEEDBACK_DISPATCH_ACTIVE ? "NOT_DISPATCHED"
                                                                      : NULL;
                CODE_IS(want, feedback_authorize_bank((feedback_dispatch)d, w, ev, why, sizeof why));
            }
    feedback_dispatch d = FEEDBACK_DISPATCH_NONE;
    CHECK(feedback_dispatch_parse("ACTIVE", &d) == 0 && d == FEEDBACK_DISPATCH_ACTIVE);
    CHECK(feedback_dispatch_parse("CANCELLED", &d) == 0 && d == FEEDBACK_DISPATCH_CANCELLED);
    CHECK(feedback_dispatch_parse("active", &d) == -1 && d == FEEDBACK_DISPATCH_CANCELLED);
    CHECK(feedback_dispatch_parse(NULL, &d) == -1);
}

static feedback_report report(feedback_event ev, long long amount)
{
    feedback_report r = {.event = ev};
    if (ev == FEEDBACK_EV_CREDIT_APPROVED) {
        r.has_approved = true;
        r.approved_amount = amount;
    }
    if (ev == FEEDBACK_EV_DISBURSED) {
        r.has_disbursed = true;
        r.disbursed_amount = amount;
    }
    if (ev == FEEDBACK_EV_DECLINED)
        r.decline_reason = "CREDIT_RISK";
    return r;
}

/* The whole path of one bank: partial then full disbursement, with the amount rules. */
static void test_apply_path(void)
{
    feedback_matching m, n;
    feedback_matching_init(&m);
    feedback_report r = report(FEEDBACK_EV_CONTACTED, 0);
    r.product = "PROJECT_LOAN";
    CODE_IS(NULL, feedback_apply_report(&m, &r, &m, why, sizeof why));
    CHECK(m.stage == FEEDBACK_CONTACTED && m.contacted && !strcmp(m.product, "PROJECT_LOAN"));
    r = report(FEEDBACK_EV_DISBURSED, 10);
    CODE_IS("ILLEGAL_TRANSITION", feedback_apply_report(&m, &r, &n, why, sizeof why));
    r = report(FEEDBACK_EV_CREDIT_APPROVED, 1000);
    r.has_rate = r.has_term = true;
    r.rate_bp = 345;
    r.term_months = 60;
    CODE_IS(NULL, feedback_apply_report(&m, &r, &m, why, sizeof why)); /* product known from CONTACTED */
    CHECK(m.stage == FEEDBACK_CREDIT_APPROVED && m.approved_amount == 1000 && m.rate_bp == 345 && m.term_months == 60);
    r = report(FEEDBACK_EV_CREDIT_APPROVED, 800); /* revised downwards before any disbursement; terms kept */
    CODE_IS(NULL, feedback_apply_report(&m, &r, &m, why, sizeof why));
    CHECK(m.approved_amount == 800 && m.rate_bp == 345);
    r = report(FEEDBACK_EV_DISBURSED, 300);
    CODE_IS(NULL, feedback_apply_report(&m, &r, &m, why, sizeof why));
    CHECK(m.stage == FEEDBACK_DISBURSED && m.disbursed_total == 300 && m.disbursements == 1);
    r = report(FEEDBACK_EV_DISBURSED, 501);
    n = m;
    CODE_IS("AMOUNT_EXCEEDS_APPROVED", feedback_apply_report(&m, &r, &n, why, sizeof why));
    CHECK(n.disbursed_total == 300 && n.disbursements == 1); /* untouched on refusal */
    r = report(FEEDBACK_EV_DISBURSED, 500);
    CODE_IS(NULL, feedback_apply_report(&m, &r, &m, why, sizeof why));
    CHECK(m.disbursed_total == 800 && m.disbursements == 2);
    r = report(FEEDBACK_EV_DISBURSED, 1);
    CODE_IS("AMOUNT_EXCEEDS_APPROVED", feedback_apply_report(&m, &r, &n, why, sizeof why));
    r = report(FEEDBACK_EV_CREDIT_APPROVED, 2000);
    CODE_IS("ILLEGAL_TRANSITION", feedback_apply_report(&m, &r, &n, why, sizeof why)); /* no revision after money */
    r = report(FEEDBACK_EV_DECLINED, 0);
    CODE_IS("ILLEGAL_TRANSITION", feedback_apply_report(&m, &r, &n, why, sizeof why));
    r = report(FEEDBACK_EV_DISBURSED, LLONG_MAX); /* no overflow in the check */
    CODE_IS("AMOUNT_EXCEEDS_APPROVED", feedback_apply_report(&m, &r, &n, why, sizeof why));
}

static void test_apply_other_rules(void)
{
    feedback_matching m, n;
    feedback_matching_init(&m);
    feedback_report r = report(FEEDBACK_EV_DECLINED, 0);
    CODE_IS(NULL, feedback_apply_report(&m, &r, &n, why, sizeof why));
    CHECK(n.stage == FEEDBACK_DECLINED && !n.contacted && !strcmp(n.decline_reason, "CREDIT_RISK"));
    r = report(FEEDBACK_EV_CONTACTED, 0);
    CODE_IS("ILLEGAL_TRANSITION", feedback_apply_report(&n, &r, &m, why, sizeof why)); /* DECLINED is final */
    feedback_matching_init(&m);
    m.stage = FEEDBACK_CONTACTED;
    m.contacted = true;
    r = report(FEEDBACK_EV_CREDIT_APPROVED, 100);
    CODE_IS("MISSING_FIELD", feedback_apply_report(&m, &r, &n, why, sizeof why)); /* no product anywhere */
    m.open_obstacles = 1;
    r.product = "CREDIT_LOAN";
    CODE_IS("MATCHING_BLOCKED", feedback_apply_report(&m, &r, &n, why, sizeof why));
    r = report(FEEDBACK_EV_DECLINED, 0);
    CODE_IS(NULL, feedback_apply_report(&m, &r, &n, why, sizeof why)); /* declining while blocked */
    CHECK(n.contacted && n.open_obstacles == 1);
}

static void test_obstacles(void)
{
    feedback_matching m, n;
    feedback_matching_init(&m);
    CODE_IS(NULL, feedback_apply_obstacle(&m, FEEDBACK_EV_OBSTACLE_RAISED, &m, why, sizeof why));
    CODE_IS(NULL, feedback_apply_obstacle(&m, FEEDBACK_EV_OBSTACLE_RAISED, &m, why, sizeof why));
    CHECK(m.open_obstacles == 2 && m.stage == FEEDBACK_NONE);
    CODE_IS(NULL, feedback_apply_obstacle(&m, FEEDBACK_EV_OBSTACLE_RESOLVED, &m, why, sizeof why));
    CHECK(m.open_obstacles == 1);
    m.stage = FEEDBACK_DECLINED;
    CODE_IS("ILLEGAL_TRANSITION", feedback_apply_obstacle(&m, FEEDBACK_EV_OBSTACLE_RAISED, &n, why, sizeof why));
    CODE_IS(NULL, feedback_apply_obstacle(&m, FEEDBACK_EV_OBSTACLE_RESOLVED, &m, why, sizeof why));
    CHECK(m.open_obstacles == 0);
    CODE_IS(NULL, feedback_apply_obstacle(&m, FEEDBACK_EV_OBSTACLE_RESOLVED, &m, why, sizeof why));
    CHECK(m.open_obstacles == 0); /* never below zero */
    CODE_IS("ILLEGAL_TRANSITION", feedback_apply_obstacle(&m, FEEDBACK_EV_CONTACTED, &n, why, sizeof why));
}

static void test_alert_withdrawn(void)
{
    CHECK(feedback_alert_withdrawn_disbursement(true, FEEDBACK_EV_DISBURSED));
    CHECK(!feedback_alert_withdrawn_disbursement(false, FEEDBACK_EV_DISBURSED));
    CHECK(!feedback_alert_withdrawn_disbursement(true, FEEDBACK_EV_DECLINED));
    CHECK(!feedback_alert_withdrawn_disbursement(true, FEEDBACK_EV_CREDIT_APPROVED));
}

static void test_alert_over_approved(void)
{
    /* requested 1000, margin 10%: the line is 1100 */
    CHECK(!feedback_alert_over_approved(0, 1100, 1000, 10));
    CHECK(feedback_alert_over_approved(0, 1101, 1000, 10));
    CHECK(feedback_alert_over_approved(600, 1200, 1000, 10));
    CHECK(!feedback_alert_over_approved(1200, 1200, 1000, 10)); /* not raised by this record */
    CHECK(!feedback_alert_over_approved(1300, 1200, 1000, 10)); /* total went down */
    CHECK(feedback_alert_over_approved(1200, 1300, 1000, 10));  /* another bank piles on */
    CHECK(!feedback_alert_over_approved(0, 1000, 1000, 0));
    CHECK(feedback_alert_over_approved(0, 1001, 1000, 0));
    CHECK(!feedback_alert_over_approved(0, 1999, 1000, 100));
    CHECK(feedback_alert_over_approved(0, 2001, 1000, 100));
    CHECK(!feedback_alert_over_approved(0, 5, 0, 10));
    CHECK(!feedback_alert_over_approved(0, 5000, 1000, -1));
    /* exact at the extremes: no overflow */
    CHECK(feedback_alert_over_approved(0, LLONG_MAX, LLONG_MAX / 2, 10));
    CHECK(!feedback_alert_over_approved(0, LLONG_MAX, LLONG_MAX, 1000));
    CHECK(!feedback_alert_over_approved(0, LLONG_MAX - 1, LLONG_MAX - 1, 0));
}

static void test_alert_not_green(void)
{
    char g[16];
    CHECK(feedback_catalogue_group("1.3.1", g, sizeof g) == 0 && !strcmp(g, "1"));
    CHECK(feedback_catalogue_group("7", g, sizeof g) == 0 && !strcmp(g, "7"));
    CHECK(feedback_catalogue_group("12.1", g, sizeof g) == 0 && !strcmp(g, "12"));
    CHECK(feedback_catalogue_group("", g, sizeof g) == -1);
    CHECK(feedback_catalogue_group(".1", g, sizeof g) == -1);
    CHECK(feedback_catalogue_group(NULL, g, sizeof g) == -1);
    CHECK(feedback_catalogue_group("123456789.1", g, 4) == -1);
    const char *groups[] = {"1", "2", "3", "4", "5", "6", "7"};
    CHECK(!feedback_alert_not_green("1.3.1", groups, 7));
    CHECK(!feedback_alert_not_green("7.1.2", groups, 7));
    CHECK(feedback_alert_not_green("9.1.1", groups, 7));
    CHECK(feedback_alert_not_green("11.1", groups, 7)); /* "11" is not "1" */
    CHECK(feedback_alert_not_green("", groups, 7));
    CHECK(feedback_alert_not_green(NULL, groups, 7));
    CHECK(feedback_alert_not_green("1.3.1", groups, 0));
    CHECK(feedback_group_valid("1") && feedback_group_valid("A12") && feedback_group_valid("12345678"));
    CHECK(!feedback_group_valid("") && !feedback_group_valid("1.3") && !feedback_group_valid("123456789") &&
          !feedback_group_valid(" 1") && !feedback_group_valid(NULL));
    CHECK_STR_EQ(feedback_alert_kind_name(FEEDBACK_ALERT_NOT_GREEN_ELIGIBLE), "NOT_GREEN_ELIGIBLE");
    CHECK_STR_EQ(feedback_alert_kind_name(FEEDBACK_ALERT_DISBURSED_ON_WITHDRAWN_NEED), "DISBURSED_ON_WITHDRAWN_NEED");
    CHECK_STR_EQ(feedback_alert_kind_name(FEEDBACK_ALERT_APPROVED_ABOVE_REQUESTED), "APPROVED_ABOVE_REQUESTED");
    CHECK_STR_EQ(feedback_alert_kind_name((feedback_alert_kind)100), "UNKNOWN");
}

int main(void)
{
    test_parse();
    test_texts();
    test_authorize();
    test_apply_path();
    test_apply_other_rules();
    test_obstacles();
    test_alert_withdrawn();
    test_alert_over_approved();
    test_alert_not_green();
    return CHECK_DONE();
}
