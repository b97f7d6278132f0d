/* push.h: gfdx-push, the MIIT -> PBoC push (DESIGN §6.2): its record handlers, its settings
 * and the pure pieces the handlers are made of (unit tested).
 *
 * Consumes gfdx.miit-pushes (sender: the MIIT participant only):
 *   NeedPushed         -> pboc.need (DISPATCHED, full snapshot), routed to one PBoC branch
 *                         (routing.h), one pboc.dispatch row per bank registered for that
 *                         branch, one NeedDispatched to gfdx.dispatch.<branch> (outbox). A
 *                         branch without a registered bank still gets the NeedDispatched, with
 *                         an empty bank list, and a warning is logged.
 *   NeedPushWithdrawn  -> pboc.need WITHDRAWN, its ACTIVE dispatches CANCELLED, one
 *                         NeedDispatchWithdrawn to the same gfdx.dispatch.<branch> topic.
 * Refusals (a receipt with the reason goes back to MIIT; nothing changes):
 *   UNAUTHORIZED_SENDER  the sender is not the MIIT participant;
 *   KEY_MISMATCH         the Kafka key is not the need id;
 *   INVALID_FIELD / BAD_USCC / INVALID_AMOUNT  a malformed snapshot (push_validate_pushed);
 *   UNKNOWN_REGION       province or project location not valid / not consistent;
 *   NO_BRANCH            the province has no PBoC branch (routing.cfg no_branch);
 *   ILLEGAL_TRANSITION   a second NeedPushed for a need (new event id), or a second withdrawal;
 *   UNKNOWN_NEED         a withdrawal of a need never pushed (push_fsm.h). */
#ifndef PUSH_H
#define PUSH_H

#include <jansson.h>
#include <stddef.h>

#include "routing.h"
#include "service.h"

#define PUSH_CONSUMED_TOPIC "gfdx.miit-pushes"

/* The service descriptor gfdx_daemon_main runs (participant "pboc", schema "pboc"). Its
 * configure hook loads the push.* settings and the routing table. */
extern const gfdx_service push_service;

/* Checks the parts of a decoded NeedPushed body that pboc.need relies on (routing is checked
 * by push_route): need_id 1-64 chars, quarter "YYYYQn", a valid USCC, non-empty factory,
 * project and catalogue names, financing_amount > 0. Returns NULL if fine, else the reason
 * code (static) with why filled. */
const char *push_validate_pushed(const json_t *body, char *why, size_t whylen);

/* Builds the NeedDispatched record (without meta) for a NeedPushed body routed to `branch`
 * and dispatched to `bank_ids` (a JSON array of strings, may be empty). Returns a new
 * object the caller json_decref's, or NULL when out of memory. */
json_t *push_need_dispatched(const json_t *pushed, const push_branch *branch, json_t *bank_ids);

/* Builds the NeedDispatchWithdrawn record (without meta). Caller json_decref's; NULL on OOM. */
json_t *push_need_dispatch_withdrawn(const char *need_id, const char *branch_id, json_t *bank_ids,
                                     const char *reason);

#endif
