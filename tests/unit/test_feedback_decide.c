/* test_feedback_decide: gfdx-feedback's decisions (feedback_decide.h) on a rowset built in
 * memory (gfdx_rowset_add), with no database: each record is decided as the batch pipeline
 * does it (gfdx_rowset_mark, decide, gfdx_rowset_undo on anything but OK), and the verdicts
 * and the rows put and appended are checked.
 *   - the integration scenario (tests/integration/data/feedback_flow.jsonl) replayed in two
 *     batches: every record's outcome, the aggregates, alerts and obstacles the integration
 *     test asserts on the database;
 *   - one bank's whole path in one batch (legal stages, an illegal one, the stage times);
 *   - refusals in the middle of a batch, one of them after effects were staged (an
 *     overflowing total): nothing of them stays and the next record applies;
 *   - authorization before state: a sender that may not speak is refused the same way
 *     whatever is stored (even a corrupt row) and whether the need exists;
 *   - obstacles: blocked, resolved, unknown, not open;
 *   - the aggregate after several banks' reports. */
#include "check.h"
#include "feedback/feedback.h"
#include "feedback/feedback_decide.h"
#include "feedback/feedback_store.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "avro_catalog.h"
#include "avro_serde.h"
#include "outbox.h"
#include "rowset.h"
#include "service.h"

#define T0 1767225600000LL /* 2026-01-01T00:00:00Z: the records' meta.occurred_at start here */

static feedback_ctx fctx;
static gfdx_context ctx;
static char *green_groups[] = {(char *)"1", (char *)"2", (char *)"3", (char *)"4",
                               (char *)"5", (char *)"6", (char *)"7"};

static void setup(const gfdx_catalog *cat)
{
    fctx.settings.approved_margin_pct = 15;
    fctx.settings.green_groups.items = green_groups;
    fctx.settings.green_groups.count = sizeof green_groups / sizeof green_groups[0];
    fctx.settings.coordination_prefix = (char *)"gfdx.coordination.";
    fctx.settings.status_topic = (char *)"gfdx.matching-status";
    ctx.catalog = cat;
    ctx.service_participant = "pboc";
    ctx.service_ctx = &fctx;
    ctx.max_message_bytes = 1000000;
    ctx.now_ms = T0 + 86400000LL;
}

/* ---- fixtures: gfdx-push's rows ---- */

static void add_need(gfdx_rowset *rs, const char *need, const char *province, const char *branch, long long amount,
                     const char *catalogue, const char *status)
{
    json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s}", "need_id", need, "province",
                            province, "location_region", province, "branch_id", branch, "financing_amount",
                            (json_int_t)amount, "catalogue_code", catalogue, "uscc", "91350100M000100Y43",
                            "factory_name", "测试工厂", "project_name", "节能改造项目", "status", status);
    CHECK(row && gfdx_rowset_add(rs, &feedback_pboc_need_table, row) == 0);
}

static void add_dispatch(gfdx_rowset *rs, const char *need, const char *bank, const char *branch)
{
    json_t *row = json_pack("{s:s, s:s, s:s, s:s}", "need_id", need, "bank_id", bank, "branch_id", branch, "status",
                            "ACTIVE");
    CHECK(row && gfdx_rowset_add(rs, &feedback_pboc_dispatch_table, row) == 0);
}

/* The needs and dispatches of tests/integration/data/feedback_flow_pboc.sql; cq_status is
 * FB-CQ-0001's status (WITHDRAWN in the scenario's second phase). */
static void flow_fixture(gfdx_rowset *rs, const char *cq_status)
{
    add_need(rs, "FB-SH-0001", "310000", "pbc-hq-sh", 500000000, "1.3.1", "DISPATCHED");
    add_need(rs, "FB-JS-0001", "320000", "pbc-320000", 200000000, "2.2.1", "DISPATCHED");
    add_need(rs, "FB-CQ-0001", "500000", "pbc-500000", 300000000, "4.1.2", cq_status);
    add_need(rs, "FB-NB-0001", "330000", "pbc-330200", 100000000, "9.1.1", "DISPATCHED");
    static const char *const d[][3] = {
        {"FB-SH-0001", "bank-icbc-310000", "pbc-hq-sh"},   {"FB-SH-0001", "bank-ccb-310000", "pbc-hq-sh"},
        {"FB-SH-0001", "bank-bocom-310000", "pbc-hq-sh"},  {"FB-JS-0001", "bank-abc-320000", "pbc-320000"},
        {"FB-CQ-0001", "bank-ccb-500000", "pbc-500000"},   {"FB-CQ-0001", "bank-cqrcb-500000", "pbc-500000"},
        {"FB-CQ-0001", "bank-cqcb-500000", "pbc-500000"},  {"FB-NB-0001", "bank-nbcb-330200", "pbc-330200"},
    };
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
        add_dispatch(rs, d[i][0], d[i][1], d[i][2]);
}

/* ---- deciding one record as the pipeline does ---- */

/* A registered participant for an id of the scenario: bank-*-<region>, prov-<region>,
 * pbc-<region> or pbc-hq-sh (上海总部). */
