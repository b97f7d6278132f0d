/* gfdx dead-letters: list, show and replay the records a daemon could not decode
 * (<schema>.dead_letter: bad marker, unknown fingerprint, truncated body; DESIGN §8).
 *
 * Replay sends the raw value, byte for byte, with its original key to its original topic
 * and partition through an idempotent producer, then sets replayed_at. The row stays
 * locked (SELECT ... FOR UPDATE) from the read until replayed_at is committed, so two
 * operators replaying the same id send it once; a row already replayed is skipped unless
 * --force. Typical use: a writer's schema was missing from the catalogue; after the
 * daemons were given it (deploy, restart), replaying lets them decode the records. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kafka.h"
#include "listing.h"

#define DL_MAX_PROPS 32

typedef struct {
    cli_args a;
    bool pending, force;
    const char *brokers;
    char *props[DL_MAX_PROPS];
    size_t nprops;
    int timeout_ms;
} dl_opts;


static void dl_usage(FILE *out)
{
    fprintf(out,
            "usage: gfdx dead-letters list [--service S] [--pending] [--since WHEN] [--limit N] [options]\n"
            "       gfdx dead-letters show ID [--service S] [options]\n"
            "       gfdx dead-letters replay ID... [--service S] [--brokers B] [-X k=v] [--force] [options]\n"
            "\n"
            "Records a daemon could not decode (bad marker, unknown fingerprint, truncated body),\n"
            "kept in <schema>.dead_letter with their raw bytes.\n"
            "  list     id, service, topic [partition] @offset, key, size, reason, received, replayed\n"
            "  show     every field and the raw value as a hex dump\n"
            "  replay   re-sends the raw value with its original key to its original topic and\n"
            "           partition (idempotent producer), then sets replayed_at; an id already\n"
            "           replayed is skipped unless --force. Ids are per service: give --service when\n"
            "           the same id exists in several services' tables.\n"
            "\n"
            "options:\n");
    cli_args_help(out, 1);
    fprintf(out,
            "  --pending        list: only dead letters not replayed yet\n"
            "  --brokers B      replay: Kafka bootstrap servers (default $GFDX_KAFKA_BOOTSTRAP)\n"
            "  -X key=value     replay: a librdkafka property (TLS/SASL for production Kafka)\n"
            "  --force          replay: send again even if already replayed\n"
            "  --timeout-ms N   replay: wait for the broker's acknowledgement (default 30000)\n"
            "\n"
            "exit status: 0 ok, 1 failure (database, Kafka, unknown id), 2 usage error\n");
}

static int parse_dl(int argc, char **argv, dl_opts *o)
{
    static const struct option longopts[] = {CLI_ARGS_LONGOPTS,
                                             CLI_ARGS_LIST_LONGOPTS,
                                             {"pending", no_argument, 0, 'p'},
                                             {"brokers", required_argument, 0, 'b'},
                                             {"force", no_argument, 0, 'f'},
                                             {"timeout-ms", required_argument, 0, 'w'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    int c, rc;
    char *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "X:h", longopts, NULL)) != -1) {
        if ((rc = cli_args_take(&o->a, c, optarg)) != 1) {
            if (rc)
                return rc;
            continue;
        }
        switch (c) {
        case 'p': o->pending = true; break;
        case 'b': o->brokers = optarg; break;
        case 'f': o->force = true; break;
        case 'w':
            o->timeout_ms = (int)strtol(optarg, &end, 10);
            if (*end || o->timeout_ms < 100)
                return cli_args_error(&o->a, "--timeout-ms %s: expected a number >= 100", optarg), 2;
            break;
        case 'X':
            if (o->nprops == DL_MAX_PROPS)
                return cli_args_error(&o->a, "too many -X"), 2;
            o->props[o->nprops++] = optarg;
            break;
        case 'h': dl_usage(stdout); return 0;
        default: dl_usage(stderr); return 2;
        }
    }
    return -1;
}

/* Whether buf[0..n) is UTF-8 text without control characters (shown as is, else as hex). */
static bool printable(const unsigned char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char b = buf[i];
        if (b < 0x20 || b == 0x7F)
            return false;
        if (b < 0x80)
            continue;
        size_t len = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
        if (!len || i + len > n)
            return false;
        for (size_t j = 1; j < len; j++)
            if ((buf[i + j] & 0xC0) != 0x80)
                return false;
        i += len - 1;
    }
    return true;
}

