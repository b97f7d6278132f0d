/* naive_consumer: the two baselines of bench/run.sh, on the same topic and PostgreSQL as the
 * daemon measured beside them.
 *   naive_consumer naive BROKERS TOPIC CONNINFO
 *       a naive per-record consumer: every record applied as it is consumed with its own
 *       autocommitted statements (a need-like upsert ON CONFLICT, a message-log insert, an
 *       event-id insert): three round trips and three commits a record, no batching, no
 *       decoding, no verification. Timed from the first record consumed to the last applied.
 *   naive_consumer copy BROKERS TOPIC CONNINFO
 *       the records' key and value bytes read into memory first, then ONE binary COPY into
 *       one (emptied) table; timed over the COPY alone, best of three (the least PostgreSQL
 *       can do with the bytes).
 * Prints one line: "<mode> <records> <seconds> <records/s>". Tables (naive_need, naive_log,
 * naive_event, bench_copy) are created if missing and emptied first. Exit 1 on any error. */
#include <arpa/inet.h>
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topic_read.h"

#define COPY_ROUNDS 3

static const char *const setup_sql =
    "SET client_min_messages = warning;"
    "CREATE TABLE IF NOT EXISTS naive_need (key text PRIMARY KEY, value bytea NOT NULL, n integer NOT NULL "
    "DEFAULT 1, updated_at timestamptz NOT NULL DEFAULT now());"
    "CREATE TABLE IF NOT EXISTS naive_log (id bigserial PRIMARY KEY, topic text NOT NULL, partition integer "
    "NOT NULL, \"offset\" bigint NOT NULL, key text, received_at timestamptz NOT NULL DEFAULT now(), "
    "UNIQUE (topic, partition, \"offset\"));"
    "CREATE TABLE IF NOT EXISTS naive_event (event_id uuid PRIMARY KEY, seen_at timestamptz NOT NULL DEFAULT now());"
    "CREATE TABLE IF NOT EXISTS bench_copy (topic text NOT NULL, partition integer NOT NULL, \"offset\" bigint "
    "NOT NULL, key bytea, value bytea);"
    "TRUNCATE naive_need, naive_log, naive_event, bench_copy";

typedef struct {
    PGconn *db;
    long n;
    long long first_ms, ms; /* first record consumed (naive); the time measured */
    char *buf; /* copy: the COPY BINARY stream being built */
    size_t len, cap;
} run_t;

/* Runs one parameterised statement (autocommit). Returns 0 or -1 (message on stderr). */
static int exec_params(PGconn *db, const char *sql, int n, const char *const *v, const int *lens, const int *fmts)
{
    PGresult *r = PQexecParams(db, sql, n, NULL, v, lens, fmts, 0);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "naive_consumer: %s", PQerrorMessage(db));
    PQclear(r);
    return ok ? 0 : -1;
}

/* The record's key as text: its key bytes, or "partition:offset" when it has none. */
static void key_text(const rd_kafka_message_t *m, char *out, size_t outlen)
{
    if (m->key_len > 0 && m->key_len < outlen) {
        memcpy(out, m->key, m->key_len);
        out[m->key_len] = '\0';
    } else {
        snprintf(out, outlen, "%d:%lld", (int)m->partition, (long long)m->offset);
    }
}

static int apply_naive(const rd_kafka_message_t *m, void *arg)
{
    run_t *r = arg;
    char key[512], part[16], off[24];
    if (!r->n)
        r->first_ms = bench_now_ms();
    key_text(m, key, sizeof key);
    snprintf(part, sizeof part, "%d", (int)m->partition);
    snprintf(off, sizeof off, "%lld", (long long)m->offset);
    const char *need[] = {key, m->payload};
    const int need_len[] = {0, (int)m->len}, need_fmt[] = {0, 1};
    const char *log[] = {rd_kafka_topic_name(m->rkt), part, off, key};
    if (exec_params(r->db, "INSERT INTO naive_need (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE "
                           "SET value = EXCLUDED.value, n = naive_need.n + 1, updated_at = now()",
                    2, need, need_len, need_fmt) ||
        exec_params(r->db, "INSERT INTO naive_log (topic, partition, \"offset\", key) VALUES ($1, $2, $3, $4)",
                    4, log, NULL, NULL) ||
        exec_params(r->db, "INSERT INTO naive_event (event_id) VALUES (md5($1::bytea)::uuid) ON CONFLICT DO NOTHING",
                    1, need + 1, need_len + 1, need_fmt + 1))
        return -1;
    r->n++;
    return 0;
}

