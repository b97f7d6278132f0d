/* avro_serde: Avro single-object encoding <-> jansson JSON, with schema resolution.
 *
 * Wire form: bytes C3 01, the 8-byte LITTLE-endian CRC-64-AVRO fingerprint of the writer
 * schema's Parsing Canonical Form, then the Avro binary body.
 *
 * JSON convention (every module codes against it):
 *   record -> object keyed by field name      enum -> string (the symbol)
 *   string -> string                           int/long (incl. timestamp-millis) -> integer
 *   float/double -> real (integer accepted on input)   boolean -> true/false; null -> null
 *   array -> array; map -> object              bytes/fixed -> string of code points 0-255
 *   union -> the plain branch value, not tagged (null, or the value).
 * On input (encode) a union also accepts the Avro-JSON tagged form {"string": "x"} /
 * {"gfdx.v1.X": {...}} (an object with exactly one key naming a branch); an untagged value
 * takes the first branch it encodes under.
 *
 * Strings may not contain U+0000 (both directions): every consumer stores text in
 * PostgreSQL, which cannot hold it, so such a record is refused at the edge.
 *
 * The decoder is our own, driven by the writer schema: avro-c's resolver rejects reader
 * fields missing from the writer, and its reader allocates whatever a length prefix says.
 * Every length and count is bounded by the bytes left before anything is allocated, so
 * arbitrary input never crashes or allocates more than a few times its own size. */
#ifndef GFDX_AVRO_SERDE_H
#define GFDX_AVRO_SERDE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "avro_catalog.h"

/* Length of the single-object header: marker (2) + fingerprint (8). */
#define GFDX_SERDE_HEADER_LEN 10

typedef enum {
    GFDX_SERDE_OK = 0,
    GFDX_SERDE_BAD_MARKER,          /* not C3 01, or shorter than the 10-byte header */
    GFDX_SERDE_UNKNOWN_FINGERPRINT, /* writer schema not in the catalogue */
    GFDX_SERDE_TRUNCATED,           /* body ends early (incl. a length beyond the end) */
    GFDX_SERDE_TRAILING_BYTES,      /* bytes left after the body */
    GFDX_SERDE_BAD_BODY,            /* malformed body: bad varint, index out of range,
                                       invalid UTF-8, NaN/Infinity, nesting too deep */
    GFDX_SERDE_RESOLUTION,          /* writer data cannot be read as the reader schema */
    GFDX_SERDE_INVALID_DATUM        /* encode: JSON does not fit the schema */
} gfdx_serde_status;

/* Stable upper-case name ("OK", "BAD_MARKER", "UNKNOWN_FINGERPRINT", "TRUNCATED",
 * "TRAILING_BYTES", "BAD_BODY", "RESOLUTION", "INVALID_DATUM"), stored in the database;
 * "UNKNOWN" for an out-of-range value. */
const char *gfdx_serde_status_name(gfdx_serde_status status);

/* Reads the writer fingerprint of a single-object message. Returns 0, or -1 when the
 * marker is wrong or len < GFDX_SERDE_HEADER_LEN. */
int gfdx_serde_peek_fingerprint(const void *buf, size_t len, uint64_t *fp);

/* Decodes a single-object message. The reader schema is the latest catalogue version of
 * the writer's type: an older writer's missing fields get the reader's defaults, a newer
 * writer's extra fields are dropped. On GFDX_SERDE_OK *out is a new json_t (caller
 * json_decref's it); otherwise *out is NULL and err says why (with the field path).
 * *writer (may be NULL) is set whenever the fingerprint was found, else NULL. */
gfdx_serde_status gfdx_serde_decode(const gfdx_catalog *cat, const void *buf, size_t len,
                                    json_t **out, const gfdx_schema **writer, char *err,
                                    size_t errlen) __attribute__((warn_unused_result));

/* As gfdx_serde_decode with an explicit reader schema (NULL: the latest version). The
 * reader and writer records must have the same name (full or unqualified, or a reader
 * alias), else GFDX_SERDE_RESOLUTION. */
gfdx_serde_status gfdx_serde_decode_as(const gfdx_catalog *cat, const gfdx_schema *reader,
                                       const void *buf, size_t len, json_t **out,
                                       const gfdx_schema **writer, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Encodes `record` (JSON per the convention above) as a single-object message of schema
 * s. A missing field that has a "default" in the schema gets the default; a missing field
 * without one, a key that is not a field, or a value of the wrong type is
 * GFDX_SERDE_INVALID_DATUM with err naming the path, e.g.
 * "project.financing_amount: expected long, got string". On GFDX_SERDE_OK *out is
 * malloc'd (caller frees) and *outlen set; otherwise *out is NULL. */
gfdx_serde_status gfdx_serde_encode(const gfdx_schema *s, const json_t *record,
                                    unsigned char **out, size_t *outlen, char *err,
                                    size_t errlen) __attribute__((warn_unused_result));

#endif
