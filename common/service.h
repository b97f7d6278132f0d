/* service.h: what a gfdx daemon supplies to the shared consumer machinery, and what its
 * record handlers get.
 *
 * THE BATCH PIPELINE (issue 11; the decide API below). Per batch the machinery (batch.c)
 * decodes, authenticates and admits every record in memory, then calls the service's load
 * hook once with the admitted records: the hook queues (gfdx_rowset_want) every row the
 * decisions will read, and the machinery loads them with one statement per (table, column).
 * Then, for each record in offset order, the handler's decide function runs: a pure function
 * of (rows, record, context) that answers a verdict and stages its effects in the rowset
 * (gfdx_rows_put / gfdx_rows_append / gfdx_rows_delete, records to emit with
 * gfdx_decide_emit). Later records of the same entity see the earlier ones' effects; a refusal
 * (gfdx_decide_refuse) discards that record's effects (in-memory undo, no savepoints). At the
 * end one statement per table writes everything (rowset.h), with the bookkeeping, offsets
 * and COMMIT. A decide function never touches PostgreSQL, never logs-and-drops, never exits.
 *   GFDX_DECIDE_OK       effects kept: receipt ACCEPTED;
 *   GFDX_DECIDE_REFUSED  via gfdx_decide_refuse(): effects discarded, rejection row and a
 *                        REFUSED receipt with the reason code;
 *   GFDX_DECIDE_FAILED   via gfdx_fault_decide() (fault.h): out of memory is transient (the
 *                        whole batch is retried); stored data that cannot be read is permanent
 *                        (the record is refused STORE_ERROR).
 *
 * A service is a table of handlers, one per record type it consumes, each bound to the topic
 * that carries it and naming the field that holds its entity id; before a decision the
 * machinery (inbound.h, batch.h) has decoded and authenticated the record, applied the limits
 * (record_limits.h), refused a type on another topic (WRONG_TOPIC) or from an unregistered
 * sender, recognised duplicates and checked the Kafka key against the entity id
 * (KEY_MISMATCH). */
#ifndef GFDX_SERVICE_H
#define GFDX_SERVICE_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "avro_catalog.h"
#include "calendar.h"
#include "participants.h"
#include "rowset.h"

/* The deadline clock (DESIGN §8): when the exchange took a record in. A rule that depends on
 * the date a record arrived (the quarter of a NeedRecommended) uses this, never
 * meta.occurred_at, which the sender chose. Its source, in order:
 *   - the broker's log-append time (rd_kafka_message_timestamp() with
 *     RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME: input topics are created with
 *     message.timestamp.type=LogAppendTime by gfdx kafka apply);
 *   - else (the dev broker, a CreateTime topic, no timestamp) the time the daemon polled it.
 * A CreateTime timestamp is the producer's to choose and is never used. */
typedef enum { GFDX_CLOCK_RECEIVED = 0, GFDX_CLOCK_LOG_APPEND = 1 } gfdx_clock_source;

typedef struct {
    int64_t ms;                /* Unix ms */
    gfdx_clock_source source;
} gfdx_clock;

/* One consumed record, decoded. Valid for the duration of the handler call. */
typedef struct {
    const char *topic;
    int32_t partition;
    int64_t offset;
    const char *key;          /* entity id (NUL-terminated copy of the Kafka key), may be "" */
    const void *value;
    size_t value_len;
    json_t *body;             /* the record shaped by the reader schema (borrowed) */
    const char *type;         /* short record type, e.g. "NeedSubmitted" */
    int writer_version;       /* schema version the sender wrote */
    const char *event_id;     /* meta.event_id */
    const char *sender_id;    /* meta.sender */
    int64_t occurred_at;      /* meta.occurred_at, Unix ms: the sender's claim, for display */
    gfdx_clock clock;         /* when the exchange took it in: deadlines use this */
} gfdx_record;

/* ---- the decide API ---- */

typedef enum { GFDX_DECIDE_FAILED = -1, GFDX_DECIDE_OK = 0, GFDX_DECIDE_REFUSED = 1 } gfdx_verdict;

/* What a decision may read besides the rows and the record: the same for the whole batch. */
typedef struct {
    const gfdx_registry *registry;
    const gfdx_calendar *calendar;
    const gfdx_catalog *catalog;
    const char *service_participant; /* our own participant id: sender of what we emit */
    void *service_ctx;               /* the service's settings (gfdx_service.ctx) */
    size_t max_message_bytes;        /* the producer's message.max.bytes: emitted records stay under */
    int64_t now_ms;                  /* the batch's wall clock (Unix ms): updated_at and the like */
    const char *receipts_prefix;     /* topics.receipts_prefix: a participant's own topic is <prefix><id> */
} gfdx_context;

/* One record's decision. rows is the batch's rowset (rowset.h): read with gfdx_rows_get /
 * gfdx_rows_find, change with gfdx_rows_put / _append / _delete. */
typedef struct {
    const gfdx_record *rec;
    const gfdx_participant *sender;  /* the authenticated, registered sender */
    const gfdx_context *ctx;
    gfdx_rowset *rows;
    /* the verdict, set through gfdx_decide_refuse / gfdx_fault_decide */
    char reason_code[48];
    char reason[512];
    bool transient;
} gfdx_decision;

typedef gfdx_verdict (*gfdx_decide_fn)(gfdx_decision *d);

