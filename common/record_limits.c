/* record_limits.c: see record_limits.h. */
#include "record_limits.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define A(path, n) {path, GFDX_LC_ARRAY, n}
#define M(path, n) {path, GFDX_LC_MAP, n}
#define F(path, cls) {path, GFDX_LC_##cls, 0}

/* Every field path of every schema in schemas/avro (test_record_limits proves it); mostly by
 * path, searched linearly. */
static const gfdx_limit_rule rules[] = {
    A("added", 1000000), F("added[]", KEY), F("added_count", COUNT), F("acknowledged_by", NAME), F("alert_id", ID), F("amount", MONEY),
    F("approved_amount", MONEY), F("approved_total", MONEY), F("balance", MONEY), F("bank_id", ID),
    A("bank_ids", 500), F("bank_ids[]", ID), F("banks_approved", COUNT), F("banks_contacted", COUNT),
    F("banks_declined", COUNT), F("batch_id", ID), F("branch", ID), F("branch_id", ID), F("branch_name", NAME),
    F("category", ENUM), F("climate_finance", MONEY), F("climate_finance_note", TEXT),
    F("co2_reduction_t", QUANTITY), F("comment", TEXT), F("contact", RECORD), F("contact.email", NAME),
    F("contact.name", NAME), F("contact.phone", ID), F("days_overdue", COUNT), F("decision", ENUM),
    F("decline_reason", ENUM), F("description", TEXT), F("detail", TEXT), F("disbursed_amount", MONEY),
    F("disbursed_total", MONEY), F("due_at", TIMESTAMP),
    F("effective_at", TIMESTAMP), F("energy_saving_tce", QUANTITY), F("entity_id", ID),
    A("entries", 100000), F("entries[]", RECORD), M("entries[].attributes", 64),
    F("entries[].attributes{}", NAME), F("entries[].category_code", ID), F("entries[].entry_key", KEY), F("entries[].industry_type", ENUM),
    F("entries[].name", NAME), F("entries[].project_name", NAME), F("entries[].uscc", ID),
    F("entry_count", COUNT), F("entry_key", KEY), F("factory", RECORD), F("factory.city", ID),
    F("factory.district", ID), F("factory.green_code_grade", ENUM), F("factory.green_level", ENUM),
    F("factory.name", NAME), F("factory.province", ID), F("factory.size", ENUM), F("factory.uscc", ID),
    F("factory_name", NAME), F("facts", TEXT), F("financing_amount", MONEY), F("financing_product", ID),
    F("funding_tool", ENUM), F("funding_tool_name", NAME), F("head_hash", ID), F("in_reply_to", ID),
    F("institution", NAME), F("is_major", BOOL), F("kind", ID), F("late", BOOL), F("level", ENUM),
    F("list_id", ID), F("loans_non_performing", COUNT), F("loans_overdue", COUNT), F("log_schema", ID),
    F("meta", RECORD),
    F("meta.correlation_id", ID), F("meta.event_id", ID), F("meta.occurred_at", OCCURRED),
    F("meta.sender", ID), F("mode", ID), F("need_id", ID), F("obstacle_id", ID), F("open_obstacles", COUNT), F("outstanding_balance", MONEY), F("outstanding_total", MONEY),
    F("outcome", ENUM), F("overall", ENUM), F("part", COUNT), F("part_count", COUNT), F("period", ID),
    F("previous_version", SEQUENCE), A("priority_tags", 64), F("priority_tags[]", ID), F("product", ENUM),
    F("product_name", NAME), F("project", RECORD), F("project.catalogue_code", ID),
    F("project.co2_reduction_t", QUANTITY), F("project.digital_maturity", COUNT),
    F("project.end_date", DATE), F("project.energy_saving_tce", QUANTITY), F("project.equity", MONEY),
    F("project.financing_amount", MONEY), A("project.financing_types", 16),
    F("project.financing_types[]", ENUM), F("project.guarantee", TEXT), F("project.kind", ENUM),
    F("project.location", NAME), F("project.location_region", ID), A("project.measures", 32),
    F("project.measures[]", ENUM), F("project.name", NAME), F("project.start_date", DATE),
    F("project.term_months", COUNT), F("project.total_investment", MONEY), F("project.water_saving_t", QUANTITY),
    F("project_name", NAME), F("province", ID), F("publisher", ID), F("pushed_at", TIMESTAMP),
    F("quarter", ID), F("raised_at", TIMESTAMP), F("rate_bp", COUNT), F("reason", TEXT),
    F("reason_code", ID), A("recipient_bureaus", 8), F("recipient_bureaus[]", ID),
    A("recipients", 64), F("recipients[]", ID), F("recommended_by", ID), F("record_type", ID), F("region", ID),
    A("removed", 1000000), F("removed[]", KEY), F("removed_count", COUNT), A("removed_keys", 100000),
    F("filing_id", ID), F("removed_keys[]", KEY), F("repaid_amount", MONEY), F("repaid_total", MONEY),
    F("report_event_id", ID), F("reported_by", ID), F("resolution", TEXT), F("resolved_at", TIMESTAMP),
    F("resolved_by", NAME), F("resolved_by_official", NAME), F("reviewer", NAME), F("revision", SEQUENCE),
    F("revision_note", TEXT), F("row_count", SEQUENCE), A("rows", 5000), F("rows[]", RECORD),
    F("rows[].balance", MONEY), F("rows[].bond_amount", MONEY), F("rows[].claims_paid", MONEY),
    F("rows[].disbursed", MONEY), F("rows[].emc_balance", MONEY), F("rows[].emc_disbursed", MONEY),
    F("rows[].emc_loan_type", ENUM), F("rows[].enterprise", NAME), F("rows[].guaranteed", MONEY),
    F("rows[].insurance_type", NAME), F("rows[].insured", MONEY), F("rows[].invested", MONEY),
    F("rows[].loan_type", ENUM), F("rows[].project_name", NAME), F("rows[].project_type", ID),
    F("rows[].registration_region", ID), F("rows[].uscc", ID), F("sequence", SEQUENCE), F("table_no", COUNT),
    F("service", ID), F("source_offset", SEQUENCE), F("source_partition", COUNT), F("source_topic", ID),
    F("stage", ENUM), F("status", ENUM), F("submission_channel", ID), F("taken_at", TIMESTAMP),
    F("term_months", COUNT), F("title", NAME), A("updated", 1000000), F("updated[]", KEY), F("updated_count", COUNT), F("uscc", ID),
    F("version", SEQUENCE),
    /* RecommendationReminder (gfdx-intake's deadline reminder) */
    F("authority", ID), F("deadline", DATE), A("needs", 500), F("needs[]", RECORD),
    F("needs[].need_id", ID), F("needs[].factory_name", NAME), F("needs[].project_name", NAME), F("needs[].financing_amount", MONEY),
    F("needs[].is_major", BOOL), F("needs[].approved_at", TIMESTAMP), F("needs[].ageing_working_days", COUNT), F("working_days_left", COUNT),
};

