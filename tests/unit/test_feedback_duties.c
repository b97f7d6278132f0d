/* test_feedback_duties: issue 12's bank side in gfdx-feedback, on rowsets built in memory
 * (no database), decided as the batch pipeline decides:
 *   - the obstacle's state machine (feedback_obstacle_fsm_next): every legal step, illegal
 *     ones (confirming an open obstacle, acknowledging twice, anything after CLOSED);
 *   - an obstacle acknowledged, resolved, reopened (BLOCKED again), resolved, confirmed, with
 *     its history, who did each step, and the refusals (another bank, not a bank, not the
 *     need's authority, confirming what is open);
 *   - alerts: every alert row published as AlertRaised to gfdx.alerts.<branch>; AlertHandled
 *     by the alert's branch, refused for another branch before anything about the alert is
 *     looked at (the same answer for an alert that does not exist), handled once, its
 *     comment required;
 *   - the watch's decision: before and after the limit in working days, idempotent, the
 *     alert and its Escalation to the province. */
#include "check.h"
#include "feedback/feedback.h"
#include "feedback/feedback_alert.h"
#include "feedback/feedback_obstacle.h"
#include "feedback/feedback_store.h"
#include "feedback/feedback_watch.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "avro_catalog.h"
#include "avro_serde.h"
#include "calendar.h"
#include "outbox.h"
#include "rowset.h"
#include "service.h"

#define T0 1767225600000LL /* 2026-01-01T00:00:00Z */
#define DAY 86400000LL

static feedback_ctx fctx;
static gfdx_context ctx;
static char *green_groups[] = {(char *)"1", (char *)"2", (char *)"3", (char *)"4", (char *)"5", (char *)"6", (char *)"7"};

static void setup(const gfdx_catalog *cat, const gfdx_calendar *cal)
{
    fctx.settings.approved_margin_pct = 15;
    fctx.settings.green_groups.items = green_groups;
    fctx.settings.green_groups.count = 7;
    fctx.settings.coordination_prefix = (char *)"gfdx.coordination.";
    fctx.settings.status_topic = (char *)"gfdx.matching-status";
    fctx.settings.alerts_prefix = (char *)"gfdx.alerts.";
    fctx.settings.no_feedback_days = 10;
    fctx.settings.obstacle_open_days = 5;
    ctx.catalog = cat;
    ctx.calendar = cal;
    ctx.service_participant = "pboc";
    ctx.service_ctx = &fctx;
    ctx.max_message_bytes = 1000000;
    ctx.now_ms = T0 + DAY;
}

/* ---- fixtures ---- */

#define BANK_A "bank-icbc-310000"
#define BANK_B "bank-ccb-310000"

static gfdx_rowset *one_need(const char *catalogue)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    json_t *need = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s}", "need_id", "N-1", "province",
                             "310000", "location_region", "310000", "branch_id", "pbc-hq-sh", "financing_amount",
                             (json_int_t)1000, "catalogue_code", catalogue, "uscc", "91350100M000100Y43",
                             "factory_name", "测试工厂", "project_name", "节能改造项目", "status", "DISPATCHED");
    CHECK(need && gfdx_rowset_add(rs, &feedback_pboc_need_table, need) == 0);
    const char *banks[] = {BANK_A, BANK_B};
    for (size_t i = 0; i < 2; i++) {
        json_t *d = json_pack("{s:s, s:s, s:s, s:s}", "need_id", "N-1", "bank_id", banks[i], "branch_id", "pbc-hq-sh",
                              "status", "ACTIVE");
        CHECK(d && gfdx_rowset_add(rs, &feedback_pboc_dispatch_table, d) == 0);
    }
    return rs;
}

