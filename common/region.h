/* region.h: GB/T 2260 administrative division codes (6 ASCII digits).
 *
 * Validation is structural plus a table lookup, not a full GB/T 2260 catalogue:
 *   - exactly 6 ASCII digits;
 *   - the province part (first 2 digits + "0000") is one of the 34 province-level divisions
 *     in our table;
 *   - the middle 2 digits are 00 only for the province itself (last 2 digits 00 too),
 *     otherwise 01-70 (prefecture-level cities, leagues, municipal districts/counties)
 *     or 90 (county-level units directly under the province);
 *   - the last 2 digits are 00-99.
 * So "500106" (重庆市沙坪坝区) is valid and so is any structurally possible code in a known
 * province, even one that does not exist today. The national code "100000" used by central
 * agencies is NOT a region here: callers that allow it check for it themselves.
 *
 * The 5 计划单列市 (cities specially designated in the state plan, each with its own PBoC
 * branch) are 210200 大连市, 330200 宁波市, 350200 厦门市, 370200 青岛市, 440300 深圳市.
 *
 * 新疆生产建设兵团 (the Xinjiang Production and Construction Corps) is addressed by the
 * MIIT/PBoC notice like a province but is no GB/T 2260 division: its land lies in 新疆
 * (65xxxx) and its cities are the county-level cities directly under the autonomous region,
 * 6590xx (石河子市 659001, 阿拉尔市 659002, 五家渠市 659004, ...: every one of them is a
 * 兵团 city, 师市合一). GFDX_REGION_BINGTUAN, the code national statistics give the 兵团, is
 * therefore NOT valid for gfdx_region_is_valid; it names the 兵团's authority's area only
 * (participants.h allows it for the 兵团's industry authority, xjbt).
 * All tables are static; all functions are pure and thread-safe. */
#ifndef GFDX_REGION_H
#define GFDX_REGION_H

#include <stdbool.h>
#include <stddef.h>

#define GFDX_REGION_LEN 6
#define GFDX_REGION_BINGTUAN "660000"

/* True when code passes the structural rules above. NULL -> false. */
bool gfdx_region_is_valid(const char *code);

/* True when code is one of the 34 province-level codes ("310000"). */
bool gfdx_region_is_province(const char *code);

/* Writes the province code of a valid code into out ("500106" -> "500000").
 * Returns 0, or -1 if code is not valid (out untouched). */
int gfdx_region_province_of(const char *code, char out[7]);

/* Chinese name of a province-level code ("310000" -> "上海市"), a static UTF-8 string;
 * NULL if province_code is not exactly one of the 34 province codes. */
const char *gfdx_region_province_name(const char *province_code);

/* The 计划单列市 a valid code lies in (its first 4 digits match the city's):
 * "330212" -> "330200", "330200" -> "330200"; NULL otherwise. Returns a static string. */
const char *gfdx_region_plan_city_of(const char *code);

/* Chinese name of a 计划单列市 code ("210200" -> "大连市"); NULL if not one of the 5. */
const char *gfdx_region_plan_city_name(const char *city_code);

/* True when code is valid and a 兵团 city (6590xx; see above). NULL -> false. */
bool gfdx_region_is_bingtuan_city(const char *code);

/* The area whose industry authority reviews and recommends a need located at code (its
 * project.location_region), written into out: the 计划单列市 for a code in one ("330212" ->
 * "330200"), GFDX_REGION_BINGTUAN for a 兵团 city ("659001" -> "660000"), the province
 * otherwise ("310115" -> "310000", "330106" -> "330000"). 0, or -1 if code is not valid (out
 * untouched). The province authority's area never contains a plan city's or the 兵团's:
 * they report separately like provinces (seed 003). */
int gfdx_region_authority_area_of(const char *code, char out[7]);

/* Points *codes at the static array of the 34 province codes (table order, ascending)
 * and returns its length. codes may be NULL to get the count only. */
size_t gfdx_region_provinces(const char *const **codes);

#endif
