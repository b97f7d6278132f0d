/* test_feedback_loan: the loan's life after disbursement (feedback_loan.h) and the
 * green-washing guards (feedback_guard.h, and the two of feedback_rules.h seen end to end
 * through the decisions), on a rowset built in memory, no database:
 *   - a loan repaid in part over two periods, with a correction of the latest period (kept
 *     as history, counted once), the aggregate's and NeedMatchingStatus v3's loan figures;
 *   - refusals: a report before disbursement, from a bank the need was not dispatched to (the
 *     same whether the need exists), from a non-bank, a balance or repayments above the
 *     disbursed total, an earlier period, malformed fields;
 *   - an overdue loan and a non-performing one raise LOAN_OVERDUE / LOAN_NON_PERFORMING once
 *     per entry into the status; a normal one none;
 *   - a disbursement after a report adds to the outstanding balance;
 *   - each guard fires and does not fire, once per need: NOT_IN_CATALOGUE (catalogue file, open codes),
 *     NOT_ON_GREEN_FACTORY_LIST (national entries present / absent / the filer on them),
 *     DISBURSED_ON_WITHDRAWN_NEED, APPROVED_ABOVE_REQUESTED. */
#include "check.h"
#include "feedback/feedback.h"
#include "feedback/feedback_decide.h"
#include "feedback/feedback_guard.h"
#include "feedback/feedback_loan.h"
#include "feedback/feedback_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "avro_catalog.h"
#include "avro_serde.h"
#include "outbox.h"
#include "rowset.h"
#include "service.h"

#define T0 1767225600000LL /* 2026-01-01T00:00:00Z */
#define USCC "91350100M000100Y43"

static feedback_ctx fctx;
static gfdx_context ctx;
static char *green_groups[] = {(char *)"1", (char *)"2", (char *)"3", (char *)"4",
                               (char *)"5", (char *)"6", (char *)"7"};

static void setup(const gfdx_catalog *cat)
{
    fctx.settings.approved_margin_pct = 10;
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

static void add_need(gfdx_rowset *rs, const char *need, long long amount, const char *code, const char *status)
{
    json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s}", "need_id", need, "province",
                            "500000", "location_region", "500106", "branch_id", "pbc-500000", "financing_amount",
                            (json_int_t)amount, "catalogue_code", code, "uscc", USCC, "factory_name", "重庆测试工厂",
                            "project_name", "余热回收项目", "status", status);
    CHECK(row && gfdx_rowset_add(rs, &feedback_pboc_need_table, row) == 0);
}

static void add_dispatch(gfdx_rowset *rs, const char *need, const char *bank)
{
    json_t *row = json_pack("{s:s, s:s, s:s, s:s}", "need_id", need, "bank_id", bank, "branch_id", "pbc-500000",
                            "status", "ACTIVE");
    CHECK(row && gfdx_rowset_add(rs, &feedback_pboc_dispatch_table, row) == 0);
}

/* A current_entry row of gfdx-namelist's view. */
static void add_entry(gfdx_rowset *rs, const char *list, const char *region, const char *uscc, const char *level)
{
    json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "list_id", list, "kind", "GREEN_FACTORY", "region",
                            region, "entry_key", uscc, "uscc", uscc, "attributes",
                            level ? json_pack("{s:s}", "级别", level) : json_object());
    CHECK(row && gfdx_rowset_add(rs, &feedback_current_entry_table, row) == 0);
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

/* Decides an inline record from sender (bank-* are banks, else a province authority): "APPLIED",
 * the refusal's code or "FAILED:<code>"; a refused record's effects are undone. */
