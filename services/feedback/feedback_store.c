/* feedback_store.c: gfdx-feedback's SQL. See feedback_store.h. */
#include "feedback_store.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "fault.h"

/* Runs a statement whose result is not needed. */
static gfdx_apply_result run(gfdx_apply *a, const char *sql, int n, const char *const *p)
{
    PGresult *r = gfdx_apply_exec(a, sql, n, p);
    if (!r)
        return GFDX_APPLY_DB_ERROR;
    PQclear(r);
    return GFDX_APPLY_OK;
}

static bool is_true(const PGresult *r, int row, int col) { return PQgetvalue(r, row, col)[0] == 't'; }
static long long int_at(const PGresult *r, int row, int col) { return strtoll(PQgetvalue(r, row, col), NULL, 10); }

static void ms_text(char *buf, size_t n, long long ms) { snprintf(buf, n, "%lld", ms); }

/* ---- pboc (read only) ---- */

void feedback_need_clear(feedback_need *n)
{
    if (n)
        PQclear(n->res);
    if (n)
        memset(n, 0, sizeof *n);
}

gfdx_apply_result feedback_store_pboc_ready(gfdx_apply *a, bool *ready)
{
    if (*ready)
        return GFDX_APPLY_OK;
    PGresult *r = gfdx_apply_exec(
        a, "SELECT to_regclass('pboc.need') IS NOT NULL AND to_regclass('pboc.dispatch') IS NOT NULL", 0, NULL);
    if (!r)
        return GFDX_APPLY_DB_ERROR;
    *ready = is_true(r, 0, 0);
    PQclear(r);
    if (*ready)
        return GFDX_APPLY_OK;
    return gfdx_fault_apply(a, GFDX_FAULT_NOT_READY, "pboc tables",
                            "pboc.need / pboc.dispatch do not exist yet (gfdx-push has not migrated this "
                            "database): waiting");
}

gfdx_apply_result feedback_store_need(gfdx_apply *a, const char *need_id, feedback_need *n, bool *found)
{
    const char *p[] = {need_id};
    memset(n, 0, sizeof *n);
    PGresult *r = gfdx_apply_exec(a,
                                  "SELECT need_id, province, branch_id, coalesce(catalogue_code, ''), uscc,"
                                  " factory_name, project_name, financing_amount, status = 'WITHDRAWN'"
                                  " FROM pboc.need WHERE need_id = $1",
                                  1, p);
    if (!r)
        return GFDX_APPLY_DB_ERROR;
    *found = PQntuples(r) == 1;
    if (!*found) {
        PQclear(r);
        return GFDX_APPLY_OK;
    }
    n->res = r;
    const char **text[] = {&n->need_id, &n->province, &n->branch_id, &n->catalogue_code,
                           &n->uscc, &n->factory_name, &n->project_name};
    for (int i = 0; i < 7; i++)
        *text[i] = PQgetvalue(r, 0, i);
    n->financing_amount = int_at(r, 0, 7);
    n->withdrawn = is_true(r, 0, 8);
    return GFDX_APPLY_OK;
}

gfdx_apply_result feedback_store_dispatch(gfdx_apply *a, const char *need_id, const char *bank_id,
                                          feedback_dispatch *d)
{
    const char *p[] = {need_id, bank_id};
    PGresult *r = gfdx_apply_exec(a, "SELECT status FROM pboc.dispatch WHERE need_id = $1 AND bank_id = $2", 2, p);
    if (!r)
        return GFDX_APPLY_DB_ERROR;
    *d = FEEDBACK_DISPATCH_NONE;
    int bad = PQntuples(r) == 1 && feedback_dispatch_parse(PQgetvalue(r, 0, 0), d);
    PQclear(r);
    return bad ? gfdx_fault_apply(a, GFDX_FAULT_CORRUPT, "pboc.dispatch", "unknown dispatch status") : GFDX_APPLY_OK;
}

/* ---- feedback.matching ---- */

