/* kafka_plan.h: every topic and every ACL of a gfdx Kafka cluster, computed from
 * deploy/topics.cfg and the participant registry (DESIGN §2, §5). Pure: no broker is
 * contacted; `gfdx kafka apply` compares the plan with a cluster and creates what is missing.
 *
 * Topics: every entry of `topics` (name, partitions, configs; `input = true` adds
 * message.timestamp.type=LogAppendTime), then per `addressed` rule one topic per addressee
 * (gfdx.receipts.<participant>, gfdx.dispatch.<branch>, gfdx.alerts.<branch>,
 * gfdx.coordination.<province>, gfdx.namelist-changes.<region> for each district bureau's
 * region and the regions covering it) unless
 * `topics` names it already. Sorted by name, no name twice.
 *
 * ACLs (all ALLOW, host "*"; one binding per (principal, resource, pattern, operation)):
 *   participant p (principal from the registry):
 *     Write  topic T        for each T whose `writers` list p's kind;
 *     Read   topic T        for each T whose `readers` list p's kind;
 *     Read   topic A        for each addressed topic A addressed to p;
 *     Read   group <p.id>   when p reads anything (its own consumer group).
 *   daemon d (principal from `daemons`; group, consumed and receipts topic from d's config):
 *     Read   topic C        for each C of topics.consume;
 *     Read   group <kafka_group> PREFIXED (default gfdx-<service>: every group whose id starts
 *                           so, e.g. a second instance's or a reference run's own group);
 *     Write  topic T        for each T whose `emitted_by` lists d;
 *     Write  topic <prefix> PREFIXED, for each addressed rule whose emitted_by lists d (its
 *                           receipts: the gfdx.receipts. rule, its topics.receipts_prefix);
 *     IdempotentWrite cluster "kafka-cluster".
 * Nobody else gets Write on what a daemon emits: a topic with emitted_by may have no writers.
 *
 * Ownership: the plan owns every string in it; free with gfdx_kafka_plan_free. */
#ifndef GFDX_KAFKA_PLAN_H
#define GFDX_KAFKA_PLAN_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "participants.h"

#define GFDX_KAFKA_CLUSTER "kafka-cluster" /* the one name of Kafka's CLUSTER resource */

typedef struct {
    char *name;
    int partitions;
    gfdx_kvlist configs; /* desired topic configs, in file order */
} gfdx_plan_topic;

typedef struct {
    char *principal;
    rd_kafka_ResourceType_t restype;          /* TOPIC, GROUP or BROKER (= Kafka's CLUSTER) */
    rd_kafka_ResourcePatternType_t pattern;   /* LITERAL or PREFIXED */
    char *name;
    rd_kafka_AclOperation_t op;               /* READ, WRITE or IDEMPOTENT_WRITE */
} gfdx_plan_acl;

typedef struct {
    gfdx_plan_topic *topics;
    size_t n_topics;
    gfdx_plan_acl *acls; /* sorted (principal, restype, name, pattern, op) */
    size_t n_acls;
} gfdx_kafka_plan;

/* Builds the plan from topics_path and reg. Daemon configs named in `daemons` are read
 * relative to topics_path's directory. Returns a plan (free with gfdx_kafka_plan_free) or
 * NULL with err naming the file and entry, e.g.
 * "topics.cfg: topics[3] (gfdx.needs): writers: unknown kind \"banks\"". */
gfdx_kafka_plan *gfdx_kafka_plan_build(const char *topics_path, const gfdx_registry *reg,
                                       char *err, size_t errlen) __attribute__((warn_unused_result));
void gfdx_kafka_plan_free(gfdx_kafka_plan *plan); /* accepts NULL */

/* The planned topic of this name, or NULL. */
const gfdx_plan_topic *gfdx_kafka_plan_topic(const gfdx_kafka_plan *plan, const char *name);

/* Whether the plan's ACLs let principal perform op on the named resource, as Kafka's
 * StandardAuthorizer decides for ALLOW bindings: a LITERAL binding of that name or a PREFIXED
 * one whose prefix starts the name; Read or Write imply Describe. For tests and --dry-run. */
bool gfdx_kafka_plan_allows(const gfdx_kafka_plan *plan, const char *principal,
                            rd_kafka_AclOperation_t op, rd_kafka_ResourceType_t restype,
                            const char *name);

/* "Read", "Write", "IdempotentWrite", ...; "topic", "group", "cluster"; "literal",
 * "prefixed". Static strings. */
const char *gfdx_kafka_plan_op_name(rd_kafka_AclOperation_t op);
const char *gfdx_kafka_plan_restype_name(rd_kafka_ResourceType_t restype);
const char *gfdx_kafka_plan_pattern_name(rd_kafka_ResourcePatternType_t pattern);

#endif
