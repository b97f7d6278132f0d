/* gfdx-devbroker: a local Kafka-protocol broker for development and tests.
 *
 * Hosts librdkafka's own mock cluster (rdkafka_mock.h, librdkafka 2.0.2) on 127.0.0.1,
 * creates the topics of deploy/topics.cfg with their partition counts, writes the
 * bootstrap address to --bootstrap-file once the cluster is up, and runs until SIGTERM or
 * SIGINT. Daemons, the gfdx CLI and kcat connect to it exactly as to a real broker.
 *
 * Usage: gfdx-devbroker [--topics FILE] [--bootstrap-file PATH] [--brokers N]
 *                       [--check-config] [--help] [--version]
 *
 * Contract with callers (deploy/localstack.sh, tests):
 *  - The listen port cannot be chosen. librdkafka 2.0.2 has no API or property for it:
 *    rd_kafka_mock_cluster_new() binds each broker to 127.0.0.1 port 0 (a kernel-assigned
 *    ephemeral port). The bootstrap file is therefore the contract: it appears (written to
 *    PATH.tmp.<pid>, then renamed, so a reader never sees a partial file) only after every
 *    topic exists, and holds "127.0.0.1:PORT[,127.0.0.1:PORT...]\n". It is removed on a
 *    clean exit.
 *  - SIGTERM/SIGINT: the handler only sets a flag; the main loop (polling every 100 ms)
 *    removes the bootstrap file, destroys the cluster and exits 0, typically within about
 *    1 s (the mock thread notices the shutdown request at its next poll timeout, <= 1 s).
 *    A second signal kills the process at once (SA_RESETHAND).
 *    SIGUSR1 takes every broker down (an outage, data kept), SIGUSR2 brings them back.
 *  - Exit status: 0 on a clean stop, --help, --version and a valid --check-config;
 *    1 on a bad topics file or when the cluster cannot start; 2 on a bad option.
 *
 * What the mock cluster is and is not (read in librdkafka's src/rdkafka_mock.c,
 * rdkafka_mock_cgrp.c and rdkafka_mock_handlers.c, and checked against this version):
 *  - In memory only. Nothing survives a restart: topics, messages, committed offsets and
 *    consumer groups are gone, and the next start has new ports. Do not use it to keep data.
 *  - Retention is per partition and by size, not time: rd_kafka_mock_partition_init() sets
 *    max_size = 5 MiB and max_cnt = 100000 message sets; appending beyond either drops the
 *    oldest message sets (the low watermark moves up) without telling anyone. Give topics
 *    that carry much data more partitions, and never rely on re-reading old data.
 *    Checked: 8000 records of 1 KiB into one partition leave offsets 3748..7999.
 *  - Topics: the CreateTopics admin API is not supported; topics are created here with
 *    rd_kafka_mock_topic_create(). A Metadata request naming an unknown topic with
 *    auto-creation allowed creates it, silently, with the mock's default of 4 partitions
 *    (kcat -P, -C and -L -t all did so in testing). allow.auto.create.topics=false does
 *    not help: the mock's Metadata API version predates that flag (librdkafka warns
 *    "AUTOCREATE ... not supported by broker"). Misspelt topics therefore "work" against
 *    the dev broker; daemons should check that the topics they need exist with the
 *    expected partition counts.
 *  - Consumer groups (JoinGroup/SyncGroup/Heartbeat/LeaveGroup, OffsetCommit/OffsetFetch)
 *    are supported with one assignor run by the client. The first join of an empty group
 *    waits about 3 s (the broker's group.initial.rebalance.delay.ms; kcat -G took 3.6 s
 *    to its first record), and later rebalances
 *    wait up to session.timeout.ms - 1 s for members to rejoin: with librdkafka's default
 *    45 s that is a 44 s stall, so clients of the dev broker should set
 *    session.timeout.ms ≈ 6000 (and heartbeat.interval.ms ≈ 1000).
 *  - Idempotent producer (InitProducerId, per-partition sequence checks over the last 5
 *    requests) and the transactional producer are supported; exactly-once end to end is
 *    not a reason to trust it more than a real broker.
 *  - Replication is simulated (replication factor min(3, --brokers)); all brokers live in
 *    this one process, so there is no fault isolation. No TLS, no SASL, no ACLs, no
 *    compaction, no quotas. Loopback only.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libconfig.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "log.h"

#define DEVBROKER_MAX_BROKERS 16
#define DEVBROKER_MAX_PARTITIONS 1000
#define DEVBROKER_MAX_TOPIC_LEN 249

typedef struct {
    const char *topics_path;    /* borrowed from argv or a literal */
    const char *bootstrap_path; /* borrowed from argv; NULL: no file */
    int brokers;
    int check_config;
} devbroker_opts;