#define MATCHING_COLUMNS \
    "stage, contacted, open_obstacles, approved_amount, disbursed_total, disbursements," \
    " coalesce(rate_bp, -1), coalesce(term_months, -1), coalesce(product, ''), coalesce(decline_reason, '')"

/* Reads MATCHING_COLUMNS of row i. 0, or -1 on a corrupt stage. */
static int matching_from_row(const PGresult *r, int i, feedback_matching *m)
{
    feedback_matching_init(m);
    if (feedback_stage_parse(PQgetvalue(r, i, 0), &m->stage))
        return -1;
    m->contacted = is_true(r, i, 1);
    m->open_obstacles = (int)int_at(r, i, 2);
    m->approved_amount = int_at(r, i, 3);
    m->disbursed_total = int_at(r, i, 4);
    m->disbursements = (int)int_at(r, i, 5);
    m->rate_bp = (int)int_at(r, i, 6);
    m->term_months = (int)int_at(r, i, 7);
    snprintf(m->product, sizeof m->product, "%s", PQgetvalue(r, i, 8));
    snprintf(m->decline_reason, sizeof m->decline_reason, "%s", PQgetvalue(r, i, 9));
    return 0;
}

gfdx_apply_result feedback_store_matching(gfdx_apply *a, const char *need_id, const char *bank_id,
                                          feedback_matching *m, bool *found)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT " MATCHING_COLUMNS " FROM %s.matching WHERE need_id = $1 AND bank_id = $2 FOR UPDATE",
             a->schema);
    const char *p[] = {need_id, bank_id};
    PGresult *r = gfdx_apply_exec(a, sql, 2, p);
    if (!r)
        return GFDX_APPLY_DB_ERROR;
    feedback_matching_init(m);
    *found = PQntuples(r) == 1;
    int bad = *found && matching_from_row(r, 0, m);
    PQclear(r);
    return bad ? gfdx_fault_apply(a, GFDX_FAULT_CORRUPT, "feedback.matching", "unknown stage stored") : GFDX_APPLY_OK;
}

gfdx_apply_result feedback_store_save_matching(gfdx_apply *a, const feedback_need *n, const char *bank_id,
                                               const feedback_matching *m, feedback_event ev)
{
    char sql[2048], num[7][24];
    snprintf(sql, sizeof sql,
             "WITH t AS (SELECT to_timestamp($14::bigint / 1000.0) AS at)"
             " INSERT INTO %s.matching AS m (need_id, bank_id, branch_id, stage, contacted, product,"
             " approved_amount, rate_bp, term_months, disbursed_total, disbursements, decline_reason,"
             " open_obstacles, last_event_id, contacted_at, approved_at, first_disbursed_at, last_disbursed_at,"
             " declined_at)"
             " SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $15,"
             " CASE WHEN $5::boolean THEN t.at END, CASE WHEN $16 = 'CREDIT_APPROVED' THEN t.at END,"
             " CASE WHEN $16 = 'DISBURSED' THEN t.at END, CASE WHEN $16 = 'DISBURSED' THEN t.at END,"
             " CASE WHEN $16 = 'DECLINED' THEN t.at END FROM t"
             " ON CONFLICT (need_id, bank_id) DO UPDATE SET stage = EXCLUDED.stage, contacted = EXCLUDED.contacted,"
             " product = EXCLUDED.product, approved_amount = EXCLUDED.approved_amount, rate_bp = EXCLUDED.rate_bp,"
             " term_months = EXCLUDED.term_months, disbursed_total = EXCLUDED.disbursed_total,"
             " disbursements = EXCLUDED.disbursements, decline_reason = EXCLUDED.decline_reason,"
             " open_obstacles = EXCLUDED.open_obstacles, last_event_id = EXCLUDED.last_event_id,"
             " contacted_at = coalesce(m.contacted_at, EXCLUDED.contacted_at),"
             " approved_at = coalesce(EXCLUDED.approved_at, m.approved_at),"
             " first_disbursed_at = coalesce(m.first_disbursed_at, EXCLUDED.first_disbursed_at),"
             " last_disbursed_at = coalesce(EXCLUDED.last_disbursed_at, m.last_disbursed_at),"
             " declined_at = coalesce(EXCLUDED.declined_at, m.declined_at), updated_at = now()",
             a->schema);
    long long v[] = {m->approved_amount, m->rate_bp, m->term_months, m->disbursed_total, m->disbursements,
                     m->open_obstacles, (long long)a->rec->occurred_at};
    for (int i = 0; i < 7; i++)
        ms_text(num[i], sizeof num[i], v[i]);
    const char *p[] = {n->need_id, bank_id, n->branch_id, feedback_stage_name(m->stage),
                       m->contacted ? "true" : "false", m->product[0] ? m->product : NULL, num[0],
                       m->rate_bp >= 0 ? num[1] : NULL, m->term_months >= 0 ? num[2] : NULL, num[3], num[4],
                       m->decline_reason[0] ? m->decline_reason : NULL, num[5], num[6], a->rec->event_id,
                       feedback_event_name(ev)};
    return run(a, sql, 16, p);
}

