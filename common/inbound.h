/* inbound.h: the one place where the policies for consumed records are applied
 * (DESIGN §4, §8), in this order, inside the caller's batch transaction:
 *   1. value over GFDX_LIMIT_VALUE_BYTES -> REFUSED LIMIT_EXCEEDED, not even decoded;
 *   2. decode (single-object Avro); failure -> DEAD_LETTER: raw bytes and reason kept;
 *   3. meta checks (event_id a UUID, sender present) -> else REFUSED INVALID_META;
 *   4. limits of every field (record_limits.h) -> REFUSED LIMIT_EXCEEDED, INVALID_FIELD or
 *      NEGATIVE_AMOUNT;
 *   5. record type not consumed by this service -> UNSUPPORTED_TYPE; consumed, but bound to
 *      another topic than the one it came on -> WRONG_TOPIC;
 *   6. sender not in the participant registry -> REFUSED UNKNOWN_SENDER;
 *      (a record refused in 3-6 was never authenticated: it is not remembered, so it burns no
 *      event id of the participant it claims to come from)
 *   7. (sender, event_id) seen before: same value (SHA-256) -> DUPLICATE, answered with a
 *      receipt naming the first outcome; different value -> REFUSED EVENT_ID_REUSED;
 *   8. Kafka key absent, not strict UTF-8, or not the entity id named by the handler table ->
 *      REFUSED KEY_MISMATCH (one rule for every record type);
 *   9. the service handler under a savepoint -> APPLIED, or REFUSED (rolled back); a record
 *      whose emitted records would exceed message.max.bytes -> REFUSED RECORD_TOO_LARGE.
 * Every record gets a message_log row. Receipts go to gfdx.receipts through the outbox, keyed
 * by the registered participant id only: a record whose meta.sender is not registered gets
 * none (it is still logged and kept as a rejection). Event ids are compared, stored and
 * answered in canonical lower-case form. */
#ifndef GFDX_INBOUND_H
#define GFDX_INBOUND_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit_chain.h"
#include "avro_catalog.h"
#include "service.h"

typedef enum { GFDX_OUT_APPLIED, GFDX_OUT_REFUSED, GFDX_OUT_DUPLICATE, GFDX_OUT_DEAD_LETTER } gfdx_outcome;

const char *gfdx_outcome_name(gfdx_outcome o);

/* A raw consumed message (borrowed). */
typedef struct {
    const char *topic;
    int32_t partition;
    int64_t offset;
    const void *key;
    size_t key_len;
    const void *value;
    size_t value_len;
    const char *log_kid;   /* gfdx-kid header as received (NUL-terminated copy), NULL if absent */
    const void *log_sig;   /* gfdx-sig header bytes, NULL if absent */
    size_t log_sig_len;
} gfdx_raw_msg;

/* Everything the pipeline needs besides the message (borrowed, set up by the daemon). */
typedef struct {
    const gfdx_service *service;
    const char *qschema;
    const char *receipts_topic;
    const char *service_participant;
    const gfdx_catalog *catalog;
    const gfdx_registry *registry;
    const gfdx_calendar *calendar;
    size_t max_message_bytes;   /* the producer's message.max.bytes (gfdx_outbox_max_message_bytes) */
    int64_t skew_past_ms, skew_future_ms; /* meta.occurred_at bounds; 0: record_limits.h defaults */
    gfdx_chain_head *chain;     /* the message-log chain head, locked by the caller's batch; each
                                   logged row advances it (the caller writes it back) */
} gfdx_inbound;

/* Start-up check of the handler table against topics.consume: every consumed topic must carry
 * a record type of the table and every topic of the table must be consumed. 0, or -1 with
 * err (a configuration error). */
int gfdx_inbound_check_topics(const gfdx_service *svc, char *const *topics, size_t ntopics, char *err,
                              size_t errlen) __attribute__((warn_unused_result));

/* Processes one message in the open transaction. Returns 0 with *outcome set, or -1 when the
 * database failed transiently (err): the caller rolls the batch back and retries it. */
int gfdx_inbound_process(const gfdx_inbound *in, PGconn *db, const gfdx_raw_msg *m, gfdx_outcome *outcome,
                         char *err, size_t errlen) __attribute__((warn_unused_result));

#endif
