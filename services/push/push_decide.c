/* push_decide.c: see push_decide.h. Every status written comes from push_fsm; every row
 * goes through the rowset; every record through gfdx_decide_emit. */
#include "push_decide.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "log.h"
#include "push_fsm.h"
#include "push_store.h"
#include "uscc.h"

/* ---- the records' pure pieces ---- */

static int is_quarter(const char *q)
{
    return q && strlen(q) == 6 && strspn(q, "0123456789") == 4 && q[4] == 'Q' && q[5] >= '1' && q[5] <= '4';
}

const char *push_validate_pushed(const json_t *b, char *why, size_t n)
{
    const char *id = gfdx_rec_str(b, "need_id"), *q = gfdx_rec_str(b, "quarter");
    const char *uscc = gfdx_rec_str(b, "factory.uscc");
    if (!id || !*id || strlen(id) > 64)
        return snprintf(why, n, "need_id must be 1-64 characters"), "INVALID_FIELD";
    if (!is_quarter(q))
        return snprintf(why, n, "quarter \"%s\" is not YYYYQ1-YYYYQ4", q ? q : ""), "INVALID_FIELD";
    if (!gfdx_uscc_is_valid(uscc))
        return snprintf(why, n, "factory.uscc \"%s\": %s", uscc ? uscc : "", gfdx_uscc_explain(uscc ? uscc : "")),
               "BAD_USCC";
    static const char *const required[] = {"factory.name", "project.name", "project.catalogue_code",
                                           "recommended_by", "batch_id"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        const char *v = gfdx_rec_str(b, required[i]);
        if (!v || !*v)
            return snprintf(why, n, "%s must not be empty", required[i]), "INVALID_FIELD";
    }
    if (gfdx_rec_int(b, "project.financing_amount") <= 0)
        return snprintf(why, n, "project.financing_amount must be positive (got %lld fen)",
                        gfdx_rec_int(b, "project.financing_amount")),
               "INVALID_AMOUNT";
    return NULL;
}

json_t *push_need_dispatched(const json_t *p, const push_branch *branch, json_t *bank_ids)
{
    return json_pack("{s:s, s:s, s:s, s:O, s:s, s:s, s:b, s:b, s:O, s:s, s:s, s:I, s:O, s:O, s:O}",
                     "need_id", gfdx_rec_str(p, "need_id"), "branch_id", branch->id, "branch_name", branch->name,
                     "bank_ids", bank_ids, "province", gfdx_rec_str(p, "factory.province"), "quarter",
                     gfdx_rec_str(p, "quarter"), "late", gfdx_rec_bool(p, "late"), "is_major",
                     gfdx_rec_bool(p, "is_major"), "priority_tags", gfdx_rec_get(p, "priority_tags"),
                     "recommended_by", gfdx_rec_str(p, "recommended_by"), "batch_id", gfdx_rec_str(p, "batch_id"),
                     "pushed_at", (json_int_t)gfdx_rec_int(p, "meta.occurred_at"), "factory",
                     gfdx_rec_get(p, "factory"), "project", gfdx_rec_get(p, "project"), "contact",
                     gfdx_rec_get(p, "contact"));
}

json_t *push_need_dispatch_withdrawn(const char *need_id, const char *branch_id, json_t *bank_ids,
                                     const char *reason)
{
    return json_pack("{s:s, s:s, s:O, s:s}", "need_id", need_id, "branch_id", branch_id, "bank_ids", bank_ids,
                     "reason", reason);
}

/* ---- steps of a decision ---- */

static gfdx_verdict no_memory(gfdx_decision *d, const char *what)
{
    return gfdx_fault_decide(d, GFDX_FAULT_NO_MEMORY, what, "out of memory");
}

