/* outbox.c: see outbox.h. */
#include "outbox.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro_serde.h"
#include "ids.h"
#include "log.h"
#include "metrics.h"
#include "sign.h"
#include "parallel.h"
#include "pgstore.h"

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

/* Encodes record as the latest version of type into *bytes (caller frees). 0 or -1 with err. */
static int encode(const gfdx_catalog *cat, const char *type, json_t *record, const char *sender,
                  const char *correlation_id, const gfdx_schema **s, unsigned char **bytes, size_t *len, char *err,
                  size_t errlen)
{
    if (!(*s = gfdx_catalog_latest(cat, type))) {
        snprintf(err, errlen, "outbox: no schema for record type %s", type);
        return -1;
    }
    if (fill_meta(record, sender, correlation_id)) {
        snprintf(err, errlen, "outbox: out of memory");
        return -1;
    }
    char serr[512];
    if (gfdx_serde_encode(*s, record, bytes, len, serr, sizeof serr) != GFDX_SERDE_OK) {
        snprintf(err, errlen, "outbox: encoding %s: %s", type, serr);
        return -1;
    }
    return 0;
}

/* The emitting service's own key (outbox.h gfdx_outbox_set_signer); borrowed. */
static gfdx_sign_key *signer;

void gfdx_outbox_set_signer(gfdx_sign_key *key)
{
    signer = key;
}

const gfdx_table gfdx_outbox_table = {
    .name = "outbox", .kind = GFDX_TABLE_HISTORY,
    .columns = "event_id, topic, key, value, record_type, sig_kid, sig"};

/* The outbox row of an encoded record, not signed yet (gfdx_outbox_sign_staged): bytea as
 * "\\x<hex>" (rowset.h). NULL when out of memory. */
static json_t *outbox_row(const char *event_id, const char *topic, const char *key, size_t klen,
                          const unsigned char *bytes, size_t len, const char *type)
{
    json_t *row = json_object();
    if (!row || json_object_set_new(row, "event_id", json_string(event_id)) ||
        json_object_set_new(row, "topic", json_string(topic)) ||
        json_object_set_new(row, "key", key ? gfdx_rows_bytea(key, klen) : json_null()) ||
        json_object_set_new(row, "value", gfdx_rows_bytea(bytes, len)) ||
        json_object_set_new(row, "record_type", json_string(type)) ||
        json_object_set_new(row, "sig_kid", signer ? json_string(gfdx_sign_key_kid(signer)) : json_null()) ||
        json_object_set_new(row, "sig", json_null())) {
        json_decref(row);
        return NULL;
    }
    return row;
}

gfdx_outbox_status gfdx_outbox_stage(gfdx_rowset *rs, const gfdx_catalog *cat, const char *type, const char *topic,
                                     const char *key, json_t *record, const char *sender, const char *correlation_id,
                                     size_t max_bytes, char *err, size_t errlen, bool *transient)
{
    *transient = false;
    const gfdx_schema *s = NULL;
    unsigned char *bytes = NULL;
    size_t len = 0, klen = key ? strlen(key) : 0;
    if (encode(cat, type, record, sender, correlation_id, &s, &bytes, &len, err, errlen))
        return GFDX_OUTBOX_ERROR;
    if (max_bytes && klen + len + GFDX_OUTBOX_OVERHEAD_BYTES > max_bytes) {
        snprintf(err, errlen, "%s to %s would be %zu bytes (key %zu + value %zu + %d overhead),"
                 " over message.max.bytes %zu", type, topic, klen + len + GFDX_OUTBOX_OVERHEAD_BYTES, klen, len,
                 GFDX_OUTBOX_OVERHEAD_BYTES, max_bytes);
        free(bytes);
        return GFDX_OUTBOX_TOO_LARGE;
    }
    const char *event_id = json_string_value(json_object_get(json_object_get(record, "meta"), "event_id"));
    json_t *row = outbox_row(event_id, topic, key, klen, bytes, len, gfdx_schema_name(s));
    free(bytes);
    if (!row || gfdx_rows_append(rs, &gfdx_outbox_table, row)) {
        snprintf(err, errlen, "outbox: out of memory");
        *transient = true;
        return GFDX_OUTBOX_ERROR;
    }
    return GFDX_OUTBOX_OK;
}