static const char *say(gfdx_rowset *rs, const char *type, const char *sender, const char *json)
{
    static char out[64];
    char event_id[64];
    json_t *body = json_loads(json, 0, NULL);
    if (!body)
        return "TEST_JSON";
    seq++;
    snprintf(event_id, sizeof event_id, "ab000000-0000-4000-8000-%012d", seq);
    gfdx_participant p = {.id = sender, .name = sender,
                          .kind = strncmp(sender, "bank-", 5) ? GFDX_PK_PROVINCE_AUTHORITY : GFDX_PK_BANK};
    snprintf(p.region, sizeof p.region, "500000");
    const char *need = json_string_value(json_object_get(body, "need_id"));
    int64_t at = T0 + seq * 60000LL;
    gfdx_record rec = {.topic = "gfdx.feedback", .key = need ? need : "", .body = body, .type = type,
                       .writer_version = 1, .event_id = event_id, .sender_id = sender, .occurred_at = at,
                       .clock = {at, GFDX_CLOCK_RECEIVED}};
    gfdx_decision d = {.rec = &rec, .sender = &p, .ctx = &ctx, .rows = rs};
    gfdx_decide_fn fn = decide_of(type);
    gfdx_rows_mark mark = gfdx_rowset_mark(rs);
    gfdx_verdict v = fn ? fn(&d) : GFDX_DECIDE_FAILED;
    if (v != GFDX_DECIDE_OK)
        gfdx_rowset_undo(rs, mark);
    snprintf(last_reason, sizeof last_reason, "%s", d.reason);
    if (v == GFDX_DECIDE_OK)
        snprintf(out, sizeof out, "APPLIED");
    else
        snprintf(out, sizeof out, "%s%s", v == GFDX_DECIDE_FAILED ? "FAILED:" : "", d.reason_code);
    json_decref(body);
    return out;
}

#define EXPECT(want, got)                                                                                   \
    do {                                                                                                    \
        const char *w_ = (want), *g_ = (got);                                                               \
        CHECK_MSG(!strcmp(w_, g_), "expected %s, got %s (%s)", w_, g_, last_reason);                        \
    } while (0)

#define MF "MatchingFeedback"
#define LS "LoanStatusReported"
#define BANK_A "bank-ccb-500000"
#define BANK_B "bank-cqrcb-500000"
#define BANK_X "bank-icbc-310000" /* never dispatched */

/* "kind,kind,..." of the alerts appended so far, in order. */
static const char *alerts(gfdx_rowset *rs)
{
    static char out[1024];
    size_t i, len = 0;
    json_t *r;
    out[0] = '\0';
    json_array_foreach(gfdx_rows_appended(rs, &feedback_alert_table), i, r)
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%s", len ? "," : "", gfdx_rows_str(r, "kind"));
    return out;
}

/* "outstanding repaid overdue npl changes" of the need's aggregate. */
static const char *loan_status(gfdx_rowset *rs, const char *need)
{
    static char out[256];
    const char *k[] = {need};
    const json_t *r = gfdx_rows_get(rs, &feedback_need_status_table, k);
    if (!r)
        return "(none)";
    snprintf(out, sizeof out, "%lld %lld %lld %lld %lld", gfdx_rows_int(r, "outstanding_total"),
             gfdx_rows_int(r, "repaid_total"), gfdx_rows_int(r, "loans_overdue"),
             gfdx_rows_int(r, "loans_non_performing"), gfdx_rows_int(r, "status_changes"));
    return out;
}

/* The bytes of a bytea value into out; their length, or -1. */
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

/* The last NeedMatchingStatus staged, decoded (new reference, NULL if none). */
static json_t *last_status(gfdx_rowset *rs, size_t *count)
{
    static unsigned char buf[65536];
    const json_t *rows = gfdx_rows_appended(rs, &gfdx_outbox_table);
    json_t *out = NULL;
    *count = 0;
    for (size_t i = 0; i < json_array_size(rows); i++) {
        const json_t *r = json_array_get(rows, i);
        if (strcmp(gfdx_rows_str(r, "record_type"), "NeedMatchingStatus"))
            continue;
        ++*count;
        long n = unhex(gfdx_rows_str(r, "value"), buf, sizeof buf);
        char err[256];
        json_decref(out);
        out = NULL;
        if (n < 0 || gfdx_serde_decode(ctx.catalog, buf, (size_t)n, &out, NULL, err, sizeof err) != GFDX_SERDE_OK)
            fprintf(stderr, "cannot decode the staged status: %s\n", n < 0 ? "not bytea" : err);
    }
    return out;
}

#define NEED1 "{\"need_id\": \"L-1\", "

/* A: contacted, approved 600, disbursed 500; B: contacted only. */
static gfdx_rowset *disbursed_fixture(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    add_need(rs, "L-1", 1000, "1.3.1", "DISPATCHED");
    add_dispatch(rs, "L-1", BANK_A);
    add_dispatch(rs, "L-1", BANK_B);
    EXPECT("APPLIED", say(rs, MF, BANK_A, NEED1 "\"stage\": \"CONTACTED\"}"));
    EXPECT("APPLIED", say(rs, MF, BANK_B, NEED1 "\"stage\": \"CONTACTED\"}"));
    EXPECT("APPLIED", say(rs, MF, BANK_A,
                          NEED1 "\"stage\": \"CREDIT_APPROVED\", \"approved_amount\": 600, "
                                "\"product\": \"PROJECT_LOAN\"}"));
    EXPECT("APPLIED", say(rs, MF, BANK_A, NEED1 "\"stage\": \"DISBURSED\", \"disbursed_amount\": 500}"));
    return rs;
}

