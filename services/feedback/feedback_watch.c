/* feedback_watch.c: the watch's candidates and decisions. See feedback_watch.h. */
#include "feedback_watch.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "feedback.h"
#include "feedback_alert.h"
#include "feedback_store.h"
#include "pgstore.h"
#include "region.h"

#define DAY_MS ((int64_t)86400000)

/* The one candidate statement: per kind the oldest (at most $3) not yet alerted whose time
 * is at or before its calendar-day cutoff ($1 dispatches, $2 obstacles, Unix ms). The exact
 * age in working days is the decision's (feedback_watch_due). */
static const char candidates_sql[] =
    "(SELECT 'NO_FEEDBACK' AS kind, d.need_id, d.bank_id, NULL::text AS obstacle_id,"
    "        (extract(epoch FROM d.dispatched_at) * 1000)::bigint AS since_ms"
    "   FROM pboc.dispatch d JOIN pboc.need n ON n.need_id = d.need_id"
    "  WHERE d.status = 'ACTIVE' AND n.status <> 'WITHDRAWN'"
    "    AND d.dispatched_at <= to_timestamp($1::bigint / 1000.0)"
    "    AND NOT EXISTS (SELECT 1 FROM matching m WHERE m.need_id = d.need_id AND m.bank_id = d.bank_id)"
    "    AND NOT EXISTS (SELECT 1 FROM alert a WHERE a.kind = 'NO_FEEDBACK' AND a.need_id = d.need_id"
    "                    AND a.bank_id = d.bank_id)"
    "  ORDER BY d.dispatched_at, d.need_id, d.bank_id LIMIT $3)"
    " UNION ALL "
    "(SELECT 'OBSTACLE_OVERDUE', o.need_id, o.bank_id, o.obstacle_id,"
    "        (extract(epoch FROM o.raised_at) * 1000)::bigint"
    "   FROM obstacle o"
    "  WHERE o.status IN ('OPEN', 'ACKNOWLEDGED') AND o.raised_at <= to_timestamp($2::bigint / 1000.0)"
    "    AND NOT EXISTS (SELECT 1 FROM alert a WHERE a.kind = 'OBSTACLE_OVERDUE'"
    "                    AND a.facts->>'obstacle_id' = o.obstacle_id)"
    "  ORDER BY o.raised_at, o.obstacle_id LIMIT $3)";

const char *feedback_watch_kind_name(feedback_watch_kind k)
{
    return k == FEEDBACK_WATCH_OBSTACLE_OVERDUE ? "OBSTACLE_OVERDUE" : "NO_FEEDBACK";
}

bool feedback_watch_due(const gfdx_calendar *cal, int64_t since_ms, int64_t now_ms, int limit_days, int64_t *age)
{
    *age = gfdx_calendar_working_days_between(cal, since_ms, now_ms);
    return *age > limit_days;
}

void feedback_watch_alert_id(const feedback_watch_candidate *c, char *out)
{
    const char *kind = feedback_watch_kind_name(c->kind);
    if (c->kind == FEEDBACK_WATCH_OBSTACLE_OVERDUE)
        feedback_alert_id(out, kind, c->obstacle_id, NULL);
    else
        feedback_alert_id(out, kind, c->need_id, c->bank_id);
}

int feedback_watch_want(gfdx_rowset *rs, const feedback_watch_candidate *c)
{
    char id[FEEDBACK_ALERT_ID_LEN];
    feedback_watch_alert_id(c, id);
    return gfdx_rowset_want(rs, &feedback_pboc_need_table, "need_id", c->need_id) ||
           gfdx_rowset_want(rs, &feedback_alert_state_table, "alert_id", id);
}

/* ---- one decision ---- */

static int fail(gfdx_watch *w, bool transient, const char *what)
{
    gfdx_errf(w->err, w->errlen, "watch: %s", what);
    *w->transient = transient;
    return -1;
}