static gfdx_participant who(const char *id)
{
    gfdx_participant p = {.id = id, .name = id, .kind = GFDX_PK_PBOC_BRANCH};
    const char *tail = strrchr(id, '-') ? strrchr(id, '-') + 1 : id;
    if (!strncmp(id, "bank-", 5))
        p.kind = GFDX_PK_BANK;
    else if (!strncmp(id, "prov-", 5))
        p.kind = GFDX_PK_PROVINCE_AUTHORITY;
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
static bool last_transient;

/* Decides body (stolen) of type from sender: "APPLIED", the refusal's code, or
 * "FAILED:<code>" (static buffer). A refused or failed record's effects are undone. */
static const char *decide(gfdx_rowset *rs, const char *type, const char *sender, const char *event_id,
                          int64_t occurred_at, json_t *body)
{
    static char out[64];
    gfdx_participant p = who(sender);
    const char *need = json_string_value(json_object_get(body, "need_id"));
    gfdx_record rec = {.topic = "gfdx.feedback", .key = need ? need : "", .body = body, .type = type,
                       .writer_version = 1, .event_id = event_id, .sender_id = sender, .occurred_at = occurred_at,
                       .clock = {occurred_at, GFDX_CLOCK_RECEIVED}};
    gfdx_decision d = {.rec = &rec, .sender = &p, .ctx = &ctx, .rows = rs};
    gfdx_decide_fn fn = decide_of(type);
    gfdx_rows_mark mark = gfdx_rowset_mark(rs);
    gfdx_verdict v = fn ? fn(&d) : GFDX_DECIDE_FAILED;
    if (v != GFDX_DECIDE_OK)
        gfdx_rowset_undo(rs, mark);
    snprintf(last_reason, sizeof last_reason, "%s", d.reason);
    last_transient = d.transient;
    if (v == GFDX_DECIDE_OK)
        snprintf(out, sizeof out, "APPLIED");
    else
        snprintf(out, sizeof out, "%s%s", v == GFDX_DECIDE_FAILED ? "FAILED:" : "", d.reason_code);
    json_decref(body);
    return out;
}

static int seq; /* event ids and times of the records written inline */

/* Decides an inline record: json is the body (need_id and the type's fields). */
static const char *say(gfdx_rowset *rs, const char *type, const char *sender, const char *json)
{
    char event_id[64];
    json_error_t e;
    json_t *body = json_loads(json, 0, &e);
    if (!body) {
        fprintf(stderr, "bad test JSON %s: %s\n", json, e.text);
        return "TEST_JSON";
    }
    seq++;
    snprintf(event_id, sizeof event_id, "ee000000-0000-4000-8000-%012d", seq);
    return decide(rs, type, sender, event_id, T0 + seq * 60000LL, body);
}

#define EXPECT(want, got)                                                                                   \
    do {                                                                                                    \
        const char *w_ = (want), *g_ = (got);                                                               \
        CHECK_MSG(!strcmp(w_, g_), "expected %s, got %s (%s)", w_, g_, last_reason);                        \
    } while (0)

/* ---- reading the rowset ---- */

static const json_t *matching(gfdx_rowset *rs, const char *need, const char *bank)
{
    const char *k[] = {need, bank};
    return gfdx_rows_get(rs, &feedback_matching_table, k);
}

/* "overall contacted approved declined approved_total disbursed_total obstacles changes",
 * as integration_feedback_flow.sh's status(). */
static const char *status(gfdx_rowset *rs, const char *need)
{
    static char out[256];
    const char *k[] = {need};
    const json_t *r = gfdx_rows_get(rs, &feedback_need_status_table, k);
    if (!r)
        return "(none)";
    snprintf(out, sizeof out, "%s %lld %lld %lld %lld %lld %lld %lld", gfdx_rows_str(r, "overall"),
             gfdx_rows_int(r, "banks_contacted"), gfdx_rows_int(r, "banks_approved"),
             gfdx_rows_int(r, "banks_declined"), gfdx_rows_int(r, "approved_total"),
             gfdx_rows_int(r, "disbursed_total"), gfdx_rows_int(r, "open_obstacles"),
             gfdx_rows_int(r, "status_changes"));
    return out;
}

static size_t appended(gfdx_rowset *rs, const gfdx_table *t) { return json_array_size(gfdx_rows_appended(rs, t)); }

/* The history of (need, bank) appended to rs: "FROM>TO:amount,..." in append order. */
static const char *history(gfdx_rowset *rs, const char *need, const char *bank)
{
    static char out[1024];
    const json_t *h = gfdx_rows_appended(rs, &feedback_matching_event_table);
    size_t i, len = 0;
    json_t *r;
    out[0] = '\0';
    json_array_foreach(h, i, r)
    {
        if (strcmp(gfdx_rows_str(r, "need_id"), need) || strcmp(gfdx_rows_str(r, "bank_id"), bank))
            continue;
        const json_t *amount = json_object_get(r, "amount");
        char a[24] = "";
        if (json_is_integer(amount))
            snprintf(a, sizeof a, "%lld", (long long)json_integer_value(amount));
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%s>%s:%s", len ? "," : "",
                                gfdx_rows_str(r, "from_stage"), gfdx_rows_str(r, "to_stage"), a);
    }
    return out;
}

/* ---- what was emitted: outbox rows staged in the rowset ---- */

/* Records of type (on topic, when not NULL) staged for the outbox. */
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

/* The bytes of a bytea value ("\\x" and hex) into out; their length, or -1. */
static long unhex(const char *v, unsigned char *out, size_t cap)
{
    size_t n = v && !strncmp(v, "\\x", 2) ? strlen(v + 2) / 2 : 0;
    if (!v || strncmp(v, "\\x", 2) || n > cap)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned b;
        if (sscanf(v + 2 + 2 * i, "%2x", &b) != 1)
            return -1;
        out[i] = (unsigned char)b;
    }
    return (long)n;
}

