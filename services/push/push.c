/* push.c: gfdx-push's handlers and settings (see push.h). Each handler authorizes, validates,
 * locks the need row, asks push_fsm whether the transition is legal, writes pboc.need and
 * pboc.dispatch, and emits to gfdx.dispatch.<branch> through the outbox. Refusals change
 * nothing (the machinery rolls the savepoint back and answers MIIT with a receipt). */
#include "push.h"

#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fault.h"
#include "log.h"
#include "push_fsm.h"
#include "uscc.h"

/* ---- settings (push.* in the daemon's config file) ---- */

typedef struct {
    char *routing_file;
    char *dispatch_prefix;
} push_settings;

/* clang-format off */
static const gfdx_cfg_setting push_rows[] = {
    {"push.routing", GFDX_CFG_STRING, offsetof(push_settings, routing_file), GFDX_SOURCE_DIR "/deploy/routing.cfg",
     0, 0, 0, false, false, false, "PBoC branch routing table (deploy/routing.cfg); read at start-up"},
    {"push.dispatch_topic_prefix", GFDX_CFG_STRING, offsetof(push_settings, dispatch_prefix), "gfdx.dispatch.",
     0, 0, 0, false, false, false, "a need routed to branch B is published to <prefix>B"},
};
/* clang-format on */
#define N_PUSH_ROWS (sizeof push_rows / sizeof push_rows[0])

/* Service state: loaded once by the configure hook, read-only afterwards. */
typedef struct {
    push_settings settings;
    push_routing *routing;
} push_ctx;

static push_ctx the_ctx;

static int push_configure(void *ctx, const char *path, FILE *print_to, char *err, size_t errlen)
{
    push_ctx *c = ctx;
    push_settings s = {0};
    if (gfdx_config_load_rows(path, push_rows, N_PUSH_ROWS, &s, err, errlen)) {
        gfdx_config_release(push_rows, N_PUSH_ROWS, &s);
        return -1;
    }
    push_routing *rt = push_routing_load(s.routing_file, err, errlen);
    if (!rt) {
        gfdx_config_release(push_rows, N_PUSH_ROWS, &s);
        return -1;
    }
    gfdx_config_release(push_rows, N_PUSH_ROWS, &c->settings);
    push_routing_free(c->routing);
    c->settings = s;
    c->routing = rt;
    if (print_to) {
        gfdx_config_print_rows(print_to, push_rows, N_PUSH_ROWS, &c->settings);
        push_routing_print(print_to, rt);
    }
    return 0;
}

/* ---- pure pieces ---- */

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

/* ---- database steps ---- */

/* Runs a statement whose result is not needed; sql_fmt has one %s: the schema. */
static gfdx_apply_result run(gfdx_apply *a, const char *sql_fmt, int nparams, const char *const *params)
{
    char sql[1024];
    snprintf(sql, sizeof sql, sql_fmt, a->schema);
    PGresult *r = gfdx_apply_exec(a, sql, nparams, params);
    if (!r)
        return GFDX_APPLY_DB_ERROR;
    PQclear(r);
    return GFDX_APPLY_OK;
}

/* Locks the need row and reads its status and branch. *st = PUSH_NONE when absent.
 * 0 ok, -1 database error or corrupt status (verdict set). */
static int load_need(gfdx_apply *a, const char *need_id, push_status *st, char branch[65])
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT status, branch_id FROM %s.need WHERE need_id = $1 FOR UPDATE", a->schema);
    const char *p[] = {need_id};
    PGresult *r = gfdx_apply_exec(a, sql, 1, p);
    if (!r)
        return -1;
    *st = PUSH_NONE;
    bool corrupt = false;
    if (PQntuples(r) == 1) {
        snprintf(branch, 65, "%s", PQgetvalue(r, 0, 1));
        corrupt = push_status_parse(PQgetvalue(r, 0, 0), st) || *st == PUSH_NONE;
    }
    PQclear(r);
    if (corrupt) /* never treat it as absent: that would allow a second dispatch */
        gfdx_fault_apply(a, GFDX_FAULT_CORRUPT, "load_need", "unknown status stored in pboc.need");
    return corrupt ? -1 : 0;
}

