/* Content checks of a financing need: each rule refuses with its own reason code. */
#include <jansson.h>
#include <stdlib.h>

#include "check.h"
#include "intake/intake_validate.h"

static json_t *valid_need(void)
{
    return json_pack("{s:s, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:I, s:I, s:I, s:i, s:f, s:f, s:f, s:s, s:s},"
                     " s:{s:s, s:s}}",
                     "need_id", "N-310000-0001", "factory", "uscc", "91350100M000100Y43", "name", "上海绿色制造有限公司",
                     "province", "310000", "project", "name", "光伏储能一体化改造", "location_region", "310115",
                     "total_investment", (json_int_t)50000000000, "equity", (json_int_t)10000000000,
                     "financing_amount", (json_int_t)30000000000, "term_months", 60, "energy_saving_tce", 1200.5,
                     "co2_reduction_t", 3000.0, "water_saving_t", 0.0, "start_date", "2026-03-01", "end_date",
                     "2028-12-31", "contact", "name", "张三", "phone", "021-12345678");
}

/* Sets path (a.b) to value in a fresh valid need and returns the reason code. */
static const char *code_with(const char *obj, const char *field, json_t *value)
{
    static char why[512];
    json_t *n = valid_need();
    json_object_set_new(obj ? json_object_get(n, obj) : n, field, value);
    const char *code = intake_validate_need(n, "N-310000-0001", why, sizeof why);
    json_decref(n);
    return code ? code : "OK";
}

int main(void)
{
    char why[512];
    json_t *n = valid_need();
    CHECK_MSG(intake_validate_need(n, "N-310000-0001", why, sizeof why) == NULL, "valid need refused: %s", why);
    CHECK(intake_validate_need(n, "OTHER", why, sizeof why) == NULL); /* the key: common/inbound.c */
    json_decref(n);

    CHECK_STR_EQ(code_with("factory", "uscc", json_string("91350100M000100Y44")), "BAD_USCC");
    CHECK_STR_EQ(code_with("factory", "uscc", json_string("91350100M000100Y4")), "BAD_USCC");
    CHECK_STR_EQ(code_with("factory", "province", json_string("990000")), "UNKNOWN_REGION");
    CHECK_STR_EQ(code_with("factory", "province", json_string("310115")), "UNKNOWN_REGION");
    CHECK_STR_EQ(code_with("project", "location_region", json_string("320102")), "UNKNOWN_REGION");
    CHECK_STR_EQ(code_with("project", "location_region", json_string("31A115")), "UNKNOWN_REGION");
    CHECK_STR_EQ(code_with("project", "financing_amount", json_integer(-1)), "NEGATIVE_AMOUNT");
    CHECK_STR_EQ(code_with("project", "equity", json_integer(-5)), "NEGATIVE_AMOUNT");
    CHECK_STR_EQ(code_with("project", "co2_reduction_t", json_real(-1.0)), "NEGATIVE_AMOUNT");
    CHECK_STR_EQ(code_with("project", "financing_amount", json_integer(0)), "INVALID_AMOUNT");
    CHECK_STR_EQ(code_with("project", "financing_amount", json_integer(60000000000)), "INVALID_AMOUNT");
    CHECK_STR_EQ(code_with("project", "term_months", json_integer(0)), "INVALID_FIELD");
    CHECK_STR_EQ(code_with("project", "start_date", json_string("2026-02-30")), "INVALID_DATE");
    CHECK_STR_EQ(code_with("project", "end_date", json_string("2025-12-31")), "INVALID_DATE");
    CHECK_STR_EQ(code_with(NULL, "need_id", json_string("")), "INVALID_FIELD");
    CHECK_STR_EQ(code_with("factory", "name", json_string("")), "INVALID_FIELD");
    CHECK_STR_EQ(code_with("project", "location_region", json_string("310000")), "OK");

    CHECK(intake_valid_date("2028-02-29"));
    CHECK(!intake_valid_date("2026-02-29"));
    CHECK(!intake_valid_date("2026-1-01"));
    CHECK(!intake_valid_date("2026-01-01x"));
    CHECK(!intake_valid_date(NULL));
    return CHECK_DONE();
}
