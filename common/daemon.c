/* daemon.c: the consume loop shared by every daemon. See daemon.h for the contract. */
#include "daemon.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "avro_serde.h"
#include "batch.h"
#include "watch.h"
#include "config.h"
#include "ids.h"
#include "inbound.h"
#include "log.h"
#include "metrics.h"
#include "outbox.h"
#include "parallel.h"
#include "pgstore.h"
#include "record_limits.h"
#include "sign.h"

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_stop(int sig)
{
    if (stop_requested)
        _exit(1); /* second signal: exit at once */
    stop_requested = 1;
}

static void on_hup(int sig) { reload_requested = 1; }

#define GFDX_LOG_KID_MAX 256 /* a gfdx-kid header kept in the message log, at most (bytes, with NUL) */

/* The outbox relay runs on its own thread (see "the relay thread" below), so that consuming
 * never waits for the broker or for the relay's statements: its own PostgreSQL connection,
 * producer and relay, touched by that thread only once it runs. The consume thread only
 * wakes it (after a commit) and, at shutdown, asks it to finish. */
typedef struct {
    pthread_t thread;
    bool running;            /* the thread was started (joined at shutdown) */
    pthread_mutex_t mu;      /* guards wake and stop */
    pthread_cond_t cv;
    bool wake;               /* a transaction that may have written outbox rows committed */
    bool stop;               /* the consume loop ended: last round, drain, exit */
    PGconn *db;
    int64_t db_retry_at;
    int db_backoff_ms, backoff_ms;
    rd_kafka_t *producer;
    rd_kafka_queue_t *logq;
    gfdx_relay *relay;
} relay_thread;

typedef struct {
    gfdx_daemon_config cfg;
    const gfdx_service *svc;
    gfdx_registry *registry;
    gfdx_calendar *calendar;
    gfdx_catalog *catalog;
    gfdx_sign_key *signing_key; /* security.signing_key: signs every outbox row (outbox.h) */
    PGconn *db;
    rd_kafka_t *consumer;
    rd_kafka_queue_t *consumer_logq;
    relay_thread rt;
    size_t max_message_bytes; /* the producer's message.max.bytes, read once at start */
    char qschema[128];
    rd_kafka_message_t **batch;
    gfdx_clock *batch_clock; /* batch[i]'s deadline clock, taken when it was polled */
    gfdx_raw_msg *raw;       /* batch[i] as the pipeline sees it (borrowed from batch[i]) */
    gfdx_msg *msgs;          /* batch[i] admitted in memory (gfdx_inbound_admit) */
    int64_t clock_override_ms; /* GFDX_TEST_DEADLINE_CLOCK_MS (tests replaying history); 0: none */
    int64_t watch_clock_ms;    /* GFDX_TEST_WATCH_CLOCK_MS (tests: "N working days later"); 0: none */
    int64_t watch_at;          /* gfdx_mono_ms() when the next watch round is due */
    size_t nbatch;
    bool outbox_written; /* a transaction that may have written outbox rows committed: wake the relay */
    int rebalanced;  /* set by the rebalance callback or the fence: the batch in hand is void */
    int backoff_ms;
    /* Assignment (see "assignment and offsets" below). Owned; created in start(). */
    rd_kafka_topic_partition_list_t *pending; /* assigned and paused: stored offset not sought yet */
    rd_kafka_topic_partition_list_t *sought;  /* offset each partition was last positioned at from the store */
    int64_t pending_retry_at, pending_since, pending_alarm_at;
    int pending_backoff_ms;
    int64_t db_retry_at;
    int db_backoff_ms;
    int resubscribe;     /* an assign/unassign call failed: leave and rejoin the group */
    char instance[160];  /* host:pid, written to offset_gap.detected_by */
    int64_t checkpoint_at; /* gfdx_mono_ms() of the last checkpoint attempt */
    long long checkpoint_rows; /* row_count of the last checkpoint written (0: none yet) */
} daemon_t;

