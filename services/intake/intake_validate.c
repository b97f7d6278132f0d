/* intake_validate.c: see intake_validate.h. */
#include "intake_validate.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "region.h"
#include "service.h"
#include "uscc.h"

int intake_valid_date(const char *s)
{
    int y, m, d;
    char tail;
    if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return 0;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12};
    time_t t = timegm(&tm);
    struct tm back;
    gmtime_r(&t, &back);
    return y >= 1900 && back.tm_year == y - 1900 && back.tm_mon == m - 1 && back.tm_mday == d;
}

static const char *check_ids(const json_t *b, const char *key, char *why, size_t n)
{
    const char *id = gfdx_rec_str(b, "need_id");
    if (!id || !*id || strlen(id) > 64)
        return snprintf(why, n, "need_id must be 1-64 characters"), "INVALID_FIELD";
    const char *uscc = gfdx_rec_str(b, "factory.uscc");
    if (!gfdx_uscc_is_valid(uscc))
        return snprintf(why, n, "factory.uscc \"%s\": %s", uscc ? uscc : "", gfdx_uscc_explain(uscc ? uscc : "")),
               "BAD_USCC";
    static const char *const required[] = {"factory.name", "project.name", "contact.name", "contact.phone"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        const char *v = gfdx_rec_str(b, required[i]);
        if (!v || !*v)
            return snprintf(why, n, "%s must not be empty", required[i]), "INVALID_FIELD";
    }
    return NULL;
}

static const char *check_regions(const json_t *b, char *why, size_t n)
{
    const char *prov = gfdx_rec_str(b, "factory.province");
    if (!prov || !gfdx_region_is_province(prov))
        return snprintf(why, n, "factory.province \"%s\" is not a GB/T 2260 province code", prov ? prov : ""),
               "UNKNOWN_REGION";
    const char *loc = gfdx_rec_str(b, "project.location_region");
    if (!loc || !gfdx_region_is_valid(loc))
        return snprintf(why, n, "project.location_region \"%s\" is not a GB/T 2260 code", loc ? loc : ""),
               "UNKNOWN_REGION";
    char loc_prov[7];
    if (gfdx_region_province_of(loc, loc_prov) || strcmp(loc_prov, prov))
        return snprintf(why, n, "project.location_region %s is outside the factory's province %s", loc, prov),
               "UNKNOWN_REGION";
    return NULL;
}

static const char *check_amounts(const json_t *b, char *why, size_t n)
{
    static const char *const amounts[] = {"project.total_investment", "project.equity", "project.financing_amount"};
    for (size_t i = 0; i < 3; i++)
        if (gfdx_rec_int(b, amounts[i]) < 0)
            return snprintf(why, n, "%s is negative (%lld fen)", amounts[i], gfdx_rec_int(b, amounts[i])),
                   "NEGATIVE_AMOUNT";
    long long total = gfdx_rec_int(b, "project.total_investment");
    long long financing = gfdx_rec_int(b, "project.financing_amount");
    if (financing == 0)
        return snprintf(why, n, "project.financing_amount must be positive"), "INVALID_AMOUNT";
    if (financing > total || gfdx_rec_int(b, "project.equity") > total)
        return snprintf(why, n, "financing (%lld) and equity (%lld) may not exceed total investment (%lld)",
                        financing, gfdx_rec_int(b, "project.equity"), total),
               "INVALID_AMOUNT";
    if (gfdx_rec_int(b, "project.term_months") <= 0)
        return snprintf(why, n, "project.term_months must be positive"), "INVALID_FIELD";
    static const char *const figures[] = {"project.energy_saving_tce", "project.co2_reduction_t",
                                          "project.water_saving_t"};
    for (size_t i = 0; i < 3; i++)
        if (gfdx_rec_real(b, figures[i]) < 0)
            return snprintf(why, n, "%s is negative", figures[i]), "NEGATIVE_AMOUNT";
    return NULL;
}

static const char *check_dates(const json_t *b, char *why, size_t n)
{
    const char *start = gfdx_rec_str(b, "project.start_date"), *end = gfdx_rec_str(b, "project.end_date");
    if (!intake_valid_date(start) || !intake_valid_date(end))
        return snprintf(why, n, "project dates must be YYYY-MM-DD (got \"%s\", \"%s\")", start ? start : "",
                        end ? end : ""),
               "INVALID_DATE";
    if (strcmp(start, end) > 0)
        return snprintf(why, n, "project.start_date %s is after end_date %s", start, end), "INVALID_DATE";
    return NULL;
}

const char *intake_validate_need(const json_t *body, const char *key, char *why, size_t whylen)
{
    const char *code = check_ids(body, key, why, whylen);
    if (!code)
        code = check_regions(body, why, whylen);
    if (!code)
        code = check_amounts(body, why, whylen);
    if (!code)
        code = check_dates(body, why, whylen);
    return code;
}