/* Only MIIT pushes needs; before anything about the need is looked at. */
static gfdx_verdict authorize(gfdx_decision *d, const char *need_id)
{
    if (!gfdx_auth_is_kind(d->sender, GFDX_PK_MIIT))
        return gfdx_decide_refuse(d, "UNAUTHORIZED_SENDER", "%s (%s) may not send %s: only MIIT pushes needs",
                                  d->sender->id, gfdx_participant_kind_name(d->sender->kind), d->rec->type);
    if (!need_id || !*need_id)
        return gfdx_decide_refuse(d, "INVALID_FIELD", "need_id must not be empty");
    return GFDX_DECIDE_OK; /* the Kafka key is checked by the machinery */
}

/* Asks push_fsm about `ev` for the need's current row (*row: NULL when the need is new,
 * borrowed) and sets *next. A stored status push_fsm does not know is CORRUPT. */
static gfdx_verdict transition(gfdx_decision *d, push_event ev, const char *need_id, const json_t **row,
                               push_status *next)
{
    const char *k[] = {need_id};
    push_status cur = PUSH_NONE;
    *row = gfdx_rows_get(d->rows, &push_need_table, k);
    if (*row && (push_status_parse(gfdx_rows_str(*row, "status"), &cur) || cur == PUSH_NONE))
        return gfdx_fault_decide(d, GFDX_FAULT_CORRUPT, "load_need", "unknown status stored in pboc.need");
    if (push_fsm_next(cur, ev, next) == 0)
        return GFDX_DECIDE_OK;
    const char *code = push_fsm_refusal(cur, ev);
    if (cur == PUSH_NONE)
        return gfdx_decide_refuse(d, code, "need %s was never pushed to PBoC", need_id);
    const char *branch = gfdx_rows_str(*row, "branch_id");
    return gfdx_decide_refuse(d, code, "%s is not allowed for need %s in state %s (branch %s)", push_event_name(ev),
                              need_id, push_status_name(cur), branch ? branch : "");
}

/* Appends the ids of the n participants of `ps` to ids. 0, or -1 when out of memory. */
static int append_ids(json_t *ids, const gfdx_participant *const *ps, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (json_array_append_new(ids, json_string(ps[i]->id)))
            return -1;
    return 0;
}

/* The banks a need routed to branch_id goes to, as a JSON array of ids: the banks registered
 * for the branch (registry order), then every national head office (registry order): the
 * notice addresses 各金融机构, head offices included. The registry keeps the two sets
 * disjoint. NULL on OOM. */
json_t *push_banks_for_branch(const gfdx_registry *reg, const char *branch_id)
{
    size_t nb = gfdx_registry_banks_of_branch(reg, branch_id, NULL, 0);
    size_t nh = gfdx_registry_head_offices(reg, NULL, 0);
    const gfdx_participant **ps = nb + nh ? calloc(nb + nh, sizeof *ps) : NULL;
    json_t *ids = json_array();
    if (((nb + nh) && !ps) || !ids) {
        free(ps);
        json_decref(ids);
        return NULL;
    }
    gfdx_registry_banks_of_branch(reg, branch_id, ps, nb);
    gfdx_registry_head_offices(reg, ps + nb, nh);
    if (append_ids(ids, ps, nb + nh)) {
        json_decref(ids);
        ids = NULL;
    }
    free(ps);
    return ids;
}

/* The new need row of a NeedPushed routed to branch, in status st. NULL on failure (errno
 * cleared before: ENOMEM is out of memory). */