/* The last record of type staged, decoded (new reference, NULL if none); *key gets its key. */
static json_t *last_emitted(gfdx_rowset *rs, const char *type, char *key, size_t keylen)
{
    static unsigned char buf[65536];
    const json_t *rows = gfdx_rows_appended(rs, &gfdx_outbox_table);
    for (size_t i = json_array_size(rows); i-- > 0;) {
        const json_t *r = json_array_get(rows, i);
        if (strcmp(gfdx_rows_str(r, "record_type"), type))
            continue;
        long k = unhex(gfdx_rows_str(r, "key"), buf, sizeof buf - 1);
        snprintf(key, keylen, "%.*s", k > 0 ? (int)k : 0, (const char *)buf);
        long n = unhex(gfdx_rows_str(r, "value"), buf, sizeof buf);
        json_t *out = NULL;
        char err[256];
        if (n < 0 || gfdx_serde_decode(ctx.catalog, buf, (size_t)n, &out, NULL, err, sizeof err) != GFDX_SERDE_OK)
            fprintf(stderr, "cannot decode the staged %s: %s\n", type, n < 0 ? "not bytea" : err);
        return out;
    }
    return NULL;
}

/* ---- the integration scenario, in memory ---- */

/* The scenario's lines (array of objects), from the integration test's data. */
static json_t *flow_lines(void)
{
    FILE *f = fopen(GFDX_SOURCE_DIR "/tests/integration/data/feedback_flow.jsonl", "r");
    json_t *lines = json_array();
    char *buf = NULL;
    size_t cap = 0;
    while (f && lines && getline(&buf, &cap, f) > 0) {
        json_t *l = json_loads(buf, 0, NULL);
        if (l)
            json_array_append_new(lines, l);
    }
    free(buf);
    if (f)
        fclose(f);
    return lines;
}

/* Decides every line of the phase in file order; each must get its "_expect". */
static void replay(gfdx_rowset *rs, const json_t *lines, int phase)
{
    size_t i;
    json_t *l;
    json_array_foreach(lines, i, l)
    {
        if (json_integer_value(json_object_get(l, "_phase")) != phase)
            continue;
        json_t *body = json_deep_copy(l);
        const char *drop[] = {"$type", "_phase", "_expect", "_note"};
        for (size_t k = 0; k < 4; k++)
            json_object_del(body, drop[k]);
        const json_t *meta = json_object_get(l, "meta");
        const char *want = json_string_value(json_object_get(l, "_expect"));
        const char *got = decide(rs, json_string_value(json_object_get(l, "$type")),
                                 json_string_value(json_object_get(meta, "sender")),
                                 json_string_value(json_object_get(meta, "event_id")), T0 + (int64_t)i * 60000, body);
        CHECK_MSG(!strcmp(got, want), "line %zu: expected %s, got %s (%s)", i + 1, want, got, last_reason);
    }
}

static const char *const flow_needs[] = {"FB-SH-0001", "FB-JS-0001", "FB-CQ-0001", "FB-NB-0001"};

/* A second batch: the state the first one wrote (its STATE rows, as they are now), loaded
 * again into a new rowset, with gfdx-push's rows as they are then. */
static gfdx_rowset *next_batch(gfdx_rowset *rs, const char *cq_status)
{
    const gfdx_table *const own[] = {&feedback_matching_table, &feedback_need_status_table, &feedback_obstacle_table};
    gfdx_rowset *next = gfdx_rowset_new();
    flow_fixture(next, cq_status);
    for (size_t n = 0; n < 4; n++)
        for (size_t t = 0; t < 3; t++) {
            json_t *rows = gfdx_rows_find(rs, own[t], "need_id", flow_needs[n]);
            size_t i;
            json_t *r;
            json_array_foreach(rows, i, r) CHECK(gfdx_rowset_add(next, own[t], json_deep_copy(r)) == 0);
            json_decref(rows);
        }
    return next;
}

static int by_text(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The alerts appended to both batches: "KIND need bank" sorted, comma-separated. */
static const char *alerts(gfdx_rowset *a, gfdx_rowset *b)
{
    static char out[1024];
    char *items[16];
    size_t n = 0, len = 0;
    gfdx_rowset *sets[] = {a, b};
    for (size_t s = 0; s < 2; s++) {
        size_t i;
        json_t *r;
        json_array_foreach(gfdx_rows_appended(sets[s], &feedback_alert_table), i, r) if (n < 16)
        {
            char buf[256];
            snprintf(buf, sizeof buf, "%s %s %s", gfdx_rows_str(r, "kind"), gfdx_rows_str(r, "need_id"),
                     gfdx_rows_str(r, "bank_id"));
            items[n++] = strdup(buf);
        }
    }
    qsort(items, n, sizeof items[0], by_text);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%s", i ? "," : "", items[i]);
        free(items[i]);
    }
    return out;
}

/* "category status resolved_by official" of every obstacle, sorted by category. */
static const char *obstacles(gfdx_rowset *rs)
{
    static char out[1024];
    char *items[16];
    size_t n = 0, len = 0;
    for (size_t k = 0; k < 4; k++) {
        json_t *rows = gfdx_rows_find(rs, &feedback_obstacle_table, "need_id", flow_needs[k]);
        size_t i;
        json_t *r;
        json_array_foreach(rows, i, r) if (n < 16)
        {
            char buf[512];
            const char *by = gfdx_rows_str(r, "resolved_by"), *off = gfdx_rows_str(r, "resolved_by_official");
            snprintf(buf, sizeof buf, "%s %s %s %s", gfdx_rows_str(r, "category"), gfdx_rows_str(r, "status"),
                     by ? by : "-", off ? off : "-");
            items[n++] = strdup(buf);
        }
        json_decref(rows);
    }
    qsort(items, n, sizeof items[0], by_text);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%s", i ? "," : "", items[i]);
        free(items[i]);
    }
    return out;
}