#define LOAN(period, repaid, out, status, extra)                                                              \
    NEED1 "\"period\": \"" period "\", \"repaid_amount\": " #repaid ", \"outstanding_balance\": " #out        \
          ", \"status\": \"" status "\", \"funding_tool\": \"CARBON_REDUCTION_FACILITY\"" extra "}"

static void test_loan_repaid_in_part(void)
{
    gfdx_rowset *rs = disbursed_fixture();
    CHECK_STR_EQ(loan_status(rs, "L-1"), "500 0 0 0 4"); /* not reported yet: the disbursed total */
    size_t before;
    json_decref(last_status(rs, &before));
    EXPECT("APPLIED", say(rs, LS, BANK_A, LOAN("2026-01", 100, 400, "NORMAL", "")));
    CHECK_STR_EQ(loan_status(rs, "L-1"), "400 100 0 0 5");
    EXPECT("APPLIED", say(rs, LS, BANK_A, LOAN("2026-02", 50, 350, "NORMAL", ", \"days_overdue\": 0")));
    CHECK_STR_EQ(loan_status(rs, "L-1"), "350 150 0 0 6");
    /* a correction of 2026-02: replaces its repayment (150 - 50 + 80), kept as history */
    EXPECT("APPLIED", say(rs, LS, BANK_A, LOAN("2026-02", 80, 320, "NORMAL", "")));
    CHECK_STR_EQ(loan_status(rs, "L-1"), "320 180 0 0 7");
    const json_t *h = gfdx_rows_appended(rs, &feedback_loan_event_table);
    CHECK(json_array_size(h) == 3);
    CHECK(json_is_null(json_object_get(json_array_get(h, 1), "supersedes_event_id")));
    CHECK_STR_EQ(gfdx_rows_str(json_array_get(h, 2), "supersedes_event_id"),
                 gfdx_rows_str(json_array_get(h, 1), "event_id"));
    /* the same figures again: stored, nothing published */
    size_t n;
    json_decref(last_status(rs, &n));
    EXPECT("APPLIED", say(rs, LS, BANK_A, LOAN("2026-02", 80, 320, "NORMAL", "")));
    size_t n2;
    json_t *st = last_status(rs, &n2);
    CHECK(n == before + 3 && n2 == n);
    CHECK(st && gfdx_rows_int(st, "outstanding_total") == 320 && gfdx_rows_int(st, "repaid_total") == 180 &&
          gfdx_rows_int(st, "sequence") == 7 && gfdx_rows_int(st, "disbursed_total") == 500);
    json_decref(st);
    const char *k[] = {"L-1", BANK_A};
    const json_t *loan = gfdx_rows_get(rs, &feedback_loan_table, k);
    CHECK(loan && gfdx_rows_int(loan, "reports") == 4 && gfdx_rows_int(loan, "repaid_before") == 100 &&
          !strcmp(gfdx_rows_str(loan, "funding_tool"), "CARBON_REDUCTION_FACILITY"));
    /* a later disbursement adds to the balance until the next report */
    EXPECT("APPLIED", say(rs, MF, BANK_A, NEED1 "\"stage\": \"DISBURSED\", \"disbursed_amount\": 100}"));
    CHECK_STR_EQ(loan_status(rs, "L-1"), "420 180 0 0 8");
    CHECK_STR_EQ(alerts(rs), "");
    gfdx_rowset_free(rs);
}