typedef struct {
    char *name; /* owned */
    int partitions;
} devbroker_topic;

typedef struct {
    devbroker_topic *items; /* owned, cnt entries */
    int cnt;
} devbroker_topics;

static volatile sig_atomic_t stop_requested = 0;
/* Outage simulation for fault tests: SIGUSR1 takes every broker down (connections closed
 * and refused, data kept), SIGUSR2 brings them back. The main loop acts on the flag. */
static volatile sig_atomic_t outage_requested = -1; /* -1 nothing, 1 down, 0 up */

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void on_outage(int sig) { outage_requested = sig == SIGUSR1; }

static void apply_outage(rd_kafka_mock_cluster_t *mc, int brokers)
{
    int down = outage_requested;
    outage_requested = -1;
    for (int id = 1; id <= brokers; id++)
        if (down)
            rd_kafka_mock_broker_set_down(mc, id);
        else
            rd_kafka_mock_broker_set_up(mc, id);
    gfdx_log(GFDX_LOG_WARN, NULL, "%s all %d brokers (signal)", down ? "took down" : "brought up", brokers);
}

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: gfdx-devbroker [options]\n"
            "A local Kafka-protocol broker (librdkafka's in-memory mock cluster) on 127.0.0.1.\n"
            "\n"
            "  --topics FILE           topics to create (libconfig; default %s/deploy/topics.cfg)\n"
            "  --bootstrap-file PATH   write \"127.0.0.1:PORT[,...]\" there once the topics exist;\n"
            "                          removed on exit\n"
            "  --brokers N             number of mock brokers, 1..%d (default 1)\n"
            "  --check-config          load and validate FILE, print \"topic partitions\" lines, exit\n"
            "  --help                  this text\n"
            "  --version               print the version\n"
            "\n"
            "Runs until SIGTERM or SIGINT. The listen ports are chosen by the kernel: read the\n"
            "bootstrap file. Data is kept in memory only, about 5 MiB per partition.\n",
            GFDX_SOURCE_DIR, DEVBROKER_MAX_BROKERS);
}

/* Parses a whole decimal int in [min, max]. Returns 0 or -1. */
static int parse_int(const char *s, int min, int max, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    *out = (int)v;
    return 0;
}

/* Returns 0 to run, 1 when done (help/version printed), -1 on a usage error (err filled). */
static int parse_args(int argc, char **argv, devbroker_opts *o, char *err, size_t errlen)
{
    enum { OPT_TOPICS = 256, OPT_BOOTSTRAP, OPT_BROKERS, OPT_CHECK, OPT_HELP, OPT_VERSION };
    static const struct option longopts[] = {
        {"topics", required_argument, NULL, OPT_TOPICS},
        {"bootstrap-file", required_argument, NULL, OPT_BOOTSTRAP},
        {"brokers", required_argument, NULL, OPT_BROKERS},
        {"check-config", no_argument, NULL, OPT_CHECK},
        {"help", no_argument, NULL, OPT_HELP},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0}};
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_TOPICS: o->topics_path = optarg; break;
        case OPT_BOOTSTRAP: o->bootstrap_path = optarg; break;
        case OPT_CHECK: o->check_config = 1; break;
        case OPT_BROKERS:
            if (parse_int(optarg, 1, DEVBROKER_MAX_BROKERS, &o->brokers) == 0)
                break;
            snprintf(err, errlen, "--brokers: \"%s\" is not a number in 1..%d", optarg,
                     DEVBROKER_MAX_BROKERS);
            return -1;
        case OPT_HELP: usage(stdout); return 1;
        case OPT_VERSION: printf("gfdx-devbroker %s\n", GFDX_VERSION); return 1;
        default:
            snprintf(err, errlen, "unknown or incomplete option \"%s\"", argv[optind - 1]);
            return -1;
        }
    }
    if (optind < argc) {
        snprintf(err, errlen, "unexpected argument \"%s\"", argv[optind]);
        return -1;
    }
    return 0;
}

