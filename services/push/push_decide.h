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
 *                         NeedDispatchWithdrawn (cancelled bank ids, id order) to the same topic,
 *                         its open NO_BANK alert CLOSED.
 *   BanksAssigned      -> (sender: the need's branch) one ACTIVE dispatch per named bank the
 *                         need has none for, one NeedDispatched listing only those banks to
 *                         the branch's topic (none when every bank had one already: a no-op,
 *                         ACCEPTED), and the need's open NO_BANK alert CLOSED.
 * The banks of a push are those registered for the branch followed by every national head
 * office (push_banks_for_branch).
 * Refusals (gfdx_decide_refuse; the machinery discards the record's effects and answers MIIT):
 *   UNAUTHORIZED_SENDER  the sender is not the MIIT participant (checked before anything else);
 *                        for BanksAssigned: the sender is not a PBoC branch;
 *   NOT_NEEDS_BRANCH     BanksAssigned from a branch that is not the need's (or for a need never
 *                        pushed: the same answer), before the need's state is looked at;
 *   NEED_WITHDRAWN       BanksAssigned for a withdrawn need;
 *   UNKNOWN_BANK         a bank id of BanksAssigned that is not a registered bank;
 *   BANK_NOT_OF_BRANCH   a registered bank that neither serves the need's branch nor is a
 *                        national head office (the registry at decision time: reloadable);
 *   INVALID_FIELD        also: BanksAssigned with no bank id or more than PUSH_ASSIGN_MAX_BANKS;
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
#include <stdbool.h>
#include <stddef.h>

#include "routing.h"
#include "service.h"

/* The service's settings and routing table (gfdx_context.service_ctx): push.* of the config
 * file, filled by push.c's configure hook, read-only afterwards. */
typedef struct {
    char *routing_file;    /* push.routing */
    char *dispatch_prefix; /* push.dispatch_topic_prefix: a need routed to branch B goes to <prefix>B */
    char *alert_prefix;    /* push.alert_topic_prefix: an alert about a need of branch B goes to <prefix>B */
    int no_bank_alert_days; /* push.no_bank_alert_days: working days a pushed need may stay without a bank */
    push_routing *routing; /* loaded from routing_file */
} push_ctx;

/* The most banks one BanksAssigned may name (documented in banks_assigned.v1.avsc). */
#define PUSH_ASSIGN_MAX_BANKS 50

/* The decisions of the handler table (gfdx_decide_fn). */
gfdx_verdict push_decide_pushed(gfdx_decision *d);
gfdx_verdict push_decide_withdrawn(gfdx_decision *d);
gfdx_verdict push_decide_assigned(gfdx_decision *d);

/* The banks a need routed to branch_id is dispatched to: the registry's banks of the branch,
 * then its national head offices (registry order each), as a new JSON array of ids; NULL
 * when out of memory. */
json_t *push_banks_for_branch(const gfdx_registry *reg, const char *branch_id);

/* THE WATCH's decision (pure; push_watch.c runs it): for each need id of `need_ids` whose rows
 * are in `rows` (push_store_want_need), a DISPATCHED need with no ACTIVE dispatch, no NO_BANK
 * alert row and at least settings->no_bank_alert_days working days (ctx->calendar) between
 * its received_at and ctx->now_ms gets a NO_BANK alert row (OPEN, the alert life cycle) staged
 * in rows and an AlertRaised appended to `emits` as {"topic", "key", "type", "record"}
 * (<alert_prefix><branch>, key need id). A need that has an alert row (open or closed) is never
 * alerted again: a second run with the rows it wrote stages nothing. Returns the number of
 * alerts raised, or -1 with err (out of memory, or a stored status push_fsm does not know:
 * *corrupt set). */
int push_watch_decide(const gfdx_context *ctx, gfdx_rowset *rows, const json_t *need_ids, json_t *emits,
                      bool *corrupt, char *err, size_t errlen);

/* The deterministic alert id of (kind, need): a UUID-shaped digest, so a re-run names the
 * same alert. out: 37 bytes. */
void push_alert_id(const char *kind, const char *need_id, char out[37]);

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
