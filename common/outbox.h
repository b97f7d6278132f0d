/* outbox.h: records for other agencies, written in the state transaction and published
 * afterwards (DESIGN §8 "Outbox").
 *
 * gfdx_outbox_insert encodes a record (single-object Avro, latest schema version of its
 * type) and inserts it into <schema>.outbox in the caller's transaction. The relay selects
 * unpublished rows (FOR UPDATE SKIP LOCKED, so N instances share the work), produces them
 * in id order with librdkafka's idempotent producer (acks=all), waits for the delivery
 * reports, and marks the delivered rows published in the same transaction. A crash between
 * delivery and the mark publishes a row twice: consumers deduplicate by meta.event_id.
 *
 * Order: records of one key (one need) reach the topic in the order they were written
 * (NeedPushed before NeedPushWithdrawn): rows are produced in numeric id order (ORDER BY
 * outbox.id: the id is also selected as text, and an ORDER BY on that text column once put
 * "14" before "3"), and a row that cannot be produced stops the round, the rest waiting
 * behind it. The idempotent producer keeps that order per partition on retries. */
#ifndef GFDX_OUTBOX_H
#define GFDX_OUTBOX_H

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "avro_catalog.h"
#include "service.h"

/* What gfdx_outbox_insert answers. */
typedef enum { GFDX_OUTBOX_OK = 0, GFDX_OUTBOX_ERROR = -1, GFDX_OUTBOX_TOO_LARGE = -2 } gfdx_outbox_status;

/* Room a produced message needs besides its key and value: the record's own framing in a v2
 * batch and the gfdx-kid / gfdx-sig headers (DESIGN §4), counted against message.max.bytes. */
#define GFDX_OUTBOX_OVERHEAD_BYTES 512

/* Fills record.meta (event_id fresh unless present, sender, occurred_at now, correlation_id),
 * encodes with the latest version of `type` and inserts the row. GFDX_OUTBOX_OK;
 * GFDX_OUTBOX_TOO_LARGE (nothing inserted, err says how large) when key + value +
 * GFDX_OUTBOX_OVERHEAD_BYTES exceeds max_bytes (0: no limit), because the producer could never
 * send it; GFDX_OUTBOX_ERROR with err (and *transient for database failures; encoding failures
 * are permanent). */
gfdx_outbox_status gfdx_outbox_insert(PGconn *db, const char *qschema, const gfdx_catalog *cat, const char *type,
                                      const char *topic, const char *key, json_t *record, const char *sender,
                                      const char *correlation_id, size_t max_bytes, char *err, size_t errlen,
                                      bool *transient) __attribute__((warn_unused_result));

/* The producer's effective message.max.bytes (librdkafka's default 1000000 when unset). */
size_t gfdx_outbox_max_message_bytes(rd_kafka_t *producer);

typedef struct gfdx_relay gfdx_relay;

/* producer: an idempotent producer whose dr_msg_cb is gfdx_relay_dr_cb (the relay owns
 * nothing: caller keeps the producer and the connection). */
gfdx_relay *gfdx_relay_new(rd_kafka_t *producer, const char *qschema, int max_rows, int flush_ms,
                           gfdx_published_fn on_published, void *service_ctx);
void gfdx_relay_free(gfdx_relay *r);

/* The delivery-report callback to install on the producer's conf. */
void gfdx_relay_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque);

/* Publishes up to max_rows pending rows. Returns the number marked published (0 when none
 * pending or Kafka did not confirm in time: they stay pending), or -1 on a database error
 * (err, *transient). */
int gfdx_relay_run(gfdx_relay *r, PGconn *db, char *err, size_t errlen, bool *transient);

/* Total rows published by this relay since start (metrics). */
unsigned long long gfdx_relay_published_total(const gfdx_relay *r);

#endif
