/* test_record_limits.c: the limits table covers every field of every schema in schemas/avro
 * (so no field can be added unbounded), each class's edges, and the generic walk over a body. */
#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "record_limits.h"

#define SCHEMA_DIR GFDX_SOURCE_DIR "/schemas/avro"

/* ---- coverage: walk each .avsc as the decoder shapes bodies ---- */

static json_t *named; /* full and short names of the file's named types -> definitions */

static bool compatible(gfdx_limit_class cls, const char *avro)
{
    if (!strcmp(avro, "string"))
        return cls <= GFDX_LC_TEXT || cls == GFDX_LC_DATE;
    if (!strcmp(avro, "long") || !strcmp(avro, "int"))
        return cls >= GFDX_LC_MONEY && cls <= GFDX_LC_SEQUENCE && cls != GFDX_LC_DATE;
    if (!strcmp(avro, "double") || !strcmp(avro, "float"))
        return cls == GFDX_LC_QUANTITY;
    if (!strcmp(avro, "enum"))
        return cls == GFDX_LC_ENUM || cls == GFDX_LC_ID;
    if (!strcmp(avro, "boolean"))
        return cls == GFDX_LC_BOOL;
    if (!strcmp(avro, "record"))
        return cls == GFDX_LC_RECORD;
    if (!strcmp(avro, "array"))
        return cls == GFDX_LC_ARRAY;
    if (!strcmp(avro, "map"))
        return cls == GFDX_LC_MAP;
    return false;
}

static int fields_seen;

static void cover(const char *file, const json_t *t, const char *path);

static void cover_rule(const char *file, const char *path, const char *avro)
{
    const gfdx_limit_rule *r = gfdx_limits_find(path);
    CHECK_MSG(r != NULL, "%s: field %s (%s) has no limit class in common/record_limits.c", file, path, avro);
    if (r)
        CHECK_MSG(compatible(r->cls, avro), "%s: %s is %s but classed %s", file, path, avro,
                  gfdx_limits_class_name(r->cls));
    if (r && (r->cls == GFDX_LC_ARRAY || r->cls == GFDX_LC_MAP))
        CHECK_MSG(r->max_count > 0, "%s: %s has no max count", file, path);
    fields_seen++;
}

static void cover_complex(const char *file, const json_t *t, const char *path)
{
    const char *type = json_string_value(json_object_get(t, "type"));
    char sub[256];
    if (!strcmp(type, "record")) {
        json_object_set(named, json_string_value(json_object_get(t, "name")), (json_t *)t);
        if (*path)
            cover_rule(file, path, "record");
        const json_t *f;
        size_t i;
        json_array_foreach(json_object_get(t, "fields"), i, f) {
            snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", json_string_value(json_object_get(f, "name")));
            cover(file, json_object_get(f, "type"), sub);
        }
    } else if (!strcmp(type, "array") || !strcmp(type, "map")) {
        cover_rule(file, path, type);
        snprintf(sub, sizeof sub, "%s%s", path, !strcmp(type, "array") ? "[]" : "{}");
        cover(file, json_object_get(t, !strcmp(type, "array") ? "items" : "values"), sub);
    } else {
        if (!strcmp(type, "enum") || !strcmp(type, "fixed"))
            json_object_set(named, json_string_value(json_object_get(t, "name")), (json_t *)t);
        cover_rule(file, path, type); /* a primitive with a logicalType, or enum */
    }
}

static void cover(const char *file, const json_t *t, const char *path)
{
    if (json_is_array(t)) { /* union: every branch but null */
        size_t i;
        const json_t *b;
        json_array_foreach(t, i, b)
            if (!json_is_string(b) || strcmp(json_string_value(b), "null"))
                cover(file, b, path);
    } else if (json_is_object(t)) {
        cover_complex(file, t, path);
    } else {
        const char *name = json_string_value(t), *dot = strrchr(name, '.');
        json_t *def = json_object_get(named, name);
        if (!def && dot)
            def = json_object_get(named, dot + 1);
        if (def) {
            const char *type = json_string_value(json_object_get(def, "type"));
            if (!strcmp(type, "record"))
                cover_complex(file, def, path);
            else
                cover_rule(file, path, type);
        } else {
            cover_rule(file, path, name);
        }
    }
}