static void test_loan_refusals(void)
{
    gfdx_rowset *rs = disbursed_fixture();
    EXPECT("LOAN_NOT_DISBURSED", say(rs, LS, BANK_B, LOAN("2026-01", 0, 0, "NORMAL", "")));
    EXPECT("UNAUTHORIZED_SENDER", say(rs, LS, BANK_X, LOAN("2026-01", 0, 100, "NORMAL", "")));
    EXPECT("UNAUTHORIZED_SENDER", say(rs, LS, BANK_X, "{\"need_id\": \"NO-SUCH\", \"period\": \"2026-01\", "
                                                      "\"repaid_amount\": 0, \"outstanding_balance\": 1, \"status\": "
                                                      "\"NORMAL\", \"funding_tool\": \"NONE\"}"));
    EXPECT("UNAUTHORIZED_SENDER", say(rs, LS, "prov-500000", LOAN("2026-01", 0, 100, "NORMAL", "")));
    EXPECT("BALANCE_EXCEEDS_DISBURSED", say(rs, LS, BANK_A, LOAN("2026-01", 0, 501, "NORMAL", "")));
    EXPECT("BALANCE_EXCEEDS_DISBURSED", say(rs, LS, BANK_A, LOAN("2026-01", 200, 400, "NORMAL", "")));
    EXPECT("REPAID_EXCEEDS_DISBURSED", say(rs, LS, BANK_A, LOAN("2026-01", 501, 0, "NORMAL", "")));
    EXPECT("INVALID_FIELD", say(rs, LS, BANK_A, LOAN("2026-13", 0, 100, "NORMAL", "")));
    EXPECT("INVALID_FIELD", say(rs, LS, BANK_A, LOAN("2026/01", 0, 100, "NORMAL", "")));
    EXPECT("INVALID_FIELD", say(rs, LS, BANK_A, LOAN("2026-01", 0, 100, "OVERDUE", "")));
    EXPECT("INVALID_FIELD", say(rs, LS, BANK_A, LOAN("2026-01", 0, 100, "OVERDUE", ", \"days_overdue\": 0")));
    EXPECT("INVALID_FIELD", say(rs, LS, BANK_A, LOAN("2026-01", 0, 100, "NORMAL", ", \"days_overdue\": 3")));
    EXPECT("INVALID_FIELD", say(rs, LS, BANK_A, LOAN("2026-01", 0, 0, "NON_PERFORMING", ", \"days_overdue\": 90")));
    EXPECT("NEGATIVE_AMOUNT", say(rs, LS, BANK_A, LOAN("2026-01", -1, 100, "NORMAL", "")));
    EXPECT("INVALID_FIELD", say(rs, LS, BANK_A, NEED1 "\"period\": \"2026-01\", \"repaid_amount\": 0, "
                                "\"outstanding_balance\": 1, \"status\": \"NORMAL\", \"funding_tool\": \"OTHER\"}"));
    EXPECT("INVALID_FIELD", say(rs, LS, BANK_A, NEED1 "\"period\": \"2026-01\", \"repaid_amount\": 0, "
                                "\"outstanding_balance\": 1, \"status\": \"NORMAL\", \"funding_tool\": \"NONE\", "
                                "\"funding_tool_name\": \"x\"}"));
    EXPECT("APPLIED", say(rs, LS, BANK_A, NEED1 "\"period\": \"2026-03\", \"repaid_amount\": 0, "
                          "\"outstanding_balance\": 500, \"status\": \"NORMAL\", \"funding_tool\": \"OTHER\", "
                          "\"funding_tool_name\": \"普惠小微贷款支持工具\"}"));
    EXPECT("PERIOD_OUT_OF_ORDER", say(rs, LS, BANK_A, LOAN("2026-02", 0, 500, "NORMAL", "")));
    CHECK(json_array_size(gfdx_rows_appended(rs, &feedback_loan_event_table)) == 1);
    CHECK_STR_EQ(loan_status(rs, "L-1"), "500 0 0 0 4"); /* the figures did not change: nothing published */
    CHECK_STR_EQ(alerts(rs), "");
    gfdx_rowset_free(rs);
}