static void test_flow_scenario(void)
{
    json_t *lines = flow_lines();
    CHECK_MSG(json_array_size(lines) == 38, "feedback_flow.jsonl: %zu lines", json_array_size(lines));
    gfdx_rowset *one = gfdx_rowset_new();
    flow_fixture(one, "DISPATCHED");
    replay(one, lines, 1); /* 36 records of four needs in one batch */
    gfdx_rowset *two = next_batch(one, "WITHDRAWN"); /* gfdx-push received NeedPushWithdrawn */
    replay(two, lines, 2);

    CHECK(appended(one, &feedback_matching_event_table) + appended(two, &feedback_matching_event_table) == 23);
    const json_t *icbc = matching(two, "FB-SH-0001", "bank-icbc-310000");
    CHECK(icbc && !strcmp(gfdx_rows_str(icbc, "stage"), "DISBURSED") &&
          gfdx_rows_int(icbc, "approved_amount") == 300000000 && gfdx_rows_int(icbc, "disbursed_total") == 300000000 &&
          gfdx_rows_int(icbc, "disbursements") == 2 && !strcmp(gfdx_rows_str(icbc, "product"), "PROJECT_LOAN") &&
          gfdx_rows_int(icbc, "rate_bp") == 385 && gfdx_rows_int(icbc, "term_months") == 60);
    const json_t *ccb = matching(two, "FB-SH-0001", "bank-ccb-310000");
    CHECK(ccb && !strcmp(gfdx_rows_str(ccb, "stage"), "DECLINED") &&
          !strcmp(gfdx_rows_str(ccb, "decline_reason"), "CREDIT_RISK") && json_is_true(json_object_get(ccb, "contacted")));
    CHECK_STR_EQ(history(one, "FB-SH-0001", "bank-icbc-310000"),
                 "NONE>CONTACTED:,CONTACTED>DUE_DILIGENCE:,DUE_DILIGENCE>CREDIT_APPROVED:300000000,"
                 "CREDIT_APPROVED>DISBURSED:100000000,DISBURSED>DISBURSED:200000000");

    CHECK_STR_EQ(status(two, "FB-SH-0001"), "FINANCED 3 2 1 600000000 300000000 0 12");
    CHECK_STR_EQ(status(two, "FB-JS-0001"), "BLOCKED 1 0 0 0 0 1 2");
    CHECK_STR_EQ(status(two, "FB-CQ-0001"), "FINANCED 2 1 1 200000000 50000000 0 5");
    CHECK_STR_EQ(status(two, "FB-NB-0001"), "DECLINED_ALL 1 0 1 0 0 0 2");
    CHECK_STR_EQ(status(two, "FB-XX-0404"), "(none)");

    CHECK_STR_EQ(obstacles(two), "COLLATERAL RESOLVED prov-310000 李明,COMPLIANCE OPEN - -,"
                                 "INFORMATION RESOLVED pbc-hq-sh 王芳");
    const json_t *bocom = matching(two, "FB-SH-0001", "bank-bocom-310000");
    CHECK(bocom && !strcmp(gfdx_rows_str(bocom, "stage"), "CREDIT_APPROVED") &&
          gfdx_rows_int(bocom, "open_obstacles") == 0);
    CHECK_STR_EQ(alerts(one, two), "APPROVED_ABOVE_REQUESTED FB-SH-0001 bank-bocom-310000,"
                                   "DISBURSED_ON_WITHDRAWN_NEED FB-CQ-0001 bank-ccb-500000,"
                                   "NOT_GREEN_ELIGIBLE FB-NB-0001 bank-nbcb-330200");
    const json_t *cq = matching(two, "FB-CQ-0001", "bank-ccb-500000");
    CHECK(cq && !strcmp(gfdx_rows_str(cq, "stage"), "DISBURSED") && gfdx_rows_int(cq, "disbursed_total") == 50000000);
    /* what other agencies get: a NeedMatchingStatus per change, the coordination records */
    CHECK(emitted(one, "NeedMatchingStatus", "gfdx.matching-status") +
              emitted(two, "NeedMatchingStatus", "gfdx.matching-status") == 21);
    CHECK(emitted(one, "ObstacleCoordination", "gfdx.coordination.310000") == 4);
    CHECK(emitted(one, "ObstacleCoordination", "gfdx.coordination.320000") == 1);
    CHECK(emitted(two, "ObstacleCoordination", NULL) == 0);
    gfdx_rowset_free(one);
    gfdx_rowset_free(two);
    json_decref(lines);
}

/* ---- one bank, one batch ---- */

#define NEED "{\"need_id\": \"N-1\", "
#define BANK_A "bank-icbc-310000"
#define BANK_B "bank-ccb-310000"
#define BANK_C "bank-bocom-310000"

/* A need of Shanghai (branch pbc-hq-sh) for 1000 fen, dispatched to the banks given. */
static gfdx_rowset *one_need(const char *catalogue, const char *const *banks, size_t n)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    add_need(rs, "N-1", "310000", "pbc-hq-sh", 1000, catalogue, "DISPATCHED");
    for (size_t i = 0; i < n; i++)
        add_dispatch(rs, "N-1", banks[i], "pbc-hq-sh");
    return rs;
}

static int64_t ms_of(const json_t *row, const char *column) { return gfdx_rows_time_ms(json_object_get(row, column)); }