/* Only MIIT pushes needs, and the Kafka key is the need id. */
static gfdx_apply_result authorize(gfdx_apply *a, const char *need_id)
{
    if (!gfdx_auth_is_kind(a->sender, GFDX_PK_MIIT))
        return gfdx_apply_refuse(a, "UNAUTHORIZED_SENDER", "%s (%s) may not send %s: only MIIT pushes needs",
                                 a->sender->id, gfdx_participant_kind_name(a->sender->kind), a->rec->type);
    if (!need_id || !*need_id)
        return gfdx_apply_refuse(a, "INVALID_FIELD", "need_id must not be empty");
    return GFDX_APPLY_OK; /* the Kafka key is checked in common/inbound.c */
}

/* Locks the need and asks push_fsm about `ev`; on OK branch holds the stored branch ("" if new). */
static gfdx_apply_result transition(gfdx_apply *a, push_event ev, const char *need_id, char branch[65])
{
    push_status cur, next;
    if (load_need(a, need_id, &cur, branch))
        return GFDX_APPLY_DB_ERROR;
    const char *code = push_fsm_next(cur, ev, &next);
    if (!code)
        return GFDX_APPLY_OK;
    if (cur == PUSH_NONE)
        return gfdx_apply_refuse(a, code, "need %s was never pushed to PBoC", need_id);
    return gfdx_apply_refuse(a, code, "%s is not allowed for need %s in state %s (branch %s)", push_event_name(ev),
                             need_id, push_status_name(cur), branch);
}

/* The registered banks of a branch as a JSON array of ids (registry order). NULL on OOM. */
static json_t *banks_of(const gfdx_registry *reg, const char *branch_id)
{
    size_t n = gfdx_registry_banks_of_branch(reg, branch_id, NULL, 0);
    const gfdx_participant **banks = n ? calloc(n, sizeof *banks) : NULL;
    json_t *ids = json_array();
    if ((n && !banks) || !ids) {
        free(banks);
        json_decref(ids);
        return NULL;
    }
    gfdx_registry_banks_of_branch(reg, branch_id, banks, n);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(ids, json_string(banks[i]->id));
    free(banks);
    return ids;
}

static gfdx_apply_result insert_need(gfdx_apply *a, const push_branch *branch)
{
    const json_t *b = a->rec->body;
    json_t *snap = json_copy((json_t *)b);
    if (snap)
        json_object_del(snap, "meta");
    char *snapshot = snap ? json_dumps(snap, JSON_COMPACT) : NULL;
    char *tags = json_dumps(gfdx_rec_get(b, "priority_tags"), JSON_COMPACT);
    char amount[24], at[24];
    snprintf(amount, sizeof amount, "%lld", gfdx_rec_int(b, "project.financing_amount"));
    snprintf(at, sizeof at, "%lld", (long long)a->rec->occurred_at);
    const char *p[] = {gfdx_rec_str(b, "need_id"), gfdx_rec_str(b, "factory.province"),
                       gfdx_rec_str(b, "project.location_region"), branch->id, gfdx_rec_str(b, "quarter"),
                       gfdx_rec_bool(b, "late") ? "true" : "false", gfdx_rec_bool(b, "is_major") ? "true" : "false",
                       tags, amount, gfdx_rec_str(b, "project.catalogue_code"), gfdx_rec_str(b, "factory.uscc"),
                       gfdx_rec_str(b, "factory.name"), gfdx_rec_str(b, "project.name"), snapshot,
                       gfdx_rec_str(b, "recommended_by"), gfdx_rec_str(b, "batch_id"), a->rec->event_id, at};
    gfdx_apply_result res =
        !snapshot || !tags
            ? gfdx_fault_apply(a, GFDX_FAULT_NO_MEMORY, "insert_need", "out of memory")
            : run(a,
                  "INSERT INTO %s.need (need_id, province, location_region, branch_id, quarter, late, is_major,"
                  " priority_tags, financing_amount, catalogue_code, uscc, factory_name, project_name, status,"
                  " snapshot, recommended_by, batch_id, push_event_id, pushed_at) VALUES ($1, $2, $3, $4, $5, $6,"
                  " $7, ARRAY(SELECT jsonb_array_elements_text($8::jsonb)), $9, $10, $11, $12, $13, 'DISPATCHED',"
                  " $14, $15, $16, $17, to_timestamp($18::bigint / 1000.0))",
                  18, p);
    free(snapshot);
    free(tags);
    json_decref(snap);
    return res;
}

