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

/* Fills record.meta (event_id fresh unless present, sender, occurred_at now, correlation_id),
 * encodes with the latest version of `type` and inserts the row. Returns 0, or -1 with err
 * (and *transient for database failures; encoding failures are permanent). */
int gfdx_outbox_insert(PGconn *db, const char *qschema, const gfdx_catalog *cat, const char *type,
                       const char *topic, const char *key, json_t *record, const char *sender,
                       const char *correlation_id, char *err, size_t errlen, bool *transient)
    __attribute__((warn_unused_result));

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
 * (err, *transient). Rows whose delivery reports are late (the broker away longer than
 * flush_ms) stay pending, and no new row is produced until librdkafka has reported every one
 * of them; such a row, if delivered late, is produced again (at least once). */
int gfdx_relay_run(gfdx_relay *r, PGconn *db, char *err, size_t errlen, bool *transient);

/* Total rows published by this relay since start (metrics). */
unsigned long long gfdx_relay_published_total(const gfdx_relay *r);

#endif