/* What the signing threads share: the rows, and the first failure. */
typedef struct {
    const json_t *rows;
    _Atomic int failed;
    char err[256];
} sign_work;

/* Signs one staged row over the exact key and value the relay will produce. */
static int sign_row(json_t *row, char *err, size_t errlen)
{
    size_t klen = 0, vlen = 0, sig_len = 0;
    const json_t *kv = json_object_get(row, "key");
    unsigned char *key = json_is_null(kv) ? NULL : gfdx_rows_bytea_bytes(kv, &klen);
    unsigned char *value = gfdx_rows_bytea_bytes(json_object_get(row, "value"), &vlen);
    unsigned char sig[GFDX_SIGN_MAX_SIG];
    int rc = (!json_is_null(kv) && !key) || !value ? -1 : 0;
    if (rc)
        snprintf(err, errlen, "outbox: out of memory");
    else if ((rc = gfdx_sign_sign(signer, key, klen, value, vlen, sig, &sig_len, err, errlen)) == 0 &&
             (rc = json_object_set_new(row, "sig", gfdx_rows_bytea(sig, sig_len))))
        snprintf(err, errlen, "outbox: out of memory");
    free(key);
    free(value);
    return rc;
}

static void sign_share(void *ctx, size_t lo, size_t hi)
{
    sign_work *w = ctx;
    char err[256];
    for (size_t i = lo; i < hi && !w->failed; i++) {
        json_t *row = json_array_get(w->rows, i);
        if (json_is_null(json_object_get(row, "sig")) && sign_row(row, err, sizeof err) && !w->failed++)
            snprintf(w->err, sizeof w->err, "%s", err);
    }
}

int gfdx_outbox_sign_staged(gfdx_rowset *rs, int threads, char *err, size_t errlen)
{
    sign_work w = {.rows = gfdx_rows_appended(rs, &gfdx_outbox_table)};
    if (!signer || !json_array_size(w.rows))
        return 0;
    gfdx_parallel_for(json_array_size(w.rows), threads, 16, sign_share, &w);
    if (w.failed)
        snprintf(err, errlen, "%s", w.err);
    return w.failed ? -1 : 0;
}

gfdx_outbox_status gfdx_outbox_insert(PGconn *db, const gfdx_catalog *cat, const char *type, const char *topic,
                                      const char *key, json_t *record, const char *sender,
                                      const char *correlation_id, size_t max_bytes, char *err, size_t errlen,
                                      bool *transient)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    if (!rs) {
        snprintf(err, errlen, "outbox: out of memory");
        *transient = true;
        return GFDX_OUTBOX_ERROR;
    }
    const gfdx_table *const tables[] = {&gfdx_outbox_table};
    gfdx_outbox_status st = gfdx_outbox_stage(rs, cat, type, topic, key, record, sender, correlation_id, max_bytes,
                                              err, errlen, transient);
    if (st == GFDX_OUTBOX_OK && gfdx_outbox_sign_staged(rs, 1, err, errlen))
        st = GFDX_OUTBOX_ERROR;
    if (st == GFDX_OUTBOX_OK && gfdx_rowset_write(rs, db, tables, 1, err, errlen, transient))
        st = GFDX_OUTBOX_ERROR;
    gfdx_rowset_free(rs);
    return st;
}

size_t gfdx_outbox_max_message_bytes(rd_kafka_t *producer)
{
    char buf[32];
    size_t n = sizeof buf;
    if (!producer || rd_kafka_conf_get(rd_kafka_conf(producer), "message.max.bytes", buf, &n) != RD_KAFKA_CONF_OK)
        return 1000000;
    long long v = strtoll(buf, NULL, 10);
    return v > 0 ? (size_t)v : 1000000;
}

