/* gfdx produce: JSON lines -> checked against the record type's Avro schema -> single-object
 * encoding -> Kafka. All lines are validated and encoded before anything is sent: one bad
 * line sends nothing. Meta defaults: fresh event_id, occurred_at = now, sender from --sender.
 * Keys starting with "_" are ignored; "$type" names the record type when --type is absent. */
#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro_catalog.h"
#include "avro_serde.h"
#include "cli.h"
#include "ids.h"
#include "labels.h"
#include "sign.h"

/* A key of $GFDX_KEYS_DIR, loaded once for its sender (key NULL: no usable file). */
typedef struct {
    char *sender;
    gfdx_sign_key *key;
} dir_key;

typedef struct {
    const char *type, *topic, *sender, *brokers, *schemas, *key_field;
    int version;
    bool dry_run, quiet;
    rd_kafka_conf_t *conf;
    const char *sign_key_path, *kid; /* --sign-key, --kid (else the key file's gfdx-kid line) */
    gfdx_sign_key *sign_key;         /* owned; NULL: records go unsigned */
    const char *keys_dir;            /* $GFDX_KEYS_DIR, used without --sign-key */
    dir_key *dir_keys;               /* owned cache of keys_dir's keys */
    size_t n_dir_keys;
} produce_opts;

typedef struct {
    char *topic, *key;
    unsigned char *value;
    size_t len;
    unsigned char sig[GFDX_SIGN_MAX_SIG]; /* gfdx-sig over M(key, value) when sig_len > 0 */
    size_t sig_len;
    char kid[GFDX_SIGN_MAX_KID];          /* gfdx-kid when sig_len > 0 */
} encoded;

/* The public topic of each record type (DESIGN §2, §6). A Receipt has none: receipts are
 * addressed (gfdx.receipts.<participant>), so it needs --topic. */
static const char *default_topic(const char *type)
{
    static const char *const map[][2] = {
        {"NeedSubmitted", "gfdx.needs"}, {"NeedRevised", "gfdx.needs"}, {"NeedReviewed", "gfdx.needs"},
        {"NeedRecommended", "gfdx.needs"}, {"NeedWithdrawn", "gfdx.needs"},
        {"NeedMatchingStatus", "gfdx.matching-status"}, {"NeedPushed", "gfdx.miit-pushes"},
        {"NeedPushWithdrawn", "gfdx.miit-pushes"}, {"MatchingFeedback", "gfdx.feedback"},
        {"ObstacleRaised", "gfdx.feedback"}, {"ObstacleResolved", "gfdx.feedback"},
        {"NameListPublished", "gfdx.namelists"}, {"CarbonBenefitReported", "gfdx.namelists"},
        {"FinancingSupportReported", "gfdx.namelists"}, {"PlatformFiling", "gfdx.platform-filings"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i][0], type))
            return map[i][1];
    return NULL;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: gfdx produce [--type TYPE] [--topic T] [--sender ID] [--brokers HOST:PORT]\n"
            "                    [--schema-version N] [--key-field F] [-X kafka.prop=value] [--dry-run] < records.jsonl\n"
            "  One JSON object per line (Avro JSON form of the record, unions untagged or tagged).\n"
            "  --type TYPE          record type, e.g. NeedSubmitted (else each line's \"$type\")\n"
            "  --topic T            default: the type's public topic (gfdx.needs, ...)\n"
            "  --sender ID          meta.sender where a line has none\n"
            "  --brokers B          bootstrap servers (default $GFDX_KAFKA_BOOTSTRAP)\n"
            "  --schema-version N   write with version N of the type's schema (default: latest)\n"
            "  --key-field F        record field used as the Kafka key (default need_id, else list_id)\n"
            "  --schemas DIR        Avro schemas directory (default $GFDX_SCHEMAS or the source tree)\n"
            "  --sign-key FILE      sign every record (headers gfdx-kid, gfdx-sig; DESIGN §4) with this\n"
            "                       private key (gfdx keys generate); --sender defaults to its participant\n"
            "  --kid KID            the key id to send (default: the key file's gfdx-kid line)\n"
            "  Without --sign-key and with $GFDX_KEYS_DIR set (local stack, tests), each record is signed\n"
            "  with $GFDX_KEYS_DIR/<its meta.sender>.pem when that file exists, else sent unsigned.\n"
            "  --dry-run            validate and encode only\n"
            "  Nothing is sent unless every line is valid. Exit 0 all sent, 1 error, 2 usage.\n");
}

