/* namelist_auth.h: list kinds and who may say what about name lists (DESIGN §5, §6.4).
 *
 * The publisher matrix (bureau type -> list kinds it may publish) is configuration
 * (namelist.publishers in deploy/namelist.cfg); carbon benefits may only come from an
 * ecology bureau and financing support only from a finance bureau (DESIGN §5, fixed). Every
 * record is also bound to the region: a bureau speaks only about lists of its own region.
 * National and municipal lists (issue 12): MIIT publishes the kinds of namelist.publishers.miit
 * for region 100000 only, a province_authority (the registry's provincial and municipal
 * industry authorities: a province, a municipality such as 重庆 500000, a plan city such as
 * 宁波 330200) the kinds of namelist.publishers.province for its own region only; neither
 * reports. A list's level follows from its region (namelist_level_of).
 * Pure: no database; thread-safe once the policy is built. */
#ifndef NAMELIST_AUTH_H
#define NAMELIST_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "participants.h"

/* The NameListKind symbols of schemas/avro/name_list_published.v2.avsc, in schema order. */
typedef enum {
    NAMELIST_GREEN_PROJECT,
    NAMELIST_GREEN_ENTERPRISE,
    NAMELIST_GREEN_FACTORY,
    NAMELIST_EFFICIENCY_LEADER,
    NAMELIST_WATER_EFFICIENCY_LEADER,
    NAMELIST_GREEN_PARK,
    NAMELIST_GREEN_SUPPLY_CHAIN,
    NAMELIST_GREEN_PRODUCT,
    NAMELIST_GREEN_DESIGN,
    NAMELIST_SPECIALIZED_SME,
    NAMELIST_LITTLE_GIANT,
    NAMELIST_CLEAN_PRODUCTION_AUDIT,
    NAMELIST_TRANSITION_PROJECT,
    NAMELIST_KEY_GREEN_PROJECT,
    NAMELIST_NATIONAL_FUND_INVESTED, /* v2: 国家级基金投资支持的绿色项目企业 (seed 000 §四 4) */
    NAMELIST_DEPARTMENT_RECOMMENDED, /* v2: 其他相关部门或机构推荐和发布的名单 (seed 000 §四 6) */
    NAMELIST_GREEN_BUILDING,         /* v2: 绿色建筑, the housing bureau's list (seed 004 item 9) */
    NAMELIST_KIND_COUNT
} namelist_kind;

/* "GREEN_FACTORY" ...; "UNKNOWN" outside the enum. Static strings. */
const char *namelist_kind_name(namelist_kind k);
/* Symbol -> kind. 0, or -1 if unknown (NULL too). */
int namelist_kind_parse(const char *name, namelist_kind *out);

/* The records a participant may send to gfdx-namelist. */
typedef enum { NAMELIST_REC_PUBLISH, NAMELIST_REC_CARBON, NAMELIST_REC_FINANCING } namelist_record_kind;

/* Publisher matrix: for each bureau type (gfdx_bureau, NONE included and never allowed) a
 * bit set of kinds, and the kinds of the national and municipal lists: `miit` those MIIT
 * publishes for region 100000, `province` those a province_authority publishes for its own
 * region (a province, a municipality such as 重庆 500000, or a city specifically designated
 * in the state plan such as 宁波 330200: the registry's province_authority entries are the
 * provincial and municipal industry authorities). A zeroed policy allows nobody anything. */
typedef struct {
    unsigned kinds[GFDX_BUREAU_FINANCE + 1];
    unsigned miit, province;
} namelist_policy;

/* The level of a list, from its region (GB/T 2260): "NATIONAL" for 100000, "MUNICIPAL" for a
 * municipality directly under the central government (110000, 120000, 310000, 500000) or a
 * city (xxxx00), "PROVINCIAL" for another province (xx0000), "DISTRICT" otherwise. Static. */
const char *namelist_level_of(const char *region);

/* Sets the kinds of a national (miit, for_miit true) or municipal (province_authority) publisher
 * from names[0..n). 0, or -1 with err naming the unknown symbol (policy unchanged). */
int namelist_policy_allow_authority(namelist_policy *p, bool for_miit, const char *const *names, size_t n, char *err,
                                    size_t errlen);

/* Allows bureau b to publish the kinds named in names[0..n) (NameListKind symbols). Returns
 * 0, or -1 with err naming the unknown symbol; the policy is then unchanged. */
int namelist_policy_allow(namelist_policy *p, gfdx_bureau b, const char *const *names, size_t n, char *err,
                          size_t errlen);

/* True if the policy lets bureau b publish kind k. */
bool namelist_policy_allows(const namelist_policy *p, gfdx_bureau b, namelist_kind k);

/* The authorization verdict for one record: `who` sends a record of kind rk about a list of
 * kind `kind` (ignored for reports) covering `region` (the list's GB/T 2260 code). Returns
 * true when allowed; else false with why saying who may not do what. who may be NULL
 * (never allowed). */
bool namelist_authorize(const namelist_policy *p, const gfdx_participant *who, namelist_record_kind rk,
                        namelist_kind kind, const char *region, char *why, size_t whylen);

#endif
