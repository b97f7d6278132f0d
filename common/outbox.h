/* outbox.h: records for other agencies, written in the state transaction and published
 * afterwards (DESIGN §8 "Outbox").
 *
 * gfdx_outbox_insert encodes a record (single-object Avro, latest schema version of its
 * type) and inserts it into <schema>.outbox in the caller's transaction.
 *
 * The relay (gfdx_relay_*) publishes pending rows with librdkafka (acks=all, idempotent by
 * default). Contract:
 *  - Claim. A round claims up to max_rows minus the rows it still has in flight, in numeric
 *    id order, in a short transaction: claimed_by = this relay's instance id, claimed_until
 *    = now + lease (message.timeout.ms + 60 s, so librdkafka reports every message before
 *    the claim lapses), claimed_session = the claiming PostgreSQL session. A claim holds
 *    while its lease runs and its session lives (a killed instance's claims end with its
 *    connection). Claimed rows are skipped by every instance, and this one also skips the
 *    ids it has in flight (its claims look dead after it reconnected), so a row in flight
 *    is never produced a second time while its report is outstanding.
 *  - Order per key. Rows of one (topic, key) reach the topic in id order: a row is claimed
 *    only if no earlier pending row of its key is claimed by another instance; claim
 *    statements of N instances are serialised by an advisory transaction lock (FOR UPDATE
 *    SKIP LOCKED keeps a claim from waiting on a row another transaction is marking). Within
 *    one instance librdkafka keeps the produce order per partition (idempotence, or one
 *    request in flight).
 *  - Delivery envelope. Each message carries its own envelope (row id, event id, record
 *    type, key), owned by librdkafka from rd_kafka_producev until its delivery report; the
 *    report hands it back to the relay, which records the outcome of that row on the next
 *    gfdx_relay_run or gfdx_relay_drain (published_at = now() and the service's
 *    on_delivered hook, in one transaction per set of reports), not at the end of a round.
 *    Nothing a report touches is freed before it arrives.
 *  - Errors, classified in one place (gfdx_relay_classify). Permanent (message too large,
 *    topic unknown to the cluster, invalid record or argument, topic not authorised): the
 *    row is set aside (failed_at, failure), logged at error and counted
 *    (gfdx_outbox_failed_total, gauge gfdx_outbox_failed); the rows behind it go on.
 *    Transient (queue full, broker down, timeouts, purge, a fatal idempotent-producer
 *    state): the row keeps its claim, nothing new is claimed until every message in flight
 *    has reported, then the claims are released and the next round starts again from the
 *    lowest pending id: the rest waits. Only librdkafka failing a message after later
 *    messages of its key were delivered (a message.timeout.ms expiry) can reorder a key.
 *  - A crash after delivery and before the mark publishes that row again once its claim
 *    lapses: consumers deduplicate by meta.event_id.
 *  - Threads: a relay, its producer and its PostgreSQL connection belong to one thread (the
 *    daemon's relay thread, daemon.c, never the consume thread); the producer's delivery
 *    reports are served only by gfdx_relay_run, gfdx_relay_await and gfdx_relay_drain
 *    (rd_kafka_poll/flush on that thread); nothing else may poll the producer. */
#ifndef GFDX_OUTBOX_H
#define GFDX_OUTBOX_H

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "avro_catalog.h"
#include "rowset.h"
#include "service.h"

/* What gfdx_outbox_insert answers. */
typedef enum { GFDX_OUTBOX_OK = 0, GFDX_OUTBOX_ERROR = -1, GFDX_OUTBOX_TOO_LARGE = -2 } gfdx_outbox_status;

/* Room a produced message needs besides its key and value: the record's own framing in a v2
 * batch and the gfdx-kid / gfdx-sig headers (DESIGN §4), counted against message.max.bytes. */
#define GFDX_OUTBOX_OVERHEAD_BYTES 512

/* The outbox table (rowset.h): an emitted record is a HISTORY row of it, written with the
 * batch's other rows. */
extern const gfdx_table gfdx_outbox_table;

/* Fills record.meta (event_id fresh unless present, sender, occurred_at now, correlation_id),
 * encodes with the latest version of `type` and appends the row to rs, to be signed by
 * gfdx_outbox_sign_staged and written by gfdx_rowset_write with the batch. GFDX_OUTBOX_OK;
 * GFDX_OUTBOX_TOO_LARGE (nothing staged, err says how large) when key + value +
 * GFDX_OUTBOX_OVERHEAD_BYTES exceeds max_bytes (0: no limit), because the producer could never
 * send it; GFDX_OUTBOX_ERROR with err (*transient when out of memory; encoding failures are
 * permanent). */
