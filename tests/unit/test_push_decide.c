/* test_push_decide: gfdx-push's decisions (push_decide.h) over an in-memory rowset, no
 * database. Each record is decided as the pipeline does it (mark, decide, undo unless
 * accepted) against the shipped registry (deploy/participants.cfg: 宁波 pbc-330200 has three
 * banks, 浙江 pbc-330000 none) and routing table. What is checked: the rows put (every status
 * the state machines' answer), a push then a withdrawal of the same need in one batch (the
 * second sees the first's effects), refusals with today's codes and texts, a refusal after
 * rows were put (RECORD_TOO_LARGE) leaving nothing, rows loaded as stored, corrupt stored
 * statuses, and authorization refused before anything about the need is looked at.
 * The shipped registry is used without its national head offices for those; issue 12:
 * head offices receive every push (the shipped registry with a bank registered later); BanksAssigned by the need's branch, by
 * another branch, by a bank, naming a bank of another branch, an unknown bank, a head office,
 * a repeated bank, on a withdrawn need, closing the NO_BANK alert; the watch's decision
 * (push_watch_decide) before and after the limit, re-run, with banks, withdrawn, corrupt. */
#include "check.h"
#include "avro_catalog.h"
#include "avro_serde.h"
#include "outbox.h"
#include "push/push_decide.h"
#include "push/push_fsm.h"
#include "push/push_store.h"
#include "push/push_watch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T0 1772678217700LL /* occurred_at of the first record */
#define NOW 1772678300000LL /* the batch's wall clock */

static const char *const PUSHED =
    "{\"meta\": {\"event_id\": \"0b7c1f6e-2d4a-4e7b-9c1d-5a6b7c8d9e0f\", \"sender\": \"miit\","
    " \"occurred_at\": 1772678217700, \"correlation_id\": null},"
    " \"need_id\": \"N\", \"quarter\": \"2026Q2\", \"late\": true, \"is_major\": false,"
    " \"priority_tags\": [\"GREEN_FACTORY\", \"SRDI_SME\"], \"recommended_by\": \"prov-330000\","
    " \"batch_id\": \"ZJ-2026Q1-03\","
    " \"factory\": {\"uscc\": \"9133020035147673XH\", \"name\": \"宁波丰立环保设备有限公司\", \"province\": \"330000\","
    " \"city\": \"宁波市\", \"district\": \"北仑区\", \"green_level\": \"MUNICIPAL\", \"green_code_grade\": \"B\","
    " \"size\": \"MEDIUM\"},"
    " \"project\": {\"name\": \"废旧动力电池回收利用项目\", \"kind\": \"TECH_UPGRADE\","
    " \"measures\": [\"RESOURCE_RECYCLING\"], \"catalogue_code\": \"3.1.1\","
    " \"location_region\": \"330206\", \"location\": \"浙江省宁波市北仑区产业园\", \"start_date\": \"2025-11-22\","
    " \"end_date\": \"2026-12-22\", \"total_investment\": 20912540000, \"equity\": 5111180000,"
    " \"financing_amount\": 14000000000, \"financing_types\": [\"MEDIUM_LONG_TERM_LOAN\"], \"term_months\": 84,"
    " \"guarantee\": \"母公司连带责任保证\", \"energy_saving_tce\": 4795.7, \"co2_reduction_t\": 11947.5,"
    " \"water_saving_t\": 26164.5, \"digital_maturity\": 2},"
    " \"contact\": {\"name\": \"廖文博\", \"phone\": \"18968886937\", \"email\": null}}";

/* reg: the shipped registry without its national head offices (branch banks only: the tests
 * of the push as before issue 12); reg_ho: the shipped one plus a bank of 浙江 pbc-330000
 * (which has none of its own), "registered after the push". */
static gfdx_registry *reg, *reg_ho;
static gfdx_calendar *cal;
static gfdx_catalog *cat;
static push_ctx pctx;
static gfdx_context ctx;
static json_t *templ;
static int seq;

/* The verdict of the last decision, kept for the checks. */
static char last_code[48], last_reason[512], last_event[64];
static bool last_transient;

/* Decides one record of `type` from `sender` as the pipeline does: mark, decide, undo the
 * record's effects unless it was accepted. Takes ownership of body. */
static gfdx_verdict decide(gfdx_rowset *rs, gfdx_decide_fn fn, const char *type, const char *sender, json_t *body)
{
    seq++;
    snprintf(last_event, sizeof last_event, "00000000-0000-4000-8000-%012d", seq);
    const char *need_id = json_string_value(json_object_get(body, "need_id"));
    gfdx_record rec = {.topic = strcmp(type, "BanksAssigned") ? "gfdx.miit-pushes" : "gfdx.dispatch-assignments", .key = need_id ? need_id : "", .body = body, .type = type,
                       .event_id = last_event, .sender_id = sender, .occurred_at = T0 + seq,
                       .clock = {T0 + seq, GFDX_CLOCK_RECEIVED}};
    gfdx_decision d = {.rec = &rec, .sender = gfdx_registry_find(reg, sender), .ctx = &ctx, .rows = rs};
    CHECK_MSG(d.sender != NULL, "%s is not in the registry", sender);
    gfdx_rows_mark m = gfdx_rowset_mark(rs);
    gfdx_verdict v = d.sender ? fn(&d) : GFDX_DECIDE_FAILED;
    if (v != GFDX_DECIDE_OK)
        gfdx_rowset_undo(rs, m);
    snprintf(last_code, sizeof last_code, "%s", v == GFDX_DECIDE_OK ? "" : d.reason_code);
    snprintf(last_reason, sizeof last_reason, "%s", v == GFDX_DECIDE_OK ? "" : d.reason);
    last_transient = d.transient;
    json_decref(body);
    return v;
}

/* A NeedPushed body for need_id; province / location replace the template's when non-NULL. */
static json_t *pushed(const char *need_id, const char *province, const char *location)
{
    json_t *b = json_deep_copy(templ);
    json_object_set_new(b, "need_id", json_string(need_id));
    if (province)
        json_object_set_new(json_object_get(b, "factory"), "province", json_string(province));
    if (location)
        json_object_set_new(json_object_get(b, "project"), "location_region", json_string(location));
    return b;
}

static json_t *withdrawal(const char *need_id, const char *reason)
{
    return json_pack("{s:{s:s, s:s, s:I, s:n}, s:s, s:s}", "meta", "event_id", "w", "sender", "miit",
                     "occurred_at", (json_int_t)T0, "correlation_id", "need_id", need_id, "reason", reason);
}

static gfdx_verdict push(gfdx_rowset *rs, json_t *body) { return decide(rs, push_decide_pushed, "NeedPushed", "miit", body); }

static gfdx_verdict withdraw(gfdx_rowset *rs, const char *need_id, const char *reason)
{
    return decide(rs, push_decide_withdrawn, "NeedPushWithdrawn", "miit", withdrawal(need_id, reason));
}

static const json_t *need(const gfdx_rowset *rs, const char *need_id)
{
    const char *k[] = {need_id};
    return gfdx_rows_get(rs, &push_need_table, k);
}