static gfdx_apply_result insert_dispatches(gfdx_apply *a, const char *need_id, const char *branch_id,
                                           const json_t *bank_ids)
{
    char *ids = json_dumps(bank_ids, JSON_COMPACT);
    const char *p[] = {need_id, branch_id, ids};
    gfdx_apply_result res =
        !ids ? gfdx_fault_apply(a, GFDX_FAULT_NO_MEMORY, "insert_dispatches", "out of memory")
             : run(a,
                   "INSERT INTO %s.dispatch (need_id, bank_id, branch_id, status)"
                   " SELECT $1, bank, $2, 'ACTIVE' FROM jsonb_array_elements_text($3::jsonb) AS bank",
                   3, p);
    free(ids);
    return res;
}

static gfdx_apply_result emit(gfdx_apply *a, const char *branch_id, const char *need_id, const char *type,
                              json_t *record)
{
    const push_ctx *c = a->service_ctx;
    char topic[256];
    snprintf(topic, sizeof topic, "%s%s", c->settings.dispatch_prefix, branch_id);
    if (!record) /* the caller cleared errno before building it: out of memory, or bad input */
        return gfdx_fault_apply(a, gfdx_fault_of_errno(errno, GFDX_FAULT_BAD_INPUT), type,
                                "cannot build the record from the NeedPushed snapshot");
    return gfdx_apply_emit(a, topic, need_id, type, record);
}

static void warn_no_bank(const gfdx_apply *a, const char *need_id, const push_branch *branch)
{
    const gfdx_participant *p = gfdx_registry_find(a->registry, branch->id);
    GFDX_WARN("need %s routed to %s (%s): no bank is registered for this branch%s; dispatched with an empty"
              " bank list",
              need_id, branch->id, branch->name,
              p ? "" : " (the branch is not in the participant registry either)");
}

/* ---- handlers ---- */

static gfdx_apply_result on_pushed(gfdx_apply *a)
{
    const push_ctx *c = a->service_ctx;
    const json_t *b = a->rec->body;
    const char *need_id = gfdx_rec_str(b, "need_id"), *code;
    char stored_branch[65] = "", why[512];
    const push_branch *branch;
    gfdx_apply_result res = authorize(a, need_id);
    if (res != GFDX_APPLY_OK)
        return res;
    if ((code = push_validate_pushed(b, why, sizeof why)))
        return gfdx_apply_refuse(a, code, "%s", why);
    push_route_status rs = push_route(c->routing, gfdx_rec_str(b, "factory.province"),
                                      gfdx_rec_str(b, "project.location_region"), &branch, why, sizeof why);
    if (rs != PUSH_ROUTE_OK)
        return gfdx_apply_refuse(a, rs == PUSH_ROUTE_NO_BRANCH ? "NO_BRANCH" : "UNKNOWN_REGION", "%s", why);
    if ((res = transition(a, PUSH_EV_PUSH, need_id, stored_branch)) != GFDX_APPLY_OK)
        return res;
    json_t *banks = banks_of(a->registry, branch->id);
    errno = 0;
    json_t *rec = banks ? push_need_dispatched(b, branch, banks) : NULL;
    int built_errno = errno;
    res = banks ? insert_need(a, branch) : gfdx_fault_apply(a, GFDX_FAULT_NO_MEMORY, "banks", "out of memory");
    if (res == GFDX_APPLY_OK)
        res = insert_dispatches(a, need_id, branch->id, banks);
    errno = built_errno;
    if (res == GFDX_APPLY_OK)
        res = emit(a, branch->id, need_id, "NeedDispatched", rec);
    if (res == GFDX_APPLY_OK && json_array_size(banks) == 0)
        warn_no_bank(a, need_id, branch);
    json_decref(rec);
    json_decref(banks);
    return res;
}