static void test_one_bank_path(void)
{
    const char *banks[] = {BANK_A};
    gfdx_rowset *rs = one_need("1.3.1", banks, 1);
    int first = seq + 1;
    EXPECT("APPLIED", say(rs, "MatchingFeedback", BANK_A, NEED "\"stage\": \"CONTACTED\"}"));
    EXPECT("APPLIED", say(rs, "MatchingFeedback", BANK_A, NEED "\"stage\": \"DUE_DILIGENCE\"}"));
    EXPECT("APPLIED", say(rs, "MatchingFeedback", BANK_A,
                          NEED "\"stage\": \"CREDIT_APPROVED\", \"approved_amount\": 900, \"product\": \"PROJECT_LOAN\","
                               " \"rate_bp\": 385, \"term_months\": 60}"));
    EXPECT("APPLIED", say(rs, "MatchingFeedback", BANK_A, NEED "\"stage\": \"DISBURSED\", \"disbursed_amount\": 400}"));
    EXPECT("APPLIED", say(rs, "MatchingFeedback", BANK_A, NEED "\"stage\": \"DISBURSED\", \"disbursed_amount\": 500}"));
    /* illegal steps: backwards, after money moved */
    EXPECT("ILLEGAL_TRANSITION", say(rs, "MatchingFeedback", BANK_A, NEED "\"stage\": \"DUE_DILIGENCE\"}"));
    CHECK_STR_EQ(last_reason, BANK_A " on need N-1: DUE_DILIGENCE is not allowed at stage DISBURSED");
    EXPECT("ILLEGAL_TRANSITION",
           say(rs, "MatchingFeedback", BANK_A, NEED "\"stage\": \"DECLINED\", \"decline_reason\": \"CREDIT_RISK\"}"));
    EXPECT("AMOUNT_EXCEEDS_APPROVED",
           say(rs, "MatchingFeedback", BANK_A, NEED "\"stage\": \"DISBURSED\", \"disbursed_amount\": 1}"));
    CHECK_STR_EQ(last_reason, BANK_A " on need N-1: disbursing 1 after 900 would exceed the approved 900 fen");

    const json_t *m = matching(rs, "N-1", BANK_A);
    CHECK(m && !strcmp(gfdx_rows_str(m, "stage"), "DISBURSED") && gfdx_rows_int(m, "disbursed_total") == 900 &&
          gfdx_rows_int(m, "disbursements") == 2 && !strcmp(gfdx_rows_str(m, "branch_id"), "pbc-hq-sh"));
    /* stage times: first contact and first disbursement kept, the latest disbursement moved on */
    CHECK(ms_of(m, "contacted_at") == T0 + first * 60000LL);
    CHECK(ms_of(m, "approved_at") == T0 + (first + 2) * 60000LL);
    CHECK(ms_of(m, "first_disbursed_at") == T0 + (first + 3) * 60000LL);
    CHECK(ms_of(m, "last_disbursed_at") == T0 + (first + 4) * 60000LL);
    CHECK(json_is_null(json_object_get(m, "declined_at")) || !json_object_get(m, "declined_at"));
    CHECK_STR_EQ(history(rs, "N-1", BANK_A), "NONE>CONTACTED:,CONTACTED>DUE_DILIGENCE:,DUE_DILIGENCE>CREDIT_APPROVED:900,"
                                             "CREDIT_APPROVED>DISBURSED:400,DISBURSED>DISBURSED:500");
    /* MATCHING, APPROVED, FINANCED (first disbursement), FINANCED with more money: 4 changes */
    CHECK_STR_EQ(status(rs, "N-1"), "FINANCED 1 1 0 900 900 0 4");
    CHECK(appended(rs, &feedback_alert_table) == 0);
    /* a NeedMatchingStatus per change (not for DUE_DILIGENCE, nor for the refusals) */
    CHECK(emitted(rs, "NeedMatchingStatus", "gfdx.matching-status") == 4);
    char key[64], want_cid[64];
    json_t *st = last_emitted(rs, "NeedMatchingStatus", key, sizeof key);
    snprintf(want_cid, sizeof want_cid, "ee000000-0000-4000-8000-%012d", first + 4);
    CHECK_STR_EQ(key, "N-1");
    CHECK(st && json_integer_value(json_object_get(st, "sequence")) == 4 &&
          !strcmp(gfdx_rec_str(st, "overall"), "FINANCED") && gfdx_rec_int(st, "disbursed_total") == 900 &&
          gfdx_rec_int(st, "approved_total") == 900 && gfdx_rec_int(st, "banks_contacted") == 1 &&
          !strcmp(gfdx_rec_str(st, "meta.sender"), "pboc"));
    CHECK_STR_EQ(st ? gfdx_rec_str(st, "meta.correlation_id") : NULL, want_cid);
    json_decref(st);
    gfdx_rowset_free(rs);
}

/* ---- refusals in the middle of a batch ---- */

