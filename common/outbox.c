/* outbox.c: see outbox.h. */
#include "outbox.h"

#include <stdlib.h>
#include <string.h>

#include "avro_serde.h"
#include "ids.h"
#include "log.h"
#include "pgstore.h"

struct gfdx_relay {
    rd_kafka_t *producer;
    char qschema[256];
    int max_rows, flush_ms;
    gfdx_published_fn on_published;
    void *service_ctx;
    unsigned long long published_total;
    struct round *late; /* a round whose delivery reports were not all in at its flush */
};

/* Per produced row: filled by the delivery report (librdkafka holds a pointer to it until
 * then, so it lives as long as its round). */
struct delivery {
    int done;
    rd_kafka_resp_err_t err;
    struct round *round;
};

/* The rows produced in one gfdx_relay_run. `outstanding`: messages librdkafka still holds
 * (no report yet). A round with outstanding messages after its flush (the broker is away
 * longer than flush_ms) is kept as the relay's `late` round until every report is in. */
struct round {
    int outstanding;
    struct delivery dl[];
};

static int fill_meta(json_t *record, const char *sender, const char *correlation_id)
{
    json_t *meta = json_object_get(record, "meta");
    if (!json_is_object(meta)) {
        meta = json_object();
        if (!meta || json_object_set_new(record, "meta", meta))
            return -1;
    }
    if (!json_is_string(json_object_get(meta, "event_id"))) {
        char id[37];
        gfdx_uuid_new(id);
        json_object_set_new(meta, "event_id", json_string(id));
    }
    json_object_set_new(meta, "sender", json_string(sender));
    json_object_set_new(meta, "occurred_at", json_integer(gfdx_now_ms()));
    json_object_set_new(meta, "correlation_id", correlation_id ? json_string(correlation_id) : json_null());
    return 0;
}

int gfdx_outbox_insert(PGconn *db, const char *qschema, const gfdx_catalog *cat, const char *type,
                       const char *topic, const char *key, json_t *record, const char *sender,
                       const char *correlation_id, char *err, size_t errlen, bool *transient)
{
    *transient = false;
    const gfdx_schema *s = gfdx_catalog_latest(cat, type);
    if (!s) {
        snprintf(err, errlen, "outbox: no schema for record type %s", type);
        return -1;
    }
    if (fill_meta(record, sender, correlation_id)) {
        snprintf(err, errlen, "outbox: out of memory");
        return -1;
    }
    unsigned char *bytes = NULL;
    size_t len = 0;
    char serr[512];
    if (gfdx_serde_encode(s, record, &bytes, &len, serr, sizeof serr) != GFDX_SERDE_OK) {
        snprintf(err, errlen, "outbox: encoding %s: %s", type, serr);
        return -1;
    }
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO %s.outbox (event_id, topic, key, value, record_type) VALUES ($1, $2, $3, $4, $5)",
             qschema);
    const char *event_id = json_string_value(json_object_get(json_object_get(record, "meta"), "event_id"));
    const char *params[] = {event_id, topic, key, (const char *)bytes, gfdx_schema_name(s)};
    int lengths[] = {0, 0, key ? (int)strlen(key) : 0, (int)len, 0};
    int formats[] = {0, 0, 1, 1, 0};
    PGresult *r = gfdx_pg_exec_bin(db, sql, 5, params, lengths, formats, err, errlen, transient);
    free(bytes);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

gfdx_relay *gfdx_relay_new(rd_kafka_t *producer, const char *qschema, int max_rows, int flush_ms,
                           gfdx_published_fn on_published, void *service_ctx)
{
    gfdx_relay *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->producer = producer;
    snprintf(r->qschema, sizeof r->qschema, "%s", qschema);
    r->max_rows = max_rows;
    r->flush_ms = flush_ms;
    r->on_published = on_published;
    r->service_ctx = service_ctx;
    return r;
}

/* Called after the producer is destroyed (no delivery report can come any more). */
void gfdx_relay_free(gfdx_relay *r)
{
    if (r)
        free(r->late);
    free(r);
}

unsigned long long gfdx_relay_published_total(const gfdx_relay *r) { return r->published_total; }

void gfdx_relay_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    struct delivery *d = msg->_private;
    if (!d)
        return;
    d->err = msg->err;
    d->done = 1;
    d->round->outstanding--;
}

/* Produces every selected row; waits for their delivery reports up to flush_ms. */
static void produce_rows(gfdx_relay *r, PGresult *rows, struct round *rd)
{
    int n = PQntuples(rows);
    struct delivery *dl = rd->dl;
    for (int i = 0; i < n; i++) {
        dl[i].round = rd;
        size_t klen = PQgetisnull(rows, i, 2) ? 0 : (size_t)PQgetlength(rows, i, 2);
        const void *key = klen ? PQgetvalue(rows, i, 2) : NULL;
        rd_kafka_resp_err_t e = rd_kafka_producev(
            r->producer, RD_KAFKA_V_TOPIC(PQgetvalue(rows, i, 1)), RD_KAFKA_V_KEY(key, klen),
            RD_KAFKA_V_VALUE(PQgetvalue(rows, i, 3), (size_t)PQgetlength(rows, i, 3)),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(&dl[i]), RD_KAFKA_V_END);
        if (e) { /* keep order: the rest waits for the next round behind this row */
            dl[i].done = 1;
            dl[i].err = e;
            break;
        }
        rd->outstanding++;
    }
    rd_kafka_flush(r->producer, r->flush_ms);
}