/* Cancels the need's ACTIVE dispatches; *banks = the cancelled bank ids (JSON array, id order). */
static gfdx_apply_result cancel_dispatches(gfdx_apply *a, const char *need_id, json_t **banks)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "WITH c AS (UPDATE %s.dispatch SET status = 'CANCELLED', cancelled_at = now()"
             " WHERE need_id = $1 AND status = 'ACTIVE' RETURNING bank_id)"
             " SELECT coalesce(jsonb_agg(bank_id ORDER BY bank_id), '[]'::jsonb)::text FROM c",
             a->schema);
    const char *p[] = {need_id};
    PGresult *r = gfdx_apply_exec(a, sql, 1, p);
    if (!r)
        return GFDX_APPLY_DB_ERROR;
    errno = 0;
    *banks = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
    PQclear(r);
    if (*banks)
        return GFDX_APPLY_OK;
    /* PostgreSQL's jsonb text always parses: failing is out of memory, or a corrupt answer */
    return gfdx_fault_apply(a, gfdx_fault_of_errno(errno, GFDX_FAULT_CORRUPT), "cancel_dispatches",
                            "cannot read bank ids");
}

static gfdx_apply_result on_push_withdrawn(gfdx_apply *a)
{
    const json_t *b = a->rec->body;
    const char *need_id = gfdx_rec_str(b, "need_id"), *reason = gfdx_rec_str(b, "reason");
    char branch_id[65] = "", at[24];
    gfdx_apply_result res = authorize(a, need_id);
    if (res == GFDX_APPLY_OK)
        res = transition(a, PUSH_EV_WITHDRAW, need_id, branch_id);
    if (res != GFDX_APPLY_OK)
        return res;
    snprintf(at, sizeof at, "%lld", (long long)a->rec->occurred_at);
    const char *p[] = {need_id, a->rec->event_id, at, reason};
    res = run(a,
              "UPDATE %s.need SET status = 'WITHDRAWN', withdrawn_event_id = $2,"
              " withdrawn_at = to_timestamp($3::bigint / 1000.0), withdrawn_reason = $4, updated_at = now()"
              " WHERE need_id = $1",
              4, p);
    json_t *banks = NULL, *rec = NULL;
    if (res == GFDX_APPLY_OK)
        res = cancel_dispatches(a, need_id, &banks);
    if (res == GFDX_APPLY_OK) {
        errno = 0;
        rec = push_need_dispatch_withdrawn(need_id, branch_id, banks, reason ? reason : "");
        res = emit(a, branch_id, need_id, "NeedDispatchWithdrawn", rec);
    }
    json_decref(rec);
    json_decref(banks);
    return res;
}

static const gfdx_handler handlers[] = {
    {"NeedPushed", "gfdx.miit-pushes", "need_id", on_pushed, NULL},
    {"NeedPushWithdrawn", "gfdx.miit-pushes", "need_id", on_push_withdrawn, NULL},
};

const gfdx_service push_service = {
    .name = "push",
    .schema = "pboc",
    .handlers = handlers,
    .handler_count = sizeof handlers / sizeof handlers[0],
    .configure = push_configure,
    .ctx = &the_ctx,
};