/* The alert row of a due candidate (new reference or NULL). */
static json_t *alert_row(const gfdx_watch *w, const feedback_watch_candidate *c, const feedback_need *n,
                         const char *id, int64_t age, int limit)
{
    char detail[600];
    if (c->kind == FEEDBACK_WATCH_NO_FEEDBACK)
        snprintf(detail, sizeof detail, "%s has sent no feedback on need %s (%s) %" PRId64
                 " working days after it was dispatched (limit %d)", c->bank_id, c->need_id, n->project_name, age, limit);
    else
        snprintf(detail, sizeof detail, "obstacle %s of %s on need %s (%s) has been open %" PRId64
                 " working days (limit %d)", c->obstacle_id, c->bank_id, c->need_id, n->project_name, age, limit);
    json_t *facts = json_pack("{s:I, s:i, s:I}", "working_days", (json_int_t)age, "limit_days", limit, "since",
                              (json_int_t)c->since_ms);
    if (facts && c->obstacle_id && json_object_set_new(facts, "obstacle_id", json_string(c->obstacle_id))) {
        json_decref(facts);
        facts = NULL;
    }
    if (!facts)
        return NULL;
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:n, s:o, s:n, s:n, s:n, s:n, s:n}", "alert_id", id, "kind",
                     feedback_watch_kind_name(c->kind), "need_id", c->need_id, "bank_id", c->bank_id, "branch_id",
                     n->branch_id, "detail", detail, "facts", facts, "event_id", "raised_at",
                     gfdx_rows_time(w->ctx->now_ms), "handled_by", "handled_at", "outcome", "comment",
                     "handled_event_id");
}

/* The Escalation of an alert row to the need's province. */
static int escalate(gfdx_watch *w, const json_t *row, const feedback_watch_candidate *c, const feedback_need *n)
{
    const feedback_settings *s = &((const feedback_ctx *)w->ctx->service_ctx)->settings;
    char province[7], topic[256];
    if (gfdx_region_province_of(n->province, province) != 0)
        return fail(w, false, "the need's province is not a region code");
    snprintf(topic, sizeof topic, "%s%s", s->coordination_prefix, province);
    json_t *alert = feedback_alert_record(row); /* facts as text, raised_at in ms */
    json_t *rec = alert ? json_pack("{s:O, s:O, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:O, s:O, s:O}", "alert_id",
                                    json_object_get(alert, "alert_id"), "kind", json_object_get(alert, "kind"),
                                    "need_id", c->need_id, "province", province, "branch_id", n->branch_id, "bank_id",
                                    c->bank_id, "obstacle_id", c->obstacle_id ? json_string(c->obstacle_id) : json_null(),
                                    "factory_name", n->factory_name, "project_name", n->project_name, "detail",
                                    json_object_get(alert, "detail"), "facts", json_object_get(alert, "facts"),
                                    "raised_at", json_object_get(alert, "raised_at"))
                        : NULL;
    json_decref(alert);
    if (!rec)
        return fail(w, errno == ENOMEM, "cannot build the Escalation");
    int rc = gfdx_watch_emit(w, topic, province, "Escalation", rec);
    json_decref(rec);
    return rc;
}

/* AlertRaised to the branch, Escalation to the province, the row staged. Steals row. */
static int raise_alert(gfdx_watch *w, json_t *row, const feedback_watch_candidate *c, const feedback_need *n)
{
    const feedback_settings *s = &((const feedback_ctx *)w->ctx->service_ctx)->settings;
    char topic[256];
    json_t *rec = feedback_alert_record(row);
    int rc = rec && !feedback_alert_topic(s, n->branch_id, topic, sizeof topic)
                 ? gfdx_watch_emit(w, topic, gfdx_rows_str(row, "alert_id"), "AlertRaised", rec)
                 : fail(w, false, "cannot build the AlertRaised");
    json_decref(rec);
    if (rc == 0)
        rc = escalate(w, row, c, n);
    if (rc == 0 && gfdx_rows_put(w->rows, &feedback_alert_state_table, row))
        return fail(w, true, "out of memory");
    if (rc != 0)
        json_decref(row);
    return rc;
}