/* ---- relay ---- */

/* One message's delivery envelope (bottledwater-pg's pattern). Owned by librdkafka from
 * rd_kafka_producev until its delivery report, then by the relay (list `done`) until its
 * outcome is recorded. The strings live in the same allocation. */
typedef struct envelope {
    struct envelope *prev, *next;
    gfdx_relay *relay;
    rd_kafka_resp_err_t err;
    bool reported;     /* delivery report arrived (or produce refused it) */
    char *id, *topic, *record_type, *key, *event_id;
    char text[];
} envelope;

typedef struct {
    envelope *head, *tail;
    int count;
} env_list;

struct gfdx_relay {
    rd_kafka_t *producer; /* borrowed */
    char qschema[256];
    char instance[37];    /* claimed_by */
    int max_rows, flush_ms;
    long long lease_ms;
    gfdx_delivered_fn on_delivered;
    void *service_ctx;
    env_list in_flight;   /* handed to librdkafka, no report yet */
    env_list done;        /* reported, outcome not recorded yet */
    int64_t gauges_at;    /* last gauge refresh (monotonic ms) */
};

static void list_push(env_list *l, envelope *e)
{
    e->next = NULL;
    e->prev = l->tail;
    if (l->tail)
        l->tail->next = e;
    else
        l->head = e;
    l->tail = e;
    l->count++;
}

static void list_unlink(env_list *l, envelope *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        l->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        l->tail = e->prev;
    l->count--;
}

static void list_free(env_list *l)
{
    for (envelope *e = l->head, *n; e; e = n) {
        n = e->next;
        free(e);
    }
    l->head = l->tail = NULL;
    l->count = 0;
}

/* Builds the envelope of claimed row i (columns: id, topic, key, value, record_type,
 * event_id; the key's bytes become a string for the service hook). NULL when out of memory. */
static envelope *envelope_new(gfdx_relay *r, PGresult *rows, int i)
{
    static const int cols[] = {0, 1, 4, 2, 5};
    size_t len[5], total = 0;
    for (int c = 0; c < 5; c++)
        total += (len[c] = PQgetisnull(rows, i, cols[c]) ? 0 : (size_t)PQgetlength(rows, i, cols[c])) + 1;
    envelope *e = calloc(1, sizeof *e + total);
    if (!e)
        return NULL;
    e->relay = r;
    char *p = e->text, **dst[] = {&e->id, &e->topic, &e->record_type, &e->key, &e->event_id};
    for (int c = 0; c < 5; c++) {
        *dst[c] = p;
        memcpy(p, PQgetvalue(rows, i, cols[c]), len[c]);
        p[len[c]] = '\0';
        p += len[c] + 1;
    }
    return e;
}

/* Lease of a claim: librdkafka reports every message within message.timeout.ms. */
static long long lease_ms(rd_kafka_t *producer)
{
    char buf[32];
    size_t sz = sizeof buf;
    long long ms = 300000;
    if (rd_kafka_conf_get(rd_kafka_conf(producer), "message.timeout.ms", buf, &sz) == RD_KAFKA_CONF_OK)
        ms = strtoll(buf, NULL, 10);
    if (ms <= 0) /* 0 means infinite: fall back to a long lease */
        ms = 3600000;
    return ms + 60000;
}

gfdx_relay *gfdx_relay_new(rd_kafka_t *producer, const char *qschema, int max_rows, int flush_ms,
                           gfdx_delivered_fn on_delivered, void *service_ctx)
{
    gfdx_relay *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->producer = producer;
    snprintf(r->qschema, sizeof r->qschema, "%s", qschema);
    gfdx_uuid_new(r->instance);
    r->max_rows = max_rows;
    r->flush_ms = flush_ms;
    r->lease_ms = lease_ms(producer);
    r->on_delivered = on_delivered;
    r->service_ctx = service_ctx;
    return r;
}