/* Fills meta defaults and strips "_"-prefixed keys and "$type". */
static int prepare_line(json_t *rec, const produce_opts *o, char *err, size_t errlen)
{
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(rec, tmp, k, v) if (k[0] == '_' || k[0] == '$') json_object_del(rec, k);
    json_t *meta = json_object_get(rec, "meta");
    if (!meta) {
        meta = json_object();
        json_object_set_new(rec, "meta", meta);
    }
    if (!json_is_object(meta)) {
        snprintf(err, errlen, "meta: expected an object");
        return -1;
    }
    if (!json_object_get(meta, "event_id")) {
        char id[37];
        gfdx_uuid_new(id);
        json_object_set_new(meta, "event_id", json_string(id));
    }
    if (!json_object_get(meta, "occurred_at"))
        json_object_set_new(meta, "occurred_at", json_integer(gfdx_now_ms()));
    if (!json_object_get(meta, "sender")) {
        if (!o->sender) {
            snprintf(err, errlen, "meta.sender: missing (give --sender)");
            return -1;
        }
        json_object_set_new(meta, "sender", json_string(o->sender));
    }
    return 0;
}

static const char *record_key(const json_t *rec, const char *key_field)
{
    if (key_field)
        return json_string_value(json_object_get(rec, key_field));
    const char *k = json_string_value(json_object_get(rec, "need_id"));
    if (!k)
        k = json_string_value(json_object_get(rec, "filing_id"));
    return k ? k : json_string_value(json_object_get(rec, "list_id"));
}

/* The gfdx-kid and gfdx-sig headers of a signed record, NULL for an unsigned one. */
static rd_kafka_headers_t *signature_headers(const encoded *e)
{
    if (!e->sig_len)
        return NULL;
    rd_kafka_headers_t *h = rd_kafka_headers_new(2);
    rd_kafka_header_add(h, GFDX_SIGN_HEADER_KID, -1, e->kid, (ssize_t)strlen(e->kid));
    rd_kafka_header_add(h, GFDX_SIGN_HEADER_SIG, -1, e->sig, (ssize_t)e->sig_len);
    return h;
}

/* The key of $GFDX_KEYS_DIR/<sender>.pem (loaded once, cached in o), NULL when there is no
 * such file or it cannot be used: that sender's records then go unsigned (a test may mean it). */