static void test_loan_overdue_alerts(void)
{
    gfdx_rowset *rs = disbursed_fixture();
    EXPECT("APPLIED", say(rs, LS, BANK_A, LOAN("2026-01", 100, 400, "NORMAL", "")));
    CHECK_STR_EQ(alerts(rs), "");
    EXPECT("APPLIED", say(rs, LS, BANK_A, LOAN("2026-02", 0, 400, "OVERDUE", ", \"days_overdue\": 12")));
    CHECK_STR_EQ(loan_status(rs, "L-1"), "400 100 1 0 6");
    CHECK_STR_EQ(alerts(rs), "LOAN_OVERDUE");
    const json_t *a = json_array_get(gfdx_rows_appended(rs, &feedback_alert_table), 0);
    const json_t *facts = json_object_get(a, "facts");
    CHECK(!strcmp(gfdx_rows_str(a, "bank_id"), BANK_A) && !strcmp(gfdx_rows_str(a, "need_id"), "L-1") &&
          gfdx_rows_int(facts, "days_overdue") == 12 && gfdx_rows_int(facts, "outstanding") == 400 &&
          !strcmp(gfdx_rows_str(facts, "previous_status"), "NORMAL"));
    /* still overdue next month: no second alert; then non-performing: one */
    EXPECT("APPLIED", say(rs, LS, BANK_A, LOAN("2026-03", 0, 400, "OVERDUE", ", \"days_overdue\": 40")));
    CHECK_STR_EQ(alerts(rs), "LOAN_OVERDUE");
    EXPECT("APPLIED", say(rs, LS, BANK_A, LOAN("2026-04", 0, 400, "NON_PERFORMING", ", \"days_overdue\": 95")));
    CHECK_STR_EQ(alerts(rs), "LOAN_OVERDUE,LOAN_NON_PERFORMING");
    CHECK_STR_EQ(loan_status(rs, "L-1"), "400 100 0 1 7");
    CHECK_STR_EQ(feedback_alert_kind_name(FEEDBACK_ALERT_LOAN_OVERDUE), "LOAN_OVERDUE");
    CHECK_STR_EQ(feedback_alert_kind_name(FEEDBACK_ALERT_NOT_ON_GREEN_FACTORY_LIST), "NOT_ON_GREEN_FACTORY_LIST");
    gfdx_rowset_free(rs);
}

/* ---- the guards ---- */

static char catalogue_path[] = "/tmp/test_feedback_loan_catXXXXXX";

static feedback_catalogue *write_catalogue(const char *text)
{
    char err[256];
    int fd = mkstemp(catalogue_path);
    CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    feedback_catalogue *cat = feedback_catalogue_load(catalogue_path, err, sizeof err);
    unlink(catalogue_path);
    strcpy(catalogue_path + strlen(catalogue_path) - 6, "XXXXXX");
    return cat;
}

static void test_catalogue_file(void)
{
    feedback_catalogue *cat = write_catalogue("# header\n1\t节能降碳产业\n1.3\t节能降碳改造\t*\n1.1\t高效节能装备制造\n"
                                              "1.1.1\t节能锅炉制造\n2\t环境保护产业\n");
    CHECK(cat && feedback_catalogue_count(cat) == 5);
    CHECK(feedback_catalogue_has(cat, "1") && feedback_catalogue_has(cat, "1.1.1"));
    CHECK(feedback_catalogue_has(cat, "1.3.7") && feedback_catalogue_has(cat, "1.3.7.2")); /* below an open code */
    CHECK(!feedback_catalogue_has(cat, "1.1.2") && !feedback_catalogue_has(cat, "1.2") &&
          !feedback_catalogue_has(cat, "9.1.1") && !feedback_catalogue_has(cat, "") &&
          !feedback_catalogue_has(cat, "1..1") && !feedback_catalogue_has(cat, NULL));
    feedback_catalogue_free(cat);
    CHECK(write_catalogue("1.1\t无父级\n") == NULL);
    CHECK(write_catalogue("1\ta\n1\tb\n") == NULL);
    CHECK(write_catalogue("1 no tab\n") == NULL);
    CHECK(write_catalogue("# only comments\n") == NULL);
    char err[256];
    cat = feedback_catalogue_load(GFDX_SOURCE_DIR "/deploy/green_catalogue_2025.tsv", err, sizeof err);
    CHECK_MSG(cat && feedback_catalogue_has(cat, "1.3.1") && feedback_catalogue_has(cat, "7.1.1") &&
                  !feedback_catalogue_has(cat, "9.1.1") && !feedback_catalogue_has(cat, "1.9"),
              "shipped catalogue: %s", cat ? "codes" : err);
    feedback_catalogue_free(cat);
}

/* A fresh need of code dispatched to A, with entries as given, and A's first report. */
static const char *first_report(const char *code, const char *need_status, void (*entries)(gfdx_rowset *),
                                char *alerts_out, size_t len)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    add_need(rs, "G-1", 1000, code, need_status);
    add_dispatch(rs, "G-1", BANK_A);
    if (entries)
        entries(rs);
    const char *v = say(rs, MF, BANK_A, "{\"need_id\": \"G-1\", \"stage\": \"CONTACTED\"}");
    snprintf(alerts_out, len, "%s %s", v, alerts(rs));
    gfdx_rowset_free(rs);
    return alerts_out;
}