static json_t *need_row(const gfdx_decision *d, const push_branch *branch, push_status st)
{
    const json_t *b = d->rec->body, *tags = gfdx_rec_get(b, "priority_tags");
    json_t *snap = json_deep_copy(b), *tag_copy = json_is_array(tags) ? json_deep_copy(tags) : json_array();
    json_t *pushed_at = gfdx_rows_time(d->rec->occurred_at), *now = gfdx_rows_time(d->ctx->now_ms);
    json_t *row = NULL;
    if (snap)
        json_object_del(snap, "meta"); /* the snapshot is the body without meta (absent: nothing to drop) */
    if (snap && tag_copy && pushed_at && now)
        row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:O, s:I, s:s, s:s, s:s, s:s, s:s, s:O, s:O, s:s,"
                        " s:s, s:s, s:O, s:n, s:n, s:n}",
                        "need_id", gfdx_rec_str(b, "need_id"), "province", gfdx_rec_str(b, "factory.province"),
                        "location_region", gfdx_rec_str(b, "project.location_region"), "branch_id", branch->id,
                        "quarter", gfdx_rec_str(b, "quarter"), "late", gfdx_rec_bool(b, "late"), "is_major",
                        gfdx_rec_bool(b, "is_major"), "priority_tags", tag_copy, "financing_amount",
                        (json_int_t)gfdx_rec_int(b, "project.financing_amount"), "catalogue_code",
                        gfdx_rec_str(b, "project.catalogue_code"), "uscc", gfdx_rec_str(b, "factory.uscc"),
                        "factory_name", gfdx_rec_str(b, "factory.name"), "project_name",
                        gfdx_rec_str(b, "project.name"), "status", push_status_name(st), "snapshot", snap,
                        "updated_at", now, "recommended_by", gfdx_rec_str(b, "recommended_by"), "batch_id",
                        gfdx_rec_str(b, "batch_id"), "push_event_id", d->rec->event_id, "pushed_at", pushed_at,
                        "withdrawn_event_id", "withdrawn_at", "withdrawn_reason");
    json_decref(snap);
    json_decref(tag_copy);
    json_decref(pushed_at);
    json_decref(now);
    return row;
}

/* The values every dispatch row of one push shares (json values are immutable here: a row
 * is changed by putting a copy), so that ~28 rows a push cost one object each, not a string
 * per column: the batch's largest allocation churn. */
typedef struct {
    json_t *need_id, *branch_id, *status, *via_branch, *via_head_office, *at;
} dispatch_values;

static void dispatch_values_free(dispatch_values *v)
{
    json_decref(v->need_id);
    json_decref(v->branch_id);
    json_decref(v->status);
    json_decref(v->via_branch);
    json_decref(v->via_head_office);
    json_decref(v->at);
}

/* The new dispatch row of a push to `bank` (a string of the push's bank list, shared too).
 * NULL when out of memory. */
static json_t *dispatch_row(const dispatch_values *v, json_t *bank, bool head_office)
{
    json_t *row = json_object();
    if (!row || json_object_set_nocheck(row, "need_id", v->need_id) || json_object_set_nocheck(row, "bank_id", bank) ||
        json_object_set_nocheck(row, "branch_id", v->branch_id) || json_object_set_nocheck(row, "status", v->status) ||
        json_object_set_new_nocheck(row, "cancelled_at", json_null()) ||
        json_object_set_nocheck(row, "via", head_office ? v->via_head_office : v->via_branch) ||
        json_object_set_nocheck(row, "dispatched_at", v->at)) {
        json_decref(row);
        return NULL;
    }
    return row;
}

/* Whether the need already has a dispatch for the i-th bank of banks: a row stored (data out
 * of order for a need never pushed) or an earlier entry of the list (the registry keeps
 * branch banks and head offices disjoint; a repeat would make the COPY fail the batch). */
static bool dispatch_exists(const gfdx_decision *d, const char *need_id, const json_t *banks, size_t i)
{
    const char *k[] = {need_id, json_string_value(json_array_get(banks, i))};
    if (!k[1] || gfdx_rows_get(d->rows, &push_dispatch_table, k))
        return true;
    for (size_t j = 0; j < i; j++)
        if (!strcmp(json_string_value(json_array_get(banks, j)), k[1]))
            return true;
    return false;
}

/* Appends one dispatch row per bank (ACTIVE, from the dispatch life cycle) to the new
 * dispatches (push_dispatch_new_table: written by COPY). A (need, bank) row already there for
 * a need that was never pushed is stored data out of order: CORRUPT. */