/* Sets the refusal (reason code, printf-style reason); returns GFDX_DECIDE_REFUSED. */
gfdx_verdict gfdx_decide_refuse(gfdx_decision *d, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Stages a record of `type` (latest schema version) for `topic` with `key`: meta is filled
 * in (fresh event_id, our participant as sender, now, correlation_id = the decided record's
 * event_id), it is encoded and signed now and becomes an outbox row of this record's effects
 * (so a later refusal discards it). Takes no ownership of record. GFDX_DECIDE_OK;
 * GFDX_DECIDE_REFUSED RECORD_TOO_LARGE when key and value would not fit max_message_bytes;
 * GFDX_DECIDE_FAILED when it cannot be encoded (permanent) or memory ran out (transient). */
gfdx_verdict gfdx_decide_emit(gfdx_decision *d, const char *topic, const char *key, const char *type,
                              json_t *record);

/* Queues the rows the decisions on recs[0..n) will read (gfdx_rowset_want), once per batch,
 * before any decision. 0, or -1 when out of memory. */
typedef int (*gfdx_load_fn)(void *service_ctx, gfdx_rowset *rs, const gfdx_record *const *recs, size_t n);

/* An outbox row the relay has just recorded as delivered to Kafka. */
typedef struct {
    const char *record_type, *key, *event_id;
} gfdx_delivery;

/* Called in the relay's transaction once per set of delivery reports (e.g. intake moves the
 * needs whose NeedPushed is on the topic from RECOMMENDED to PUSHED through its state
 * machine): loads, decides and writes with a rowset like a batch. 0, or -1 with err and
 * *transient (the reports are recorded again later). */
typedef int (*gfdx_delivered_fn)(void *service_ctx, PGconn *db, const gfdx_delivery *rows, size_t n, char *err,
                                 size_t errlen, bool *transient);

/* ---- the watch: what the clock decides (issue 12) ----
 * Some duties fall due when nothing arrives: a need still without a bank after N working days,
 * a dispatch without feedback, an obstacle left open, a list entry without a half-year report.
 * Every watch.interval_s seconds (daemon config) the daemon runs the service's watch hook in a
 * transaction of its own that holds a transaction-level advisory lock of the service's schema,
 * so one instance of N runs it at a time (the others skip that round). The hook:
 *   1. finds the candidates with its store module's own parameterised statement
 *      (gfdx_watch.db; e.g. "dispatches older than the limit with no alert raised"),
 *   2. queues and loads their rows (gfdx_rowset_want / gfdx_rowset_load on w->rows),
 *   3. decides, as a pure function of (rows, w->ctx): it stages the rows that record what it did
 *      (the alert row that makes a second run a no-op) and the records it owes other agencies
 *      (gfdx_watch_emit: signed, in the outbox, so they are published exactly like a batch's).
 * Then the machinery signs what was staged, writes the rowset (the service's tables in write
 * order, then the outbox) and commits. Being idempotent is the hook's duty: a round that runs
 * again (after a crash before COMMIT, or on another instance later) must find nothing new to
 * do for what is already recorded. The clock is ctx->now_ms (GFDX_TEST_WATCH_CLOCK_MS, Unix ms,
 * replaces it in tests so that "ten working days later" can be run now); ages are counted with
 * gfdx_calendar_working_days_between (calendar.h). */
typedef struct {
    const gfdx_context *ctx;  /* registry, calendar, settings, now_ms */
    gfdx_rowset *rows;        /* staged effects; written after the hook returns 0 */
    PGconn *db;               /* in the watch's transaction: candidate look-ups and gfdx_rowset_load only */
    char *err;
    size_t errlen;
    bool *transient;          /* set with -1: the round is retried after a back-off */
    size_t emitted;           /* records staged by gfdx_watch_emit (for the log line) */
} gfdx_watch;

/* 0 (effects staged, possibly none), or -1 with w->err and *w->transient. A permanent failure
 * rolls the round back and is logged; the next round tries again. */
typedef int (*gfdx_watch_fn)(void *service_ctx, gfdx_watch *w);

/* Stages a record like gfdx_decide_emit, with no correlation id (nothing was decided on a
 * record). 0; -1 with w->err (RECORD_TOO_LARGE, or the record cannot be encoded: permanent;
 * out of memory: transient). */
int gfdx_watch_emit(gfdx_watch *w, const char *topic, const char *key, const char *type, json_t *record);

typedef struct {
    const char *record_type;  /* short name */
    const char *topic;        /* the one consumed topic that carries this type (else WRONG_TOPIC) */
    const char *entity_field; /* path of the entity id the Kafka key must equal ("need_id") */
    gfdx_decide_fn decide;
} gfdx_handler;

typedef struct {
    const char *name;         /* "intake": default service name, log prefix */
    const char *schema;       /* PostgreSQL schema owned by the service */
    const gfdx_handler *handlers;
    size_t handler_count;
    const gfdx_table *const *tables; /* the service's tables (rowset.h), in write order */
    size_t table_count;
    gfdx_load_fn load;               /* may be NULL: the decisions read nothing stored */
    gfdx_delivered_fn on_delivered;  /* may be NULL */
    gfdx_watch_fn watch;             /* may be NULL: nothing falls due by the clock */
    /* Loads the service's own settings from the daemon's config file (e.g. with
     * gfdx_config_load_rows and a table of rows); when print_to is non-NULL (--check-config)
     * also prints them there. 0 ok, -1 with err. May be NULL. */
    int (*configure)(void *ctx, const char *config_path, FILE *print_to, char *err, size_t errlen);
    void *ctx;                /* service state handed to handlers as service_ctx */
} gfdx_service;

/* Field helpers over the decoded body: dotted paths ("factory.uscc"). NULL / 0 if absent. */
const char *gfdx_rec_str(const json_t *body, const char *path);
long long gfdx_rec_int(const json_t *body, const char *path);
double gfdx_rec_real(const json_t *body, const char *path);
bool gfdx_rec_bool(const json_t *body, const char *path);
json_t *gfdx_rec_get(const json_t *body, const char *path);

#endif