gfdx_apply_result feedback_store_history(gfdx_apply *a, const char *need_id, const char *bank_id,
                                         feedback_stage from, feedback_stage to, const long long *amount,
                                         const char *obstacle_id)
{
    char sql[512], at[24], amt[24];
    snprintf(sql, sizeof sql,
             "INSERT INTO %s.matching_event (need_id, bank_id, event_id, record_type, sender, from_stage, to_stage,"
             " amount, obstacle_id, occurred_at, detail)"
             " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, to_timestamp($10::bigint / 1000.0), $11)",
             a->schema);
    ms_text(at, sizeof at, (long long)a->rec->occurred_at);
    if (amount)
        ms_text(amt, sizeof amt, *amount);
    char *detail = json_dumps(a->rec->body, JSON_COMPACT);
    if (!detail)
        return gfdx_fault_apply(a, GFDX_FAULT_NO_MEMORY, "matching_event", "out of memory");
    const char *p[] = {need_id, bank_id, a->rec->event_id, a->rec->type, a->rec->sender_id, feedback_stage_name(from),
                       feedback_stage_name(to), amount ? amt : NULL, obstacle_id, at, detail};
    gfdx_apply_result res = run(a, sql, 11, p);
    free(detail);
    return res;
}

/* ---- feedback.need_status ---- */

/* Every bank's matching on the need, and how many banks it was dispatched to. */
static gfdx_apply_result compute_aggregate(gfdx_apply *a, const char *need_id, feedback_aggregate *out)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT " MATCHING_COLUMNS ", (SELECT count(*) FROM pboc.dispatch d WHERE d.need_id = $1)"
             " FROM %s.matching WHERE need_id = $1",
             a->schema);
    const char *p[] = {need_id};
    PGresult *r = gfdx_apply_exec(a, sql, 1, p);
    if (!r)
        return GFDX_APPLY_DB_ERROR;
    int n = PQntuples(r), bad = 0;
    feedback_matching *banks = calloc(n ? (size_t)n : 1, sizeof *banks);
    for (int i = 0; banks && i < n && !bad; i++)
        bad = matching_from_row(r, i, &banks[i]);
    int dispatched = n ? (int)int_at(r, 0, 10) : 0;
    PQclear(r);
    int overflow = banks && !bad && feedback_aggregate_compute(banks, (size_t)n, dispatched, out);
    free(banks);
    if (overflow)
        return gfdx_apply_refuse(a, "LIMIT_EXCEEDED", "need %s: the amounts across banks would exceed %lld fen",
                                 need_id, (long long)INT64_MAX);
    if (!banks || bad)
        return gfdx_fault_apply(a, banks ? GFDX_FAULT_CORRUPT : GFDX_FAULT_NO_MEMORY, "aggregate",
                                banks ? "unknown stage stored" : "out of memory");
    return GFDX_APPLY_OK;
}

