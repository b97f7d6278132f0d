/* bench_pump: copies every record of one topic to another, unchanged (key, value, headers:
 * a gfdx signature covers key and value only, so records signed by `gfdx produce` into a
 * staging topic stay valid), optionally at a steady pace.
 *   bench_pump BROKERS FROM TO [RATE]
 * FROM is read to its end into memory first; then the records are produced to TO in the
 * order they were consumed (each partition's in its order, so a key's records keep theirs),
 * RATE records per second (0 or absent: as fast as possible). Each record's timestamp is its
 * CreateTime, taken when it is handed to librdkafka: bench/run.sh reads it back as the
 * produce time of the latency figure. lz4, idempotent producer. Prints "<n> records in <s> s". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "topic_read.h"

typedef struct {
    void *key, *value;
    size_t key_len, len;
    rd_kafka_headers_t *hdrs;
} rec_t;

typedef struct {
    rec_t *recs;
    size_t n, cap;
} recs_t;

static void *dup_bytes(const void *p, size_t n)
{
    void *d = malloc(n ? n : 1);
    if (d && n)
        memcpy(d, p, n);
    return d;
}

static int hold(const rd_kafka_message_t *m, void *arg)
{
    recs_t *rs = arg;
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 4096;
        rec_t *g = realloc(rs->recs, cap * sizeof *g);
        if (!g)
            return -1;
        rs->recs = g;
        rs->cap = cap;
    }
    rec_t *r = &rs->recs[rs->n++];
    rd_kafka_headers_t *h = NULL;
    r->key = m->key ? dup_bytes(m->key, m->key_len) : NULL;
    r->key_len = m->key ? m->key_len : 0;
    r->value = dup_bytes(m->payload, m->len);
    r->len = m->len;
    r->hdrs = rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR ? rd_kafka_headers_copy(h) : NULL;
    return !r->value || (m->key && !r->key) ? -1 : 0;
}

static rd_kafka_t *producer_new(const char *brokers, int paced)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *kv[][2] = {{"bootstrap.servers", brokers}, {"enable.idempotence", "true"},
                           {"compression.codec", "lz4"}, {"linger.ms", paced ? "1" : "20"}, {"log_level", "3"}};
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        if (rd_kafka_conf_set(conf, kv[i][0], kv[i][1], err, sizeof err) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, "bench_pump: %s\n", err);
            return NULL;
        }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk)
        fprintf(stderr, "bench_pump: %s\n", err);
    return rk;
}

/* Produces r to topic, waiting while the local queue is full. 0 or -1. */
static int send_one(rd_kafka_t *rk, const char *topic, rec_t *r)
{
    rd_kafka_resp_err_t e;
    while ((e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(r->key, r->key_len),
                                  RD_KAFKA_V_VALUE(r->value, r->len), RD_KAFKA_V_HEADERS(r->hdrs),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END)) ==
           RD_KAFKA_RESP_ERR__QUEUE_FULL)
        rd_kafka_poll(rk, 10);
    if (e) {
        fprintf(stderr, "bench_pump: produce to %s: %s\n", topic, rd_kafka_err2str(e));
        return -1;
    }
    r->hdrs = NULL; /* the message owns them now */
    return 0;
}

static int pump(rd_kafka_t *rk, const char *topic, recs_t *rs, double rate)
{
    long long t0 = bench_now_ms();
    for (size_t i = 0; i < rs->n; i++) {
        if (rate > 0) {
            long long due = t0 + (long long)(i * 1000.0 / rate);
            long long now;
            while ((now = bench_now_ms()) < due) {
                rd_kafka_poll(rk, 0);
                usleep((useconds_t)((due - now) * 1000));
            }
        }
        if (send_one(rk, topic, &rs->recs[i]))
            return -1;
        rd_kafka_poll(rk, 0);
    }
    if (rd_kafka_flush(rk, 60000)) {
        fprintf(stderr, "bench_pump: %d records not delivered to %s\n", rd_kafka_outq_len(rk), topic);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: bench_pump BROKERS FROM TO [RATE]\n");
        return 2;
    }
    double rate = argc == 5 ? atof(argv[4]) : 0;
    recs_t rs = {0};
    char err[512];
    if (bench_topic_read(argv[1], argv[2], hold, &rs, err, sizeof err) < 0) {
        fprintf(stderr, "bench_pump: %s\n", err);
        return 1;
    }
    rd_kafka_t *rk = producer_new(argv[1], rate > 0);
    if (!rk)
        return 1;
    long long t0 = bench_now_ms();
    int rc = pump(rk, argv[3], &rs, rate);
    rd_kafka_destroy(rk);
    if (!rc)
        printf("%zu records in %.3f s\n", rs.n, (bench_now_ms() - t0) / 1000.0);
    for (size_t i = 0; i < rs.n; i++) {
        free(rs.recs[i].key);
        free(rs.recs[i].value);
        if (rs.recs[i].hdrs)
            rd_kafka_headers_destroy(rs.recs[i].hdrs);
    }
    free(rs.recs);
    return rc ? 1 : 0;
}
