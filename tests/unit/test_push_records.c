/* test_push_records: the pure pieces of gfdx-push's handlers against the real schemas.
 * A NeedPushed record as intake writes it is encoded and decoded with schemas/avro; the
 * decoded body passes push_validate_pushed (and each kind of malformed snapshot is refused
 * with its reason code); the NeedDispatched built from it encodes under its schema and
 * carries the snapshot, branch, banks, quarter and tags; NeedDispatchWithdrawn likewise. */
#include "check.h"
#include "avro_catalog.h"
#include "avro_serde.h"
#include "push/push_decide.h"

#include <string.h>

static const char *const PUSHED =
    "{\"meta\": {\"event_id\": \"0b7c1f6e-2d4a-4e7b-9c1d-5a6b7c8d9e0f\", \"sender\": \"miit\","
    " \"occurred_at\": 1772678217700, \"correlation_id\": null},"
    " \"need_id\": \"GFN-2026-330000-00005\", \"quarter\": \"2026Q2\", \"late\": true, \"is_major\": false,"
    " \"priority_tags\": [\"GREEN_FACTORY\", \"SRDI_SME\"], \"recommended_by\": \"prov-330000\","
    " \"batch_id\": \"ZJ-2026Q1-03\","
    " \"factory\": {\"uscc\": \"9133020035147673XH\", \"name\": \"宁波丰立环保设备有限公司\", \"province\": \"330000\","
    " \"city\": \"宁波市\", \"district\": \"北仑区\", \"green_level\": \"MUNICIPAL\", \"green_code_grade\": \"B\","
    " \"size\": \"MEDIUM\"},"
    " \"project\": {\"name\": \"废旧动力电池回收利用项目\", \"kind\": \"TECH_UPGRADE\","
    " \"measures\": [\"RESOURCE_RECYCLING\", \"ENVIRONMENTAL_EQUIPMENT\"], \"catalogue_code\": \"3.1.1\","
    " \"location_region\": \"330206\", \"location\": \"浙江省宁波市北仑区产业园\", \"start_date\": \"2025-11-22\","
    " \"end_date\": \"2026-12-22\", \"total_investment\": 20912540000, \"equity\": 5111180000,"
    " \"financing_amount\": 14000000000, \"financing_types\": [\"MEDIUM_LONG_TERM_LOAN\"], \"term_months\": 84,"
    " \"guarantee\": \"母公司连带责任保证\", \"energy_saving_tce\": 4795.7, \"co2_reduction_t\": 11947.5,"
    " \"water_saving_t\": 26164.5, \"digital_maturity\": 2},"
    " \"contact\": {\"name\": \"廖文博\", \"phone\": \"18968886937\", \"email\": null}}";

/* Encodes `rec` as the latest `type` and decodes it back (the body a handler sees). */
static json_t *round_trip(const gfdx_catalog *cat, const char *type, const json_t *rec)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    char err[512] = "";
    json_t *out = NULL;
    const gfdx_schema *s = gfdx_catalog_latest(cat, type);
    CHECK_MSG(s != NULL, "no schema %s", type);
    if (!s)
        return NULL;
    gfdx_serde_status st = gfdx_serde_encode(s, rec, &buf, &len, err, sizeof err);
    CHECK_MSG(st == GFDX_SERDE_OK, "encode %s: %s", type, err);
    if (st == GFDX_SERDE_OK) {
        const gfdx_schema *writer = NULL;
        st = gfdx_serde_decode(cat, buf, len, &out, &writer, err, sizeof err);
        CHECK_MSG(st == GFDX_SERDE_OK && writer == s, "decode %s: %s", type, err);
    }
    free(buf);
    return out;
}

static const push_branch NINGBO = {"pbc-330200", "中国人民银行宁波市分行", PUSH_BRANCH_PLAN_CITY, "330200"};

