/* cmd_audit.c: gfdx audit verify --service S (DESIGN §8, issue 10).
 *
 * Recomputes the hash chain of <schema>.message_log (common/audit_chain.h) in chain_seq
 * order and compares it with the chain head row (<schema>.message_log_chain) and with every
 * AuditCheckpoint of that schema on gfdx.audit (read from the beginning). The first
 * difference is printed and the exit status is 1; otherwise one summary line and 0:
 *   - a row missing (chain_seq not the next number): DELETE in the middle;
 *   - prev_hash not the previous row's recomputed hash, or row_hash not the recomputed hash
 *     of the row's content, or value_sha256 not SHA-256 of the value: UPDATE of a row;
 *   - the head row or a checkpoint naming a row count the log does not reach, or another
 *     hash at that row: DELETE at the end, or rows rewritten with their hashes.
 * Rows from before migration 006 (chain_seq NULL) are outside the chain and not checked. */
#include <getopt.h>
#include <limits.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "audit_chain.h"
#include "avro_catalog.h"
#include "avro_serde.h"
#include "cli.h"
#include "config.h"
#include "ids.h"
#include "labels.h"
#include "participants.h"

#define AUDIT_TOPIC "gfdx.audit"
#define AUDIT_FETCH_ROWS "1000"

typedef struct {
    long long rows;
    char hash[65];
    int matched;
} checkpoint;

typedef struct {
    cli_args a;
    const char *brokers;
    int timeout_ms;
    const char *participants; /* the registry with the public keys (--participants) */
    gfdx_registry *registry;
    long long signatures;     /* stored signatures verified again */
    checkpoint *cps;
    size_t ncps, capcps;
} audit_opts;

static void audit_usage(FILE *out)
{
    fprintf(out,
            "usage: gfdx audit verify --service S [--brokers B] [--timeout-ms N] [options]\n"
            "\n"
            "Recomputes the hash chain of <schema>.message_log (row_hash = SHA-256(prev_hash ||\n"
            "E(row)), common/audit_chain.h), checks it against the chain head and against every\n"
            "AuditCheckpoint of the schema on gfdx.audit, and prints the first row that differs.\n"
            "\n"
            "options:\n");
    cli_args_help(out, 0);
    fprintf(out,
            "  --service S       the service whose log is verified (required)\n"
            "  --brokers B       bootstrap servers for gfdx.audit (else $GFDX_KAFKA_BOOTSTRAP)\n"
            "  --timeout-ms N    give up reading gfdx.audit after N ms (default 15000)\n"
            "  --participants F  the participant registry with the public keys, to verify every stored\n"
            "                    signature again (else $GFDX_PARTICIPANTS, else the default registry)\n"
            "\n"
            "exit status: 0 the chain verifies, 1 a difference (or a failure), 2 usage error\n");
}

