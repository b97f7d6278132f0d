/* gfdx-intake's decisions (intake_decide.h) on a rowset built in memory, no database: every
 * record type's legal and illegal transitions, several records of one need in one batch, a
 * refusal in the middle of a batch (undone, the next records still apply), authorization
 * before state, the priority tags from district.current_entry, the deadline clock of a
 * NeedRecommended, NeedMatchingStatus's sequence rules, the records emitted for the PBoC
 * and the delivery of NeedPushed. Each record is decided as the pipeline does: mark, decide,
 * undo on anything but OK. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "avro_serde.h"
#include "check.h"
#include "intake/intake.h"
#include "intake/intake_decide.h"
#include "intake/intake_fsm.h"
#include "intake/intake_store.h"
#include "outbox.h"
#include "rowset.h"
#include "service.h"

#define NOW_MS 1775000000000LL     /* the batch's wall clock */
#define MAR13_MS 1773383401000LL   /* 2026-03-13: within 2026Q1 */
#define APR10_MS 1775786400000LL   /* 2026-04-10: after 2026Q1's last working day */
#define NEED "GFN-2026-330000-00001"
#define USCC "913307009258991342"

static const gfdx_participant MIIT = {.id = "miit", .name = "MIIT", .kind = GFDX_PK_MIIT, .region = "100000"};
static const gfdx_participant ZJ = {
    .id = "prov-330000", .name = "Zhejiang", .kind = GFDX_PK_PROVINCE_AUTHORITY, .region = "330000"};
static const gfdx_participant SH = {
    .id = "prov-310000", .name = "Shanghai", .kind = GFDX_PK_PROVINCE_AUTHORITY, .region = "310000"};
static const gfdx_participant PBOC = {.id = "pboc", .name = "PBoC", .kind = GFDX_PK_PBOC, .region = "100000"};

/* The authorities of areas that report separately like provinces (seed 003). */
static const gfdx_participant NB = {
    .id = "prov-330200", .name = "宁波市经济和信息化局", .kind = GFDX_PK_PROVINCE_AUTHORITY, .region = "330200"};
static const gfdx_participant XJ = {
    .id = "prov-650000", .name = "新疆", .kind = GFDX_PK_PROVINCE_AUTHORITY, .region = "650000"};
static const gfdx_participant XJBT = {
    .id = "xjbt", .name = "新疆生产建设兵团工业和信息化局", .kind = GFDX_PK_PROVINCE_AUTHORITY, .region = "660000"};

static intake_settings settings = {.matching_sender = "pboc", .max_sequence_jump = 1000};
static gfdx_context ctx = {.service_participant = "miit", .service_ctx = &settings,
                           .max_message_bytes = 1000000, .now_ms = NOW_MS};

/* The NeedSubmitted of deploy/sample/make_needs.py --seed 3, as the reader schema shapes it. */
static const char *const SUBMITTED_JSON =
    "{\"meta\": {\"sender\": \"miit\", \"occurred_at\": 1770624399996, \"correlation_id\": null},"
    " \"need_id\": \"" NEED "\", \"factory\": {\"uscc\": \"" USCC "\", \"name\": \"浙江瑞德特钢有限公司\","
    " \"province\": \"330000\", \"city\": \"金华市\", \"district\": \"东阳市\", \"green_level\": \"NATIONAL\","
    " \"green_code_grade\": \"B\", \"size\": \"MICRO\"}, \"project\": {\"name\": \"浙江瑞德特钢废水近零排放改造项目\","
    " \"kind\": \"TECH_UPGRADE\", \"measures\": [\"WATER_SAVING_POLLUTION\", \"INDUSTRIAL_GREEN_MICROGRID\"],"
    " \"catalogue_code\": \"2.2.1\", \"location_region\": \"330700\", \"location\": \"浙江省金华市东阳市工业园区\","
    " \"start_date\": \"2025-11-25\", \"end_date\": \"2026-07-26\", \"total_investment\": 1509520000,"
    " \"equity\": 304450000, \"financing_amount\": 1150000000, \"financing_types\": [\"MEDIUM_LONG_TERM_LOAN\"],"
    " \"term_months\": 120, \"guarantee\": \"土地及厂房抵押\", \"energy_saving_tce\": 104.4,"
    " \"co2_reduction_t\": 263.5, \"water_saving_t\": 11614.2, \"digital_maturity\": 1}, \"is_major\": false,"
    " \"contact\": {\"name\": \"段晨平\", \"phone\": \"15920555266\", \"email\": \"finance.925899@example.com\"},"
    " \"submission_channel\": \"MIIT_PLATFORM\"}";

static json_t *submitted_body(void)
{
    json_t *b = json_loads(SUBMITTED_JSON, 0, NULL);
    if (!b) {
        fprintf(stderr, "fixture does not parse\n");
        exit(2);
    }
    return b;
}

/* One decision as the pipeline makes it; the verdict's code and reason in last_code/last_reason. */
static char last_code[48], last_reason[512];
static bool last_transient;
static int n_events;

static gfdx_verdict decide(gfdx_rowset *rs, gfdx_decide_fn fn, const char *type, json_t *body,
                           const gfdx_participant *who, int64_t clock_ms)
{
    char eid[32];
    snprintf(eid, sizeof eid, "ev-%d", ++n_events);
    const char *key = json_string_value(json_object_get(body, "need_id"));
    gfdx_record rec = {.topic = strcmp(type, "NeedMatchingStatus") ? "gfdx.needs" : "gfdx.matching-status",
                       .key = key ? key : "", .body = body, .type = type, .event_id = eid,
                       .sender_id = who->id, .occurred_at = MAR13_MS - 5000, /* the sender's claim */
                       .clock = {.ms = clock_ms, .source = GFDX_CLOCK_LOG_APPEND}};
    gfdx_decision d = {.rec = &rec, .sender = who, .ctx = &ctx, .rows = rs};
    gfdx_rows_mark m = gfdx_rowset_mark(rs);
    gfdx_verdict v = fn(&d);
    if (v != GFDX_DECIDE_OK)
        gfdx_rowset_undo(rs, m);
    snprintf(last_code, sizeof last_code, "%s", v == GFDX_DECIDE_OK ? "OK" : d.reason_code);
    snprintf(last_reason, sizeof last_reason, "%s", d.reason);
    last_transient = d.transient;
    json_decref(body);
    return v;
}