static int topic_name_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > DEVBROKER_MAX_TOPIC_LEN || !strcmp(name, ".") || !strcmp(name, ".."))
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-'))
            return 0;
    return 1;
}

/* Frees the list's contents; accepts an empty or zeroed list. */
static void topics_clear(devbroker_topics *t)
{
    for (int i = 0; i < t->cnt; i++)
        free(t->items[i].name);
    free(t->items);
    t->items = NULL;
    t->cnt = 0;
}

/* Reads entry i of the topics list into t->items[t->cnt]; checks name and duplicates. */
static int topic_read(const config_setting_t *entry, int i, const char *path, devbroker_topics *t,
                      char *err, size_t errlen)
{
    const char *name = NULL;
    int partitions = 0;

    if (!config_setting_is_group(entry) || !config_setting_lookup_string(entry, "name", &name)) {
        snprintf(err, errlen, "%s:%d: topics[%d] needs name = \"...\";", path,
                 config_setting_source_line(entry), i);
        return -1;
    }
    if (!topic_name_valid(name)) {
        snprintf(err, errlen, "%s:%d: topic \"%s\": names are 1..%d of [A-Za-z0-9._-]", path,
                 config_setting_source_line(entry), name, DEVBROKER_MAX_TOPIC_LEN);
        return -1;
    }
    if (!config_setting_lookup_int(entry, "partitions", &partitions) || partitions < 1 ||
        partitions > DEVBROKER_MAX_PARTITIONS) {
        snprintf(err, errlen, "%s:%d: topic \"%s\" needs partitions = 1..%d;", path,
                 config_setting_source_line(entry), name, DEVBROKER_MAX_PARTITIONS);
        return -1;
    }
    for (int j = 0; j < t->cnt; j++)
        if (!strcmp(t->items[j].name, name)) {
            snprintf(err, errlen, "%s:%d: topic \"%s\" is listed twice", path,
                     config_setting_source_line(entry), name);
            return -1;
        }
    if (!(t->items[t->cnt].name = strdup(name))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    t->items[t->cnt++].partitions = partitions;
    return 0;
}

/* Loads `topics = ( { name = "..."; partitions = N; }, ... );` from path into *out
 * (caller clears with topics_clear). Returns 0, or -1 with err filled and *out empty. */
static int topics_load(const char *path, devbroker_topics *out, char *err, size_t errlen)
{
    config_t cfg;
    int rc = -1;

    memset(out, 0, sizeof *out);
    config_init(&cfg);
    if (!config_read_file(&cfg, path)) {
        if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
            snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        else
            snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&cfg), config_error_text(&cfg));
        goto done;
    }
    const config_setting_t *list = config_lookup(&cfg, "topics");
    if (!list || !config_setting_is_list(list) || config_setting_length(list) == 0) {
        snprintf(err, errlen, "%s: needs a non-empty list topics = ( { name = ...; partitions = ...; }, ... );",
                 path);
        goto done;
    }
    int n = config_setting_length(list);
    if (!(out->items = calloc((size_t)n, sizeof *out->items))) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    for (int i = 0; i < n; i++)
        if (topic_read(config_setting_get_elem(list, (unsigned)i), i, path, out, err, errlen) < 0)
            goto done;
    rc = 0;
done:
    if (rc < 0)
        topics_clear(out);
    config_destroy(&cfg);
    return rc;
}

/* librdkafka log lines arrive here from rd_kafka_poll() on the main thread (log.queue). */
static void on_rdkafka_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    gfdx_log_level l = level <= 3 ? GFDX_LOG_ERROR : level == 4 ? GFDX_LOG_WARN
                     : level <= 6 ? GFDX_LOG_INFO : GFDX_LOG_DEBUG;
    /* The host handle has no bootstrap.servers on purpose: it only owns the mock cluster. */
    if (!strcmp(fac, "CONFWARN") && strstr(buf, "bootstrap.servers"))
        l = GFDX_LOG_DEBUG;
    char ctx[96];
    snprintf(ctx, sizeof ctx, "component=rdkafka facility=%s", fac);
    gfdx_log(l, ctx, "%s", buf);
}