static void test_every_schema_field_has_a_class(void)
{
    DIR *dir = opendir(SCHEMA_DIR);
    CHECK(dir != NULL);
    struct dirent *e;
    int files = 0;
    while (dir && (e = readdir(dir))) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 5, ".avsc"))
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", SCHEMA_DIR, e->d_name);
        json_error_t je;
        json_t *s = json_load_file(path, 0, &je);
        CHECK_MSG(s != NULL, "%s: %s", path, je.text);
        named = json_object();
        if (s)
            cover(e->d_name, s, "");
        json_decref(named);
        json_decref(s);
        files++;
    }
    if (dir)
        closedir(dir);
    CHECK_MSG(files >= 21 && fields_seen > 300, "%d schema files, %d fields", files, fields_seen);
}

/* ---- class edges ---- */

static const char *text(gfdx_limit_class cls, const char *s)
{
    static char why[512];
    return gfdx_limits_check_text(cls, "f", s, strlen(s), why, sizeof why);
}

static char *repeat(const char *unit, size_t times)
{
    size_t u = strlen(unit);
    char *s = malloc(u * times + 1);
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * u, unit, u);
    s[u * times] = '\0';
    return s;
}

static void test_text_classes(void)
{
    char *id64 = repeat("a", 64), *id65 = repeat("a", 65), *key128 = repeat("k", 128), *key129 = repeat("k", 129);
    char *name200 = repeat("绿", 200), *name201 = repeat("绿", 201);
    char *text2000 = repeat("文", 2000), *text2001 = repeat("文", 2001);
    CHECK(text(GFDX_LC_ID, id64) == NULL);
    CHECK_STR_EQ(text(GFDX_LC_ID, id65), "LIMIT_EXCEEDED");
    CHECK(text(GFDX_LC_KEY, key128) == NULL);
    CHECK_STR_EQ(text(GFDX_LC_KEY, key129), "LIMIT_EXCEEDED");
    CHECK(text(GFDX_LC_NAME, name200) == NULL); /* 600 bytes: names count characters */
    CHECK_STR_EQ(text(GFDX_LC_NAME, name201), "LIMIT_EXCEEDED");
    CHECK(text(GFDX_LC_TEXT, text2000) == NULL);
    CHECK_STR_EQ(text(GFDX_LC_TEXT, text2001), "LIMIT_EXCEEDED");
    /* controls: newline only in free text */
    CHECK(text(GFDX_LC_TEXT, "第一行\n第二行") == NULL);
    CHECK_STR_EQ(text(GFDX_LC_TEXT, "a\tb"), "INVALID_FIELD");
    CHECK_STR_EQ(text(GFDX_LC_TEXT, "a\rb"), "INVALID_FIELD");
    CHECK_STR_EQ(text(GFDX_LC_NAME, "a\nb"), "INVALID_FIELD");
    CHECK_STR_EQ(text(GFDX_LC_ID, "N-\x1b]0;owned\x07"), "INVALID_FIELD");
    CHECK_STR_EQ(text(GFDX_LC_ID, "a\x7f"), "INVALID_FIELD");
    CHECK_STR_EQ(text(GFDX_LC_NAME, "a\xc2\x85z"), "INVALID_FIELD"); /* U+0085 NEL, a C1 control */
    /* bidi overrides and isolates everywhere; LRM/RLM not in ids and names */
    CHECK_STR_EQ(text(GFDX_LC_NAME, "abc\xe2\x80\xaexyz"), "INVALID_FIELD"); /* U+202E */
    CHECK_STR_EQ(text(GFDX_LC_ID, "abc\xe2\x80\xaa"), "INVALID_FIELD");     /* U+202A */
    CHECK_STR_EQ(text(GFDX_LC_TEXT, "abc\xe2\x81\xa6"), "INVALID_FIELD");   /* U+2066 */
    CHECK_STR_EQ(text(GFDX_LC_KEY, "abc\xe2\x81\xa9"), "INVALID_FIELD");    /* U+2069 */
    CHECK_STR_EQ(text(GFDX_LC_ID, "abc\xe2\x80\x8f"), "INVALID_FIELD");     /* U+200F */
    CHECK_STR_EQ(text(GFDX_LC_NAME, "abc\xe2\x80\x8e"), "INVALID_FIELD");   /* U+200E */
    CHECK(text(GFDX_LC_NAME, "abc\xe2\x80\xa9") == NULL);                   /* U+2029 is not bidi */
    /* strict UTF-8 */
    CHECK_STR_EQ(text(GFDX_LC_ID, "\xc0\xaf"), "INVALID_FIELD");         /* overlong '/' */
    CHECK_STR_EQ(text(GFDX_LC_ID, "\xed\xa0\x80"), "INVALID_FIELD");     /* surrogate U+D800 */
    CHECK_STR_EQ(text(GFDX_LC_ID, "\xf4\x90\x80\x80"), "INVALID_FIELD"); /* above U+10FFFF */
    CHECK(!gfdx_utf8_valid("a\0b", 3));
    CHECK(gfdx_utf8_valid("\xf0\x9f\x8c\xb1", 4)); /* U+1F331 */
    free(id64), free(id65), free(key128), free(key129), free(name200), free(name201), free(text2000), free(text2001);
}