static gfdx_verdict submit(gfdx_rowset *rs, const gfdx_participant *who)
{
    return decide(rs, intake_decide_submitted, "NeedSubmitted", submitted_body(), who, MAR13_MS);
}

static gfdx_verdict revise(gfdx_rowset *rs, const gfdx_participant *who, const char *field, json_t *value)
{
    json_t *b = submitted_body();
    if (field)
        json_object_set_new(json_object_get(b, "project"), field, value);
    return decide(rs, intake_decide_revised, "NeedRevised", b, who, MAR13_MS);
}

static gfdx_verdict review(gfdx_rowset *rs, const gfdx_participant *who, const char *need_id, const char *decision)
{
    json_t *b = json_pack("{s:s, s:s, s:n, s:s}", "need_id", need_id, "decision", decision, "comment", "reviewer",
                          "石霞");
    return decide(rs, intake_decide_reviewed, "NeedReviewed", b, who, MAR13_MS);
}

static gfdx_verdict recommend(gfdx_rowset *rs, const gfdx_participant *who, const char *quarter, int64_t clock)
{
    json_t *b = json_pack("{s:s, s:s, s:s}", "need_id", NEED, "quarter", quarter, "batch_id", "330000-2026Q1-B02");
    return decide(rs, intake_decide_recommended, "NeedRecommended", b, who, clock);
}

static gfdx_verdict withdraw(gfdx_rowset *rs, const gfdx_participant *who, const char *need_id)
{
    json_t *b = json_pack("{s:s, s:s}", "need_id", need_id, "reason", "项目取消");
    return decide(rs, intake_decide_withdrawn, "NeedWithdrawn", b, who, MAR13_MS);
}

static gfdx_verdict matching(gfdx_rowset *rs, const gfdx_participant *who, long long seq, long long approved)
{
    json_t *b = json_pack("{s:s, s:s, s:I, s:I, s:i, s:I, s:I, s:i, s:I}", "need_id", NEED, "overall", "APPROVED",
                          "banks_contacted", (json_int_t)3, "banks_approved", (json_int_t)approved,
                          "banks_declined", 0, "approved_total", (json_int_t)900000000, "disbursed_total",
                          (json_int_t)0, "open_obstacles", 0, "sequence", (json_int_t)seq);
    return decide(rs, intake_decide_matching_status, "NeedMatchingStatus", b, who, MAR13_MS);
}

static const json_t *need(const gfdx_rowset *rs, const char *need_id)
{
    const char *k[] = {need_id};
    return gfdx_rows_get(rs, &intake_need_table, k);
}

static const char *status_of(const gfdx_rowset *rs)
{
    const json_t *n = need(rs, NEED);
    return n ? gfdx_rows_str(n, "status") : "NONE";
}

static size_t events(const gfdx_rowset *rs)
{
    return json_array_size(gfdx_rows_appended(rs, &intake_need_event_table));
}

static const json_t *event(const gfdx_rowset *rs, size_t i)
{
    return json_array_get(gfdx_rows_appended(rs, &intake_need_event_table), i);
}

/* A need as loaded from intake.need in `status` (what to_jsonb would give, trimmed). */
static void add_need(gfdx_rowset *rs, const char *status)
{
    json_t *row = json_pack("{s:s, s:s, s:s, s:b, s:[s], s:i, s:I, s:o}", "need_id", NEED, "province", "330000",
                            "status", status, "is_major", 0, "priority_tags", "GREEN_FACTORY", "revision", 2,
                            "matching_sequence", (json_int_t)0, "snapshot", submitted_body());
    CHECK(row && gfdx_rowset_add(rs, &intake_need_table, row) == 0);
}

static void test_submit(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    CHECK(gfdx_rowset_add(rs, &intake_current_entry_table,
                          json_pack("{s:s, s:s, s:s, s:s, s:s}", "region", "100000", "list_id", "L2", "entry_key", "a", "uscc", USCC,
                                    "kind", "GREEN_FACTORY")) == 0);
    CHECK(gfdx_rowset_add(rs, &intake_current_entry_table,
                          json_pack("{s:s, s:s, s:s, s:s, s:s}", "region", "100000", "list_id", "L1", "entry_key", "b", "uscc", USCC,
                                    "kind", "EFFICIENCY_LEADER")) == 0);
    CHECK(gfdx_rowset_add(rs, &intake_current_entry_table,
                          json_pack("{s:s, s:s, s:s, s:s, s:s}", "region", "100000", "list_id", "L3", "entry_key", "c", "uscc", USCC,
                                    "kind", "GREEN_FACTORY")) == 0);
    CHECK(gfdx_rowset_add(rs, &intake_current_entry_table,
                          json_pack("{s:s, s:s, s:s, s:s, s:s}", "region", "100000", "list_id", "L1", "entry_key", "d", "uscc",
                                    "91350100M000100Y43", "kind", "LITTLE_GIANT")) == 0);
    CHECK(submit(rs, &MIIT) == GFDX_DECIDE_OK);
    const json_t *n = need(rs, NEED);
    CHECK(n != NULL);
    CHECK_STR_EQ(gfdx_rows_str(n, "status"), "SUBMITTED");
    CHECK_STR_EQ(gfdx_rows_str(n, "province"), "330000");
    CHECK_STR_EQ(gfdx_rows_str(n, "uscc"), USCC);
    CHECK_STR_EQ(gfdx_rows_str(n, "location_region"), "330700");
    CHECK_STR_EQ(gfdx_rows_str(n, "catalogue_code"), "2.2.1");
    CHECK(gfdx_rows_int(n, "financing_amount") == 1150000000);
    CHECK(gfdx_rows_int(n, "revision") == 0 && gfdx_rows_int(n, "matching_sequence") == 0);
    CHECK(json_is_false(json_object_get(n, "late")) && json_is_false(json_object_get(n, "is_major")));
    CHECK(gfdx_rows_time_ms(json_object_get(n, "submitted_at")) == MAR13_MS - 5000);
    CHECK(gfdx_rows_time_ms(json_object_get(n, "updated_at")) == NOW_MS);
    json_t *tags = json_pack("[s, s]", "EFFICIENCY_LEADER", "GREEN_FACTORY");
    CHECK_MSG(json_equal(json_object_get(n, "priority_tags"), tags), "the distinct kinds of the uscc, sorted");
    json_decref(tags);
    CHECK(json_is_object(json_object_get(n, "snapshot")));
    CHECK(events(rs) == 1);
    CHECK(json_is_null(json_object_get(event(rs, 0), "from_status")));
    CHECK_STR_EQ(gfdx_rows_str(event(rs, 0), "to_status"), "SUBMITTED");
    CHECK_STR_EQ(gfdx_rows_str(event(rs, 0), "record_type"), "NeedSubmitted");
    CHECK_STR_EQ(gfdx_rows_str(event(rs, 0), "sender"), "miit");

    CHECK(submit(rs, &MIIT) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "ILLEGAL_TRANSITION");
    CHECK_STR_EQ(last_reason, "SUBMIT is not allowed for need " NEED " in state SUBMITTED");
    CHECK(events(rs) == 1);
    gfdx_rowset_free(rs);
}