static gfdx_participant who(const char *id)
{
    gfdx_participant p = {.id = id, .name = id, .kind = GFDX_PK_PBOC_BRANCH};
    if (!strncmp(id, "bank-", 5))
        p.kind = GFDX_PK_BANK;
    else if (!strncmp(id, "prov-", 5))
        p.kind = GFDX_PK_PROVINCE_AUTHORITY;
    const char *tail = strrchr(id, '-') ? strrchr(id, '-') + 1 : id; /* pbc-hq-sh: 上海总部 */
    snprintf(p.region, sizeof p.region, "%s", isdigit((unsigned char)tail[0]) ? tail : "310000");
    return p;
}

static gfdx_decide_fn decide_of(const char *type)
{
    for (size_t i = 0; i < feedback_service.handler_count; i++)
        if (!strcmp(feedback_service.handlers[i].record_type, type))
            return feedback_service.handlers[i].decide;
    return NULL;
}

static char last_reason[512];
static int seq;
static char last_event[64];

/* Decides the inline record json (its body) of type from sender: "APPLIED", the refusal's
 * code or "FAILED:<code>"; a record not applied leaves nothing. */
static const char *say(gfdx_rowset *rs, const char *type, const char *sender, const char *json)
{
    static char out[64];
    json_t *body = json_loads(json, 0, NULL);
    if (!body)
        return "TEST_JSON";
    seq++;
    snprintf(last_event, sizeof last_event, "dd000000-0000-4000-8000-%012d", seq);
    gfdx_participant p = who(sender);
    gfdx_record rec = {.topic = "gfdx.feedback", .key = "N-1", .body = body, .type = type, .writer_version = 1,
                       .event_id = last_event, .sender_id = sender, .occurred_at = T0 + seq * 60000LL,
                       .clock = {T0 + seq * 60000LL + 5, GFDX_CLOCK_RECEIVED}};
    gfdx_decision d = {.rec = &rec, .sender = &p, .ctx = &ctx, .rows = rs};
    gfdx_decide_fn fn = decide_of(type);
    gfdx_rows_mark mark = gfdx_rowset_mark(rs);
    gfdx_verdict v = fn ? fn(&d) : GFDX_DECIDE_FAILED;
    if (v != GFDX_DECIDE_OK)
        gfdx_rowset_undo(rs, mark);
    snprintf(last_reason, sizeof last_reason, "%s", d.reason);
    snprintf(out, sizeof out, "%s%s", v == GFDX_DECIDE_FAILED ? "FAILED:" : "",
             v == GFDX_DECIDE_OK ? "APPLIED" : d.reason_code);
    json_decref(body);
    return out;
}

#define EXPECT(want, got)                                                                                   \
    do {                                                                                                    \
        const char *w_ = (want), *g_ = (got);                                                               \
        CHECK_MSG(!strcmp(w_, g_), "expected %s, got %s (%s)", w_, g_, last_reason);                        \
    } while (0)

static size_t emitted(gfdx_rowset *rs, const char *type, const char *topic)
{
    size_t i, n = 0;
    json_t *r;
    json_array_foreach(gfdx_rows_appended(rs, &gfdx_outbox_table), i, r)
    {
        n += !strcmp(gfdx_rows_str(r, "record_type"), type) && (!topic || !strcmp(gfdx_rows_str(r, "topic"), topic));
    }
    return n;
}

/* The last record of type staged, decoded (new reference or NULL). */
static json_t *last_emitted(gfdx_rowset *rs, const char *type)
{
    const json_t *rows = gfdx_rows_appended(rs, &gfdx_outbox_table);
    for (size_t i = json_array_size(rows); i-- > 0;) {
        const json_t *r = json_array_get(rows, i);
        if (strcmp(gfdx_rows_str(r, "record_type"), type))
            continue;
        size_t n = 0;
        unsigned char *buf = gfdx_rows_bytea_bytes(json_object_get(r, "value"), &n);
        json_t *out = NULL;
        char err[256];
        if (!buf || gfdx_serde_decode(ctx.catalog, buf, n, &out, NULL, err, sizeof err) != GFDX_SERDE_OK)
            fprintf(stderr, "cannot decode the staged %s\n", type);
        free(buf);
        return out;
    }
    return NULL;
}