/* The next back-off after a failure: 100 ms doubling to retry.max_backoff_ms. */
static int grow_backoff(const daemon_t *d, int ms)
{
    ms = ms ? ms * 2 : 100;
    return ms > d->cfg.backoff_max_ms ? d->cfg.backoff_max_ms : ms;
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

/* One cheap probe (no authentication, at most 2 s): is the server accepting connections? */
static bool db_reachable(const daemon_t *d)
{
    const char *keys[] = {"dbname", "connect_timeout", NULL};
    const char *vals[] = {d->cfg.pg_conninfo, "2", NULL};
    return PQpingParams(keys, vals, 1) == PQPING_OK;
}

/* Connects *db (with back-off) and points search_path at the service's schema, so that
 * every statement names the service's own tables unqualified (rowset.h). The schema name is
 * quoted into d->qschema the first time (start-up, before the relay thread runs). 0, or -1
 * (*db NULL). */
static int connect_conn(daemon_t *d, PGconn **db)
{
    char err[512];
    bool transient = false;
    *db = gfdx_pg_connect(d->cfg.pg_conninfo, d->cfg.service, d->cfg.backoff_max_ms, &stop_requested);
    if (!*db)
        return -1;
    char path[300];
    if (!d->qschema[0] && gfdx_pg_ident(*db, d->svc->schema, d->qschema, sizeof d->qschema))
        snprintf(err, sizeof err, "schema name %s cannot be quoted", d->svc->schema);
    snprintf(path, sizeof path, "%s, public", d->qschema);
    const char *p[] = {path};
    if (d->qschema[0] && gfdx_pg_run(*db, "SELECT set_config('search_path', $1, false)", 1, p, err, sizeof err,
                                     &transient) == 0)
        return 0;
    GFDX_WARN("PostgreSQL: setting search_path failed: %s", err);
    PQfinish(*db);
    *db = NULL;
    return -1;
}

static int connect_db(daemon_t *d) { return connect_conn(d, &d->db); }

/* Makes sure *db is a live connection without waiting for PostgreSQL: at most one probe per
 * back-off interval (*retry_at, *backoff_ms: 100 ms doubling to retry.max_backoff_ms). 0 when
 * live, -1 when not (yet): the caller's loop goes on (the consume loop polling Kafka for
 * rebalances and signals, the relay thread waiting) and asks again later. `who` names the
 * connection in the log. */
static int ensure_conn(daemon_t *d, PGconn **db, int64_t *retry_at, int *backoff_ms, const char *who)
{
    if (*db && PQstatus(*db) == CONNECTION_OK)
        return 0;
    if (*db) {
        GFDX_WARN("PostgreSQL connection lost (%s); reconnecting", who);
        PQfinish(*db);
        *db = NULL;
    }
    int64_t now = gfdx_mono_ms();
    if (now < *retry_at)
        return -1;
    if (!db_reachable(d)) {
        *backoff_ms = grow_backoff(d, *backoff_ms);
        *retry_at = now + *backoff_ms;
        GFDX_WARN("PostgreSQL unavailable (%s), next attempt in %d ms", who, *backoff_ms);
        return -1;
    }
    *backoff_ms = 0;
    return connect_conn(d, db);
}

static int ensure_db(daemon_t *d) { return ensure_conn(d, &d->db, &d->db_retry_at, &d->db_backoff_ms, "consumer"); }

/* Start-up only: waits (with back-off) until PostgreSQL answers. 0 ok, -1 on stop. */
static int wait_db(daemon_t *d)
{
    if (!d->db || PQstatus(d->db) != CONNECTION_OK) {
        PQfinish(d->db);
        d->db = NULL;
        while (connect_db(d) && !stop_requested)
            usleep(200 * 1000); /* set_config failed: the server is going away */
    }
    return d->db ? 0 : -1;
}

/* ---- assignment and offsets ----
 * A partition is consumed only from the offset stored in <schema>.kafka_offset. On
 * assignment the rebalance callback reads the stored offsets if PostgreSQL is connected
 * (one try) and assigns the partitions at them. Otherwise it assigns them paused and lists
 * them in d->pending; so does a batch that is dropped (rebalance, fence conflict), whose
 * partitions' fetch positions ran ahead of the store. The consume loop (load_pending) reads
 * the pending partitions' stored offsets once PostgreSQL answers, seeks and resumes them.
 * Nothing inside the callback waits, so the loop keeps serving signals and rebalances. */

static const char *offset_str(int64_t offset, char *buf, size_t len)
{
    if (offset == RD_KAFKA_OFFSET_BEGINNING)
        return "beginning";
    snprintf(buf, len, "%lld", (long long)offset);
    return buf;
}

/* Reads the stored next offset of (topic, partition) into *offset (-1 when none is stored).
 * `lock` adds FOR UPDATE (inside the batch transaction). 0 ok; -1 with err, *transient. */
static int read_stored_offset(daemon_t *d, const char *topic, int32_t partition, bool lock, int64_t *offset,
                              char *err, size_t errlen, bool *transient)
{
    char sql[256], part[16];
    snprintf(sql, sizeof sql, "SELECT next_offset FROM kafka_offset WHERE topic = $1 AND partition = $2%s",
             lock ? " FOR UPDATE" : "");
    snprintf(part, sizeof part, "%d", (int)partition);
    const char *p[] = {topic, part};
    PGresult *r = gfdx_pg_exec(d->db, sql, 2, p, err, errlen, transient);
    if (!r)
        return -1;
    *offset = PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    PQclear(r);
    return 0;
}

/* The element of `list` for (topic, partition), added (offset INVALID) if missing. */
static rd_kafka_topic_partition_t *list_upsert(rd_kafka_topic_partition_list_t *list, const char *topic,
                                               int32_t partition)
{
    rd_kafka_topic_partition_t *tp = rd_kafka_topic_partition_list_find(list, topic, partition);
    return tp ? tp : rd_kafka_topic_partition_list_add(list, topic, partition);
}

static bool is_pending(const daemon_t *d, const char *topic, int32_t partition)
{
    return rd_kafka_topic_partition_list_find(d->pending, topic, partition) != NULL;
}

/* Pauses the partitions of `parts` (not modified) and lists them as pending. A partition
 * that cannot be paused is still pending: its records are dropped until it is sought. */
static void mark_pending(daemon_t *d, const rd_kafka_topic_partition_list_t *parts)
{
    rd_kafka_topic_partition_list_t *copy = rd_kafka_topic_partition_list_copy(parts);
    rd_kafka_pause_partitions(d->consumer, copy);
    for (int i = 0; i < copy->cnt; i++) {
        rd_kafka_topic_partition_t *tp = &copy->elems[i];
        if (tp->err)
            GFDX_ERROR("pausing %s[%d]: %s", tp->topic, (int)tp->partition, rd_kafka_err2str(tp->err));
        list_upsert(d->pending, tp->topic, tp->partition);
    }
    rd_kafka_topic_partition_list_destroy(copy);
    if (!d->pending_since && d->pending->cnt)
        d->pending_since = gfdx_mono_ms();
    d->pending_retry_at = 0;
}

static void unmark_pending(daemon_t *d, const rd_kafka_topic_partition_list_t *parts)
{
    for (int i = 0; i < parts->cnt; i++)
        rd_kafka_topic_partition_list_del(d->pending, parts->elems[i].topic, parts->elems[i].partition);
    if (!d->pending->cnt)
        d->pending_since = 0;
}

/* Applies an assignment change the way the group's protocol requires. 0 ok, -1 with err. */
static int change_assignment(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *parts, bool assign,
                             bool cooperative, char *err, size_t errlen)
{
    if (cooperative) {
        rd_kafka_error_t *e = assign ? rd_kafka_incremental_assign(rk, parts) : rd_kafka_incremental_unassign(rk, parts);
        if (e)
            snprintf(err, errlen, "%s", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
        return e ? -1 : 0;
    }
    rd_kafka_resp_err_t e = rd_kafka_assign(rk, assign ? parts : NULL);
    if (e)
        snprintf(err, errlen, "%s", rd_kafka_err2str(e));
    return e ? -1 : 0;
}

/* Stored offsets for a new assignment, read only if PostgreSQL is connected right now (one
 * try, no waiting). 0 when every partition's .offset is set. */
static int assign_offsets_now(daemon_t *d, rd_kafka_topic_partition_list_t *parts)
{
    char err[512];
    if (!d->db || PQstatus(d->db) != CONNECTION_OK)
        return -1;
    for (int i = 0; i < parts->cnt; i++) {
        int64_t off;
        bool transient;
        if (read_stored_offset(d, parts->elems[i].topic, parts->elems[i].partition, false, &off, err, sizeof err,
                               &transient)) {
            GFDX_WARN("reading stored offsets on assignment: %s", err);
            return -1;
        }
        parts->elems[i].offset = off >= 0 ? off : RD_KAFKA_OFFSET_BEGINNING;
    }
    return 0;
}

static void on_assign(daemon_t *d, rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *parts, bool cooperative)
{
    char err[512], buf[24];
    rd_kafka_topic_partition_list_t *copy = rd_kafka_topic_partition_list_copy(parts);
    bool loaded = assign_offsets_now(d, copy) == 0;
    for (int i = 0; !loaded && i < copy->cnt; i++)
        copy->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING; /* placeholder: paused below, sought later */
    if (change_assignment(rk, copy, true, cooperative, err, sizeof err)) {
        GFDX_ERROR("assigning %d partitions failed: %s; leaving and rejoining the group", copy->cnt, err);
        d->resubscribe = 1;
    } else if (loaded) {
        for (int i = 0; i < copy->cnt; i++) {
            rd_kafka_topic_partition_t *tp = &copy->elems[i];
            list_upsert(d->sought, tp->topic, tp->partition)->offset = tp->offset;
            GFDX_INFO("assigned %s[%d], resuming at offset %s", tp->topic, (int)tp->partition,
                      offset_str(tp->offset, buf, sizeof buf));
        }
    } else {
        mark_pending(d, copy);
        GFDX_WARN("assigned %d partitions, paused until their stored offsets can be read", copy->cnt);
    }
    rd_kafka_topic_partition_list_destroy(copy);
}

static void on_revoke(daemon_t *d, rd_kafka_t *rk, rd_kafka_topic_partition_list_t *parts, bool cooperative)
{
    char err[512];
    GFDX_INFO("partitions revoked (%d%s); the pending batch is dropped, its offsets were not stored", parts->cnt,
              rd_kafka_assignment_lost(rk) ? ", lost" : "");
    unmark_pending(d, parts);
    if (change_assignment(rk, parts, false, cooperative, err, sizeof err)) {
        GFDX_ERROR("unassigning %d partitions failed: %s; leaving and rejoining the group", parts->cnt, err);
        d->resubscribe = 1;
    }
}

/* Runs inside rd_kafka_consumer_poll on our thread; never waits for PostgreSQL. */
static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                         void *opaque)
{
    daemon_t *d = opaque;
    bool cooperative = !strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE");
    d->rebalanced = 1;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        on_assign(d, rk, parts, cooperative);
    } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        on_revoke(d, rk, parts, cooperative);
    } else { /* librdkafka: on any other error, clear the assignment to resync the state */
        GFDX_ERROR("rebalance failed: %s; dropping the assignment", rd_kafka_err2str(err));
        rd_kafka_topic_partition_list_t *all = rd_kafka_topic_partition_list_copy(d->pending);
        unmark_pending(d, all);
        rd_kafka_topic_partition_list_destroy(all);
        rd_kafka_resp_err_t e = rd_kafka_assign(rk, NULL);
        if (e)
            GFDX_ERROR("clearing the assignment failed: %s", rd_kafka_err2str(e));
    }
}

/* Seeks `parts` (offsets set) and resumes those sought; they leave the pending list.
 * Returns how many could not be sought or resumed (they stay pending and paused). */