static gfdx_sign_key *dir_key_for(produce_opts *o, const char *sender)
{
    char path[4096], err[256];
    if (!o->keys_dir || !sender || !*sender || strchr(sender, '/'))
        return NULL;
    for (size_t i = 0; i < o->n_dir_keys; i++)
        if (!strcmp(o->dir_keys[i].sender, sender))
            return o->dir_keys[i].key;
    dir_key *grown = realloc(o->dir_keys, (o->n_dir_keys + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    o->dir_keys = grown;
    snprintf(path, sizeof path, "%s/%s.pem", o->keys_dir, sender);
    dir_key *d = &o->dir_keys[o->n_dir_keys];
    if (!(d->sender = strdup(sender)))
        return NULL;
    d->key = gfdx_sign_key_load(path, err, sizeof err);
    o->n_dir_keys++;
    return d->key;
}

/* Signs out (key, value) with --sign-key, else with the sender's key of $GFDX_KEYS_DIR.
 * 0 (also when unsigned), -1 + err. */
static int sign_record(produce_opts *o, const json_t *rec, const char *key, encoded *out, char *err, size_t errlen)
{
    gfdx_sign_key *k = o->sign_key;
    const char *kid = o->kid;
    if (!k && (k = dir_key_for(o, json_string_value(json_object_get(json_object_get(rec, "meta"), "sender")))))
        kid = gfdx_sign_key_kid(k);
    if (!k || !kid || !*kid)
        return 0;
    snprintf(out->kid, sizeof out->kid, "%s", kid);
    return gfdx_sign_sign(k, key, key ? strlen(key) : 0, out->value, out->len, out->sig, &out->sig_len, err, errlen);
}

/* Parses, checks and encodes one line into *out. */
static int encode_line(const char *line, const gfdx_catalog *cat, produce_opts *o, encoded *out, char *err,
                       size_t errlen)
{
    json_error_t jerr;
    json_t *rec = json_loads(line, 0, &jerr);
    if (!json_is_object(rec)) {
        snprintf(err, errlen, rec ? "expected a JSON object" : "invalid JSON at column %d: %s", jerr.column, jerr.text);
        json_decref(rec);
        return -1;
    }
    const char *type = o->type ? o->type : json_string_value(json_object_get(rec, "$type"));
    const gfdx_schema *s = !type ? NULL : o->version ? gfdx_catalog_version(cat, type, o->version)
                                                    : gfdx_catalog_latest(cat, type);
    const char *topic = o->topic ? o->topic : type ? default_topic(type) : NULL;
    int rc = -1;
    if (!type)
        snprintf(err, errlen, "no record type: give --type or a \"$type\" field");
    else if (!s)
        snprintf(err, errlen, "unknown record type %s (version %d)", type, o->version);
    else if (!topic)
        snprintf(err, errlen, "no default topic for %s: give --topic", type);
    else if (prepare_line(rec, o, err, errlen) == 0 &&
             gfdx_serde_encode(s, rec, &out->value, &out->len, err, errlen) == GFDX_SERDE_OK) {
        const char *key = record_key(rec, o->key_field);
        out->topic = strdup(topic);
        out->key = key ? strdup(key) : NULL;
        rc = out->topic && (!key || out->key) ? 0 : -1;
        if (rc == 0 && sign_record(o, rec, key, out, err, errlen))
            rc = -1;
    }
    json_decref(rec);
    return rc;
}

static int read_all(FILE *in, const gfdx_catalog *cat, produce_opts *o, encoded **recs, size_t *n)
{
    char *line = NULL;
    size_t cap = 0, lineno = 0, bad = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, in)) >= 0) {
        lineno++;
        if (strspn(line, " \t\r\n") == (size_t)len)
            continue;
        encoded e = {0};
        char err[1024];
        if (encode_line(line, cat, o, &e, err, sizeof err)) {
            fprintf(stderr, "gfdx produce: line %zu: %s\n", lineno, err);
            bad++;
            continue;
        }
        encoded *grown = realloc(*recs, (*n + 1) * sizeof *grown);
        if (!grown)
            return -1;
        *recs = grown;
        (*recs)[(*n)++] = e;
    }
    free(line);
    return bad ? -1 : 0;
}

/* What the delivery reports and the client's errors said (served by rd_kafka_poll/flush on
 * our thread). One line per run of identical failures: a refused topic is said once, not
 * once per record. */
typedef struct {
    size_t failed;
    rd_kafka_resp_err_t last_err;
    char last_topic[256];
    char fatal[512]; /* authentication failed, or the idempotent producer's fatal error */
} produce_state;

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    produce_state *st = opaque;
    if (!m->err)
        return;
    st->failed++;
    const char *topic = rd_kafka_topic_name(m->rkt);
    if (m->err == st->last_err && !strcmp(st->last_topic, topic))
        return;
    st->last_err = m->err;
    snprintf(st->last_topic, sizeof st->last_topic, "%s", topic);
    if (m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
        fprintf(stderr, "gfdx produce: not authorized to write %s (%s): this principal has no Write ACL on it\n",
                topic, rd_kafka_err2str(m->err));
    else if (!st->fatal[0])
        fprintf(stderr, "gfdx produce: delivery to %s failed: %s\n", topic, rd_kafka_err2str(m->err));
}

/* Errors that no retry cures end the wait at once: bad credentials, and the idempotent
 * producer's fatal error (a principal without IdempotentWrite or any Write ACL). */
static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    produce_state *st = opaque;
    char fatal[256] = "";
    if (err == RD_KAFKA_RESP_ERR__FATAL)
        rd_kafka_fatal_error(rk, fatal, sizeof fatal);
    if ((err == RD_KAFKA_RESP_ERR__AUTHENTICATION || err == RD_KAFKA_RESP_ERR__FATAL) && !st->fatal[0])
        snprintf(st->fatal, sizeof st->fatal, "%s", fatal[0] ? fatal : reason);
}