static const char *need_status(const gfdx_rowset *rs, const char *need_id)
{
    const json_t *row = need(rs, need_id);
    return row ? gfdx_rows_str(row, "status") : "(none)";
}

/* The need's dispatches as "bank=STATUS,..." in key order ("" when none). */
static const char *dispatches(const gfdx_rowset *rs, const char *need_id)
{
    static char buf[1024];
    json_t *rows = push_store_dispatches(rs, need_id), *row;
    size_t i, len = 0;
    buf[0] = '\0';
    json_array_foreach(rows, i, row) {
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s=%s", i ? "," : "", gfdx_rows_str(row, "bank_id"),
                                gfdx_rows_str(row, "status"));
        CHECK_STR_EQ(gfdx_rows_str(row, "branch_id"), gfdx_rows_str(need(rs, need_id), "branch_id"));
    }
    json_decref(rows);
    return buf;
}

/* The bytes of a bytea value ("\\x<hex>"), NUL-terminated (caller frees); *n their count. */
static unsigned char *unhex(const char *hex, size_t *n)
{
    *n = hex && !strncmp(hex, "\\x", 2) ? (strlen(hex) - 2) / 2 : 0;
    unsigned char *bytes = calloc(1, *n + 1);
    for (size_t k = 0; bytes && k < *n; k++)
        sscanf(hex + 2 + 2 * k, "%2hhx", &bytes[k]);
    return bytes;
}

/* The records staged for the outbox so far, one "topic key type" per row, ';'-separated. */
static const char *emitted(const gfdx_rowset *rs)
{
    static char buf[2048];
    const json_t *rows = gfdx_rows_appended(rs, &gfdx_outbox_table), *row;
    size_t i, len = 0, n;
    buf[0] = '\0';
    json_array_foreach(rows, i, row) {
        unsigned char *key = unhex(gfdx_rows_str(row, "key"), &n);
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s %s %s", i ? ";" : "", gfdx_rows_str(row, "topic"),
                                key ? (char *)key : "", gfdx_rows_str(row, "record_type"));
        free(key);
    }
    return buf;
}

/* The body of the i-th staged outbox row, decoded from its bytea value (caller decrefs). */
static json_t *emitted_body(const gfdx_rowset *rs, size_t i)
{
    size_t n;
    unsigned char *bytes = unhex(gfdx_rows_str(json_array_get(gfdx_rows_appended(rs, &gfdx_outbox_table), i), "value"), &n);
    json_t *out = NULL;
    const gfdx_schema *writer = NULL;
    char err[512] = "";
    CHECK_MSG(bytes && n && gfdx_serde_decode(cat, bytes, n, &out, &writer, err, sizeof err) == GFDX_SERDE_OK,
              "outbox row %zu: %s", i, err);
    free(bytes);
    return out;
}

#define NINGBO_ACTIVE "bank-ccb-330200=ACTIVE,bank-icbc-330200=ACTIVE,bank-nbcb-330200=ACTIVE"
#define NINGBO_CANCELLED "bank-ccb-330200=CANCELLED,bank-icbc-330200=CANCELLED,bank-nbcb-330200=CANCELLED"

/* A push: the need row as pboc.need holds it, one ACTIVE dispatch per bank of 宁波. */
static void test_push(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    CHECK(push(rs, pushed("N-1", NULL, NULL)) == GFDX_DECIDE_OK);
    const json_t *row = need(rs, "N-1");
    CHECK(row != NULL);
    CHECK_STR_EQ(gfdx_rows_str(row, "status"), push_status_name(PUSH_DISPATCHED));
    CHECK_STR_EQ(gfdx_rows_str(row, "branch_id"), "pbc-330200");
    CHECK_STR_EQ(gfdx_rows_str(row, "province"), "330000");
    CHECK_STR_EQ(gfdx_rows_str(row, "location_region"), "330206");
    CHECK_STR_EQ(gfdx_rows_str(row, "uscc"), "9133020035147673XH");
    CHECK_STR_EQ(gfdx_rows_str(row, "catalogue_code"), "3.1.1");
    CHECK_STR_EQ(gfdx_rows_str(row, "push_event_id"), last_event);
    CHECK(gfdx_rows_int(row, "financing_amount") == 14000000000LL);
    CHECK(json_is_true(json_object_get(row, "late")) && json_is_false(json_object_get(row, "is_major")));
    CHECK(json_equal(json_object_get(row, "priority_tags"), json_object_get(templ, "priority_tags")));
    CHECK(gfdx_rows_time_ms(json_object_get(row, "pushed_at")) == T0 + seq);
    CHECK(gfdx_rows_time_ms(json_object_get(row, "updated_at")) == NOW);
    const json_t *snap = json_object_get(row, "snapshot");
    CHECK(json_is_object(snap) && !json_object_get(snap, "meta"));
    CHECK_STR_EQ(gfdx_rec_str(snap, "project.name"), "废旧动力电池回收利用项目");
    CHECK(json_is_null(json_object_get(row, "withdrawn_at")));
    CHECK_STR_EQ(dispatches(rs, "N-1"), NINGBO_ACTIVE);
    /* a branch with no registered bank: recorded, no dispatch row */
    CHECK(push(rs, pushed("N-2", NULL, "330106")) == GFDX_DECIDE_OK);
    CHECK_STR_EQ(gfdx_rows_str(need(rs, "N-2"), "branch_id"), "pbc-330000");
    CHECK_STR_EQ(dispatches(rs, "N-2"), "");
    CHECK_STR_EQ(emitted(rs), "gfdx.dispatch.pbc-330200 N-1 NeedDispatched;gfdx.dispatch.pbc-330000 N-2 NeedDispatched");
    json_t *rec = emitted_body(rs, 0);
    CHECK_STR_EQ(gfdx_rec_str(rec, "meta.sender"), "pboc");
    CHECK_STR_EQ(gfdx_rec_str(rec, "meta.correlation_id"), gfdx_rows_str(need(rs, "N-1"), "push_event_id"));
    CHECK_STR_EQ(gfdx_rec_str(rec, "branch_id"), "pbc-330200");
    CHECK_STR_EQ(gfdx_rec_str(rec, "quarter"), "2026Q2");
    json_t *banks = json_pack("[s, s, s]", "bank-nbcb-330200", "bank-icbc-330200", "bank-ccb-330200");
    CHECK(json_equal(gfdx_rec_get(rec, "bank_ids"), banks)); /* registry order, as today */
    json_decref(banks);
    CHECK_STR_EQ(gfdx_rec_str(rec, "project.name"), "废旧动力电池回收利用项目");
    json_decref(rec);
    rec = emitted_body(rs, 1);
    CHECK(json_is_array(gfdx_rec_get(rec, "bank_ids")) && json_array_size(gfdx_rec_get(rec, "bank_ids")) == 0);
    json_decref(rec);
    gfdx_rowset_free(rs);
}

/* A push then its withdrawal in one batch: the withdrawal sees the pushed row and its
 * dispatches; what follows sees the withdrawal. */