static const char *status(gfdx_rowset *rs)
{
    const char *k[] = {"N-1"};
    const json_t *r = gfdx_rows_get(rs, &feedback_need_status_table, k);
    static char out[64];
    snprintf(out, sizeof out, "%s %lld", r ? gfdx_rows_str(r, "overall") : "-", r ? gfdx_rows_int(r, "open_obstacles") : -1);
    return out;
}

/* ---- the state machine ---- */

static void test_obstacle_fsm(void)
{
    feedback_obstacle_status n = FEEDBACK_OBS_CLOSED;
    CHECK(feedback_obstacle_fsm_next(FEEDBACK_OBS_OPEN, FEEDBACK_OBS_EV_ACKNOWLEDGE, &n) == 0 &&
          n == FEEDBACK_OBS_ACKNOWLEDGED);
    CHECK(feedback_obstacle_fsm_next(FEEDBACK_OBS_OPEN, FEEDBACK_OBS_EV_RESOLVE, &n) == 0 && n == FEEDBACK_OBS_RESOLVED);
    CHECK(feedback_obstacle_fsm_next(FEEDBACK_OBS_ACKNOWLEDGED, FEEDBACK_OBS_EV_RESOLVE, &n) == 0 &&
          n == FEEDBACK_OBS_RESOLVED);
    CHECK(feedback_obstacle_fsm_next(FEEDBACK_OBS_RESOLVED, FEEDBACK_OBS_EV_CONFIRM, &n) == 0 && n == FEEDBACK_OBS_CLOSED);
    CHECK(feedback_obstacle_fsm_next(FEEDBACK_OBS_RESOLVED, FEEDBACK_OBS_EV_REOPEN, &n) == 0 && n == FEEDBACK_OBS_OPEN);
    n = FEEDBACK_OBS_RESOLVED; /* illegal steps leave *next untouched */
    CHECK(feedback_obstacle_fsm_next(FEEDBACK_OBS_OPEN, FEEDBACK_OBS_EV_CONFIRM, &n) == -1 && n == FEEDBACK_OBS_RESOLVED);
    CHECK(feedback_obstacle_fsm_next(FEEDBACK_OBS_OPEN, FEEDBACK_OBS_EV_REOPEN, &n) == -1);
    CHECK(feedback_obstacle_fsm_next(FEEDBACK_OBS_ACKNOWLEDGED, FEEDBACK_OBS_EV_ACKNOWLEDGE, &n) == -1);
    CHECK(feedback_obstacle_fsm_next(FEEDBACK_OBS_ACKNOWLEDGED, FEEDBACK_OBS_EV_CONFIRM, &n) == -1);
    CHECK(feedback_obstacle_fsm_next(FEEDBACK_OBS_RESOLVED, FEEDBACK_OBS_EV_RESOLVE, &n) == -1);
    CHECK(feedback_obstacle_fsm_next(FEEDBACK_OBS_RESOLVED, FEEDBACK_OBS_EV_ACKNOWLEDGE, &n) == -1);
    for (int ev = 0; ev < FEEDBACK_OBS_EVENT_COUNT; ev++)
        CHECK(feedback_obstacle_fsm_next(FEEDBACK_OBS_CLOSED, (feedback_obstacle_event)ev, &n) == -1);
    CHECK(feedback_obstacle_fsm_next((feedback_obstacle_status)9, FEEDBACK_OBS_EV_RESOLVE, &n) == -1);
    CHECK(feedback_obstacle_fsm_next(FEEDBACK_OBS_OPEN, (feedback_obstacle_event)9, &n) == -1);
    CHECK(feedback_obstacle_fsm_next(FEEDBACK_OBS_OPEN, FEEDBACK_OBS_EV_RESOLVE, NULL) == -1);
    CHECK(feedback_obstacle_is_open(FEEDBACK_OBS_OPEN) && feedback_obstacle_is_open(FEEDBACK_OBS_ACKNOWLEDGED) &&
          !feedback_obstacle_is_open(FEEDBACK_OBS_RESOLVED) && !feedback_obstacle_is_open(FEEDBACK_OBS_CLOSED));
    for (int st = 0; st < FEEDBACK_OBS_STATUS_COUNT; st++) {
        feedback_obstacle_status back;
        CHECK(feedback_obstacle_status_parse(feedback_obstacle_status_name((feedback_obstacle_status)st), &back) == 0 &&
              (int)back == st);
    }
    CHECK(feedback_obstacle_status_parse("open", &n) == -1 && feedback_obstacle_status_parse(NULL, &n) == -1);
    CHECK_STR_EQ(feedback_obstacle_refusal(FEEDBACK_OBS_EV_CONFIRM), "OBSTACLE_NOT_RESOLVED");
    CHECK_STR_EQ(feedback_obstacle_refusal(FEEDBACK_OBS_EV_ACKNOWLEDGE), "OBSTACLE_NOT_OPEN");
}