#define MIN_MS 631152000000LL  /* 1990-01-01T00:00:00Z */
#define MAX_MS 4133980799999LL /* 2100-12-31T23:59:59.999Z */

const gfdx_limit_rule *gfdx_limits_find(const char *path)
{
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (!strcmp(rules[i].path, path))
            return &rules[i];
    return NULL;
}

const char *gfdx_limits_class_name(gfdx_limit_class cls)
{
    static const char *const names[] = {"id", "key", "name", "text", "money", "date", "timestamp", "occurred_at",
                                        "count", "sequence", "quantity", "enum", "bool", "record", "array", "map"};
    return names[cls];
}

/* ---- text ---------------------------------------------------------------------------- */

/* Decodes one code point of strictly valid UTF-8 (checked before); returns its length. */
static size_t next_cp(const unsigned char *s, uint32_t *cp)
{
    if (s[0] < 0x80)
        return *cp = s[0], 1;
    if (s[0] < 0xE0)
        return *cp = ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F), 2;
    if (s[0] < 0xF0)
        return *cp = ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F), 3;
    *cp = ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) | ((uint32_t)(s[2] & 0x3F) << 6) |
          (s[3] & 0x3F);
    return 4;
}

bool gfdx_utf8_valid(const void *buf, size_t n)
{
    const unsigned char *s = buf;
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t len = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3
                                 : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
        if (len == 0 || c == 0 || n - i < len)
            return false;
        for (size_t k = 1; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
        if ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] > 0x9F) ||
            (c == 0xF0 && s[i + 1] < 0x90) || (c == 0xF4 && s[i + 1] > 0x8F))
            return false;
        i += len;
    }
    return true;
}

/* Bidi embeddings, overrides and isolates: they reorder what an operator reads. */
static bool is_bidi_override(uint32_t cp) { return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069); }

/* Whether code point cp may appear in a string of class cls. */
static bool cp_allowed(gfdx_limit_class cls, uint32_t cp)
{
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
        return cls == GFDX_LC_TEXT && cp == '\n';
    if (is_bidi_override(cp))
        return false;
    return cls == GFDX_LC_TEXT || (cp != 0x200E && cp != 0x200F); /* LRM, RLM */
}

