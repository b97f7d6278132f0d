/* intake_matching.c: NeedMatchingStatus rules. See intake_matching.h. */
#include "intake_matching.h"

#include <stdio.h>

#include "service.h"

void intake_matching_read(const json_t *b, intake_matching_status *out)
{
    out->overall = gfdx_rec_str(b, "overall");
    out->banks_contacted = gfdx_rec_int(b, "banks_contacted");
    out->banks_approved = gfdx_rec_int(b, "banks_approved");
    out->banks_declined = gfdx_rec_int(b, "banks_declined");
    out->open_obstacles = gfdx_rec_int(b, "open_obstacles");
    out->approved_total = gfdx_rec_int(b, "approved_total");
    out->disbursed_total = gfdx_rec_int(b, "disbursed_total");
    out->sequence = gfdx_rec_int(b, "sequence");
}

const char *intake_matching_check(const intake_matching_status *s, long long applied, long long max_jump, char *why,
                                  size_t whylen)
{
    static const char *const names[] = {"banks_contacted", "banks_approved", "banks_declined", "open_obstacles",
                                        "approved_total", "disbursed_total", "sequence"};
    const long long v[] = {s->banks_contacted, s->banks_approved, s->banks_declined, s->open_obstacles,
                           s->approved_total, s->disbursed_total, s->sequence};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (v[i] < 0) {
            snprintf(why, whylen, "%s %lld is negative", names[i], v[i]);
            return "INVALID_FIELD";
        }
    /* both >= 0: the difference cannot overflow */
    if (s->sequence > 0 && s->sequence - applied > max_jump) {
        snprintf(why, whylen, "sequence %lld jumps more than %lld past the applied sequence %lld", s->sequence,
                 max_jump, applied);
        return "INVALID_FIELD";
    }
    return NULL;
}

bool intake_matching_supersedes(long long sequence, long long applied)
{
    return sequence > applied || (sequence == 0 && applied == 0);
}
