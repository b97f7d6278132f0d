/* kafka_meta.h: making sure a producer knows a topic's partitions before it produces to it.
 *
 * Why: librdkafka (2.0.2 here) keeps records produced before a topic's metadata is known in
 * an unassigned queue and moves them to their partitions when the metadata arrives; records
 * produced just after that moment go straight to the partition and were measured landing
 * AHEAD of the earlier ones (outbox ids 91-98 of one need stored after ids 100 and 103).
 * Records of one entity must keep their order, so every producer of ours asks for a
 * topic's metadata, once, before its first record to that topic. */
#ifndef GFDX_KAFKA_META_H
#define GFDX_KAFKA_META_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

typedef struct gfdx_known_topics gfdx_known_topics;

gfdx_known_topics *gfdx_known_topics_new(void);
void gfdx_known_topics_free(gfdx_known_topics *k);

/* Returns 0 when rk already knew topic, 1 when it has just learnt its partitions (asking the
 * cluster, at most timeout_ms), -1 with err otherwise (the caller must not produce yet).
 * On 1 the caller produces ONE record and waits for its delivery before the next: records
 * enqueued while librdkafka hands the new partitions over to their leader's connection
 * were measured landing behind later ones (600 keyed records, 97 out of order per key). */
int gfdx_kafka_ensure_topic(rd_kafka_t *rk, gfdx_known_topics *k, const char *topic, int timeout_ms, char *err,
                            size_t errlen) __attribute__((warn_unused_result));

#endif