const char *gfdx_limits_check_text(gfdx_limit_class cls, const char *what, const char *s, size_t n, char *why,
                                   size_t whylen)
{
    size_t max_bytes = cls == GFDX_LC_ID ? GFDX_LIMIT_ID_BYTES : cls == GFDX_LC_KEY ? GFDX_LIMIT_KEY_BYTES : 0;
    size_t max_chars = cls == GFDX_LC_NAME ? GFDX_LIMIT_NAME_CHARS : cls == GFDX_LC_TEXT ? GFDX_LIMIT_TEXT_CHARS : 0;
    if (max_bytes && n > max_bytes)
        return snprintf(why, whylen, "%s: %zu bytes, at most %zu", what, n, max_bytes), "LIMIT_EXCEEDED";
    if (max_chars && n > 4 * max_chars)
        return snprintf(why, whylen, "%s: %zu bytes, at most %zu characters", what, n, max_chars), "LIMIT_EXCEEDED";
    if (!gfdx_utf8_valid(s, n))
        return snprintf(why, whylen, "%s: not valid UTF-8", what), "INVALID_FIELD";
    size_t chars = 0;
    for (size_t i = 0; i < n; chars++) {
        uint32_t cp;
        i += next_cp((const unsigned char *)s + i, &cp);
        if (!cp_allowed(cls, cp))
            return snprintf(why, whylen, "%s: character U+%04X (a control or bidi character) is not allowed in %s",
                            what, (unsigned)cp, gfdx_limits_class_name(cls)),
                   "INVALID_FIELD";
    }
    if (max_chars && chars > max_chars)
        return snprintf(why, whylen, "%s: %zu characters, at most %zu", what, chars, max_chars), "LIMIT_EXCEEDED";
    return NULL;
}

/* ---- numbers and dates ----------------------------------------------------------------- */

static const char *check_int(const gfdx_limit_rule *r, const char *what, json_int_t v, const gfdx_limits_clock *clk,
                             char *why, size_t whylen)
{
    long long lo = 0, hi = r->cls == GFDX_LC_MONEY ? GFDX_LIMIT_MONEY_MAX
                        : r->cls == GFDX_LC_COUNT  ? GFDX_LIMIT_COUNT_MAX
                                                   : GFDX_LIMIT_SEQUENCE_MAX;
    if (r->cls == GFDX_LC_TIMESTAMP || r->cls == GFDX_LC_OCCURRED) {
        if (v < MIN_MS || v > MAX_MS)
            return snprintf(why, whylen, "%s: %lld ms is outside 1990-01-01 .. 2100-12-31", what, (long long)v),
                   "INVALID_FIELD";
        if (r->cls == GFDX_LC_TIMESTAMP)
            return NULL;
        int64_t past = clk->skew_past_ms ? clk->skew_past_ms : GFDX_LIMIT_SKEW_PAST_MS;
        int64_t future = clk->skew_future_ms ? clk->skew_future_ms : GFDX_LIMIT_SKEW_FUTURE_MS;
        if (v > clk->now_ms + future || v < clk->now_ms - past)
            return snprintf(why, whylen, "%s: %lld ms is more than %lld s ahead of or %lld s behind now (%lld)", what,
                            (long long)v, (long long)(future / 1000), (long long)(past / 1000),
                            (long long)clk->now_ms),
                   "INVALID_FIELD";
        return NULL;
    }
    if (v < lo)
        return snprintf(why, whylen, "%s: %lld is negative", what, (long long)v),
               r->cls == GFDX_LC_MONEY ? "NEGATIVE_AMOUNT" : "INVALID_FIELD";
    if (v > hi)
        return snprintf(why, whylen, "%s: %lld is above the limit %lld", what, (long long)v, hi), "LIMIT_EXCEEDED";
    return NULL;
}

static const char *check_quantity(const char *what, double v, char *why, size_t whylen)
{
    if (!isfinite(v))
        return snprintf(why, whylen, "%s: not a finite number", what), "INVALID_FIELD";
    if (v < 0)
        return snprintf(why, whylen, "%s: %g is negative", what, v), "NEGATIVE_AMOUNT";
    if (v > GFDX_LIMIT_QUANTITY_MAX)
        return snprintf(why, whylen, "%s: %g is above the limit %g", what, v, GFDX_LIMIT_QUANTITY_MAX),
               "LIMIT_EXCEEDED";
    return NULL;
}

static const char *check_date(const char *what, const char *s, char *why, size_t whylen)
{
    int y = 0, m = 0, d = 0, end = 0;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &end) != 3 || end != 10 || s[4] != '-' ||
        s[7] != '-' || m < 1 || m > 12 || d < 1 || d > 31)
        return snprintf(why, whylen, "%s: \"%.16s\" is not a date YYYY-MM-DD", what, s), "INVALID_FIELD";
    if (y < 1990 || y > 2100)
        return snprintf(why, whylen, "%s: %s is outside 1990 .. 2100", what, s), "INVALID_FIELD";
    return NULL;
}

