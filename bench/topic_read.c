/* topic_read: see topic_read.h. */
#include "topic_read.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

long long bench_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static rd_kafka_t *consumer_new(const char *brokers, char *err, size_t errlen)
{
    char group[64];
    snprintf(group, sizeof group, "bench-read-%d", (int)getpid());
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *kv[][2] = {{"bootstrap.servers", brokers}, {"group.id", group}, {"enable.auto.commit", "false"},
                           {"enable.partition.eof", "true"}, {"auto.offset.reset", "earliest"},
                           {"fetch.max.bytes", "52428800"}, {"log_level", "3"}};
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        if (rd_kafka_conf_set(conf, kv[i][0], kv[i][1], err, errlen) != RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, errlen);
    if (!rk)
        rd_kafka_conf_destroy(conf);
    return rk;
}

/* Assigns every partition of topic from the beginning. Returns the partition count, or -1. */
static int assign_all(rd_kafka_t *rk, const char *topic, char *err, size_t errlen)
{
    rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, t, &md, 10000);
    rd_kafka_topic_destroy(t);
    int n = -1;
    if (e || md->topic_cnt != 1 || md->topics[0].err || md->topics[0].partition_cnt == 0) {
        snprintf(err, errlen, "%s: no metadata (%s)", topic,
                 rd_kafka_err2str(e ? e : md->topic_cnt ? md->topics[0].err : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC));
    } else {
        n = md->topics[0].partition_cnt;
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n);
        for (int p = 0; p < n; p++)
            rd_kafka_topic_partition_list_add(l, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
        if (rd_kafka_assign(rk, l)) {
            snprintf(err, errlen, "%s: assign failed", topic);
            n = -1;
        }
        rd_kafka_topic_partition_list_destroy(l);
    }
    if (md)
        rd_kafka_metadata_destroy(md);
    return n;
}

/* Polls until every partition has reported its end once (an empty partition too). */
static long read_until_eof(rd_kafka_t *rk, int parts, bench_record_fn fn, void *arg, char *err, size_t errlen)
{
    char at_end[4096] = {0};
    int ended = 0;
    long n = 0;
    while (ended < parts) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 1000);
        if (!m)
            continue;
        int stop = 0;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (m->partition < (int)sizeof at_end && !at_end[m->partition]++)
                ended++;
        } else if (m->err) {
            snprintf(err, errlen, "consume: %s", rd_kafka_message_errstr(m));
            stop = 1;
        } else if (fn(m, arg)) {
            snprintf(err, errlen, "stopped at %s[%d]@%lld", rd_kafka_topic_name(m->rkt), (int)m->partition,
                     (long long)m->offset);
            stop = 1;
        } else {
            n++;
        }
        rd_kafka_message_destroy(m);
        if (stop)
            return -1;
    }
    return n;
}

long bench_topic_read(const char *brokers, const char *topic, bench_record_fn fn, void *arg, char *err,
                      size_t errlen)
{
    rd_kafka_t *rk = consumer_new(brokers, err, errlen);
    if (!rk)
        return -1;
    int parts = assign_all(rk, topic, err, errlen);
    long n = parts < 0 ? -1 : read_until_eof(rk, parts, fn, arg, err, errlen);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return n;
}