static void test_push_then_withdraw(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    CHECK(push(rs, pushed("W-1", NULL, NULL)) == GFDX_DECIDE_OK);
    CHECK(withdraw(rs, "W-1", "企业已获其他融资") == GFDX_DECIDE_OK);
    const json_t *row = need(rs, "W-1");
    CHECK_STR_EQ(gfdx_rows_str(row, "status"), push_status_name(PUSH_WITHDRAWN));
    CHECK_STR_EQ(gfdx_rows_str(row, "withdrawn_reason"), "企业已获其他融资");
    CHECK_STR_EQ(gfdx_rows_str(row, "withdrawn_event_id"), last_event);
    CHECK(gfdx_rows_time_ms(json_object_get(row, "withdrawn_at")) == T0 + seq);
    CHECK_STR_EQ(gfdx_rows_str(row, "branch_id"), "pbc-330200");
    CHECK_STR_EQ(dispatches(rs, "W-1"), NINGBO_CANCELLED);
    CHECK_STR_EQ(emitted(rs), "gfdx.dispatch.pbc-330200 W-1 NeedDispatched;gfdx.dispatch.pbc-330200 W-1 NeedDispatchWithdrawn");
    json_t *w = emitted_body(rs, 1);
    json_t *want = json_pack("[s, s, s]", "bank-ccb-330200", "bank-icbc-330200", "bank-nbcb-330200");
    CHECK(json_equal(gfdx_rec_get(w, "bank_ids"), want)); /* the cancelled banks, id order */
    CHECK_STR_EQ(gfdx_rec_str(w, "reason"), "企业已获其他融资");
    CHECK_STR_EQ(gfdx_rec_str(w, "branch_id"), "pbc-330200");
    json_decref(want);
    json_decref(w);
    json_t *rows = push_store_dispatches(rs, "W-1"), *d;
    size_t i;
    json_array_foreach(rows, i, d) CHECK(gfdx_rows_time_ms(json_object_get(d, "cancelled_at")) == NOW);
    json_decref(rows);
    json_t *before = json_deep_copy(row);
    CHECK(withdraw(rs, "W-1", "again") == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "ILLEGAL_TRANSITION");
    CHECK_STR_EQ(last_reason, "WITHDRAW is not allowed for need W-1 in state WITHDRAWN (branch pbc-330200)");
    CHECK(push(rs, pushed("W-1", NULL, NULL)) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "ILLEGAL_TRANSITION");
    CHECK_STR_EQ(last_reason, "PUSH is not allowed for need W-1 in state WITHDRAWN (branch pbc-330200)");
    CHECK(json_equal(need(rs, "W-1"), before));
    CHECK_STR_EQ(dispatches(rs, "W-1"), NINGBO_CANCELLED);
    json_decref(before);
    /* a second push of a dispatched need leaves its dispatches alone */
    CHECK(push(rs, pushed("W-2", NULL, NULL)) == GFDX_DECIDE_OK);
    CHECK(push(rs, pushed("W-2", NULL, NULL)) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "ILLEGAL_TRANSITION");
    CHECK_STR_EQ(last_reason, "PUSH is not allowed for need W-2 in state DISPATCHED (branch pbc-330200)");
    CHECK_STR_EQ(need_status(rs, "W-2"), "DISPATCHED");
    CHECK_STR_EQ(dispatches(rs, "W-2"), NINGBO_ACTIVE);
    CHECK_STR_EQ(emitted(rs), "gfdx.dispatch.pbc-330200 W-1 NeedDispatched;gfdx.dispatch.pbc-330200 W-1 NeedDispatchWithdrawn;"
                              "gfdx.dispatch.pbc-330200 W-2 NeedDispatched");
    gfdx_rowset_free(rs);
}

/* Refusals in the middle of a batch: each leaves nothing; the records around them apply. A
 * refusal after rows were put (the NeedDispatched would not fit max_message_bytes) too. */
static void test_refusal_in_middle(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    CHECK(push(rs, pushed("M-1", NULL, NULL)) == GFDX_DECIDE_OK);
    CHECK(push(rs, pushed("M-2", "710000", "710100")) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "NO_BRANCH");
    CHECK(push(rs, pushed("M-3", NULL, "320106")) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "UNKNOWN_REGION");
    json_t *b = pushed("M-4", NULL, NULL);
    json_object_set_new(json_object_get(b, "factory"), "uscc", json_string("9133020035147673XA"));
    CHECK(push(rs, b) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "BAD_USCC");
    b = pushed("M-5", NULL, NULL);
    json_object_set_new(json_object_get(b, "project"), "financing_amount", json_integer(0));
    CHECK(push(rs, b) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "INVALID_AMOUNT");
    CHECK_STR_EQ(last_reason, "project.financing_amount must be positive (got 0 fen)");
    CHECK(withdraw(rs, "M-NEVER", "x") == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "UNKNOWN_NEED");
    CHECK_STR_EQ(last_reason, "need M-NEVER was never pushed to PBoC");
    size_t max = ctx.max_message_bytes;
    ctx.max_message_bytes = 200; /* the need and dispatch rows are put, then the emit refuses */
    CHECK(push(rs, pushed("M-6", NULL, NULL)) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "RECORD_TOO_LARGE");
    ctx.max_message_bytes = 64; /* the need and its dispatches are changed, then the emit refuses */
    CHECK(withdraw(rs, "M-1", "x") == GFDX_DECIDE_REFUSED && !strcmp(last_code, "RECORD_TOO_LARGE"));
    ctx.max_message_bytes = max;
    CHECK(push(rs, pushed("M-7", NULL, NULL)) == GFDX_DECIDE_OK);
    static const char *const gone[] = {"M-2", "M-3", "M-4", "M-5", "M-6", "M-NEVER"};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) {
        CHECK_MSG(need(rs, gone[i]) == NULL, "refused %s left a need row", gone[i]);
        CHECK_STR_EQ(dispatches(rs, gone[i]), "");
    }
    CHECK_STR_EQ(need_status(rs, "M-1"), "DISPATCHED");
    CHECK_STR_EQ(dispatches(rs, "M-1"), NINGBO_ACTIVE);
    CHECK_STR_EQ(need_status(rs, "M-7"), "DISPATCHED");
    CHECK_STR_EQ(dispatches(rs, "M-7"), NINGBO_ACTIVE);
    CHECK_STR_EQ(emitted(rs), "gfdx.dispatch.pbc-330200 M-1 NeedDispatched;gfdx.dispatch.pbc-330200 M-7 NeedDispatched");
    gfdx_rowset_free(rs);
}

/* A row as to_jsonb renders a stored one. */
static void add_need(gfdx_rowset *rs, const char *need_id, const char *status)
{
    json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "need_id", need_id, "status", status, "branch_id",
                            "pbc-hq-sh", "province", "310000", "received_at", "2026-11-30T08:00:00+00:00",
                            "pushed_at", "2026-11-30T08:00:00+00:00");
    CHECK(gfdx_rowset_add(rs, &push_need_table, row) == 0);
}

static void add_dispatch(gfdx_rowset *rs, const char *need_id, const char *bank, const char *status)
{
    json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s}", "need_id", need_id, "bank_id", bank, "branch_id",
                            "pbc-hq-sh", "status", status, "dispatched_at", "2026-11-30T08:00:00+00:00");
    if (!strcmp(status, "CANCELLED"))
        json_object_set_new(row, "cancelled_at", json_string("2026-11-30T09:00:00+00:00"));
    CHECK(gfdx_rowset_add(rs, &push_dispatch_table, row) == 0);
}

