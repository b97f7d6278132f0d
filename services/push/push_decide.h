/* push_decide: gfdx-push's decisions (service.h, the decide API), pure functions of (rows,
 * record, context): no SQL, no PostgreSQL. Each authorizes first, then validates, routes
 * (routing.h), asks push_fsm for every new status, stages the need and dispatch rows in the
 * rowset (push_store.h) and the record for the branch with gfdx_decide_emit.
 *
 *   NeedPushed         -> need row (DISPATCHED, full snapshot) routed to one PBoC branch, one
 *                         dispatch row (ACTIVE) per bank registered for that branch, one
 *                         NeedDispatched to <dispatch_prefix><branch>. A branch without a
 *                         registered bank still gets the NeedDispatched, with an empty bank
 *                         list, and a warning is logged.
 *   NeedPushWithdrawn  -> need row WITHDRAWN, its ACTIVE dispatches CANCELLED, one
 *                         NeedDispatchWithdrawn (cancelled bank ids, id order) to the same topic.
 * Refusals (gfdx_decide_refuse; the machinery discards the record's effects and answers MIIT):
 *   UNAUTHORIZED_SENDER  the sender is not the MIIT participant (checked before anything else);
 *   INVALID_FIELD / BAD_USCC / INVALID_AMOUNT  a malformed snapshot (push_validate_pushed);
 *   UNKNOWN_REGION       province or project location not valid / not consistent;
 *   NO_BRANCH            the province has no PBoC branch (routing.cfg no_branch);
 *   ILLEGAL_TRANSITION   a second NeedPushed for a need (new event id), or a second withdrawal;
 *   UNKNOWN_NEED         a withdrawal of a need never pushed (push_fsm.h).
 * (KEY_MISMATCH, the Kafka key not the need id, is the machinery's.)
 * Failures (gfdx_fault_decide): a stored status push_fsm does not know is CORRUPT (never read
 * as absent: that would allow a second dispatch); out of memory is transient. */
#ifndef PUSH_DECIDE_H
#define PUSH_DECIDE_H

#include <jansson.h>
#include <stddef.h>

#include "routing.h"
#include "service.h"

/* The service's settings and routing table (gfdx_context.service_ctx): push.* of the config
 * file, filled by push.c's configure hook, read-only afterwards. */
typedef struct {
    char *routing_file;    /* push.routing */
    char *dispatch_prefix; /* push.dispatch_topic_prefix: a need routed to branch B goes to <prefix>B */
    push_routing *routing; /* loaded from routing_file */
} push_ctx;

/* The decisions of the handler table (gfdx_decide_fn). */
gfdx_verdict push_decide_pushed(gfdx_decision *d);
gfdx_verdict push_decide_withdrawn(gfdx_decision *d);

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