/* Waits up to flush_ms more for the late round's reports. Returns 1 while some are still
 * missing: no new round is produced meanwhile (that would queue every pending row again on
 * each round of an outage). Its rows were not marked published, so once complete they are
 * selected again: a row delivered late is published twice (consumers dedupe by event_id). */
static int late_round_pending(gfdx_relay *r)
{
    if (!r->late)
        return 0;
    rd_kafka_flush(r->producer, r->flush_ms);
    if (r->late->outstanding > 0)
        return 1;
    free(r->late);
    r->late = NULL;
    return 0;
}

/* Marks delivered rows published (one statement) and calls the service hook for each. */
static int mark_delivered(gfdx_relay *r, PGconn *db, PGresult *rows, const struct delivery *dl, char *err,
                          size_t errlen, bool *transient)
{
    int n = PQntuples(rows), marked = 0;
    size_t cap = (size_t)n * 24 + 3, o = 0;
    char *ids = malloc(cap);
    if (!ids) {
        snprintf(err, errlen, "outbox: out of memory");
        return -1;
    }
    ids[o++] = '{';
    for (int i = 0; i < n; i++) {
        if (!dl[i].done || dl[i].err) {
            if (dl[i].done)
                GFDX_WARN("outbox row %s to %s not delivered: %s", PQgetvalue(rows, i, 0),
                          PQgetvalue(rows, i, 1), rd_kafka_err2str(dl[i].err));
            continue;
        }
        o += (size_t)snprintf(ids + o, cap - o, "%s%s", marked ? "," : "", PQgetvalue(rows, i, 0));
        marked++;
    }
    snprintf(ids + o, cap - o, "}");
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE %s.outbox SET published_at = now() WHERE id = ANY($1::bigint[])", r->qschema);
    const char *p[] = {ids};
    int rc = marked ? gfdx_pg_run(db, sql, 1, p, err, errlen, transient) : 0;
    free(ids);
    for (int i = 0; rc == 0 && r->on_published && i < n; i++) {
        if (!dl[i].done || dl[i].err)
            continue;
        if (r->on_published(r->service_ctx, db, r->qschema, PQgetvalue(rows, i, 4), PQgetvalue(rows, i, 5),
                            PQgetvalue(rows, i, 6), err, errlen)) {
            *transient = gfdx_pg_is_transient(db, NULL);
            rc = -1;
        }
    }
    return rc ? -1 : marked;
}

int gfdx_relay_run(gfdx_relay *r, PGconn *db, char *err, size_t errlen, bool *transient)
{
    *transient = false;
    if (late_round_pending(r))
        return 0;
    char sql[512], max[16];
    snprintf(max, sizeof max, "%d", r->max_rows);
    snprintf(sql, sizeof sql,
             "SELECT id::text AS row_id, topic, key, value, record_type, convert_from(key, 'UTF8'), event_id::text FROM %s.outbox"
             " WHERE published_at IS NULL ORDER BY outbox.id LIMIT $1 FOR UPDATE SKIP LOCKED",
             r->qschema);
    if (gfdx_pg_run(db, "BEGIN", 0, NULL, err, errlen, transient))
        return -1;
    const char *p[] = {max};
    /* Binary results: key and value come back as raw bytes. */
    PGresult *rows = PQexecParams(db, sql, 1, NULL, p, NULL, NULL, 1);
    if (PQresultStatus(rows) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "outbox select: %s", PQresultErrorMessage(rows));
        *transient = gfdx_pg_is_transient(db, rows);
        PQclear(rows);
        PQclear(PQexec(db, "ROLLBACK"));
        return -1;
    }
    int n = PQntuples(rows), marked = 0;
    struct round *rd = n ? calloc(1, sizeof *rd + (size_t)n * sizeof rd->dl[0]) : NULL;
    if (n && !rd) {
        marked = -1;
        snprintf(err, errlen, "outbox: out of memory");
    } else if (n) {
        produce_rows(r, rows, rd);
        marked = mark_delivered(r, db, rows, rd->dl, err, errlen, transient);
    }
    if (rd && rd->outstanding > 0)
        r->late = rd; /* librdkafka still points into it */
    else
        free(rd);
    PQclear(rows);
    if (marked < 0 || gfdx_pg_run(db, "COMMIT", 0, NULL, err, errlen, transient)) {
        PQclear(PQexec(db, "ROLLBACK"));
        return -1;
    }
    r->published_total += (unsigned long long)marked;
    return marked;
}
