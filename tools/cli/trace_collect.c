/* trace_collect.c: reads a need's records from every deployed schema into one timeline
 * (trace.h). Each source is one query returning the same columns (SOURCE_COLUMNS), so one
 * function turns any of them into events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "report.h"
#include "trace.h"

/* Every source selects, in this order: the time (timestamptz), sender, record type, from
 * and to state, detail (JSON text), event id, sequence within the source, source kind. The
 * wrapper adds the time as ms since the epoch and as China-time text (the session's zone). */
#define SOURCE(inner)                                                                                          \
    "SELECT (extract(epoch FROM t) * 1000)::bigint, to_char(t, 'YYYY-MM-DD HH24:MI:SS'), sender, record,"      \
    " from_state, to_state, detail, event_id, seq, source FROM (" inner ") s(t, sender, record, from_state,"  \
    " to_state, detail, event_id, seq, source) ORDER BY t, seq"

static const char intake_events_sql[] = SOURCE(
    "SELECT occurred_at, sender, record_type, from_status, to_status, detail::text, event_id, seq, 'event'"
    " FROM intake.need_history WHERE need_id = $1");

/* The push as gfdx-push received and routed it, and its withdrawal; the sender is the one
 * message_log recorded for the applied record. */
static const char pboc_events_sql[] = SOURCE(
    "SELECT n.pushed_at, coalesce(m.sender, ''), 'NeedPushed', NULL, 'DISPATCHED',"
    " json_build_object('branch_id', n.branch_id, 'quarter', n.quarter, 'late', n.late, 'is_major', n.is_major,"
    "   'priority_tags', n.priority_tags, 'financing_amount', n.financing_amount, 'banks',"
    "   coalesce((SELECT json_agg(d.bank_id ORDER BY d.bank_id) FROM pboc.dispatch_summary d WHERE d.need_id = n.need_id),"
    "   '[]'))::text, n.push_event_id, 0, 'push'"
    " FROM pboc.need_summary n LEFT JOIN pboc.message_log m ON m.event_id = n.push_event_id AND m.outcome = 'APPLIED'"
    " WHERE n.need_id = $1"
    " UNION ALL"
    " SELECT n.withdrawn_at, coalesce(m.sender, ''), 'NeedPushWithdrawn', 'DISPATCHED', 'WITHDRAWN',"
    " json_build_object('reason', n.withdrawn_reason, 'cancelled',"
    "   (SELECT count(*) FROM pboc.dispatch_summary d WHERE d.need_id = n.need_id AND d.status = 'CANCELLED'))::text,"
    " n.withdrawn_event_id, 1, 'withdrawn'"
    " FROM pboc.need_summary n LEFT JOIN pboc.message_log m ON m.event_id = n.withdrawn_event_id AND m.outcome = 'APPLIED'"
    " WHERE n.need_id = $1 AND n.withdrawn_at IS NOT NULL");

/* Banks' reports and obstacles; an alert right after the record that raised it. */
static const char feedback_events_sql[] = SOURCE(
    "SELECT e.occurred_at, e.sender, e.record_type, e.from_stage, e.to_stage,"
    " json_build_object('bank_id', e.bank_id, 'amount', e.amount, 'record', e.detail, 'category', o.category)::text,"
    " e.event_id, e.seq * 2, 'event'"
    " FROM feedback.matching_history e LEFT JOIN feedback.obstacle_summary o ON o.obstacle_id = e.obstacle_id"
    " WHERE e.need_id = $1"
    " UNION ALL"
    " SELECT coalesce(e.occurred_at, a.raised_at), 'gfdx-feedback', 'Alert', NULL, NULL,"
    " json_build_object('kind', a.kind, 'bank_id', a.bank_id, 'detail', a.detail)::text, NULL,"
    " coalesce(e.seq, 0) * 2 + 1, 'alert'"
    " FROM feedback.alert_summary a LEFT JOIN feedback.matching_history e ON e.event_id = a.event_id WHERE a.need_id = $1");

/* Refused records about the need, at the time their sender gave them. %s: the schema. */
static const char rejections_sql[] = SOURCE(
    "SELECT CASE WHEN jsonb_typeof(record->'meta'->'occurred_at') = 'number'"
    " THEN to_timestamp((record->'meta'->>'occurred_at')::bigint / 1000.0) ELSE received_at END,"
    " coalesce(sender, ''), record_type, NULL, NULL,"
    " json_build_object('reason_code', reason_code, 'reason', reason)::text, event_id, id, 'refused'"
    " FROM %s.rejection WHERE entity_id = $1");