/* A bytea column (text form) for display: the text when printable, else 0x + hex (cut at
 * 32 bytes with "..."). "" for NULL. */
static void bytes_display(const PGresult *r, int row, int col, char *out, size_t len)
{
    out[0] = '\0';
    if (PQgetisnull(r, row, col))
        return;
    size_t n = 0;
    unsigned char *b = PQunescapeBytea((const unsigned char *)PQgetvalue(r, row, col), &n);
    if (!b)
        return;
    if (printable(b, n)) {
        snprintf(out, len, "%.*s", (int)n, (const char *)b);
    } else {
        size_t o = (size_t)snprintf(out, len, "0x");
        for (size_t i = 0; i < n && i < 32 && o + 3 < len; i++)
            o += (size_t)snprintf(out + o, len - o, "%02x", b[i]);
        if (n > 32 && o + 4 < len)
            snprintf(out + o, len - o, "...");
    }
    PQfreemem(b);
}

static const cli_column dl_columns[] = {
    {"service", "服务", CLI_COL_TEXT},      {"id", "编号", CLI_COL_INT},
    {"topic", "主题", CLI_COL_TEXT},        {"partition", "分区", CLI_COL_INT},
    {"offset", "位点", CLI_COL_INT},        {"key", "键", CLI_COL_TEXT},
    {"bytes", "字节", CLI_COL_INT},         {"reason_code", "原因代码", CLI_COL_TEXT},
    {"reason", "原因", CLI_COL_TEXT},       {"received_at", "接收时间", CLI_COL_TEXT},
    {"replayed_at", "重放时间", CLI_COL_TEXT},
};
#define DL_NCOLS (sizeof dl_columns / sizeof dl_columns[0])

/* Appends one service's dead letters to t. 0 or -1 (message printed). */
static int dl_list_service(PGconn *db, const cli_service *s, const cli_args *a, const char *since, cli_table *t,
                           const void *ctx)
{
    const dl_opts *o = ctx;
    char sql[1024], limit[24], err[1024];
    snprintf(sql, sizeof sql,
             "SELECT id, topic, partition, \"offset\", key, coalesce(length(value), 0), reason_code, reason,"
             " to_char(received_at, 'YYYY-MM-DD HH24:MI:SS'),"
             " coalesce(to_char(replayed_at, 'YYYY-MM-DD HH24:MI:SS'), '')"
             " FROM %s.dead_letter WHERE ($1::timestamptz IS NULL OR received_at >= $1::timestamptz)"
             " AND (NOT $2::boolean OR replayed_at IS NULL) ORDER BY id LIMIT $3::bigint",
             s->schema);
    snprintf(limit, sizeof limit, "%ld", a->limit);
    const char *p[] = {since, o->pending ? "true" : "false", limit};
    PGresult *r = cli_db_query(db, sql, 3, p, err, sizeof err);
    if (!r)
        return cli_args_error(a, "%s.dead_letter: %s", s->schema, err), -1;
    int rc = 0;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        char key[160];
        bytes_display(r, i, 4, key, sizeof key);
        const char *cells[DL_NCOLS] = {s->name,           PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
                                       PQgetvalue(r, i, 3), key,               PQgetvalue(r, i, 5), PQgetvalue(r, i, 6),
                                       PQgetvalue(r, i, 7), PQgetvalue(r, i, 8), PQgetvalue(r, i, 9)};
        rc = cli_table_add(t, cells);
    }
    PQclear(r);
    return rc;
}

static const cli_listing dl_listing = {"dead_letter", "dead-letters", "Dead letters 死信", "dead_letters",
                                       "Undecodable records kept with their raw bytes", dl_columns, DL_NCOLS,
                                       dl_list_service};

static void hex_dump(FILE *out, const unsigned char *b, size_t n)
{
    for (size_t off = 0; off < n; off += 16) {
        fprintf(out, "%08zx  ", off);
        for (size_t i = 0; i < 16; i++) {
            if (off + i < n)
                fprintf(out, "%02x ", b[off + i]);
            else
                fputs("   ", out);
            if (i == 7)
                fputc(' ', out);
        }
        fputs(" |", out);
        for (size_t i = 0; i < 16 && off + i < n; i++)
            fputc(b[off + i] >= 0x20 && b[off + i] < 0x7F ? b[off + i] : '.', out);
        fputs("|\n", out);
    }
}