void gfdx_relay_free(gfdx_relay *r)
{
    if (!r)
        return;
    list_free(&r->in_flight);
    list_free(&r->done);
    free(r);
}

/* Runs on the thread polling the producer (gfdx_relay_run / drain): hands the envelope back. */
void gfdx_relay_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    envelope *e = msg->_private;
    if (!e || e->reported)
        return;
    list_unlink(&e->relay->in_flight, e);
    e->err = msg->err;
    e->reported = true;
    list_push(&e->relay->done, e);
}

/* librdkafka's own notions: it retries retriable broker errors itself until
 * message.timeout.ms, so a delivery report carries either a non-retriable error or a local
 * one (timeout, purge, queue full). Reports and rd_kafka_producev give error codes, not
 * rd_kafka_error_t objects: rd_kafka_error_is_retriable() only answers for the error
 * objects of the transactional and admin APIs, which the relay does not use. The fatal
 * state of the idempotent producer is librdkafka's: __FATAL here, the cause from
 * rd_kafka_fatal_error() (daemon.c replaces the producer). What is left is which codes can
 * never succeed for this message as it is: those below. */
gfdx_relay_class gfdx_relay_classify(rd_kafka_resp_err_t err)
{
    switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
        return GFDX_RELAY_OK;
    case RD_KAFKA_RESP_ERR__FATAL: /* idempotence broken: rd_kafka_fatal_error() says why */
        return GFDX_RELAY_FATAL;
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE: /* > message.max.bytes, or the topic's max.message.bytes */
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:          /* the cluster's metadata: no such topic */
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:         /* invalid topic name */
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_INVALID_REQUIRED_ACKS:
        return GFDX_RELAY_PERMANENT;
    default: /* queue full, transport, timeouts, purge, not enough replicas, leader moves */
        return GFDX_RELAY_TRANSIENT;
    }
}

/* Hands claimed row i to librdkafka with its envelope. Returns the error class: on an error
 * the envelope is already in `done`, reported with that error. -1 when out of memory. */
