/* test_avro_canon: Parsing Canonical Form and CRC-64-AVRO against the Avro spec's own test
 * vectors (tests/data/avro/{canonical-form,fingerprints}.jsonl, every line) plus our own edge cases. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "avro_canon.h"
#include "check.h"

static void fp_hex(uint64_t fp, char out[19])
{
    snprintf(out, 19, "0x%016" PRIx64, fp);
}

/* Runs every line of one vector file; returns the number of lines checked. */
static int check_vector_file(const char *path, int with_canonical)
{
    FILE *f = fopen(path, "r");
    CHECK_MSG(f != NULL, "cannot open %s", path);
    if (!f)
        return 0;
    char line[8192];
    int lines = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '\n' || line[0] == '\0')
            continue;
        json_error_t jerr;
        json_t *v = json_loads(line, 0, &jerr);
        CHECK_MSG(v != NULL, "%s: bad vector line: %s", path, jerr.text);
        if (!v)
            continue;
        const char *schema = json_string_value(json_object_get(v, "schema"));
        const char *want_canon = json_string_value(json_object_get(v, "canonical"));
        const char *want_fp = json_string_value(json_object_get(v, "fingerprint"));
        char err[256] = "";
        char *canon = gfdx_avro_canonical(schema, err, sizeof err);
        CHECK_MSG(canon != NULL, "%s line %d: %s", path, lines + 1, err);
        if (canon) {
            if (with_canonical)
                CHECK_STR_EQ(canon, want_canon);
            char hex[19];
            fp_hex(gfdx_avro_fingerprint(canon), hex);
            CHECK_MSG(want_fp && !strcmp(hex, want_fp), "%s line %d: fingerprint %s, want %s",
                      path, lines + 1, hex, want_fp ? want_fp : "?");
        }
        free(canon);
        json_decref(v);
        lines++;
    }
    fclose(f);
    return lines;
}

static void test_spec_vectors(void)
{
    const char *dir = GFDX_SOURCE_DIR "/tests/data/avro"; /* the project's own copy */
    char path[1024];
    snprintf(path, sizeof path, "%s/canonical-form.jsonl", dir);
    int n1 = check_vector_file(path, 1);
    snprintf(path, sizeof path, "%s/fingerprints.jsonl", dir);
    int n2 = check_vector_file(path, 0);
    /* The files hold 22 and 13 vectors: all of them must have been read. */
    CHECK_MSG(n1 >= 22, "only %d canonical-form vectors read", n1);
    CHECK_MSG(n2 >= 13, "only %d fingerprint vectors read", n2);
}

static void expect_canon(const char *schema, const char *want)
{
    char err[256] = "";
    char *got = gfdx_avro_canonical(schema, err, sizeof err);
    CHECK_MSG(got != NULL, "%s: %s", schema, err);
    if (got)
        CHECK_STR_EQ(got, want);
    free(got);
}

static void expect_error(const char *schema, const char *fragment)
{
    char err[256] = "";
    char *got = gfdx_avro_canonical(schema, err, sizeof err);
    CHECK_MSG(got == NULL, "accepted invalid schema %s as %s", schema, got ? got : "");
    CHECK_MSG(strstr(err, fragment) != NULL, "error '%s' lacks '%s'", err, fragment);
    free(got);
}

static void test_edge_cases(void)
{
    /* PRIMITIVES, STRIP of logical types and unknown attributes. */
    expect_canon("{\"type\":\"int\"}", "\"int\"");
    expect_canon("{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}", "\"long\"");
    expect_canon("[\"null\",{\"type\":\"string\",\"avro.java.string\":\"String\"}]",
                 "[\"null\",\"string\"]");
    /* Namespaces inherited by nested named types, overridden by a dotted name or an
     * explicit namespace, references resolved and written as full names. */
    expect_canon(
        "{\"type\":\"record\",\"name\":\"Outer\",\"namespace\":\"gfdx.v1\",\"doc\":\"d\","
        "\"fields\":["
        "{\"name\":\"a\",\"type\":{\"type\":\"record\",\"name\":\"Inner\",\"fields\":["
        "{\"name\":\"k\",\"type\":{\"type\":\"enum\",\"name\":\"Kind\",\"symbols\":[\"X\",\"Y\"],"
        "\"default\":\"X\"}}]}},"
        "{\"name\":\"b\",\"type\":[\"null\",\"Inner\"],\"default\":null},"
        "{\"name\":\"c\",\"type\":{\"type\":\"fixed\",\"name\":\"other.F\",\"size\":16}},"
        "{\"name\":\"d\",\"type\":{\"type\":\"array\",\"items\":\"gfdx.v1.Kind\"}},"
        "{\"name\":\"e\",\"type\":{\"type\":\"map\",\"values\":{\"type\":\"fixed\","
        "\"name\":\"G\",\"namespace\":\"\",\"size\":2}}},"
        "{\"name\":\"f\",\"type\":\"G\"}]}",
        "{\"name\":\"gfdx.v1.Outer\",\"type\":\"record\",\"fields\":["
        "{\"name\":\"a\",\"type\":{\"name\":\"gfdx.v1.Inner\",\"type\":\"record\",\"fields\":["
        "{\"name\":\"k\",\"type\":{\"name\":\"gfdx.v1.Kind\",\"type\":\"enum\","
        "\"symbols\":[\"X\",\"Y\"]}}]}},"
        "{\"name\":\"b\",\"type\":[\"null\",\"gfdx.v1.Inner\"]},"
        "{\"name\":\"c\",\"type\":{\"name\":\"other.F\",\"type\":\"fixed\",\"size\":16}},"
        "{\"name\":\"d\",\"type\":{\"type\":\"array\",\"items\":\"gfdx.v1.Kind\"}},"
        "{\"name\":\"e\",\"type\":{\"type\":\"map\",\"values\":{\"name\":\"G\",\"type\":\"fixed\","
        "\"size\":2}}},"
        "{\"name\":\"f\",\"type\":\"G\"}]}");
    /* Invalid schemas are errors, not crashes. */
    expect_error("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"x\",\"type\":\"Nope\"}]}",
                 "unknown type 'Nope'");
    expect_error("{\"type\":\"record\",\"name\":\"R\"}", "fields");
    expect_error("{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"A\"]}", "twice");
    expect_error("[\"int\",\"int\"]", "two branches");
    expect_error("[\"null\",[\"int\"]]", "union");
    expect_error("{\"type\":\"fixed\",\"name\":\"F\"}", "size");
    expect_error("{\"type\":\"record\",\"name\":\"9bad\",\"fields\":[]}", "invalid type name");
    expect_error("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":"
                 "{\"type\":\"record\",\"name\":\"R\",\"fields\":[]}}]}", "defined twice");
    expect_error("{\"type\":", "not JSON");
    expect_error("42", "must be a JSON string");
    expect_error("\"strin\"", "unknown type");
}

static void test_crc64(void)
{
    CHECK(gfdx_avro_crc64("", 0) == GFDX_AVRO_CRC64_EMPTY);
    CHECK(gfdx_avro_fingerprint("\"null\"") == UINT64_C(0x63dd24e7cc258f8a));
    CHECK(gfdx_avro_crc64("\"int\"", 5) == UINT64_C(0x7275d51a3f395c8f));
}

int main(void)
{
    test_spec_vectors();
    test_edge_cases();
    test_crc64();
    return CHECK_DONE();
}