/* One field set in an otherwise empty body. */
static const char *field(const char *path, json_t *v)
{
    static char why[512];
    json_t *b = json_object();
    json_object_set_new(b, path, v);
    gfdx_limits_clock clk = {1780000000000LL, 0, 0}; /* 2026-05-28 */
    const char *code = gfdx_limits_check(b, &clk, why, sizeof why);
    json_decref(b);
    return code ? code : "OK";
}

static void test_numbers_and_dates(void)
{
    CHECK_STR_EQ(field("amount", json_integer(GFDX_LIMIT_MONEY_MAX)), "OK");
    CHECK_STR_EQ(field("amount", json_integer(GFDX_LIMIT_MONEY_MAX + 1)), "LIMIT_EXCEEDED");
    CHECK_STR_EQ(field("amount", json_integer(0)), "OK");
    CHECK_STR_EQ(field("amount", json_integer(-1)), "NEGATIVE_AMOUNT");
    CHECK_STR_EQ(field("amount", json_string("5")), "INVALID_FIELD");
    CHECK_STR_EQ(field("banks_contacted", json_integer(GFDX_LIMIT_COUNT_MAX)), "OK");
    CHECK_STR_EQ(field("banks_contacted", json_integer(GFDX_LIMIT_COUNT_MAX + 1)), "LIMIT_EXCEEDED");
    CHECK_STR_EQ(field("banks_contacted", json_integer(-1)), "INVALID_FIELD");
    CHECK_STR_EQ(field("version", json_integer(GFDX_LIMIT_SEQUENCE_MAX)), "OK");
    CHECK_STR_EQ(field("version", json_integer(GFDX_LIMIT_SEQUENCE_MAX + 1)), "LIMIT_EXCEEDED");
    CHECK_STR_EQ(field("co2_reduction_t", json_real(1e12)), "OK");
    CHECK_STR_EQ(field("co2_reduction_t", json_real(1.5e12)), "LIMIT_EXCEEDED");
    CHECK_STR_EQ(field("co2_reduction_t", json_real(-0.5)), "NEGATIVE_AMOUNT");
    CHECK_STR_EQ(field("pushed_at", json_integer(631152000000LL)), "OK");      /* 1990-01-01 */
    CHECK_STR_EQ(field("pushed_at", json_integer(631151999999LL)), "INVALID_FIELD");
    CHECK_STR_EQ(field("pushed_at", json_integer(4133980799999LL)), "OK");     /* 2100-12-31 end */
    CHECK_STR_EQ(field("pushed_at", json_integer(4133980800000LL)), "INVALID_FIELD");
    CHECK_STR_EQ(field("raised_at", json_integer(0)), "INVALID_FIELD");
    json_t *p = json_pack("{s:s}", "start_date", "1990-01-01");
    CHECK_STR_EQ(field("project", p), "OK");
    CHECK_STR_EQ(field("project", json_pack("{s:s}", "end_date", "2100-12-31")), "OK");
    CHECK_STR_EQ(field("project", json_pack("{s:s}", "end_date", "2101-01-01")), "INVALID_FIELD");
    CHECK_STR_EQ(field("project", json_pack("{s:s}", "start_date", "1989-12-31")), "INVALID_FIELD");
    CHECK_STR_EQ(field("project", json_pack("{s:s}", "start_date", "2026-1-01")), "INVALID_FIELD");
    CHECK_STR_EQ(field("project", json_pack("{s:s}", "start_date", "20260101xx")), "INVALID_FIELD");
}