static int parse_audit(int argc, char **argv, audit_opts *o)
{
    static const struct option longopts[] = {CLI_ARGS_LONGOPTS,
                                             {"brokers", required_argument, 0, 'b'},
                                             {"timeout-ms", required_argument, 0, 't'},
                                             {"participants", required_argument, 0, 'p'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if ((rc = cli_args_take(&o->a, c, optarg)) != 1) {
            if (rc)
                return rc;
            continue;
        }
        switch (c) {
        case 'b': o->brokers = optarg; break;
        case 't': o->timeout_ms = atoi(optarg); break;
        case 'p': o->participants = optarg; break;
        case 'h': audit_usage(stdout); return 0;
        default: audit_usage(stderr); return 2;
        }
    }
    if (!o->a.service || o->timeout_ms <= 0) {
        cli_args_error(&o->a, o->a.service ? "--timeout-ms must be positive" : "--service is required");
        return 2;
    }
    return -1;
}

/* ---- checkpoints from gfdx.audit ---- */

/* Keeps the checkpoint in record if it is of our schema. 0, or -1 out of memory. */
static int keep_checkpoint(audit_opts *o, const json_t *rec)
{
    const char *schema = json_string_value(json_object_get(rec, "log_schema"));
    const char *hash = json_string_value(json_object_get(rec, "head_hash"));
    if (!schema || !hash || strcmp(schema, o->a.service->schema) || strlen(hash) != 64)
        return 0;
    if (o->ncps == o->capcps) {
        size_t cap = o->capcps ? 2 * o->capcps : 16;
        checkpoint *n = realloc(o->cps, cap * sizeof *n);
        if (!n)
            return -1;
        o->cps = n;
        o->capcps = cap;
    }
    checkpoint *cp = &o->cps[o->ncps++];
    cp->rows = json_integer_value(json_object_get(rec, "row_count"));
    snprintf(cp->hash, sizeof cp->hash, "%s", hash);
    cp->matched = 0;
    return 0;
}

/* A consumer assigned to every partition of gfdx.audit from the beginning, or NULL (err). */
static rd_kafka_t *audit_consumer(const audit_opts *o, int *nparts, char *err, size_t errlen)
{
    const char *brokers = o->brokers ? o->brokers : getenv("GFDX_KAFKA_BOOTSTRAP");
    if (!brokers || !*brokers)
        return snprintf(err, errlen, "no brokers: give --brokers or set GFDX_KAFKA_BOOTSTRAP"), NULL;
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, errlen) ||
        rd_kafka_conf_set(conf, "group.id", "gfdx-audit-verify", err, errlen) ||
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, errlen) ||
        rd_kafka_conf_set(conf, "log_level", "0", err, errlen)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, errlen);
    if (!rk)
        return NULL;
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *t = rd_kafka_topic_new(rk, AUDIT_TOPIC, NULL);
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, t, &md, o->timeout_ms);
    rd_kafka_topic_destroy(t);
    *nparts = e || md->topic_cnt != 1 || md->topics[0].err ? -1 : md->topics[0].partition_cnt;
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(*nparts > 0 ? *nparts : 1);
    for (int i = 0; i < *nparts; i++)
        rd_kafka_topic_partition_list_add(parts, AUDIT_TOPIC, i)->offset = RD_KAFKA_OFFSET_BEGINNING;
    if (md)
        rd_kafka_metadata_destroy(md);
    if (*nparts < 0 || rd_kafka_assign(rk, parts)) {
        snprintf(err, errlen, "%s: %s", AUDIT_TOPIC, e ? rd_kafka_err2str(e) : "topic not found");
        rd_kafka_topic_partition_list_destroy(parts);
        rd_kafka_destroy(rk);
        return NULL;
    }
    rd_kafka_topic_partition_list_destroy(parts);
    return rk;
}

/* The high watermark of each partition into end[] (at most nparts); the count of partitions
 * holding records (low < high) is returned, -1 on error (err). */
static int audit_ends(rd_kafka_t *rk, const audit_opts *o, int nparts, int64_t *end, char *err, size_t errlen)
{
    int left = 0;
    for (int p = 0; p < nparts; p++) {
        int64_t lo = 0, hi = 0;
        rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk, AUDIT_TOPIC, p, &lo, &hi, o->timeout_ms);
        if (e)
            return snprintf(err, errlen, "%s[%d]: %s", AUDIT_TOPIC, p, rd_kafka_err2str(e)), -1;
        end[p] = hi > lo ? hi : -1;
        left += hi > lo;
    }
    return left;
}

/* Decodes one record of gfdx.audit and keeps it if it is a checkpoint of our schema (other
 * records are skipped). 0, or -1 out of memory. */
static int take_record(audit_opts *o, const gfdx_catalog *cat, const rd_kafka_message_t *m)
{
    json_t *rec = NULL;
    const gfdx_schema *w = NULL;
    char derr[256];
    int rc = 0;
    if (gfdx_serde_decode(cat, m->payload, m->len, &rec, &w, derr, sizeof derr) == GFDX_SERDE_OK &&
        !strcmp(gfdx_schema_name(w), "AuditCheckpoint"))
        rc = keep_checkpoint(o, rec);
    json_decref(rec);
    return rc;
}

/* Reads gfdx.audit to the high watermarks it had when we started; our schema's checkpoints
 * into o->cps. 0 or -1 (err). */