static gfdx_verdict put_dispatches(gfdx_decision *d, const char *need_id, const char *branch_id,
                                   const json_t *banks)
{
    push_dispatch_status next;
    if (push_dispatch_fsm_next(PUSH_DISPATCH_NONE, PUSH_DEV_DISPATCH, &next))
        return gfdx_fault_decide(d, GFDX_FAULT_CORRUPT, "dispatch", "the dispatch life cycle has no DISPATCH");
    dispatch_values v = {json_string(need_id), json_string(branch_id), json_string(push_dispatch_status_name(next)),
                         json_string(PUSH_VIA_BRANCH), json_string(PUSH_VIA_HEAD_OFFICE),
                         gfdx_rows_time(d->ctx->now_ms)};
    gfdx_verdict verdict = GFDX_DECIDE_OK;
    if (!v.need_id || !v.branch_id || !v.status || !v.via_branch || !v.via_head_office || !v.at)
        verdict = no_memory(d, "dispatch");
    for (size_t i = 0; verdict == GFDX_DECIDE_OK && i < json_array_size(banks); i++) {
        json_t *bank = json_array_get(banks, i);
        if (dispatch_exists(d, need_id, banks, i)) {
            verdict = gfdx_fault_decide(d, GFDX_FAULT_CORRUPT, "dispatch", "a dispatch row exists for a new need");
            break;
        }
        const gfdx_participant *p = gfdx_registry_find(d->ctx->registry, json_string_value(bank));
        json_t *row = dispatch_row(&v, bank, p && p->national);
        if (!row || gfdx_rows_append(d->rows, &push_dispatch_new_table, row))
            verdict = no_memory(d, "dispatch");
    }
    dispatch_values_free(&v);
    return verdict;
}

/* Emits `record` (built by the caller with errno cleared before; NULL when that failed) to
 * the branch's dispatch topic. Takes ownership of record. */
static gfdx_verdict emit(gfdx_decision *d, const char *branch_id, const char *need_id, const char *type,
                         json_t *record)
{
    const push_ctx *c = d->ctx->service_ctx;
    char topic[256];
    if (!record) /* out of memory, or bad input */
        return gfdx_fault_decide(d, gfdx_fault_of_errno(errno, GFDX_FAULT_BAD_INPUT), type,
                                 "cannot build the record from the NeedPushed snapshot");
    snprintf(topic, sizeof topic, "%s%s", c->dispatch_prefix, branch_id);
    gfdx_verdict v = gfdx_decide_emit(d, topic, need_id, type, record);
    json_decref(record);
    return v;
}

static void warn_no_bank(const gfdx_decision *d, const char *need_id, const push_branch *branch)
{
    const gfdx_participant *p = gfdx_registry_find(d->ctx->registry, branch->id);
    GFDX_WARN("need %s routed to %s (%s): no bank is registered for this branch%s, nor any national head office;"
              " dispatched with an empty bank list",
              need_id, branch->id, branch->name,
              p ? "" : " (the branch is not in the participant registry either)");
}

/* Authorizes, validates and routes a NeedPushed: *branch set on OK. */
static gfdx_verdict admit_pushed(gfdx_decision *d, const char *need_id, const push_branch **branch)
{
    const push_ctx *c = d->ctx->service_ctx;
    const json_t *b = d->rec->body;
    char why[512];
    const char *code;
    gfdx_verdict v = authorize(d, need_id);
    if (v != GFDX_DECIDE_OK)
        return v;
    if ((code = push_validate_pushed(b, why, sizeof why)))
        return gfdx_decide_refuse(d, code, "%s", why);
    push_route_status rs = push_route(c->routing, gfdx_rec_str(b, "factory.province"),
                                      gfdx_rec_str(b, "project.location_region"), branch, why, sizeof why);
    if (rs != PUSH_ROUTE_OK)
        return gfdx_decide_refuse(d, rs == PUSH_ROUTE_NO_BRANCH ? "NO_BRANCH" : "UNKNOWN_REGION", "%s", why);
    return GFDX_DECIDE_OK;
}

/* ---- decisions ---- */