static void test_occurred_at_skew(void)
{
    char why[512];
    int64_t now = 1780000000000LL;
    gfdx_limits_clock clk = {now, 0, 0}, tight = {now, 60000, 60000};
    json_t *b = json_pack("{s:{s:I}}", "meta", "occurred_at", (json_int_t)(now + GFDX_LIMIT_SKEW_FUTURE_MS));
    CHECK(gfdx_limits_check(b, &clk, why, sizeof why) == NULL);
    CHECK_STR_EQ(gfdx_limits_check(b, &tight, why, sizeof why), "INVALID_FIELD");
    CHECK(strstr(why, "meta.occurred_at") != NULL);
    json_object_set_new(json_object_get(b, "meta"), "occurred_at",
                        json_integer(now + GFDX_LIMIT_SKEW_FUTURE_MS + 1));
    CHECK_STR_EQ(gfdx_limits_check(b, &clk, why, sizeof why), "INVALID_FIELD");
    json_object_set_new(json_object_get(b, "meta"), "occurred_at", json_integer(now - GFDX_LIMIT_SKEW_PAST_MS));
    CHECK(gfdx_limits_check(b, &clk, why, sizeof why) == NULL);
    json_object_set_new(json_object_get(b, "meta"), "occurred_at", json_integer(now - GFDX_LIMIT_SKEW_PAST_MS - 1));
    CHECK_STR_EQ(gfdx_limits_check(b, &clk, why, sizeof why), "INVALID_FIELD");
    json_decref(b);
}

static void test_arrays_maps_and_paths(void)
{
    char why[512];
    gfdx_limits_clock clk = {1780000000000LL, 0, 0};
    json_t *banks = json_array();
    for (int i = 0; i < 500; i++)
        json_array_append_new(banks, json_string("bank-icbc"));
    json_t *b = json_pack("{s:o}", "bank_ids", banks);
    CHECK(gfdx_limits_check(b, &clk, why, sizeof why) == NULL);
    json_array_append_new(banks, json_string("bank-icbc"));
    CHECK_STR_EQ(gfdx_limits_check(b, &clk, why, sizeof why), "LIMIT_EXCEEDED");
    CHECK_MSG(strstr(why, "bank_ids: 501 items, at most 500") != NULL, "%s", why);
    json_decref(b);

    /* the reason names the path of the offending item */
    char *longname = repeat("名", 201);
    b = json_pack("{s:[{s:s},{s:s, s:{s:s}}]}", "entries", "name", "甲", "name", longname, "attributes", "k", "v");
    CHECK_STR_EQ(gfdx_limits_check(b, &clk, why, sizeof why), "LIMIT_EXCEEDED");
    CHECK_MSG(strstr(why, "entries[1].name: 201 characters, at most 200") != NULL, "%s", why);
    json_decref(b);
    free(longname);

    json_t *attrs = json_object();
    for (int i = 0; i < 65; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        json_object_set_new(attrs, k, json_string("v"));
    }
    b = json_pack("{s:[{s:o}]}", "entries", "attributes", attrs);
    CHECK_STR_EQ(gfdx_limits_check(b, &clk, why, sizeof why), "LIMIT_EXCEEDED");
    json_object_del(attrs, "k0");
    CHECK(gfdx_limits_check(b, &clk, why, sizeof why) == NULL);
    json_object_set_new(attrs, "bad\x1b[2J", json_string("v"));
    json_object_del(attrs, "k1");
    CHECK_STR_EQ(gfdx_limits_check(b, &clk, why, sizeof why), "INVALID_FIELD");
    json_decref(b);

    /* a field the table does not know is refused: fail closed */
    b = json_pack("{s:s}", "brand_new_field", "x");
    CHECK_STR_EQ(gfdx_limits_check(b, &clk, why, sizeof why), "INVALID_FIELD");
    CHECK(strstr(why, "brand_new_field") != NULL);
    json_decref(b);
    /* nulls are absent optional values */
    b = json_pack("{s:n, s:{s:n}}", "comment", "meta", "correlation_id");
    CHECK(gfdx_limits_check(b, &clk, why, sizeof why) == NULL);
    json_decref(b);
}

int main(void)
{
    test_every_schema_field_has_a_class();
    test_text_classes();
    test_numbers_and_dates();
    test_occurred_at_skew();
    test_arrays_maps_and_paths();
    return CHECK_DONE();
}
