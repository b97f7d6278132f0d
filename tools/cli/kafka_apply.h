/* kafka_apply.h: bring a Kafka cluster to a gfdx_kafka_plan (`gfdx kafka apply`).
 *
 * Idempotent and additive: creates the topics that are missing (partitions and configs of
 * the plan), sets the planned configs of existing topics that differ (AlterConfigs: librdkafka
 * 2.0.2 has no IncrementalAlterConfigs, so the topic's other dynamic configs are sent along
 * unchanged), and creates the ACLs that are missing. Nothing is deleted: a topic with other
 * partitions than planned is reported, not changed (more partitions move keys), and ACLs the
 * plan does not name are counted, not removed.
 *
 * Each change is one line on stdout ("created topic ...", "altered topic ...", "created ACL
 * ..."; "would ..." with dry_run). Against a broker without the admin APIs (gfdx-devbroker,
 * librdkafka's mock cluster: no CreateTopics, DescribeConfigs or ACL APIs) missing topics
 * are created by the broker's auto-creation and one line says that configs and ACLs are not
 * enforced there. */
#ifndef GFDX_CLI_KAFKA_APPLY_H
#define GFDX_CLI_KAFKA_APPLY_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>

#include "kafka_plan.h"

typedef struct {
    rd_kafka_t *rk;           /* borrowed: a client with bootstrap.servers and credentials */
    const gfdx_kafka_plan *plan;
    bool dry_run;
    int replication_factor;   /* -1: the broker's default.replication.factor */
    int timeout_ms;           /* per admin request */
    char client_error[512];   /* the client's latest error (kafka_apply_on_error) */
    bool auth_failed;         /* SASL/SSL authentication failed: no retry helps */
    char acl_note[384];       /* why ACLs were not applied (printed last), "" if they were */
    /* results */
    size_t topics_created, configs_altered, acls_created, acls_foreign, warnings;
    bool devbroker;           /* the admin APIs are missing: configs and ACLs not enforced */
} kafka_apply;

/* The client's error_cb; opaque is the kafka_apply (rd_kafka_conf_set_opaque). Served by
 * rd_kafka_poll on the caller's thread. */
void kafka_apply_on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque);

/* Runs the three steps. Returns 0, or -1 with err (one line: what failed and why, e.g.
 * "not authorized to create topics (Broker: Topic authorization failed)"). */
int kafka_apply_run(kafka_apply *a, char *err, size_t errlen) __attribute__((warn_unused_result));

#endif
