/* intake_decide.h: gfdx-intake's decisions (DESIGN §6.1), one pure function per record type
 * (service.h, the decide API): a function of (d->rows, d->rec, d->sender, d->ctx) that
 * validates, authorizes the sender before the need's state is looked at, asks the state
 * machine (intake_fsm) for the new state, and stages the new intake.need row (a copy of the
 * loaded one with the changed columns), one intake.need_event row, and NeedPushed /
 * NeedPushWithdrawn for gfdx.miit-pushes (gfdx_decide_emit). No SQL: the rows are loaded and
 * written by the pipeline with the tables of intake_store.h.
 *
 * Reads d->ctx->service_ctx as an intake_settings (NULL: the defaults), d->ctx->calendar for
 * the quarter of a NeedRecommended (by the deadline clock, d->rec->clock), d->ctx->now_ms for
 * updated_at. Authorization is by the need's area, from its project.location_region
 * (participants.h gfdx_auth_is_area_authority_of): MIIT and the area's authority file and
 * withdraw, the area's authority reviews and recommends; the area of a project in a 计划单列市
 * is that city's (prov-330200 for 宁波), of one in a 兵团 city (6590xx) the 兵团's (xjbt), the
 * province's otherwise: the province's authority does not act on a plan city's or the
 * 兵团's needs (refused UNAUTHORIZED_SENDER). Refusal codes: the validation's (intake_validate.h, intake_matching.h),
 * UNAUTHORIZED_SENDER, UNKNOWN_NEED, ILLEGAL_TRANSITION, INVALID_FIELD (a revision moving a
 * need to another province), INVALID_QUARTER, RECORD_TOO_LARGE (gfdx_decide_emit). */
#ifndef INTAKE_DECIDE_H
#define INTAKE_DECIDE_H

#include <stdint.h>

#include "service.h"

/* intake.* of the daemon's config file (intake.c loads them). */
typedef struct {
    char *matching_sender; /* intake.matching_status_sender: the only sender of NeedMatchingStatus */
    int max_sequence_jump; /* intake.matching_max_sequence_jump */
    int reminder_days;     /* intake.reminder_days: the deadline reminder (intake_remind.h); 0 off */
} intake_settings;

gfdx_verdict intake_decide_submitted(gfdx_decision *d);
gfdx_verdict intake_decide_revised(gfdx_decision *d);
gfdx_verdict intake_decide_reviewed(gfdx_decision *d);
gfdx_verdict intake_decide_recommended(gfdx_decision *d);
gfdx_verdict intake_decide_withdrawn(gfdx_decision *d);
gfdx_verdict intake_decide_matching_status(gfdx_decision *d);

/* The delivery of one NeedPushed (the relay's report): its need (key) moves RECOMMENDED ->
 * PUSHED through intake_fsm (event PUSHED), with a need_event row (sender gfdx-intake,
 * detail {"delivered_to": topic}), at now_ms. 1 moved; 0 left alone (no such need, or a
 * state the event does not leave, e.g. withdrawn meanwhile); -1 out of memory. */
int intake_decide_delivered(gfdx_rowset *rs, const gfdx_delivery *dl, int64_t now_ms);

#endif