gfdx_verdict push_decide_pushed(gfdx_decision *d)
{
    const json_t *b = d->rec->body, *stored;
    const char *need_id = gfdx_rec_str(b, "need_id");
    const push_branch *branch = NULL;
    push_status next;
    gfdx_verdict v = admit_pushed(d, need_id, &branch);
    if (v == GFDX_DECIDE_OK)
        v = transition(d, PUSH_EV_PUSH, need_id, &stored, &next);
    if (v != GFDX_DECIDE_OK)
        return v;
    json_t *banks = push_banks_for_branch(d->ctx->registry, branch->id);
    if (!banks)
        return no_memory(d, "banks");
    errno = 0;
    json_t *row = need_row(d, branch, next);
    if (!row)
        v = gfdx_fault_decide(d, gfdx_fault_of_errno(errno, GFDX_FAULT_BAD_INPUT), "need",
                              "cannot build the need row from the NeedPushed snapshot");
    else if (gfdx_rows_put(d->rows, &push_need_table, row))
        v = no_memory(d, "need");
    if (v == GFDX_DECIDE_OK)
        v = put_dispatches(d, need_id, branch->id, banks);
    if (v == GFDX_DECIDE_OK) {
        errno = 0;
        v = emit(d, branch->id, need_id, "NeedDispatched", push_need_dispatched(b, branch, banks));
    }
    if (v == GFDX_DECIDE_OK && json_array_size(banks) == 0)
        warn_no_bank(d, need_id, branch);
    json_decref(banks);
    return v;
}

/* Cancels the need's ACTIVE dispatches (the dispatch life cycle says which can be); *banks
 * = the cancelled bank ids (new JSON array, key order: bank id). */
static gfdx_verdict cancel_dispatches(gfdx_decision *d, const char *need_id, json_t **banks)
{
    json_t *rows = push_store_dispatches(d->rows, need_id);
    gfdx_verdict v = GFDX_DECIDE_OK;
    size_t i;
    json_t *row;
    *banks = json_array();
    if (!rows || !*banks)
        v = no_memory(d, "cancel_dispatches");
    json_array_foreach(rows, i, row) {
        push_dispatch_status cur, next;
        if (v != GFDX_DECIDE_OK)
            break;
        if (push_dispatch_status_parse(gfdx_rows_str(row, "status"), &cur) || cur == PUSH_DISPATCH_NONE) {
            v = gfdx_fault_decide(d, GFDX_FAULT_CORRUPT, "cancel_dispatches", "unknown status stored in pboc.dispatch");
            break;
        }
        if (push_dispatch_fsm_next(cur, PUSH_DEV_CANCEL, &next))
            continue; /* already cancelled */
        json_t *upd = json_deep_copy(row), *now = gfdx_rows_time(d->ctx->now_ms);
        if (!upd || !now || json_object_set_new(upd, "status", json_string(push_dispatch_status_name(next))) ||
            json_object_set(upd, "cancelled_at", now) ||
            json_array_append_new(*banks, json_string(gfdx_rows_str(row, "bank_id")))) {
            json_decref(upd);
            v = no_memory(d, "cancel_dispatches");
        } else if (gfdx_rows_put(d->rows, &push_dispatch_table, upd)) { /* steals upd */
            v = no_memory(d, "cancel_dispatches");
        }
        json_decref(now);
    }
    json_decref(rows);
    return v;
}

static gfdx_verdict close_alert(gfdx_decision *d, const char *need_id);

/* The need row withdrawn: a copy of the stored row in status st with the withdrawal's
 * event, time and reason. NULL when out of memory. */
static json_t *withdrawn_row(const gfdx_decision *d, const json_t *stored, push_status st, const char *reason)
{
    json_t *row = json_deep_copy(stored), *at = gfdx_rows_time(d->rec->occurred_at);
    json_t *now = gfdx_rows_time(d->ctx->now_ms);
    if (!row || !at || !now || json_object_set_new(row, "status", json_string(push_status_name(st))) ||
        json_object_set_new(row, "withdrawn_event_id", json_string(d->rec->event_id)) ||
        json_object_set(row, "withdrawn_at", at) ||
        json_object_set_new(row, "withdrawn_reason", reason ? json_string(reason) : json_null()) ||
        json_object_set(row, "updated_at", now)) {
        json_decref(row);
        row = NULL;
    }
    json_decref(at);
    json_decref(now);
    return row;
}

