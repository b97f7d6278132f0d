/* trace_receipts.c: the receipts that answered a need's records (trace.h).
 *
 * A receipt is written to the answering service's outbox in the transaction that applied
 * or refused the record (common/inbound.c): key = the record's sender, value = a Receipt
 * (Avro single-object) whose entity_id is the record's key, the need id. The value is
 * binary, so the query only narrows the rows down to those whose bytes contain the need id
 * (a sequential scan of the service's Receipt rows: fine for an operator's command, not for
 * a hot path); each is then decoded and kept when its entity_id is exactly the need id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "avro_serde.h"
#include "db.h"
#include "service.h"
#include "trace.h"

static const char receipts_sql[] =
    "SELECT value, coalesce(to_char(published_at, 'YYYY-MM-DD HH24:MI:SS'), ''), coalesce(convert_from(key, 'UTF8'), '')"
    " FROM %s.outbox WHERE record_type = 'Receipt' AND position(convert_to($1, 'UTF8') IN value) > 0 ORDER BY id";

static const char *const service_schema[TRACE_NSERVICES] = {"intake", "pboc", "feedback"};

const cli_column trace_receipt_cols[] = {
    {"answered_at", "回执时间", CLI_COL_TEXT},  {"service", "服务", CLI_COL_TEXT},
    {"to", "接收方", CLI_COL_TEXT},             {"record_type", "答复记录", CLI_COL_TEXT},
    {"in_reply_to", "记录编号", CLI_COL_TEXT},  {"status", "结果", CLI_COL_TEXT},
    {"reason_code", "原因代码", CLI_COL_TEXT},  {"reason", "原因", CLI_COL_TEXT},
    {"published_at", "发布时间", CLI_COL_TEXT},
};
const size_t trace_receipt_ncols = sizeof trace_receipt_cols / sizeof trace_receipt_cols[0];

/* ms since the epoch -> "YYYY-MM-DD HH:MM:SS" in China time (UTC+8 all year). */
static void china_time(long long ms, char *out, size_t len)
{
    time_t t = (time_t)(ms / 1000) + 8 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm);
}

/* Appends "; text" (or text) to *field. 0, or -1 when out of memory. */
static int append(char **field, const char *text)
{
    size_t old = *field ? strlen(*field) : 0, n = old + strlen(text) + 3;
    char *grown = realloc(*field, n);
    if (!grown)
        return -1;
    snprintf(grown + old, n - old, "%s%s", old ? "; " : "", text);
    *field = grown;
    return 0;
}

/* A timeline line for a receipt whose record is not in the timeline. */
static int receipt_event(trace_log *t, int s, const json_t *rc, const char *answer)
{
    trace_event *e = trace_log_push(t);
    if (!e)
        return -1;
    e->at_ms = gfdx_rec_int(rc, "meta.occurred_at");
    china_time(e->at_ms, e->at, sizeof e->at);
    e->service = s;
    e->seq = 1LL << 40;
    e->sender = strdup(gfdx_rec_str(rc, "meta.sender") ? gfdx_rec_str(rc, "meta.sender") : "");
    e->record = strdup("Receipt");
    const char *type = gfdx_rec_str(rc, "record_type"), *in_reply_to = gfdx_rec_str(rc, "in_reply_to");
    size_t n = strlen(answer) + strlen(type ? type : "") + strlen(in_reply_to ? in_reply_to : "") + 32;
    e->what = malloc(n);
    if (e->what)
        snprintf(e->what, n, "回执 %s, 答复 %s %s", answer, type ? type : "", in_reply_to ? in_reply_to : "");
    e->receipt = strdup(answer);
    return e->sender && e->record && e->what && e->receipt ? 0 : -1;
}

/* Writes the answer into the events of service s that it answers; a line of its own when
 * there is none. */
static int attach(trace_log *t, int s, const json_t *rc, const char *published)
{
    char answer[512];
    /* a duplicate's reason code is the first record's outcome: said in the receipts table */
    const char *code = strcmp(gfdx_rec_str(rc, "status"), "DUPLICATE") ? gfdx_rec_str(rc, "reason_code") : NULL;
    snprintf(answer, sizeof answer, "%s%s%s%s", gfdx_rec_str(rc, "status"), code ? " " : "", code ? code : "",
             *published ? "" : " (未发布 unpublished)");
    const char *in_reply_to = gfdx_rec_str(rc, "in_reply_to");
    size_t hits = 0, n = t->n;
    for (size_t i = 0; i < n; i++) {
        trace_event *e = &t->ev[i];
        if (e->service == s && e->event_id && in_reply_to && !strcmp(e->event_id, in_reply_to)) {
            if (append(&e->receipt, answer))
                return -1;
            hits++;
        }
    }
    return hits ? 0 : receipt_event(t, s, rc, answer);
}

static int receipt_row(cli_table *out, int s, const json_t *rc, const char *published, const char *to)
{
    char at[24];
    china_time(gfdx_rec_int(rc, "meta.occurred_at"), at, sizeof at);
    const char *cells[] = {at,
                           service_schema[s],
                           to,
                           gfdx_rec_str(rc, "record_type"),
                           gfdx_rec_str(rc, "in_reply_to"),
                           gfdx_rec_str(rc, "status"),
                           gfdx_rec_str(rc, "reason_code"),
                           gfdx_rec_str(rc, "reason"),
                           *published ? published : "(未发布 unpublished)"};
    return cli_table_add(out, cells);
}

/* Decodes one outbox value; the receipt when it is about the need, else NULL. */
static json_t *decode_receipt(trace_log *t, const gfdx_catalog *cat, const char *escaped)
{
    size_t len;
    unsigned char *raw = PQunescapeBytea((const unsigned char *)escaped, &len);
    if (!raw)
        return NULL;
    json_t *rc = NULL;
    char why[256];
    if (gfdx_serde_decode(cat, raw, len, &rc, NULL, why, sizeof why) != GFDX_SERDE_OK)
        rc = NULL; /* a receipt our catalogue cannot read: not shown, nothing to attach */
    PQfreemem(raw);
    const char *entity = rc ? gfdx_rec_str(rc, "entity_id") : NULL;
    if (rc && (!entity || strcmp(entity, t->need_id))) {
        json_decref(rc);
        rc = NULL;
    }
    return rc;
}

static int service_receipts(trace_log *t, const gfdx_catalog *cat, int s, cli_table *out)
{
    char sql[sizeof receipts_sql + 32];
    snprintf(sql, sizeof sql, receipts_sql, service_schema[s]);
    const char *p[] = {t->need_id};
    PGresult *r = cli_db_query(t->db, sql, 1, p, t->err, t->errlen);
    if (!r)
        return -1;
    int rc = 0;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        json_t *receipt = decode_receipt(t, cat, PQgetvalue(r, i, 0));
        if (!receipt)
            continue;
        rc = attach(t, s, receipt, PQgetvalue(r, i, 1)) || receipt_row(out, s, receipt, PQgetvalue(r, i, 1),
                                                                          PQgetvalue(r, i, 2))
                 ? -1
                 : 0;
        json_decref(receipt);
    }
    PQclear(r);
    if (rc)
        snprintf(t->err, t->errlen, "out of memory");
    return rc;
}

int trace_receipts(trace_log *t, const gfdx_catalog *cat, cli_table *out)
{
    for (int s = 0; s < TRACE_NSERVICES; s++)
        if (t->deployed[s] && service_receipts(t, cat, s, out))
            return -1;
    trace_log_sort(t);
    return 0;
}