static int produce_row(gfdx_relay *r, PGresult *rows, int i)
{
    envelope *e = envelope_new(r, rows, i);
    if (!e)
        return -1;
    size_t klen = PQgetisnull(rows, i, 2) ? 0 : (size_t)PQgetlength(rows, i, 2);
    list_push(&r->in_flight, e);
    /* the one place where the signature headers are added (a row without them goes unsigned) */
    bool signed_row = !PQgetisnull(rows, i, 6) && !PQgetisnull(rows, i, 7);
    rd_kafka_headers_t *h = signed_row ? rd_kafka_headers_new(2) : NULL;
    if (h) {
        rd_kafka_header_add(h, GFDX_SIGN_HEADER_KID, -1, PQgetvalue(rows, i, 6), PQgetlength(rows, i, 6));
        rd_kafka_header_add(h, GFDX_SIGN_HEADER_SIG, -1, PQgetvalue(rows, i, 7), PQgetlength(rows, i, 7));
    }
    rd_kafka_resp_err_t err = rd_kafka_producev(
        r->producer, RD_KAFKA_V_TOPIC(e->topic), RD_KAFKA_V_KEY(klen ? PQgetvalue(rows, i, 2) : NULL, klen),
        RD_KAFKA_V_VALUE(PQgetvalue(rows, i, 3), (size_t)PQgetlength(rows, i, 3)),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(e), RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
    if (err && h)
        rd_kafka_headers_destroy(h); /* producev takes the headers only on success */
    if (!err)
        return GFDX_RELAY_OK;
    list_unlink(&r->in_flight, e); /* refused: librdkafka never owned it */
    e->err = err;
    e->reported = true;
    list_push(&r->done, e);
    return gfdx_relay_classify(err);
}

/* "{1,2,3}" of the row ids in l (malloc'd), NULL when out of memory. */
static char *id_array(const env_list *l);

/* The claim statement ($1 limit, $2 instance, $3 lease ms, $4 our ids in flight). */
static const char claim_sql[] =
             "WITH live AS (SELECT pid::text || '@' || backend_start::text AS s FROM pg_stat_activity),"
             /* keys with a row claimed by another live instance, from its lowest such id: rows
              * of the key above it wait (once per round, not once per row: a participant's
              * receipts all share one key) */
             " blocked AS (SELECT e.topic, e.key, min(e.id) AS from_id FROM outbox e"
             " WHERE e.published_at IS NULL AND e.failed_at IS NULL AND e.claimed_until >= now()"
             /* "another" as two ranges of outbox_claimer (007_outbox_claimer.sql): <> reads
              * every pending row */
             " AND (e.claimed_by < $2 OR e.claimed_by > $2) AND e.claimed_session IN (SELECT s FROM live)"
             " GROUP BY e.topic, e.key),"
             " c AS (SELECT o.id FROM outbox o WHERE o.published_at IS NULL AND o.failed_at IS NULL"
             " AND NOT (o.id = ANY($4::bigint[])) AND (o.claimed_until IS NULL OR o.claimed_until < now()"
             " OR o.claimed_session NOT IN (SELECT s FROM live)) AND NOT EXISTS (SELECT 1 FROM blocked b"
             " WHERE b.topic = o.topic AND b.key = o.key AND b.from_id < o.id)"
             " ORDER BY o.id LIMIT $1 FOR UPDATE OF o SKIP LOCKED),"
             " u AS (UPDATE outbox o SET claimed_by = $2, claimed_until = now() + $3 * interval '1 millisecond',"
             " claimed_session = (SELECT pid::text || '@' || backend_start::text FROM pg_stat_activity"
             " WHERE pid = pg_backend_pid()) FROM c WHERE o.id = c.id"
             " RETURNING o.id, o.topic, o.key, o.value, o.record_type, o.event_id, o.sig_kid, o.sig)"
             /* u.id, the number: an ORDER BY id would sort the text output column ("10" < "4") */
             " SELECT u.id::text AS row_id, topic, key, value, record_type, event_id::text, sig_kid, sig FROM u"
             " ORDER BY u.id";

/* Claims up to `limit` pending rows for this instance (outbox.h "Claim", "Order per key")
 * and returns them in id order (binary results: key and value as raw bytes), or NULL with
 * err. A claim holds while its lease runs and the claiming PostgreSQL session lives. The
 * caller clears the result. */
static PGresult *claim_rows(gfdx_relay *r, PGconn *db, int limit, char *err, size_t errlen, bool *transient)
{
    char lim[16], lease[24], lock[300];
    snprintf(lim, sizeof lim, "%d", limit);
    snprintf(lease, sizeof lease, "%lld", r->lease_ms);
    snprintf(lock, sizeof lock, "gfdx.relay.%s", r->qschema);
    char *mine = id_array(&r->in_flight); /* after a reconnect our own claims look dead */
    if (!mine) {
        snprintf(err, errlen, "outbox: out of memory");
        return NULL;
    }
    const char *lp[] = {lock}, *p[] = {lim, r->instance, lease, mine};
    PGresult *rows = NULL;
    if (gfdx_pg_run(db, "BEGIN", 0, NULL, err, errlen, transient))
        goto done;
    /* Claimers of one schema take turns: the per-key check sees every committed claim. */
    if (gfdx_pg_run(db, "SELECT pg_advisory_xact_lock(hashtext($1))", 1, lp, err, errlen, transient))
        goto fail;
    rows = PQexecParams(db, claim_sql, 4, NULL, p, NULL, NULL, 1);
    if (PQresultStatus(rows) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "outbox claim: %s", PQresultErrorMessage(rows));
        *transient = gfdx_pg_is_transient(db, rows);
        goto fail;
    }
    if (gfdx_pg_run(db, "COMMIT", 0, NULL, err, errlen, transient) == 0)
        goto done;
fail:
    PQclear(rows);
    rows = NULL;
    if (PQstatus(db) == CONNECTION_OK)
        PQclear(PQexec(db, "ROLLBACK"));
done:
    free(mine);
    return rows;
}