static void dl_print(const cli_service *s, const char *id, PGresult *r)
{
    char key[200];
    bytes_display(r, 0, 3, key, sizeof key);
    cli_term_printf(stdout, "dead letter %s #%s\n", s->name, id);
    cli_term_printf(stdout, "  topic        %s [%s] @%s\n", PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2));
    cli_term_printf(stdout, "  key          %s\n", PQgetisnull(r, 0, 3) ? "(none)" : key);
    cli_term_printf(stdout, "  fingerprint  %s\n", PQgetisnull(r, 0, 5) ? "-" : PQgetvalue(r, 0, 5));
    cli_term_printf(stdout, "  reason       %s: %s\n", PQgetvalue(r, 0, 6), PQgetvalue(r, 0, 7));
    cli_term_printf(stdout, "  received at  %s\n", PQgetvalue(r, 0, 8));
    cli_term_printf(stdout, "  replayed at  %s\n", PQgetisnull(r, 0, 9) ? "-" : PQgetvalue(r, 0, 9));
    size_t n = 0;
    unsigned char *b = PQgetisnull(r, 0, 4) ? NULL : PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 4), &n);
    cli_term_printf(stdout, "  value        %s%zu bytes\n", PQgetisnull(r, 0, 4) ? "(null) " : "", n);
    if (b)
        hex_dump(stdout, b, n);
    PQfreemem(b);
}

#define DL_ROW_COLUMNS \
    "topic, partition, \"offset\", key, value, fingerprint, reason_code, reason," \
    " to_char(received_at, 'YYYY-MM-DD HH24:MI:SS TZ'), to_char(replayed_at, 'YYYY-MM-DD HH24:MI:SS TZ')," \
    " sig_kid, sig"

static int dl_show(dl_opts *o, PGconn *db, const char *id)
{
    const cli_service *s;
    int rc = cli_list_find(&o->a, db, "dead_letter", "dead letter", id, &s);
    if (rc)
        return rc;
    char sql[512], err[1024];
    snprintf(sql, sizeof sql, "SELECT " DL_ROW_COLUMNS " FROM %s.dead_letter WHERE id = $1::bigint", s->schema);
    const char *p[] = {id};
    PGresult *r = cli_db_query(db, sql, 1, p, err, sizeof err);
    if (!r || PQntuples(r) != 1) {
        cli_args_error(&o->a, "%s", r ? "the dead letter disappeared" : err);
        PQclear(r);
        return 1;
    }
    dl_print(s, id, r);
    PQclear(r);
    return fflush(stdout) ? 1 : 0;
}

static int run(PGconn *db, const char *sql, const char *const *p, int n, char *err, size_t errlen)
{
    PGresult *r = cli_db_query(db, sql, n, p, err, errlen);
    PQclear(r);
    return r ? 0 : -1;
}

/* Sends the locked row r and marks it replayed. 0 sent, 1 skipped, -1 failed (err). */
static int dl_send(PGconn *db, const cli_service *s, const char *id, PGresult *r, cli_kafka *k, const dl_opts *o,
                   char *err, size_t errlen)
{
    if (!PQgetisnull(r, 0, 9) && !o->force) {
        printf("%s #%s: already replayed at %s, skipped (--force sends it again)\n", s->name, id, PQgetvalue(r, 0, 9));
        return 1;
    }
    size_t keylen = 0, len = 0;
    unsigned char *key = PQgetisnull(r, 0, 3) ? NULL : PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 3), &keylen);
    unsigned char *val = PQgetisnull(r, 0, 4) ? NULL : PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 4), &len);
    size_t siglen = 0; /* the record's own signature headers, as it arrived (migration 005) */
    const char *kid = PQgetisnull(r, 0, 10) || PQgetisnull(r, 0, 11) ? NULL : PQgetvalue(r, 0, 10);
    unsigned char *sig = kid ? PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 11), &siglen) : NULL;
    int64_t offset = -1;
    int rc = cli_kafka_send(k, PQgetvalue(r, 0, 0), (int32_t)atoi(PQgetvalue(r, 0, 1)), key, keylen, val, len,
                            sig ? kid : NULL, sig, siglen, o->timeout_ms, &offset, err, errlen);
    PQfreemem(key);
    PQfreemem(val);
    PQfreemem(sig);
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE %s.dead_letter SET replayed_at = now() WHERE id = $1::bigint", s->schema);
    const char *p[] = {id};
    if (rc == 0 && (run(db, sql, p, 1, err, errlen) || run(db, "COMMIT", NULL, 0, err, errlen))) {
        snprintf(err + strlen(err), errlen - strlen(err), " (the record WAS sent: check before replaying again)");
        return -1;
    }
    if (rc == 0)
        printf("%s #%s: replayed to %s [%s] @%lld (%zu bytes)\n", s->name, id, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1),
               (long long)offset, len);
    return rc;
}

