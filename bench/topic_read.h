/* topic_read: every record of one Kafka topic, from the beginning of each partition to its
 * end at the time of reading, handed to a callback (the benchmark programs of bench/). No
 * consumer group: the partitions are assigned, nothing is committed. */
#ifndef BENCH_TOPIC_READ_H
#define BENCH_TOPIC_READ_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

/* Called once per record, in partition order; the message is the callee's to look at only
 * (destroyed after the call). Returns 0 to go on, -1 to stop reading. */
typedef int (*bench_record_fn)(const rd_kafka_message_t *m, void *arg);

/* Reads TOPIC on BROKERS until every partition reached its end. Returns the number of
 * records handed to fn, or -1 with err filled (no such topic, broker unreachable, fn said
 * stop). */
long bench_topic_read(const char *brokers, const char *topic, bench_record_fn fn, void *arg, char *err,
                      size_t errlen);

/* Milliseconds of the wall clock (CLOCK_REALTIME: comparable with Kafka CreateTime). */
long long bench_now_ms(void);

#endif