static void test_refusal_in_middle(void)
{
    const char *banks[] = {BANK_A, BANK_B};
    gfdx_rowset *rs = one_need("1.3.1", banks, 2);
    EXPECT("APPLIED", say(rs, "MatchingFeedback", BANK_A, NEED "\"stage\": \"CONTACTED\"}"));
    EXPECT("ILLEGAL_TRANSITION",
           say(rs, "MatchingFeedback", BANK_A, NEED "\"stage\": \"DISBURSED\", \"disbursed_amount\": 5}"));
    EXPECT("APPLIED", say(rs, "MatchingFeedback", BANK_A, NEED "\"stage\": \"DUE_DILIGENCE\"}"));
    CHECK_STR_EQ(history(rs, "N-1", BANK_A), "NONE>CONTACTED:,CONTACTED>DUE_DILIGENCE:");

    /* A refusal after effects were staged: bank B's approval would make the total across banks
     * overflow 64 bits, found while recomputing the aggregate (its matching row and history row
     * are already staged then). Nothing of it stays; B's next record applies. */
    EXPECT("APPLIED", say(rs, "MatchingFeedback", BANK_A,
                          NEED "\"stage\": \"CREDIT_APPROVED\", \"approved_amount\": 9223372036854775807,"
                               " \"product\": \"PROJECT_LOAN\"}"));
    EXPECT("APPLIED", say(rs, "MatchingFeedback", BANK_B, NEED "\"stage\": \"CONTACTED\"}"));
    size_t events = appended(rs, &feedback_matching_event_table);
    size_t statuses = emitted(rs, "NeedMatchingStatus", NULL);
    const char *before = status(rs, "N-1");
    char was[256];
    snprintf(was, sizeof was, "%s", before);
    EXPECT("LIMIT_EXCEEDED", say(rs, "MatchingFeedback", BANK_B,
                                 NEED "\"stage\": \"CREDIT_APPROVED\", \"approved_amount\": 1, \"product\": \"CREDIT_LOAN\"}"));
    CHECK_STR_EQ(last_reason, "need N-1: the amounts across banks would exceed 9223372036854775807 fen");
    CHECK(appended(rs, &feedback_matching_event_table) == events);
    CHECK(emitted(rs, "NeedMatchingStatus", NULL) == statuses);
    const json_t *b = matching(rs, "N-1", BANK_B);
    CHECK(b && !strcmp(gfdx_rows_str(b, "stage"), "CONTACTED") && gfdx_rows_int(b, "approved_amount") == 0);
    CHECK_STR_EQ(status(rs, "N-1"), was);
    EXPECT("APPLIED",
           say(rs, "MatchingFeedback", BANK_B, NEED "\"stage\": \"DECLINED\", \"decline_reason\": \"CREDIT_RISK\"}"));
    CHECK_STR_EQ(history(rs, "N-1", BANK_B), "NONE>CONTACTED:,CONTACTED>DECLINED:");
    gfdx_rowset_free(rs);
}

/* ---- authorization before state ---- */

static void test_authorization_first(void)
{
    const char *banks[] = {BANK_A};
    gfdx_rowset *rs = one_need("1.3.1", banks, 1);
    /* bank C was not dispatched N-1 and has a corrupt matching row: refused for who it is,
     * before the row is read (reading it would be a STORE_ERROR) */
    json_t *bad = json_pack("{s:s, s:s, s:s, s:s}", "need_id", "N-1", "bank_id", BANK_C, "branch_id", "pbc-hq-sh",
                            "stage", "NO_SUCH_STAGE");
    CHECK(gfdx_rowset_add(rs, &feedback_matching_table, bad) == 0);
    EXPECT("UNAUTHORIZED_SENDER", say(rs, "MatchingFeedback", BANK_C, NEED "\"stage\": \"CONTACTED\"}"));
    CHECK_STR_EQ(last_reason, BANK_C " may not report on need N-1: it was not dispatched to it");
    /* the same answer for a need that does not exist: a forger learns nothing */
    EXPECT("UNAUTHORIZED_SENDER",
           say(rs, "MatchingFeedback", BANK_C, "{\"need_id\": \"N-404\", \"stage\": \"CONTACTED\"}"));
    CHECK_STR_EQ(last_reason, BANK_C " may not report on need N-404: it was not dispatched to it");
    EXPECT("UNAUTHORIZED_SENDER",
           say(rs, "ObstacleRaised", BANK_C, NEED "\"category\": \"OTHER\", \"description\": \"x\"}"));
    /* not a bank at all */
    EXPECT("UNAUTHORIZED_SENDER", say(rs, "MatchingFeedback", "prov-310000", NEED "\"stage\": \"CONTACTED\"}"));
    CHECK_STR_EQ(last_reason, "prov-310000 (province_authority) is not a bank and may not report matching feedback");
    /* resolutions: another province's authority, another branch, on a known and an unknown need */
    const char *res = "\"obstacle_id\": \"o-1\", \"resolution\": \"done\", \"resolved_by\": null}";
    char body[256];
    snprintf(body, sizeof body, NEED "%s", res);
    EXPECT("UNAUTHORIZED_SENDER", say(rs, "ObstacleResolved", "prov-320000", body));
    CHECK_STR_EQ(last_reason, "prov-320000 may not resolve obstacles of need N-1");
    EXPECT("UNAUTHORIZED_SENDER", say(rs, "ObstacleResolved", "pbc-320000", body));
    snprintf(body, sizeof body, "{\"need_id\": \"N-404\", %s", res);
    EXPECT("UNAUTHORIZED_SENDER", say(rs, "ObstacleResolved", "prov-310000", body));
    CHECK_STR_EQ(last_reason, "prov-310000 may not resolve obstacles of need N-404");
    CHECK(appended(rs, &feedback_matching_event_table) == 0);
    CHECK(json_array_size(gfdx_rows_appended(rs, &gfdx_outbox_table)) == 0);
    CHECK_STR_EQ(status(rs, "N-1"), "(none)");
    /* the dispatched bank's corrupt row, once authorized, is a permanent STORE_ERROR */
    bad = json_pack("{s:s, s:s, s:s, s:s}", "need_id", "N-1", "bank_id", BANK_A, "branch_id", "pbc-hq-sh", "stage",
                    "NO_SUCH_STAGE");
    CHECK(gfdx_rowset_add(rs, &feedback_matching_table, bad) == 0);
    EXPECT("FAILED:STORE_ERROR", say(rs, "MatchingFeedback", BANK_A, NEED "\"stage\": \"CONTACTED\"}"));
    CHECK(!last_transient);
    gfdx_rowset_free(rs);
}