static const char *const service_schema[TRACE_NSERVICES] = {"intake", "pboc", "feedback"};
static const char *const service_probe[TRACE_NSERVICES] = {"intake.need_history", "pboc.need_summary", "feedback.matching_history"};

/* ---------------------------------------------------------------- events */

static char *dup_or_null(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : strdup(PQgetvalue(r, row, col));
}

static void event_clear(trace_event *e)
{
    free(e->sender);
    free(e->record);
    free(e->what);
    free(e->from_state);
    free(e->to_state);
    free(e->amount_wan);
    free(e->event_id);
    free(e->receipt);
}

void trace_log_clear(trace_log *t)
{
    for (size_t i = 0; i < t->n; i++)
        event_clear(&t->ev[i]);
    free(t->ev);
    t->ev = NULL;
    t->n = t->cap = 0;
}

trace_event *trace_log_push(trace_log *t)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 32;
        trace_event *grown = realloc(t->ev, cap * sizeof *grown);
        if (!grown)
            return NULL;
        t->ev = grown;
        t->cap = cap;
    }
    trace_event *e = &t->ev[t->n++];
    memset(e, 0, sizeof *e);
    return e;
}

/* Fills e from row i of a SOURCE result. 0, or -1 when out of memory. */
static int fill_event(trace_log *t, trace_event *e, int service, const PGresult *r, int i)
{
    e->at_ms = strtoll(PQgetvalue(r, i, 0), NULL, 10);
    snprintf(e->at, sizeof e->at, "%s", PQgetvalue(r, i, 1));
    e->service = service;
    e->seq = strtoll(PQgetvalue(r, i, 8), NULL, 10);
    e->sender = strdup(PQgetvalue(r, i, 2));
    e->record = strdup(PQgetvalue(r, i, 3));
    e->from_state = dup_or_null(r, i, 4);
    e->to_state = dup_or_null(r, i, 5);
    e->event_id = dup_or_null(r, i, 7);
    json_t *detail = json_loads(PQgetvalue(r, i, 6), 0, NULL);
    long long fen = -1;
    e->what = trace_describe(PQgetvalue(r, i, 9), PQgetvalue(r, i, 3), detail, t->names, &fen);
    json_decref(detail);
    if (fen >= 0) {
        char wan[32];
        report_fen_to_wan_ll(fen, wan, sizeof wan);
        e->amount_wan = strdup(wan);
    }
    bool ok = e->sender && e->record && e->what && (fen < 0 || e->amount_wan) &&
              (PQgetisnull(r, i, 4) || e->from_state) && (PQgetisnull(r, i, 5) || e->to_state) &&
              (PQgetisnull(r, i, 7) || e->event_id);
    return ok ? 0 : -1;
}

/* Runs one source and appends its rows. */
static int read_source(trace_log *t, int service, const char *sql)
{
    const char *p[] = {t->need_id};
    PGresult *r = cli_db_query(t->db, sql, 1, p, t->err, t->errlen);
    if (!r)
        return -1;
    int rc = 0;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        trace_event *e = trace_log_push(t);
        rc = e ? fill_event(t, e, service, r, i) : -1;
    }
    PQclear(r);
    if (rc)
        snprintf(t->err, t->errlen, "out of memory");
    return rc;
}

/* ---------------------------------------------------------------- order */

static int by_time(const void *a, const void *b)
{
    const trace_event *x = a, *y = b;
    if (x->at_ms != y->at_ms)
        return x->at_ms < y->at_ms ? -1 : 1;
    if (x->service != y->service)
        return x->service < y->service ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void trace_log_sort(trace_log *t)
{
    if (t->n > 1)
        qsort(t->ev, t->n, sizeof *t->ev, by_time);
}

int trace_collect(trace_log *t)
{
    static const char *const events_sql[TRACE_NSERVICES] = {intake_events_sql, pboc_events_sql, feedback_events_sql};
    char sql[sizeof rejections_sql + 32];
    for (int s = 0; s < TRACE_NSERVICES; s++) {
        int has = cli_db_has(t->db, service_probe[s], t->err, t->errlen);
        if (has < 0)
            return -1;
        t->deployed[s] = has;
        if (!has)
            continue;
        snprintf(sql, sizeof sql, rejections_sql, service_schema[s]);
        if (read_source(t, s, events_sql[s]) || read_source(t, s, sql))
            return -1;
    }
    trace_log_sort(t);
    return 0;
}