/* Rows i.. of a round that were not handed over keep their claims until the messages in
 * flight have reported (outbox.h "Errors"): held as reported with the same error. */
static void hold_rest(gfdx_relay *r, PGresult *rows, int i, rd_kafka_resp_err_t err)
{
    for (int n = PQntuples(rows); i < n; i++) {
        envelope *e = envelope_new(r, rows, i);
        if (!e) /* out of memory: the claim lapses by itself */
            continue;
        e->err = err;
        e->reported = true;
        list_push(&r->done, e);
    }
}

/* Claims what the window allows and produces it in id order. Returns the number handed to
 * librdkafka, or -1 on a database error. */
static int claim_and_produce(gfdx_relay *r, PGconn *db, char *err, size_t errlen, bool *transient)
{
    int room = r->max_rows - r->in_flight.count, produced = 0;
    if (room <= 0)
        return 0;
    PGresult *rows = claim_rows(r, db, room, err, errlen, transient);
    if (!rows)
        return -1;
    for (int i = 0, n = PQntuples(rows); i < n; i++) {
        int c = produce_row(r, rows, i);
        if (c == GFDX_RELAY_OK) {
            produced++;
        } else if (c != GFDX_RELAY_PERMANENT) { /* the rest waits, in order */
            hold_rest(r, rows, i + 1, c < 0 ? RD_KAFKA_RESP_ERR__QUEUE_FULL : r->done.tail->err);
            break;
        }
    }
    PQclear(rows);
    return produced;
}

/* ---- recording the reports ---- */

/* Reported envelopes by what is recorded for them. */
typedef struct {
    env_list ok, failed, released;
} outcomes;

/* Moves the reports that can be recorded now out of `done`. Transient failures stay there
 * (keeping their claims) while messages are in flight; then they are released together. */
static void sort_done(gfdx_relay *r, outcomes *s)
{
    bool release = r->in_flight.count == 0;
    for (envelope *e = r->done.head, *n; e; e = n) {
        n = e->next;
        gfdx_relay_class c = gfdx_relay_classify(e->err);
        env_list *to = c == GFDX_RELAY_OK ? &s->ok : c == GFDX_RELAY_PERMANENT ? &s->failed
                                                   : release ? &s->released : NULL;
        if (to) {
            list_unlink(&r->done, e);
            list_push(to, e);
        }
    }
}

/* Undoes sort_done after a failed transaction: the reports are recorded later. */
static void unsort(gfdx_relay *r, outcomes *s)
{
    env_list *all[] = {&s->ok, &s->failed, &s->released};
    for (int i = 0; i < 3; i++)
        while (all[i]->head) {
            envelope *e = all[i]->head;
            list_unlink(all[i], e);
            list_push(&r->done, e);
        }
}

static char *id_array(const env_list *l)
{
    size_t cap = (size_t)l->count * 21 + 3, o = 0;
    char *ids = malloc(cap);
    if (!ids)
        return NULL;
    ids[o++] = '{';
    for (const envelope *e = l->head; e; e = e->next)
        o += (size_t)snprintf(ids + o, cap - o, "%s%s", e == l->head ? "" : ",", e->id);
    snprintf(ids + o, cap - o, "}");
    return ids;
}

/* Runs `sql` with $1 = the ids of l (and $2 = this instance when mine). Nothing when l is empty. */
static int update_ids(gfdx_relay *r, PGconn *db, const char *sql, bool mine, const env_list *l, char *err,
                      size_t errlen, bool *transient)
{
    if (!l->count)
        return 0;
    char *ids = id_array(l);
    if (!ids) {
        snprintf(err, errlen, "outbox: out of memory");
        return -1;
    }
    const char *p[] = {ids, r->instance};
    int rc = gfdx_pg_run(db, sql, mine ? 2 : 1, p, err, errlen, transient);
    free(ids);
    return rc;
}