/* ---- obstacles ---- */

static void test_obstacles(void)
{
    const char *banks[] = {BANK_A};
    gfdx_rowset *rs = one_need("1.3.1", banks, 1);
    char id[64], body[512];
    EXPECT("APPLIED", say(rs, "MatchingFeedback", BANK_A, NEED "\"stage\": \"CONTACTED\"}"));
    EXPECT("APPLIED", say(rs, "ObstacleRaised", BANK_A,
                          NEED "\"category\": \"COLLATERAL\", \"description\": \"缺少可抵押资产\"}"));
    snprintf(id, sizeof id, "ee000000-0000-4000-8000-%012d", seq); /* the obstacle's id: its event id */
    const char *k[] = {id};
    const json_t *o = gfdx_rows_get(rs, &feedback_obstacle_table, k);
    CHECK(o && !strcmp(gfdx_rows_str(o, "status"), "OPEN") && !strcmp(gfdx_rows_str(o, "bank_id"), BANK_A) &&
          !strcmp(gfdx_rows_str(o, "province"), "310000") && ms_of(o, "raised_at") == T0 + seq * 60000LL);
    CHECK_STR_EQ(status(rs, "N-1"), "BLOCKED 1 0 0 0 0 1 2");
    /* blocked: advancing is held back; an illegal step stays illegal (legality first) */
    EXPECT("MATCHING_BLOCKED", say(rs, "MatchingFeedback", BANK_A, NEED "\"stage\": \"DUE_DILIGENCE\"}"));
    CHECK_STR_EQ(last_reason, BANK_A " on need N-1: 1 open obstacle(s): DUE_DILIGENCE must wait until they are resolved");
    EXPECT("ILLEGAL_TRANSITION",
           say(rs, "MatchingFeedback", BANK_A, NEED "\"stage\": \"DISBURSED\", \"disbursed_amount\": 5}"));
    /* resolutions: unknown id, the branch resolves, then it is not open any more */
    EXPECT("UNKNOWN_OBSTACLE", say(rs, "ObstacleResolved", "pbc-hq-sh",
                                   NEED "\"obstacle_id\": \"nope\", \"resolution\": \"x\", \"resolved_by\": null}"));
    CHECK_STR_EQ(last_reason, "need N-1 has no obstacle nope");
    snprintf(body, sizeof body, NEED "\"obstacle_id\": \"%s\", \"resolution\": \"已协调担保\", \"resolved_by\": \"王芳\"}",
             id);
    EXPECT("APPLIED", say(rs, "ObstacleResolved", "pbc-hq-sh", body));
    o = gfdx_rows_get(rs, &feedback_obstacle_table, k);
    CHECK(o && !strcmp(gfdx_rows_str(o, "status"), "RESOLVED") && !strcmp(gfdx_rows_str(o, "resolved_by"), "pbc-hq-sh") &&
          !strcmp(gfdx_rows_str(o, "resolved_by_official"), "王芳") && ms_of(o, "resolved_at") == T0 + seq * 60000LL);
    char key[64];
    json_t *co = last_emitted(rs, "ObstacleCoordination", key, sizeof key);
    CHECK_STR_EQ(key, "310000");
    CHECK(co && !strcmp(gfdx_rec_str(co, "obstacle_id"), id) && !strcmp(gfdx_rec_str(co, "status"), "RESOLVED") &&
          !strcmp(gfdx_rec_str(co, "bank_id"), BANK_A) && !strcmp(gfdx_rec_str(co, "category"), "COLLATERAL") &&
          !strcmp(gfdx_rec_str(co, "resolved_by"), "pbc-hq-sh") &&
          !strcmp(gfdx_rec_str(co, "resolved_by_official"), "王芳") &&
          gfdx_rec_int(co, "raised_at") == ms_of(o, "raised_at") && gfdx_rec_int(co, "resolved_at") == T0 + seq * 60000LL &&
          !strcmp(gfdx_rec_str(co, "factory_name"), "测试工厂") && gfdx_rec_int(co, "financing_amount") == 1000);
    json_decref(co);
    EXPECT("OBSTACLE_NOT_OPEN", say(rs, "ObstacleResolved", "prov-310000", body));
    CHECK_MSG(strstr(last_reason, "is already resolved") != NULL, "%s", last_reason);
    EXPECT("APPLIED", say(rs, "MatchingFeedback", BANK_A, NEED "\"stage\": \"DUE_DILIGENCE\"}"));
    CHECK_STR_EQ(history(rs, "N-1", BANK_A),
                 "NONE>CONTACTED:,CONTACTED>CONTACTED:,CONTACTED>CONTACTED:,CONTACTED>DUE_DILIGENCE:");
    CHECK_STR_EQ(status(rs, "N-1"), "MATCHING 1 0 0 0 0 0 3");
    /* an obstacle of another need is unknown to this one */
    add_need(rs, "N-2", "310000", "pbc-hq-sh", 1000, "1.3.1", "DISPATCHED");
    snprintf(body, sizeof body,
             "{\"need_id\": \"N-2\", \"obstacle_id\": \"%s\", \"resolution\": \"x\", \"resolved_by\": null}", id);
    EXPECT("UNKNOWN_OBSTACLE", say(rs, "ObstacleResolved", "prov-310000", body));
    /* an obstacle raised after declining is illegal; resolving after declining is not */
    EXPECT("APPLIED", say(rs, "ObstacleRaised", BANK_A, NEED "\"category\": \"POLICY\", \"description\": \"政策\"}"));
    snprintf(id, sizeof id, "ee000000-0000-4000-8000-%012d", seq);
    EXPECT("APPLIED",
           say(rs, "MatchingFeedback", BANK_A, NEED "\"stage\": \"DECLINED\", \"decline_reason\": \"CREDIT_RISK\"}"));
    CHECK_STR_EQ(status(rs, "N-1"), "DECLINED_ALL 1 0 1 0 0 1 5"); /* a declined bank's obstacle does not block */
    EXPECT("ILLEGAL_TRANSITION", say(rs, "ObstacleRaised", BANK_A, NEED "\"category\": \"OTHER\", \"description\": \"y\"}"));
    snprintf(body, sizeof body, NEED "\"obstacle_id\": \"%s\", \"resolution\": \"结案\", \"resolved_by\": null}", id);
    EXPECT("APPLIED", say(rs, "ObstacleResolved", "prov-310000", body));
    CHECK_STR_EQ(status(rs, "N-1"), "DECLINED_ALL 1 0 1 0 0 0 6");
    CHECK(emitted(rs, "ObstacleCoordination", "gfdx.coordination.310000") == 4); /* two raised, two resolved */
    gfdx_rowset_free(rs);
}