gfdx_verdict push_decide_withdrawn(gfdx_decision *d)
{
    const json_t *b = d->rec->body, *stored = NULL;
    const char *need_id = gfdx_rec_str(b, "need_id"), *reason = gfdx_rec_str(b, "reason");
    char branch_id[72];
    push_status next;
    gfdx_verdict v = authorize(d, need_id);
    if (v == GFDX_DECIDE_OK)
        v = transition(d, PUSH_EV_WITHDRAW, need_id, &stored, &next);
    if (v != GFDX_DECIDE_OK)
        return v;
    const char *stored_branch = gfdx_rows_str(stored, "branch_id");
    snprintf(branch_id, sizeof branch_id, "%s", stored_branch ? stored_branch : ""); /* stored changes below */
    json_t *row = withdrawn_row(d, stored, next, reason), *banks = NULL;
    if (!row || gfdx_rows_put(d->rows, &push_need_table, row))
        v = no_memory(d, "need");
    if (v == GFDX_DECIDE_OK)
        v = cancel_dispatches(d, need_id, &banks);
    if (v == GFDX_DECIDE_OK) {
        errno = 0;
        v = emit(d, branch_id, need_id, "NeedDispatchWithdrawn",
                 push_need_dispatch_withdrawn(need_id, branch_id, banks, reason ? reason : ""));
    }
    if (v == GFDX_DECIDE_OK)
        v = close_alert(d, need_id); /* a withdrawn need waits for no bank */
    json_decref(banks);
    return v;
}

/* ---- BanksAssigned: a branch names banks for one of its needs ---- */

/* Only the branch the need was routed to assigns its banks: the sender must be a PBoC branch
 * and the need's branch. A need never pushed answers the same as another branch's need, so
 * a branch learns nothing about needs that are not its own. Before the need's state. */
static gfdx_verdict authorize_branch(gfdx_decision *d, const char *need_id)
{
    if (!gfdx_auth_is_kind(d->sender, GFDX_PK_PBOC_BRANCH))
        return gfdx_decide_refuse(d, "UNAUTHORIZED_SENDER",
                                  "%s (%s) may not send %s: only the PBoC branch of the need assigns banks",
                                  d->sender->id, gfdx_participant_kind_name(d->sender->kind), d->rec->type);
    if (!need_id || !*need_id)
        return gfdx_decide_refuse(d, "INVALID_FIELD", "need_id must not be empty");
    const char *k[] = {need_id};
    const char *branch = gfdx_rows_str(gfdx_rows_get(d->rows, &push_need_table, k), "branch_id");
    if (!branch || strcmp(branch, d->sender->id))
        return gfdx_decide_refuse(d, "NOT_NEEDS_BRANCH", "need %s is not a need dispatched to %s", need_id,
                                  d->sender->id);
    return GFDX_DECIDE_OK;
}

/* Refuses a bank id that is not a registered bank (UNKNOWN_BANK) or that neither serves the
 * branch nor is a national head office (BANK_NOT_OF_BRANCH). The registry is the one of the
 * decision (reloaded on SIGHUP): a bank registered after the push can be assigned. */
static gfdx_verdict check_bank(gfdx_decision *d, const char *bank_id, const char *branch_id)
{
    const gfdx_participant *p = bank_id ? gfdx_registry_find(d->ctx->registry, bank_id) : NULL;
    if (!p || p->kind != GFDX_PK_BANK)
        return gfdx_decide_refuse(d, "UNKNOWN_BANK", "%s is not a registered bank", bank_id ? bank_id : "(null)");
    if (p->national)
        return GFDX_DECIDE_OK;
    for (size_t i = 0; i < p->n_branches; i++)
        if (!strcmp(p->branches[i], branch_id))
            return GFDX_DECIDE_OK;
    return gfdx_decide_refuse(d, "BANK_NOT_OF_BRANCH",
                              "%s neither serves %s nor is a national head office", bank_id, branch_id);
}

