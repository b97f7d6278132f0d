/* gfdx kafka apply: every topic and ACL of the exchange onto a Kafka cluster, from
 * deploy/topics.cfg and the participant registry (common/kafka_plan.h, kafka_apply.h). */
#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "ids.h"
#include "kafka_apply.h"
#include "kafka_plan.h"
#include "participants.h"

#define MAX_PROPS 64

typedef struct {
    const char *brokers, *topics, *participants;
    char *props[MAX_PROPS];
    size_t nprops;
    bool dry_run;
    int replication_factor, timeout_ms;
} kafka_opts;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: gfdx kafka apply [--brokers HOST:PORT] [-X kafka.prop=value]... [--topics FILE]\n"
            "                        [--participants FILE] [--replication-factor N] [--timeout-ms MS] [--dry-run]\n"
            "  Creates every topic of the topics file (partitions, configs), the topics addressed to\n"
            "  the participants of the registry and every ACL (common/kafka_plan.h), idempotently:\n"
            "  one line per created topic, altered config and created ACL; nothing is deleted.\n"
            "  --brokers B            bootstrap servers (default $GFDX_KAFKA_BOOTSTRAP)\n"
            "  -X key=value           librdkafka property: security.protocol, sasl.mechanism,\n"
            "                         sasl.username, sasl.password, ssl.ca.location, ... (an admin principal)\n"
            "  --topics FILE          default deploy/topics.cfg (installed: in the configuration\n"
            "                         directory); the daemon configs it names are read beside it\n"
            "  --participants FILE    default deploy/participants.cfg (installed: likewise)\n"
            "  --replication-factor N default -1: the broker's default.replication.factor\n"
            "  --dry-run              say what would change, change nothing (without brokers: everything)\n"
            "  Exit 0 done (or nothing to do), 1 failed (one line says why), 2 usage.\n");
}

static int parse_opts(int argc, char **argv, kafka_opts *o)
{
    static const struct option longopts[] = {
        {"brokers", 1, 0, 'b'},      {"topics", 1, 0, 't'},  {"participants", 1, 0, 'p'},
        {"replication-factor", 1, 0, 'r'}, {"timeout-ms", 1, 0, 'w'}, {"dry-run", 0, 0, 'n'},
        {"help", 0, 0, 'h'},         {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "b:t:p:r:w:X:nh", longopts, NULL)) != -1) {
        switch (c) {
        case 'b': o->brokers = optarg; break;
        case 't': o->topics = optarg; break;
        case 'p': o->participants = optarg; break;
        case 'r': o->replication_factor = atoi(optarg); break;
        case 'w': o->timeout_ms = atoi(optarg); break;
        case 'n': o->dry_run = true; break;
        case 'h': usage(stdout); return 0;
        case 'X':
            if (o->nprops == MAX_PROPS || !strchr(optarg, '=')) {
                fprintf(stderr, "gfdx kafka apply: -X expects key=value (at most %d)\n", MAX_PROPS);
                return 2;
            }
            o->props[o->nprops++] = optarg;
            break;
        default: usage(stderr); return 2;
        }
    }
    if (o->timeout_ms < 1000 || (o->replication_factor < 1 && o->replication_factor != -1)) {
        fprintf(stderr, "gfdx kafka apply: --timeout-ms is at least 1000, --replication-factor -1 or >= 1\n");
        return 2;
    }
    return -1;
}

static void quiet_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk, (void)level, (void)fac, (void)buf;
}

