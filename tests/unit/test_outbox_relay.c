/* test_outbox_relay.c: the relay's one classifier of librdkafka errors, on a table and on
 * the errors a real librdkafka producer (no broker reachable) gives for a message too large
 * for message.max.bytes, an unknown partition and a purged message. */
#include "check.h"
#include "outbox.h"

#include <librdkafka/rdkafka.h>

static void test_table(void)
{
    CHECK(gfdx_relay_classify(RD_KAFKA_RESP_ERR_NO_ERROR) == GFDX_RELAY_OK);
    rd_kafka_resp_err_t permanent[] = {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, RD_KAFKA_RESP_ERR__INVALID_ARG,
                                       RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC, RD_KAFKA_RESP_ERR_INVALID_RECORD,
                                       RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
                                       RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE};
    for (size_t i = 0; i < sizeof permanent / sizeof permanent[0]; i++)
        CHECK_MSG(gfdx_relay_classify(permanent[i]) == GFDX_RELAY_PERMANENT, "%s", rd_kafka_err2name(permanent[i]));
    rd_kafka_resp_err_t transient[] = {RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
                                       RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN,
                                       RD_KAFKA_RESP_ERR__PURGE_QUEUE, RD_KAFKA_RESP_ERR__PURGE_INFLIGHT,
                                       RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                                       RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR__TIMED_OUT};
    for (size_t i = 0; i < sizeof transient / sizeof transient[0]; i++)
        CHECK_MSG(gfdx_relay_classify(transient[i]) == GFDX_RELAY_TRANSIENT, "%s", rd_kafka_err2name(transient[i]));
    CHECK(gfdx_relay_classify(RD_KAFKA_RESP_ERR__FATAL) == GFDX_RELAY_FATAL);
}

static rd_kafka_resp_err_t last_dr;
static int reports;

static void dr(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    last_dr = msg->err;
    reports++;
}

static void test_real_producer(void)
{
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    CHECK(rd_kafka_conf_set(conf, "bootstrap.servers", "127.0.0.1:1", errstr, sizeof errstr) == RD_KAFKA_CONF_OK);
    CHECK(rd_kafka_conf_set(conf, "message.max.bytes", "10000", errstr, sizeof errstr) == RD_KAFKA_CONF_OK);
    CHECK(rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof errstr) == RD_KAFKA_CONF_OK);
    rd_kafka_conf_set_dr_msg_cb(conf, dr);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    CHECK(rk != NULL);
    if (!rk)
        return;
    static char big[20000];
    rd_kafka_resp_err_t e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("t"), RD_KAFKA_V_VALUE(big, sizeof big),
                                              RD_KAFKA_V_END);
    CHECK_MSG(gfdx_relay_classify(e) == GFDX_RELAY_PERMANENT, "too large: %s", rd_kafka_err2name(e));
    e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("t"), RD_KAFKA_V_VALUE("x", 1), RD_KAFKA_V_END);
    CHECK(e == RD_KAFKA_RESP_ERR_NO_ERROR); /* queued: no broker yet, nothing known */
    CHECK(rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT) == RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_flush(rk, 2000);
    CHECK(reports == 1);
    CHECK_MSG(gfdx_relay_classify(last_dr) == GFDX_RELAY_TRANSIENT, "purged: %s", rd_kafka_err2name(last_dr));
    rd_kafka_destroy(rk);
}

int main(void)
{
    test_table();
    test_real_producer();
    return CHECK_DONE();
}
