/* daemon.c: the consume loop shared by every daemon. See daemon.h for the contract. */
#include "daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "avro_serde.h"
#include "config.h"
#include "ids.h"
#include "inbound.h"
#include "log.h"
#include "metrics.h"
#include "outbox.h"
#include "pgstore.h"

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_stop(int sig)
{
    if (stop_requested)
        _exit(1); /* second signal: exit at once */
    stop_requested = 1;
}

static void on_hup(int sig) { reload_requested = 1; }

typedef struct {
    gfdx_daemon_config cfg;
    const gfdx_service *svc;
    gfdx_registry *registry;
    gfdx_calendar *calendar;
    gfdx_catalog *catalog;
    PGconn *db;
    rd_kafka_t *consumer, *producer;
    rd_kafka_queue_t *consumer_logq, *producer_logq;
    gfdx_relay *relay;
    char qschema[128];
    rd_kafka_message_t **batch;
    size_t nbatch;
    int rebalanced;  /* set by the rebalance callback: the pending batch is void */
    int backoff_ms;
} daemon_t;

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL); /* EINTR (a signal) ends the wait early: the loop re-checks flags */
}

/* Grows the back-off after a failure (100 ms doubling to retry.max_backoff_ms) and sleeps. */
static void back_off(daemon_t *d)
{
    d->backoff_ms = d->backoff_ms ? d->backoff_ms * 2 : 100;
    if (d->backoff_ms > d->cfg.backoff_max_ms)
        d->backoff_ms = d->cfg.backoff_max_ms;
    sleep_ms(d->backoff_ms);
}

/* ---- librdkafka logs: forwarded from a log queue polled by our thread ---- */

static void drain_log_queue(rd_kafka_queue_t *q)
{
    rd_kafka_event_t *ev;
    while (q && (ev = rd_kafka_queue_poll(q, 0))) {
        const char *fac, *str;
        int level;
        if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_LOG && rd_kafka_event_log(ev, &fac, &str, &level) == 0)
            gfdx_log(level <= 3 ? GFDX_LOG_ERROR : level <= 4 ? GFDX_LOG_WARN : level <= 6 ? GFDX_LOG_INFO
                                                                                        : GFDX_LOG_DEBUG,
                     "component=librdkafka", "%s: %s", fac, str);
        rd_kafka_event_destroy(ev);
    }
}

/* ---- PostgreSQL connection ---- */

/* Makes sure d->db is a live connection; reconnects with back-off. 0 ok, -1 on stop. */
static int ensure_db(daemon_t *d)
{
    if (d->db && PQstatus(d->db) == CONNECTION_OK)
        return 0;
    if (d->db) {
        GFDX_WARN("PostgreSQL connection lost; reconnecting");
        PQfinish(d->db);
    }
    d->db = gfdx_pg_connect(d->cfg.pg_conninfo, d->cfg.service, d->cfg.backoff_max_ms, &stop_requested);
    return d->db ? 0 : -1;
}

/* ---- offsets ---- */

/* Reads the stored next offset of each partition in `parts` into its .offset
 * (RD_KAFKA_OFFSET_BEGINNING when none is stored). Retries until it succeeds or stop. */
static int load_stored_offsets(daemon_t *d, rd_kafka_topic_partition_list_t *parts)
{
    char sql[256], err[512], part[32];
    snprintf(sql, sizeof sql, "SELECT next_offset FROM %s.kafka_offset WHERE topic = $1 AND partition = $2",
             d->qschema);
    for (int i = 0; i < parts->cnt && !stop_requested; i++) {
        rd_kafka_topic_partition_t *tp = &parts->elems[i];
        snprintf(part, sizeof part, "%d", (int)tp->partition);
        const char *p[] = {tp->topic, part};
        PGresult *r = ensure_db(d) ? NULL : gfdx_pg_exec(d->db, sql, 2, p, err, sizeof err, NULL);
        if (!r) {
            GFDX_WARN("reading stored offsets: %s", stop_requested ? "stopping" : err);
            back_off(d);
            i--;
            continue;
        }
        tp->offset = PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : RD_KAFKA_OFFSET_BEGINNING;
        PQclear(r);
        GFDX_INFO("assigned %s[%d], resuming at offset %s", tp->topic, (int)tp->partition,
                  tp->offset >= 0 ? (snprintf(part, sizeof part, "%lld", (long long)tp->offset), part) : "beginning");
    }
    d->backoff_ms = 0;
    return stop_requested ? -1 : 0;
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                         void *opaque)
{
    daemon_t *d = opaque;
    bool cooperative = !strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE");
    d->rebalanced = 1;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        load_stored_offsets(d, parts);
        if (cooperative)
            rd_kafka_error_destroy(rd_kafka_incremental_assign(rk, parts));
        else
            rd_kafka_assign(rk, parts);
    } else {
        GFDX_INFO("partitions revoked (%d); the pending batch is dropped, its offsets were not stored",
                  parts->cnt);
        if (cooperative)
            rd_kafka_error_destroy(rd_kafka_incremental_unassign(rk, parts));
        else
            rd_kafka_assign(rk, NULL);
    }
}