/* ---- an obstacle's whole life ---- */

/* "from>to:sender" of every obstacle_event row appended, in order. */
static const char *steps(gfdx_rowset *rs)
{
    static char out[1024];
    size_t i, len = 0;
    json_t *r;
    out[0] = '\0';
    json_array_foreach(gfdx_rows_appended(rs, &feedback_obstacle_event_table), i, r)
    {
        const char *from = gfdx_rows_str(r, "from_status");
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%s>%s:%s", len ? "," : "", from ? from : "-",
                                gfdx_rows_str(r, "to_status"), gfdx_rows_str(r, "sender"));
    }
    return out;
}

static const json_t *obstacle(gfdx_rowset *rs, const char *id)
{
    const char *k[] = {id};
    return gfdx_rows_get(rs, &feedback_obstacle_table, k);
}

#define NEED "{\"need_id\": \"N-1\", "

static void test_obstacle_life(void)
{
    gfdx_rowset *rs = one_need("1.3.1");
    char id[64], body[512];
    EXPECT("APPLIED", say(rs, "MatchingFeedback", BANK_A, NEED "\"stage\": \"CONTACTED\"}"));
    EXPECT("APPLIED", say(rs, "ObstacleRaised", BANK_A, NEED "\"category\": \"COLLATERAL\", \"description\": \"缺少抵押\"}"));
    snprintf(id, sizeof id, "%s", last_event);
    CHECK_STR_EQ(status(rs), "BLOCKED 1");
#define OB(fields) (snprintf(body, sizeof body, NEED "\"obstacle_id\": \"%s\", " fields "}", id), body)
    /* confirming or reopening an open obstacle is illegal */
    EXPECT("OBSTACLE_NOT_RESOLVED", say(rs, "ObstacleConfirmed", BANK_A, OB("\"comment\": null")));
    EXPECT("OBSTACLE_NOT_RESOLVED", say(rs, "ObstacleReopened", BANK_A, OB("\"reason\": \"仍未解决\"")));
    /* acknowledging: the need's authority or branch only, the same answer for an unknown need */
    EXPECT("UNAUTHORIZED_SENDER", say(rs, "ObstacleAcknowledged", "prov-320000",
                                      OB("\"comment\": null, \"acknowledged_by\": null")));
    EXPECT("UNAUTHORIZED_SENDER", say(rs, "ObstacleAcknowledged", BANK_A, OB("\"comment\": null, \"acknowledged_by\": null")));
    EXPECT("UNAUTHORIZED_SENDER", say(rs, "ObstacleAcknowledged", "pbc-330200",
                                      "{\"need_id\": \"N-404\", \"obstacle_id\": \"x\", \"comment\": null, \"acknowledged_by\": null}"));
    EXPECT("UNKNOWN_OBSTACLE", say(rs, "ObstacleAcknowledged", "prov-310000",
                                   NEED "\"obstacle_id\": \"nope\", \"comment\": null, \"acknowledged_by\": null}"));
    EXPECT("INVALID_FIELD", say(rs, "ObstacleAcknowledged", "prov-310000", OB("\"comment\": \"  \", \"acknowledged_by\": null")));
    EXPECT("APPLIED", say(rs, "ObstacleAcknowledged", "prov-310000", OB("\"comment\": \"已受理\", \"acknowledged_by\": \"李明\"")));
    const json_t *o = obstacle(rs, id);
    CHECK(o && !strcmp(gfdx_rows_str(o, "status"), "ACKNOWLEDGED") &&
          !strcmp(gfdx_rows_str(o, "acknowledged_by"), "prov-310000") &&
          !strcmp(gfdx_rows_str(o, "acknowledged_by_official"), "李明"));
    CHECK_STR_EQ(status(rs), "BLOCKED 1"); /* still open */
    EXPECT("OBSTACLE_NOT_OPEN", say(rs, "ObstacleAcknowledged", "pbc-hq-sh", OB("\"comment\": null, \"acknowledged_by\": null")));
    /* resolved from ACKNOWLEDGED by the branch */
    EXPECT("APPLIED", say(rs, "ObstacleResolved", "pbc-hq-sh", OB("\"resolution\": \"担保已落实\", \"resolved_by\": \"王芳\"")));
    CHECK_STR_EQ(status(rs), "MATCHING 0");
    /* only the bank that raised it confirms or reopens: another bank is told it does not exist */
    EXPECT("UNKNOWN_OBSTACLE", say(rs, "ObstacleReopened", BANK_B, OB("\"reason\": \"x\"")));
    EXPECT("UNAUTHORIZED_SENDER", say(rs, "ObstacleReopened", "bank-abc-320000", OB("\"reason\": \"x\"")));
    EXPECT("UNAUTHORIZED_SENDER", say(rs, "ObstacleConfirmed", "pbc-hq-sh", OB("\"comment\": null")));
    EXPECT("INVALID_FIELD", say(rs, "ObstacleReopened", BANK_A, OB("\"reason\": \"\"")));
    size_t coord = emitted(rs, "ObstacleCoordination", "gfdx.coordination.310000");
    EXPECT("APPLIED", say(rs, "ObstacleReopened", BANK_A, OB("\"reason\": \"担保方撤回\"")));
    o = obstacle(rs, id);
    CHECK(o && !strcmp(gfdx_rows_str(o, "status"), "OPEN") && json_is_null(json_object_get(o, "resolved_at")) &&
          json_is_null(json_object_get(o, "resolution")));
    CHECK_STR_EQ(status(rs), "BLOCKED 1"); /* blocked again */
    EXPECT("MATCHING_BLOCKED", say(rs, "MatchingFeedback", BANK_A, NEED "\"stage\": \"DUE_DILIGENCE\"}"));
    CHECK(emitted(rs, "ObstacleCoordination", "gfdx.coordination.310000") == coord + 1);
    json_t *co = last_emitted(rs, "ObstacleCoordination");
    CHECK(co && !strcmp(gfdx_rec_str(co, "status"), "OPEN") && !strcmp(gfdx_rec_str(co, "obstacle_id"), id));
    json_decref(co);
    /* resolved again by the province, then confirmed: closed, final */
    EXPECT("APPLIED", say(rs, "ObstacleResolved", "prov-310000", OB("\"resolution\": \"换保\", \"resolved_by\": null")));
    CHECK_STR_EQ(status(rs), "MATCHING 0");
    EXPECT("APPLIED", say(rs, "ObstacleConfirmed", BANK_A, OB("\"comment\": \"确认\"")));
    o = obstacle(rs, id);
    CHECK(o && !strcmp(gfdx_rows_str(o, "status"), "CLOSED") && json_is_string(json_object_get(o, "closed_at")) &&
          !strcmp(gfdx_rows_str(o, "resolved_by"), "prov-310000"));
    EXPECT("OBSTACLE_NOT_RESOLVED", say(rs, "ObstacleReopened", BANK_A, OB("\"reason\": \"again\"")));
    EXPECT("OBSTACLE_NOT_OPEN", say(rs, "ObstacleResolved", "pbc-hq-sh", OB("\"resolution\": \"x\", \"resolved_by\": null")));
    CHECK_STR_EQ(status(rs), "MATCHING 0");
    EXPECT("APPLIED", say(rs, "MatchingFeedback", BANK_A, NEED "\"stage\": \"DUE_DILIGENCE\"}"));
    CHECK_STR_EQ(steps(rs), "->OPEN:" BANK_A ",OPEN>ACKNOWLEDGED:prov-310000,ACKNOWLEDGED>RESOLVED:pbc-hq-sh,"
                            "RESOLVED>OPEN:" BANK_A ",OPEN>RESOLVED:prov-310000,RESOLVED>CLOSED:" BANK_A);
#undef OB
    gfdx_rowset_free(rs);
}

