/* kafka.c: synchronous idempotent producer for gfdx dead-letters replay. */
#include "kafka.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "sign.h"

struct cli_kafka {
    rd_kafka_t *rk;
    char last_error[256]; /* the client's latest error (error_cb, served by rd_kafka_poll) */
};

/* librdkafka's own log lines are not for operators: the outcome is reported per record,
 * with the client's last error when a record is not acknowledged. */
static void quiet_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    (void)level;
    (void)fac;
    (void)buf;
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)rk;
    (void)err;
    cli_kafka *k = opaque;
    snprintf(k->last_error, sizeof k->last_error, "%s", reason);
}

/* Per-message outcome, written by the delivery report (served by rd_kafka_poll on our thread). */
typedef struct {
    int done;
    rd_kafka_resp_err_t err;
    int64_t offset;
} delivery;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    delivery *d = m->_private;
    if (!d)
        return;
    d->done = 1;
    d->err = m->err;
    d->offset = m->offset;
}

static int set_prop(rd_kafka_conf_t *conf, const char *kv, char *err, size_t errlen)
{
    char key[256], reason[512];
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof key) {
        snprintf(err, errlen, "-X %s: expected key=value", kv);
        return -1;
    }
    memcpy(key, kv, (size_t)(eq - kv));
    key[eq - kv] = '\0';
    if (rd_kafka_conf_set(conf, key, eq + 1, reason, sizeof reason) != RD_KAFKA_CONF_OK) {
        snprintf(err, errlen, "-X %s: %s", key, reason);
        return -1;
    }
    return 0;
}

cli_kafka *cli_kafka_new(const char *brokers, char *const *props, size_t nprops, char *err, size_t errlen)
{
    if (!brokers)
        brokers = getenv("GFDX_KAFKA_BOOTSTRAP");
    if (!brokers || !*brokers) {
        snprintf(err, errlen, "no Kafka brokers: give --brokers HOST:PORT or set GFDX_KAFKA_BOOTSTRAP");
        return NULL;
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char reason[512];
    if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, reason, sizeof reason) ||
        rd_kafka_conf_set(conf, "enable.idempotence", "true", reason, sizeof reason) ||
        rd_kafka_conf_set(conf, "client.id", "gfdx-cli", reason, sizeof reason)) {
        snprintf(err, errlen, "Kafka configuration: %s", reason);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    for (size_t i = 0; i < nprops; i++)
        if (set_prop(conf, props[i], err, errlen)) {
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_log_cb(conf, quiet_log);
    rd_kafka_conf_set_error_cb(conf, on_error);
    cli_kafka *k = calloc(1, sizeof *k);
    if (k) {
        rd_kafka_conf_set_opaque(conf, k);
        k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, reason, sizeof reason);
    }
    if (!k || !k->rk) {
        snprintf(err, errlen, "Kafka producer: %s", k ? reason : "out of memory");
        rd_kafka_conf_destroy(conf); /* rd_kafka_new takes conf only on success */
        free(k);
        return NULL;
    }
    return k;
}

int cli_kafka_send(cli_kafka *k, const char *topic, int32_t partition, const void *key, size_t keylen,
                   const void *value, size_t len, const char *kid, const void *sig, size_t sig_len, int timeout_ms,
                   int64_t *offset, char *err, size_t errlen)
{
    /* On the heap: if the report never comes (it always does after a purge and a flush),
     * it is leaked rather than written after we return. */
    delivery *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    rd_kafka_headers_t *h = kid ? rd_kafka_headers_new(2) : NULL;
    if (h) {
        rd_kafka_header_add(h, GFDX_SIGN_HEADER_KID, -1, kid, -1);
        rd_kafka_header_add(h, GFDX_SIGN_HEADER_SIG, -1, sig, (ssize_t)sig_len);
    }
    rd_kafka_resp_err_t e = rd_kafka_producev(
        k->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_KEY(key, key ? keylen : 0),
        RD_KAFKA_V_VALUE((void *)value, value ? len : 0), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_OPAQUE(d), RD_KAFKA_V_END);
    if (e && h)
        rd_kafka_headers_destroy(h); /* producev takes the headers only on success */
    if (e) {
        snprintf(err, errlen, "%s [%d]: %s", topic, (int)partition, rd_kafka_err2str(e));
        free(d);
        return -1;
    }
    int64_t deadline = gfdx_mono_ms() + timeout_ms;
    while (!d->done && gfdx_mono_ms() < deadline)
        rd_kafka_poll(k->rk, 100);
    int rc = -1;
    if (!d->done) {
        rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_flush(k->rk, 2000); /* serves the purged message's report */
        snprintf(err, errlen, "%s [%d]: not acknowledged within %d ms%s%s%s", topic, (int)partition, timeout_ms,
                 *k->last_error ? " (last Kafka error: " : "", k->last_error, *k->last_error ? ")" : "");
        if (!d->done)
            return -1;
    } else if (d->err) {
        snprintf(err, errlen, "%s [%d]: %s", topic, (int)partition, rd_kafka_err2str(d->err));
    } else {
        rc = 0;
        if (offset)
            *offset = d->offset;
    }
    free(d);
    return rc;
}

void cli_kafka_free(cli_kafka *k)
{
    if (!k)
        return;
    rd_kafka_flush(k->rk, 5000);
    rd_kafka_destroy(k->rk);
    free(k);
}