static void quiet_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk, (void)level, (void)fac, (void)buf; /* the outcome is reported per run */
}

/* Waits up to 30 s for every report, or until a fatal error; then drops what is left. */
static int wait_delivered(rd_kafka_t *rk, produce_state *st)
{
    int64_t deadline = gfdx_mono_ms() + 30000;
    while (rd_kafka_outq_len(rk) > 0 && !st->fatal[0] && gfdx_mono_ms() < deadline)
        rd_kafka_flush(rk, 100);
    int left = rd_kafka_outq_len(rk);
    if (st->fatal[0])
        fprintf(stderr, "gfdx produce: %s\n", st->fatal);
    else if (left)
        fprintf(stderr, "gfdx produce: %d records not confirmed within 30 s\n", left);
    if (left) {
        size_t before = st->failed;
        rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_flush(rk, 1000); /* serves the purged messages' reports */
        left -= (int)(st->failed - before);
    }
    return left > 0 ? left : 0;
}

static int send_all(const produce_opts *o, encoded *recs, size_t n)
{
    char errstr[512];
    produce_state st = {0};
    rd_kafka_conf_t *conf = o->conf;
    if (rd_kafka_conf_set(conf, "bootstrap.servers", o->brokers, errstr, sizeof errstr) ||
        rd_kafka_conf_set(conf, "enable.idempotence", "true", errstr, sizeof errstr)) {
        fprintf(stderr, "gfdx produce: %s\n", errstr);
        return 1;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_conf_set_error_cb(conf, error_cb);
    rd_kafka_conf_set_log_cb(conf, quiet_log);
    rd_kafka_conf_set_opaque(conf, &st);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk) {
        fprintf(stderr, "gfdx produce: %s\n", errstr);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        rd_kafka_resp_err_t e;
        rd_kafka_headers_t *hdrs = signature_headers(&recs[i]); /* the message owns it once sent */
        while ((e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(recs[i].topic),
                                      RD_KAFKA_V_KEY(recs[i].key, recs[i].key ? strlen(recs[i].key) : 0),
                                      RD_KAFKA_V_VALUE(recs[i].value, recs[i].len), RD_KAFKA_V_HEADERS(hdrs),
                                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END)) ==
               RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(rk, 100);
        if (e && hdrs)
            rd_kafka_headers_destroy(hdrs);
        if (e) { /* records of one entity keep their order: stop at the first failure */
            fprintf(stderr, "gfdx produce: record %zu: %s; %zu records not sent\n", i + 1, rd_kafka_err2str(e), n - i);
            st.failed += n - i;
            break;
        }
    }
    int left = wait_delivered(rk, &st);
    rd_kafka_destroy(rk);
    if (!o->quiet)
        fprintf(stderr, "gfdx produce: sent %zu records, %zu failed\n", n - st.failed - (size_t)left,
                st.failed + (size_t)left);
    return st.failed || left ? 1 : 0;
}

static int parse_opts(int argc, char **argv, produce_opts *o)
{
    static const struct option longopts[] = {
        {"type", 1, 0, 't'}, {"topic", 1, 0, 'T'}, {"sender", 1, 0, 's'}, {"brokers", 1, 0, 'b'},
        {"schema-version", 1, 0, 'v'}, {"key-field", 1, 0, 'k'}, {"schemas", 1, 0, 'S'},
        {"dry-run", 0, 0, 'n'}, {"quiet", 0, 0, 'q'}, {"help", 0, 0, 'h'},
        {"sign-key", 1, 0, 'G'}, {"kid", 1, 0, 'I'}, {0, 0, 0, 0}};
    int c;
    char errstr[512];
    optind = 1;
    while ((c = getopt_long(argc, argv, "t:T:s:b:v:k:S:X:nqh", longopts, NULL)) != -1) {
        switch (c) {
        case 't': o->type = optarg; break;
        case 'T': o->topic = optarg; break;
        case 's': o->sender = optarg; break;
        case 'b': o->brokers = optarg; break;
        case 'v': o->version = atoi(optarg); break;
        case 'k': o->key_field = optarg; break;
        case 'S': o->schemas = optarg; break;
        case 'n': o->dry_run = true; break;
        case 'q': o->quiet = true; break;
        case 'G': o->sign_key_path = optarg; break;
        case 'I': o->kid = optarg; break;
        case 'h': usage(stdout); return 0;
        case 'X': {
            char *eq = strchr(optarg, '=');
            if (!eq) { fprintf(stderr, "gfdx produce: -X expects key=value\n"); return 2; }
            *eq = '\0';
            if (rd_kafka_conf_set(o->conf, optarg, eq + 1, errstr, sizeof errstr)) {
                fprintf(stderr, "gfdx produce: -X %s: %s\n", optarg, errstr);
                return 2;
            }
            break;
        }
        default: usage(stderr); return 2;
        }
    }
    return -1;
}