/* The service's hook, once for the whole set of delivered rows (service.h). */
static int deliver(gfdx_relay *r, PGconn *db, const env_list *ok, char *err, size_t errlen, bool *transient)
{
    gfdx_delivery *rows = calloc((size_t)ok->count, sizeof *rows);
    if (!rows) {
        snprintf(err, errlen, "outbox: out of memory");
        *transient = true;
        return -1;
    }
    size_t n = 0;
    for (const envelope *e = ok->head; e; e = e->next)
        rows[n++] = (gfdx_delivery){e->record_type, e->key, e->event_id};
    int rc = r->on_delivered(r->service_ctx, db, rows, n, err, errlen, transient);
    free(rows);
    return rc;
}

static int mark_published(gfdx_relay *r, PGconn *db, const env_list *ok, char *err, size_t errlen, bool *transient)
{
    static const char sql[] =
        "UPDATE outbox SET published_at = now(), claimed_until = NULL WHERE id = ANY($1::bigint[])";
    if (update_ids(r, db, sql, false, ok, err, errlen, transient))
        return -1;
    return r->on_delivered && ok->count ? deliver(r, db, ok, err, errlen, transient) : 0;
}

static int mark_failed(gfdx_relay *r, PGconn *db, const env_list *failed, char *err, size_t errlen, bool *transient)
{
    static const char sql[] = "UPDATE outbox SET failed_at = now(), failure = $2, claimed_until = NULL WHERE id = $1";
    char why[256];
    for (const envelope *e = failed->head; e; e = e->next) {
        snprintf(why, sizeof why, "%s: %s", rd_kafka_err2name(e->err), rd_kafka_err2str(e->err));
        const char *p[] = {e->id, why};
        if (gfdx_pg_run(db, sql, 2, p, err, errlen, transient))
            return -1;
    }
    return 0;
}

/* Records every outcome of s in one transaction. 0, or -1 with err (rolled back). */
static int record_outcomes(gfdx_relay *r, PGconn *db, const outcomes *s, char *err, size_t errlen, bool *transient)
{
    static const char release[] =
        "UPDATE outbox SET claimed_until = NULL WHERE id = ANY($1::bigint[]) AND claimed_by = $2";
    if (gfdx_pg_run(db, "BEGIN", 0, NULL, err, errlen, transient))
        return -1;
    if (mark_published(r, db, &s->ok, err, errlen, transient) || mark_failed(r, db, &s->failed, err, errlen, transient) ||
        update_ids(r, db, release, true, &s->released, err, errlen, transient) ||
        gfdx_pg_run(db, "COMMIT", 0, NULL, err, errlen, transient)) {
        if (PQstatus(db) == CONNECTION_OK)
            PQclear(PQexec(db, "ROLLBACK"));
        return -1;
    }
    return 0;
}

static void log_outcomes(const outcomes *s)
{
    for (const envelope *e = s->failed.head; e; e = e->next)
        GFDX_ERROR("outbox row %s (%s, event %s) to %s set aside as failed, not retried: %s", e->id,
                   e->record_type, e->event_id, e->topic, rd_kafka_err2str(e->err));
    if (s->released.count)
        GFDX_WARN("outbox: %d rows not delivered (%s); released, retried in id order", s->released.count,
                  rd_kafka_err2str(s->released.head->err));
}