/* Stores the batch's offsets, fenced: a partition's stored offset moves only if it is not
 * beyond the first offset of this batch (else another instance applied these records). */
static int store_offsets(daemon_t *d, rd_kafka_topic_partition_list_t *first,
                         rd_kafka_topic_partition_list_t *next, char *err, size_t errlen, bool *transient)
{
    char sql[512], part[16], nxt[24], fst[24];
    snprintf(sql, sizeof sql,
             "INSERT INTO %s.kafka_offset AS k (topic, partition, next_offset) VALUES ($1, $2, $3)"
             " ON CONFLICT (topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset,"
             " updated_at = now() WHERE k.next_offset <= $4 RETURNING 1",
             d->qschema);
    for (int i = 0; i < next->cnt; i++) {
        snprintf(part, sizeof part, "%d", (int)next->elems[i].partition);
        snprintf(nxt, sizeof nxt, "%lld", (long long)next->elems[i].offset);
        snprintf(fst, sizeof fst, "%lld", (long long)first->elems[i].offset);
        const char *p[] = {next->elems[i].topic, part, nxt, fst};
        PGresult *r = gfdx_pg_exec(d->db, sql, 4, p, err, errlen, transient);
        if (!r)
            return -1;
        int moved = PQntuples(r);
        PQclear(r);
        if (!moved) {
            snprintf(err, errlen, "%s[%s]: stored offset is beyond %s: another instance applied these records",
                     next->elems[i].topic, part, fst);
            *transient = true;
            d->rebalanced = 1; /* re-seek from the stored offsets */
            return -1;
        }
    }
    return 0;
}

/* First and next offsets per partition of the batch (lists in the same order). */
static void batch_offsets(daemon_t *d, rd_kafka_topic_partition_list_t *first, rd_kafka_topic_partition_list_t *next)
{
    for (size_t i = 0; i < d->nbatch; i++) {
        rd_kafka_message_t *m = d->batch[i];
        const char *topic = rd_kafka_topic_name(m->rkt);
        rd_kafka_topic_partition_t *n = rd_kafka_topic_partition_list_find(next, topic, m->partition);
        if (!n) {
            rd_kafka_topic_partition_list_add(first, topic, m->partition)->offset = m->offset;
            n = rd_kafka_topic_partition_list_add(next, topic, m->partition);
        }
        n->offset = m->offset + 1;
    }
}