static void national_other(gfdx_rowset *rs) { add_entry(rs, "MIIT-GF-2025", "100000", "91500106MA5U7AAA1X", NULL); }
static void national_filer(gfdx_rowset *rs)
{
    national_other(rs);
    add_entry(rs, "MIIT-GF-2025", "100000", USCC, NULL);
}
static void district_level(gfdx_rowset *rs) { add_entry(rs, "500106-EIT-GF", "500106", USCC, "国家级"); }
static void municipal_only(gfdx_rowset *rs)
{
    national_other(rs);
    add_entry(rs, "500106-EIT-GF", "500106", USCC, "市级");
}

static void test_guards(void)
{
    char out[256];
    fctx.catalogue = write_catalogue("1\t节能降碳产业\n1.3\t节能降碳改造\t*\n");
    CHECK_STR_EQ(first_report("1.3.1", "DISPATCHED", NULL, out, sizeof out), "APPLIED ");
    CHECK_STR_EQ(first_report("1.4.1", "DISPATCHED", NULL, out, sizeof out), "APPLIED NOT_IN_CATALOGUE");
    feedback_catalogue_free(fctx.catalogue);
    fctx.catalogue = NULL; /* off */
    CHECK_STR_EQ(first_report("1.4.1", "DISPATCHED", NULL, out, sizeof out), "APPLIED ");
    /* green factories: silent without a national list; fires when the filer is not on it */
    CHECK_STR_EQ(first_report("1.3.1", "DISPATCHED", national_other, out, sizeof out),
                 "APPLIED NOT_ON_GREEN_FACTORY_LIST");
    CHECK_STR_EQ(first_report("1.3.1", "DISPATCHED", national_filer, out, sizeof out), "APPLIED ");
    CHECK_STR_EQ(first_report("1.3.1", "DISPATCHED", district_level, out, sizeof out), "APPLIED ");
    CHECK_STR_EQ(first_report("1.3.1", "DISPATCHED", municipal_only, out, sizeof out),
                 "APPLIED NOT_ON_GREEN_FACTORY_LIST");
    /* once per need: neither the bank's second record nor another bank's first raises them */
    gfdx_rowset *rs = gfdx_rowset_new();
    add_need(rs, "G-1", 1000, "1.4.1", "DISPATCHED");
    add_dispatch(rs, "G-1", BANK_A);
    add_dispatch(rs, "G-1", BANK_B);
    national_other(rs);
    fctx.catalogue = write_catalogue("1\t节能降碳产业\n1.3\t节能降碳改造\t*\n");
    EXPECT("APPLIED", say(rs, MF, BANK_A, "{\"need_id\": \"G-1\", \"stage\": \"CONTACTED\"}"));
    EXPECT("APPLIED", say(rs, MF, BANK_A, "{\"need_id\": \"G-1\", \"stage\": \"DUE_DILIGENCE\"}"));
    EXPECT("APPLIED", say(rs, "ObstacleRaised", BANK_B, "{\"need_id\": \"G-1\", \"category\": \"COLLATERAL\", "
                                                        "\"description\": \"缺少抵押物\"}"));
    CHECK_STR_EQ(alerts(rs), "NOT_IN_CATALOGUE,NOT_ON_GREEN_FACTORY_LIST");
    feedback_catalogue_free(fctx.catalogue);
    fctx.catalogue = NULL;
    const json_t *a = json_array_get(gfdx_rows_appended(rs, &feedback_alert_table), 1);
    CHECK(!strcmp(gfdx_rows_str(json_object_get(a, "facts"), "uscc"), USCC) &&
          !strcmp(gfdx_rows_str(a, "bank_id"), BANK_A));
    gfdx_rowset_free(rs);
    /* an obstacle as the need's first record raises them too */
    rs = gfdx_rowset_new();
    add_need(rs, "G-2", 1000, "1.3.1", "DISPATCHED");
    add_dispatch(rs, "G-2", BANK_B);
    national_other(rs);
    EXPECT("APPLIED", say(rs, "ObstacleRaised", BANK_B, "{\"need_id\": \"G-2\", \"category\": \"COLLATERAL\", "
                                                        "\"description\": \"缺少抵押物\"}"));
    CHECK_STR_EQ(alerts(rs), "NOT_ON_GREEN_FACTORY_LIST");
    gfdx_rowset_free(rs);
}

