/* inbound.h: the one place where the policies for consumed records are applied
 * (DESIGN §8), in this order, inside the caller's batch transaction:
 *   1. decode (single-object Avro); failure -> DEAD_LETTER: raw bytes and reason kept;
 *   2. meta checks (event_id a UUID, sender present) -> else REFUSED INVALID_META;
 *   3. duplicate event_id -> DUPLICATE: answered with a receipt naming the first outcome;
 *   4. record type not consumed by this service -> REFUSED UNSUPPORTED_TYPE;
 *   5. sender not in the participant registry -> REFUSED UNKNOWN_SENDER;
 *   6. the service handler under a savepoint -> APPLIED, or REFUSED (rolled back).
 * Every record gets a message_log row; every decodable one a receipt on gfdx.receipts
 * (through the outbox, keyed by the sender). */
#ifndef GFDX_INBOUND_H
#define GFDX_INBOUND_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
} gfdx_inbound;

/* Processes one message in the open transaction. Returns 0 with *outcome set, or -1 when the
 * database failed transiently (err): the caller rolls the batch back and retries it. */
int gfdx_inbound_process(const gfdx_inbound *in, PGconn *db, const gfdx_raw_msg *m, gfdx_outcome *outcome,
                         char *err, size_t errlen) __attribute__((warn_unused_result));

#endif