/* ---- alerts ---- */

static const json_t *alert_row(gfdx_rowset *rs, const char *id)
{
    const char *k[] = {id};
    return gfdx_rows_get(rs, &feedback_alert_state_table, k);
}

/* A batch that reads the alert rows the first one appended, as the next batch loads them. */
static gfdx_rowset *reload(gfdx_rowset *one)
{
    gfdx_rowset *two = one_need("8.1.1");
    size_t i;
    json_t *r;
    json_array_foreach(gfdx_rows_appended(one, &feedback_alert_table), i, r)
    {
        json_t *row = json_deep_copy(r);
        const char *cols[] = {"handled_by", "handled_at", "outcome", "comment", "handled_event_id"};
        for (size_t c = 0; c < 5; c++)
            json_object_set_new(row, cols[c], json_null());
        CHECK(gfdx_rowset_add(two, &feedback_alert_state_table, row) == 0);
    }
    return two;
}

static void test_alerts(void)
{
    gfdx_rowset *one = one_need("8.1.1"); /* group 8: NOT_GREEN_ELIGIBLE on the first record */
    EXPECT("APPLIED", say(one, "MatchingFeedback", BANK_A, NEED "\"stage\": \"CONTACTED\"}"));
    const json_t *rows = gfdx_rows_appended(one, &feedback_alert_table);
    const json_t *a = json_array_get(rows, 0);
    CHECK(json_array_size(rows) == 1 && a && !strcmp(gfdx_rows_str(a, "branch_id"), "pbc-hq-sh") &&
          !strncmp(gfdx_rows_str(a, "alert_id"), "al-", 3) && strlen(gfdx_rows_str(a, "alert_id")) == 35);
    char id[FEEDBACK_ALERT_ID_LEN];
    snprintf(id, sizeof id, "%s", a ? gfdx_rows_str(a, "alert_id") : "");
    CHECK(emitted(one, "AlertRaised", "gfdx.alerts.pbc-hq-sh") == 1 && emitted(one, "AlertRaised", NULL) == 1);
    json_t *rec = last_emitted(one, "AlertRaised");
    CHECK(rec && !strcmp(gfdx_rec_str(rec, "alert_id"), id) && !strcmp(gfdx_rec_str(rec, "kind"), "NOT_GREEN_ELIGIBLE") &&
          !strcmp(gfdx_rec_str(rec, "branch"), "pbc-hq-sh") && !strcmp(gfdx_rec_str(rec, "bank_id"), BANK_A) &&
          gfdx_rec_int(rec, "raised_at") == ctx.now_ms && gfdx_rec_str(rec, "facts")[0] == '{');
    json_decref(rec);

    gfdx_rowset *two = reload(one);
    char body[512];
#define AH(outcome, comment) (snprintf(body, sizeof body, NEED "\"alert_id\": \"%s\", \"outcome\": \"%s\", \"comment\": %s}", id, outcome, comment), body)
    /* another branch: refused before the alert is looked at, as for one that does not exist */
    EXPECT("UNAUTHORIZED_SENDER", say(two, "AlertHandled", "pbc-330200", AH("DISMISSED", "\"不是本行\"")));
    char reason[512];
    snprintf(reason, sizeof reason, "%s", last_reason);
    EXPECT("UNAUTHORIZED_SENDER", say(two, "AlertHandled", "pbc-330200",
                                      NEED "\"alert_id\": \"al-nope\", \"outcome\": \"DISMISSED\", \"comment\": \"x\"}"));
    CHECK_STR_EQ(last_reason, reason);
    EXPECT("UNAUTHORIZED_SENDER", say(two, "AlertHandled", BANK_A, AH("DISMISSED", "\"x\"")));
    EXPECT("UNAUTHORIZED_SENDER", say(two, "AlertHandled", "prov-310000", AH("DISMISSED", "\"x\"")));
    EXPECT("UNKNOWN_ALERT", say(two, "AlertHandled", "pbc-hq-sh",
                                NEED "\"alert_id\": \"al-nope\", \"outcome\": \"DISMISSED\", \"comment\": \"x\"}"));
    EXPECT("INVALID_FIELD", say(two, "AlertHandled", "pbc-hq-sh", AH("CONFIRMED", "\"\"")));
    CHECK(json_is_null(json_object_get(alert_row(two, id), "handled_at")));
    EXPECT("APPLIED", say(two, "AlertHandled", "pbc-hq-sh", AH("CONFIRMED", "\"项目不在目录内，已约谈\"")));
    const json_t *h = alert_row(two, id);
    CHECK(h && !strcmp(gfdx_rows_str(h, "handled_by"), "pbc-hq-sh") && !strcmp(gfdx_rows_str(h, "outcome"), "CONFIRMED") &&
          !strcmp(gfdx_rows_str(h, "comment"), "项目不在目录内，已约谈") &&
          gfdx_rows_time_ms(json_object_get(h, "handled_at")) == T0 + seq * 60000LL + 5 &&
          !strcmp(gfdx_rows_str(h, "handled_event_id"), last_event));
    /* handled once: a second verdict is refused, the first stands */
    EXPECT("ALERT_ALREADY_HANDLED", say(two, "AlertHandled", "pbc-hq-sh", AH("DISMISSED", "\"改判\"")));
    CHECK(!strcmp(gfdx_rows_str(alert_row(two, id), "outcome"), "CONFIRMED"));
#undef AH
    gfdx_rowset_free(one);
    gfdx_rowset_free(two);
}

