/* kafka.h: a small synchronous producer for the CLI's replays: idempotent (acks=all, no
 * duplicates on internal retries), one message at a time, each confirmed by its delivery
 * report before the call returns. Bootstrap servers from --brokers or
 * $GFDX_KAFKA_BOOTSTRAP; further librdkafka properties as "key=value" (-X). */
#ifndef GFDX_CLI_KAFKA_H
#define GFDX_CLI_KAFKA_H

#include <stddef.h>
#include <stdint.h>

typedef struct cli_kafka cli_kafka;

/* brokers may be NULL ($GFDX_KAFKA_BOOTSTRAP). props[0..nprops) are "key=value". Returns a
 * producer the caller frees with cli_kafka_free, or NULL with err (no brokers, a refused
 * property named with librdkafka's reason). */
cli_kafka *cli_kafka_new(const char *brokers, char *const *props, size_t nprops, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Sends value (NULL = null value) with key (NULL = no key) to topic/partition, with the
 * gfdx-kid / gfdx-sig headers kid and sig when kid is not NULL (the record's own signature,
 * as it arrived), and waits up to timeout_ms for the broker's acknowledgement. 0 and *offset
 * (may be NULL) set to the offset the broker gave it, or -1 with err. */
int cli_kafka_send(cli_kafka *k, const char *topic, int32_t partition, const void *key, size_t keylen,
                   const void *value, size_t len, const char *kid, const void *sig, size_t sig_len, int timeout_ms,
                   int64_t *offset, char *err, size_t errlen)
    __attribute__((warn_unused_result));

void cli_kafka_free(cli_kafka *k); /* flushes briefly; accepts NULL */

#endif