static void test_dispatched(const gfdx_catalog *cat, const json_t *pushed)
{
    json_t *banks = json_pack("[s, s]", "bank-nbcb-330200", "bank-icbc-330200");
    json_t *rec = push_need_dispatched(pushed, &NINGBO, banks);
    CHECK(rec != NULL && json_object_get(rec, "meta") == NULL); /* meta is the outbox's */
    json_object_set_new(rec, "meta", json_pack("{s:s, s:s, s:I, s:n}", "event_id",
                                               "1b7c1f6e-2d4a-4e7b-9c1d-5a6b7c8d9e0f", "sender", "pboc",
                                               "occurred_at", (json_int_t)1772678300000, "correlation_id"));
    json_t *d = round_trip(cat, "NeedDispatched", rec);
    if (d) {
        CHECK_STR_EQ(gfdx_rec_str(d, "need_id"), "GFN-2026-330000-00005");
        CHECK_STR_EQ(gfdx_rec_str(d, "branch_id"), "pbc-330200");
        CHECK_STR_EQ(gfdx_rec_str(d, "branch_name"), "中国人民银行宁波市分行");
        CHECK_STR_EQ(gfdx_rec_str(d, "province"), "330000");
        CHECK_STR_EQ(gfdx_rec_str(d, "quarter"), "2026Q2");
        CHECK(gfdx_rec_bool(d, "late") && !gfdx_rec_bool(d, "is_major"));
        CHECK(json_equal(gfdx_rec_get(d, "bank_ids"), banks));
        CHECK(json_equal(gfdx_rec_get(d, "priority_tags"), gfdx_rec_get(pushed, "priority_tags")));
        CHECK(gfdx_rec_int(d, "pushed_at") == 1772678217700LL);
        CHECK_STR_EQ(gfdx_rec_str(d, "recommended_by"), "prov-330000");
        CHECK_STR_EQ(gfdx_rec_str(d, "batch_id"), "ZJ-2026Q1-03");
        CHECK(json_equal(gfdx_rec_get(d, "factory"), gfdx_rec_get(pushed, "factory")));
        CHECK(json_equal(gfdx_rec_get(d, "project"), gfdx_rec_get(pushed, "project")));
        CHECK(json_equal(gfdx_rec_get(d, "contact"), gfdx_rec_get(pushed, "contact")));
    }
    json_decref(d);
    json_decref(rec);
    /* a branch with no registered bank: an empty list still encodes */
    json_t *none = json_array();
    rec = push_need_dispatched(pushed, &NINGBO, none);
    json_object_set(rec, "meta", json_object_get(pushed, "meta"));
    d = round_trip(cat, "NeedDispatched", rec);
    CHECK(d && json_array_size(gfdx_rec_get(d, "bank_ids")) == 0);
    json_decref(d);
    json_decref(rec);
    json_decref(none);
    json_decref(banks);
}

static void test_withdrawn(const gfdx_catalog *cat, const json_t *pushed)
{
    json_t *banks = json_pack("[s]", "bank-icbc-330200");
    json_t *rec = push_need_dispatch_withdrawn("GFN-2026-330000-00005", "pbc-330200", banks, "企业已通过其他渠道融资");
    json_object_set(rec, "meta", json_object_get(pushed, "meta"));
    json_t *d = round_trip(cat, "NeedDispatchWithdrawn", rec);
    CHECK(d && json_equal(gfdx_rec_get(d, "bank_ids"), banks));
    CHECK_STR_EQ(gfdx_rec_str(d, "reason"), "企业已通过其他渠道融资");
    CHECK_STR_EQ(gfdx_rec_str(d, "branch_id"), "pbc-330200");
    json_decref(d);
    json_decref(rec);
    json_decref(banks);
}

/* Each malformed snapshot, applied to a copy of the valid body, gives its reason code. */
static void test_validation(const json_t *pushed)
{
    char why[512] = "";
    CHECK_MSG(push_validate_pushed(pushed, why, sizeof why) == NULL, "valid NeedPushed refused: %s", why);
    static const struct {
        const char *path, *value, *code;
    } cases[] = {
        {"need_id", "", "INVALID_FIELD"},
        {"need_id", "X1234567890123456789012345678901234567890123456789012345678901234", "INVALID_FIELD"},
        {"quarter", "2026Q5", "INVALID_FIELD"},
        {"quarter", "26Q1", "INVALID_FIELD"},
        {"factory.uscc", "9133020035147673XA", "BAD_USCC"},
        {"factory.name", "", "INVALID_FIELD"},
        {"project.catalogue_code", "", "INVALID_FIELD"},
        {"recommended_by", "", "INVALID_FIELD"},
        {"project.financing_amount", NULL, "INVALID_AMOUNT"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *b = json_deep_copy(pushed);
        const char *dot = strchr(cases[i].path, '.');
        json_t *parent = dot ? json_object_get(b, "project") : b;
        if (dot && !strncmp(cases[i].path, "factory", 7))
            parent = json_object_get(b, "factory");
        const char *key = dot ? dot + 1 : cases[i].path;
        json_object_set_new(parent, key, cases[i].value ? json_string(cases[i].value) : json_integer(0));
        const char *code = push_validate_pushed(b, why, sizeof why);
        CHECK_MSG(code && !strcmp(code, cases[i].code), "%s = %s: want %s, got %s", cases[i].path,
                  cases[i].value ? cases[i].value : "0", cases[i].code, code ? code : "accepted");
        json_decref(b);
    }
}

int main(void)
{
    char err[512] = "";
    gfdx_catalog *cat = gfdx_catalog_load(GFDX_SOURCE_DIR "/schemas/avro", err, sizeof err);
    CHECK_MSG(cat != NULL, "%s", err);
    json_error_t jerr;
    json_t *src = json_loads(PUSHED, 0, &jerr);
    CHECK_MSG(src != NULL, "test JSON: %s", jerr.text);
    json_t *pushed = cat && src ? round_trip(cat, "NeedPushed", src) : NULL;
    if (pushed) {
        test_validation(pushed);
        test_dispatched(cat, pushed);
        test_withdrawn(cat, pushed);
    }
    json_decref(pushed);
    json_decref(src);
    gfdx_catalog_free(cat);
    return CHECK_DONE();
}
