/* intake_matching.h: the rules for a NeedMatchingStatus that gfdx-intake consumes from
 * gfdx.matching-status (DESIGN §6.1, §6.3), pure: no database, no registry.
 *
 * Who: only the participant gfdx-feedback runs as (intake.matching_status_sender, default
 * "pboc") may send it: anyone else is UNAUTHORIZED_SENDER, before anything about the need is
 * looked at.
 * What (INVALID_FIELD): every counter (banks_contacted, banks_approved, banks_declined,
 * open_obstacles) and both totals (approved_total, disbursed_total) are >= 0; the sequence
 * is >= 0 (0: a v1 writer, which has none) and, when set, at most max_jump above the
 * sequence applied to the need so far (intake.matching_max_sequence_jump, default 1000): a
 * need's statuses are counted one by one at gfdx-feedback, so a status "from the future"
 * (e.g. INT64_MAX, which would freeze the outcome against every later status) is refused.
 * Order: a status replaces the stored outcome only when its sequence is above the applied
 * one; a v1 status (sequence 0) only while no sequenced status was applied (it never
 * overrides a newer sequence). A status that does not replace is kept in the history only. */
#ifndef INTAKE_MATCHING_H
#define INTAKE_MATCHING_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define INTAKE_MATCHING_MAX_JUMP_DEFAULT 1000

typedef struct {
    const char *overall; /* borrowed from the record */
    long long banks_contacted, banks_approved, banks_declined, open_obstacles;
    long long approved_total, disbursed_total;
    long long sequence;  /* 0 for a v1 writer */
} intake_matching_status;

/* Reads a decoded NeedMatchingStatus body (reader schema: the latest, v3; sequence 0 when absent, from v1
 * writers). The loan figures v3 adds (outstanding_total, repaid_total, loans_overdue,
 * loans_non_performing) are not kept by gfdx-intake: it keeps the financing outcome. */
void intake_matching_read(const json_t *body, intake_matching_status *out);

/* NULL when s may be applied to a need whose applied sequence is `applied` (>= 0), else
 * "INVALID_FIELD" with a sentence in why. max_jump >= 1. */
const char *intake_matching_check(const intake_matching_status *s, long long applied, long long max_jump, char *why,
                                  size_t whylen);

/* True when a (checked) status with `sequence` replaces the outcome applied at `applied`. */
bool intake_matching_supersedes(long long sequence, long long applied);

#endif