static void test_submit_refused(void)
{
    gfdx_rowset *rs = gfdx_rowset_new(); /* no district.current_entry rows: no tags */
    CHECK(submit(rs, &ZJ) == GFDX_DECIDE_OK);
    CHECK(json_array_size(json_object_get(need(rs, NEED), "priority_tags")) == 0);
    gfdx_rowset_free(rs);

    rs = gfdx_rowset_new();
    json_t *bad = submitted_body();
    json_object_set_new(json_object_get(bad, "project"), "financing_amount", json_integer(-1));
    CHECK(decide(rs, intake_decide_submitted, "NeedSubmitted", bad, &MIIT, MAR13_MS) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "NEGATIVE_AMOUNT");
    CHECK(need(rs, NEED) == NULL && events(rs) == 0);
    CHECK(submit(rs, &SH) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "UNAUTHORIZED_SENDER");
    CHECK_STR_EQ(last_reason, "prov-310000 (province_authority) may not submit need " NEED);
    CHECK(submit(rs, &PBOC) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "UNAUTHORIZED_SENDER");
    gfdx_rowset_free(rs);
}

static void test_revise(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    CHECK(revise(rs, &ZJ, NULL, NULL) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "UNAUTHORIZED_SENDER"); /* only MIIT may learn that an id does not exist */
    CHECK_STR_EQ(last_reason, "prov-330000 (province_authority) may not revise need " NEED);
    CHECK(revise(rs, &MIIT, NULL, NULL) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "UNKNOWN_NEED");
    CHECK_STR_EQ(last_reason, "need " NEED " does not exist");

    CHECK(submit(rs, &MIIT) == GFDX_DECIDE_OK);
    CHECK(revise(rs, &ZJ, "financing_amount", json_integer(1000000000)) == GFDX_DECIDE_OK);
    const json_t *n = need(rs, NEED);
    CHECK_STR_EQ(gfdx_rows_str(n, "status"), "SUBMITTED");
    CHECK(gfdx_rows_int(n, "revision") == 1 && gfdx_rows_int(n, "financing_amount") == 1000000000);
    CHECK(gfdx_rows_time_ms(json_object_get(n, "submitted_at")) == MAR13_MS - 5000);
    CHECK(events(rs) == 2);
    CHECK_STR_EQ(gfdx_rows_str(event(rs, 1), "from_status"), "SUBMITTED");

    json_t *moved = submitted_body();
    json_t *f = json_object_get(moved, "factory");
    json_object_set_new(f, "province", json_string("310000"));
    json_object_set_new(f, "uscc", json_string("91350100M000100Y43"));
    json_object_set_new(json_object_get(moved, "project"), "location_region", json_string("310115"));
    CHECK(decide(rs, intake_decide_revised, "NeedRevised", moved, &MIIT, MAR13_MS) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "INVALID_FIELD");
    CHECK_STR_EQ(last_reason, "a revision may not move need " NEED " from province 330000 to 310000");

    CHECK(review(rs, &ZJ, NEED, "RETURNED") == GFDX_DECIDE_OK);
    CHECK_STR_EQ(status_of(rs), "RETURNED");
    CHECK(revise(rs, &MIIT, NULL, NULL) == GFDX_DECIDE_OK);
    CHECK_STR_EQ(status_of(rs), "SUBMITTED");
    CHECK(gfdx_rows_int(need(rs, NEED), "revision") == 2);
    CHECK(review(rs, &ZJ, NEED, "REJECTED") == GFDX_DECIDE_OK);
    CHECK(revise(rs, &MIIT, NULL, NULL) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_reason, "REVISE is not allowed for need " NEED " in state REJECTED");
    gfdx_rowset_free(rs);
}

/* Submit, review, recommend of one need in one batch: each sees the one before. A refused
 * record in the middle leaves no rows and the next one still applies. */