/* The stored aggregate (locked), or AWAITING and zeros when the need has none. */
static gfdx_apply_result stored_aggregate(gfdx_apply *a, const char *need_id, feedback_aggregate *out)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT overall, banks_dispatched, banks_contacted, banks_approved, banks_declined, open_obstacles,"
             " approved_total, disbursed_total FROM %s.need_status WHERE need_id = $1 FOR UPDATE",
             a->schema);
    const char *p[] = {need_id};
    PGresult *r = gfdx_apply_exec(a, sql, 1, p);
    if (!r)
        return GFDX_APPLY_DB_ERROR;
    memset(out, 0, sizeof *out);
    out->overall = FEEDBACK_AWAITING;
    int bad = 0;
    if (PQntuples(r) == 1) {
        bad = feedback_overall_parse(PQgetvalue(r, 0, 0), &out->overall);
        int *ints[] = {&out->banks_dispatched, &out->banks_contacted, &out->banks_approved, &out->banks_declined,
                       &out->open_obstacles};
        for (int i = 0; i < 5; i++)
            *ints[i] = (int)int_at(r, 0, 1 + i);
        out->approved_total = int_at(r, 0, 6);
        out->disbursed_total = int_at(r, 0, 7);
    }
    PQclear(r);
    return bad ? gfdx_fault_apply(a, GFDX_FAULT_CORRUPT, "need_status", "unknown overall stored") : GFDX_APPLY_OK;
}

/* Upserts the aggregate; *sequence gets the need's status_changes after it. */
static gfdx_apply_result save_aggregate(gfdx_apply *a, const feedback_need *n, const feedback_aggregate *g,
                                        bool changed, long long *sequence)
{
    char sql[1024], v[8][24];
    snprintf(sql, sizeof sql,
             "INSERT INTO %s.need_status AS s (need_id, province, branch_id, overall, banks_dispatched,"
             " banks_contacted, banks_approved, banks_declined, approved_total, disbursed_total, open_obstacles,"
             " status_changes, last_event_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
             " ON CONFLICT (need_id) DO UPDATE SET overall = EXCLUDED.overall,"
             " banks_dispatched = EXCLUDED.banks_dispatched, banks_contacted = EXCLUDED.banks_contacted,"
             " banks_approved = EXCLUDED.banks_approved, banks_declined = EXCLUDED.banks_declined,"
             " approved_total = EXCLUDED.approved_total, disbursed_total = EXCLUDED.disbursed_total,"
             " open_obstacles = EXCLUDED.open_obstacles, status_changes = s.status_changes + EXCLUDED.status_changes,"
             " last_event_id = EXCLUDED.last_event_id, updated_at = now() RETURNING status_changes",
             a->schema);
    long long nums[] = {g->banks_dispatched, g->banks_contacted, g->banks_approved, g->banks_declined,
                        g->approved_total, g->disbursed_total, g->open_obstacles, changed};
    for (int i = 0; i < 8; i++)
        ms_text(v[i], sizeof v[i], nums[i]);
    const char *p[] = {n->need_id, n->province, n->branch_id, feedback_overall_name(g->overall), v[0], v[1], v[2],
                       v[3], v[4], v[5], v[6], v[7], a->rec->event_id};
    PGresult *r = gfdx_apply_exec(a, sql, 13, p);
    if (!r)
        return GFDX_APPLY_DB_ERROR;
    *sequence = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return GFDX_APPLY_OK;
}

/* NeedMatchingStatus carries the need's status sequence so that a late, older status can be
 * recognised by gfdx-intake whatever order the records reach it in. */
