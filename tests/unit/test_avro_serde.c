/* test_avro_serde: the schema catalogue and single-object encoding.
 *
 * Schemas: the .avsc files of tests/unit/avro. Independent bytes: tests/unit/avro/python_fixtures.jsonl,
 * made by python3-avro's DatumWriter (gen_python_fixtures.py says how to regenerate).
 * Checked: python bytes decode to the expected JSON and our encoder reproduces them byte
 * for byte; avro-c reads our encodings; round trips of every type; resolution both ways
 * (defaults, dropped fields, aliases, enum defaults, promotions); every error status. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <avro.h>
#include <jansson.h>

#include "avro_canon.h"
#include "avro_catalog.h"
#include "avro_serde.h"
#include "check.h"

#define SCHEMA_DIR GFDX_SOURCE_DIR "/tests/unit/avro"

static gfdx_catalog *cat;

/* ---- helpers ------------------------------------------------------------------------- */

static json_t *J(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
    if (!j)
        fprintf(stderr, "bad JSON in test: %s: %s\n", e.text, text);
    return j;
}

/* Compares got with the JSON text want (reals and integers differ); takes got. */
#define CHECK_JSON(got, want) check_json(__LINE__, (got), (want))
static void check_json(int line, json_t *got, const char *want)
{
    json_t *w = J(want);
    int ok = got && w && json_equal(got, w);
    if (!ok) {
        char *g = got ? json_dumps(got, JSON_ENCODE_ANY | JSON_SORT_KEYS) : NULL;
        char *x = w ? json_dumps(w, JSON_ENCODE_ANY | JSON_SORT_KEYS) : NULL;
        fprintf(stderr, "line %d: JSON differs\n  got:  %s\n  want: %s\n", line,
                g ? g : "(null)", x ? x : "(null)");
        free(g);
        free(x);
    }
    CHECK_MSG(ok, "line %d", line);
    json_decref(w);
    json_decref(got);
}

static const gfdx_schema *S(const char *name, int version)
{
    const gfdx_schema *s = gfdx_catalog_version(cat, name, version);
    CHECK_MSG(s != NULL, "schema %s v%d missing", name, version);
    return s;
}

static size_t unhex(const char *hex, unsigned char **out)
{
    size_t n = strlen(hex) / 2;
    *out = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        (*out)[i] = (unsigned char)v;
    }
    return n;
}

/* Encodes JSON text with s; returns the status and the message in *msg (caller frees). */
static gfdx_serde_status enc(const gfdx_schema *s, const char *json, unsigned char **msg,
                             size_t *len, char *err, size_t errlen)
{
    json_t *j = J(json);
    gfdx_serde_status st = gfdx_serde_encode(s, j, msg, len, err, errlen);
    json_decref(j);
    return st;
}

/* Decodes buf with the default reader; returns the status, JSON in *out. */
static gfdx_serde_status dec(const void *buf, size_t len, json_t **out, char *err, size_t n)
{
    const gfdx_schema *w = NULL;
    return gfdx_serde_decode(cat, buf, len, out, &w, err, n);
}

/* ---- catalogue ----------------------------------------------------------------------- */