static void test_one_batch(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    CHECK(submit(rs, &MIIT) == GFDX_DECIDE_OK);
    CHECK(recommend(rs, &ZJ, "2026Q1", MAR13_MS) == GFDX_DECIDE_REFUSED); /* not approved yet */
    CHECK_STR_EQ(last_reason, "RECOMMEND is not allowed for need " NEED " in state SUBMITTED");
    CHECK(review(rs, &SH, NEED, "APPROVED") == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "UNAUTHORIZED_SENDER");
    CHECK(review(rs, &MIIT, NEED, "APPROVED") == GFDX_DECIDE_REFUSED); /* MIIT files, provinces decide */
    CHECK_STR_EQ(last_reason, "miit (miit) may not review need " NEED);
    CHECK(events(rs) == 1 && !strcmp(status_of(rs), "SUBMITTED"));
    CHECK(review(rs, &ZJ, NEED, "APPROVED") == GFDX_DECIDE_OK);
    const json_t *n = need(rs, NEED);
    CHECK_STR_EQ(gfdx_rows_str(n, "status"), "APPROVED");
    CHECK_STR_EQ(gfdx_rows_str(n, "reviewer"), "石霞");
    CHECK(json_is_null(json_object_get(n, "review_comment")));
    CHECK(review(rs, &ZJ, NEED, "APPROVED") == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_reason, "APPROVE is not allowed for need " NEED " in state APPROVED");
    CHECK(recommend(rs, &ZJ, "2026Q5", MAR13_MS) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "INVALID_QUARTER");
    CHECK(!strncmp(last_reason, "quarter \"2026Q5\": ", 18));
    CHECK(recommend(rs, &SH, "2026Q1", MAR13_MS) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "UNAUTHORIZED_SENDER");
    CHECK(events(rs) == 2);
    CHECK_MSG(recommend(rs, &ZJ, "2026Q1", MAR13_MS) == GFDX_DECIDE_OK, "%s %s", last_code, last_reason);
    n = need(rs, NEED);
    CHECK_STR_EQ(gfdx_rows_str(n, "status"), "RECOMMENDED");
    CHECK_STR_EQ(gfdx_rows_str(n, "quarter"), "2026Q1");
    CHECK_STR_EQ(gfdx_rows_str(n, "requested_quarter"), "2026Q1");
    CHECK_STR_EQ(gfdx_rows_str(n, "batch_id"), "330000-2026Q1-B02");
    CHECK_STR_EQ(gfdx_rows_str(n, "recommended_by"), "prov-330000");
    CHECK(json_is_false(json_object_get(n, "late")));
    CHECK(gfdx_rows_int(n, "revision") == 0); /* only a revision counts */
    CHECK(events(rs) == 3);
    CHECK_STR_EQ(gfdx_rows_str(event(rs, 2), "from_status"), "APPROVED");
    CHECK_STR_EQ(gfdx_rows_str(event(rs, 2), "to_status"), "RECOMMENDED");
    CHECK(withdraw(rs, &SH, NEED) == GFDX_DECIDE_REFUSED);
    CHECK(withdraw(rs, &MIIT, NEED) == GFDX_DECIDE_OK);
    CHECK_STR_EQ(status_of(rs), "WITHDRAWN");
    CHECK(withdraw(rs, &MIIT, NEED) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_reason, "WITHDRAW is not allowed for need " NEED " in state WITHDRAWN");
    CHECK(events(rs) == 4);
    gfdx_rowset_free(rs);
}

/* The deadline clock decides lateness, never meta.occurred_at: a recommendation taken in on
 * 10 April for 2026Q1 is late and goes to 2026Q2; a major need keeps its quarter. */
static void test_deadline(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    add_need(rs, "APPROVED");
    CHECK(recommend(rs, &ZJ, "2026Q1", APR10_MS) == GFDX_DECIDE_OK);
    const json_t *n = need(rs, NEED);
    CHECK_STR_EQ(gfdx_rows_str(n, "quarter"), "2026Q2");
    CHECK_STR_EQ(gfdx_rows_str(n, "requested_quarter"), "2026Q1");
    CHECK(json_is_true(json_object_get(n, "late")));
    CHECK(gfdx_rows_time_ms(json_object_get(n, "updated_at")) == NOW_MS);
    CHECK(gfdx_rows_int(n, "revision") == 2); /* the loaded row's other columns are kept */
    gfdx_rowset_free(rs);

    rs = gfdx_rowset_new();
    json_t *row = json_pack("{s:s, s:s, s:s, s:b, s:[], s:o}", "need_id", NEED, "province", "330000", "status",
                            "APPROVED", "is_major", 1, "priority_tags", "snapshot", submitted_body());
    CHECK(gfdx_rowset_add(rs, &intake_need_table, row) == 0);
    CHECK(recommend(rs, &ZJ, "2026Q1", APR10_MS) == GFDX_DECIDE_OK);
    CHECK_STR_EQ(gfdx_rows_str(need(rs, NEED), "quarter"), "2026Q1");
    CHECK(json_is_false(json_object_get(need(rs, NEED), "late")));
    gfdx_rowset_free(rs);
}

/* The same sentence whether the need exists, is in another province or in a final state. */
/* The fixture need moved to (province, location): need_id becomes id. */
static json_t *body_at(const char *id, const char *province, const char *location)
{
    json_t *b = submitted_body();
    json_object_set_new(b, "need_id", json_string(id));
    json_object_set_new(json_object_get(b, "factory"), "province", json_string(province));
    json_object_set_new(json_object_get(b, "project"), "location_region", json_string(location));
    return b;
}

static gfdx_verdict submit_at(gfdx_rowset *rs, const gfdx_participant *who, const char *id, const char *province,
                              const char *location)
{
    return decide(rs, intake_decide_submitted, "NeedSubmitted", body_at(id, province, location), who, MAR13_MS);
}

static gfdx_verdict recommend_id(gfdx_rowset *rs, const gfdx_participant *who, const char *id)
{
    json_t *b = json_pack("{s:s, s:s, s:s}", "need_id", id, "quarter", "2026Q1", "batch_id", "B01");
    return decide(rs, intake_decide_recommended, "NeedRecommended", b, who, MAR13_MS);
}

/* A 计划单列市's need (project in 宁波 330212, factory registered in 浙江 330000) is reviewed
 * and recommended by 宁波's authority, not 浙江's; 浙江's keeps its other cities' needs. */
