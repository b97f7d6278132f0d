/* fuzz_avro_decode: libFuzzer target for gfdx_serde_decode (not a ctest test).
 *
 * Input: the first byte picks a catalogue schema (index modulo the count) whose header is
 * put in front of the remaining bytes, so the fuzzer spends its time in the body decoder;
 * the raw input is also decoded as a whole message (header paths). Property checked on
 * every successful decode: the JSON re-encodes with the reader schema and decodes back to
 * equal JSON. A crash, leak, sanitizer report or broken property is a finding.
 *
 * Build and run (clang with libFuzzer, from the repository root):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icommon \
 *     tests/fuzz/fuzz_avro_decode.c common/avro_canon.c common/avro_catalog.c \
 *     common/avro_serde.c $(pkg-config --cflags --libs jansson avro-c) -lpthread -lm \
 *     -o /tmp/fuzz_avro_decode
 *   mkdir -p /tmp/fuzz_corpus
 *   GFDX_FUZZ_SCHEMAS=tests/unit/avro /tmp/fuzz_avro_decode -max_total_time=300 \
 *     -rss_limit_mb=1024 /tmp/fuzz_corpus
 * GFDX_FUZZ_SCHEMAS defaults to schemas/avro (relative to the working directory). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro_catalog.h"
#include "avro_serde.h"

static gfdx_catalog *cat;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = getenv("GFDX_FUZZ_SCHEMAS");
    char err[512];
    cat = gfdx_catalog_load(dir ? dir : "schemas/avro", err, sizeof err);
    if (!cat) {
        fprintf(stderr, "fuzz_avro_decode: %s\n", err);
        exit(1);
    }
    return 0;
}

/* Decoded JSON must survive encode + decode with the reader schema unchanged. */
static void check_round_trip(const gfdx_schema *reader, json_t *json)
{
    unsigned char *msg = NULL;
    size_t len = 0;
    char err[512];
    if (gfdx_serde_encode(reader, json, &msg, &len, err, sizeof err) != GFDX_SERDE_OK) {
        fprintf(stderr, "re-encode failed: %s\n", err);
        abort();
    }
    json_t *again = NULL;
    if (gfdx_serde_decode_as(cat, reader, msg, len, &again, NULL, err, sizeof err) !=
            GFDX_SERDE_OK || !json_equal(json, again)) {
        fprintf(stderr, "round trip changed the value: %s\n", err);
        abort();
    }
    json_decref(again);
    free(msg);
}

static void decode_one(const unsigned char *msg, size_t len)
{
    json_t *out = NULL;
    const gfdx_schema *writer = NULL;
    char err[512];
    gfdx_serde_status st = gfdx_serde_decode(cat, msg, len, &out, &writer, err, sizeof err);
    if (st == GFDX_SERDE_OK) {
        check_round_trip(gfdx_catalog_latest(cat, gfdx_schema_fullname(writer)), out);
        json_decref(out);
    } else if (out) {
        abort(); /* an error must leave *out NULL */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    decode_one(data, size);
    if (size == 0)
        return 0;
    const gfdx_schema *s = gfdx_catalog_at(cat, data[0] % gfdx_catalog_count(cat));
    unsigned char *msg = malloc(size + GFDX_SERDE_HEADER_LEN - 1);
    if (!msg)
        return 0;
    uint64_t fp = gfdx_schema_fingerprint(s);
    msg[0] = 0xC3;
    msg[1] = 0x01;
    for (int i = 0; i < 8; i++)
        msg[2 + i] = (unsigned char)(fp >> (8 * i));
    memcpy(msg + GFDX_SERDE_HEADER_LEN, data + 1, size - 1);
    decode_one(msg, size + GFDX_SERDE_HEADER_LEN - 1);
    free(msg);
    return 0;
}