/* Rows as loaded: a withdrawal cancels only the ACTIVE dispatches (an already cancelled one
 * keeps its time) and keeps the stored columns; unknown stored statuses are CORRUPT. */
static void test_loaded(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    add_need(rs, "L-1", "DISPATCHED");
    add_dispatch(rs, "L-1", "bank-icbc-310000", "ACTIVE");
    add_dispatch(rs, "L-1", "bank-ccb-310000", "CANCELLED");
    add_dispatch(rs, "L-1", "bank-bocom-310000", "ACTIVE");
    CHECK(withdraw(rs, "L-1", "r") == GFDX_DECIDE_OK);
    CHECK_STR_EQ(need_status(rs, "L-1"), "WITHDRAWN");
    CHECK_STR_EQ(gfdx_rows_str(need(rs, "L-1"), "received_at"), "2026-11-30T08:00:00+00:00");
    CHECK_STR_EQ(dispatches(rs, "L-1"),
                 "bank-bocom-310000=CANCELLED,bank-ccb-310000=CANCELLED,bank-icbc-310000=CANCELLED");
    const char *k[] = {"L-1", "bank-ccb-310000"};
    CHECK_STR_EQ(gfdx_rows_str(push_store_dispatch(rs, k[0], k[1]), "cancelled_at"),
                 "2026-11-30T09:00:00+00:00");
    add_need(rs, "L-2", "PAUSED");
    CHECK(push(rs, pushed("L-2", NULL, NULL)) == GFDX_DECIDE_FAILED && !last_transient);
    CHECK(withdraw(rs, "L-2", "r") == GFDX_DECIDE_FAILED && !last_transient);
    CHECK_STR_EQ(need_status(rs, "L-2"), "PAUSED");
    add_need(rs, "L-3", "DISPATCHED");
    add_dispatch(rs, "L-3", "bank-icbc-310000", "ACTIVE");
    add_dispatch(rs, "L-3", "bank-ccb-310000", "LOST");
    CHECK(withdraw(rs, "L-3", "r") == GFDX_DECIDE_FAILED && !last_transient);
    CHECK_STR_EQ(need_status(rs, "L-3"), "DISPATCHED");
    CHECK_STR_EQ(dispatches(rs, "L-3"), "bank-ccb-310000=LOST,bank-icbc-310000=ACTIVE");
    gfdx_rowset_free(rs);
}

/* Authorization comes first: a sender other than MIIT is refused UNAUTHORIZED_SENDER even
 * for a record that is also malformed or illegal in the need's state. */
static void test_authorization_first(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    CHECK(push(rs, pushed("A-1", NULL, NULL)) == GFDX_DECIDE_OK);
    json_t *b = pushed("A-1", NULL, NULL); /* second push, and a bad USCC */
    json_object_set_new(json_object_get(b, "factory"), "uscc", json_string("9133020035147673XA"));
    CHECK(decide(rs, push_decide_pushed, "NeedPushed", "prov-330000", b) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "UNAUTHORIZED_SENDER");
    CHECK_STR_EQ(last_reason, "prov-330000 (province_authority) may not send NeedPushed: only MIIT pushes needs");
    CHECK(decide(rs, push_decide_withdrawn, "NeedPushWithdrawn", "bank-nbcb-330200", withdrawal("A-NEVER", "x")) ==
          GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "UNAUTHORIZED_SENDER");
    CHECK(decide(rs, push_decide_withdrawn, "NeedPushWithdrawn", "pbc-330200", withdrawal("A-1", "x")) ==
          GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "UNAUTHORIZED_SENDER");
    CHECK_STR_EQ(need_status(rs, "A-1"), "DISPATCHED");
    CHECK_STR_EQ(dispatches(rs, "A-1"), NINGBO_ACTIVE);
    CHECK_STR_EQ(emitted(rs), "gfdx.dispatch.pbc-330200 A-1 NeedDispatched");
    CHECK(withdraw(rs, "", "x") == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "INVALID_FIELD");
    CHECK_STR_EQ(last_reason, "need_id must not be empty");
    gfdx_rowset_free(rs);
}

/* ---- issue 12: head offices, BanksAssigned, the watch ---- */

/* Loads a variant of the shipped registry written to a temporary file: without its national
 * head offices (drop_head_offices), with `extra` entries appended (may be NULL). */
static gfdx_registry *load_registry_variant(bool drop_head_offices, const char *extra)
{
    char err[512] = "", path[] = "/tmp/test_push_decide_XXXXXX", line[4096], *last = NULL;
    FILE *in = fopen(GFDX_SOURCE_DIR "/deploy/participants.cfg", "r");
    static char text[1 << 20];
    size_t n = 0;
    while (in && fgets(line, sizeof line, in))
        if (!(drop_head_offices && strstr(line, "branches = [\"national\"]")) && n + strlen(line) < sizeof text)
            n += (size_t)snprintf(text + n, sizeof text - n, "%s", line);
    if (in)
        fclose(in);
    last = strrchr(text, ')'); /* the end of the participants list */
    int fd = mkstemp(path);
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    CHECK(last != NULL && out != NULL);
    if (!last || !out)
        return NULL;
    if (extra)
        fprintf(out, "%.*s,\n%s\n%s", (int)(last - text), text, extra, last);
    else
        fputs(text, out);
    fclose(out);
    gfdx_registry *r = gfdx_registry_load(path, err, sizeof err);
    CHECK_MSG(r != NULL, "%s", err);
    unlink(path);
    return r;
}

/* A BanksAssigned body for need_id naming the banks of a NULL-terminated list. */
static json_t *assignment(const char *need_id, const char *const *banks)
{
    json_t *ids = json_array();
    for (size_t i = 0; banks && banks[i]; i++)
        json_array_append_new(ids, json_string(banks[i]));
    return json_pack("{s:{s:s, s:s, s:I, s:n}, s:s, s:o, s:n}", "meta", "event_id", "a", "sender", "x",
                     "occurred_at", (json_int_t)T0, "correlation_id", "need_id", need_id, "bank_ids", ids,
                     "comment");
}

static gfdx_verdict assign(gfdx_rowset *rs, const char *sender, const char *need_id, const char *const *banks)
{
    return decide(rs, push_decide_assigned, "BanksAssigned", sender, assignment(need_id, banks));
}

/* The ids of a need's dispatches in registry order of the NeedDispatched (the i-th emitted),
 * ","-joined. */
static const char *emitted_banks(const gfdx_rowset *rs, size_t i)
{
    static char buf[4096];
    json_t *rec = emitted_body(rs, i), *id;
    size_t k, len = 0;
    buf[0] = '\0';
    json_array_foreach(gfdx_rec_get(rec, "bank_ids"), k, id)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", k ? "," : "", json_string_value(id));
    json_decref(rec);
    return buf;
}