static int read_checkpoints(audit_opts *o, const gfdx_catalog *cat, char *err, size_t errlen)
{
    int nparts = 0, rc = 0;
    rd_kafka_t *rk = audit_consumer(o, &nparts, err, errlen);
    if (!rk)
        return -1;
    int64_t *end = calloc((size_t)nparts + 1, sizeof *end);
    int left = end ? audit_ends(rk, o, nparts, end, err, errlen) : (snprintf(err, errlen, "out of memory"), -1);
    rc = left < 0 ? -1 : 0;
    int64_t deadline = gfdx_mono_ms() + o->timeout_ms;
    while (rc == 0 && left > 0 && gfdx_mono_ms() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
        if (!m)
            continue;
        if (!m->err && m->partition >= 0 && m->partition < nparts && end[m->partition] >= 0) {
            if ((rc = take_record(o, cat, m)))
                snprintf(err, errlen, "out of memory");
            if (m->offset + 1 >= end[m->partition])
                end[m->partition] = -1, left--;
        }
        rd_kafka_message_destroy(m);
    }
    if (rc == 0 && left > 0)
        rc = -1, snprintf(err, errlen, "%s: not read to its end within %d ms", AUDIT_TOPIC, o->timeout_ms);
    free(end);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return rc;
}

/* ---- the chain ---- */

/* Columns of the walk, in E(row) order from topic on (audit_chain.h), then the chain's. */
#define WALK_COLUMNS                                                                                      \
    "topic, partition::text, \"offset\"::text, event_id, sender, record_type, fingerprint, value_sha256,"  \
    " key, value, sig_kid, sig, outcome, reason_code, chain_seq, prev_hash, row_hash, authn,"            \
    " (extract(epoch FROM received_at) * 1000)::bigint"
enum { W_SENDER = 4, W_KEY = 8, W_VALUE = 9, W_KID = 10, W_SIG = 11, W_SEQ = 14, W_PREV = 15, W_HASH = 16,
       W_AUTHN = 17, W_RECEIVED = 18 };

typedef struct {
    long long seq;                       /* rows verified so far = chain_seq of the last */
    unsigned char head[GFDX_CHAIN_HASH_LEN]; /* recomputed hash of the last row (zeros at start) */
    char where[160];                     /* the row being checked, for messages */
} walk_state;

static void to_hex(const unsigned char *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* A bytea column (text result "\x..."), malloc'd into *out (NULL for SQL NULL). */
static size_t bytea_col(const PGresult *r, int row, int col, unsigned char **out)
{
    size_t n = 0;
    *out = PQgetisnull(r, row, col) ? NULL : PQunescapeBytea((const unsigned char *)PQgetvalue(r, row, col), &n);
    return n;
}

static gfdx_chain_field text_col(const PGresult *r, int row, int col)
{
    return gfdx_chain_text(PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col));
}

/* What is wrong with row i: NULL when it verifies (then w advances), else a description. */
/* A row whose signature was verified on receipt (authn OK) must verify again under the
 * registry's key, judged at the time it was received: a changed key, value, kid or signature,
 * or a key the registry never held, is found. NULL, or a description (why filled). */
static const char *check_signature(audit_opts *o, const PGresult *r, int i, unsigned char *const b[4],
                                   const size_t n[4], char *why, size_t whylen)
{
    if (PQgetisnull(r, i, W_AUTHN) || strcmp(PQgetvalue(r, i, W_AUTHN), "OK"))
        return NULL;
    char err[256] = "";
    gfdx_authn a = gfdx_registry_authenticate(
        o->registry, PQgetvalue(r, i, W_SENDER), PQgetisnull(r, i, W_KID) ? NULL : PQgetvalue(r, i, W_KID), b[0],
        n[0], b[1] ? (const void *)b[1] : "", n[1], b[2], n[2], strtoll(PQgetvalue(r, i, W_RECEIVED), NULL, 10),
        err, sizeof err);
    if (a == GFDX_AUTHN_OK) {
        o->signatures++;
        return NULL;
    }
    snprintf(why, whylen, "its signature does not verify again (%s%s%s)",
             a == GFDX_AUTHN_ERROR ? "BAD_SIGNATURE" : gfdx_authn_name(a), err[0] ? ": " : "", err);
    return why;
}