static void test_area_plan_city(void)
{
    const char *nb = "GFN-2026-330000-00201", *jh = "GFN-2026-330000-00202";
    gfdx_rowset *rs = gfdx_rowset_new();
    CHECK(submit_at(rs, &ZJ, nb, "330000", "330212") == GFDX_DECIDE_REFUSED); /* not 浙江's to file */
    CHECK_STR_EQ(last_code, "UNAUTHORIZED_SENDER");
    CHECK(submit_at(rs, &MIIT, nb, "330000", "330212") == GFDX_DECIDE_OK);
    CHECK(submit_at(rs, &NB, jh, "330000", "330700") == GFDX_DECIDE_REFUSED); /* 金华: not 宁波's */
    CHECK(submit_at(rs, &MIIT, jh, "330000", "330700") == GFDX_DECIDE_OK);
    CHECK(review(rs, &ZJ, nb, "APPROVED") == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "UNAUTHORIZED_SENDER");
    CHECK_STR_EQ(last_reason, "prov-330000 (province_authority) may not review need GFN-2026-330000-00201");
    CHECK(review(rs, &NB, jh, "APPROVED") == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "UNAUTHORIZED_SENDER");
    CHECK_MSG(review(rs, &NB, nb, "APPROVED") == GFDX_DECIDE_OK, "%s %s", last_code, last_reason);
    CHECK(review(rs, &ZJ, jh, "APPROVED") == GFDX_DECIDE_OK);
    CHECK(recommend_id(rs, &ZJ, nb) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "UNAUTHORIZED_SENDER");
    CHECK(recommend_id(rs, &NB, nb) == GFDX_DECIDE_OK);
    CHECK_STR_EQ(gfdx_rows_str(need(rs, nb), "recommended_by"), "prov-330200");
    CHECK_STR_EQ(gfdx_rows_str(need(rs, nb), "status"), "RECOMMENDED");
    CHECK(withdraw(rs, &ZJ, nb) == GFDX_DECIDE_REFUSED);
    CHECK(withdraw(rs, &NB, jh) == GFDX_DECIDE_REFUSED);
    CHECK(withdraw(rs, &NB, nb) == GFDX_DECIDE_OK);
    /* a revision is authorized on the stored area and on the new one */
    json_t *moved = body_at(jh, "330000", "330212");
    CHECK(decide(rs, intake_decide_revised, "NeedRevised", moved, &ZJ, MAR13_MS) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "UNAUTHORIZED_SENDER");
    CHECK_STR_EQ(gfdx_rows_str(need(rs, jh), "location_region"), "330700");
    gfdx_rowset_free(rs);
}

/* The 兵团's needs (project in a 兵团 city, 6590xx) are xjbt's, not 新疆's; 新疆's other needs
 * are 新疆's, not xjbt's. */
static void test_area_bingtuan(void)
{
    const char *bt = "GFN-2026-650000-00001", *xj = "GFN-2026-650000-00002";
    gfdx_rowset *rs = gfdx_rowset_new();
    CHECK(submit_at(rs, &MIIT, bt, "650000", "659001") == GFDX_DECIDE_OK); /* 石河子市 */
    CHECK(submit_at(rs, &MIIT, xj, "650000", "650102") == GFDX_DECIDE_OK); /* 乌鲁木齐市天山区 */
    CHECK(review(rs, &XJ, bt, "APPROVED") == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "UNAUTHORIZED_SENDER");
    CHECK(review(rs, &XJBT, xj, "APPROVED") == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_reason, "xjbt (province_authority) may not review need GFN-2026-650000-00002");
    CHECK(review(rs, &XJBT, bt, "APPROVED") == GFDX_DECIDE_OK);
    CHECK(review(rs, &XJ, xj, "APPROVED") == GFDX_DECIDE_OK);
    CHECK(recommend_id(rs, &XJ, bt) == GFDX_DECIDE_REFUSED);
    CHECK(recommend_id(rs, &XJBT, bt) == GFDX_DECIDE_OK);
    CHECK_STR_EQ(gfdx_rows_str(need(rs, bt), "recommended_by"), "xjbt");
    CHECK(recommend_id(rs, &XJ, xj) == GFDX_DECIDE_OK);
    /* 660000 is no GB/T 2260 province: a filing in it is refused by validation */
    CHECK(submit_at(rs, &MIIT, "GFN-2026-660000-00001", "660000", "659001") == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "UNKNOWN_REGION");
    gfdx_rowset_free(rs);
}

/* A recommendation whose quarter needs a year the calendar does not cover (the shipped file
 * covers 2025-2026): accepted, quarter by the provisional rule, marked on the row and in the
 * need_event; a covered year's is official and unmarked. */
static void test_calendar_provisional(void)
{
    const int64_t feb2031 = 1928107200000LL; /* 2031-02-06T01:20:00Z */
    const int64_t apr2031 = 1933380000000LL; /* 2031-04-08T02:00:00Z */
    gfdx_rowset *rs = gfdx_rowset_new();
    add_need(rs, "APPROVED");
    CHECK_MSG(recommend(rs, &ZJ, "2030Q4", feb2031) == GFDX_DECIDE_OK, "%s %s", last_code, last_reason);
    const json_t *n = need(rs, NEED);
    CHECK_STR_EQ(gfdx_rows_str(n, "quarter"), "2031Q1");
    CHECK(json_is_true(json_object_get(n, "late")));
    CHECK(json_is_true(json_object_get(n, "quarter_provisional")));
    CHECK(gfdx_rows_int(n, "quarter_uncovered_year") == 2030); /* the first uncovered year it looked at */
    const json_t *cal = json_object_get(json_object_get(event(rs, 0), "detail"), "calendar");
    CHECK(json_is_false(json_object_get(cal, "official")));
    CHECK(json_integer_value(json_object_get(cal, "uncovered_year")) == 2030);
    CHECK_STR_EQ(json_string_value(json_object_get(cal, "notice")), "国务院办公厅关于2030年部分节假日安排的通知");
    CHECK_STR_EQ(gfdx_rows_str(json_object_get(event(rs, 0), "detail"), "batch_id"), "330000-2026Q1-B02");
    gfdx_rowset_free(rs);

    rs = gfdx_rowset_new();
    add_need(rs, "APPROVED");
    CHECK(recommend(rs, &ZJ, "2031Q1", apr2031) == GFDX_DECIDE_OK); /* after Mon 31 Mar 2031: late */
    CHECK_STR_EQ(gfdx_rows_str(need(rs, NEED), "quarter"), "2031Q2");
    CHECK(gfdx_rows_int(need(rs, NEED), "quarter_uncovered_year") == 2031);
    gfdx_rowset_free(rs);

    rs = gfdx_rowset_new();
    add_need(rs, "APPROVED");
    CHECK(recommend(rs, &ZJ, "2026Q1", MAR13_MS) == GFDX_DECIDE_OK);
    n = need(rs, NEED);
    CHECK(json_is_false(json_object_get(n, "quarter_provisional")));
    CHECK(json_is_null(json_object_get(n, "quarter_uncovered_year")));
    CHECK(json_object_get(json_object_get(event(rs, 0), "detail"), "calendar") == NULL);
    gfdx_rowset_free(rs);

    rs = gfdx_rowset_new(); /* a submission spells the default out */
    CHECK(submit(rs, &MIIT) == GFDX_DECIDE_OK);
    CHECK(json_is_false(json_object_get(need(rs, NEED), "quarter_provisional")));
    gfdx_rowset_free(rs);
}