/* The registry's head offices, ","-joined in registry order, after `first` when non-empty. */
static const char *with_head_offices(const char *first)
{
    static char buf[4096];
    const gfdx_participant *hq[64];
    size_t n = gfdx_registry_head_offices(reg_ho, hq, 64), len;
    len = (size_t)snprintf(buf, sizeof buf, "%s", first);
    for (size_t i = 0; i < n && i < 64; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", len ? "," : "", hq[i]->id);
    return buf;
}

/* A push with the shipped registry (national head offices registered): the branch's banks,
 * then every head office; a branch without a bank of its own gets the head offices alone. */
static void test_head_offices(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    ctx.registry = reg_ho;
    CHECK(gfdx_registry_head_offices(reg_ho, NULL, 0) >= 2); /* bank-icbc-hq, bank-czb-hq among them */
    CHECK(push(rs, pushed("H-1", NULL, NULL)) == GFDX_DECIDE_OK);
    CHECK_STR_EQ(emitted_banks(rs, 0), with_head_offices("bank-nbcb-330200,bank-icbc-330200,bank-ccb-330200"));
    json_t *rows = push_store_dispatches(rs, "H-1");
    CHECK(json_array_size(rows) == 3 + gfdx_registry_head_offices(reg_ho, NULL, 0));
    json_decref(rows);
    const char *k[] = {"H-1", "bank-icbc-hq"}, *kb[] = {"H-1", "bank-nbcb-330200"};
    CHECK_STR_EQ(gfdx_rows_str(push_store_dispatch(rs, k[0], k[1]), "status"), "ACTIVE");
    CHECK_STR_EQ(gfdx_rows_str(push_store_dispatch(rs, k[0], k[1]), "via"), "HEAD_OFFICE");
    CHECK_STR_EQ(gfdx_rows_str(push_store_dispatch(rs, kb[0], kb[1]), "via"), "BRANCH");
    CHECK(gfdx_rows_time_ms(json_object_get(push_store_dispatch(rs, k[0], k[1]), "dispatched_at")) == NOW);
    CHECK_STR_EQ(gfdx_rows_str(push_store_dispatch(rs, k[0], k[1]), "branch_id"), "pbc-330200");
    CHECK(push(rs, pushed("H-2", NULL, "330106")) == GFDX_DECIDE_OK); /* 浙江: bank-late-330000 + head offices */
    CHECK_STR_EQ(emitted_banks(rs, 1), with_head_offices("bank-late-330000"));
    json_t *banks = push_banks_for_branch(reg_ho, "pbc-650000"), *id; /* 新疆: no bank of its own */
    size_t i, len = 0;
    char got[4096] = "";
    json_array_foreach(banks, i, id)
        len += (size_t)snprintf(got + len, sizeof got - len, "%s%s", i ? "," : "", json_string_value(id));
    CHECK_STR_EQ(got, with_head_offices(""));
    json_decref(banks);
    ctx.registry = reg;
    gfdx_rowset_free(rs);
}

/* Who may assign: the need's branch only, checked before the need's state or the banks. */
static void test_assign_authorization(void)
{
    static const char *const ningbo_bank[] = {"bank-nbcb-330200", NULL};
    gfdx_rowset *rs = gfdx_rowset_new();
    CHECK(push(rs, pushed("Z-1", NULL, "330106")) == GFDX_DECIDE_OK); /* 浙江, no bank in the shipped registry */
    CHECK_STR_EQ(dispatches(rs, "Z-1"), "");
    CHECK(assign(rs, "bank-nbcb-330200", "Z-1", ningbo_bank) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "UNAUTHORIZED_SENDER");
    CHECK_STR_EQ(last_reason,
                 "bank-nbcb-330200 (bank) may not send BanksAssigned: only the PBoC branch of the need assigns banks");
    CHECK(assign(rs, "miit", "Z-1", ningbo_bank) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "UNAUTHORIZED_SENDER");
    CHECK(assign(rs, "pbc-330200", "Z-1", ningbo_bank) == GFDX_DECIDE_REFUSED); /* its own bank, not its need */
    CHECK_STR_EQ(last_code, "NOT_NEEDS_BRANCH");
    CHECK_STR_EQ(last_reason, "need Z-1 is not a need dispatched to pbc-330200");
    CHECK(assign(rs, "pbc-330000", "Z-NEVER", ningbo_bank) == GFDX_DECIDE_REFUSED); /* same answer */
    CHECK_STR_EQ(last_code, "NOT_NEEDS_BRANCH");
    CHECK_STR_EQ(last_reason, "need Z-NEVER is not a need dispatched to pbc-330000");
    CHECK(assign(rs, "pbc-330000", "", ningbo_bank) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "INVALID_FIELD");
    CHECK_STR_EQ(dispatches(rs, "Z-1"), "");
    CHECK_STR_EQ(emitted(rs), "gfdx.dispatch.pbc-330000 Z-1 NeedDispatched");
    gfdx_rowset_free(rs);
}

/* Which banks: registered banks of the branch (registered after the push too) or head offices. */
static void test_assign_banks(void)
{
    static const char *const other_branch[] = {"bank-late-330000", "bank-nbcb-330200", NULL};
    static const char *const unknown[] = {"bank-nope", NULL};
    static const char *const not_bank[] = {"prov-330000", NULL};
    static const char *const ok[] = {"bank-late-330000", "bank-icbc-hq", "bank-late-330000", NULL};
    static const char *const again[] = {"bank-icbc-hq", NULL};
    static const char *const more[] = {"bank-icbc-hq", "bank-czb-hq", NULL};
    gfdx_rowset *rs = gfdx_rowset_new();
    CHECK(push(rs, pushed("B-1", NULL, "330106")) == GFDX_DECIDE_OK); /* pushed with the shipped registry */
    ctx.registry = reg_ho;                                            /* then reloaded with more banks */
    CHECK(assign(rs, "pbc-330000", "B-1", other_branch) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "BANK_NOT_OF_BRANCH");
    CHECK_STR_EQ(last_reason, "bank-nbcb-330200 neither serves pbc-330000 nor is a national head office");
    CHECK(assign(rs, "pbc-330000", "B-1", unknown) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "UNKNOWN_BANK");
    CHECK_STR_EQ(last_reason, "bank-nope is not a registered bank");
    CHECK(assign(rs, "pbc-330000", "B-1", not_bank) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "UNKNOWN_BANK");
    CHECK(assign(rs, "pbc-330000", "B-1", NULL) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "INVALID_FIELD");
    CHECK_STR_EQ(last_reason, "bank_ids must name 1 to 50 banks (got 0)");
    const char *many[52];
    for (int i = 0; i < 51; i++)
        many[i] = "bank-icbc-hq";
    many[51] = NULL;
    CHECK(assign(rs, "pbc-330000", "B-1", many) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_reason, "bank_ids must name 1 to 50 banks (got 51)");
    CHECK_STR_EQ(dispatches(rs, "B-1"), "");
    CHECK_STR_EQ(emitted(rs), "gfdx.dispatch.pbc-330000 B-1 NeedDispatched");
    char assign_event[64];
    CHECK(assign(rs, "pbc-330000", "B-1", ok) == GFDX_DECIDE_OK); /* a repeated id counts once */
    snprintf(assign_event, sizeof assign_event, "%s", last_event);
    CHECK_STR_EQ(dispatches(rs, "B-1"), "bank-icbc-hq=ACTIVE,bank-late-330000=ACTIVE");
    CHECK_STR_EQ(emitted(rs), "gfdx.dispatch.pbc-330000 B-1 NeedDispatched;gfdx.dispatch.pbc-330000 B-1 NeedDispatched");
    json_t *rec = emitted_body(rs, 1), *want = json_pack("[s, s]", "bank-late-330000", "bank-icbc-hq");
    CHECK(json_equal(gfdx_rec_get(rec, "bank_ids"), want));
    CHECK_STR_EQ(gfdx_rec_str(rec, "meta.correlation_id"), assign_event);
    CHECK_STR_EQ(gfdx_rec_str(rec, "branch_id"), "pbc-330000");
    CHECK_STR_EQ(gfdx_rec_str(rec, "project.name"), "废旧动力电池回收利用项目");
    CHECK(gfdx_rec_int(rec, "pushed_at") == gfdx_rows_time_ms(json_object_get(need(rs, "B-1"), "pushed_at")));
    json_decref(want);
    json_decref(rec);
    CHECK(assign(rs, "pbc-330000", "B-1", again) == GFDX_DECIDE_OK); /* already dispatched: a no-op */
    CHECK_STR_EQ(dispatches(rs, "B-1"), "bank-icbc-hq=ACTIVE,bank-late-330000=ACTIVE");
    CHECK(json_array_size(gfdx_rows_appended(rs, &gfdx_outbox_table)) == 2);
    CHECK(assign(rs, "pbc-330000", "B-1", more) == GFDX_DECIDE_OK); /* only the new one forwarded */
    rec = emitted_body(rs, 2);
    want = json_pack("[s]", "bank-czb-hq");
    CHECK(json_equal(gfdx_rec_get(rec, "bank_ids"), want));
    json_decref(want);
    json_decref(rec);
    CHECK_STR_EQ(need_status(rs, "B-1"), "DISPATCHED");
    ctx.registry = reg;
    gfdx_rowset_free(rs);
}

static void add_alert(gfdx_rowset *rs, const char *need_id, const char *status)
{
    json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:n, s:s, s:s, s:{}, s:s}", "need_id", need_id, "kind", "NO_BANK",
                            "alert_id", "a-1", "branch_id", "pbc-hq-sh", "bank_id", "status", status, "detail", "d",
                            "facts", "raised_at", "2026-12-03T08:00:00+00:00");
    if (!strcmp(status, "CLOSED"))
        json_object_set_new(row, "closed_at", json_string("2026-12-04T08:00:00+00:00"));
    CHECK(gfdx_rowset_add(rs, &push_alert_table, row) == 0);
}