/* Replays one id in its own transaction. 0 ok (sent or skipped), 1 failed, 2 ambiguous. */
static int dl_replay_one(dl_opts *o, PGconn *db, cli_kafka *k, const char *id)
{
    const cli_service *s;
    int found = cli_list_find(&o->a, db, "dead_letter", "dead letter", id, &s);
    if (found)
        return found;
    char sql[512], err[1024] = "";
    snprintf(sql, sizeof sql, "SELECT " DL_ROW_COLUMNS " FROM %s.dead_letter WHERE id = $1::bigint FOR UPDATE",
             s->schema);
    const char *p[] = {id};
    PGresult *r = NULL;
    int rc = run(db, "BEGIN READ WRITE", NULL, 0, err, sizeof err); /* sessions are read-only (db.c) */
    if (rc == 0 && !(r = cli_db_query(db, sql, 1, p, err, sizeof err)))
        rc = -1;
    if (rc == 0)
        rc = dl_send(db, s, id, r, k, o, err, sizeof err);
    PQclear(r);
    if (rc != 0)
        PQclear(PQexec(db, "ROLLBACK"));
    if (rc < 0)
        cli_args_error(&o->a, "%s #%s: %s", s->name, id, err);
    return rc < 0 ? 1 : 0;
}

static int dl_replay(dl_opts *o, PGconn *db, int nids, char **ids)
{
    char err[1024];
    for (int i = 0; i < nids; i++)
        if (!cli_list_is_id(ids[i]))
            return cli_args_error(&o->a, "%s: a dead letter id is a number", ids[i]), 2;
    cli_kafka *k = cli_kafka_new(o->brokers, o->props, o->nprops, err, sizeof err);
    if (!k)
        return cli_args_error(&o->a, "%s", err), strstr(err, "-X") ? 2 : 1;
    int worst = 0, failed = 0;
    for (int i = 0; i < nids; i++) {
        int rc = dl_replay_one(o, db, k, ids[i]);
        failed += rc != 0;
        worst = rc > worst ? rc : worst;
    }
    cli_kafka_free(k);
    if (failed)
        cli_args_error(&o->a, "%d of %d not replayed", failed, nids);
    return worst;
}

int cli_dead_letters(int argc, char **argv)
{
    static const char *const subs[] = {"list", "show", "replay", NULL};
    dl_opts o = {.a = {.cmd = "gfdx dead-letters", .limit = 200}, .timeout_ms = 30000};
    int which, rc = cli_args_subcommand(&o.a, argc, argv, subs, dl_usage, &which);
    if (rc >= 0)
        return rc;
    const char *sub = subs[which];
    rc = parse_dl(argc - 1, argv + 1, &o);
    if (rc >= 0)
        return rc;
    int nargs = argc - 1 - optind;
    char **args = argv + 1 + optind;
    if ((!strcmp(sub, "list") && nargs) || (!strcmp(sub, "show") && nargs != 1) || (!strcmp(sub, "replay") && !nargs)) {
        cli_args_error(&o.a, "%s: wrong number of arguments (gfdx dead-letters --help)", sub);
        return 2;
    }
    PGconn *db = cli_args_connect(&o.a);
    if (!db)
        return 1;
    rc = !strcmp(sub, "list") ? cli_list_run(&o.a, db, &dl_listing, &o) : !strcmp(sub, "show") ? dl_show(&o, db, args[0])
                                                                       : dl_replay(&o, db, nargs, args);
    PQfinish(db);
    return rc;
}