/* --sign-key: loads the key (owner-only file), takes the kid from --kid or its gfdx-kid
 * line, and the default sender from its gfdx-participant line. Returns 0, or the exit
 * status after printing why (1 the key cannot be used, 2 no kid); o->sign_key is the
 * caller's to free either way. */
static int load_sign_key(produce_opts *o)
{
    char err[512];
    if (!o->sign_key_path)
        return o->kid ? (fprintf(stderr, "gfdx produce: --kid needs --sign-key\n"), 2) : 0;
    o->sign_key = gfdx_sign_key_load(o->sign_key_path, err, sizeof err);
    if (!o->sign_key) {
        fprintf(stderr, "gfdx produce: --sign-key %s\n", err);
        return 1;
    }
    o->kid = o->kid ? o->kid : gfdx_sign_key_kid(o->sign_key);
    if (!*o->kid) {
        fprintf(stderr, "gfdx produce: %s has no gfdx-kid line: give --kid\n", o->sign_key_path);
        return 2;
    }
    const char *participant = gfdx_sign_key_comment(o->sign_key, "gfdx-participant");
    if (!o->sender && *participant)
        o->sender = participant;
    return 0;
}

int cli_produce(int argc, char **argv)
{
    produce_opts o = {.conf = rd_kafka_conf_new()};
    o.brokers = getenv("GFDX_KAFKA_BOOTSTRAP");
    o.keys_dir = getenv("GFDX_KEYS_DIR");
    o.schemas = getenv("GFDX_SCHEMAS") ? getenv("GFDX_SCHEMAS") : cli_schemas_dir();
    int rc = parse_opts(argc, argv, &o);
    if (rc >= 0 || (!o.dry_run && !o.brokers && (fprintf(stderr, "gfdx produce: no --brokers and no $GFDX_KAFKA_BOOTSTRAP\n"), 1))) {
        rd_kafka_conf_destroy(o.conf);
        return rc >= 0 ? rc : 2;
    }
    if ((rc = load_sign_key(&o)) != 0) {
        gfdx_sign_key_free(o.sign_key);
        rd_kafka_conf_destroy(o.conf);
        return rc;
    }
    char err[1024];
    gfdx_catalog *cat = gfdx_catalog_load(o.schemas, err, sizeof err);
    encoded *recs = NULL;
    size_t n = 0;
    if (!cat)
        fprintf(stderr, "gfdx produce: %s\n", err);
    if (!cat || read_all(stdin, cat, &o, &recs, &n)) {
        if (cat)
            fprintf(stderr, "gfdx produce: nothing sent\n");
        rc = 1;
    } else if (o.dry_run) {
        fprintf(stderr, "gfdx produce: %zu records valid (dry run, nothing sent)\n", n);
        rc = 0;
    } else {
        rc = send_all(&o, recs, n);
        o.conf = NULL; /* rd_kafka_new took it */
    }
    for (size_t i = 0; i < n; i++) {
        free(recs[i].topic);
        free(recs[i].key);
        free(recs[i].value);
    }
    free(recs);
    gfdx_catalog_free(cat);
    gfdx_sign_key_free(o.sign_key);
    for (size_t i = 0; i < o.n_dir_keys; i++) {
        free(o.dir_keys[i].sender);
        gfdx_sign_key_free(o.dir_keys[i].key);
    }
    free(o.dir_keys);
    if (o.conf)
        rd_kafka_conf_destroy(o.conf);
    return rc;
}
