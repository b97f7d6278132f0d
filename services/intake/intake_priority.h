/* intake_priority.h: priority-support tags of a need (DESIGN §6.1, §6.4; the Shanghai
 * 产业绿贷 notice, seed 000, §四: enterprises on national or municipal lists). Pure.
 *
 * A need is tagged with the distinct kinds of the name-list entries valid now that name its
 * factory's USCC (district.current_entry, gfdx-namelist's read-only contract), but only of
 * the lists whose region covers the enterprise: a list published for region R tags an
 * enterprise only when the enterprise's region lies within R. The enterprise's region is the
 * registration-authority region of its USCC (GB 32100 characters 3-8, the 登记管理机关
 * 行政区划码): it is what the code says about where the enterprise is registered, it is
 * checked on every NeedSubmitted, and unlike the need's factory.city / factory.district (names
 * as filed) it is a GB/T 2260 code. Coverage (intake_region_covers): 100000 covers every
 * region; a province code (xx0000) its cities and districts; a city code (xxxx00) its
 * districts; any other code only itself. So the 沙坪坝 (500106) green factory list tags a
 * 沙坪坝 enterprise only, a Chongqing (500000) list every Chongqing enterprise and a national
 * (100000) list, e.g. MIIT's, every enterprise. An entry whose list has no region tags
 * nobody. */
#ifndef INTAKE_PRIORITY_H
#define INTAKE_PRIORITY_H

#include <jansson.h>
#include <stdbool.h>

#include "rowset.h"

/* Whether list region `list_region` covers enterprise region `region` (both 6-digit GB/T 2260
 * codes; false when either is NULL or not 6 digits). */
bool intake_region_covers(const char *list_region, const char *region);

/* The enterprise region of a USCC: its characters 3-8 into out (7 bytes). 0, or -1 when the
 * USCC is NULL or shorter than 8 characters or those are not digits. */
int intake_uscc_region(const char *uscc, char out[7]);

/* The priority tags of an enterprise: the distinct kinds, sorted, of the current_entry rows
 * of rs (table intake_current_entry_table) naming uscc whose list region covers the USCC's
 * region. A new array (empty when none, or when namelist is not deployed), NULL when out of
 * memory. */
json_t *intake_priority_tags(const gfdx_rowset *rs, const char *uscc);

#endif