/* Checks bank_ids (1 to PUSH_ASSIGN_MAX_BANKS, each a bank of the branch or a head office) and
 * sets *banks to them without repeats, in record order (new array). */
static gfdx_verdict check_banks(gfdx_decision *d, const char *branch_id, json_t **banks)
{
    const json_t *ids = gfdx_rec_get(d->rec->body, "bank_ids"), *id;
    size_t i, j, n = json_array_size(ids);
    gfdx_verdict v = GFDX_DECIDE_OK;
    *banks = NULL;
    if (n == 0 || n > PUSH_ASSIGN_MAX_BANKS)
        return gfdx_decide_refuse(d, "INVALID_FIELD", "bank_ids must name 1 to %d banks (got %zu)",
                                  PUSH_ASSIGN_MAX_BANKS, n);
    if (!(*banks = json_array()))
        return no_memory(d, "bank_ids");
    json_array_foreach(ids, i, id) {
        if ((v = check_bank(d, json_string_value(id), branch_id)) != GFDX_DECIDE_OK)
            break;
        for (j = 0; j < json_array_size(*banks) && !json_equal(json_array_get(*banks, j), id); j++)
            ;
        if (j == json_array_size(*banks) && json_array_append(*banks, (json_t *)id)) {
            v = no_memory(d, "bank_ids");
            break;
        }
    }
    if (v != GFDX_DECIDE_OK) {
        json_decref(*banks);
        *banks = NULL;
    }
    return v;
}

/* A head office's ACTIVE copy of the push named by the branch: it becomes the need's
 * organised bank (via ASSIGNED, dispatched now). 1 upgraded, 0 not such a row, -1 no memory. */
static int upgrade_head_office(gfdx_decision *d, const json_t *row, push_dispatch_status cur)
{
    if (cur != PUSH_DISPATCH_ACTIVE || push_dispatch_organised(row))
        return 0;
    json_t *upd = json_deep_copy(row);
    if (!upd || json_object_set_new(upd, "via", json_string(PUSH_VIA_ASSIGNED)) ||
        json_object_set_new(upd, "dispatched_at", gfdx_rows_time(d->ctx->now_ms))) {
        json_decref(upd);
        return -1;
    }
    return gfdx_rows_put(d->rows, &push_dispatch_table, upd) ? -1 : 1;
}

/* Opens a dispatch (via ASSIGNED) for every bank of `banks` the need has none for (the
 * dispatch life cycle: NONE -DISPATCH-> ACTIVE), and makes a head office's copy of the push
 * an assigned dispatch; a bank organised already is left alone. *added = the banks newly
 * dispatched or upgraded (new array, record order). */
static gfdx_verdict add_dispatches(gfdx_decision *d, const char *need_id, const char *branch_id,
                                   const json_t *banks, json_t **added)
{
    size_t i;
    json_t *bank;
    if (!(*added = json_array()))
        return no_memory(d, "dispatch");
    json_array_foreach(banks, i, bank) {
        const char *k[] = {need_id, json_string_value(bank)};
        const json_t *row = push_store_dispatch(d->rows, k[0], k[1]);
        push_dispatch_status cur = PUSH_DISPATCH_NONE, next;
        if (row && (push_dispatch_status_parse(gfdx_rows_str(row, "status"), &cur) || cur == PUSH_DISPATCH_NONE))
            return gfdx_fault_decide(d, GFDX_FAULT_CORRUPT, "dispatch", "unknown status stored in pboc.dispatch");
        int up = row ? upgrade_head_office(d, row, cur) : 0;
        if (up < 0 || (up == 1 && json_array_append(*added, bank)))
            return no_memory(d, "dispatch");
        if (up == 1 || push_dispatch_fsm_next(cur, PUSH_DEV_DISPATCH, &next))
            continue; /* upgraded, or already organised for this bank: a no-op */
        json_t *put = json_pack("{s:s, s:s, s:s, s:s, s:n, s:s, s:o}", "need_id", need_id, "bank_id", k[1],
                                "branch_id", branch_id, "status", push_dispatch_status_name(next), "cancelled_at",
                                "via", PUSH_VIA_ASSIGNED, "dispatched_at", gfdx_rows_time(d->ctx->now_ms));
        if (!put || gfdx_rows_put(d->rows, &push_dispatch_table, put) || json_array_append(*added, bank))
            return no_memory(d, "dispatch");
    }
    return GFDX_DECIDE_OK;
}