/* ---- the watch's decision ---- */

static int watch_decide(gfdx_rowset *rs, const feedback_watch_candidate *c, bool *raised)
{
    char err[512] = "";
    bool transient = false;
    gfdx_watch w = {.ctx = &ctx, .rows = rs, .err = err, .errlen = sizeof err, .transient = &transient};
    int rc = feedback_watch_decide(&w, c, raised);
    CHECK_MSG(rc == 0, "watch: %s", err);
    return rc;
}

static void test_watch(void)
{
    /* 2026-03-02 is a Monday; 10 working days later is Monday 2026-03-16 */
    const int64_t mon = 1772409600000LL + 2 * 3600000LL; /* 2026-03-02 02:00Z, 10:00 China time */
    int64_t age = 0;
    CHECK(!feedback_watch_due(ctx.calendar, mon, mon + 14 * DAY, 10, &age) && age == 10);
    CHECK(feedback_watch_due(ctx.calendar, mon, mon + 15 * DAY, 10, &age) && age == 11);
    CHECK(!feedback_watch_due(ctx.calendar, mon, mon + 4 * DAY, 5, &age) && age == 4);
    CHECK(!feedback_watch_due(ctx.calendar, mon, mon - DAY, 0, &age) && age == 0);

    gfdx_rowset *rs = one_need("1.3.1");
    feedback_watch_candidate c = {FEEDBACK_WATCH_NO_FEEDBACK, "N-1", BANK_B, NULL, mon};
    bool raised = true;
    int64_t saved = ctx.now_ms;
    ctx.now_ms = mon + 14 * DAY; /* on the limit: not yet */
    watch_decide(rs, &c, &raised);
    CHECK(!raised && emitted(rs, "AlertRaised", NULL) == 0);
    ctx.now_ms = mon + 15 * DAY;
    watch_decide(rs, &c, &raised);
    CHECK(raised && emitted(rs, "AlertRaised", "gfdx.alerts.pbc-hq-sh") == 1 &&
          emitted(rs, "Escalation", "gfdx.coordination.310000") == 1);
    char id[FEEDBACK_ALERT_ID_LEN];
    feedback_watch_alert_id(&c, id);
    const json_t *a = alert_row(rs, id);
    CHECK(a && !strcmp(gfdx_rows_str(a, "kind"), "NO_FEEDBACK") && !strcmp(gfdx_rows_str(a, "bank_id"), BANK_B) &&
          gfdx_rows_int(json_object_get(a, "facts"), "working_days") == 11 &&
          gfdx_rows_int(json_object_get(a, "facts"), "limit_days") == 10);
    json_t *esc = last_emitted(rs, "Escalation");
    CHECK(esc && !strcmp(gfdx_rec_str(esc, "alert_id"), id) && !strcmp(gfdx_rec_str(esc, "kind"), "NO_FEEDBACK") &&
          !strcmp(gfdx_rec_str(esc, "province"), "310000") && !strcmp(gfdx_rec_str(esc, "branch_id"), "pbc-hq-sh") &&
          !strcmp(gfdx_rec_str(esc, "bank_id"), BANK_B) && json_is_null(gfdx_rec_get(esc, "obstacle_id")));
    json_decref(esc);
    /* idempotent: the same candidate again (a second round) raises nothing */
    ctx.now_ms = mon + 30 * DAY;
    watch_decide(rs, &c, &raised);
    CHECK(!raised && emitted(rs, "AlertRaised", NULL) == 1 && emitted(rs, "Escalation", NULL) == 1);
    /* an overdue obstacle: its own limit, its own id */
    feedback_watch_candidate o = {FEEDBACK_WATCH_OBSTACLE_OVERDUE, "N-1", BANK_A, "obs-1", mon};
    ctx.now_ms = mon + 4 * DAY;
    watch_decide(rs, &o, &raised);
    CHECK(!raised);
    ctx.now_ms = mon + 7 * DAY; /* Monday again: 5 working days */
    watch_decide(rs, &o, &raised);
    CHECK(!raised);
    ctx.now_ms = mon + 8 * DAY;
    watch_decide(rs, &o, &raised);
    CHECK(raised && emitted(rs, "Escalation", NULL) == 2);
    esc = last_emitted(rs, "Escalation");
    CHECK(esc && !strcmp(gfdx_rec_str(esc, "kind"), "OBSTACLE_OVERDUE") && !strcmp(gfdx_rec_str(esc, "obstacle_id"), "obs-1"));
    json_decref(esc);
    watch_decide(rs, &o, &raised);
    CHECK(!raised);
    /* a need that went away meanwhile: nothing */
    feedback_watch_candidate gone = {FEEDBACK_WATCH_NO_FEEDBACK, "N-404", BANK_A, NULL, mon};
    watch_decide(rs, &gone, &raised);
    CHECK(!raised && emitted(rs, "AlertRaised", NULL) == 2);
    ctx.now_ms = saved;
    gfdx_rowset_free(rs);
}

int main(void)
{
    char err[512];
    gfdx_catalog *cat = gfdx_catalog_load(GFDX_SOURCE_DIR "/schemas/avro", err, sizeof err);
    CHECK_MSG(cat != NULL, "catalog: %s", err);
    gfdx_calendar *cal = gfdx_calendar_load(GFDX_SOURCE_DIR "/deploy/calendar.cfg", err, sizeof err);
    CHECK_MSG(cal != NULL, "calendar: %s", err);
    setup(cat, cal);
    test_obstacle_fsm();
    test_obstacle_life();
    test_alerts();
    test_watch();
    gfdx_calendar_free(cal);
    gfdx_catalog_free(cat);
    return CHECK_DONE();
}
