/* region.c: the province and 计划单列市 tables and the structural checks of region.h. */
#include "region.h"

#include <string.h>

/* The 34 province-level divisions of GB/T 2260, ascending. */
static const char *const province_codes[] = {
    "110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000", "310000",
    "320000", "330000", "340000", "350000", "360000", "370000", "410000", "420000", "430000",
    "440000", "450000", "460000", "500000", "510000", "520000", "530000", "540000", "610000",
    "620000", "630000", "640000", "650000", "710000", "810000", "820000",
};

static const char *const province_names[] = {
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省",
    "上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省",
    "湖南省", "广东省", "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省", "云南省",
    "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区",
    "台湾省", "香港特别行政区", "澳门特别行政区",
};

#define N_PROVINCES (sizeof province_codes / sizeof province_codes[0])
_Static_assert(sizeof province_names / sizeof province_names[0] == N_PROVINCES,
               "one name per province code");

static const struct {
    const char *code, *name;
} plan_cities[] = {
    {"210200", "大连市"}, {"330200", "宁波市"}, {"350200", "厦门市"},
    {"370200", "青岛市"}, {"440300", "深圳市"},
};

#define N_PLAN_CITIES (sizeof plan_cities / sizeof plan_cities[0])

static bool is_six_digits(const char *s)
{
    if (!s)
        return false;
    for (int i = 0; i < GFDX_REGION_LEN; i++)
        if (s[i] < '0' || s[i] > '9')
            return false; /* also stops at a NUL before 6 */
    return s[GFDX_REGION_LEN] == '\0';
}

/* Index of a province code in the table, or -1. Compares exactly. */
static int province_index(const char *code)
{
    if (!code)
        return -1;
    for (size_t i = 0; i < N_PROVINCES; i++)
        if (strcmp(province_codes[i], code) == 0)
            return (int)i;
    return -1;
}

/* Index of the province whose first two digits match code's, or -1. */
static int province_index_by_prefix(const char *code)
{
    for (size_t i = 0; i < N_PROVINCES; i++)
        if (province_codes[i][0] == code[0] && province_codes[i][1] == code[1])
            return (int)i;
    return -1;
}

bool gfdx_region_is_valid(const char *code)
{
    if (!is_six_digits(code) || province_index_by_prefix(code) < 0)
        return false;
    int middle = (code[2] - '0') * 10 + (code[3] - '0');
    if (middle == 0)
        return code[4] == '0' && code[5] == '0'; /* the province itself */
    return (middle >= 1 && middle <= 70) || middle == 90;
}

bool gfdx_region_is_province(const char *code)
{
    return province_index(code) >= 0;
}

int gfdx_region_province_of(const char *code, char out[7])
{
    if (!gfdx_region_is_valid(code))
        return -1;
    memcpy(out, province_codes[province_index_by_prefix(code)], GFDX_REGION_LEN + 1);
    return 0;
}

const char *gfdx_region_province_name(const char *province_code)
{
    int i = province_index(province_code);
    return i < 0 ? NULL : province_names[i];
}

const char *gfdx_region_plan_city_of(const char *code)
{
    if (!gfdx_region_is_valid(code))
        return NULL;
    for (size_t i = 0; i < N_PLAN_CITIES; i++)
        if (strncmp(plan_cities[i].code, code, 4) == 0)
            return plan_cities[i].code;
    return NULL;
}

const char *gfdx_region_plan_city_name(const char *city_code)
{
    if (!city_code)
        return NULL;
    for (size_t i = 0; i < N_PLAN_CITIES; i++)
        if (strcmp(plan_cities[i].code, city_code) == 0)
            return plan_cities[i].name;
    return NULL;
}

size_t gfdx_region_provinces(const char *const **codes)
{
    if (codes)
        *codes = province_codes;
    return N_PROVINCES;
}

bool gfdx_region_is_bingtuan_city(const char *code)
{
    return gfdx_region_is_valid(code) && strncmp(code, "6590", 4) == 0;
}

int gfdx_region_authority_area_of(const char *code, char out[7])
{
    const char *city = gfdx_region_plan_city_of(code);
    if (city)
        memcpy(out, city, GFDX_REGION_LEN + 1);
    else if (gfdx_region_is_bingtuan_city(code))
        memcpy(out, GFDX_REGION_BINGTUAN, GFDX_REGION_LEN + 1);
    else
        return gfdx_region_province_of(code, out);
    return 0;
}