/* ---- the walk -------------------------------------------------------------------------- */

typedef struct {
    const gfdx_limits_clock *clock;
    char *why;
    size_t whylen;
} walk_t;

static const char *walk_value(walk_t *w, const json_t *v, const char *rule_path, const char *shown);

static const char *type_error(walk_t *w, const char *shown, const gfdx_limit_rule *r)
{
    snprintf(w->why, w->whylen, "%s: not a valid %s value", shown, gfdx_limits_class_name(r->cls));
    return "INVALID_FIELD";
}

/* Children of an object (record fields or map values), or array items. */
static const char *walk_children(walk_t *w, const json_t *v, const gfdx_limit_rule *r, const char *shown)
{
    char rp[256], sp[256];
    if (json_is_array(v)) {
        snprintf(rp, sizeof rp, "%s[]", r->path);
        for (size_t i = 0; i < json_array_size(v); i++) {
            snprintf(sp, sizeof sp, "%s[%zu]", shown, i);
            const char *code = walk_value(w, json_array_get(v, i), rp, sp);
            if (code)
                return code;
        }
        return NULL;
    }
    const char *k;
    const json_t *child;
    json_object_foreach((json_t *)v, k, child) {
        if (r->cls == GFDX_LC_MAP) {
            snprintf(sp, sizeof sp, "%s key", shown);
            const char *code = gfdx_limits_check_text(GFDX_LC_ID, sp, k, strlen(k), w->why, w->whylen);
            if (code)
                return code;
        }
        snprintf(rp, sizeof rp, r->cls == GFDX_LC_MAP ? "%s{}" : "%s%s%s", r->path, *r->path ? "." : "", k);
        snprintf(sp, sizeof sp, r->cls == GFDX_LC_MAP ? "%s{%s}" : "%s%s%s", shown, *shown ? "." : "", k);
        const char *code = walk_value(w, child, rp, sp);
        if (code)
            return code;
    }
    return NULL;
}

static const char *walk_container(walk_t *w, const json_t *v, const gfdx_limit_rule *r, const char *shown)
{
    bool array = r->cls == GFDX_LC_ARRAY;
    if (array ? !json_is_array(v) : !json_is_object(v))
        return type_error(w, shown, r);
    size_t n = array ? json_array_size(v) : json_object_size(v);
    if (r->cls != GFDX_LC_RECORD && n > (size_t)r->max_count) {
        snprintf(w->why, w->whylen, "%s: %zu items, at most %ld", shown, n, r->max_count);
        return "LIMIT_EXCEEDED";
    }
    return walk_children(w, v, r, shown);
}

static const char *walk_value(walk_t *w, const json_t *v, const char *rule_path, const char *shown)
{
    const gfdx_limit_rule *r = gfdx_limits_find(rule_path);
    if (!r) {
        snprintf(w->why, w->whylen, "%s: field has no limit class (common/record_limits.c)", shown);
        return "INVALID_FIELD";
    }
    if (json_is_null(v))
        return NULL; /* an absent optional value */
    switch (r->cls) {
    case GFDX_LC_ID: case GFDX_LC_KEY: case GFDX_LC_NAME: case GFDX_LC_TEXT:
        if (!json_is_string(v))
            return type_error(w, shown, r);
        return gfdx_limits_check_text(r->cls, shown, json_string_value(v), json_string_length(v), w->why, w->whylen);
    case GFDX_LC_DATE:
        return json_is_string(v) ? check_date(shown, json_string_value(v), w->why, w->whylen) : type_error(w, shown, r);
    case GFDX_LC_MONEY: case GFDX_LC_TIMESTAMP: case GFDX_LC_OCCURRED: case GFDX_LC_COUNT: case GFDX_LC_SEQUENCE:
        return json_is_integer(v) ? check_int(r, shown, json_integer_value(v), w->clock, w->why, w->whylen)
                                  : type_error(w, shown, r);
    case GFDX_LC_QUANTITY:
        return json_is_number(v) ? check_quantity(shown, json_number_value(v), w->why, w->whylen)
                                 : type_error(w, shown, r);
    case GFDX_LC_ENUM:
        return json_is_string(v) ? NULL : type_error(w, shown, r);
    case GFDX_LC_BOOL:
        return json_is_boolean(v) ? NULL : type_error(w, shown, r);
    default:
        return walk_container(w, v, r, shown);
    }
}

const char *gfdx_limits_check(const json_t *body, const gfdx_limits_clock *clock, char *why, size_t whylen)
{
    walk_t w = {clock, why, whylen};
    static const gfdx_limit_rule top = {"", GFDX_LC_RECORD, 0};
    if (!json_is_object(body))
        return snprintf(why, whylen, "the record is not an object"), "INVALID_FIELD";
    return walk_children(&w, body, &top, "");
}