/* Closes the need's open NO_BANK alert, if any (the alert life cycle: OPEN -CLOSE-> CLOSED):
 * banks were assigned, or the need was withdrawn. closed_event_id: the deciding record's. */
static gfdx_verdict close_alert(gfdx_decision *d, const char *need_id)
{
    const char *k[] = {need_id, PUSH_ALERT_NO_BANK};
    const json_t *row = gfdx_rows_get(d->rows, &push_alert_table, k);
    push_alert_status cur, next;
    if (!row)
        return GFDX_DECIDE_OK;
    if (push_alert_status_parse(gfdx_rows_str(row, "status"), &cur) || cur == PUSH_ALERT_NONE)
        return gfdx_fault_decide(d, GFDX_FAULT_CORRUPT, "alert", "unknown status stored in pboc.alert");
    if (push_alert_fsm_next(cur, PUSH_AEV_CLOSE, &next))
        return GFDX_DECIDE_OK; /* closed already */
    json_t *upd = json_deep_copy(row), *now = gfdx_rows_time(d->ctx->now_ms);
    int bad = !upd || !now || json_object_set_new(upd, "status", json_string(push_alert_status_name(next))) ||
              json_object_set(upd, "closed_at", now) ||
              json_object_set_new(upd, "closed_event_id", json_string(d->rec->event_id));
    json_decref(now);
    if (bad) {
        json_decref(upd);
        return no_memory(d, "alert");
    }
    return gfdx_rows_put(d->rows, &push_alert_table, upd) ? no_memory(d, "alert") : GFDX_DECIDE_OK;
}

/* The NeedDispatched of an assignment: built from the stored need (its snapshot, pushed_at)
 * like the push's, listing only the banks just added. errno is ENOMEM when out of memory. */
static json_t *assigned_record(const gfdx_decision *d, const json_t *stored, json_t *added)
{
    const push_ctx *c = d->ctx->service_ctx;
    const push_branch *branch = push_routing_find(c->routing, gfdx_rows_str(stored, "branch_id"));
    json_t *pushed = json_deep_copy(json_object_get(stored, "snapshot")), *rec = NULL;
    int64_t at = gfdx_rows_time_ms(json_object_get(stored, "pushed_at"));
    if (branch && json_is_object(pushed) && at >= 0 &&
        !json_object_set_new(pushed, "meta", json_pack("{s:I}", "occurred_at", (json_int_t)at)))
        rec = push_need_dispatched(pushed, branch, added);
    json_decref(pushed);
    return rec;
}

gfdx_verdict push_decide_assigned(gfdx_decision *d)
{
    const char *need_id = gfdx_rec_str(d->rec->body, "need_id");
    const json_t *stored = NULL;
    json_t *banks = NULL, *added = NULL;
    push_status next;
    gfdx_verdict v = authorize_branch(d, need_id);
    if (v == GFDX_DECIDE_OK)
        v = transition(d, PUSH_EV_ASSIGN, need_id, &stored, &next);
    if (v == GFDX_DECIDE_OK)
        v = check_banks(d, d->sender->id, &banks);
    if (v == GFDX_DECIDE_OK)
        v = add_dispatches(d, need_id, d->sender->id, banks, &added);
    if (v == GFDX_DECIDE_OK && json_array_size(added)) {
        errno = 0;
        v = emit(d, d->sender->id, need_id, "NeedDispatched", assigned_record(d, stored, added));
    }
    if (v == GFDX_DECIDE_OK)
        v = close_alert(d, need_id); /* every named bank now has an ACTIVE dispatch */
    json_decref(banks);
    json_decref(added);
    return v;
}
