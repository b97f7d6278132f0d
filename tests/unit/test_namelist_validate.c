/* test_namelist_validate: content checks of NameListPublished, CarbonBenefitReported and
 * FinancingSupportReported (one fault at a time, each with its reason code), half-year
 * periods in China time, and catalogue codes. */
#include "check.h"
#include "namelist/namelist_validate.h"

#include <jansson.h>
#include <stdint.h>

static const namelist_limits LIM = {10, 3};

static json_t *list_record(void)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:i, s:i, s:[{s:s, s:s, s:s, s:n, s:s, s:{s:s}},"
                     " {s:s, s:s, s:s, s:s, s:n, s:{}}], s:[]}",
                     "list_id", "500106-EIT-GF", "kind", "GREEN_FACTORY", "title", "沙坪坝区绿色工厂名单", "region",
                     "500106", "version", (json_int_t)3, "mode", "FULL", "part", 1, "part_count", 2, "entries",
                     "entry_key", "91350100M000100Y43", "uscc", "91350100M000100Y43", "name", "重庆恒瑞精密机械有限公司",
                     "project_name", "category_code", "1.3.1", "attributes", "级别", "国家级", "entry_key", "SPB-2",
                     "uscc", "91350100M000100Y43", "name", "重庆华鑫电子信息有限公司", "project_name", "余热回收项目",
                     "category_code", "attributes", "removed_keys");
}

/* Applies one change to a fresh valid record and returns the reason code (NULL = valid). */
static const char *published_with(const char *path, json_t *value, const char *key)
{
    static char why[512];
    json_t *r = list_record();
    if (path) {
        json_t *obj = r;
        char buf[64];
        snprintf(buf, sizeof buf, "%s", path);
        char *dot = strrchr(buf, '.');
        if (dot) { /* entries.N.field */
            *dot = '\0';
            obj = json_array_get(json_object_get(r, "entries"), (size_t)atoi(strchr(buf, '.') + 1));
        }
        json_object_set_new(obj, dot ? dot + 1 : buf, value);
    }
    const char *code = namelist_validate_published(r, key, &LIM, why, sizeof why);
    json_decref(r);
    return code;
}

#define EXPECT(code, got) CHECK_STR_EQ((got) ? (got) : "(valid)", code)

static void test_published(void)
{
    CHECK(published_with(NULL, NULL, "500106-EIT-GF") == NULL);
    CHECK(published_with(NULL, NULL, NULL) == NULL);
    CHECK(published_with(NULL, NULL, "500106-OTHER") == NULL); /* the key: common/inbound.c */
    EXPECT("INVALID_FIELD", published_with("list_id", json_string("清单/1"), NULL));
    EXPECT("INVALID_FIELD", published_with("title", json_string(""), NULL));
    EXPECT("INVALID_FIELD", published_with("title", json_string("a\nb"), NULL));
    EXPECT("UNKNOWN_REGION", published_with("region", json_string("990106"), NULL));
    EXPECT("INVALID_FIELD", published_with("version", json_integer(0), NULL));
    EXPECT("INVALID_FIELD", published_with("part", json_integer(3), NULL));
    EXPECT("INVALID_FIELD", published_with("part", json_integer(0), NULL));
    EXPECT("LIMIT_EXCEEDED", published_with("part_count", json_integer(11), NULL));
    EXPECT("INVALID_FIELD", published_with("mode", json_string("PATCH"), NULL));
    EXPECT("INVALID_FIELD", published_with("kind", json_string("GREEN_CITY"), NULL));
    EXPECT("INVALID_FIELD", published_with("removed_keys", json_pack("[s]", "SPB-2"), NULL)); /* FULL */
    EXPECT("BAD_USCC", published_with("entries.0.uscc", json_string("91350100M000100Y44"), NULL));
    EXPECT("BAD_USCC", published_with("entries.1.uscc", json_string("91350100M000100Y4"), NULL));
    EXPECT("INVALID_FIELD", published_with("entries.1.entry_key", json_string(""), NULL));
    EXPECT("INVALID_FIELD", published_with("entries.0.name", json_string("重庆\t公司"), NULL));
    EXPECT("INVALID_FIELD", published_with("entries.0.category_code", json_string("8.1"), NULL));
    EXPECT("DUPLICATE_ENTRY", published_with("entries.1.entry_key", json_string("91350100M000100Y43"), NULL));
    EXPECT("LIMIT_EXCEEDED", published_with("entries", json_pack("[{},{},{},{}]"), NULL));
    /* DELTA: removals allowed, but not of a key also upserted, nor twice */
    json_t *r = list_record();
    char why[512];
    json_object_set_new(r, "mode", json_string("DELTA"));
    json_object_set_new(r, "removed_keys", json_pack("[s]", "SPB-9"));
    CHECK(namelist_validate_published(r, NULL, &LIM, why, sizeof why) == NULL);
    json_object_set_new(r, "removed_keys", json_pack("[s]", "SPB-2"));
    EXPECT("DUPLICATE_ENTRY", namelist_validate_published(r, NULL, &LIM, why, sizeof why));
    CHECK(strstr(why, "SPB-2") != NULL);
    json_object_set_new(r, "removed_keys", json_pack("[s,s]", "SPB-9", "SPB-9"));
    EXPECT("DUPLICATE_ENTRY", namelist_validate_published(r, NULL, &LIM, why, sizeof why));
    json_object_set_new(r, "removed_keys", json_pack("[s]", ""));
    EXPECT("INVALID_FIELD", namelist_validate_published(r, NULL, &LIM, why, sizeof why));
    json_decref(r);
}