static const char *alert_status(const gfdx_rowset *rs, const char *need_id)
{
    const char *k[] = {need_id, "NO_BANK"};
    const json_t *row = gfdx_rows_get(rs, &push_alert_table, k);
    return row ? gfdx_rows_str(row, "status") : "(none)";
}

/* A withdrawn need refuses assignment (after authorization); an assignment closes the alert. */
static void test_assign_state(void)
{
    static const char *const hq_bank[] = {"bank-icbc-310000", NULL};
    gfdx_rowset *rs = gfdx_rowset_new();
    add_need(rs, "S-1", "WITHDRAWN");
    CHECK(assign(rs, "pbc-hq-sh", "S-1", hq_bank) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "NEED_WITHDRAWN");
    CHECK_STR_EQ(last_reason, "ASSIGN is not allowed for need S-1 in state WITHDRAWN (branch pbc-hq-sh)");
    CHECK(assign(rs, "pbc-330000", "S-1", hq_bank) == GFDX_DECIDE_REFUSED); /* another branch: not told */
    CHECK_STR_EQ(last_code, "NOT_NEEDS_BRANCH");
    CHECK_STR_EQ(dispatches(rs, "S-1"), "");
    CHECK(push(rs, pushed("S-2", "310000", "310115")) == GFDX_DECIDE_OK); /* 上海总部 */
    add_alert(rs, "S-2", "OPEN");
    CHECK_MSG(assign(rs, "pbc-hq-sh", "S-2", hq_bank) == GFDX_DECIDE_OK, "%s %s", last_code, last_reason);
    CHECK_STR_EQ(alert_status(rs, "S-2"), "CLOSED");
    const char *k[] = {"S-2", "NO_BANK"};
    const json_t *a = gfdx_rows_get(rs, &push_alert_table, k);
    CHECK_STR_EQ(gfdx_rows_str(a, "closed_event_id"), last_event);
    CHECK(gfdx_rows_time_ms(json_object_get(a, "closed_at")) == NOW);
    CHECK_STR_EQ(dispatches(rs, "S-2"), "bank-bocom-310000=ACTIVE,bank-ccb-310000=ACTIVE,bank-icbc-310000=ACTIVE");
    CHECK(json_array_size(gfdx_rows_appended(rs, &gfdx_outbox_table)) == 1); /* its banks had it already */
    add_need(rs, "S-4", "DISPATCHED"); /* a withdrawal closes the alert too */
    add_alert(rs, "S-4", "OPEN");
    CHECK(withdraw(rs, "S-4", "r") == GFDX_DECIDE_OK);
    CHECK_STR_EQ(alert_status(rs, "S-4"), "CLOSED");
    CHECK_STR_EQ(gfdx_rows_str(gfdx_rows_get(rs, &push_alert_table, (const char *[]){"S-4", "NO_BANK"}),
                               "closed_event_id"), last_event);
    add_need(rs, "S-3", "DISPATCHED");
    add_alert(rs, "S-3", "RINGING");
    CHECK(assign(rs, "pbc-hq-sh", "S-3", hq_bank) == GFDX_DECIDE_FAILED && !last_transient);
    CHECK_STR_EQ(dispatches(rs, "S-3"), "");
    gfdx_rowset_free(rs);
}

/* How a push's dispatch rows reach PostgreSQL: appended to push_dispatch_new_table (one COPY),
 * none put in the STATE table; a later record of the batch that changes one (a withdrawal, a
 * head office's copy assigned) puts its copy in the STATE table, which push_tables writes after
 * the appended rows, and which the readers (push_store_dispatch, _dispatches) see instead. */
