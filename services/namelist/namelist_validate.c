/* namelist_validate.c: see namelist_validate.h. */
#include "namelist_validate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "namelist_auth.h"
#include "namelist_version.h"
#include "region.h"
#include "service.h"
#include "uscc.h"

#define MAX_ID 64       /* list ids */
#define MAX_KEY 128     /* entry keys, bytes */
#define MAX_TEXT 600    /* names and titles, bytes (200 CJK characters) */

bool namelist_text_ok(const char *s, size_t maxbytes)
{
    if (!s || !*s || strlen(s) > maxbytes)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

static bool id_ok(const char *s)
{
    if (!s || !*s || strlen(s) > MAX_ID)
        return false;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == strlen(s);
}

bool namelist_category_code_ok(const char *code)
{
    if (!code || code[0] < '1' || code[0] > '7')
        return false;
    int levels = 0;
    const char *p = code;
    while (*p) {
        size_t digits = strspn(p, "0123456789");
        if (digits < 1 || digits > 2 || (digits == 2 && p[0] == '0') || ++levels > 4)
            return false;
        p += digits;
        if (*p == '.' && p[1])
            p++;
        else if (*p)
            return false;
    }
    return true;
}

static const char *check_key(const json_t *body, const char *key, char *why, size_t whylen)
{
    const char *list_id = gfdx_rec_str(body, "list_id");
    if (!id_ok(list_id)) {
        snprintf(why, whylen, "list_id \"%s\": 1-%d characters of A-Z a-z 0-9 . _ -", list_id ? list_id : "",
                 MAX_ID);
        return "INVALID_FIELD";
    }
    return NULL;
}

/* One entry of the list; i is its index in entries[]. */
static const char *check_entry(const json_t *e, size_t i, char *why, size_t whylen)
{
    const char *k = gfdx_rec_str(e, "entry_key"), *uscc = gfdx_rec_str(e, "uscc");
    const char *pname = gfdx_rec_str(e, "project_name"), *cat = gfdx_rec_str(e, "category_code");
    if (!namelist_text_ok(k, MAX_KEY)) {
        snprintf(why, whylen, "entries[%zu].entry_key: 1-%d bytes without control characters", i, MAX_KEY);
        return "INVALID_FIELD";
    }
    if (!gfdx_uscc_is_valid(uscc)) {
        snprintf(why, whylen, "entries[%zu] (%s).uscc \"%s\": %s", i, k, uscc ? uscc : "", gfdx_uscc_explain(uscc));
        return "BAD_USCC";
    }
    if (!namelist_text_ok(gfdx_rec_str(e, "name"), MAX_TEXT) || (pname && !namelist_text_ok(pname, MAX_TEXT))) {
        snprintf(why, whylen, "entries[%zu] (%s): name and project_name must be 1-%d bytes without control characters",
                 i, k, MAX_TEXT);
        return "INVALID_FIELD";
    }
    if (cat && !namelist_category_code_ok(cat)) {
        snprintf(why, whylen, "entries[%zu] (%s).category_code \"%s\" is not a catalogue code like 1.2.3", i, k, cat);
        return "INVALID_FIELD";
    }
    return NULL;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* Entry keys and removed keys: each at most once in the record. */
static const char *check_unique(const json_t *entries, const json_t *removed, char *why, size_t whylen)
{
    size_t ne = json_array_size(entries), nr = json_array_size(removed), n = 0;
    const char **keys = malloc((ne + nr + 1) * sizeof *keys);
    if (!keys) {
        snprintf(why, whylen, "out of memory");
        return "INVALID_FIELD";
    }
    for (size_t i = 0; i < ne; i++)
        keys[n++] = gfdx_rec_str(json_array_get(entries, i), "entry_key");
    for (size_t i = 0; i < nr; i++)
        keys[n++] = json_string_value(json_array_get(removed, i));
    qsort(keys, n, sizeof *keys, cmp_str);
    const char *code = NULL;
    for (size_t i = 1; i < n && !code; i++)
        if (!strcmp(keys[i - 1], keys[i])) {
            snprintf(why, whylen, "entry key \"%s\" appears more than once (entries and removed_keys)", keys[i]);
            code = "DUPLICATE_ENTRY";
        }
    free(keys);
    return code;
}

/* Version, mode, parts and their limits. */
static const char *check_header(const json_t *b, const namelist_limits *lim, char *why, size_t whylen)
{
    long long version = gfdx_rec_int(b, "version"), part = gfdx_rec_int(b, "part"), count = gfdx_rec_int(b, "part_count");
    if (!namelist_text_ok(gfdx_rec_str(b, "title"), MAX_TEXT)) {
        snprintf(why, whylen, "title: 1-%d bytes without control characters", MAX_TEXT);
        return "INVALID_FIELD";
    }
    const char *region = gfdx_rec_str(b, "region");
    if (!gfdx_region_is_valid(region) && !(region && !strcmp(region, "100000"))) { /* 100000: national lists */
        snprintf(why, whylen, "region \"%s\" is not a GB/T 2260 code (or 100000, national)", region);
        return "UNKNOWN_REGION";
    }
    if (version < 1) {
        snprintf(why, whylen, "version %lld: versions start at 1", version);
        return "INVALID_FIELD";
    }
    if (count > lim->max_parts) {
        snprintf(why, whylen, "part_count %lld is above namelist.max_parts %d", count, lim->max_parts);
        return "LIMIT_EXCEEDED";
    }
    if (count < 1 || part < 1 || part > count) {
        snprintf(why, whylen, "part %lld of %lld: parts are numbered 1..part_count", part, count);
        return "INVALID_FIELD";
    }
    if (json_array_size(gfdx_rec_get(b, "entries")) > (size_t)lim->max_entries_per_part) {
        snprintf(why, whylen, "%zu entries in one record, above namelist.max_entries_per_part %d: split the version"
                 " into more parts", json_array_size(gfdx_rec_get(b, "entries")), lim->max_entries_per_part);
        return "LIMIT_EXCEEDED";
    }
    namelist_mode mode;
    namelist_kind kind;
    if (namelist_mode_parse(gfdx_rec_str(b, "mode"), &mode) || namelist_kind_parse(gfdx_rec_str(b, "kind"), &kind)) {
        snprintf(why, whylen, "mode must be FULL or DELTA and kind a NameListKind symbol");
        return "INVALID_FIELD";
    }
    if (mode == NAMELIST_FULL && json_array_size(gfdx_rec_get(b, "removed_keys"))) {
        snprintf(why, whylen, "a FULL version removes by omission: removed_keys must be empty");
        return "INVALID_FIELD";
    }
    return NULL;
}

const char *namelist_validate_published(const json_t *b, const char *key, const namelist_limits *lim, char *why,
                                        size_t whylen)
{
    const char *code = check_key(b, key, why, whylen);
    if (!code)
        code = check_header(b, lim, why, whylen);
    const json_t *entries = gfdx_rec_get(b, "entries"), *removed = gfdx_rec_get(b, "removed_keys");
    for (size_t i = 0; !code && i < json_array_size(entries); i++)
        code = check_entry(json_array_get(entries, i), i, why, whylen);
    for (size_t i = 0; !code && i < json_array_size(removed); i++)
        if (!namelist_text_ok(json_string_value(json_array_get(removed, i)), MAX_KEY)) {
            snprintf(why, whylen, "removed_keys[%zu]: 1-%d bytes without control characters", i, MAX_KEY);
            code = "INVALID_FIELD";
        }
    return code ? code : check_unique(entries, removed, why, whylen);
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int namelist_period_bounds(const char *period, int64_t *start_ms, int64_t *end_ms)
{
    if (!period || strlen(period) != 6 || strspn(period, "0123456789") != 4 || period[4] != 'H' ||
        (period[5] != '1' && period[5] != '2'))
        return -1;
    int year = atoi(period);
    if (year < 2000 || year > 2099)
        return -1;
    const int64_t day = 86400000, cst = 8 * 3600000;
    int h2 = period[5] == '2';
    *start_ms = days_from_civil(year, h2 ? 7 : 1, 1) * day - cst;
    *end_ms = days_from_civil(h2 ? year + 1 : year, h2 ? 1 : 7, 1) * day - cst;
    return 0;
}

/* list_id, entry_key and period, shared by both reports. */
static const char *check_report(const json_t *b, const char *key, char *why, size_t whylen)
{
    const char *code = check_key(b, key, why, whylen);
    if (code)
        return code;
    if (!namelist_text_ok(gfdx_rec_str(b, "entry_key"), MAX_KEY)) {
        snprintf(why, whylen, "entry_key: 1-%d bytes without control characters", MAX_KEY);
        return "INVALID_FIELD";
    }
    int64_t s, e;
    if (namelist_period_bounds(gfdx_rec_str(b, "period"), &s, &e)) {
        snprintf(why, whylen, "period \"%s\" is not a half-year like 2026H1", gfdx_rec_str(b, "period"));
        return "INVALID_PERIOD";
    }
    return NULL;
}

/* A quantity: finite and >= 0. */
static const char *check_quantity(const char *field, double v, char *why, size_t whylen)
{
    if (!isfinite(v)) {
        snprintf(why, whylen, "%s is not a finite number", field);
        return "INVALID_AMOUNT";
    }
    if (v < 0) {
        snprintf(why, whylen, "%s %g is negative", field, v);
        return "NEGATIVE_AMOUNT";
    }
    return NULL;
}

const char *namelist_validate_carbon(const json_t *b, const char *key, char *why, size_t whylen)
{
    const char *code = check_report(b, key, why, whylen);
    if (!code)
        code = check_quantity("co2_reduction_t", gfdx_rec_real(b, "co2_reduction_t"), why, whylen);
    if (!code && json_is_number(gfdx_rec_get(b, "energy_saving_tce")))
        code = check_quantity("energy_saving_tce", gfdx_rec_real(b, "energy_saving_tce"), why, whylen);
    if (!code)
        code = check_quantity("climate_finance", (double)gfdx_rec_int(b, "climate_finance"), why, whylen);
    const char *note = gfdx_rec_str(b, "climate_finance_note");
    if (!code && note && strlen(note) > 4000) {
        snprintf(why, whylen, "climate_finance_note is longer than 4000 bytes");
        code = "INVALID_FIELD";
    }
    return code;
}

const char *namelist_validate_financing(const json_t *b, const char *key, char *why, size_t whylen)
{
    const char *code = check_report(b, key, why, whylen);
    if (!code && !namelist_text_ok(gfdx_rec_str(b, "institution"), MAX_TEXT)) {
        snprintf(why, whylen, "institution: 1-%d bytes without control characters", MAX_TEXT);
        code = "INVALID_FIELD";
    }
    if (!code)
        code = check_quantity("amount", (double)gfdx_rec_int(b, "amount"), why, whylen);
    if (!code)
        code = check_quantity("balance", (double)gfdx_rec_int(b, "balance"), why, whylen);
    const json_t *rate = gfdx_rec_get(b, "rate_bp");
    if (!code && json_is_integer(rate) && (json_integer_value(rate) < 0 || json_integer_value(rate) > 10000)) {
        snprintf(why, whylen, "rate_bp %lld is outside 0..10000", (long long)json_integer_value(rate));
        code = "INVALID_AMOUNT";
    }
    return code;
}
