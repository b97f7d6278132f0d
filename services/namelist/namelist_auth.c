/* namelist_auth.c: see namelist_auth.h. */
#include "namelist_auth.h"

#include <stdio.h>
#include <string.h>

static const char *const kind_names[NAMELIST_KIND_COUNT] = {
    "GREEN_PROJECT",    "GREEN_ENTERPRISE", "GREEN_FACTORY",      "EFFICIENCY_LEADER",
    "WATER_EFFICIENCY_LEADER", "GREEN_PARK", "GREEN_SUPPLY_CHAIN", "GREEN_PRODUCT",
    "GREEN_DESIGN",     "SPECIALIZED_SME",  "LITTLE_GIANT",       "CLEAN_PRODUCTION_AUDIT",
    "TRANSITION_PROJECT", "KEY_GREEN_PROJECT", "NATIONAL_FUND_INVESTED", "DEPARTMENT_RECOMMENDED",
    "GREEN_BUILDING",
};

const char *namelist_kind_name(namelist_kind k)
{
    return (unsigned)k < NAMELIST_KIND_COUNT ? kind_names[k] : "UNKNOWN";
}

int namelist_kind_parse(const char *name, namelist_kind *out)
{
    for (int i = 0; name && i < NAMELIST_KIND_COUNT; i++)
        if (!strcmp(name, kind_names[i])) {
            *out = (namelist_kind)i;
            return 0;
        }
    return -1;
}

/* The bit set of names[0..n) into *bits. 0, or -1 with err. */
static int kinds_of(const char *const *names, size_t n, unsigned *bits, char *err, size_t errlen)
{
    *bits = 0;
    for (size_t i = 0; i < n; i++) {
        namelist_kind k;
        if (namelist_kind_parse(names[i], &k)) {
            snprintf(err, errlen, "\"%s\" is not a list kind (GREEN_PROJECT, GREEN_FACTORY, ...)", names[i]);
            return -1;
        }
        *bits |= 1u << k;
    }
    return 0;
}

int namelist_policy_allow_authority(namelist_policy *p, bool for_miit, const char *const *names, size_t n, char *err,
                                    size_t errlen)
{
    unsigned bits;
    if (kinds_of(names, n, &bits, err, errlen))
        return -1;
    *(for_miit ? &p->miit : &p->province) |= bits;
    return 0;
}

const char *namelist_level_of(const char *region)
{
    static const char *const municipalities[] = {"110000", "120000", "310000", "500000"};
    if (!region || strlen(region) != 6)
        return "DISTRICT";
    if (!strcmp(region, "100000"))
        return "NATIONAL";
    for (size_t i = 0; i < 4; i++)
        if (!strcmp(region, municipalities[i]))
            return "MUNICIPAL";
    if (!strcmp(region + 2, "0000"))
        return "PROVINCIAL";
    return !strcmp(region + 4, "00") ? "MUNICIPAL" : "DISTRICT";
}

int namelist_policy_allow(namelist_policy *p, gfdx_bureau b, const char *const *names, size_t n, char *err,
                          size_t errlen)
{
    if ((unsigned)b > GFDX_BUREAU_FINANCE || b == GFDX_BUREAU_NONE) {
        snprintf(err, errlen, "not a bureau type");
        return -1;
    }
    unsigned bits;
    if (kinds_of(names, n, &bits, err, errlen))
        return -1;
    p->kinds[b] |= bits;
    return 0;
}

bool namelist_policy_allows(const namelist_policy *p, gfdx_bureau b, namelist_kind k)
{
    return (unsigned)b <= GFDX_BUREAU_FINANCE && b != GFDX_BUREAU_NONE && (unsigned)k < NAMELIST_KIND_COUNT &&
           (p->kinds[b] >> k & 1u);
}

/* The bureau type a report kind requires (DESIGN §5). */
static gfdx_bureau reporter_of(namelist_record_kind rk)
{
    return rk == NAMELIST_REC_CARBON ? GFDX_BUREAU_ECOLOGY : GFDX_BUREAU_FINANCE;
}

/* MIIT publishes national lists (region 100000, its own), a province_authority the lists of
 * its own region; each only the kinds of its row of the policy. */
static bool authorize_authority(const namelist_policy *p, const gfdx_participant *who, namelist_kind kind,
                                const char *region, char *why, size_t whylen)
{
    bool miit = gfdx_auth_is_kind(who, GFDX_PK_MIIT);
    unsigned bits = miit ? p->miit : p->province;
    if ((unsigned)kind >= NAMELIST_KIND_COUNT || !(bits >> kind & 1u)) {
        snprintf(why, whylen, "%s (%s) may not publish %s lists (namelist.publishers.%s)", who->id,
                 gfdx_participant_kind_name(who->kind), namelist_kind_name(kind), miit ? "miit" : "province");
        return false;
    }
    if (!region || strcmp(region, who->region)) {
        snprintf(why, whylen, "%s (region %s) may not publish lists for region %s", who->id, who->region,
                 region ? region : "(none)");
        return false;
    }
    return true;
}

bool namelist_authorize(const namelist_policy *p, const gfdx_participant *who, namelist_record_kind rk,
                        namelist_kind kind, const char *region, char *why, size_t whylen)
{
    const char *what = rk == NAMELIST_REC_PUBLISH ? "publish lists" : rk == NAMELIST_REC_CARBON
                                                                          ? "report carbon benefits"
                                                                          : "report financing support";
    if (!who) {
        snprintf(why, whylen, "unknown sender may not %s", what);
        return false;
    }
    bool authority = gfdx_auth_is_kind(who, GFDX_PK_MIIT) || gfdx_auth_is_kind(who, GFDX_PK_PROVINCE_AUTHORITY);
    if (rk == NAMELIST_REC_PUBLISH && authority)
        return authorize_authority(p, who, kind, region, why, whylen);
    if (!gfdx_auth_is_kind(who, GFDX_PK_DISTRICT_BUREAU)) {
        snprintf(why, whylen, "%s is a %s, not a district bureau: it may not %s", who->id,
                 gfdx_participant_kind_name(who->kind), what);
        return false;
    }
    if (rk == NAMELIST_REC_PUBLISH && !namelist_policy_allows(p, who->bureau, kind)) {
        snprintf(why, whylen, "%s (%s bureau) may not publish %s lists (namelist.publishers)", who->id,
                 gfdx_bureau_name(who->bureau), namelist_kind_name(kind));
        return false;
    }
    if (rk != NAMELIST_REC_PUBLISH && !gfdx_auth_is_bureau(who, reporter_of(rk))) {
        snprintf(why, whylen, "%s (%s bureau) may not %s: only the %s bureau may", who->id,
                 gfdx_bureau_name(who->bureau), what, gfdx_bureau_name(reporter_of(rk)));
        return false;
    }
    if (!region || strcmp(region, who->region)) {
        snprintf(why, whylen, "%s (region %s) may not %s for region %s", who->id, who->region, what,
                 region ? region : "(none)");
        return false;
    }
    return true;
}