static gfdx_apply_result emit_status(gfdx_apply *a, const char *need_id, const char *topic,
                                     const feedback_aggregate *g, long long sequence)
{
    errno = 0;
    json_t *rec = json_pack("{s:s, s:I, s:s, s:i, s:i, s:i, s:I, s:I, s:i}", "need_id", need_id, "sequence",
                            (json_int_t)sequence, "overall",
                            feedback_overall_name(g->overall), "banks_contacted", g->banks_contacted,
                            "banks_approved", g->banks_approved, "banks_declined", g->banks_declined,
                            "approved_total", (json_int_t)g->approved_total, "disbursed_total",
                            (json_int_t)g->disbursed_total, "open_obstacles", g->open_obstacles);
    if (!rec)
        return gfdx_fault_apply(a, gfdx_fault_of_errno(errno, GFDX_FAULT_BAD_INPUT), "NeedMatchingStatus",
                                "cannot build the record");
    gfdx_apply_result res = gfdx_apply_emit(a, topic, need_id, "NeedMatchingStatus", rec);
    json_decref(rec);
    return res;
}

gfdx_apply_result feedback_store_aggregate(gfdx_apply *a, const feedback_need *n, const char *status_topic,
                                           feedback_aggregate *before, feedback_aggregate *after)
{
    gfdx_apply_result res = stored_aggregate(a, n->need_id, before);
    if (res == GFDX_APPLY_OK)
        res = compute_aggregate(a, n->need_id, after);
    bool changed = res == GFDX_APPLY_OK && !feedback_aggregate_same_status(before, after);
    long long sequence = 0;
    if (res == GFDX_APPLY_OK)
        res = save_aggregate(a, n, after, changed, &sequence);
    if (res == GFDX_APPLY_OK && changed)
        res = emit_status(a, n->need_id, status_topic, after, sequence);
    return res;
}

/* ---- feedback.alert ---- */

gfdx_apply_result feedback_store_alert(gfdx_apply *a, feedback_alert_kind kind, const char *need_id,
                                       const char *bank_id, json_t *facts, const char *detail)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO %s.alert (kind, need_id, bank_id, detail, facts, event_id) VALUES ($1, $2, $3, $4, $5, $6)",
             a->schema);
    if (!facts) /* the caller's json_pack failed (errno cleared before it) */
        return gfdx_fault_apply(a, gfdx_fault_of_errno(errno, GFDX_FAULT_BAD_INPUT), "alert", "cannot build the facts");
    char *f = json_dumps(facts, JSON_COMPACT);
    if (!f)
        return gfdx_fault_apply(a, GFDX_FAULT_NO_MEMORY, "alert", "out of memory");
    const char *p[] = {feedback_alert_kind_name(kind), need_id, bank_id, detail, f, a->rec->event_id};
    gfdx_apply_result res = run(a, sql, 6, p);
    free(f);
    if (res == GFDX_APPLY_OK) {
        char ctx[320];
        gfdx_log(GFDX_LOG_WARN, gfdx_log_msgctx(ctx, sizeof ctx, a->rec->topic, a->rec->partition, a->rec->offset),
                 "alert %s need=%s bank=%s: %s", feedback_alert_kind_name(kind), need_id, bank_id ? bank_id : "-",
                 detail);
    }
    return res;
}

/* ---- feedback.obstacle ---- */

gfdx_apply_result feedback_store_obstacle_raise(gfdx_apply *a, const feedback_need *n, const char *bank_id,
                                                const char *category, const char *description)
{
    char sql[512], at[24];
    snprintf(sql, sizeof sql,
             "INSERT INTO %s.obstacle (obstacle_id, need_id, bank_id, province, branch_id, category, description,"
             " status, raised_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'OPEN', to_timestamp($8::bigint / 1000.0))",
             a->schema);
    ms_text(at, sizeof at, (long long)a->rec->occurred_at);
    const char *p[] = {a->rec->event_id, n->need_id, bank_id, n->province, n->branch_id, category, description, at};
    return run(a, sql, 8, p);
}

gfdx_apply_result feedback_store_obstacle(gfdx_apply *a, const char *need_id, const char *obstacle_id, bool *found,
                                          char *bank_id, size_t bank_len, bool *open)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT bank_id, status = 'OPEN' FROM %s.obstacle WHERE obstacle_id = $1 AND need_id = $2 FOR UPDATE",
             a->schema);
    const char *p[] = {obstacle_id, need_id};
    PGresult *r = gfdx_apply_exec(a, sql, 2, p);
    if (!r)
        return GFDX_APPLY_DB_ERROR;
    *found = PQntuples(r) == 1;
    *open = *found && is_true(r, 0, 1);
    snprintf(bank_id, bank_len, "%s", *found ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    return GFDX_APPLY_OK;
}