static const char *check_row(const audit_opts *o, const PGresult *r, int i, walk_state *w, unsigned char *b[4],
                             size_t n[4])
{
    static const int bcols[] = {W_KEY, W_VALUE, W_SIG, W_PREV};
    gfdx_chain_field f[GFDX_CF_COUNT];
    unsigned char h[GFDX_CHAIN_HASH_LEN], stored[GFDX_CHAIN_HASH_LEN];
    char sha[65];
    f[GFDX_CF_SCHEMA] = gfdx_chain_text(o->a.service->schema);
    for (int c = 0; c < W_SEQ; c++)
        f[GFDX_CF_TOPIC + c] = text_col(r, i, c);
    for (int k = 0; k < 4; k++)
        n[k] = bytea_col(r, i, bcols[k], &b[k]);
    f[GFDX_CF_KEY] = (gfdx_chain_field){b[0], n[0]};
    f[GFDX_CF_VALUE] = (gfdx_chain_field){b[1] ? (const void *)b[1] : NULL, n[1]};
    f[GFDX_CF_SIG] = (gfdx_chain_field){b[2], n[2]};
    long long seq = strtoll(PQgetvalue(r, i, W_SEQ), NULL, 10);
    snprintf(w->where, sizeof w->where, "row chain_seq %lld (%s[%s]@%s)", seq, PQgetvalue(r, i, 0),
             PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
    if (seq != w->seq + 1)
        return seq > w->seq + 1 ? "rows are missing before it (deleted)" : "its chain_seq is out of order";
    if (!b[3] || n[3] != GFDX_CHAIN_HASH_LEN || memcmp(b[3], w->head, GFDX_CHAIN_HASH_LEN))
        return "its prev_hash is not the previous row's hash";
    gfdx_sha256_hex(b[1] ? (const void *)b[1] : "", n[1], sha);
    if (!b[1] || PQgetisnull(r, i, 7) || strcmp(sha, PQgetvalue(r, i, 7)))
        return "its value is not the value whose SHA-256 was logged (value or value_sha256 changed)";
    unsigned char *hb = NULL;
    size_t hn = bytea_col(r, i, W_HASH, &hb);
    int same = hb && hn == sizeof stored && (memcpy(stored, hb, hn), 1);
    PQfreemem(hb);
    if (gfdx_chain_row_hash(w->head, f, h))
        return "out of memory";
    if (!same || memcmp(h, stored, sizeof h))
        return "its content does not match its row_hash (a field was changed)";
    memcpy(w->head, h, sizeof h);
    w->seq = seq;
    return NULL;
}

/* Checks the checkpoints that name the row just verified. NULL, or a description. */
static const char *check_checkpoints(audit_opts *o, const walk_state *w, char *why, size_t whylen)
{
    char hex[65];
    to_hex(w->head, sizeof w->head, hex);
    for (size_t k = 0; k < o->ncps; k++) {
        if (o->cps[k].rows != w->seq)
            continue;
        if (strcmp(o->cps[k].hash, hex))
            return snprintf(why, whylen, "a checkpoint on %s has head hash %s at this row, the log %s", AUDIT_TOPIC,
                            o->cps[k].hash, hex), why;
        o->cps[k].matched = 1;
    }
    return NULL;
}

/* Walks the chain with a cursor, AUDIT_FETCH_ROWS at a time. 0 verified so far (w->seq rows),
 * 1 a difference (printed), -1 a failure (printed). */
static int walk_chain(PGconn *db, audit_opts *o, walk_state *w)
{
    char sql[512], err[1024], why[256];
    snprintf(sql, sizeof sql,
             "DECLARE audit_walk NO SCROLL CURSOR FOR SELECT " WALK_COLUMNS
             " FROM %s.message_log WHERE chain_seq IS NOT NULL ORDER BY chain_seq",
             o->a.service->schema);
    PGresult *r = cli_db_query(db, sql, 0, NULL, err, sizeof err);
    int rc = r ? 0 : -1;
    for (PQclear(r); rc == 0;) {
        if (!(r = cli_db_query(db, "FETCH " AUDIT_FETCH_ROWS " FROM audit_walk", 0, NULL, err, sizeof err))) {
            rc = -1;
            break;
        }
        int rows = PQntuples(r);
        for (int i = 0; rc == 0 && i < rows; i++) {
            unsigned char *b[4] = {0};
            size_t n[4];
            const char *bad = check_row(o, r, i, w, b, n);
            if (!bad)
                bad = check_signature(o, r, i, b, n, why, sizeof why);
            if (!bad)
                bad = check_checkpoints(o, w, why, sizeof why);
            if (bad) {
                printf("%s.message_log: %s: %s\n", o->a.service->schema, w->where, bad);
                rc = 1;
            }
            for (int k = 0; k < 4; k++)
                PQfreemem(b[k]);
        }
        PQclear(r);
        if (rows == 0)
            break;
    }
    if (rc < 0)
        cli_args_error(&o->a, "%s.message_log: %s", o->a.service->schema, err);
    return rc;
}

/* The chain head row and the checkpoints beyond the log's end. 0 or 1 (printed), -1 failure. */
static int check_end(PGconn *db, audit_opts *o, const walk_state *w)
{
    char sql[256], err[1024], hex[65];
    snprintf(sql, sizeof sql, "SELECT row_count, encode(head_hash, 'hex') FROM %s.message_log_chain",
             o->a.service->schema);
    PGresult *r = cli_db_query(db, sql, 0, NULL, err, sizeof err);
    if (!r)
        return cli_args_error(&o->a, "%s.message_log_chain: %s", o->a.service->schema, err), -1;
    to_hex(w->head, sizeof w->head, hex);
    int rc = 0;
    if (PQntuples(r) != 1 || strtoll(PQgetvalue(r, 0, 0), NULL, 10) != w->seq || strcmp(PQgetvalue(r, 0, 1), hex)) {
        printf("%s.message_log: the log ends at row chain_seq %lld (hash %s) but the chain head says %s rows,"
               " hash %s: rows at the end were deleted or the head was changed\n", o->a.service->schema, w->seq,
               hex, PQntuples(r) ? PQgetvalue(r, 0, 0) : "no", PQntuples(r) ? PQgetvalue(r, 0, 1) : "-");
        rc = 1;
    }
    PQclear(r);
    for (size_t k = 0; rc == 0 && k < o->ncps; k++)
        if (o->cps[k].rows > w->seq) {
            printf("%s.message_log: row chain_seq %lld is missing: a checkpoint on %s covered %lld rows"
                   " (head hash %s), the log ends at row %lld\n", o->a.service->schema, w->seq + 1, AUDIT_TOPIC,
                   o->cps[k].rows, o->cps[k].hash, w->seq);
            rc = 1;
        }
    return rc;
}

static int audit_verify(audit_opts *o)
{
    char err[1024], hex[65];
    gfdx_catalog *cat = gfdx_catalog_load(cli_schemas_dir(), err, sizeof err);
    if (!cat)
        return cli_args_error(&o->a, "schemas: %s", err), CLI_EXIT_FAIL;
    int rc = read_checkpoints(o, cat, err, sizeof err);
    gfdx_catalog_free(cat);
    if (rc == 0 && !(o->registry = gfdx_registry_load(o->participants, err, sizeof err)))
        return cli_args_error(&o->a, "participants: %s", err), CLI_EXIT_FAIL;
    if (rc)
        return cli_args_error(&o->a, "%s", err), CLI_EXIT_FAIL;
    PGconn *db = cli_args_connect(&o->a);
    if (!db)
        return CLI_EXIT_FAIL;
    walk_state w = {0};
    PGresult *r = cli_db_query(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, err, sizeof err);
    rc = r ? walk_chain(db, o, &w) : (cli_args_error(&o->a, "%s", err), -1);
    PQclear(r);
    if (rc == 0)
        rc = check_end(db, o, &w);
    PQfinish(db);
    size_t matched = 0;
    long long latest = 0;
    for (size_t k = 0; k < o->ncps; k++) {
        matched += (size_t)o->cps[k].matched;
        latest = o->cps[k].rows > latest ? o->cps[k].rows : latest;
    }
    to_hex(w.head, sizeof w.head, hex);
    if (rc == 0)
        printf("%s.message_log: %lld rows verified, %lld signatures verified again, head hash %s, %zu of %zu"
               " checkpoints matched (latest at row %lld)\n", o->a.service->schema, w.seq, o->signatures, hex,
               matched, o->ncps, latest);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

int cli_audit(int argc, char **argv)
{
    static const char *const subs[] = {"verify", NULL};
    audit_opts o = {.a = {.cmd = "gfdx audit verify"}, .timeout_ms = 15000};
    int sub = 0, rc = cli_args_subcommand(&o.a, argc, argv, subs, audit_usage, &sub);
    if (rc >= 0)
        return rc;
    rc = parse_audit(argc - 1, argv + 1, &o);
    char dflt[PATH_MAX];
    if (!o.participants)
        o.participants = getenv("GFDX_PARTICIPANTS");
    if (!o.participants || !*o.participants)
        o.participants = gfdx_config_default_path(GFDX_SOURCE_DIR "/deploy/participants.cfg", dflt, sizeof dflt);
    if (rc < 0)
        rc = audit_verify(&o);
    gfdx_registry_free(o.registry);
    free(o.cps);
    return rc;
}
