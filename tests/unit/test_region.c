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

/* The 兵团 (660000, not GB/T 2260) and the area of a need's authority. */
static void test_authority_area(void)
{
    char out[7] = "";
    static const char *const cases[][2] = {
        {"330212", "330200"}, {"330200", "330200"}, {"440305", "440300"}, {"210211", "210200"},
        {"350203", "350200"}, {"370211", "370200"}, {"330106", "330000"}, {"330000", "330000"},
        {"310115", "310000"}, {"440100", "440000"}, {"659001", "660000"}, {"659004", "660000"},
        {"650102", "650000"}, {"652300", "650000"}, {"500106", "500000"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        strcpy(out, "-");
        CHECK_MSG(gfdx_region_authority_area_of(cases[i][0], out) == 0, "%s", cases[i][0]);
        CHECK_MSG(strcmp(out, cases[i][1]) == 0, "%s -> %s, want %s", cases[i][0], out, cases[i][1]);
    }
    strcpy(out, "-");
    CHECK(gfdx_region_authority_area_of("660000", out) == -1); /* not a GB/T 2260 code */
    CHECK(gfdx_region_authority_area_of("990000", out) == -1);
    CHECK(gfdx_region_authority_area_of(NULL, out) == -1);
    CHECK_STR_EQ(out, "-"); /* untouched on failure */
    CHECK(!gfdx_region_is_valid(GFDX_REGION_BINGTUAN));
    CHECK(!gfdx_region_is_province(GFDX_REGION_BINGTUAN));
    CHECK(gfdx_region_is_bingtuan_city("659001"));
    CHECK(gfdx_region_is_bingtuan_city("659012"));
    CHECK(!gfdx_region_is_bingtuan_city("650000"));
    CHECK(!gfdx_region_is_bingtuan_city("650102"));
    CHECK(!gfdx_region_is_bingtuan_city("660000"));
    CHECK(!gfdx_region_is_bingtuan_city("6590"));
    CHECK(!gfdx_region_is_bingtuan_city(NULL));
}

int main(void)
{
    test_valid();
    test_invalid();
    test_provinces();
    test_province_of();
    test_plan_cities();
    test_authority_area();
    return CHECK_DONE();
}