static json_t *carbon(void)
{
    return json_pack("{s:s, s:s, s:s, s:f, s:f, s:I, s:n}", "list_id", "500106-DRC-GP", "entry_key", "SPB-GP-0001",
                     "period", "2026H1", "co2_reduction_t", 1200.5, "energy_saving_tce", 480.0, "climate_finance",
                     (json_int_t)5000000, "climate_finance_note");
}

static json_t *financing(void)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:i}", "list_id", "500106-DRC-GP", "entry_key",
                     "SPB-GP-0001", "period", "2025H2", "institution", "中国建设银行重庆沙坪坝支行", "product", "LOAN",
                     "product_name", "绿色技改贷", "amount", (json_int_t)30000000000, "balance", (json_int_t)2500000000,
                     "rate_bp", 305);
}

static void test_reports(void)
{
    char why[512];
    json_t *c = carbon(), *f = financing();
    CHECK(namelist_validate_carbon(c, "500106-DRC-GP", why, sizeof why) == NULL);
    CHECK(namelist_validate_financing(f, NULL, why, sizeof why) == NULL);
    CHECK(namelist_validate_carbon(c, "500106-X", why, sizeof why) == NULL);
    json_object_set_new(c, "period", json_string("2026Q1"));
    EXPECT("INVALID_PERIOD", namelist_validate_carbon(c, NULL, why, sizeof why));
    json_object_set_new(c, "period", json_string("2026H1"));
    json_object_set_new(c, "co2_reduction_t", json_real(-1.0));
    EXPECT("NEGATIVE_AMOUNT", namelist_validate_carbon(c, NULL, why, sizeof why));
    json_object_set_new(c, "co2_reduction_t", json_real(0.0));
    json_object_set_new(c, "energy_saving_tce", json_real(-0.5));
    EXPECT("NEGATIVE_AMOUNT", namelist_validate_carbon(c, NULL, why, sizeof why));
    json_object_set_new(c, "energy_saving_tce", json_null());
    CHECK(namelist_validate_carbon(c, NULL, why, sizeof why) == NULL);
    json_object_set_new(c, "climate_finance", json_integer(-1));
    EXPECT("NEGATIVE_AMOUNT", namelist_validate_carbon(c, NULL, why, sizeof why));
    json_object_set_new(c, "climate_finance", json_integer(0));
    json_object_set_new(c, "entry_key", json_string(""));
    EXPECT("INVALID_FIELD", namelist_validate_carbon(c, NULL, why, sizeof why));
    json_object_set_new(f, "institution", json_string(""));
    EXPECT("INVALID_FIELD", namelist_validate_financing(f, NULL, why, sizeof why));
    json_object_set_new(f, "institution", json_string("重庆银行"));
    json_object_set_new(f, "balance", json_integer(-5));
    EXPECT("NEGATIVE_AMOUNT", namelist_validate_financing(f, NULL, why, sizeof why));
    json_object_set_new(f, "balance", json_integer(5));
    json_object_set_new(f, "rate_bp", json_integer(10001));
    EXPECT("INVALID_AMOUNT", namelist_validate_financing(f, NULL, why, sizeof why));
    json_object_set_new(f, "rate_bp", json_null());
    CHECK(namelist_validate_financing(f, NULL, why, sizeof why) == NULL);
    json_decref(c);
    json_decref(f);
}

static void test_periods(void)
{
    int64_t s, e;
    /* 2026-01-01T00:00+08:00 = 2025-12-31T16:00Z = 1767196800000 */
    CHECK(namelist_period_bounds("2026H1", &s, &e) == 0 && s == 1767196800000LL);
    /* 2026-07-01T00:00+08:00 = 1782835200000 */
    CHECK(e == 1782835200000LL);
    CHECK(namelist_period_bounds("2026H2", &s, &e) == 0 && s == 1782835200000LL);
    CHECK(e == 1798732800000LL); /* 2027-01-01T00:00+08:00 */
    CHECK(namelist_period_bounds("2024H1", &s, &e) == 0 && e - s == 182LL * 86400000); /* leap year */
    CHECK(namelist_period_bounds("2025H1", &s, &e) == 0 && e - s == 181LL * 86400000);
    CHECK(namelist_period_bounds("2026H3", &s, &e) == -1);
    CHECK(namelist_period_bounds("2026h1", &s, &e) == -1);
    CHECK(namelist_period_bounds("1999H1", &s, &e) == -1);
    CHECK(namelist_period_bounds("2026H1 ", &s, &e) == -1);
    CHECK(namelist_period_bounds(NULL, &s, &e) == -1);
}

static void test_codes(void)
{
    static const char *const good[] = {"1", "7", "1.2", "1.2.3", "3.12.1.4", "4.10"};
    static const char *const bad[] = {"", "0", "8.1", "1.", ".1", "1..2", "1.2.3.4.5", "1.123", "1.02", "a.1", "1-2"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK_MSG(namelist_category_code_ok(good[i]), "%s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_MSG(!namelist_category_code_ok(bad[i]), "%s", bad[i]);
    CHECK(!namelist_category_code_ok(NULL));
    CHECK(namelist_text_ok("沙坪坝", 9) && !namelist_text_ok("沙坪坝", 8) && !namelist_text_ok("a\x7f", 9));
}

int main(void)
{
    test_published();
    test_reports();
    test_periods();
    test_codes();
    return CHECK_DONE();
}
