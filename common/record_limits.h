/* record_limits.h: the bounds of every consumed record (DESIGN §4 "Limits"), in one
 * declarative table, applied generically by walking the decoded body before anything else
 * looks at it. (Module prefix gfdx_limits_; the file is not named limits.h, which would
 * shadow the C library's <limits.h> for every file of common/.)
 *
 * Every field of every schema in schemas/avro/ is named in the table by its path (dotted,
 * "[]" for array items, "{}" for map values: "entries[].attributes{}") with a class:
 *   ID        at most 64 bytes; no control characters, no bidi marks or overrides
 *   KEY       an entry key of a name list: as ID, at most 128 bytes
 *   NAME      at most 200 characters (code points); no controls, no bidi marks or overrides
 *   TEXT      free text, at most 2,000 characters; newline is the only control character kept;
 *             no bidi overrides or isolates (U+202A-U+202E, U+2066-U+2069)
 *   MONEY     fen, 0 .. 10^15
 *   DATE      "YYYY-MM-DD", years 1990 .. 2100
 *   TIMESTAMP Unix ms within 1990-01-01 .. 2100-12-31 (UTC)
 *   OCCURRED  meta.occurred_at: a TIMESTAMP, and within the clock skew of now (below)
 *   COUNT     an integer 0 .. 10^9; SEQUENCE an integer 0 .. 2^53 - 1 (versions, offsets)
 *   QUANTITY  a finite number 0 .. 10^12 (tonnes, tce)
 *   ENUM, BOOL, RECORD: the decoder already bounds them
 *   ARRAY, MAP: at most max_count items (named per field in the table)
 * A field missing from the table is refused (fail closed): the unit test proves the table
 * covers every schema, so a new field cannot slip in unbounded.
 *
 * Reason codes: LIMIT_EXCEEDED (too long, too many, too large), NEGATIVE_AMOUNT (money or a
 * quantity below zero, as the services have always said), INVALID_FIELD (forbidden
 * characters, a malformed date, out of range dates and timestamps, wrong JSON type). The
 * reason names the field path and the limit: "entries[3].name: 250 characters, at most 200". */
#ifndef GFDX_RECORD_LIMITS_H
#define GFDX_RECORD_LIMITS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GFDX_LIMIT_VALUE_BYTES (1024 * 1024) /* a consumed record's value, before decoding */
#define GFDX_LIMIT_ID_BYTES 64
#define GFDX_LIMIT_KEY_BYTES 128
#define GFDX_LIMIT_NAME_CHARS 200
#define GFDX_LIMIT_TEXT_CHARS 2000
#define GFDX_LIMIT_MONEY_MAX 1000000000000000LL /* 10^15 fen */
#define GFDX_LIMIT_COUNT_MAX 1000000000LL
#define GFDX_LIMIT_SEQUENCE_MAX 9007199254740991LL
#define GFDX_LIMIT_QUANTITY_MAX 1e12
/* Default clock skew for meta.occurred_at: a sender's clock may run ahead by one day, and a
 * record may describe an event up to ten years old (back-filled history). */
#define GFDX_LIMIT_SKEW_FUTURE_MS (24LL * 3600 * 1000)
#define GFDX_LIMIT_SKEW_PAST_MS (3650LL * 24 * 3600 * 1000)

typedef enum {
    GFDX_LC_ID, GFDX_LC_KEY, GFDX_LC_NAME, GFDX_LC_TEXT, GFDX_LC_MONEY, GFDX_LC_DATE, GFDX_LC_TIMESTAMP,
    GFDX_LC_OCCURRED, GFDX_LC_COUNT, GFDX_LC_SEQUENCE, GFDX_LC_QUANTITY, GFDX_LC_ENUM, GFDX_LC_BOOL,
    GFDX_LC_RECORD, GFDX_LC_ARRAY, GFDX_LC_MAP
} gfdx_limit_class;

typedef struct {
    const char *path;
    gfdx_limit_class cls;
    long max_count; /* ARRAY and MAP only */
} gfdx_limit_rule;

/* The moment and skew occurred_at is judged against (0 skew fields: the defaults above). */
typedef struct {
    int64_t now_ms;
    int64_t skew_past_ms, skew_future_ms;
} gfdx_limits_clock;

/* The rule for a field path, or NULL when the table has none. */
const gfdx_limit_rule *gfdx_limits_find(const char *path);
const char *gfdx_limits_class_name(gfdx_limit_class cls);

/* Checks a decoded body against the table. NULL when within the limits; otherwise the reason
 * code, with the field path and the limit in why. Borrows everything. */
const char *gfdx_limits_check(const json_t *body, const gfdx_limits_clock *clock, char *why, size_t whylen);

/* One string value against a text class (ID, KEY, NAME, TEXT): NULL or the reason code;
 * what names the field in why. s need not be NUL-terminated (n bytes). */
const char *gfdx_limits_check_text(gfdx_limit_class cls, const char *what, const char *s, size_t n, char *why,
                                   size_t whylen);

/* Strict UTF-8: no overlong forms, surrogates, code points above U+10FFFF, or U+0000. The one
 * check every module uses (decoder, Kafka keys, limits). */
bool gfdx_utf8_valid(const void *s, size_t n);

#endif