/* ---- the aggregate across banks ---- */

static void test_aggregate_banks(void)
{
    const char *banks[] = {BANK_A, BANK_B, BANK_C};
    gfdx_rowset *rs = one_need("8.1.1", banks, 3); /* group 8: not green-eligible */
    EXPECT("APPLIED", say(rs, "MatchingFeedback", BANK_A, NEED "\"stage\": \"CONTACTED\"}"));
    CHECK_STR_EQ(status(rs, "N-1"), "MATCHING 1 0 0 0 0 0 1");
    EXPECT("APPLIED", say(rs, "MatchingFeedback", BANK_B, NEED "\"stage\": \"CONTACTED\"}"));
    EXPECT("APPLIED", say(rs, "MatchingFeedback", BANK_A,
                          NEED "\"stage\": \"CREDIT_APPROVED\", \"approved_amount\": 600, \"product\": \"PROJECT_LOAN\"}"));
    CHECK_STR_EQ(status(rs, "N-1"), "APPROVED 2 1 0 600 0 0 3");
    CHECK(appended(rs, &feedback_alert_table) == 2); /* NOT_GREEN_ELIGIBLE once per bank */
    /* 600 + 600 > 1000 * 1.15: the approval that crosses the line alerts, with its figures */
    EXPECT("APPLIED", say(rs, "MatchingFeedback", BANK_B,
                          NEED "\"stage\": \"CREDIT_APPROVED\", \"approved_amount\": 600, \"product\": \"CREDIT_LOAN\"}"));
    CHECK_STR_EQ(status(rs, "N-1"), "APPROVED 2 2 0 1200 0 0 4");
    const json_t *alerts_now = gfdx_rows_appended(rs, &feedback_alert_table);
    const json_t *last = json_array_get(alerts_now, json_array_size(alerts_now) - 1);
    const json_t *facts = json_object_get(last, "facts");
    CHECK(json_array_size(alerts_now) == 3 && !strcmp(gfdx_rows_str(last, "kind"), "APPROVED_ABOVE_REQUESTED") &&
          !strcmp(gfdx_rows_str(last, "bank_id"), BANK_B) && gfdx_rows_int(facts, "approved_total") == 1200 &&
          gfdx_rows_int(facts, "approved_total_before") == 600 && gfdx_rows_int(facts, "financing_amount") == 1000 &&
          gfdx_rows_int(facts, "margin_percent") == 15 && gfdx_rows_int(facts, "banks_approved") == 2);
    /* a bank that approved and then declined no longer counts; C declines without contact */
    EXPECT("APPLIED",
           say(rs, "MatchingFeedback", BANK_B, NEED "\"stage\": \"DECLINED\", \"decline_reason\": \"CREDIT_RISK\"}"));
    CHECK_STR_EQ(status(rs, "N-1"), "APPROVED 2 1 1 600 0 0 5");
    EXPECT("APPLIED", say(rs, "MatchingFeedback", BANK_C,
                          NEED "\"stage\": \"DECLINED\", \"decline_reason\": \"DUPLICATE_FINANCING\"}"));
    CHECK_STR_EQ(status(rs, "N-1"), "APPROVED 2 1 2 600 0 0 6");
    EXPECT("APPLIED", say(rs, "MatchingFeedback", BANK_A, NEED "\"stage\": \"DISBURSED\", \"disbursed_amount\": 600}"));
    CHECK_STR_EQ(status(rs, "N-1"), "FINANCED 2 1 2 600 600 0 7");
    const char *k[] = {"N-1"};
    const json_t *s = gfdx_rows_get(rs, &feedback_need_status_table, k);
    CHECK(s && gfdx_rows_int(s, "banks_dispatched") == 3 && !strcmp(gfdx_rows_str(s, "province"), "310000") &&
          !strcmp(gfdx_rows_str(s, "branch_id"), "pbc-hq-sh"));
    CHECK(appended(rs, &feedback_alert_table) == 4); /* C's first record: NOT_GREEN_ELIGIBLE */
    gfdx_rowset_free(rs);
}

int main(void)
{
    char err[512];
    gfdx_catalog *cat = gfdx_catalog_load(GFDX_SOURCE_DIR "/schemas/avro", err, sizeof err);
    CHECK_MSG(cat != NULL, "catalog: %s", err);
    setup(cat);
    test_flow_scenario();
    test_one_bank_path();
    test_refusal_in_middle();
    test_authorization_first();
    test_obstacles();
    test_aggregate_banks();
    gfdx_catalog_free(cat);
    return CHECK_DONE();
}