/* A client for the admin calls; NULL with err. The caller destroys it. */
static rd_kafka_t *admin_client(const kafka_opts *o, kafka_apply *a, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char reason[512];
    if (rd_kafka_conf_set(conf, "bootstrap.servers", o->brokers, reason, sizeof reason) ||
        rd_kafka_conf_set(conf, "client.id", "gfdx-kafka-apply", reason, sizeof reason)) {
        snprintf(err, errlen, "Kafka configuration: %s", reason);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    for (size_t i = 0; i < o->nprops; i++) {
        char key[256];
        const char *eq = strchr(o->props[i], '=');
        snprintf(key, sizeof key, "%.*s", (int)(eq - o->props[i]), o->props[i]);
        if (rd_kafka_conf_set(conf, key, eq + 1, reason, sizeof reason)) {
            snprintf(err, errlen, "-X %s: %s", key, reason); /* never the value: a password */
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    }
    rd_kafka_conf_set_log_cb(conf, quiet_log);
    rd_kafka_conf_set_error_cb(conf, kafka_apply_on_error);
    rd_kafka_conf_set_opaque(conf, a);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, reason, sizeof reason);
    if (!rk) {
        snprintf(err, errlen, "Kafka client: %s", reason);
        rd_kafka_conf_destroy(conf); /* rd_kafka_new takes conf only on success */
    }
    return rk;
}

static void summary(const kafka_apply *a, int64_t ms)
{
    const char *verb = a->dry_run || !a->rk ? "would be " : "";
    if (!a->topics_created && !a->configs_altered && !a->acls_created)
        printf("gfdx kafka apply: nothing changed (%zu topics, %zu ACLs planned%s)",
               a->plan->n_topics, a->plan->n_acls, a->devbroker ? "; ACLs not enforced" : "");
    else
        printf("gfdx kafka apply: %zu topics %screated, %zu topic configs %saltered, %zu ACLs %screated"
               " (%zu topics, %zu ACLs planned)",
               a->topics_created, verb, a->configs_altered, verb, a->acls_created, verb,
               a->plan->n_topics, a->plan->n_acls);
    if (a->acls_foreign)
        printf("; %zu other ACLs on the cluster left alone", a->acls_foreign);
    printf(" in %lld ms\n", (long long)ms);
}

static int run(const kafka_opts *o, const gfdx_kafka_plan *plan)
{
    char err[1024];
    kafka_apply a = {.plan = plan, .dry_run = o->dry_run, .replication_factor = o->replication_factor,
                     .timeout_ms = o->timeout_ms};
    int64_t t0 = gfdx_mono_ms();
    if (o->brokers && !(a.rk = admin_client(o, &a, err, sizeof err))) {
        fprintf(stderr, "gfdx kafka apply: %s\n", err);
        return 1;
    }
    int rc = kafka_apply_run(&a, err, sizeof err);
    fflush(stdout); /* what was done, then why it stopped: the error is the log's last line */
    if (rc != 0)
        fprintf(stderr, "gfdx kafka apply: %s%s%s\n", o->brokers ? o->brokers : "", o->brokers ? ": " : "", err);
    else
        summary(&a, gfdx_mono_ms() - t0);
    if (a.rk)
        rd_kafka_destroy(a.rk);
    return rc ? 1 : 0;
}

static int cli_kafka_apply(int argc, char **argv)
{
    char topics[PATH_MAX], participants[PATH_MAX]; /* installed: the configuration directory */
    kafka_opts o = {.topics = gfdx_config_default_path(GFDX_SOURCE_DIR "/deploy/topics.cfg", topics, sizeof topics),
                    .participants = gfdx_config_default_path(GFDX_SOURCE_DIR "/deploy/participants.cfg",
                                                             participants, sizeof participants),
                    .brokers = getenv("GFDX_KAFKA_BOOTSTRAP"), .replication_factor = -1,
                    .timeout_ms = 10000};
    int rc = parse_opts(argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (!o.brokers && !o.dry_run) {
        fprintf(stderr, "gfdx kafka apply: no --brokers and no $GFDX_KAFKA_BOOTSTRAP\n");
        return 2;
    }
    char err[1024];
    gfdx_registry *reg = gfdx_registry_load(o.participants, err, sizeof err);
    gfdx_kafka_plan *plan = reg ? gfdx_kafka_plan_build(o.topics, reg, err, sizeof err) : NULL;
    if (!plan) {
        fprintf(stderr, "gfdx kafka apply: %s\n", err);
        rc = 1;
    } else {
        rc = run(&o, plan);
    }
    gfdx_kafka_plan_free(plan);
    gfdx_registry_free(reg);
    return rc;
}

int cli_kafka_cmd(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "apply"))
        return cli_kafka_apply(argc - 1, argv + 1);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return 0;
    }
    usage(stderr);
    return 2;
}
