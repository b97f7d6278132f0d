/* namelist_validate.h: content checks of the records gfdx-namelist consumes, pure (no
 * database, no registry). Each returns NULL when the record is valid, else a stable reason
 * code with a sentence in why naming the field (and the entry, for list entries):
 *   (the Kafka key is checked against list_id by common/inbound.c, KEY_MISMATCH)
 *   INVALID_FIELD    malformed id, title, version, part, category code, FULL with removals ...
 *   UNKNOWN_REGION   region is not a GB/T 2260 code
 *   BAD_USCC         an entry's USCC fails GB 32100
 *   DUPLICATE_ENTRY  an entry key (or removed key) twice in the record
 *   LIMIT_EXCEEDED   more parts or entries than configured
 *   INVALID_PERIOD   period is not YYYYH1 / YYYYH2 (2000-2099)
 *   NEGATIVE_AMOUNT, INVALID_AMOUNT  amounts below zero, rates out of range, not finite */
#ifndef NAMELIST_VALIDATE_H
#define NAMELIST_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits applied to NameListPublished (namelist.max_parts, namelist.max_entries_per_part). */
typedef struct {
    int max_parts;
    int max_entries_per_part;
} namelist_limits;

const char *namelist_validate_published(const json_t *body, const char *key, const namelist_limits *lim, char *why,
                                        size_t whylen);
const char *namelist_validate_carbon(const json_t *body, const char *key, char *why, size_t whylen);
const char *namelist_validate_financing(const json_t *body, const char *key, char *why, size_t whylen);

/* Half-year "2026H1" -> [start, end) in Unix ms, China time (UTC+8, no DST): H1 is
 * 1 January-30 June, H2 1 July-31 December. 0, or -1 if malformed or outside 2000-2099. */
int namelist_period_bounds(const char *period, int64_t *start_ms, int64_t *end_ms);

/* A 2024 green/low-carbon transition industry catalogue code: 1-4 dot-separated numbers of
 * 1-2 digits without leading zeros, the first 1-7 ("1", "3.2", "1.2.3.4"). */
bool namelist_category_code_ok(const char *code);

/* Printable text: non-NULL, 1..maxbytes bytes, no control characters (< 0x20, 0x7f). */
bool namelist_text_ok(const char *s, size_t maxbytes);

#endif