gfdx_outbox_status gfdx_outbox_stage(gfdx_rowset *rs, const gfdx_catalog *cat, const char *type, const char *topic,
                                     const char *key, json_t *record, const char *sender, const char *correlation_id,
                                     size_t max_bytes, char *err, size_t errlen, bool *transient)
    __attribute__((warn_unused_result));

/* Signs every staged outbox row of rs not signed yet (gfdx_outbox_set_signer's key; nothing
 * when there is none), spread over `threads` threads (parallel.h): signing is most of what a
 * batch's emitted records cost. 0, or -1 with err (the key failed: permanent). */
int gfdx_outbox_sign_staged(gfdx_rowset *rs, int threads, char *err, size_t errlen) __attribute__((warn_unused_result));

/* The same, written at once in the caller's transaction (outside a batch: the audit
 * checkpoint). Database failures as rowset.h. */
gfdx_outbox_status gfdx_outbox_insert(PGconn *db, const gfdx_catalog *cat, const char *type, const char *topic,
                                      const char *key, json_t *record, const char *sender,
                                      const char *correlation_id, size_t max_bytes, char *err, size_t errlen,
                                      bool *transient) __attribute__((warn_unused_result));

/* Every row gfdx_outbox_insert writes from now on is signed with key (DESIGN §4: the
 * emitting service's own participant key), over the exact key and value the relay will
 * produce; the kid (gfdx_sign_key_kid) and signature go into outbox.sig_kid / sig and the
 * relay sends them as the gfdx-kid / gfdx-sig headers. One key per process, set at start
 * (daemon.c) before any insert; borrowed: it must outlive every insert. NULL: rows unsigned. */
struct gfdx_sign_key;
void gfdx_outbox_set_signer(struct gfdx_sign_key *key);

/* The producer's effective message.max.bytes (librdkafka's default 1000000 when unset). */
size_t gfdx_outbox_max_message_bytes(rd_kafka_t *producer);

typedef struct gfdx_relay gfdx_relay;

/* producer: a producer whose dr_msg_cb is gfdx_relay_dr_cb, used by this relay only. The
 * relay borrows the producer: the caller destroys it, after gfdx_relay_drain and before
 * gfdx_relay_free. NULL when out of memory. */
gfdx_relay *gfdx_relay_new(rd_kafka_t *producer, const char *qschema, int max_rows, int flush_ms,
                           gfdx_delivered_fn on_delivered, void *service_ctx);

/* Frees the relay and every envelope it still holds. Call it only after the producer is
 * destroyed (no report can arrive afterwards). Accepts NULL. */
void gfdx_relay_free(gfdx_relay *r);

/* The delivery-report callback to install on the producer's conf. */
void gfdx_relay_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque);

/* What a producer error means for a row (the one classifier of librdkafka errors). */
typedef enum {
    GFDX_RELAY_OK,        /* no error */
    GFDX_RELAY_TRANSIENT, /* retry later, in order: the rest waits */
    GFDX_RELAY_PERMANENT, /* this row can never be produced as it is: set it aside */
    GFDX_RELAY_FATAL      /* the producer itself is unusable (idempotence): retry on a new one */
} gfdx_relay_class;

gfdx_relay_class gfdx_relay_classify(rd_kafka_resp_err_t err);

/* One round: records the reports that arrived, claims and produces pending rows, and with
 * `wait` waits up to flush_ms for their reports and records them; without it the reports are
 * recorded by a later round (the daemon's relay thread awaits them with gfdx_relay_await,
 * waking up for rows committed meanwhile). Returns the number of rows recorded
 * published, or -1 on a database error (err, *transient; the reports are kept and recorded
 * on a later call). Updates the gauges gfdx_outbox_pending and gfdx_outbox_failed. */
int gfdx_relay_run(gfdx_relay *r, PGconn *db, bool wait, char *err, size_t errlen, bool *transient);

/* Messages handed to librdkafka whose delivery report has not been served yet (0 for NULL). */
int gfdx_relay_in_flight(const gfdx_relay *r);

/* Serves delivery reports for up to timeout_ms, returning as soon as none is in flight (the
 * reports are recorded by the next gfdx_relay_run). Returns the number still in flight. */
int gfdx_relay_await(gfdx_relay *r, int timeout_ms);

/* At shutdown: waits up to timeout_ms for the reports in flight, purges what is left (its
 * claims are released so another instance takes the rows at once) and records every
 * outcome. db may be NULL (PostgreSQL down: claims lapse by themselves). Returns the number
 * of rows recorded published. */
int gfdx_relay_drain(gfdx_relay *r, PGconn *db, int timeout_ms);

#endif