int feedback_watch_decide(gfdx_watch *w, const feedback_watch_candidate *c, bool *raised)
{
    const feedback_settings *s = &((const feedback_ctx *)w->ctx->service_ctx)->settings;
    char id[FEEDBACK_ALERT_ID_LEN];
    const char *k[] = {c->need_id};
    const char *ka[] = {id};
    feedback_need n;
    int64_t age;
    *raised = false;
    feedback_watch_alert_id(c, id);
    int limit = c->kind == FEEDBACK_WATCH_NO_FEEDBACK ? s->no_feedback_days : s->obstacle_open_days;
    if (gfdx_rows_get(w->rows, &feedback_alert_state_table, ka) ||
        !feedback_watch_due(w->ctx->calendar, c->since_ms, w->ctx->now_ms, limit, &age))
        return 0; /* raised already, or not due yet */
    const json_t *need = gfdx_rows_get(w->rows, &feedback_pboc_need_table, k);
    if (!need)
        return 0; /* gone since the statement ran: nothing to say */
    if (feedback_store_need_of(need, &n))
        return fail(w, false, "pboc.need: a column the rules read is missing");
    errno = 0;
    json_t *row = alert_row(w, c, &n, id, age, limit);
    if (!row)
        return fail(w, errno == ENOMEM, "cannot build the alert row");
    int rc = raise_alert(w, row, c, &n);
    *raised = rc == 0;
    return rc;
}

/* ---- the round ---- */

/* Runs the candidate statement; the result (caller PQclear()s) or NULL with w->err. */
static PGresult *find_candidates(gfdx_watch *w, const feedback_settings *s)
{
    char p1[24], p2[24], p3[16];
    snprintf(p1, sizeof p1, "%" PRId64, (int64_t)(w->ctx->now_ms - s->no_feedback_days * DAY_MS));
    snprintf(p2, sizeof p2, "%" PRId64, (int64_t)(w->ctx->now_ms - s->obstacle_open_days * DAY_MS));
    snprintf(p3, sizeof p3, "%d", FEEDBACK_WATCH_MAX);
    const char *params[] = {p1, p2, p3};
    return gfdx_pg_exec(w->db, candidates_sql, 3, params, w->err, w->errlen, w->transient);
}

static feedback_watch_candidate candidate_of(PGresult *r, int i)
{
    feedback_watch_candidate c = {
        .kind = strcmp(PQgetvalue(r, i, 0), "NO_FEEDBACK") ? FEEDBACK_WATCH_OBSTACLE_OVERDUE : FEEDBACK_WATCH_NO_FEEDBACK,
        .need_id = PQgetvalue(r, i, 1),
        .bank_id = PQgetvalue(r, i, 2),
        .obstacle_id = PQgetisnull(r, i, 3) ? NULL : PQgetvalue(r, i, 3),
        .since_ms = strtoll(PQgetvalue(r, i, 4), NULL, 10),
    };
    return c;
}

int feedback_watch(void *service_ctx, gfdx_watch *w)
{
    const feedback_settings *s = &((const feedback_ctx *)service_ctx)->settings;
    PGresult *r = find_candidates(w, s);
    if (!r)
        return -1;
    int n = PQntuples(r), rc = 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        feedback_watch_candidate c = candidate_of(r, i);
        if (feedback_watch_want(w->rows, &c))
            rc = fail(w, true, "out of memory");
    }
    if (rc == 0 && n > 0)
        rc = gfdx_rowset_load(w->rows, w->db, w->err, w->errlen, w->transient);
    for (int i = 0; rc == 0 && i < n; i++) {
        feedback_watch_candidate c = candidate_of(r, i);
        bool raised;
        rc = feedback_watch_decide(w, &c, &raised);
    }
    PQclear(r);
    return rc;
}
