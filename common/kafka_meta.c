/* kafka_meta.c: see kafka_meta.h. */
#include "kafka_meta.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gfdx_known_topics {
    char **names;
    size_t count;
};

gfdx_known_topics *gfdx_known_topics_new(void) { return calloc(1, sizeof(gfdx_known_topics)); }

void gfdx_known_topics_free(gfdx_known_topics *k)
{
    if (!k)
        return;
    for (size_t i = 0; i < k->count; i++)
        free(k->names[i]);
    free(k->names);
    free(k);
}

static int known(const gfdx_known_topics *k, const char *topic)
{
    for (size_t i = 0; i < k->count; i++)
        if (!strcmp(k->names[i], topic))
            return 1;
    return 0;
}

static void remember(gfdx_known_topics *k, const char *topic)
{
    char **grown = realloc(k->names, (k->count + 1) * sizeof *grown);
    if (!grown)
        return; /* asking again next time is harmless */
    k->names = grown;
    if ((k->names[k->count] = strdup(topic)))
        k->count++;
}

int gfdx_kafka_ensure_topic(rd_kafka_t *rk, gfdx_known_topics *k, const char *topic, int timeout_ms, char *err,
                            size_t errlen)
{
    if (known(k, topic))
        return 0;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    if (!rkt) {
        snprintf(err, errlen, "%s: %s", topic, rd_kafka_err2str(rd_kafka_last_error()));
        return -1;
    }
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
    int rc = -1;
    if (e)
        snprintf(err, errlen, "%s: metadata: %s", topic, rd_kafka_err2str(e));
    else if (md->topic_cnt != 1 || md->topics[0].err || md->topics[0].partition_cnt <= 0)
        snprintf(err, errlen, "%s: %s", topic,
                 md->topic_cnt == 1 && md->topics[0].err ? rd_kafka_err2str(md->topics[0].err) : "no partitions");
    else
        rc = 0;
    if (md)
        rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    if (rc == 0)
        remember(k, topic);
    return rc == 0 ? 1 : -1;
}