static void test_dispatch_rows_appended(void)
{
    static const char *const icbc_hq[] = {"bank-icbc-hq", NULL};
    gfdx_rowset *rs = gfdx_rowset_new();
    ctx.registry = reg_ho;
    size_t nho = gfdx_registry_head_offices(reg_ho, NULL, 0);
    CHECK(push(rs, pushed("A-1", NULL, NULL)) == GFDX_DECIDE_OK);
    CHECK(push(rs, pushed("A-2", NULL, NULL)) == GFDX_DECIDE_OK);
    const json_t *added = gfdx_rows_appended(rs, &push_dispatch_new_table), *row;
    CHECK_MSG(json_array_size(added) == 2 * (3 + nho), "appended %zu rows", json_array_size(added));
    json_t *state = gfdx_rows_find(rs, &push_dispatch_table, "need_id", "A-1");
    CHECK(json_array_size(state) == 0); /* nothing put: the write is the COPY alone */
    json_decref(state);
    row = json_array_get(added, 0); /* the branch's first bank: every written column, as before */
    CHECK(json_object_size(row) == 7);
    CHECK_STR_EQ(gfdx_rows_str(row, "need_id"), "A-1");
    CHECK_STR_EQ(gfdx_rows_str(row, "bank_id"), "bank-nbcb-330200");
    CHECK_STR_EQ(gfdx_rows_str(row, "branch_id"), "pbc-330200");
    CHECK_STR_EQ(gfdx_rows_str(row, "status"), "ACTIVE");
    CHECK_STR_EQ(gfdx_rows_str(row, "via"), "BRANCH");
    CHECK(json_is_null(json_object_get(row, "cancelled_at")));
    CHECK(gfdx_rows_time_ms(json_object_get(row, "dispatched_at")) == NOW);
    CHECK_STR_EQ(gfdx_rows_str(json_array_get(added, 3), "via"), "HEAD_OFFICE");
    /* A-1 withdrawn and A-2's ICBC head office assigned in the same batch */
    CHECK(withdraw(rs, "A-1", "r") == GFDX_DECIDE_OK);
    CHECK(assign(rs, "pbc-330200", "A-2", icbc_hq) == GFDX_DECIDE_OK);
    CHECK(json_array_size(gfdx_rows_appended(rs, &push_dispatch_new_table)) == 2 * (3 + nho)); /* as appended */
    CHECK_STR_EQ(gfdx_rows_str(json_array_get(added, 0), "status"), "ACTIVE");
    state = gfdx_rows_find(rs, &push_dispatch_table, "need_id", "A-1");
    CHECK(json_array_size(state) == 3 + nho); /* every one of A-1's rows changed: put */
    json_decref(state);
    json_t *rows = push_store_dispatches(rs, "A-1"), *d;
    size_t i;
    CHECK(json_array_size(rows) == 3 + nho);
    json_array_foreach(rows, i, d) {
        CHECK_STR_EQ(gfdx_rows_str(d, "status"), "CANCELLED");
        if (i)
            CHECK(strcmp(gfdx_rows_str(json_array_get(rows, i - 1), "bank_id"), gfdx_rows_str(d, "bank_id")) < 0);
    }
    json_decref(rows);
    rows = push_store_dispatches(rs, "A-2"); /* the appended rows, one replaced by its put copy */
    size_t assigned = 0, active = 0;
    json_array_foreach(rows, i, d) {
        assigned += !strcmp(gfdx_rows_str(d, "via"), "ASSIGNED");
        active += !strcmp(gfdx_rows_str(d, "status"), "ACTIVE");
    }
    CHECK(json_array_size(rows) == 3 + nho && assigned == 1 && active == 3 + nho);
    json_decref(rows);
    CHECK_STR_EQ(gfdx_rows_str(push_store_dispatch(rs, "A-2", "bank-icbc-hq"), "via"), "ASSIGNED");
    CHECK_STR_EQ(gfdx_rows_str(push_store_dispatch(rs, "A-2", "bank-boc-hq"), "via"), "HEAD_OFFICE");
    CHECK(push_store_dispatch(rs, "A-2", "bank-none") == NULL && push_store_dispatch(rs, "A-3", "bank-icbc-hq") == NULL);
    /* the appended rows are written before the STATE rows that update them, after the need */
    size_t at_need = PUSH_TABLE_COUNT, at_new = PUSH_TABLE_COUNT, at_state = PUSH_TABLE_COUNT;
    for (i = 0; i < PUSH_TABLE_COUNT; i++) {
        at_need = push_tables[i] == &push_need_table ? i : at_need;
        at_new = push_tables[i] == &push_dispatch_new_table ? i : at_new;
        at_state = push_tables[i] == &push_dispatch_table ? i : at_state;
    }
    CHECK(at_need < at_new && at_new < at_state && at_state < PUSH_TABLE_COUNT);
    CHECK_STR_EQ(push_dispatch_new_table.name, push_dispatch_table.name);
    CHECK_STR_EQ(push_dispatch_new_table.columns, push_dispatch_table.columns);
    CHECK(push_dispatch_new_table.kind == GFDX_TABLE_HISTORY && !push_dispatch_new_table.conflict);
    ctx.registry = reg;
    gfdx_rowset_free(rs);
}

/* The watch's decision over rows as loaded; received_at is Monday 2026-11-30 16:00 China time. */
static int watch(gfdx_rowset *rs, int64_t now_ms, const char *const *ids, json_t **emits, bool *corrupt)
{
    json_t *list = json_array();
    char err[256] = "";
    for (size_t i = 0; ids[i]; i++)
        json_array_append_new(list, json_string(ids[i]));
    gfdx_context wctx = ctx;
    wctx.now_ms = now_ms;
    *emits = json_array();
    int n = push_watch_decide(&wctx, rs, list, *emits, corrupt, err, sizeof err);
    json_decref(list);
    return n;
}

#define WED 1796198400000LL /* 2026-12-02T08:00:00Z: 2 working days after Monday */
#define THU 1796284800000LL /* 2026-12-03T08:00:00Z: 3 */

/* A need that reached only the head offices (新疆: no bank of its branch) has no bank
 * organised for it: the watch alerts it; the branch naming a head office makes that head
 * office's copy an assigned dispatch (forwarded, the alert closed), and the watch is quiet. */
static void test_head_office_copy(void)
{
    static const char *const icbc_hq[] = {"bank-icbc-hq", NULL};
    gfdx_rowset *rs = gfdx_rowset_new();
    json_t *emits;
    bool corrupt = true;
    ctx.registry = reg_ho;
    CHECK(push(rs, pushed("X-1", "650000", "650102")) == GFDX_DECIDE_OK);
    CHECK_STR_EQ(gfdx_rows_str(need(rs, "X-1"), "branch_id"), "pbc-650000");
    json_t *rows = push_store_dispatches(rs, "X-1"), *row;
    size_t i, copies = 0;
    json_array_foreach(rows, i, row) copies += !push_dispatch_organised(row);
    CHECK(copies == gfdx_registry_head_offices(reg_ho, NULL, 0) && copies == json_array_size(rows));
    json_decref(rows);
    json_t *n = json_deep_copy(need(rs, "X-1")); /* as stored: received_at is the table's default */
    json_object_set_new(n, "received_at", json_string("2026-11-30T08:00:00+00:00"));
    CHECK(gfdx_rows_put(rs, &push_need_table, n) == 0);
    static const char *const x1[] = {"X-1", NULL};
    int due = watch(rs, THU, x1, &emits, &corrupt);
    CHECK_MSG(due == 1 && !corrupt, "head-office copies only: alerted (got %d)", due);
    json_decref(emits);
    CHECK_STR_EQ(alert_status(rs, "X-1"), "OPEN");
    size_t before = json_array_size(gfdx_rows_appended(rs, &gfdx_outbox_table));
    CHECK(assign(rs, "pbc-650000", "X-1", icbc_hq) == GFDX_DECIDE_OK);
    const char *k[] = {"X-1", "bank-icbc-hq"};
    CHECK_STR_EQ(gfdx_rows_str(push_store_dispatch(rs, k[0], k[1]), "via"), "ASSIGNED");
    CHECK_STR_EQ(gfdx_rows_str(push_store_dispatch(rs, k[0], k[1]), "status"), "ACTIVE");
    CHECK(json_array_size(gfdx_rows_appended(rs, &gfdx_outbox_table)) == before + 1);
    json_t *rec = emitted_body(rs, before), *want = json_pack("[s]", "bank-icbc-hq");
    CHECK(json_equal(gfdx_rec_get(rec, "bank_ids"), want));
    json_decref(want);
    json_decref(rec);
    CHECK_STR_EQ(alert_status(rs, "X-1"), "CLOSED");
    CHECK(assign(rs, "pbc-650000", "X-1", icbc_hq) == GFDX_DECIDE_OK); /* now organised: a no-op */
    CHECK(json_array_size(gfdx_rows_appended(rs, &gfdx_outbox_table)) == before + 1);
    ctx.registry = reg;
    gfdx_rowset_free(rs);
}