/* Seeks every assigned partition back to its stored offset (after a fencing conflict). */
static void resync_from_store(daemon_t *d)
{
    rd_kafka_topic_partition_list_t *parts = NULL;
    if (rd_kafka_assignment(d->consumer, &parts) || !parts)
        return;
    if (load_stored_offsets(d, parts) == 0) {
        rd_kafka_error_t *e = rd_kafka_seek_partitions(d->consumer, parts, 10000);
        if (e) {
            GFDX_WARN("seek to stored offsets: %s", rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
        }
    }
    rd_kafka_topic_partition_list_destroy(parts);
}

static void drop_batch(daemon_t *d)
{
    for (size_t i = 0; i < d->nbatch; i++)
        rd_kafka_message_destroy(d->batch[i]);
    d->nbatch = 0;
}

static void count_outcome(gfdx_outcome o)
{
    static const gfdx_metric by_outcome[] = {GFDX_M_APPLIED, GFDX_M_REFUSED, GFDX_M_DUPLICATES,
                                              GFDX_M_DEAD_LETTERS};
    gfdx_metrics_add(by_outcome[o], 1);
}

/* One attempt at the batch in one transaction. 0 committed; -1 failed (rolled back). */
static int apply_batch_once(daemon_t *d, char *err, size_t errlen, bool *transient)
{
    gfdx_inbound in = {d->svc, d->qschema, d->cfg.receipts_topic, d->cfg.participant, d->catalog,
                       d->registry, d->calendar};
    gfdx_outcome outcomes[d->nbatch ? d->nbatch : 1];
    if (gfdx_pg_run(d->db, "BEGIN", 0, NULL, err, errlen, transient))
        return -1;
    for (size_t i = 0; i < d->nbatch; i++) {
        rd_kafka_message_t *m = d->batch[i];
        gfdx_raw_msg raw = {rd_kafka_topic_name(m->rkt), m->partition, m->offset, m->key, m->key_len,
                            m->payload, m->len};
        if (gfdx_inbound_process(&in, d->db, &raw, &outcomes[i], err, errlen)) {
            *transient = true;
            goto fail;
        }
    }
    rd_kafka_topic_partition_list_t *first = rd_kafka_topic_partition_list_new(8);
    rd_kafka_topic_partition_list_t *next = rd_kafka_topic_partition_list_new(8);
    batch_offsets(d, first, next);
    int rc = store_offsets(d, first, next, err, errlen, transient);
    if (rc == 0)
        rc = gfdx_pg_run(d->db, "COMMIT", 0, NULL, err, errlen, transient);
    if (rc == 0)
        rd_kafka_commit(d->consumer, next, 1); /* async; for lag monitoring only */
    rd_kafka_topic_partition_list_destroy(first);
    rd_kafka_topic_partition_list_destroy(next);
    if (rc)
        goto fail;
    for (size_t i = 0; i < d->nbatch; i++)
        count_outcome(outcomes[i]);
    return 0;
fail:
    if (PQstatus(d->db) == CONNECTION_OK)
        PQclear(PQexec(d->db, "ROLLBACK"));
    return -1;
}

/* gfdx_batch_latency_ms_sum and gfdx_batch_latency_ms_max: the max is the slowest batch of
 * the current window; a window lasts 60 s and the first batch after it starts the next, so
 * the gauge shows the worst latency of roughly the last minute. */
static void record_latency(int64_t ms)
{
    static int64_t window_start, window_max;
    int64_t now = gfdx_mono_ms();
    if (now - window_start >= 60000) {
        window_start = now;
        window_max = 0;
    }
    if (ms > window_max)
        window_max = ms;
    gfdx_metrics_add(GFDX_M_BATCH_MS_SUM, (uint64_t)ms);
    gfdx_metrics_set(GFDX_G_BATCH_MS_MAX, window_max);
}

/* Applies the pending batch, retrying on transient failures until it commits or we stop. */
static void apply_batch(daemon_t *d)
{
    int64_t started = gfdx_mono_ms();
    char err[1024];
    while (d->nbatch && !d->rebalanced) {
        bool transient = false;
        if (ensure_db(d))
            break; /* stopping while PostgreSQL is down: nothing stored, nothing lost */
        if (apply_batch_once(d, err, sizeof err, &transient) == 0) {
            int64_t ms = gfdx_mono_ms() - started;
            gfdx_metrics_add(GFDX_M_CONSUMED, d->nbatch);
            gfdx_metrics_add(GFDX_M_BATCHES, 1);
            record_latency(ms);
            GFDX_DEBUG("committed batch of %zu records in %lld ms", d->nbatch, (long long)ms);
            d->backoff_ms = 0;
            break;
        }
        gfdx_metrics_add(GFDX_M_BATCH_RETRIES, 1);
        GFDX_WARN("batch of %zu records rolled back, will retry: %s", d->nbatch, err);
        if (d->rebalanced) {
            drop_batch(d);
            resync_from_store(d);
            d->rebalanced = 0;
            break;
        }
        back_off(d);
        if (stop_requested && PQstatus(d->db) != CONNECTION_OK)
            break;
    }
    drop_batch(d);
}

/* Fills the batch: up to max_records, or until max_ms passed since the first poll. */
static void collect_batch(daemon_t *d)
{
    int64_t deadline = gfdx_mono_ms() + d->cfg.batch_max_ms;
    while (d->nbatch < (size_t)d->cfg.batch_max_records && !stop_requested) {
        int64_t left = deadline - gfdx_mono_ms();
        if (left <= 0)
            break;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(d->consumer, (int)left);
        drain_log_queue(d->consumer_logq);
        if (d->rebalanced) { /* records polled before the rebalance are not ours to apply */
            drop_batch(d);
            d->rebalanced = 0;
        }
        if (!m)
            continue;
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                GFDX_WARN("consumer: %s", rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            continue;
        }
        d->batch[d->nbatch++] = m;
    }
}

static int create_producer(daemon_t *d, char *err, size_t errlen);

/* An idempotent producer in a fatal state refuses every message for good: its rows are
 * drained (claims released), then it is replaced by a new producer and relay. */
static void renew_producer(daemon_t *d)
{
    char reason[512], err[512];
    if (!rd_kafka_fatal_error(d->producer, reason, sizeof reason))
        return;
    GFDX_ERROR("outbox producer failed fatally (%s): replacing it", reason);
    gfdx_relay_drain(d->relay, d->db, 0);
    drain_log_queue(d->producer_logq);
    rd_kafka_queue_destroy(d->producer_logq);
    rd_kafka_destroy(d->producer);
    gfdx_relay_free(d->relay); /* after the producer: no report can arrive any more */
    d->producer = NULL;
    d->producer_logq = NULL;
    d->relay = NULL;
    if (create_producer(d, err, sizeof err))
        GFDX_ERROR("outbox producer: %s (retried next round)", err);
}

/* Publishes pending outbox rows; on failure they stay pending for the next round. */
static void relay_outbox(daemon_t *d)
{
    char err[512];
    bool transient;
    if (!d->relay && create_producer(d, err, sizeof err))
        return;
    if (ensure_db(d))
        return;
    int64_t started = gfdx_mono_ms();
    int n = gfdx_relay_run(d->relay, d->db, err, sizeof err, &transient);
    if (n > 0)
        GFDX_DEBUG("published %d outbox rows in %lld ms", n, (long long)(gfdx_mono_ms() - started));
    if (n < 0)
        GFDX_WARN("outbox relay: %s", err);
    drain_log_queue(d->producer_logq);
    renew_producer(d);
}

/* Consumer lag from the locally cached high watermarks (no broker round trip). */
static void update_lag(daemon_t *d)
{
    rd_kafka_topic_partition_list_t *parts = NULL;
    if (rd_kafka_assignment(d->consumer, &parts) || !parts)
        return;
    rd_kafka_position(d->consumer, parts);
    int64_t lag = 0, lo, hi;
    for (int i = 0; i < parts->cnt; i++)
        if (rd_kafka_get_watermark_offsets(d->consumer, parts->elems[i].topic, parts->elems[i].partition, &lo,
                                           &hi) == 0 && parts->elems[i].offset >= 0 && hi > parts->elems[i].offset)
            lag += hi - parts->elems[i].offset;
    gfdx_metrics_set(GFDX_G_LAG, lag);
    rd_kafka_topic_partition_list_destroy(parts);
}

static void reload(daemon_t *d)
{
    char err[512];
    reload_requested = 0;
    gfdx_registry *reg = gfdx_registry_load(d->cfg.participants_file, err, sizeof err);
    if (!reg) {
        GFDX_ERROR("SIGHUP: participant registry not reloaded, keeping the old one: %s", err);
    } else {
        gfdx_registry_free(d->registry);
        d->registry = reg;
        GFDX_INFO("SIGHUP: reloaded %zu participants", gfdx_registry_count(reg));
    }
    gfdx_calendar *cal = gfdx_calendar_load(d->cfg.calendar_file, err, sizeof err);
    if (!cal) {
        GFDX_ERROR("SIGHUP: calendar not reloaded, keeping the old one: %s", err);
    } else {
        gfdx_calendar_free(d->calendar);
        d->calendar = cal;
    }
}

static void run_loop(daemon_t *d)
{
    int64_t last_lag = 0;
    while (!stop_requested) {
        if (reload_requested)
            reload(d);
        collect_batch(d);
        apply_batch(d); /* on SIGTERM the batch in hand is still applied and committed */
        relay_outbox(d);
        if (gfdx_mono_ms() - last_lag > 2000) {
            update_lag(d);
            last_lag = gfdx_mono_ms();
        }
    }
}

/* ---- start-up ---- */

static rd_kafka_conf_t *base_conf(daemon_t *d, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char errstr[512];
    if (rd_kafka_conf_set(conf, "log.queue", "true", errstr, sizeof errstr) ||
        rd_kafka_conf_set(conf, "client.id", d->cfg.service, errstr, sizeof errstr)) {
        snprintf(err, errlen, "%s", errstr);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    if (gfdx_config_kafka_apply(&d->cfg.kafka, conf, err, errlen)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return conf;
}

/* Sets a property the exchange's guarantees depend on; the file cannot override these. */
static int force(rd_kafka_conf_t *conf, const char *key, const char *value, char *err, size_t errlen)
{
    char errstr[512];
    if (rd_kafka_conf_set(conf, key, value, errstr, sizeof errstr) == RD_KAFKA_CONF_OK)
        return 0;
    snprintf(err, errlen, "%s: %s", key, errstr);
    return -1;
}

static int create_producer(daemon_t *d, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = base_conf(d, err, errlen);
    /* Records of one key must keep the outbox's id order: the idempotent producer keeps it
     * with up to 5 requests in flight; without it, only one request may be in flight. */
    if (!conf || force(conf, "enable.idempotence", d->cfg.outbox_idempotent ? "true" : "false", err, errlen) ||
        (!d->cfg.outbox_idempotent && force(conf, "max.in.flight.requests.per.connection", "1", err, errlen)) ||
        force(conf, "acks", "all", err, errlen)) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, gfdx_relay_dr_cb);
    char errstr[512];
    d->producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!d->producer) {
        snprintf(err, errlen, "producer: %s", errstr);
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    d->producer_logq = rd_kafka_queue_new(d->producer);
    rd_kafka_set_log_queue(d->producer, d->producer_logq);
    d->relay = gfdx_relay_new(d->producer, d->qschema, d->cfg.outbox_max_rows, d->cfg.outbox_flush_ms,
                              d->svc->on_published, d->svc->ctx);
    if (d->relay)
        return 0;
    snprintf(err, errlen, "outbox relay: out of memory");
    rd_kafka_queue_destroy(d->producer_logq);
    rd_kafka_destroy(d->producer); /* nothing produced yet: no report outstanding */
    d->producer = NULL;
    d->producer_logq = NULL;
    return -1;
}

static int create_consumer(daemon_t *d, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = base_conf(d, err, errlen);
    char errstr[512];
    if (!conf || force(conf, "group.id", d->cfg.group_id, err, errlen) ||
        force(conf, "enable.auto.commit", "false", err, errlen) ||
        force(conf, "enable.auto.offset.store", "false", err, errlen)) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    if (rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
        GFDX_WARN("auto.offset.reset: %s", errstr);
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    rd_kafka_conf_set_opaque(conf, d);
    d->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (!d->consumer) {
        snprintf(err, errlen, "consumer: %s", errstr);
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    d->consumer_logq = rd_kafka_queue_new(d->consumer);
    rd_kafka_set_log_queue(d->consumer, d->consumer_logq);
    rd_kafka_poll_set_consumer(d->consumer);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new((int)d->cfg.topics.count);
    for (size_t i = 0; i < d->cfg.topics.count; i++)
        rd_kafka_topic_partition_list_add(topics, d->cfg.topics.items[i], RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(d->consumer, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (e) {
        snprintf(err, errlen, "subscribe: %s", rd_kafka_err2str(e));
        return -1;
    }
    return 0;
}

/* Loads registry, calendar and catalogue. 0 ok, -1 with err. */
static int load_reference(daemon_t *d, char *err, size_t errlen)
{
    if (!(d->registry = gfdx_registry_load(d->cfg.participants_file, err, errlen)))
        return -1;
    if (!(d->calendar = gfdx_calendar_load(d->cfg.calendar_file, err, errlen)))
        return -1;
    if (!(d->catalog = gfdx_catalog_load(d->cfg.schemas_dir, err, errlen)))
        return -1;
    if (!gfdx_registry_find(d->registry, d->cfg.participant)) {
        snprintf(err, errlen, "service.participant \"%s\" is not in %s", d->cfg.participant,
                 d->cfg.participants_file);
        return -1;
    }
    return 0;
}

static void usage(FILE *out, const char *prog)
{
    fprintf(out,
            "usage: %s --config FILE [--check-config]\n"
            "       %s --version | --help\n"
            "  --config FILE    libconfig file (see deploy/*.cfg)\n"
            "  --check-config   load and validate everything, print the effective configuration\n"
            "                   (secrets masked), exit 0 if valid, 1 if not\n"
            "exit status: 0 clean stop, 1 failure, 2 usage error\n",
            prog, prog);
}

static void shutdown_daemon(daemon_t *d)
{
    if (d->consumer) {
        rd_kafka_consumer_close(d->consumer); /* leaves the group cleanly */
        drain_log_queue(d->consumer_logq);
    }
    if (d->relay && d->db && PQstatus(d->db) == CONNECTION_OK)
        relay_outbox(d);
    gfdx_relay_drain(d->relay, d->db, 5000); /* every report recorded, the rest purged */
    if (d->consumer_logq)
        rd_kafka_queue_destroy(d->consumer_logq);
    if (d->producer_logq)
        rd_kafka_queue_destroy(d->producer_logq);
    if (d->consumer)
        rd_kafka_destroy(d->consumer);
    if (d->producer)
        rd_kafka_destroy(d->producer);
    gfdx_relay_free(d->relay);
    PQfinish(d->db);
    gfdx_registry_free(d->registry);
    gfdx_calendar_free(d->calendar);
    gfdx_catalog_free(d->catalog);
    free(d->batch);
    gfdx_metrics_stop();
    gfdx_config_release_daemon(&d->cfg);
}

static int parse_args(int argc, char **argv, const char **config, bool *check)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            *config = argv[++i];
        else if (!strcmp(argv[i], "--check-config"))
            *check = true;
        else if (!strcmp(argv[i], "--version")) {
            printf("%s %s\n", argv[0], GFDX_VERSION);
            return 0;
        } else if (!strcmp(argv[i], "--help")) {
            usage(stdout, argv[0]);
            return 0;
        } else {
            usage(stderr, argv[0]);
            return 2;
        }
    }
    if (!*config) {
        usage(stderr, argv[0]);
        return 2;
    }
    return -1; /* go on */
}

static int check_config(daemon_t *d, const char *path, bool ok, const char *err)
{
    gfdx_config_print_daemon(stdout, &d->cfg);
    if (!ok) {
        fprintf(stderr, "%s: configuration invalid: %s\n", path, err);
        return 1;
    }
    printf("# %zu participants, %zu schemas: configuration valid\n", gfdx_registry_count(d->registry),
           gfdx_catalog_count(d->catalog));
    return 0;
}

static int start(daemon_t *d, char *err, size_t errlen)
{
    if (gfdx_metrics_start(d->cfg.service, d->cfg.metrics_address, d->cfg.metrics_port, err, errlen))
        return -1;
    if (!(d->batch = calloc((size_t)d->cfg.batch_max_records, sizeof *d->batch)))
        return -1;
    if (ensure_db(d))
        return 0; /* stopped while waiting */
    if (gfdx_pg_ident(d->db, d->svc->schema, d->qschema, sizeof d->qschema))
        return -1;
    for (;;) {
        int n = gfdx_pg_migrate(d->db, d->cfg.migrations_dir, d->svc->schema, err, errlen);
        if (n >= 0)
            break;
        if (PQstatus(d->db) == CONNECTION_OK)
            return -1; /* a broken migration is not transient */
        if (ensure_db(d))
            return 0;
    }
    return create_producer(d, err, errlen) || create_consumer(d, err, errlen) ? -1 : 0;
}

int gfdx_daemon_main(int argc, char **argv, const gfdx_service *svc)
{
    const char *path = NULL;
    bool check = false;
    int rc = parse_args(argc, argv, &path, &check);
    if (rc >= 0)
        return rc;
    daemon_t d = {.svc = svc};
    char err[1024] = "";
    bool ok = gfdx_config_load_daemon(path, &d.cfg, err, sizeof err) == 0;
    gfdx_log_level level = GFDX_LOG_INFO;
    if (ok && gfdx_log_level_parse(d.cfg.log_level, &level)) {
        snprintf(err, sizeof err, "service.log_level: \"%s\" is not debug|info|warn|error", d.cfg.log_level);
        ok = false;
    }
    gfdx_log_init(ok ? d.cfg.service : svc->name, level);
    ok = ok && load_reference(&d, err, sizeof err) == 0;
    ok = ok && (!svc->configure || svc->configure(svc->ctx, path, check ? stdout : NULL, err, sizeof err) == 0);
    if (check) {
        rc = check_config(&d, path, ok, err);
        shutdown_daemon(&d);
        return rc;
    }
    if (!ok) {
        GFDX_ERROR("%s: %s", path, err);
        shutdown_daemon(&d);
        return 2;
    }
    signal(SIGTERM, on_stop);
    signal(SIGINT, on_stop);
    signal(SIGHUP, on_hup);
    signal(SIGPIPE, SIG_IGN);
    GFDX_INFO("starting %s %s: schema %s, group %s", svc->name, GFDX_VERSION, svc->schema, d.cfg.group_id);
    if (start(&d, err, sizeof err)) {
        GFDX_ERROR("start-up failed: %s", err);
        shutdown_daemon(&d);
        return 1;
    }
    run_loop(&d);
    GFDX_INFO("stopping: batch committed, leaving the group");
    shutdown_daemon(&d);
    GFDX_INFO("stopped");
    return 0;
}
