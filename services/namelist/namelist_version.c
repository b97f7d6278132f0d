/* namelist_version.c: see namelist_version.h. */
#include "namelist_version.h"

#include <stdio.h>
#include <string.h>

const char *namelist_mode_name(namelist_mode m)
{
    return m == NAMELIST_FULL ? "FULL" : m == NAMELIST_DELTA ? "DELTA" : "UNKNOWN";
}

int namelist_mode_parse(const char *name, namelist_mode *out)
{
    if (name && !strcmp(name, "FULL"))
        *out = NAMELIST_FULL;
    else if (name && !strcmp(name, "DELTA"))
        *out = NAMELIST_DELTA;
    else
        return -1;
    return 0;
}

/* The rules against the applied version only. */
static namelist_verdict against_current(const namelist_ledger_state *s, const namelist_incoming *in, char *why,
                                        size_t whylen)
{
    if (in->version == s->current) {
        snprintf(why, whylen, "version %lld is already applied", in->version);
        return NAMELIST_V_STALE;
    }
    if (in->version < s->current) {
        snprintf(why, whylen, "version %lld is older than the applied version %lld", in->version, s->current);
        return NAMELIST_V_STALE;
    }
    /* version >= 1 and current >= 0: the difference cannot overflow */
    if (s->max_jump > 0 && in->version - s->current > s->max_jump) {
        snprintf(why, whylen, "version %lld is more than %lld above the applied version %lld", in->version,
                 s->max_jump, s->current);
        return NAMELIST_V_JUMP;
    }
    if (in->mode == NAMELIST_DELTA && in->version != s->current + 1) {
        snprintf(why, whylen, "DELTA version %lld does not follow the applied version %lld: send a FULL snapshot",
                 in->version, s->current);
        return NAMELIST_V_GAP;
    }
    snprintf(why, whylen, "version %lld (%s) follows %lld", in->version, namelist_mode_name(in->mode), s->current);
    return NAMELIST_V_STAGE;
}

/* The rules against a version being received in parts. */
static namelist_verdict against_pending(const namelist_ledger_state *s, const namelist_incoming *in, char *why,
                                        size_t whylen)
{
    if (in->version < s->pending) {
        snprintf(why, whylen, "version %lld is older than version %lld, which is being received", in->version,
                 s->pending);
        return NAMELIST_V_STALE;
    }
    if (in->version > s->pending) {
        snprintf(why, whylen, "version %lld supersedes the incomplete version %lld", in->version, s->pending);
        return NAMELIST_V_SUPERSEDE;
    }
    if (in->mode != s->pending_mode || in->part_count != s->pending_part_count) {
        snprintf(why, whylen, "part %d of version %lld says %s in %d parts, earlier parts said %s in %d parts",
                 in->part, in->version, namelist_mode_name(in->mode), in->part_count,
                 namelist_mode_name(s->pending_mode), s->pending_part_count);
        return NAMELIST_V_PART_MISMATCH;
    }
    if (s->part_received) {
        snprintf(why, whylen, "part %d of version %lld was already received", in->part, in->version);
        return NAMELIST_V_DUPLICATE_PART;
    }
    snprintf(why, whylen, "part %d of %d of version %lld", in->part, in->part_count, in->version);
    return NAMELIST_V_STAGE;
}

namelist_verdict namelist_version_check(const namelist_ledger_state *s, const namelist_incoming *in, char *why,
                                        size_t whylen)
{
    namelist_verdict v = against_current(s, in, why, whylen);
    if (v != NAMELIST_V_STAGE || !s->pending)
        return v;
    return against_pending(s, in, why, whylen);
}

const char *namelist_verdict_code(namelist_verdict v)
{
    switch (v) {
    case NAMELIST_V_STALE: return "STALE_VERSION";
    case NAMELIST_V_GAP: return "VERSION_GAP";
    case NAMELIST_V_PART_MISMATCH: return "PART_MISMATCH";
    case NAMELIST_V_DUPLICATE_PART: return "DUPLICATE_PART";
    case NAMELIST_V_JUMP: return "VERSION_JUMP";
    default: return NULL;
    }
}
