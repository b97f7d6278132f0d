/* intake_fsm: the life cycle of a financing need inside gfdx-intake (DESIGN §6.1).
 *
 * Pure and table-driven: no I/O, no allocation, no global state that changes;
 * safe to call from any thread. The daemon maps each decoded record on gfdx.needs
 * to an intake_event, asks intake_fsm_next() for the new status, and refuses the
 * record (reason ILLEGAL_TRANSITION) when it answers -1.
 *
 *   NONE        -SUBMIT->    SUBMITTED
 *   SUBMITTED   -REVISE->    SUBMITTED
 *   RETURNED    -REVISE->    SUBMITTED
 *   SUBMITTED   -APPROVE->   APPROVED
 *   SUBMITTED   -REJECT->    REJECTED     (final)
 *   SUBMITTED   -RETURN->    RETURNED
 *   APPROVED    -RECOMMEND-> RECOMMENDED
 *   RECOMMENDED -PUSHED->    PUSHED
 *   SUBMITTED | APPROVED | RETURNED | RECOMMENDED | PUSHED -WITHDRAW-> WITHDRAWN (final)
 *
 * Every other (status, event) pair is illegal. */
#ifndef GFDX_INTAKE_FSM_H
#define GFDX_INTAKE_FSM_H

#include <stdbool.h>

typedef enum {
  INTAKE_NONE = 0, /* need does not exist (no row yet) */
  INTAKE_SUBMITTED,
  INTAKE_APPROVED,
  INTAKE_REJECTED,
  INTAKE_RETURNED,
  INTAKE_RECOMMENDED,
  INTAKE_PUSHED,
  INTAKE_WITHDRAWN
} intake_status;

typedef enum {
  INTAKE_EV_SUBMIT,    /* NeedSubmitted */
  INTAKE_EV_REVISE,    /* NeedRevised */
  INTAKE_EV_APPROVE,   /* NeedReviewed decision APPROVED */
  INTAKE_EV_REJECT,    /* NeedReviewed decision REJECTED */
  INTAKE_EV_RETURN,    /* NeedReviewed decision RETURNED */
  INTAKE_EV_RECOMMEND, /* NeedRecommended */
  INTAKE_EV_PUSHED,    /* the relay delivered the need's NeedPushed to gfdx.miit-pushes (on_delivered) */
  INTAKE_EV_WITHDRAW   /* NeedWithdrawn */
} intake_event;

#define INTAKE_STATUS_COUNT 8 /* number of intake_status values, NONE included */
#define INTAKE_EVENT_COUNT 8  /* number of intake_event values */

/* Upper-case name of a status as stored in intake.need.status: "NONE", "SUBMITTED",
 * "APPROVED", "REJECTED", "RETURNED", "RECOMMENDED", "PUSHED", "WITHDRAWN".
 * Returns a static string (never NULL; "UNKNOWN" for an out-of-range value). */
const char *intake_status_name(intake_status st);

/* Inverse of intake_status_name: exact, case-sensitive match of one of the names
 * above ("NONE" included). Returns 0 and sets *out; -1 (and leaves *out alone) for
 * NULL, "UNKNOWN" or any other string. Callers reading a stored status should treat -1
 * as corrupt state rather than fall back to INTAKE_NONE (which would allow a new SUBMIT). */
int intake_status_parse(const char *name, intake_status *out);

/* Upper-case name of an event: "SUBMIT", "REVISE", "APPROVE", "REJECT", "RETURN",
 * "RECOMMEND", "PUSHED", "WITHDRAW". Static string; "UNKNOWN" when out of range. */
const char *intake_event_name(intake_event ev);

/* The transition function. On a legal transition returns 0 and sets *next; on an
 * illegal one (including out-of-range arguments or next == NULL) returns -1 and
 * leaves *next unchanged. */
int intake_fsm_next(intake_status cur, intake_event ev, intake_status *next)
  __attribute__((warn_unused_result));

/* True for REJECTED and WITHDRAWN: no event moves a need out of them. NONE is not
 * final (a need may still be submitted); false for out-of-range values. */
bool intake_status_is_final(intake_status st);

#endif