static void test_catalog(void)
{
    CHECK(gfdx_catalog_count(cat) == 6);
    const gfdx_schema *v2 = gfdx_catalog_latest(cat, "SampleNeed");
    CHECK(v2 && gfdx_schema_version(v2) == 2);
    CHECK(v2 == gfdx_catalog_latest(cat, "gfdx.v1.SampleNeed"));
    CHECK(gfdx_catalog_latest(cat, "Nope") == NULL);
    CHECK(gfdx_catalog_latest(cat, "other.SampleNeed") == NULL);
    const gfdx_schema *v1 = S("SampleNeed", 1);
    CHECK(v1 && v1 != v2);
    if (!v1 || !v2)
        return;
    CHECK_STR_EQ(gfdx_schema_fullname(v1), "gfdx.v1.SampleNeed");
    CHECK_STR_EQ(gfdx_schema_name(v1), "SampleNeed");
    CHECK_STR_EQ(gfdx_schema_file(v1), "sample_need.v1.avsc");
    CHECK(gfdx_catalog_by_fingerprint(cat, gfdx_schema_fingerprint(v1)) == v1);
    CHECK(gfdx_schema_fingerprint(v1) == gfdx_avro_fingerprint(gfdx_schema_canonical(v1)));
    CHECK(gfdx_catalog_by_fingerprint(cat, 0x1234) == NULL);
    CHECK(gfdx_schema_avro(v1) != NULL && is_avro_record(gfdx_schema_avro(v1)));
    CHECK(json_is_object(gfdx_schema_json(v1)));
    CHECK(gfdx_catalog_version(cat, "SampleNeed", 3) == NULL);
    for (size_t i = 1; i < gfdx_catalog_count(cat); i++) {
        const gfdx_schema *a = gfdx_catalog_at(cat, i - 1), *b = gfdx_catalog_at(cat, i);
        int c = strcmp(gfdx_schema_fullname(a), gfdx_schema_fullname(b));
        CHECK(c < 0 || (c == 0 && gfdx_schema_version(a) < gfdx_schema_version(b)));
    }
    CHECK(gfdx_catalog_at(cat, 99) == NULL);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* A scratch catalogue directory holding one file plus a good one; expects load to fail
 * with an error mentioning `fragment`. */
static void expect_load_error(const char *file, const char *text, const char *fragment)
{
    char dir[] = "/tmp/gfdx_catalog_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    write_file(dir, "good.v1.avsc",
               "{\"type\":\"record\",\"name\":\"Good\",\"namespace\":\"gfdx.v1\",\"fields\":[]}");
    if (file)
        write_file(dir, file, text);
    char err[512] = "";
    gfdx_catalog *c = gfdx_catalog_load(dir, err, sizeof err);
    CHECK_MSG(c == NULL, "loaded a bad catalogue (%s)", file ? file : "-");
    CHECK_MSG(strstr(err, fragment) != NULL, "error '%s' lacks '%s'", err, fragment);
    gfdx_catalog_free(c);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

static void test_catalog_errors(void)
{
    const char *rec = "{\"type\":\"record\",\"name\":\"Good\",\"namespace\":\"gfdx.v1\",\"fields\":[]}";
    expect_load_error("Bad-Name.v1.avsc", rec, "Bad-Name.v1.avsc: file name");
    expect_load_error("good.avsc", rec, "good.avsc: file name");
    expect_load_error("good.v0.avsc", rec, "good.v0.avsc: file name");
    expect_load_error("good.v2.avsc", rec, "good.v2.avsc: has the same fingerprint as good.v1.avsc");
    expect_load_error("broken.v1.avsc", "{\"type\":", "broken.v1.avsc: not JSON");
    expect_load_error("other.v1.avsc", "{\"type\":\"record\",\"name\":\"Good\",\"fields\":"
                      "[{\"name\":\"x\",\"type\":\"Missing\"}]}", "other.v1.avsc: unknown type");
    expect_load_error("prim.v1.avsc", "\"int\"", "prim.v1.avsc: the top-level schema must be a record");
    expect_load_error("other.v1.avsc", rec, "other.v1.avsc: record 'Good' does not match");
    expect_load_error("good.v01.avsc", rec, "good.v01.avsc: file name");
    char err[256] = "";
    CHECK(gfdx_catalog_load("/nonexistent/dir", err, sizeof err) == NULL);
    CHECK(strstr(err, "/nonexistent/dir") != NULL);
    char empty[] = "/tmp/gfdx_catalog_XXXXXX";
    CHECK(mkdtemp(empty) != NULL);
    CHECK(gfdx_catalog_load(empty, err, sizeof err) == NULL);
    CHECK(strstr(err, "no schema files") != NULL);
    rmdir(empty);
    gfdx_catalog_free(NULL);
}

/* ---- python3-avro fixtures ----------------------------------------------------------- */

static void check_python_schema(json_t *line)
{
    const char *file = json_string_value(json_object_get(line, "file"));
    const char *canon = json_string_value(json_object_get(line, "canonical"));
    const char *fp = json_string_value(json_object_get(line, "fingerprint"));
    const gfdx_schema *s = NULL;
    for (size_t i = 0; i < gfdx_catalog_count(cat); i++)
        if (!strcmp(gfdx_schema_file(gfdx_catalog_at(cat, i)), file))
            s = gfdx_catalog_at(cat, i);
    CHECK_MSG(s != NULL, "%s not in catalogue", file);
    if (!s)
        return;
    CHECK_STR_EQ(gfdx_schema_canonical(s), canon);
    char hex[19];
    snprintf(hex, sizeof hex, "0x%016llx", (unsigned long long)gfdx_schema_fingerprint(s));
    CHECK_STR_EQ(hex, fp);
}

/* avro-c must read our body with the writer schema and consume exactly all of it. */
static void check_avro_c_reads(const gfdx_schema *s, const unsigned char *msg, size_t len)
{
    avro_value_iface_t *iface = avro_generic_class_from_schema(gfdx_schema_avro(s));
    avro_value_t v;
    CHECK(iface && avro_generic_value_new(iface, &v) == 0);
    avro_reader_t r = avro_reader_memory((const char *)msg + 10, (int64_t)(len - 10));
    int rc = avro_value_read(r, &v);
    CHECK_MSG(rc == 0, "avro-c cannot read our encoding: %s", avro_strerror());
    size_t size = 0;
    CHECK(rc == 0 && avro_value_sizeof(&v, &size) == 0 && size == len - 10);
    avro_reader_free(r);
    avro_value_decref(&v);
    avro_value_iface_decref(iface);
}

static void check_python_datum(json_t *line)
{
    const char *file = json_string_value(json_object_get(line, "schema"));
    char name[64];
    int version = 0;
    sscanf(file, "%63[^.].v%d", name, &version);
    const gfdx_schema *s = NULL;
    for (size_t i = 0; i < gfdx_catalog_count(cat); i++)
        if (!strcmp(gfdx_schema_file(gfdx_catalog_at(cat, i)), file))
            s = gfdx_catalog_at(cat, i);
    json_t *want = json_object_get(line, "json");
    unsigned char *bytes;
    size_t n = unhex(json_string_value(json_object_get(line, "hex")), &bytes);
    /* python -> us: decode with the writer's own schema as reader. */
    json_t *got = NULL;
    const gfdx_schema *w = NULL;
    char err[512] = "";
    gfdx_serde_status st = gfdx_serde_decode_as(cat, s, bytes, n, &got, &w, err, sizeof err);
    CHECK_MSG(st == GFDX_SERDE_OK, "%s: %s", file, err);
    CHECK(w == s);
    char *want_text = json_dumps(want, JSON_ENCODE_ANY);
    CHECK_JSON(got, want_text);
    free(want_text);
    /* us -> same bytes as python. */
    unsigned char *mine = NULL;
    size_t mlen = 0;
    st = gfdx_serde_encode(s, want, &mine, &mlen, err, sizeof err);
    CHECK_MSG(st == GFDX_SERDE_OK, "%s: %s", file, err);
    CHECK_MSG(mlen == n && memcmp(mine, bytes, n) == 0, "%s: our encoding differs", file);
    if (st == GFDX_SERDE_OK)
        check_avro_c_reads(s, mine, mlen);
    free(mine);
    free(bytes);
}

static void test_python_fixtures(void)
{
    FILE *f = fopen(SCHEMA_DIR "/python_fixtures.jsonl", "r");
    CHECK(f != NULL);
    if (!f)
        return;
    char *line = NULL;
    size_t cap = 0;
    int schemas = 0, datums = 0;
    while (getline(&line, &cap, f) > 0) {
        json_t *j = J(line);
        const char *kind = json_string_value(json_object_get(j, "kind"));
        if (kind && !strcmp(kind, "schema"))
            check_python_schema(j), schemas++;
        else if (kind && !strcmp(kind, "datum"))
            check_python_datum(j), datums++;
        json_decref(j);
    }
    free(line);
    fclose(f);
    CHECK(schemas == 4 && datums == 6);
}

/* ---- round trips --------------------------------------------------------------------- */

/* Encodes `in` with s, decodes with s as reader and compares with `want` (NULL: == in). */
static void round_trip(const gfdx_schema *s, const char *in, const char *want)
{
    unsigned char *msg = NULL;
    size_t len = 0;
    char err[512] = "";
    gfdx_serde_status st = enc(s, in, &msg, &len, err, sizeof err);
    CHECK_MSG(st == GFDX_SERDE_OK, "encode: %s", err);
    if (st != GFDX_SERDE_OK)
        return;
    CHECK(msg[0] == 0xC3 && msg[1] == 0x01);
    uint64_t fp = 0;
    CHECK(gfdx_serde_peek_fingerprint(msg, len, &fp) == 0 && fp == gfdx_schema_fingerprint(s));
    json_t *out = NULL;
    const gfdx_schema *w = NULL;
    st = gfdx_serde_decode_as(cat, s, msg, len, &out, &w, err, sizeof err);
    CHECK_MSG(st == GFDX_SERDE_OK, "decode: %s", err);
    CHECK(w == s);
    CHECK_JSON(out, want ? want : in);
    check_avro_c_reads(s, msg, len);
    free(msg);
}

static const char *ALL_TYPES_CN =
    "{\"n\":null,\"b\":true,\"i\":42,\"l\":-4000000000,\"ts\":1767225600123,\"f\":2.5,"
    "\"d\":-0.125,\"by\":\"\\u0000\\u00ff\\u0080a\",\"s\":\"绿色工厂 融资梗阻 𠀀\",\"e\":\"BLUE\","
    "\"fx\":\"\\u0001\\u0002\\u0003\\u00fe\",\"arr\":[\"上海总部\",\"\"],"
    "\"m\":{\"沙坪坝\":500106,\"b\":0},\"opt\":\"中文\","
    "\"inner\":{\"name\":\"内\",\"tags\":[\"x\"],\"score\":1.25},"
    "\"choice\":{\"name\":\"选择\",\"tags\":[],\"score\":null},"
    "\"inners\":[{\"name\":\"a\",\"tags\":[\"1\",\"2\"],\"score\":null},"
    "{\"name\":\"b\",\"tags\":[],\"score\":-3.0}],"
    "\"nested_map\":{\"k\":[1,-2,2147483647],\"空\":[]},\"color_opt\":\"GREEN\"}";

/* `in` with `patch` merged in recursively, as text (caller frees). */
static char *patched(const char *in, const char *patch)
{
    json_t *j = J(in), *p = J(patch);
    json_object_update_recursive(j, p);
    char *text = json_dumps(j, 0);
    json_decref(j);
    json_decref(p);
    return text;
}

static void test_round_trips(void)
{
    const gfdx_schema *all = S("AllTypes", 1);
    if (!all)
        return;
    round_trip(all, ALL_TYPES_CN, NULL);
    /* f/d given as integers come back as reals; inner.score (default null) is filled;
     * tagged union values come back plain. */
    const char *base = "{\"n\":null,\"b\":false,\"i\":0,\"l\":0,\"ts\":0,\"f\":1,\"d\":2,"
                       "\"by\":\"\",\"s\":\"\",\"e\":\"RED\",\"fx\":\"abcd\",\"arr\":[],\"m\":{},"
                       "\"inner\":{\"name\":\"\",\"tags\":[]},\"inners\":[],\"nested_map\":{}}";
    const char *filled = "{\"f\":1.0,\"d\":2.0,\"inner\":{\"score\":null}}";
    char *in = patched(base, "{\"choice\":7,\"opt\":{\"string\":\"tagged\"},"
                             "\"color_opt\":{\"gfdx.v1.Color\":\"BLUE\"}}");
    char *want = patched(in, "{\"f\":1.0,\"d\":2.0,\"inner\":{\"score\":null},"
                             "\"opt\":\"tagged\",\"color_opt\":\"BLUE\"}");
    round_trip(all, in, want);
    free(in);
    free(want);
    in = patched(base, "{\"choice\":\"七\",\"opt\":null,\"color_opt\":null}");
    want = patched(in, filled);
    round_trip(all, in, want);
    free(in);
    free(want);
    /* A tagged record branch, by short name. */
    in = patched(base, "{\"choice\":{\"Inner\":{\"name\":\"t\",\"tags\":[]}},"
                       "\"opt\":null,\"color_opt\":null}");
    want = patched(in, "{\"f\":1.0,\"d\":2.0,\"inner\":{\"score\":null},"
                       "\"choice\":{\"name\":\"t\",\"tags\":[],\"score\":null}}");
    json_t *w = J(want);
    json_object_set_new(w, "choice", J("{\"name\":\"t\",\"tags\":[],\"score\":null}"));
    free(want);
    want = json_dumps(w, 0);
    json_decref(w);
    round_trip(all, in, want);
    free(in);
    free(want);
}

/* ---- resolution ---------------------------------------------------------------------- */

static json_t *python_datum(int index)
{
    FILE *f = fopen(SCHEMA_DIR "/python_fixtures.jsonl", "r");
    char *line = NULL;
    size_t cap = 0;
    json_t *found = NULL;
    int i = 0;
    while (f && getline(&line, &cap, f) > 0) {
        json_t *j = J(line);
        const char *kind = json_string_value(json_object_get(j, "kind"));
        if (kind && !strcmp(kind, "datum") && i++ == index)
            found = json_incref(j);
        json_decref(j);
    }
    free(line);
    if (f)
        fclose(f);
    return found;
}

static const char *V1_AS_V2 =
    "{\"meta\":{\"event_id\":\"0b9c4c1e-6f1a-4f57-9a5e-3c2f6a1d2e01\",\"sender\":\"prov-310000\","
    "\"occurred_at\":1767225600000,\"correlation_id\":null},\"need_id\":\"N-2026-0001\","
    "\"amount\":123456789,\"stage\":\"APPROVED\",\"channel\":\"WEB\",\"heading\":\"零碳工厂改造\","
    "\"location\":{\"province\":\"310000\",\"city\":null},\"tags\":[\"green\",\"绿色工厂\"],"
    "\"note\":null,\"level\":\"PROVINCIAL\",\"ratio\":0.0,\"raw\":\"\\u00ff\\u0001\",\"counts\":{}}";

static const char *V2_AS_V1 =
    "{\"meta\":{\"event_id\":\"0b9c4c1e-6f1a-4f57-9a5e-3c2f6a1d2e02\",\"sender\":\"prov-500000\","
    "\"occurred_at\":1767225600001,\"correlation_id\":\"corr-1\"},\"need_id\":\"N-2026-0002\","
    "\"amount\":50000000,\"stage\":\"APPROVED\",\"channel\":\"API\",\"old_note\":\"\","
    "\"title\":\"untitled\"}";

/* Decodes python fixture `index` with reader (NULL: latest) and compares with want. */
static void resolve_fixture(int index, const gfdx_schema *reader, const char *want,
                            const gfdx_schema *want_writer)
{
    json_t *fx = python_datum(index);
    CHECK(fx != NULL);
    if (!fx)
        return;
    unsigned char *bytes;
    size_t n = unhex(json_string_value(json_object_get(fx, "hex")), &bytes);
    json_t *got = NULL;
    const gfdx_schema *w = NULL;
    char err[512] = "";
    gfdx_serde_status st = gfdx_serde_decode_as(cat, reader, bytes, n, &got, &w, err, sizeof err);
    CHECK_MSG(st == GFDX_SERDE_OK, "fixture %d: %s", index, err);
    CHECK(w == want_writer);
    CHECK_JSON(got, want);
    free(bytes);
    json_decref(fx);
}

static void test_resolution(void)
{
    const gfdx_schema *v1 = S("SampleNeed", 1), *v2 = S("SampleNeed", 2);
    const gfdx_schema *p1 = S("Promo", 1), *p2 = S("Promo", 2);
    /* v1 writer (python bytes) -> latest (v2): defaults filled, alias, enum default. */
    resolve_fixture(3, NULL, V1_AS_V2, v1);
    /* v2 writer -> v1 reader: new fields dropped, v1 defaults for what v2 lacks. */
    resolve_fixture(4, v1, V2_AS_V1, v2);
    /* Promotions int->long/float/double, long->float/double, float->double,
     * string<->bytes, union branch by promotion, non-union into union. */
    resolve_fixture(5, NULL,
                    "{\"i2l\":7,\"i2f\":-3.0,\"i2d\":16777217.0,\"l2f\":1099511627776.0,"
                    "\"l2d\":-5.0,\"f2d\":0.3125,\"s2b\":\"\\u00c3\\u00a9\","
                    "\"b2s\":\"绿\",\"u\":42,\"w\":-9,\"x\":\"present\"}", p1);
    char err[512] = "";
    unsigned char *msg = NULL;
    size_t len = 0;
    json_t *got = NULL;
    /* A symbol the reader lacks, with no reader default: RESOLUTION. */
    const char *pushed = "{\"meta\":{\"event_id\":\"e\",\"sender\":\"s\",\"occurred_at\":1},"
                         "\"need_id\":\"n\",\"amount\":1,\"stage\":\"PUSHED\",\"channel\":\"WEB\","
                         "\"heading\":\"h\"}";
    CHECK(enc(v2, pushed, &msg, &len, err, sizeof err) == GFDX_SERDE_OK);
    CHECK(gfdx_serde_decode_as(cat, v1, msg, len, &got, NULL, err, sizeof err) ==
          GFDX_SERDE_RESOLUTION);
    CHECK(got == NULL && strstr(err, "stage") && strstr(err, "PUSHED"));
    free(msg);
    /* Narrowing (long -> int) and a null writer branch into a string reader. */
    const char *promo2 = "{\"i2l\":1,\"i2f\":1,\"i2d\":1,\"l2f\":1,\"l2d\":1,\"f2d\":1,"
                         "\"s2b\":\"\",\"b2s\":\"\",\"u\":null,\"w\":null,\"x\":\"\"}";
    CHECK(enc(p2, promo2, &msg, &len, err, sizeof err) == GFDX_SERDE_OK);
    CHECK(gfdx_serde_decode_as(cat, p1, msg, len, &got, NULL, err, sizeof err) ==
          GFDX_SERDE_RESOLUTION);
    CHECK(strstr(err, "i2l: writer type long cannot be read as int") != NULL);
    free(msg);
    const char *promo1 = "{\"i2l\":1,\"i2f\":1,\"i2d\":1,\"l2f\":1,\"l2d\":1,\"f2d\":1,"
                         "\"s2b\":\"\",\"b2s\":\"\",\"u\":null,\"w\":1,\"x\":null}";
    CHECK(enc(p1, promo1, &msg, &len, err, sizeof err) == GFDX_SERDE_OK);
    CHECK(dec(msg, len, &got, err, sizeof err) == GFDX_SERDE_RESOLUTION);
    CHECK(strstr(err, "x: writer type null") != NULL);
    free(msg);
    /* float -> double keeps the float's value: 0.1f is 0.10000000149011612. */
    const char *tenth = "{\"i2l\":1,\"i2f\":1,\"i2d\":1,\"l2f\":1,\"l2d\":1,\"f2d\":0.1,"
                        "\"s2b\":\"\",\"b2s\":\"\",\"u\":null,\"w\":1,\"x\":\"\"}";
    CHECK(enc(p1, tenth, &msg, &len, err, sizeof err) == GFDX_SERDE_OK);
    CHECK(dec(msg, len, &got, err, sizeof err) == GFDX_SERDE_OK);
    CHECK(json_real_value(json_object_get(got, "f2d")) == (double)0.1f);
    CHECK(json_is_null(json_object_get(got, "u")) && json_is_real(json_object_get(got, "i2d")));
    json_decref(got);
    free(msg);
    /* A reader of another record type. */
    CHECK(enc(p1, promo1, &msg, &len, err, sizeof err) == GFDX_SERDE_OK);
    CHECK(gfdx_serde_decode_as(cat, v1, msg, len, &got, NULL, err, sizeof err) ==
          GFDX_SERDE_RESOLUTION);
    free(msg);
}

/* ---- errors -------------------------------------------------------------------------- */

/* A Probe message: header + the given body bytes. Caller frees. */
static unsigned char *probe_msg(const unsigned char *body, size_t n, size_t *len)
{
    const gfdx_schema *p = S("Probe", 1);
    unsigned char *m = malloc(10 + n);
    uint64_t fp = p ? gfdx_schema_fingerprint(p) : 0;
    m[0] = 0xC3;
    m[1] = 0x01;
    for (int i = 0; i < 8; i++)
        m[2 + i] = (unsigned char)(fp >> (8 * i));
    memcpy(m + 10, body, n);
    *len = 10 + n;
    return m;
}

static gfdx_serde_status probe(const unsigned char *body, size_t n, char *err, size_t errlen)
{
    size_t len;
    unsigned char *m = probe_msg(body, n, &len);
    json_t *out = (json_t *)1;
    const gfdx_schema *w = NULL;
    gfdx_serde_status st = gfdx_serde_decode(cat, m, len, &out, &w, err, errlen);
    CHECK(w == gfdx_catalog_version(cat, "Probe", 1));
    if (st == GFDX_SERDE_OK)
        json_decref(out);
    else
        CHECK(out == NULL);
    free(m);
    return st;
}

/* s="ok" a=[1] u=null e=B d=1.0 b=true z=[] */
static const unsigned char GOOD[] = {0x04, 'o', 'k', 0x02, 0x02, 0x00, 0x00, 0x02,
                                     0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x01, 0x00};

static void expect_probe(const unsigned char *body, size_t n, gfdx_serde_status want,
                         const char *fragment)
{
    char err[512] = "";
    gfdx_serde_status st = probe(body, n, err, sizeof err);
    CHECK_MSG(st == want, "got %s (%s), want %s", gfdx_serde_status_name(st), err,
              gfdx_serde_status_name(want));
    CHECK_MSG(strstr(err, fragment) != NULL, "error '%s' lacks '%s'", err, fragment);
}

static void test_probe_bodies(void)
{
    char err[512];
    CHECK(probe(GOOD, sizeof GOOD, err, sizeof err) == GFDX_SERDE_OK);
    unsigned char b[64];
    /* Every cut point of a valid body is TRUNCATED. */
    for (size_t cut = 0; cut < sizeof GOOD; cut++)
        expect_probe(GOOD, cut, GFDX_SERDE_TRUNCATED, "truncated");
    memcpy(b, GOOD, sizeof GOOD);
    b[sizeof GOOD] = 0x00;
    expect_probe(b, sizeof GOOD + 1, GFDX_SERDE_TRAILING_BYTES, "1 bytes left");
    /* String length far beyond the buffer (2^40, 2^62): no allocation, TRUNCATED. */
    const unsigned char huge[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 'x'};
    expect_probe(huge, sizeof huge, GFDX_SERDE_TRUNCATED, "s: body truncated: string needs");
    const unsigned char huge2[] = {0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 'x'};
    expect_probe(huge2, sizeof huge2, GFDX_SERDE_TRUNCATED, "string needs");
    const unsigned char one_more[] = {0x08, 'a', 'b', 'c'};
    expect_probe(one_more, sizeof one_more, GFDX_SERDE_TRUNCATED, "string needs 4 bytes, 3 left");
    const unsigned char negative[] = {0x03, 'a'};
    expect_probe(negative, sizeof negative, GFDX_SERDE_BAD_BODY, "negative string length");
    /* Array counts beyond the buffer, and 2^40 null items (take no bytes). */
    const unsigned char many[] = {0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 0x02, 0x00};
    expect_probe(many, sizeof many, GFDX_SERDE_TRUNCATED, "a: body truncated: block");
    memcpy(b, GOOD, sizeof GOOD);
    memcpy(b + 17, (const unsigned char[]){0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 0x00}, 7);
    expect_probe(b, 24, GFDX_SERDE_BAD_BODY, "z: too many empty elements");
    /* Bad union index, enum index, boolean byte, varint, UTF-8, NaN. */
    memcpy(b, GOOD, sizeof GOOD);
    b[6] = 0x04;
    expect_probe(b, sizeof GOOD, GFDX_SERDE_BAD_BODY, "u: union index 2 out of range");
    memcpy(b, GOOD, sizeof GOOD);
    b[7] = 0x06;
    expect_probe(b, sizeof GOOD, GFDX_SERDE_BAD_BODY, "e: enum index 3 out of range");
    memcpy(b, GOOD, sizeof GOOD);
    b[16] = 0x02;
    expect_probe(b, sizeof GOOD, GFDX_SERDE_BAD_BODY, "b: boolean byte 2");
    memcpy(b, GOOD, sizeof GOOD);
    b[1] = 0xC3, b[2] = 0x28;
    expect_probe(b, sizeof GOOD, GFDX_SERDE_BAD_BODY, "s: string is not valid UTF-8");
    memcpy(b, GOOD, sizeof GOOD);
    b[1] = 0x00;
    expect_probe(b, sizeof GOOD, GFDX_SERDE_BAD_BODY, "U+0000");
    memcpy(b, GOOD, sizeof GOOD);
    memcpy(b + 8, (const unsigned char[]){0, 0, 0, 0, 0, 0, 0xF8, 0x7F}, 8);
    expect_probe(b, sizeof GOOD, GFDX_SERDE_BAD_BODY, "d: NaN");
    const unsigned char longvar[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                     0x01};
    expect_probe(longvar, sizeof longvar, GFDX_SERDE_BAD_BODY, "varint");
}

static void test_header_errors(void)
{
    const gfdx_schema *all = S("AllTypes", 1);
    unsigned char *msg = NULL;
    size_t len = 0;
    char err[512] = "";
    json_t *out = (json_t *)1;
    const gfdx_schema *w = (const gfdx_schema *)1;
    gfdx_serde_status st = enc(all, ALL_TYPES_CN, &msg, &len, err, sizeof err);
    CHECK_MSG(st == GFDX_SERDE_OK, "%s", err);
    if (st != GFDX_SERDE_OK)
        return;
    CHECK(dec(msg, len, &out, err, sizeof err) == GFDX_SERDE_OK);
    json_decref(out);
    unsigned char *bad = malloc(len + 3);
    memcpy(bad, msg, len);
    bad[1] = 0x02;
    CHECK(gfdx_serde_decode(cat, bad, len, &out, &w, err, sizeof err) == GFDX_SERDE_BAD_MARKER);
    CHECK(out == NULL && w == NULL);
    CHECK(gfdx_serde_decode(cat, msg, 9, &out, &w, err, sizeof err) == GFDX_SERDE_BAD_MARKER);
    CHECK(gfdx_serde_decode(cat, msg, 0, &out, &w, err, sizeof err) == GFDX_SERDE_BAD_MARKER);
    CHECK(gfdx_serde_peek_fingerprint(bad, len, NULL) == -1);
    memcpy(bad, msg, len);
    bad[5] ^= 0x40;
    CHECK(gfdx_serde_decode(cat, bad, len, &out, &w, err, sizeof err) ==
          GFDX_SERDE_UNKNOWN_FINGERPRINT);
    CHECK(out == NULL && w == NULL && strstr(err, "unknown fingerprint 0x") != NULL);
    /* Truncated at several cut points of a large record; trailing bytes. */
    size_t cuts[] = {10, 11, 12, 20, len / 3, len / 2, len - 2, len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        st = gfdx_serde_decode(cat, msg, cuts[i], &out, &w, err, sizeof err);
        CHECK_MSG(st == GFDX_SERDE_TRUNCATED, "cut at %zu: %s", cuts[i], gfdx_serde_status_name(st));
        CHECK(out == NULL && w == all);
    }
    memcpy(bad, msg, len);
    memcpy(bad + len, "\x01\x02\x03", 3);
    CHECK(gfdx_serde_decode(cat, bad, len + 3, &out, &w, err, sizeof err) ==
          GFDX_SERDE_TRAILING_BYTES);
    CHECK(out == NULL && strstr(err, "3 bytes left") != NULL);
    free(bad);
    free(msg);
    CHECK_STR_EQ(gfdx_serde_status_name(GFDX_SERDE_OK), "OK");
    CHECK_STR_EQ(gfdx_serde_status_name(GFDX_SERDE_UNKNOWN_FINGERPRINT), "UNKNOWN_FINGERPRINT");
    CHECK_STR_EQ(gfdx_serde_status_name(GFDX_SERDE_TRAILING_BYTES), "TRAILING_BYTES");
    CHECK_STR_EQ(gfdx_serde_status_name(GFDX_SERDE_INVALID_DATUM), "INVALID_DATUM");
    CHECK_STR_EQ(gfdx_serde_status_name((gfdx_serde_status)99), "UNKNOWN");
}

/* ---- encode errors ------------------------------------------------------------------- */

static void expect_invalid(const gfdx_schema *s, const char *json, const char *message)
{
    unsigned char *msg = (unsigned char *)1;
    size_t len = 7;
    char err[512] = "";
    gfdx_serde_status st = enc(s, json, &msg, &len, err, sizeof err);
    CHECK_MSG(st == GFDX_SERDE_INVALID_DATUM, "accepted %s", json);
    CHECK(msg == NULL && len == 0);
    CHECK_STR_EQ(err, message);
}

static void test_encode_errors(void)
{
    const gfdx_schema *v2 = S("SampleNeed", 2), *all = S("AllTypes", 1);
    const char *meta = "\"meta\":{\"event_id\":\"e\",\"sender\":\"s\",\"occurred_at\":1}";
    char buf[1024];
    snprintf(buf, sizeof buf, "{%s,\"need_id\":\"n\",\"amount\":\"12\",\"stage\":\"APPROVED\","
             "\"channel\":\"WEB\",\"heading\":\"h\"}", meta);
    expect_invalid(v2, buf, "amount: expected long, got string");
    expect_invalid(v2, "{\"meta\":{\"event_id\":\"e\",\"sender\":\"s\",\"occurred_at\":\"now\"}}",
                   "meta.occurred_at: expected long, got string");
    snprintf(buf, sizeof buf, "{%s,\"amount\":1}", meta);
    expect_invalid(v2, buf, "need_id: missing required field");
    snprintf(buf, sizeof buf, "{%s,\"need_id\":\"n\",\"amount\":1,\"stage\":\"DONE\","
             "\"channel\":\"WEB\",\"heading\":\"h\"}", meta);
    expect_invalid(v2, buf, "stage: 'DONE' is not a symbol of gfdx.v1.Stage");
    snprintf(buf, sizeof buf, "{%s,\"need_id\":\"n\",\"amount\":1,\"stage\":\"APPROVED\","
             "\"channel\":\"WEB\",\"heading\":\"h\",\"amuont\":2}", meta);
    expect_invalid(v2, buf, "amuont: not a field of gfdx.v1.SampleNeed");
    snprintf(buf, sizeof buf, "{%s,\"need_id\":\"n\",\"amount\":1,\"stage\":\"APPROVED\","
             "\"channel\":\"WEB\",\"heading\":\"h\",\"location\":{\"province\":1}}", meta);
    expect_invalid(v2, buf, "location.province: expected string, got integer");
    snprintf(buf, sizeof buf, "{%s,\"need_id\":\"n\",\"amount\":1,\"stage\":\"APPROVED\","
             "\"channel\":\"WEB\",\"heading\":\"h\",\"tags\":[\"a\",2]}", meta);
    expect_invalid(v2, buf, "tags[1]: expected string, got integer");
    snprintf(buf, sizeof buf, "{%s,\"need_id\":\"n\",\"amount\":1,\"stage\":\"APPROVED\","
             "\"channel\":\"WEB\",\"heading\":\"h\",\"note\":5}", meta);
    expect_invalid(v2, buf, "note: integer fits no branch of the union");
    snprintf(buf, sizeof buf, "{%s,\"need_id\":\"n\",\"amount\":1,\"stage\":\"APPROVED\","
             "\"channel\":\"WEB\",\"heading\":\"h\",\"raw\":\"绿\"}", meta);
    expect_invalid(v2, buf, "raw: bytes holds a code point above 255");
    snprintf(buf, sizeof buf, "{%s,\"need_id\":\"n\",\"amount\":1,\"stage\":\"APPROVED\","
             "\"channel\":\"WEB\",\"heading\":\"a\\u0000b\"}", meta);
    expect_invalid(v2, buf, "heading: string holds U+0000");
    snprintf(buf, sizeof buf, "{%s,\"need_id\":\"n\",\"amount\":1,\"stage\":\"APPROVED\","
             "\"channel\":\"WEB\",\"heading\":\"h\",\"counts\":{\"k\":3000000000}}", meta);
    expect_invalid(v2, buf, "counts[k]: 3000000000 is out of int range");
    expect_invalid(v2, "[]", "expected gfdx.v1.SampleNeed, got array");
    /* A union whose record branch fails reports the record's own error. */
    const char *rest = "\"n\":null,\"b\":false,\"i\":0,\"l\":0,\"ts\":0,\"f\":1,\"d\":2,\"by\":\"\","
                       "\"s\":\"\",\"e\":\"RED\",\"arr\":[],\"m\":{},"
                       "\"inner\":{\"name\":\"\",\"tags\":[]},\"inners\":[],\"nested_map\":{}";
    snprintf(buf, sizeof buf, "{%s,\"fx\":\"abcd\",\"choice\":{\"name\":3,\"tags\":[]}}", rest);
    expect_invalid(all, buf, "choice.name: expected string, got integer");
    snprintf(buf, sizeof buf, "{%s,\"fx\":\"abc\",\"choice\":null}", rest);
    expect_invalid(all, buf, "fx: fixed gfdx.v1.Hash4 needs 4 bytes, got 3");
    /* Missing fields with defaults get them (encode side). */
    unsigned char *msg = NULL;
    size_t len = 0;
    char err[256] = "";
    json_t *out = NULL;
    snprintf(buf, sizeof buf, "{%s,\"need_id\":\"n\",\"amount\":1,\"stage\":\"APPROVED\","
             "\"channel\":\"WEB\",\"heading\":\"h\"}", meta);
    CHECK(enc(v2, buf, &msg, &len, err, sizeof err) == GFDX_SERDE_OK);
    CHECK(dec(msg, len, &out, err, sizeof err) == GFDX_SERDE_OK);
    CHECK_JSON(out, "{\"meta\":{\"event_id\":\"e\",\"sender\":\"s\",\"occurred_at\":1,"
                    "\"correlation_id\":null},\"need_id\":\"n\",\"amount\":1,"
                    "\"stage\":\"APPROVED\",\"channel\":\"WEB\",\"heading\":\"h\","
                    "\"location\":{\"province\":\"310000\",\"city\":null},"
                    "\"tags\":[\"green\",\"绿色工厂\"],\"note\":null,\"level\":\"PROVINCIAL\","
                    "\"ratio\":0.0,\"raw\":\"\\u00ff\\u0001\",\"counts\":{}}");
    free(msg);
}

int main(void)
{
    char err[512] = "";
    cat = gfdx_catalog_load(SCHEMA_DIR, err, sizeof err);
    CHECK_MSG(cat != NULL, "catalogue: %s", err);
    if (!cat)
        return CHECK_DONE();
    test_catalog();
    test_catalog_errors();
    test_python_fixtures();
    test_round_trips();
    test_resolution();
    test_probe_bodies();
    test_header_errors();
    test_encode_errors();
    gfdx_catalog_free(cat);
    return CHECK_DONE();
}