static void test_watch(void)
{
    static const char *const all[] = {"V-1", "V-2", "V-3", "V-4", "V-NONE", NULL};
    gfdx_rowset *rs = gfdx_rowset_new();
    json_t *emits;
    bool corrupt = true;
    add_need(rs, "V-1", "DISPATCHED");                         /* no bank: due on Thursday */
    add_need(rs, "V-2", "DISPATCHED");                         /* has a bank */
    add_dispatch(rs, "V-2", "bank-icbc-310000", "ACTIVE");
    add_need(rs, "V-3", "WITHDRAWN");                          /* withdrawn */
    add_need(rs, "V-4", "DISPATCHED");                         /* alerted and closed already */
    add_alert(rs, "V-4", "CLOSED");
    CHECK(watch(rs, WED, all, &emits, &corrupt) == 0 && !corrupt); /* before the limit */
    CHECK(json_array_size(emits) == 0 && !strcmp(alert_status(rs, "V-1"), "(none)"));
    json_decref(emits);
    int n = watch(rs, THU, all, &emits, &corrupt);
    CHECK_MSG(n == 1, "watch at the limit: %d (corrupt %d)", n, corrupt); /* at the limit: V-1 only */
    CHECK_STR_EQ(alert_status(rs, "V-1"), "OPEN");
    CHECK_STR_EQ(alert_status(rs, "V-2"), "(none)");
    CHECK_STR_EQ(alert_status(rs, "V-3"), "(none)");
    CHECK(json_array_size(emits) == 1);
    const json_t *e = json_array_get(emits, 0), *rec = json_object_get(e, "record");
    char id[37];
    push_alert_id("NO_BANK", "V-1", id);
    CHECK_STR_EQ(json_string_value(json_object_get(e, "topic")), "gfdx.alerts.pbc-hq-sh");
    CHECK_STR_EQ(json_string_value(json_object_get(e, "key")), id);
    CHECK_STR_EQ(json_string_value(json_object_get(e, "type")), "AlertRaised");
    CHECK_STR_EQ(gfdx_rec_str(rec, "alert_id"), id);
    CHECK_STR_EQ(gfdx_rec_str(rec, "kind"), "NO_BANK");
    CHECK_STR_EQ(gfdx_rec_str(rec, "branch"), "pbc-hq-sh");
    CHECK(json_is_null(json_object_get(rec, "bank_id")) && gfdx_rec_int(rec, "raised_at") == THU);
    json_t *facts = json_loads(gfdx_rec_str(rec, "facts"), 0, NULL);
    CHECK(facts && json_integer_value(json_object_get(facts, "working_days")) == 3 &&
          json_integer_value(json_object_get(facts, "limit_days")) == 3);
    json_decref(facts);
    /* the record fits the AlertRaised schema */
    json_t *full = json_deep_copy(rec);
    json_object_set_new(full, "meta", json_pack("{s:s, s:s, s:I, s:n}", "event_id", "e", "sender", "pboc",
                                                "occurred_at", (json_int_t)THU, "correlation_id"));
    unsigned char *bytes = NULL;
    size_t len = 0;
    char err[256] = "";
    CHECK_MSG(gfdx_serde_encode(gfdx_catalog_latest(cat, "AlertRaised"), full, &bytes, &len, err, sizeof err) ==
                  GFDX_SERDE_OK, "AlertRaised: %s", err);
    free(bytes);
    json_decref(full);
    json_decref(emits);
    CHECK(watch(rs, THU + 86400000LL, all, &emits, &corrupt) == 0); /* re-run: the row is there */
    CHECK(json_array_size(emits) == 0);
    json_decref(emits);
    push_alert_id("NO_BANK", "V-1", id);
    char id2[37];
    push_alert_id("NO_BANK", "V-2", id2);
    CHECK(strcmp(id, id2) != 0 && strlen(id) == 36);
    add_need(rs, "V-5", "PAUSED");
    static const char *const bad[] = {"V-5", NULL};
    CHECK(watch(rs, THU, bad, &emits, &corrupt) == -1 && corrupt);
    json_decref(emits);
    gfdx_rowset_free(rs);
}

int main(void)
{
    char err[512] = "";
    reg = load_registry_variant(true, NULL);
    pctx.routing = push_routing_load(GFDX_SOURCE_DIR "/deploy/routing.cfg", err, sizeof err);
    CHECK_MSG(pctx.routing != NULL, "%s", err);
    static char prefix[] = "gfdx.dispatch.";
    pctx.dispatch_prefix = prefix;
    cat = gfdx_catalog_load(GFDX_SOURCE_DIR "/schemas/avro", err, sizeof err);
    CHECK_MSG(cat != NULL, "%s", err);
    reg_ho = load_registry_variant(false, "  { id = \"bank-late-330000\"; kind = \"bank\"; region = \"330000\";"
                                          " name = \"浙江稠州商业银行\"; branches = [\"pbc-330000\"]; }");
    cal = gfdx_calendar_load(GFDX_SOURCE_DIR "/deploy/calendar.cfg", err, sizeof err);
    CHECK_MSG(cal != NULL, "%s", err);
    pctx.no_bank_alert_days = 3;
    static char alert_prefix[] = "gfdx.alerts.";
    pctx.alert_prefix = alert_prefix;
    ctx = (gfdx_context){.registry = reg, .calendar = cal, .catalog = cat, .service_participant = "pboc", .service_ctx = &pctx,
                         .max_message_bytes = 1000000, .now_ms = NOW};
    templ = json_loads(PUSHED, 0, NULL);
    CHECK(templ != NULL);
    if (reg && reg_ho && cal && pctx.routing && cat && templ) {
        test_push();
        test_push_then_withdraw();
        test_refusal_in_middle();
        test_loaded();
        test_authorization_first();
        test_head_offices();
        test_head_office_copy();
        test_dispatch_rows_appended();
        test_assign_authorization();
        test_assign_banks();
        test_assign_state();
        test_watch();
    }
    json_decref(templ);
    gfdx_catalog_free(cat);
    push_routing_free(pctx.routing);
    gfdx_registry_free(reg);
    gfdx_registry_free(reg_ho);
    gfdx_calendar_free(cal);
    return CHECK_DONE();
}
