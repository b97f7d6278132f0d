/* namelist_version.h: the version rules of a name list (DESIGN §6.4), pure.
 *
 *  - versions are >= 1 and strictly increasing per list: a version not above the applied
 *    one is STALE_VERSION (a repeat of the applied version included);
 *  - FULL may skip versions (a snapshot replaces everything); DELTA must be exactly the
 *    applied version + 1 (the first version of a new list may be a DELTA 1, applied to the
 *    empty list), else VERSION_GAP: the publisher must send a FULL snapshot;
 *  - a version may come in parts 1..part_count (large lists). While a version is being
 *    received ("pending"), its other parts must agree on mode and part_count
 *    (PART_MISMATCH) and each part comes once (DUPLICATE_PART); a part of an older version
 *    than the pending one is STALE_VERSION; a valid newer version supersedes the pending
 *    one, which is abandoned (it can never complete the chain as published);
 *  - a version may be at most max_jump above the applied one (namelist.max_version_jump,
 *    default 1000; the first version of a list counts from 0), else VERSION_JUMP: a version
 *    of INT64_MAX would freeze the list forever (nothing could follow it). */
#ifndef NAMELIST_VERSION_H
#define NAMELIST_VERSION_H

#define NAMELIST_MAX_VERSION_JUMP_DEFAULT 1000

#include <stdbool.h>
#include <stddef.h>

typedef enum { NAMELIST_FULL, NAMELIST_DELTA } namelist_mode;

/* "FULL" | "DELTA" ("UNKNOWN" outside the enum); parse returns 0 or -1. */
const char *namelist_mode_name(namelist_mode m);
int namelist_mode_parse(const char *name, namelist_mode *out);

/* What the ledger holds for one list. */
typedef struct {
    long long current;          /* applied version; 0: nothing applied yet */
    long long pending;          /* version being received in parts; 0: none */
    namelist_mode pending_mode;
    int pending_part_count;
    bool part_received;         /* the incoming part number of the pending version is staged */
    long long max_jump;         /* most a version may exceed `current` by; 0: unbounded */
} namelist_ledger_state;

/* The incoming record. */
typedef struct {
    long long version;
    namelist_mode mode;
    int part, part_count;
} namelist_incoming;

typedef enum {
    NAMELIST_V_STAGE,          /* accept: stage the part (it may complete the version) */
    NAMELIST_V_SUPERSEDE,      /* accept: abandon the pending version, then stage */
    NAMELIST_V_STALE,          /* refuse STALE_VERSION */
    NAMELIST_V_GAP,            /* refuse VERSION_GAP */
    NAMELIST_V_PART_MISMATCH,  /* refuse PART_MISMATCH */
    NAMELIST_V_DUPLICATE_PART, /* refuse DUPLICATE_PART */
    NAMELIST_V_JUMP            /* refuse VERSION_JUMP */
} namelist_verdict;

/* Decides on `in` given `s`; why gets a sentence for the receipt (also on acceptance). The
 * caller has already checked 1 <= part <= part_count and version >= 1. */
namelist_verdict namelist_version_check(const namelist_ledger_state *s, const namelist_incoming *in, char *why,
                                        size_t whylen);

/* The receipt reason code of a refusal ("STALE_VERSION", ...); NULL for STAGE/SUPERSEDE. */
const char *namelist_verdict_code(namelist_verdict v);

#endif