static int seek_and_resume(daemon_t *d, rd_kafka_topic_partition_list_t *parts)
{
    char buf[24];
    int failed = 0;
    rd_kafka_error_t *e = rd_kafka_seek_partitions(d->consumer, parts, 5000);
    if (e) {
        GFDX_WARN("seeking %d partitions to their stored offsets: %s", parts->cnt, rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
        return parts->cnt;
    }
    rd_kafka_topic_partition_list_t *ok = rd_kafka_topic_partition_list_new(parts->cnt);
    for (int i = 0; i < parts->cnt; i++) {
        rd_kafka_topic_partition_t *tp = &parts->elems[i];
        if (tp->err) {
            GFDX_WARN("seeking %s[%d] to %s: %s", tp->topic, (int)tp->partition,
                      offset_str(tp->offset, buf, sizeof buf), rd_kafka_err2str(tp->err));
            failed++;
        } else {
            rd_kafka_topic_partition_list_add(ok, tp->topic, tp->partition)->offset = tp->offset;
        }
    }
    rd_kafka_resume_partitions(d->consumer, ok);
    for (int i = 0; i < ok->cnt; i++) {
        rd_kafka_topic_partition_t *tp = &ok->elems[i];
        if (tp->err) {
            GFDX_ERROR("resuming %s[%d]: %s", tp->topic, (int)tp->partition, rd_kafka_err2str(tp->err));
            failed++;
            continue;
        }
        list_upsert(d->sought, tp->topic, tp->partition)->offset = tp->offset;
        rd_kafka_topic_partition_list_del(d->pending, tp->topic, tp->partition);
        GFDX_INFO("assigned %s[%d], resuming at offset %s", tp->topic, (int)tp->partition,
                  offset_str(tp->offset, buf, sizeof buf));
    }
    rd_kafka_topic_partition_list_destroy(ok);
    return failed;
}

/* Partitions still pending after a failed attempt: retry after a back-off; say it loudly
 * (ERROR, every 30 s) once partitions have been assigned but idle for 30 s. */
static void pending_later(daemon_t *d, const char *why)
{
    int64_t now = gfdx_mono_ms();
    if (!d->pending_backoff_ms)
        GFDX_WARN("%d assigned partitions wait for their stored offsets: %s", d->pending->cnt, why);
    d->pending_backoff_ms = grow_backoff(d, d->pending_backoff_ms);
    d->pending_retry_at = now + d->pending_backoff_ms;
    if (now - d->pending_since >= 30000 && now - d->pending_alarm_at >= 30000) {
        d->pending_alarm_at = now;
        GFDX_ERROR("%d assigned partitions idle for %lld s, waiting for their stored offsets: %s", d->pending->cnt,
                   (long long)((now - d->pending_since) / 1000), why);
    }
}

/* Seeks every pending partition to its stored offset and resumes it. Never waits. */
static void load_pending(daemon_t *d)
{
    if (!d->pending->cnt || gfdx_mono_ms() < d->pending_retry_at)
        return;
    char err[512] = "PostgreSQL unavailable";
    bool transient;
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_copy(d->pending);
    int rc = ensure_db(d);
    for (int i = 0; rc == 0 && i < parts->cnt; i++) {
        int64_t off = -1;
        rc = read_stored_offset(d, parts->elems[i].topic, parts->elems[i].partition, false, &off, err, sizeof err,
                                &transient);
        parts->elems[i].offset = off >= 0 ? off : RD_KAFKA_OFFSET_BEGINNING;
    }
    if (rc == 0 && seek_and_resume(d, parts))
        rc = -1, snprintf(err, sizeof err, "seek or resume failed");
    rd_kafka_topic_partition_list_destroy(parts);
    if (rc) {
        pending_later(d, err);
        return;
    }
    d->pending_backoff_ms = 0;
    d->pending_since = 0;
}

/* Subscribes to the configured topics. 0 ok, -1 with err. */
static int subscribe_topics(daemon_t *d, char *err, size_t errlen)
{
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new((int)d->cfg.topics.count);
    for (size_t i = 0; i < d->cfg.topics.count; i++)
        rd_kafka_topic_partition_list_add(topics, d->cfg.topics.items[i], RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(d->consumer, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (e)
        snprintf(err, errlen, "subscribe: %s", rd_kafka_err2str(e));
    return e ? -1 : 0;
}

/* An assign or unassign call failed: leave the group and join again, so the group hands
 * out the partitions anew (never sit idle with partitions the group believes we consume). */
static void rejoin_group(daemon_t *d)
{
    char err[512];
    d->resubscribe = 0;
    rd_kafka_resp_err_t e = rd_kafka_unsubscribe(d->consumer);
    if (e)
        GFDX_ERROR("leaving the group: %s", rd_kafka_err2str(e));
    if (subscribe_topics(d, err, sizeof err)) {
        GFDX_ERROR("rejoining the group: %s; trying again", err);
        d->resubscribe = 1;
    }
}

/* ---- offset fence and gaps ---- */

/* Writes one offset_gap row: offsets from..to of (topic, partition) will never be applied. */
static int record_gap(daemon_t *d, const char *topic, int32_t partition, int64_t from, int64_t to, char *err,
                      size_t errlen, bool *transient)
{
    static const char sql[] =
        "INSERT INTO offset_gap (topic, partition, from_offset, to_offset, low_watermark, detected_by)"
        " VALUES ($1, $2, $3, $4, $5, $6)";
    char part[16], f[24], t[24], lw[24];
    int64_t lo = -1, hi = -1;
    /* informative only: the broker's earliest offset tells retention from unreadable records */
    if (rd_kafka_query_watermark_offsets(d->consumer, topic, partition, &lo, &hi, 2000))
        lo = -1;
    snprintf(part, sizeof part, "%d", (int)partition);
    snprintf(f, sizeof f, "%lld", (long long)from);
    snprintf(t, sizeof t, "%lld", (long long)to);
    snprintf(lw, sizeof lw, "%lld", (long long)lo);
    const char *p[] = {topic, part, f, t, lo >= 0 ? lw : NULL, d->instance};
    return gfdx_pg_run(d->db, sql, 6, p, err, errlen, transient);
}

/* A batch starts at `first`, beyond the stored offset `stored` of its partition. Right
 * after the partition was sought to `stored`, the broker has nothing readable in between
 * (retention or the dev broker's size limit passed it; or aborted, compacted, control
 * records): that is a gap, recorded in this transaction. Otherwise the fetch position ran
 * ahead of the store: the batch is void and the partition is sought again. */
static int check_gap(daemon_t *d, const rd_kafka_topic_partition_t *f, int64_t stored,
                     rd_kafka_topic_partition_list_t *gaps, char *err, size_t errlen, bool *transient)
{
    rd_kafka_topic_partition_t *s = rd_kafka_topic_partition_list_find(d->sought, f->topic, f->partition);
    if (!s || s->offset != stored) {
        snprintf(err, errlen, "%s[%d]: batch starts at %lld, beyond the stored offset %lld: seeking again",
                 f->topic, (int)f->partition, (long long)f->offset, (long long)stored);
        *transient = true;
        d->rebalanced = 1; /* void the batch, re-seek its partitions */
        return -1;
    }
    if (record_gap(d, f->topic, f->partition, stored, f->offset - 1, err, errlen, transient))
        return -1;
    rd_kafka_topic_partition_list_add(gaps, f->topic, f->partition)->offset = stored;
    return 0;
}

/* The partitions of `l` as PostgreSQL array literals: topics (quoted), partitions and their
 * offsets; topics and parts may be NULL (not wanted). 0, or -1 when out of memory (err). The
 * caller frees what it asked for. */
static int offset_arrays(const rd_kafka_topic_partition_list_t *l, char **topics, char **parts, char **offs,
                         char *err, size_t errlen)
{
    size_t tcap = 3, cap = (size_t)l->cnt * 22 + 3, t = 0, p = 0, o = 0;
    for (int i = 0; i < l->cnt; i++)
        tcap += strlen(l->elems[i].topic) + 3; /* Kafka topic names need no escaping: [a-zA-Z0-9._-] */
    if ((topics && !(*topics = malloc(tcap))) || (parts && !(*parts = malloc(cap))) || !(*offs = malloc(cap))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < l->cnt; i++) {
        const char *sep = i ? "," : "{";
        if (topics)
            t += (size_t)snprintf(*topics + t, tcap - t, "%s\"%s\"", sep, l->elems[i].topic);
        if (parts)
            p += (size_t)snprintf(*parts + p, cap - p, "%s%d", sep, (int)l->elems[i].partition);
        o += (size_t)snprintf(*offs + o, cap - o, "%s%lld", sep, (long long)l->elems[i].offset);
    }
    if (topics)
        snprintf(*topics + t, tcap - t, l->cnt ? "}" : "{}");
    if (parts)
        snprintf(*parts + p, cap - p, l->cnt ? "}" : "{}");
    snprintf(*offs + o, cap - o, l->cnt ? "}" : "{}");
    return 0;
}

/* Reads and locks (FOR UPDATE) the stored offsets of the partitions of `next`, one statement:
 * stored[i] = the stored next offset of next->elems[i], -1 when none is stored. */
static int lock_stored_offsets(daemon_t *d, const char *topics, const char *parts,
                               const rd_kafka_topic_partition_list_t *next, int64_t *stored, char *err,
                               size_t errlen, bool *transient)
{
    static const char sql[] =
        "SELECT k.topic, k.partition, k.next_offset FROM kafka_offset k"
        " JOIN unnest($1::text[], $2::int[]) AS u(topic, partition) USING (topic, partition) FOR UPDATE OF k";
    const char *p[] = {topics, parts};
    PGresult *r = gfdx_pg_exec(d->db, sql, 2, p, err, errlen, transient);
    if (!r)
        return -1;
    for (int i = 0; i < next->cnt; i++)
        stored[i] = -1;
    for (int row = 0; row < PQntuples(r); row++)
        for (int i = 0; i < next->cnt; i++)
            if (!strcmp(next->elems[i].topic, PQgetvalue(r, row, 0)) &&
                next->elems[i].partition == atoi(PQgetvalue(r, row, 1)))
                stored[i] = strtoll(PQgetvalue(r, row, 2), NULL, 10);
    PQclear(r);
    return 0;
}

/* Moves every partition's stored offset to `next`, one statement, fenced: a stored offset
 * moves only if it is not beyond the batch's first offset of its partition (else another
 * instance applied these records: d->rebalanced, transient). */
static int move_offsets(daemon_t *d, const char *topics, const char *parts, const char *nexts, const char *firsts,
                        int count, char *err, size_t errlen, bool *transient)
{
    static const char sql[] =
        "INSERT INTO kafka_offset AS k (topic, partition, next_offset)"
        " SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[])"
        " ON CONFLICT (topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()"
        " WHERE k.next_offset <= (SELECT u.f FROM unnest($1::text[], $2::int[], $4::bigint[]) AS u(t, p, f)"
        " WHERE u.t = k.topic AND u.p = k.partition) RETURNING 1";
    const char *p[] = {topics, parts, nexts, firsts};
    PGresult *r = gfdx_pg_exec(d->db, sql, 4, p, err, errlen, transient);
    if (!r)
        return -1;
    int moved = PQntuples(r);
    PQclear(r);
    if (moved == count)
        return 0;
    snprintf(err, errlen, "%d of %d partitions: stored offset beyond the batch's first: another instance applied"
             " these records", count - moved, count);
    *transient = true;
    d->rebalanced = 1; /* re-seek from the stored offsets */
    return -1;
}

/* Stores the batch's offsets, fenced (move_offsets), in two statements whatever the number
 * of partitions. A gap before the batch is recorded in the same transaction (see check_gap),
 * so it is recorded exactly once: it commits or rolls back with the offsets that pass it.
 * Gaps found are added to `gaps` (offset = first missing) for report_gaps after COMMIT. */
static int store_offsets(daemon_t *d, rd_kafka_topic_partition_list_t *first, rd_kafka_topic_partition_list_t *next,
                         rd_kafka_topic_partition_list_t *gaps, char *err, size_t errlen, bool *transient)
{
    char *topics = NULL, *parts = NULL, *nexts = NULL, *firsts = NULL;
    int64_t *stored = calloc((size_t)next->cnt + 1, sizeof *stored);
    int rc = 0;
    if (!stored || offset_arrays(next, &topics, &parts, &nexts, err, errlen) ||
        offset_arrays(first, NULL, NULL, &firsts, err, errlen)) { /* the same partitions, in the same order */
        snprintf(err, errlen, "storing offsets: out of memory");
        rc = -1, *transient = true;
    }
    if (rc == 0)
        rc = lock_stored_offsets(d, topics, parts, next, stored, err, errlen, transient);
    for (int i = 0; rc == 0 && i < next->cnt; i++)
        if (stored[i] >= 0 && stored[i] < first->elems[i].offset)
            rc = check_gap(d, &first->elems[i], stored[i], gaps, err, errlen, transient);
    if (rc == 0)
        rc = move_offsets(d, topics, parts, nexts, firsts, next->cnt, err, errlen, transient);
    free(stored), free(topics), free(parts), free(nexts), free(firsts);
    return rc;
}

/* After COMMIT: one ERROR line and one count per gap recorded. */
static void report_gaps(const rd_kafka_topic_partition_list_t *gaps, rd_kafka_topic_partition_list_t *first)
{
    for (int i = 0; i < gaps->cnt; i++) {
        const rd_kafka_topic_partition_t *g = &gaps->elems[i];
        int64_t to = rd_kafka_topic_partition_list_find(first, g->topic, g->partition)->offset - 1;
        GFDX_ERROR("offset gap on %s[%d]: records %lld..%lld (%lld) are no longer on the broker and were never"
                   " applied; recorded in offset_gap, consuming on from offset %lld",
                   g->topic, (int)g->partition, (long long)g->offset, (long long)to,
                   (long long)(to - g->offset + 1), (long long)(to + 1));
        gfdx_metrics_add(GFDX_M_OFFSET_GAPS, 1);
    }
}

/* First and next offsets per partition of batch[lo..hi) (lists in the same order). */
static void batch_offsets(daemon_t *d, size_t lo, size_t hi, rd_kafka_topic_partition_list_t *first,
                          rd_kafka_topic_partition_list_t *next)
{
    for (size_t i = lo; i < hi; i++) {
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

static void drop_batch(daemon_t *d)
{
    for (size_t i = 0; i < d->nbatch; i++) {
        gfdx_msg_release(&d->msgs[i]);
        rd_kafka_message_destroy(d->batch[i]);
    }
    d->nbatch = 0;
}

/* The batch in hand will not be applied (a rebalance or the fence voided it). Each of its
 * partitions still assigned to us has a fetch position beyond its stored offset: it is
 * paused and sought again from the store (load_pending). Clears d->rebalanced. */
static void void_batch(daemon_t *d)
{
    rd_kafka_topic_partition_list_t *assigned = NULL, *parts = rd_kafka_topic_partition_list_new(8);
    if (d->nbatch && rd_kafka_assignment(d->consumer, &assigned) == 0 && assigned) {
        for (size_t i = 0; i < d->nbatch; i++) {
            const char *topic = rd_kafka_topic_name(d->batch[i]->rkt);
            if (rd_kafka_topic_partition_list_find(assigned, topic, d->batch[i]->partition))
                list_upsert(parts, topic, d->batch[i]->partition);
        }
        if (parts->cnt)
            mark_pending(d, parts);
    }
    if (assigned)
        rd_kafka_topic_partition_list_destroy(assigned);
    rd_kafka_topic_partition_list_destroy(parts);
    drop_batch(d);
    d->rebalanced = 0;
}

/* Waits `ms` while serving the consumer, in slices of at most 200 ms (SIGTERM is seen at
 * once): rebalance callbacks run (setting d->rebalanced when the batch in hand is void).
 * A record polled meanwhile cannot be kept: it is dropped, its partition sought again. */
static void serve_consumer(daemon_t *d, int ms)
{
    int64_t until = gfdx_mono_ms() + ms;
    for (int64_t left = ms; left > 0 && !stop_requested && !d->rebalanced; left = until - gfdx_mono_ms()) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(d->consumer, left > 200 ? 200 : (int)left);
        drain_log_queue(d->consumer_logq);
        if (m && !m->err) {
            rd_kafka_topic_partition_list_t *one = rd_kafka_topic_partition_list_new(1);
            rd_kafka_topic_partition_list_add(one, rd_kafka_topic_name(m->rkt), m->partition);
            mark_pending(d, one);
            rd_kafka_topic_partition_list_destroy(one);
        }
        if (m)
            rd_kafka_message_destroy(m);
    }
}

/* Grows the back-off after a failure and waits it out serving the consumer. */
static void back_off(daemon_t *d)
{
    d->backoff_ms = grow_backoff(d, d->backoff_ms);
    serve_consumer(d, d->backoff_ms);
}

static void count_outcome(gfdx_outcome o)
{
    static const gfdx_metric by_outcome[] = {GFDX_M_APPLIED, GFDX_M_REFUSED, GFDX_M_DUPLICATES,
                                              GFDX_M_DEAD_LETTERS};
    gfdx_metrics_add(by_outcome[o], 1);
}

/* The gfdx-kid / gfdx-sig headers of m into raw (left NULL when absent). */
static void signature_headers(rd_kafka_message_t *m, gfdx_raw_msg *raw)
{
    rd_kafka_headers_t *hdrs = NULL;
    if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return;
    if (rd_kafka_header_get_last(hdrs, GFDX_SIGN_HEADER_KID, &raw->kid, &raw->kid_len) != RD_KAFKA_RESP_ERR_NO_ERROR)
        raw->kid = NULL, raw->kid_len = 0;
    if (rd_kafka_header_get_last(hdrs, GFDX_SIGN_HEADER_SIG, &raw->sig, &raw->sig_len) != RD_KAFKA_RESP_ERR_NO_ERROR)
        raw->sig = NULL, raw->sig_len = 0;
}

/* Locks the message-log chain head (migration 006) first thing in the batch transaction, to
 * COMMIT, and reads it into *c: instances append whole batches one after another in a
 * well-defined order, and taking it before any other row lock keeps it out of deadlocks.
 * A missing head row is an error (the log cannot be appended; the batch is retried). */
static int lock_chain(daemon_t *d, gfdx_chain_head *c, char *err, size_t errlen, bool *transient)
{
    PGresult *r = gfdx_pg_exec(d->db, "SELECT row_count, head_hash FROM message_log_chain FOR UPDATE", 0, NULL, err,
                               errlen, transient);
    if (!r)
        return -1;
    size_t n = 0;
    unsigned char *h = PQntuples(r) == 1 ? PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 1), &n) : NULL;
    int rc = h && n == sizeof c->hash ? 0 : -1;
    if (rc == 0) {
        c->rows = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        memcpy(c->hash, h, n);
    } else {
        snprintf(err, errlen, "%s.message_log_chain: no valid chain head row; the message log cannot be appended",
                 d->qschema);
    }
    PQfreemem(h);
    PQclear(r);
    return rc;
}

/* Writes the chain head back once per batch (if the batch logged rows). */
static int save_chain(daemon_t *d, const gfdx_chain_head *c, long long before, char *err, size_t errlen,
                      bool *transient)
{
    static const char sql[] = "UPDATE message_log_chain SET row_count = $1, head_hash = $2, updated_at = now()";
    char rows[24];
    if (c->rows == before)
        return 0;
    snprintf(rows, sizeof rows, "%lld", c->rows);
    const char *p[] = {rows, (const char *)c->hash};
    int len[] = {0, sizeof c->hash}, fmt[] = {0, 1};
    PGresult *r = gfdx_pg_exec_bin(d->db, sql, 2, p, len, fmt, err, errlen, transient);
    PQclear(r);
    return r ? 0 : -1;
}

/* What the pipeline needs besides the messages (inbound.h). */
static gfdx_inbound pipeline(const daemon_t *d)
{
    return (gfdx_inbound){.service = d->svc, .qschema = d->qschema, .receipts_prefix = d->cfg.receipts_prefix,
                          .service_participant = d->cfg.participant, .catalog = d->catalog,
                          .registry = d->registry, .calendar = d->calendar,
                          .max_message_bytes = d->max_message_bytes,
                          .skew_future_ms = (int64_t)d->cfg.occurred_ahead_s * 1000,
                          .skew_past_ms = (int64_t)d->cfg.occurred_behind_days * 86400000,
                          .require_signatures = d->cfg.require_signatures, .threads = d->cfg.threads};
}

/* Step 3 for msgs[lo..hi) of the batch (gfdx_parallel_for). */
typedef struct {
    const gfdx_inbound *in;
    gfdx_msg *msgs;
} verify_work;

static void verify_share(void *ctx, size_t lo, size_t hi)
{
    const verify_work *w = ctx;
    for (size_t i = lo; i < hi; i++)
        gfdx_inbound_verify(w->in, &w->msgs[i]);
}

/* Admits every message of the batch in memory (decode, signature, limits: inbound.h), once:
 * a retried or bisected batch reuses the result. */
static void admit_batch(daemon_t *d)
{
    gfdx_inbound in = pipeline(d);
    uint64_t t = gfdx_metrics_now_us();
    for (size_t i = 0; i < d->nbatch; i++) {
        rd_kafka_message_t *m = d->batch[i];
        d->raw[i] = (gfdx_raw_msg){rd_kafka_topic_name(m->rkt), m->partition, m->offset, m->key, m->key_len,
                                   m->payload, m->len, d->batch_clock[i], NULL, NULL, 0, 0};
        signature_headers(m, &d->raw[i]);
        gfdx_inbound_decode(&in, &d->raw[i], &d->msgs[i]);
    }
    t = gfdx_metrics_phase(GFDX_P_DECODE, t);
    verify_work w = {&in, d->msgs};
    gfdx_parallel_for(d->nbatch, d->cfg.threads, 16, verify_share, &w); /* most of admission's cost */
    t = gfdx_metrics_phase(GFDX_P_VERIFY, t);
    for (size_t i = 0; i < d->nbatch; i++)
        gfdx_inbound_check(&in, &d->msgs[i]);
    gfdx_metrics_phase(GFDX_P_CHECK, t);
}

/* Stores the offsets of batch[lo..hi) (fenced), writes the chain head back and commits. */
static int commit_range(daemon_t *d, size_t lo, size_t hi, const gfdx_chain_head *chain, long long chain_before,
                        char *err, size_t errlen, bool *transient)
{
    rd_kafka_topic_partition_list_t *first = rd_kafka_topic_partition_list_new(8);
    rd_kafka_topic_partition_list_t *next = rd_kafka_topic_partition_list_new(8);
    rd_kafka_topic_partition_list_t *gaps = rd_kafka_topic_partition_list_new(1);
    batch_offsets(d, lo, hi, first, next);
    int rc = save_chain(d, chain, chain_before, err, errlen, transient);
    if (rc == 0)
        rc = store_offsets(d, first, next, gaps, err, errlen, transient);
    if (rc == 0)
        rc = gfdx_pg_run(d->db, "COMMIT", 0, NULL, err, errlen, transient);
    if (rc == 0) {
        report_gaps(gaps, first);
        rd_kafka_commit(d->consumer, next, 1); /* async; for lag monitoring only */
    }
    rd_kafka_topic_partition_list_destroy(first);
    rd_kafka_topic_partition_list_destroy(next);
    rd_kafka_topic_partition_list_destroy(gaps);
    return rc;
}

/* One attempt at batch[lo..hi) in one transaction (batch.h). 0 committed; -1 failed (rolled
 * back): *transient tells a retry from a failure of the records themselves. */
static int apply_batch_once(daemon_t *d, size_t lo, size_t hi, const gfdx_poison *poison, char *err, size_t errlen,
                            bool *transient)
{
    gfdx_inbound in = pipeline(d);
    gfdx_chain_head chain;
    in.chain = &chain;
    uint64_t t = gfdx_metrics_now_us();
    if (gfdx_pg_run(d->db, "BEGIN", 0, NULL, err, errlen, transient))
        return -1;
    if (lock_chain(d, &chain, err, errlen, transient))
        goto fail;
    gfdx_metrics_phase(GFDX_P_BEGIN, t);
    long long chain_before = chain.rows;
    if (gfdx_batch_apply(&in, d->db, d->msgs + lo, hi - lo, poison, err, errlen, transient))
        goto fail;
    t = gfdx_metrics_now_us();
    if (commit_range(d, lo, hi, &chain, chain_before, err, errlen, transient))
        goto fail;
    gfdx_metrics_phase(GFDX_P_COMMIT, t);
    for (size_t i = lo; i < hi; i++)
        count_outcome(d->msgs[i].outcome);
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

/* Applies batch[lo..hi) until it commits: a transient failure is retried with back-off (serving
 * the consumer meanwhile: a rebalance may void the batch); a permanent one is bisected, each
 * half in its own transaction, down to the one poison record, which is then refused
 * STORE_ERROR, or if even that cannot be stored kept as a dead letter (batch.h), so that the
 * others apply. 0 committed; -1 given up (void, or stopping while PostgreSQL is down: nothing
 * of the rest is stored, nothing lost). */
static int apply_range(daemon_t *d, size_t lo, size_t hi, const gfdx_poison *poison)
{
    char err[1024];
    for (;;) {
        bool transient = false;
        if (d->rebalanced)
            return -1;
        if (ensure_db(d)) {
            if (stop_requested)
                return -1;
            back_off(d);
            continue;
        }
        if (apply_batch_once(d, lo, hi, poison, err, sizeof err, &transient) == 0) {
            d->backoff_ms = 0;
            return 0;
        }
        gfdx_metrics_add(GFDX_M_BATCH_RETRIES, 1);
        if (!transient && !d->rebalanced && (!poison || !poison->dead_letter)) {
            if (hi - lo == 1)
                return apply_range(d, lo, hi, &(gfdx_poison){err, poison != NULL});
            size_t mid = lo + (hi - lo) / 2;
            GFDX_WARN("batch of %zu records failed (%s); bisecting to find the record it fails on", hi - lo, err);
            return apply_range(d, lo, mid, NULL) || apply_range(d, mid, hi, NULL) ? -1 : 0;
        }
        if (transient)
            GFDX_WARN("batch of %zu records rolled back, will retry: %s", hi - lo, err);
        else
            GFDX_ERROR("keeping %s[%d]@%lld as a dead letter failed, will retry: %s", d->raw[lo].topic,
                       (int)d->raw[lo].partition, (long long)d->raw[lo].offset, err);
        if (d->rebalanced)
            return -1;
        back_off(d);
        if (stop_requested && PQstatus(d->db) != CONNECTION_OK)
            return -1;
    }
}

/* Applies the pending batch: admitted once in memory, then applied until it commits or we stop. */
static void apply_batch(daemon_t *d)
{
    int64_t started = gfdx_mono_ms();
    if (d->nbatch && !d->rebalanced) {
        admit_batch(d);
        if (apply_range(d, 0, d->nbatch, NULL) == 0) {
            int64_t ms = gfdx_mono_ms() - started;
            gfdx_metrics_add(GFDX_M_CONSUMED, d->nbatch);
            gfdx_metrics_add(GFDX_M_BATCHES, 1);
            record_latency(ms);
            d->outbox_written = true;
            GFDX_DEBUG("committed batch of %zu records in %lld ms", d->nbatch, (long long)ms);
        }
    }
    if (d->rebalanced)
        void_batch(d); /* its partitions are sought again from the store */
    drop_batch(d);
}

/* The deadline clock of a polled message (service.h): its log-append time when the broker set
 * one, else now. The producer's CreateTime is never trusted. A test that replays a dated
 * scenario sets GFDX_TEST_DEADLINE_CLOCK_MS to fix it (warned at start). */
static gfdx_clock message_clock(const daemon_t *d, const rd_kafka_message_t *m)
{
    if (d->clock_override_ms > 0)
        return (gfdx_clock){d->clock_override_ms, GFDX_CLOCK_RECEIVED};
    rd_kafka_timestamp_type_t type;
    int64_t ts = rd_kafka_message_timestamp(m, &type);
    if (type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME && ts >= 0)
        return (gfdx_clock){ts, GFDX_CLOCK_LOG_APPEND};
    return (gfdx_clock){gfdx_now_ms(), GFDX_CLOCK_RECEIVED};
}

/* Fills the batch: up to batch.max_records, until batch.max_ms passed since the first poll, or
 * as soon as the consumer has no record ready once the batch holds one (group commit: under
 * load the time a batch takes to apply lets the next one fill; a lone record waits for
 * nothing, so latency stays that of one transaction). */
static void collect_batch(daemon_t *d)
{
    int64_t deadline = gfdx_mono_ms() + d->cfg.batch_max_ms;
    while (d->nbatch < (size_t)d->cfg.batch_max_records && !stop_requested) {
        int64_t left = deadline - gfdx_mono_ms();
        if (left <= 0)
            break;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(d->consumer, d->nbatch ? 0 : (int)left);
        drain_log_queue(d->consumer_logq);
        if (d->rebalanced) /* records polled before the rebalance are not ours to apply */
            void_batch(d);
        if (!m && d->nbatch)
            break;
        if (!m)
            continue;
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                GFDX_WARN("consumer: %s", rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            continue;
        }
        if (is_pending(d, rd_kafka_topic_name(m->rkt), m->partition)) {
            rd_kafka_message_destroy(m); /* not positioned from the store yet: fetched again later */
            continue;
        }
        d->batch_clock[d->nbatch] = message_clock(d, m);
        d->batch[d->nbatch++] = m;
    }
}

/* ---- the relay thread ----
 * The outbox relay (outbox.h) on a thread of its own, with its own PostgreSQL connection and
 * producer, so that the consume loop never waits for the broker's acknowledgements or the
 * relay's statements between batches. Every guarantee of outbox.h holds as before: one relay
 * (claims, order per key, the idempotent producer, failed rows set aside, on_delivered in the
 * relay's transaction), used by this thread only. A round is started when the consume thread
 * says a transaction that may have written outbox rows committed (relay_wake), when reports
 * have all arrived, after outbox.flush_timeout_ms of waiting for outstanding reports (a
 * broker outage), or every GFDX_RELAY_IDLE_MS when idle (rows of other instances whose
 * claims lapsed).
 * Outages: PostgreSQL is retried with back-off (ensure_conn), the broker by librdkafka (rows
 * stay in flight or are released and retried in id order). At shutdown (relay_stop) the
 * thread runs a last round for what the last batch wrote, drains (outbox.h), and exits. */

#define GFDX_RELAY_IDLE_MS 200  /* a round at least this often while idle */
#define GFDX_RELAY_AWAIT_MS 50  /* reports are awaited in slices of this, a wake-up between */

static int create_producer(daemon_t *d, char *err, size_t errlen);

/* Called by the consume thread after a commit: the relay starts a round at once. */
static void relay_wake(daemon_t *d)
{
    relay_thread *rt = &d->rt;
    if (!rt->running)
        return;
    pthread_mutex_lock(&rt->mu);
    rt->wake = true;
    pthread_cond_signal(&rt->cv);
    pthread_mutex_unlock(&rt->mu);
}

/* Waits until woken, stopped or ms passed; consumes the wake-up. True when stopping. */
static bool relay_sleep(relay_thread *rt, int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L)
        until.tv_sec++, until.tv_nsec -= 1000000000L;
    pthread_mutex_lock(&rt->mu);
    while (!rt->wake && !rt->stop && pthread_cond_timedwait(&rt->cv, &rt->mu, &until) != ETIMEDOUT)
        ;
    bool stop = rt->stop;
    rt->wake = false;
    pthread_mutex_unlock(&rt->mu);
    return stop;
}

/* Consumes a wake-up without waiting; *stop: the thread is asked to stop. True when woken
 * or stopping. */
static bool relay_woken(relay_thread *rt, bool *stop)
{
    pthread_mutex_lock(&rt->mu);
    bool woken = rt->wake || rt->stop;
    *stop = rt->stop;
    rt->wake = false;
    pthread_mutex_unlock(&rt->mu);
    return woken;
}

/* Drops the relay and its producer after serving what can be served (claims released). */
static void relay_destroy(relay_thread *rt, int drain_ms)
{
    gfdx_relay_drain(rt->relay, rt->db && PQstatus(rt->db) == CONNECTION_OK ? rt->db : NULL, drain_ms);
    drain_log_queue(rt->logq);
    if (rt->logq)
        rd_kafka_queue_destroy(rt->logq);
    if (rt->producer)
        rd_kafka_destroy(rt->producer);
    gfdx_relay_free(rt->relay); /* after the producer: no report can arrive any more */
    rt->producer = NULL;
    rt->logq = NULL;
    rt->relay = NULL;
}

/* An idempotent producer in a fatal state refuses every message for good: its rows are
 * drained (claims released), then it is replaced by a new producer and relay. */
static void renew_producer(daemon_t *d)
{
    char reason[512], err[512];
    if (!d->rt.producer || !rd_kafka_fatal_error(d->rt.producer, reason, sizeof reason))
        return;
    GFDX_ERROR("outbox producer failed fatally (%s): replacing it", reason);
    relay_destroy(&d->rt, 0);
    if (create_producer(d, err, sizeof err))
        GFDX_ERROR("outbox producer: %s (retried next round)", err);
}

/* One round: records the reports that arrived, claims and produces pending rows (never
 * waiting for their reports: relay_pause does). 0 done, -1 failed (retry after a back-off). */
static int relay_round(daemon_t *d)
{
    relay_thread *rt = &d->rt;
    char err[512];
    bool transient;
    if (!rt->relay && create_producer(d, err, sizeof err)) {
        GFDX_WARN("outbox producer: %s", err);
        return -1;
    }
    if (ensure_conn(d, &rt->db, &rt->db_retry_at, &rt->db_backoff_ms, "relay"))
        return -1;
    uint64_t t = gfdx_metrics_now_us();
    int n = gfdx_relay_run(rt->relay, rt->db, false, err, sizeof err, &transient);
    gfdx_metrics_phase(GFDX_P_RELAY, t);
    if (n > 0)
        GFDX_DEBUG("published %d outbox rows", n);
    if (n < 0)
        GFDX_WARN("outbox relay: %s", err);
    drain_log_queue(rt->logq);
    renew_producer(d);
    return n < 0 ? -1 : 0;
}

/* Between rounds: after a failure, a back-off; while messages are in flight, their reports
 * (until all arrived, a wake-up: new rows are claimed while the others fly, or
 * outbox.flush_timeout_ms); else sleep until woken. True when stopping. */
static bool relay_pause(daemon_t *d, int rc)
{
    relay_thread *rt = &d->rt;
    if (rc) {
        rt->backoff_ms = grow_backoff(d, rt->backoff_ms);
        return relay_sleep(rt, rt->backoff_ms);
    }
    rt->backoff_ms = 0;
    bool stop = false;
    int64_t until = gfdx_mono_ms() + d->cfg.outbox_flush_ms;
    if (!gfdx_relay_in_flight(rt->relay))
        return relay_sleep(rt, GFDX_RELAY_IDLE_MS);
    while (gfdx_mono_ms() < until) {
        int left = gfdx_relay_await(rt->relay, GFDX_RELAY_AWAIT_MS);
        if (relay_woken(rt, &stop) || !left)
            return stop; /* the next round records the reports, claims what was written */
    }
    relay_woken(rt, &stop); /* a round now and then while reports are outstanding (an outage) */
    return stop;
}

static void *relay_main(void *arg)
{
    daemon_t *d = arg;
    bool stopping = false;
    while (!stopping)
        stopping = relay_pause(d, relay_round(d));
    relay_round(d); /* what the last batch wrote */
    relay_destroy(&d->rt, 5000); /* every report recorded, the rest purged */
    PQfinish(d->rt.db);
    d->rt.db = NULL;
    gfdx_pg_thread_done(); /* its statement cache: this thread's own */
    return NULL;
}

/* Starts the relay thread (the producer exists already). Signals stay with the consume
 * thread: the new thread blocks them. 0, or -1 with err. */
static int relay_start(daemon_t *d, char *err, size_t errlen)
{
    relay_thread *rt = &d->rt;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int e = pthread_create(&rt->thread, NULL, relay_main, d);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e) {
        snprintf(err, errlen, "relay thread: %s", strerror(e));
        return -1;
    }
    rt->running = true;
    return 0;
}

/* At shutdown, after the last batch committed: the relay finishes and exits. Without a
 * running thread, what a producer was created for is drained here. */
static void relay_stop(daemon_t *d)
{
    relay_thread *rt = &d->rt;
    if (!rt->running) {
        relay_destroy(rt, 0);
        return;
    }
    pthread_mutex_lock(&rt->mu);
    rt->stop = true;
    pthread_cond_signal(&rt->cv);
    pthread_mutex_unlock(&rt->mu);
    pthread_join(rt->thread, NULL);
    rt->running = false;
}

#define GFDX_AUDIT_TOPIC "gfdx.audit"

/* The AuditCheckpoint of the chain head read in the open transaction (the head row locked
 * FOR SHARE: no batch appends meanwhile), NULL when the chain is empty or unchanged since
 * the last checkpoint; -1 on a database error (err). */
static int checkpoint_record(daemon_t *d, json_t **out, long long *rows, char *err, size_t errlen, bool *tr)
{
    static const char sql[] =
        "SELECT c.row_count, encode(c.head_hash, 'hex'), m.topic, m.partition, m.\"offset\""
        " FROM message_log_chain c JOIN message_log m ON m.chain_seq = c.row_count FOR SHARE OF c";
    PGresult *r = gfdx_pg_exec(d->db, sql, 0, NULL, err, errlen, tr);
    *out = NULL;
    if (!r)
        return -1;
    *rows = PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    if (*rows > 0 && *rows != d->checkpoint_rows)
        *out = json_pack("{s:s, s:s, s:I, s:s, s:s, s:i, s:I, s:I}", "service", d->cfg.service, "log_schema",
                         d->svc->schema, "row_count", (json_int_t)*rows, "head_hash", PQgetvalue(r, 0, 1),
                         "source_topic", PQgetvalue(r, 0, 2), "source_partition", atoi(PQgetvalue(r, 0, 3)),
                         "source_offset", (json_int_t)strtoll(PQgetvalue(r, 0, 4), NULL, 10), "taken_at",
                         (json_int_t)gfdx_now_ms());
    PQclear(r);
    return 0;
}

/* Every audit.checkpoint_interval_s: the chain head goes to gfdx.audit through the outbox
 * (signed like every emitted record), key = the schema. A failure is retried next interval. */
static void publish_checkpoint(daemon_t *d)
{
    char err[512];
    bool tr = false;
    json_t *rec = NULL;
    long long rows = 0;
    if (!d->cfg.checkpoint_interval_s || gfdx_mono_ms() - d->checkpoint_at < d->cfg.checkpoint_interval_s * 1000LL)
        return;
    d->checkpoint_at = gfdx_mono_ms();
    if (ensure_db(d) || gfdx_pg_run(d->db, "BEGIN", 0, NULL, err, sizeof err, &tr))
        return;
    int rc = checkpoint_record(d, &rec, &rows, err, sizeof err, &tr);
    if (rc == 0 && rec)
        rc = gfdx_outbox_insert(d->db, d->catalog, "AuditCheckpoint", GFDX_AUDIT_TOPIC, d->svc->schema,
                                rec, d->cfg.participant, NULL, d->max_message_bytes, err,
                                sizeof err, &tr) == GFDX_OUTBOX_OK ? 0 : -1;
    if (rc == 0)
        rc = gfdx_pg_run(d->db, "COMMIT", 0, NULL, err, sizeof err, &tr);
    if (rc == 0 && rec) {
        d->checkpoint_rows = rows;
        d->outbox_written = true;
        GFDX_INFO("audit checkpoint: %s.message_log at %lld rows", d->svc->schema, rows);
    } else if (rc) {
        GFDX_WARN("audit checkpoint not written (next in %d s): %s", d->cfg.checkpoint_interval_s, err);
        if (PQstatus(d->db) == CONNECTION_OK)
            PQclear(PQexec(d->db, "ROLLBACK"));
    }
    json_decref(rec);
}

/* Every watch.interval_s: one round of the service's watch (watch.h), in its own transaction.
 * A failed round is logged and tried again at the next interval (the watch's duties are
 * idempotent: nothing is lost by waiting). */
static void run_watch(daemon_t *d)
{
    if (!d->svc->watch || gfdx_mono_ms() < d->watch_at)
        return;
    d->watch_at = gfdx_mono_ms() + d->cfg.watch_interval_s * 1000LL;
    if (ensure_db(d))
        return;
    gfdx_inbound in = pipeline(d);
    char err[512];
    bool transient = false;
    size_t emitted = 0;
    int64_t now = d->watch_clock_ms ? d->watch_clock_ms : gfdx_now_ms();
    gfdx_watch_result r = gfdx_watch_run(&in, d->db, now, &emitted, err, sizeof err, &transient);
    if (r == GFDX_WATCH_FAILED)
        GFDX_WARN("watch round failed (%s; next in %d s): %s", transient ? "transient" : "permanent",
                  d->cfg.watch_interval_s, err);
    else if (r == GFDX_WATCH_DONE && emitted) {
        GFDX_INFO("watch: %zu records due by the clock staged for the outbox", emitted);
        d->outbox_written = true;
    }
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
        if (d->resubscribe)
            rejoin_group(d);
        load_pending(d);
        uint64_t t = gfdx_metrics_now_us();
        collect_batch(d);
        gfdx_metrics_phase(GFDX_P_COLLECT, t);
        apply_batch(d); /* on SIGTERM the batch in hand is still applied and committed */
        publish_checkpoint(d);
        run_watch(d);
        if (d->outbox_written)
            relay_wake(d); /* the relay thread publishes what was committed */
        d->outbox_written = false;
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
    relay_thread *rt = &d->rt;
    rt->producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rt->producer) {
        snprintf(err, errlen, "producer: %s", errstr);
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    rt->logq = rd_kafka_queue_new(rt->producer);
    rd_kafka_set_log_queue(rt->producer, rt->logq);
    rt->relay = gfdx_relay_new(rt->producer, d->qschema, d->cfg.outbox_max_rows, d->cfg.outbox_flush_ms,
                              d->svc->on_delivered,
                              d->svc->ctx);
    if (rt->relay)
        return 0;
    snprintf(err, errlen, "outbox relay: out of memory");
    rd_kafka_queue_destroy(rt->logq);
    rd_kafka_destroy(rt->producer); /* nothing produced yet: no report outstanding */
    rt->producer = NULL;
    rt->logq = NULL;
    return -1;
}

/* A property the file's kafka list did not set (the file wins). */
static void consumer_default(const daemon_t *d, rd_kafka_conf_t *conf, const char *key, const char *value)
{
    for (size_t i = 0; i < d->cfg.kafka.count; i++)
        if (!strcmp(d->cfg.kafka.items[i].key, key))
            return;
    char errstr[512];
    if (rd_kafka_conf_set(conf, key, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
        GFDX_WARN("%s: %s", key, errstr);
}

/* Prefetch: two batches ahead keep the next batch ready while one is applied; more only
 * costs memory (librdkafka's defaults hold up to 100,000 messages or 64 MB per consumer). */
static void consumer_prefetch(const daemon_t *d, rd_kafka_conf_t *conf)
{
    char min[24];
    snprintf(min, sizeof min, "%d", 2 * d->cfg.batch_max_records);
    consumer_default(d, conf, "queued.min.messages", min);
    consumer_default(d, conf, "queued.max.messages.kbytes", "16384");
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
    consumer_prefetch(d, conf);
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
    return subscribe_topics(d, err, errlen);
}

/* security.signing_key: loaded (refused if readable by others, sign.h) and handed to the
 * outbox. Its kid should be a current key of service.participant, else the next daemon
 * refuses what we emit: said at start. Without one, emitted records go unsigned (warned). */
static int load_signing_key(daemon_t *d, char *err, size_t errlen)
{
    char kerr[256];
    const gfdx_participant *owner = NULL;
    if (!d->cfg.signing_key || !*d->cfg.signing_key) {
        GFDX_WARN("security.signing_key is not set: what %s emits is unsigned and will be refused"
                  " UNSIGNED wherever signatures are required", d->cfg.service);
        return 0;
    }
    if (!(d->signing_key = gfdx_sign_key_load(d->cfg.signing_key, kerr, sizeof kerr))) {
        snprintf(err, errlen, "security.signing_key: %s", kerr);
        return -1;
    }
    const char *kid = gfdx_sign_key_kid(d->signing_key);
    if (!*kid) {
        snprintf(err, errlen, "security.signing_key %s has no \"gfdx-kid:\" line (write it with gfdx keys generate)",
                 d->cfg.signing_key);
        return -1;
    }
    if (!gfdx_registry_find_key(d->registry, kid, &owner) || strcmp(owner->id, d->cfg.participant))
        GFDX_WARN("security.signing_key: kid \"%s\" is not a key of %s in %s: receivers will refuse what we emit",
                  kid, d->cfg.participant, d->cfg.participants_file);
    gfdx_outbox_set_signer(d->signing_key);
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
    return load_signing_key(d, err, errlen);
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
    relay_stop(d); /* its last round, then every report recorded, the rest purged */
    if (d->consumer_logq)
        rd_kafka_queue_destroy(d->consumer_logq);
    if (d->consumer)
        rd_kafka_destroy(d->consumer);
    if (d->pending) /* after the consumer: its last revoke callback uses them */
        rd_kafka_topic_partition_list_destroy(d->pending);
    if (d->sought)
        rd_kafka_topic_partition_list_destroy(d->sought);
    gfdx_outbox_set_signer(NULL);
    gfdx_sign_key_free(d->signing_key);
    PQfinish(d->db);
    gfdx_registry_free(d->registry);
    gfdx_calendar_free(d->calendar);
    gfdx_catalog_free(d->catalog);
    free(d->batch);
    free(d->batch_clock);
    free(d->raw);
    free(d->msgs);
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

/* GFDX_TEST_DEADLINE_CLOCK_MS=<Unix ms>: every record's deadline clock is that instant, on any
 * broker. For tests replaying a dated scenario only; a daemon running with it says so. */
/* A test clock from the environment variable `name` (a positive Unix time in ms), announced
 * with `what`; 0 when unset or malformed (warned). */
static int64_t test_clock(const char *name, const char *what)
{
    const char *v = getenv(name);
    char *end = NULL;
    long long ms = v && *v ? strtoll(v, &end, 10) : 0;
    if (v && *v && (*end || ms <= 0)) {
        GFDX_WARN("%s is not a positive Unix time in ms: ignored", name);
        return 0;
    }
    if (ms > 0)
        GFDX_WARN("%s set: %s is %lld (tests only)", name, what, ms);
    return ms;
}

static void read_clock_override(daemon_t *d)
{
    d->clock_override_ms = test_clock("GFDX_TEST_DEADLINE_CLOCK_MS", "every record's deadline clock");
    d->watch_clock_ms = test_clock("GFDX_TEST_WATCH_CLOCK_MS", "the watch's clock");
}

static int start(daemon_t *d, char *err, size_t errlen)
{
    if (gfdx_metrics_start(d->cfg.service, d->cfg.metrics_address, d->cfg.metrics_port, err, errlen))
        return -1;
    if (!(d->batch = calloc((size_t)d->cfg.batch_max_records, sizeof *d->batch)) ||
        !(d->batch_clock = calloc((size_t)d->cfg.batch_max_records, sizeof *d->batch_clock)) ||
        !(d->raw = calloc((size_t)d->cfg.batch_max_records, sizeof *d->raw)) ||
        !(d->msgs = calloc((size_t)d->cfg.batch_max_records, sizeof *d->msgs)))
        return -1;
    read_clock_override(d);
    char host[128] = "unknown";
    gethostname(host, sizeof host - 1);
    snprintf(d->instance, sizeof d->instance, "%s:%d", host, (int)getpid());
    if (!(d->pending = rd_kafka_topic_partition_list_new(8)) || !(d->sought = rd_kafka_topic_partition_list_new(8)))
        return -1;
    if (wait_db(d))
        return 0; /* stopped while waiting */
    if (gfdx_pg_ident(d->db, d->svc->schema, d->qschema, sizeof d->qschema))
        return -1;
    for (;;) {
        int n = gfdx_pg_migrate(d->db, d->cfg.migrations_dir, d->svc->schema, err, errlen);
        if (n >= 0)
            break;
        if (PQstatus(d->db) == CONNECTION_OK)
            return -1; /* a broken migration is not transient */
        if (wait_db(d))
            return 0;
    }
    if (create_producer(d, err, errlen))
        return -1;
    d->max_message_bytes = gfdx_outbox_max_message_bytes(d->rt.producer); /* the same for every producer */
    return relay_start(d, err, errlen) || create_consumer(d, err, errlen) ? -1 : 0;
}

int gfdx_daemon_main(int argc, char **argv, const gfdx_service *svc)
{
    const char *path = NULL;
    bool check = false;
    int rc = parse_args(argc, argv, &path, &check);
    if (rc >= 0)
        return rc;
    daemon_t d = {.svc = svc, .rt = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER}};
    char err[1024] = "";
    bool ok = gfdx_config_load_daemon(path, &d.cfg, err, sizeof err) == 0;
    gfdx_log_level level = GFDX_LOG_INFO;
    if (ok && gfdx_log_level_parse(d.cfg.log_level, &level)) {
        snprintf(err, sizeof err, "service.log_level: \"%s\" is not debug|info|warn|error", d.cfg.log_level);
        ok = false;
    }
    gfdx_log_init(ok ? d.cfg.service : svc->name, level);
    ok = ok && load_reference(&d, err, sizeof err) == 0;
    ok = ok && gfdx_inbound_check_topics(svc, d.cfg.topics.items, d.cfg.topics.count, err, sizeof err) == 0;
    ok = ok && (!svc->configure || svc->configure(svc->ctx, path, check ? stdout : NULL, err, sizeof err) == 0);
    ok = ok && gfdx_config_check_complete(err, sizeof err) == 0; /* a group no table claimed */
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