/* The rd_kafka_t the mock cluster needs for its book-keeping; it connects to nothing.
 * Returns a handle (caller destroys with rd_kafka_destroy) or NULL with err filled. */
static rd_kafka_t *host_handle_new(char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char errstr[512];

    if (rd_kafka_conf_set(conf, "client.id", "gfdx-devbroker", errstr, sizeof errstr) ||
        rd_kafka_conf_set(conf, "log.queue", "true", errstr, sizeof errstr)) {
        snprintf(err, errlen, "librdkafka configuration: %s", errstr);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_conf_set_log_cb(conf, on_rdkafka_log);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk) {
        snprintf(err, errlen, "rd_kafka_new: %s", errstr);
        rd_kafka_conf_destroy(conf); /* not consumed on failure */
        return NULL;
    }
    /* Serve librdkafka's logs from the main queue, i.e. from our rd_kafka_poll(). */
    rd_kafka_set_log_queue(rk, NULL);
    return rk;
}

/* One rd_kafka_mock_topic_create() call, run on its own thread (see topics_create). */
typedef struct {
    rd_kafka_mock_cluster_t *mc;
    const devbroker_topic *topic;
    int rf;
    rd_kafka_resp_err_t err;
    pthread_t tid;
    int threaded;
} create_job;

static void *create_job_run(void *arg)
{
    create_job *j = arg;
    j->err = rd_kafka_mock_topic_create(j->mc, j->topic->name, j->topic->partitions, j->rf);
    return NULL;
}

/* Creates up to CREATE_BATCH topics at once. Each rd_kafka_mock_topic_create() is a blocking
 * request to the mock cluster's thread, and in librdkafka 2.0.2 that thread often notices a
 * request only when its poll times out (up to 1 s): 44 topics one after the other took
 * 9-14 s. Issued concurrently, the requests are served together in one wake-up. */
#define CREATE_BATCH 64
static int topics_create_batch(rd_kafka_mock_cluster_t *mc, const devbroker_topic *t, int n, int rf,
                               char *err, size_t errlen)
{
    create_job jobs[CREATE_BATCH];
    int rc = 0;

    for (int i = 0; i < n; i++) {
        jobs[i] = (create_job){.mc = mc, .topic = &t[i], .rf = rf};
        jobs[i].threaded = pthread_create(&jobs[i].tid, NULL, create_job_run, &jobs[i]) == 0;
        if (!jobs[i].threaded)
            create_job_run(&jobs[i]); /* no thread to be had: do it here, slowly */
    }
    for (int i = 0; i < n; i++) {
        if (jobs[i].threaded)
            pthread_join(jobs[i].tid, NULL);
        if (jobs[i].err && rc == 0) {
            snprintf(err, errlen, "cannot create topic %s: %s", t[i].name, rd_kafka_err2str(jobs[i].err));
            rc = -1;
        }
    }
    return rc;
}

static int topics_create(rd_kafka_mock_cluster_t *mc, const devbroker_topics *t, int brokers,
                         char *err, size_t errlen)
{
    int rf = brokers < 3 ? brokers : 3;
    for (int i = 0; i < t->cnt; i += CREATE_BATCH) {
        int n = t->cnt - i < CREATE_BATCH ? t->cnt - i : CREATE_BATCH;
        if (topics_create_batch(mc, t->items + i, n, rf, err, errlen) < 0)
            return -1;
    }
    return 0;
}

/* Writes text to path atomically (path.tmp.<pid>, fsync, rename). Returns 0 or -1. */
static int write_file_atomic(const char *path, const char *text, char *err, size_t errlen)
{
    char tmp[PATH_MAX];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= sizeof tmp) {
        snprintf(err, errlen, "%s: path too long", path);
        return -1;
    }
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errlen, "cannot create %.512s: %s", tmp, strerror(errno));
        return -1;
    }
    int ok = fputs(text, f) >= 0 && fflush(f) == 0 && fsync(fileno(f)) == 0;
    int saved = errno;
    if (fclose(f) != 0 && ok) {
        ok = 0;
        saved = errno;
    }
    if (ok && rename(tmp, path) == 0)
        return 0;
    if (ok)
        saved = errno;
    snprintf(err, errlen, "cannot write %s: %s", path, strerror(saved));
    unlink(tmp);
    return -1;
}