/* Records the reports that arrived. Returns the number recorded published, -1 with err. */
static int settle(gfdx_relay *r, PGconn *db, char *err, size_t errlen, bool *transient)
{
    outcomes s;
    memset(&s, 0, sizeof s);
    sort_done(r, &s);
    if (!s.ok.count && !s.failed.count && !s.released.count)
        return 0;
    if (record_outcomes(r, db, &s, err, errlen, transient)) {
        unsort(r, &s);
        return -1;
    }
    log_outcomes(&s);
    int published = s.ok.count;
    gfdx_metrics_add(GFDX_M_PUBLISHED, (uint64_t)published);
    gfdx_metrics_add(GFDX_M_OUTBOX_FAILED, (uint64_t)s.failed.count);
    list_free(&s.ok);
    list_free(&s.failed);
    list_free(&s.released);
    return published;
}

/* gfdx_outbox_pending and gfdx_outbox_failed, at most once a second (one count over the
 * partial index of unpublished rows). A failure only leaves the gauges as they were. */
static void refresh_gauges(gfdx_relay *r, PGconn *db)
{
    if (r->gauges_at && gfdx_mono_ms() - r->gauges_at < 1000)
        return;
    static const char sql[] =
        "SELECT count(*) FILTER (WHERE failed_at IS NULL), count(*) FILTER (WHERE failed_at IS NOT NULL)"
        " FROM outbox WHERE published_at IS NULL";
    char err[256];
    PGresult *res = gfdx_pg_exec(db, sql, 0, NULL, err, sizeof err, NULL);
    if (!res) {
        GFDX_DEBUG("outbox gauges: %s", err);
        return;
    }
    gfdx_metrics_set(GFDX_G_OUTBOX_PENDING, strtoll(PQgetvalue(res, 0, 0), NULL, 10));
    gfdx_metrics_set(GFDX_G_OUTBOX_FAILED, strtoll(PQgetvalue(res, 0, 1), NULL, 10));
    PQclear(res);
    r->gauges_at = gfdx_mono_ms();
}

int gfdx_relay_run(gfdx_relay *r, PGconn *db, bool wait, char *err, size_t errlen, bool *transient)
{
    *transient = false;
    rd_kafka_poll(r->producer, 0);
    int before = settle(r, db, err, errlen, transient), produced = 0;
    if (before < 0)
        return -1;
    if (!r->done.count) /* nothing held back by a transient failure */
        produced = claim_and_produce(r, db, err, errlen, transient);
    if (produced > 0 && wait)
        rd_kafka_flush(r->producer, r->flush_ms); /* returns early once all have reported */
    else
        rd_kafka_poll(r->producer, 0); /* reports that arrive later are recorded next round */
    int after = settle(r, db, err, errlen, transient);
    refresh_gauges(r, db);
    return produced < 0 || after < 0 ? -1 : before + after;
}

int gfdx_relay_in_flight(const gfdx_relay *r)
{
    return r ? r->in_flight.count : 0;
}

int gfdx_relay_await(gfdx_relay *r, int timeout_ms)
{
    int64_t until = gfdx_mono_ms() + timeout_ms;
    for (int64_t left = timeout_ms; r->in_flight.count && left > 0; left = until - gfdx_mono_ms())
        rd_kafka_poll(r->producer, left > 10 ? 10 : (int)left); /* returns early on a report */
    return r->in_flight.count;
}

int gfdx_relay_drain(gfdx_relay *r, PGconn *db, int timeout_ms)
{
    if (!r)
        return 0;
    if (r->in_flight.count)
        rd_kafka_flush(r->producer, timeout_ms);
    if (r->in_flight.count) {
        GFDX_WARN("outbox: %d rows still in flight at shutdown: purged, their claims released",
                  r->in_flight.count);
        rd_kafka_purge(r->producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_flush(r->producer, 1000); /* serves the purge reports */
    }
    char err[512];
    bool transient;
    int n = db && PQstatus(db) == CONNECTION_OK ? settle(r, db, err, sizeof err, &transient) : 0;
    if (n < 0)
        GFDX_WARN("outbox: recording the last delivery reports: %s (their claims lapse)", err);
    return n < 0 ? 0 : n;
}