static void test_authorization_first(void)
{
    char absent[512], present[512], final[512];
    gfdx_rowset *rs = gfdx_rowset_new();
    CHECK(review(rs, &SH, NEED, "APPROVED") == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "UNAUTHORIZED_SENDER");
    snprintf(absent, sizeof absent, "%s", last_reason);
    add_need(rs, "SUBMITTED");
    CHECK(review(rs, &SH, NEED, "APPROVED") == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "UNAUTHORIZED_SENDER");
    snprintf(present, sizeof present, "%s", last_reason);
    CHECK(withdraw(rs, &MIIT, NEED) == GFDX_DECIDE_OK);
    CHECK(review(rs, &SH, NEED, "APPROVED") == GFDX_DECIDE_REFUSED);
    snprintf(final, sizeof final, "%s", last_reason);
    CHECK_STR_EQ(absent, "prov-310000 (province_authority) may not review need " NEED);
    CHECK_STR_EQ(present, absent);
    CHECK_STR_EQ(final, absent);
    CHECK(withdraw(rs, &SH, "GFN-NOT-THERE") == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_reason, "prov-310000 (province_authority) may not withdraw need GFN-NOT-THERE");
    CHECK(withdraw(rs, &SH, NEED) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_reason, "prov-310000 (province_authority) may not withdraw need " NEED);
    CHECK(withdraw(rs, &MIIT, "GFN-NOT-THERE") == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "UNKNOWN_NEED");
    gfdx_rowset_free(rs);
}