gfdx_apply_result feedback_store_obstacle_resolve(gfdx_apply *a, const char *obstacle_id, const char *resolution,
                                                  const char *official)
{
    char sql[512], at[24];
    snprintf(sql, sizeof sql,
             "UPDATE %s.obstacle SET status = 'RESOLVED', resolved_by = $2, resolved_by_official = $3,"
             " resolution = $4, resolved_at = to_timestamp($5::bigint / 1000.0), resolved_event_id = $6"
             " WHERE obstacle_id = $1",
             a->schema);
    ms_text(at, sizeof at, (long long)a->rec->occurred_at);
    const char *p[] = {obstacle_id, a->rec->sender_id, official, resolution, at, a->rec->event_id};
    return run(a, sql, 6, p);
}

/* Column i as a JSON string, or null when SQL NULL. */
static json_t *text_or_null(const PGresult *r, int i)
{
    return PQgetisnull(r, 0, i) ? json_null() : json_string(PQgetvalue(r, 0, i));
}

static json_t *ms_or_null(const PGresult *r, int i)
{
    return PQgetisnull(r, 0, i) ? json_null() : json_integer((json_int_t)int_at(r, 0, i));
}

/* The ObstacleCoordination body from the obstacle row r (columns of emit_coordination). */
static json_t *coordination_record(const PGresult *r, const feedback_need *n, const char *obstacle_id)
{
    json_t *rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:I}", "obstacle_id",
                            obstacle_id, "need_id", n->need_id, "province", n->province, "branch_id", n->branch_id,
                            "bank_id", PQgetvalue(r, 0, 0), "status", PQgetvalue(r, 0, 1), "category",
                            PQgetvalue(r, 0, 2), "description", PQgetvalue(r, 0, 3), "raised_at",
                            (json_int_t)int_at(r, 0, 4), "uscc", n->uscc, "factory_name", n->factory_name,
                            "project_name", n->project_name, "financing_amount", (json_int_t)n->financing_amount);
    if (!rec)
        return NULL;
    json_object_set_new(rec, "resolved_by", text_or_null(r, 5));
    json_object_set_new(rec, "resolved_by_official", text_or_null(r, 6));
    json_object_set_new(rec, "resolution", text_or_null(r, 7));
    json_object_set_new(rec, "resolved_at", ms_or_null(r, 8));
    return rec;
}

gfdx_apply_result feedback_store_emit_coordination(gfdx_apply *a, const feedback_need *n, const char *obstacle_id,
                                                   const char *topic)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT bank_id, status, category, description, round(extract(epoch FROM raised_at) * 1000)::bigint,"
             " resolved_by, resolved_by_official, resolution, round(extract(epoch FROM resolved_at) * 1000)::bigint"
             " FROM %s.obstacle WHERE obstacle_id = $1",
             a->schema);
    const char *p[] = {obstacle_id};
    PGresult *r = gfdx_apply_exec(a, sql, 1, p);
    if (!r)
        return GFDX_APPLY_DB_ERROR;
    errno = 0;
    bool found = PQntuples(r) == 1;
    json_t *rec = found ? coordination_record(r, n, obstacle_id) : NULL;
    PQclear(r);
    if (!rec) /* no row: the obstacle written in this transaction vanished, i.e. corrupt */
        return gfdx_fault_apply(a, found ? gfdx_fault_of_errno(errno, GFDX_FAULT_BAD_INPUT) : GFDX_FAULT_CORRUPT,
                                "ObstacleCoordination", "cannot build the record");
    gfdx_apply_result res = gfdx_apply_emit(a, topic, n->province, "ObstacleCoordination", rec);
    json_decref(rec);
    return res;
}