/* The two guards of feedback_rules.h, end to end through the decisions. */
static void test_existing_guards(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    add_need(rs, "W-1", 1000, "1.3.1", "WITHDRAWN");
    add_dispatch(rs, "W-1", BANK_A);
    add_need(rs, "W-2", 1000, "1.3.1", "DISPATCHED");
    add_dispatch(rs, "W-2", BANK_A);
    add_dispatch(rs, "W-2", BANK_B);
    /* W-2: 600 + 500 = 1100 is the line (1000 + 10%): no alert; 600 + 510 crosses it */
    EXPECT("APPLIED", say(rs, MF, BANK_A, "{\"need_id\": \"W-2\", \"stage\": \"CONTACTED\"}"));
    EXPECT("APPLIED", say(rs, MF, BANK_B, "{\"need_id\": \"W-2\", \"stage\": \"CONTACTED\"}"));
    EXPECT("APPLIED", say(rs, MF, BANK_A, "{\"need_id\": \"W-2\", \"stage\": \"CREDIT_APPROVED\", "
                                          "\"approved_amount\": 600, \"product\": \"PROJECT_LOAN\"}"));
    EXPECT("APPLIED", say(rs, MF, BANK_B, "{\"need_id\": \"W-2\", \"stage\": \"CREDIT_APPROVED\", "
                                          "\"approved_amount\": 500, \"product\": \"PROJECT_LOAN\"}"));
    CHECK_STR_EQ(alerts(rs), "");
    EXPECT("APPLIED", say(rs, MF, BANK_B, "{\"need_id\": \"W-2\", \"stage\": \"CREDIT_APPROVED\", "
                                          "\"approved_amount\": 510, \"product\": \"PROJECT_LOAN\"}"));
    CHECK_STR_EQ(alerts(rs), "APPROVED_ABOVE_REQUESTED");
    /* a disbursement on W-2 (not withdrawn): none; on W-1 (withdrawn, approved before): one */
    EXPECT("APPLIED",
           say(rs, MF, BANK_A, "{\"need_id\": \"W-2\", \"stage\": \"DISBURSED\", \"disbursed_amount\": 100}"));
    CHECK_STR_EQ(alerts(rs), "APPROVED_ABOVE_REQUESTED");
    json_t *m = json_pack("{s:s, s:s, s:s, s:s, s:b, s:I, s:I, s:i, s:i, s:s}", "need_id", "W-1", "bank_id", BANK_A,
                          "branch_id", "pbc-500000", "stage", "CREDIT_APPROVED", "contacted", 1, "approved_amount",
                          (json_int_t)800, "disbursed_total", (json_int_t)0, "disbursements", 0, "open_obstacles", 0,
                          "last_event_id", "x");
    CHECK(m && gfdx_rowset_add(rs, &feedback_matching_table, m) == 0);
    EXPECT("APPLIED",
           say(rs, MF, BANK_A, "{\"need_id\": \"W-1\", \"stage\": \"DISBURSED\", \"disbursed_amount\": 300}"));
    CHECK_STR_EQ(alerts(rs), "APPROVED_ABOVE_REQUESTED,DISBURSED_ON_WITHDRAWN_NEED");
    /* and the loan on the withdrawn need goes on being reported */
    EXPECT("APPLIED", say(rs, LS, BANK_A, "{\"need_id\": \"W-1\", \"period\": \"2026-01\", \"repaid_amount\": 0, "
                                          "\"outstanding_balance\": 300, \"status\": \"NORMAL\", \"funding_tool\": "
                                          "\"NONE\"}"));
    gfdx_rowset_free(rs);
}

int main(void)
{
    char err[512];
    gfdx_catalog *cat = gfdx_catalog_load(GFDX_SOURCE_DIR "/schemas/avro", err, sizeof err);
    CHECK_MSG(cat != NULL, "catalog: %s", err);
    setup(cat);
    /* the aggregate's loan columns are written (not left to the table's defaults) */
    CHECK(strstr(feedback_need_status_table.columns, "outstanding_total") &&
          strstr(feedback_need_status_table.columns, "loans_non_performing"));
    test_loan_repaid_in_part();
    test_loan_refusals();
    test_loan_overdue_alerts();
    test_catalogue_file();
    test_guards();
    test_existing_guards();
    gfdx_catalog_free(cat);
    return CHECK_DONE();
}