static void test_matching(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    CHECK(matching(rs, &MIIT, 1, 1) == GFDX_DECIDE_REFUSED); /* before the need is looked at */
    CHECK_STR_EQ(last_code, "UNAUTHORIZED_SENDER");
    CHECK_STR_EQ(last_reason, "miit may not report matching status: only pboc does");
    CHECK(matching(rs, &PBOC, 1, 1) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "UNKNOWN_NEED");
    add_need(rs, "PUSHED");
    CHECK(matching(rs, &MIIT, 1, 1) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_reason, "miit may not report matching status: only pboc does");
    CHECK(matching(rs, &PBOC, 2000, 1) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_code, "INVALID_FIELD");
    CHECK_STR_EQ(last_reason, "need " NEED ": sequence 2000 jumps more than 1000 past the applied sequence 0");
    CHECK(matching(rs, &PBOC, 1, -1) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(last_reason, "need " NEED ": banks_approved -1 is negative");
    CHECK(events(rs) == 0);
    CHECK(matching(rs, &PBOC, 2, 2) == GFDX_DECIDE_OK);
    const json_t *n = need(rs, NEED);
    CHECK_STR_EQ(gfdx_rows_str(n, "status"), "PUSHED");
    CHECK_STR_EQ(gfdx_rows_str(n, "financing_outcome"), "APPROVED");
    CHECK(gfdx_rows_int(n, "banks_approved") == 2 && gfdx_rows_int(n, "matching_sequence") == 2);
    CHECK(gfdx_rows_int(n, "approved_total") == 900000000 && gfdx_rows_int(n, "banks_contacted") == 3);
    CHECK(gfdx_rows_time_ms(json_object_get(n, "updated_at")) == NOW_MS);
    CHECK(events(rs) == 1);
    CHECK_STR_EQ(gfdx_rows_str(event(rs, 0), "from_status"), "PUSHED");
    CHECK_STR_EQ(gfdx_rows_str(event(rs, 0), "to_status"), "PUSHED");
    /* an older status arriving late: history only */
    CHECK(matching(rs, &PBOC, 1, 9) == GFDX_DECIDE_OK);
    CHECK(gfdx_rows_int(need(rs, NEED), "banks_approved") == 2);
    CHECK(gfdx_rows_int(need(rs, NEED), "matching_sequence") == 2);
    CHECK(events(rs) == 2);
    CHECK(matching(rs, &PBOC, 0, 9) == GFDX_DECIDE_OK); /* v1 after a sequenced one: history only */
    CHECK(gfdx_rows_int(need(rs, NEED), "banks_approved") == 2);
    CHECK(matching(rs, &PBOC, 1002, 3) == GFDX_DECIDE_OK); /* 1000 past 2 is allowed */
    CHECK(gfdx_rows_int(need(rs, NEED), "matching_sequence") == 1002);
    gfdx_rowset_free(rs);
}

static void test_delivered(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    add_need(rs, "RECOMMENDED");
    gfdx_delivery dl = {.record_type = "NeedPushed", .key = NEED, .event_id = "out-1"};
    CHECK(intake_decide_delivered(rs, &dl, NOW_MS) == 1);
    const json_t *n = need(rs, NEED);
    CHECK_STR_EQ(gfdx_rows_str(n, "status"), "PUSHED");
    CHECK(gfdx_rows_time_ms(json_object_get(n, "updated_at")) == NOW_MS);
    CHECK(gfdx_rows_int(n, "revision") == 2);
    CHECK(events(rs) == 1);
    const json_t *e = event(rs, 0);
    CHECK_STR_EQ(gfdx_rows_str(e, "event_id"), "out-1");
    CHECK_STR_EQ(gfdx_rows_str(e, "record_type"), "NeedPushed");
    CHECK_STR_EQ(gfdx_rows_str(e, "sender"), "gfdx-intake");
    CHECK_STR_EQ(gfdx_rows_str(e, "from_status"), "RECOMMENDED");
    CHECK_STR_EQ(gfdx_rows_str(e, "to_status"), "PUSHED");
    CHECK_STR_EQ(gfdx_rows_str(json_object_get(e, "detail"), "delivered_to"), INTAKE_PUSH_TOPIC);
    CHECK(intake_decide_delivered(rs, &dl, NOW_MS) == 0); /* delivered twice: once PUSHED */
    CHECK(events(rs) == 1);
    gfdx_delivery other = {.record_type = "NeedPushed", .key = "GFN-NOT-THERE", .event_id = "out-2"};
    CHECK(intake_decide_delivered(rs, &other, NOW_MS) == 0);
    gfdx_rowset_free(rs);

    rs = gfdx_rowset_new(); /* withdrawn before its NeedPushed was delivered: stays withdrawn */
    add_need(rs, "RECOMMENDED");
    CHECK(withdraw(rs, &ZJ, NEED) == GFDX_DECIDE_OK);
    CHECK(intake_decide_delivered(rs, &dl, NOW_MS) == 0);
    CHECK_STR_EQ(status_of(rs), "WITHDRAWN");
    gfdx_rowset_free(rs);
}

/* A status the state machine does not know is stored data that cannot be read: permanent. */
static void test_corrupt(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    add_need(rs, "LOST");
    CHECK(review(rs, &ZJ, NEED, "APPROVED") == GFDX_DECIDE_FAILED);
    CHECK(!last_transient);
    CHECK(submit(rs, &MIIT) == GFDX_DECIDE_FAILED);
    CHECK(events(rs) == 0);
    gfdx_rowset_free(rs);
}

/* The i-th record staged for the outbox, decoded; its topic, type and key in the out
 * parameters. NULL when there is none or it does not decode. Caller json_decref()s. */
static json_t *emitted(const gfdx_rowset *rs, size_t i, const char **topic, const char **type, char key[64])
{
    const json_t *row = json_array_get(gfdx_rows_appended(rs, &gfdx_outbox_table), i);
    const char *hex = row ? gfdx_rows_str(row, "value") : NULL, *khex = row ? gfdx_rows_str(row, "key") : NULL;
    if (!hex || strncmp(hex, "\\x", 2) || !khex)
        return NULL;
    *topic = gfdx_rows_str(row, "topic");
    *type = gfdx_rows_str(row, "record_type");
    size_t k = 0;
    for (const char *h = khex + 2; h[0] && h[1] && k < 63; h += 2) {
        unsigned v;
        sscanf(h, "%2x", &v);
        key[k++] = (char)v;
    }
    key[k] = '\0';
    size_t n = strlen(hex + 2) / 2;
    unsigned char *bytes = malloc(n ? n : 1);
    for (size_t j = 0; bytes && j < n; j++) {
        unsigned v;
        sscanf(hex + 2 + 2 * j, "%2x", &v);
        bytes[j] = (unsigned char)v;
    }
    json_t *out = NULL;
    char err[256];
    if (!bytes || gfdx_serde_decode(ctx.catalog, bytes, n, &out, NULL, err, sizeof err) != GFDX_SERDE_OK)
        fprintf(stderr, "outbox row %zu: %s\n", i, bytes ? err : "out of memory");
    free(bytes);
    return out;
}

static size_t outbox_rows(const gfdx_rowset *rs)
{
    return json_array_size(gfdx_rows_appended(rs, &gfdx_outbox_table));
}

/* The NeedPushed of the sample need, recommended by Zhejiang for 2026Q1 in record eid. */
static void check_pushed(const json_t *p, const char *eid)
{
    CHECK_STR_EQ(gfdx_rec_str(p, "need_id"), NEED);
    CHECK_STR_EQ(gfdx_rec_str(p, "quarter"), "2026Q1");
    CHECK(!gfdx_rec_bool(p, "late") && !gfdx_rec_bool(p, "is_major"));
    json_t *tags = json_pack("[s]", "GREEN_FACTORY");
    CHECK(json_equal(gfdx_rec_get(p, "priority_tags"), tags));
    json_decref(tags);
    CHECK_STR_EQ(gfdx_rec_str(p, "recommended_by"), "prov-330000");
    CHECK_STR_EQ(gfdx_rec_str(p, "batch_id"), "330000-2026Q1-B02");
    CHECK_STR_EQ(gfdx_rec_str(p, "factory.uscc"), USCC);
    CHECK_STR_EQ(gfdx_rec_str(p, "factory.name"), "浙江瑞德特钢有限公司");
    CHECK_STR_EQ(gfdx_rec_str(p, "factory.city"), "金华市");
    CHECK(gfdx_rec_int(p, "project.financing_amount") == 1150000000);
    CHECK_STR_EQ(gfdx_rec_str(p, "project.location_region"), "330700");
    CHECK_STR_EQ(gfdx_rec_str(p, "contact.name"), "段晨平");
    CHECK_STR_EQ(gfdx_rec_str(p, "contact.phone"), "15920555266");
    CHECK_STR_EQ(gfdx_rec_str(p, "meta.sender"), "miit");
    CHECK_STR_EQ(gfdx_rec_str(p, "meta.correlation_id"), eid);
}

/* NeedPushed carries the need as filed, the assigned quarter and the tags, for the PBoC;
 * NeedPushWithdrawn follows it when a recommended need is withdrawn. A record too large for
 * the producer refuses the recommendation: what it had staged is undone. */
static void test_emitted(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    CHECK(gfdx_rowset_add(rs, &intake_current_entry_table,
                          json_pack("{s:s, s:s, s:s, s:s, s:s}", "region", "100000", "list_id", "L2", "entry_key", "a", "uscc", USCC,
                                    "kind", "GREEN_FACTORY")) == 0);
    CHECK(submit(rs, &MIIT) == GFDX_DECIDE_OK);
    CHECK(review(rs, &ZJ, NEED, "APPROVED") == GFDX_DECIDE_OK);
    CHECK(outbox_rows(rs) == 0);
    ctx.max_message_bytes = 600;
    CHECK(recommend(rs, &ZJ, "2026Q1", MAR13_MS) == GFDX_DECIDE_REFUSED);
    ctx.max_message_bytes = 1000000;
    CHECK_STR_EQ(last_code, "RECORD_TOO_LARGE");
    CHECK_STR_EQ(status_of(rs), "APPROVED");
    CHECK(events(rs) == 2 && outbox_rows(rs) == 0);
    CHECK(json_is_null(json_object_get(need(rs, NEED), "quarter")) || !json_object_get(need(rs, NEED), "quarter"));
    CHECK(recommend(rs, &ZJ, "2026Q1", MAR13_MS) == GFDX_DECIDE_OK);
    char eid[32], key[64];
    snprintf(eid, sizeof eid, "ev-%d", n_events);
    CHECK(outbox_rows(rs) == 1);
    const char *topic = NULL, *type = NULL;
    json_t *p = emitted(rs, 0, &topic, &type, key);
    CHECK(p != NULL);
    CHECK_STR_EQ(topic, INTAKE_PUSH_TOPIC);
    CHECK_STR_EQ(type, "NeedPushed");
    CHECK_STR_EQ(key, NEED);
    check_pushed(p, eid);
    json_decref(p);

    CHECK(withdraw(rs, &ZJ, NEED) == GFDX_DECIDE_OK);
    CHECK(outbox_rows(rs) == 2);
    p = emitted(rs, 1, &topic, &type, key);
    CHECK(p != NULL);
    CHECK_STR_EQ(topic, INTAKE_PUSH_TOPIC);
    CHECK_STR_EQ(type, "NeedPushWithdrawn");
    CHECK_STR_EQ(key, NEED);
    CHECK_STR_EQ(gfdx_rec_str(p, "need_id"), NEED);
    CHECK_STR_EQ(gfdx_rec_str(p, "reason"), "项目取消");
    json_decref(p);
    gfdx_rowset_free(rs);

    rs = gfdx_rowset_new(); /* never recommended: the PBoC has nothing to forget */
    CHECK(submit(rs, &MIIT) == GFDX_DECIDE_OK);
    CHECK(withdraw(rs, &ZJ, NEED) == GFDX_DECIDE_OK);
    CHECK(outbox_rows(rs) == 0);
    gfdx_rowset_free(rs);
}

/* Every record type in every stored status: accepted exactly when the state machine allows
 * it, and then the stored status is the state machine's answer; refused ILLEGAL_TRANSITION
 * with nothing staged otherwise. */
static void test_every_status(void)
{
    static const char *const statuses[] = {"SUBMITTED", "APPROVED", "REJECTED", "RETURNED",
                                           "RECOMMENDED", "PUSHED", "WITHDRAWN"};
    static const intake_event evs[] = {INTAKE_EV_REVISE, INTAKE_EV_APPROVE, INTAKE_EV_REJECT, INTAKE_EV_RETURN,
                                       INTAKE_EV_RECOMMEND, INTAKE_EV_WITHDRAW, INTAKE_EV_SUBMIT};
    for (size_t s = 0; s < sizeof statuses / sizeof statuses[0]; s++)
        for (size_t e = 0; e < sizeof evs / sizeof evs[0]; e++) {
            gfdx_rowset *rs = gfdx_rowset_new();
            add_need(rs, statuses[s]);
            intake_status cur, next;
            CHECK(intake_status_parse(statuses[s], &cur) == 0);
            bool legal = intake_fsm_next(cur, evs[e], &next) == 0;
            gfdx_verdict v;
            switch (evs[e]) {
            case INTAKE_EV_REVISE: v = revise(rs, &MIIT, NULL, NULL); break;
            case INTAKE_EV_APPROVE: v = review(rs, &ZJ, NEED, "APPROVED"); break;
            case INTAKE_EV_REJECT: v = review(rs, &ZJ, NEED, "REJECTED"); break;
            case INTAKE_EV_RETURN: v = review(rs, &ZJ, NEED, "RETURNED"); break;
            case INTAKE_EV_RECOMMEND: v = recommend(rs, &ZJ, "2026Q1", MAR13_MS); break;
            case INTAKE_EV_WITHDRAW: v = withdraw(rs, &ZJ, NEED); break;
            default: v = submit(rs, &MIIT); break;
            }
            CHECK_MSG(v == (legal ? GFDX_DECIDE_OK : GFDX_DECIDE_REFUSED), "%s in %s: %s %s",
                      intake_event_name(evs[e]), statuses[s], last_code, last_reason);
            if (legal) {
                CHECK_STR_EQ(status_of(rs), intake_status_name(next));
                CHECK(events(rs) == 1);
            } else {
                CHECK_STR_EQ(last_code, "ILLEGAL_TRANSITION");
                CHECK_STR_EQ(status_of(rs), statuses[s]);
                CHECK(events(rs) == 0);
            }
            gfdx_rowset_free(rs);
        }
}

int main(void)
{
    char err[512];
    gfdx_calendar *cal = gfdx_calendar_load(GFDX_SOURCE_DIR "/deploy/calendar.cfg", err, sizeof err);
    gfdx_catalog *cat = gfdx_catalog_load(GFDX_SOURCE_DIR "/schemas/avro", err, sizeof err);
    if (!cal || !cat) {
        fprintf(stderr, "fixtures: %s\n", err);
        return 2;
    }
    ctx.calendar = cal;
    ctx.catalog = cat;
    test_submit();
    test_submit_refused();
    test_revise();
    test_one_batch();
    test_deadline();
    test_authorization_first();
    test_area_plan_city();
    test_area_bingtuan();
    test_calendar_provisional();
    test_matching();
    test_delivered();
    test_corrupt();
    test_every_status();
    test_emitted();
    gfdx_catalog_free(cat);
    gfdx_calendar_free(cal);
    return CHECK_DONE();
}