static void install_signal_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND; /* a second signal takes the default action: exit now */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGUSR1, on_outage);
    signal(SIGUSR2, on_outage);
    signal(SIGPIPE, SIG_IGN);
}

static int check_config(const devbroker_topics *t, const char *path)
{
    for (int i = 0; i < t->cnt; i++)
        printf("%s %d\n", t->items[i].name, t->items[i].partitions);
    fflush(stdout);
    fprintf(stderr, "%s: %d topics, configuration is valid\n", path, t->cnt);
    return 0;
}

/* Starts the cluster, creates the topics, publishes the bootstrap address and serves until
 * a signal. Returns the process exit status. */
static int serve(const devbroker_opts *o, const devbroker_topics *topics)
{
    char err[1024], line[1024];
    int status = 1, published = 0;
    rd_kafka_mock_cluster_t *mc = NULL;
    rd_kafka_t *rk = host_handle_new(err, sizeof err);

    if (!rk)
        goto fail;
    if (!(mc = rd_kafka_mock_cluster_new(rk, o->brokers))) {
        snprintf(err, sizeof err, "cannot start the mock cluster (see the rdkafka lines above)");
        goto fail;
    }
    if (topics_create(mc, topics, o->brokers, err, sizeof err) < 0)
        goto fail;
    const char *boot = rd_kafka_mock_cluster_bootstraps(mc);
    snprintf(line, sizeof line, "%s\n", boot);
    if (o->bootstrap_path) {
        if (write_file_atomic(o->bootstrap_path, line, err, sizeof err) < 0)
            goto fail;
        published = 1;
    }
    snprintf(line, sizeof line, "bootstrap=%s brokers=%d topics=%d", boot, o->brokers, topics->cnt);
    gfdx_log(GFDX_LOG_INFO, line, "ready");

    while (!stop_requested) {
        rd_kafka_poll(rk, 100);
        if (outage_requested >= 0)
            apply_outage(mc, o->brokers);
    }
    gfdx_log(GFDX_LOG_INFO, NULL, "signal received, stopping");
    status = 0;
    goto out;
fail:
    if (rk)
        rd_kafka_poll(rk, 0); /* flush librdkafka's own explanation first */
    gfdx_log(GFDX_LOG_ERROR, NULL, "%s", err);
out:
    if (published && unlink(o->bootstrap_path) != 0 && errno != ENOENT)
        gfdx_log(GFDX_LOG_WARN, NULL, "cannot remove %s: %s", o->bootstrap_path, strerror(errno));
    if (mc)
        rd_kafka_mock_cluster_destroy(mc);
    if (rk) {
        rd_kafka_poll(rk, 0);
        rd_kafka_destroy(rk);
    }
    if (status == 0)
        gfdx_log(GFDX_LOG_INFO, NULL, "stopped");
    return status;
}

int main(int argc, char **argv)
{
    devbroker_opts o = {GFDX_SOURCE_DIR "/deploy/topics.cfg", NULL, 1, 0};
    devbroker_topics topics = {NULL, 0};
    char err[1024];

    gfdx_log_init("devbroker", GFDX_LOG_INFO);
    int r = parse_args(argc, argv, &o, err, sizeof err);
    if (r != 0) {
        if (r < 0)
            fprintf(stderr, "gfdx-devbroker: %s (try --help)\n", err);
        return r < 0 ? 2 : 0;
    }
    if (topics_load(o.topics_path, &topics, err, sizeof err) < 0) {
        gfdx_log(GFDX_LOG_ERROR, NULL, "%s", err);
        return 1;
    }
    if (o.check_config) {
        r = check_config(&topics, o.topics_path);
        topics_clear(&topics);
        return r;
    }
    install_signal_handlers();
    gfdx_log(GFDX_LOG_INFO, NULL, "starting version=%s librdkafka=%s topics_file=%s", GFDX_VERSION,
             rd_kafka_version_str(), o.topics_path);
    r = serve(&o, &topics);
    topics_clear(&topics);
    return r;
}