static int buf_put(run_t *r, const void *p, size_t n)
{
    if (r->len + n > r->cap) {
        size_t cap = (r->cap ? r->cap * 2 : 1 << 20) + n;
        char *b = realloc(r->buf, cap);
        if (!b)
            return -1;
        r->buf = b;
        r->cap = cap;
    }
    memcpy(r->buf + r->len, p, n);
    r->len += n;
    return 0;
}

/* One COPY BINARY field: its length (-1: NULL) and bytes. */
static int put_field(run_t *r, const void *p, int32_t n)
{
    uint32_t be = htonl((uint32_t)n);
    return buf_put(r, &be, 4) || (n > 0 && buf_put(r, p, (size_t)n)) ? -1 : 0;
}

static int collect_copy(const rd_kafka_message_t *m, void *arg)
{
    run_t *r = arg;
    const char *topic = rd_kafka_topic_name(m->rkt);
    uint16_t nfields = htons(5);
    uint32_t part = htonl((uint32_t)m->partition);
    uint64_t off = (uint64_t)m->offset;
    uint32_t off_be[2] = {htonl((uint32_t)(off >> 32)), htonl((uint32_t)off)};
    if (buf_put(r, &nfields, 2) || put_field(r, topic, (int32_t)strlen(topic)) || put_field(r, &part, 4) ||
        put_field(r, off_be, 8) || put_field(r, m->key, m->key ? (int32_t)m->key_len : -1) ||
        put_field(r, m->payload, m->payload ? (int32_t)m->len : -1))
        return -1;
    r->n++;
    return 0;
}

/* Sends the collected stream as one COPY into an empty bench_copy. Returns 0 or -1. */
static int copy_send(run_t *r)
{
    PGresult *res = PQexec(r->db, "TRUNCATE bench_copy");
    PQclear(res);
    res = PQexec(r->db, "COPY bench_copy FROM STDIN (FORMAT binary)");
    int ok = PQresultStatus(res) == PGRES_COPY_IN;
    PQclear(res);
    for (size_t at = 0; ok && at < r->len; at += 1 << 16) {
        size_t n = r->len - at < (1 << 16) ? r->len - at : (1 << 16);
        ok = PQputCopyData(r->db, r->buf + at, (int)n) == 1;
    }
    ok = ok && PQputCopyEnd(r->db, NULL) == 1;
    while ((res = PQgetResult(r->db))) {
        ok = ok && PQresultStatus(res) == PGRES_COMMAND_OK;
        PQclear(res);
    }
    if (!ok)
        fprintf(stderr, "naive_consumer: COPY: %s", PQerrorMessage(r->db));
    return ok ? 0 : -1;
}

static int run_copy(run_t *r, const char *brokers, const char *topic, char *err, size_t errlen)
{
    static const char header[] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
    int16_t trailer = -1;
    if (buf_put(r, header, 19) || bench_topic_read(brokers, topic, collect_copy, r, err, errlen) < 0)
        return -1;
    uint16_t be = htons((uint16_t)trailer);
    if (buf_put(r, &be, 2))
        return -1;
    long long best = -1;
    for (int i = 0; i < COPY_ROUNDS; i++) { /* best of three: the machine is shared */
        long long t0 = bench_now_ms();
        if (copy_send(r))
            return -1;
        long long ms = bench_now_ms() - t0;
        if (best < 0 || ms < best)
            best = ms;
    }
    r->ms = best;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 5 || (strcmp(argv[1], "naive") && strcmp(argv[1], "copy"))) {
        fprintf(stderr, "usage: naive_consumer naive|copy BROKERS TOPIC CONNINFO\n");
        return 2;
    }
    run_t r = {.db = PQconnectdb(argv[4])};
    char err[512] = "";
    PGresult *res = NULL;
    if (PQstatus(r.db) != CONNECTION_OK || PQresultStatus(res = PQexec(r.db, setup_sql)) != PGRES_COMMAND_OK) {
        fprintf(stderr, "naive_consumer: %s", PQerrorMessage(r.db));
        return 1;
    }
    PQclear(res);
    int rc;
    if (!strcmp(argv[1], "copy")) {
        rc = run_copy(&r, argv[2], argv[3], err, sizeof err);
    } else {
        rc = bench_topic_read(argv[2], argv[3], apply_naive, &r, err, sizeof err) < 0 ? -1 : 0;
        r.ms = bench_now_ms() - r.first_ms;
    }
    if (rc) {
        fprintf(stderr, "naive_consumer: %s\n", err[0] ? err : "failed");
    } else {
        double s = (r.ms > 0 ? r.ms : 1) / 1000.0;
        printf("%s %ld %.3f %.0f\n", argv[1], r.n, s, r.n / s);
    }
    free(r.buf);
    PQfinish(r.db);
    return rc ? 1 : 0;
}
