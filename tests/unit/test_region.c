/* test_region.c: GB/T 2260 structural validation, the province table and 计划单列市. */
#include "check.h"
#include "region.h"

#include <stdlib.h>

static void test_valid(void)
{
    const char *ok[] = {"110000", "310000", "500000", "710000", "810000", "820000",
                        "500106", "310115", "110101", "210200", "440300", "469001",
                        "659001", "130170", "500199"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        CHECK_MSG(gfdx_region_is_valid(ok[i]), "%s should be valid", ok[i]);
}

static void test_invalid(void)
{
    const char *bad[] = {
        NULL, "", "31000", "3100000", "31000a", " 31000", "31-000", "３10000",
        "100000", /* national code: not a region here (participants allow it) */
        "000000", "190000", "240000", "720000", "830000", "990000", /* unknown province */
        "310001", "500099", /* middle 00 is the province itself only */
        "317100", "508001", "508900", "509101", "509900", /* middle not 01-70 or 90 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_MSG(!gfdx_region_is_valid(bad[i]), "%s should be invalid", bad[i] ? bad[i] : "NULL");
    CHECK(gfdx_region_is_valid("317000"));  /* 70 is the last allowed middle pair */
    CHECK(gfdx_region_is_valid("319000"));  /* 90: directly administered county-level */
}

static void test_provinces(void)
{
    const char *const *codes = NULL;
    size_t n = gfdx_region_provinces(&codes);
    CHECK(n == 34);
    CHECK(gfdx_region_provinces(NULL) == 34);
    int seen_sh = 0;
    for (size_t i = 0; codes && i < n; i++) {
        CHECK_MSG(gfdx_region_is_province(codes[i]), "%s", codes[i]);
        CHECK_MSG(gfdx_region_is_valid(codes[i]), "%s", codes[i]);
        CHECK_MSG(gfdx_region_province_name(codes[i]) != NULL, "%s has no name", codes[i]);
        if (i > 0)
            CHECK_MSG(strcmp(codes[i - 1], codes[i]) < 0, "table not ascending at %zu", i);
        seen_sh += strcmp(codes[i], "310000") == 0;
    }
    CHECK(seen_sh == 1);
    CHECK_STR_EQ(gfdx_region_province_name("110000"), "北京市");
    CHECK_STR_EQ(gfdx_region_province_name("310000"), "上海市");
    CHECK_STR_EQ(gfdx_region_province_name("500000"), "重庆市");
    CHECK_STR_EQ(gfdx_region_province_name("450000"), "广西壮族自治区");
    CHECK_STR_EQ(gfdx_region_province_name("650000"), "新疆维吾尔自治区");
    CHECK_STR_EQ(gfdx_region_province_name("710000"), "台湾省");
    CHECK_STR_EQ(gfdx_region_province_name("810000"), "香港特别行政区");
    CHECK_STR_EQ(gfdx_region_province_name("820000"), "澳门特别行政区");
    CHECK(gfdx_region_province_name("310115") == NULL); /* not a province code */
    CHECK(gfdx_region_province_name("100000") == NULL);
    CHECK(gfdx_region_province_name(NULL) == NULL);
    CHECK(gfdx_region_is_province("440000"));
    CHECK(!gfdx_region_is_province("440300"));
    CHECK(!gfdx_region_is_province(NULL));
}

static void test_province_of(void)
{
    char out[7] = "xxxxxx";
    CHECK(gfdx_region_province_of("500106", out) == 0);
    CHECK_STR_EQ(out, "500000");
    CHECK(gfdx_region_province_of("310000", out) == 0);
    CHECK_STR_EQ(out, "310000");
    CHECK(gfdx_region_province_of("330212", out) == 0);
    CHECK_STR_EQ(out, "330000");
    memcpy(out, "keepme", 7);
    CHECK(gfdx_region_province_of("190101", out) == -1);
    CHECK(gfdx_region_province_of("5001", out) == -1);
    CHECK(gfdx_region_province_of(NULL, out) == -1);
    CHECK_STR_EQ(out, "keepme"); /* untouched on failure */
}

static void test_plan_cities(void)
{
    CHECK_STR_EQ(gfdx_region_plan_city_of("330212"), "330200"); /* 宁波市鄞州区 */
    CHECK_STR_EQ(gfdx_region_plan_city_of("330200"), "330200");
    CHECK_STR_EQ(gfdx_region_plan_city_of("210202"), "210200"); /* 大连 */
    CHECK_STR_EQ(gfdx_region_plan_city_of("350203"), "350200"); /* 厦门 */
    CHECK_STR_EQ(gfdx_region_plan_city_of("370212"), "370200"); /* 青岛 */
    CHECK_STR_EQ(gfdx_region_plan_city_of("440305"), "440300"); /* 深圳 */
    CHECK(gfdx_region_plan_city_of("330100") == NULL); /* 杭州 */
    CHECK(gfdx_region_plan_city_of("330000") == NULL); /* the province */
    CHECK(gfdx_region_plan_city_of("440304") != NULL);
    CHECK(gfdx_region_plan_city_of("440400") == NULL); /* 珠海 */
    CHECK(gfdx_region_plan_city_of("500106") == NULL);
    CHECK(gfdx_region_plan_city_of("3302") == NULL);
    CHECK(gfdx_region_plan_city_of(NULL) == NULL);
    CHECK_STR_EQ(gfdx_region_plan_city_name("210200"), "大连市");
    CHECK_STR_EQ(gfdx_region_plan_city_name("330200"), "宁波市");
    CHECK_STR_EQ(gfdx_region_plan_city_name("350200"), "厦门市");
    CHECK_STR_EQ(gfdx_region_plan_city_name("370200"), "青岛市");
    CHECK_STR_EQ(gfdx_region_plan_city_name("440300"), "深圳市");
    CHECK(gfdx_region_plan_city_name("330212") == NULL);
}

int main(void)
{
    test_valid();
    test_invalid();
    test_provinces();
    test_province_of();
    test_plan_cities();
    return CHECK_DONE();
}
