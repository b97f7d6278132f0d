/* pgstore.c: PostgreSQL connection, execution and migrations. See pgstore.h. */
#include "pgstore.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "fault.h"
#include "log.h"

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        return; /* a signal cuts the wait short: the caller re-checks its stop flag */
}

PGconn *gfdx_pg_connect(const char *conninfo, const char *app_name, int max_backoff_ms,
                        volatile sig_atomic_t *stop)
{
    int backoff = 100;
    for (int attempt = 1; !(stop && *stop); attempt++) {
        const char *keys[] = {"dbname", "application_name", "client_encoding", NULL};
        const char *vals[] = {conninfo, app_name, "UTF8", NULL};
        PGconn *db = PQconnectdbParams(keys, vals, 1);
        if (db && PQstatus(db) == CONNECTION_OK) {
            if (attempt > 1)
                GFDX_INFO("connected to PostgreSQL after %d attempts", attempt);
            return db;
        }
        char raw[512], msg[512];
        snprintf(raw, sizeof raw, "%s", db ? PQerrorMessage(db) : "out of memory");
        raw[strcspn(raw, "\n")] = '\0';
        gfdx_config_redact(raw, conninfo, msg, sizeof msg); /* libpq may quote the conninfo */
        PQfinish(db);
        GFDX_WARN("PostgreSQL unavailable (attempt %d, retry in %d ms): %s", attempt, backoff, msg);
        sleep_ms(backoff);
        backoff = backoff * 2 > max_backoff_ms ? max_backoff_ms : backoff * 2;
    }
    return NULL;
}

bool gfdx_pg_is_transient(PGconn *db, const PGresult *res)
{
    if (!db || PQstatus(db) != CONNECTION_OK)
        return true;
    if (!res)
        return true; /* no result at all: the connection (or libpq's memory) failed mid-call */
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (!state)
        return false; /* libpq's own complaint about the statement (e.g. too many parameters) */
    return gfdx_fault_sqlstate_is_transient(state);
}

/* Prepared-statement cache. Each daemon runs a small fixed set of SQL texts per record, so
 * parsing and planning them every time would dominate: a text is prepared once per
 * connection (PQprepare) and run by name afterwards. The cache belongs to one connection,
 * recognised by pointer and backend pid (a reconnect may reuse the pointer). One cache per
 * thread (a daemon's consume and relay threads each own one connection). Full cache: plain
 * PQexecParams. */
#define STMT_CACHE_SIZE 256

static _Thread_local struct {
    PGconn *db;
    int backend_pid;
    int count;
    struct {
        uint64_t hash;
        char *sql;
    } entries[STMT_CACHE_SIZE];
} stmt_cache;

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void stmt_cache_reset(PGconn *db)
{
    for (int i = 0; i < stmt_cache.count; i++)
        free(stmt_cache.entries[i].sql);
    stmt_cache.count = 0;
    stmt_cache.db = db;
    stmt_cache.backend_pid = db ? PQbackendPID(db) : 0;
}

void gfdx_pg_thread_done(void)
{
    stmt_cache_reset(NULL);
}

/* Name of the prepared statement for sql on db ("gfdx_s<N>"), preparing it if new. NULL if
 * the cache is full or the transaction already failed (the caller runs the text unprepared)
 * or if preparing failed: then *failed holds the server's answer (a failed PREPARE aborts
 * the transaction, so its error is the one to report). */
static const char *stmt_for(PGconn *db, const char *sql, int nparams, char name[24], PGresult **failed)
{
    if (stmt_cache.db != db || stmt_cache.backend_pid != PQbackendPID(db))
        stmt_cache_reset(db);
    uint64_t h = fnv1a(sql);
    for (int i = 0; i < stmt_cache.count; i++)
        if (stmt_cache.entries[i].hash == h && !strcmp(stmt_cache.entries[i].sql, sql)) {
            snprintf(name, 24, "gfdx_s%d", i);
            return name;
        }
    if (stmt_cache.count == STMT_CACHE_SIZE || PQtransactionStatus(db) == PQTRANS_INERROR)
        return NULL;
    int i = stmt_cache.count;
    snprintf(name, 24, "gfdx_s%d", i);
    PGresult *r = PQprepare(db, name, sql, nparams, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        *failed = r;
        return NULL;
    }
    PQclear(r);
    if (!(stmt_cache.entries[i].sql = strdup(sql)))
        return NULL;
    stmt_cache.entries[i].hash = h;
    stmt_cache.count++;
    return name;
}

PGresult *gfdx_pg_exec_bin(PGconn *db, const char *sql, int nparams, const char *const *params,
                           const int *lengths, const int *formats, char *err, size_t errlen,
                           bool *transient)
{
    char name[24];
    PGresult *res = NULL;
    const char *stmt = nparams > 0 ? stmt_for(db, sql, nparams, name, &res) : NULL;
    if (!res)
        res = stmt ? PQexecPrepared(db, stmt, nparams, params, lengths, formats, 0)
                   : PQexecParams(db, sql, nparams, NULL, params, lengths, formats, 0);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return res;
    const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(db);
    snprintf(err, errlen, "%s", msg && *msg ? msg : "unknown PostgreSQL error");
    err[strcspn(err, "\n")] = '\0';
    if (transient)
        *transient = gfdx_pg_is_transient(db, res);
    PQclear(res);
    return NULL;
}

PGresult *gfdx_pg_exec(PGconn *db, const char *sql, int nparams, const char *const *params, char *err,
                       size_t errlen, bool *transient)
{
    return gfdx_pg_exec_bin(db, sql, nparams, params, NULL, NULL, err, errlen, transient);
}

int gfdx_pg_run(PGconn *db, const char *sql, int nparams, const char *const *params, char *err,
                size_t errlen, bool *transient)
{
    PGresult *res = gfdx_pg_exec(db, sql, nparams, params, err, errlen, transient);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}

int gfdx_pg_ident(PGconn *db, const char *ident, char *out, size_t outlen)
{
    char *q = PQescapeIdentifier(db, ident, strlen(ident));
    if (!q)
        return -1;
    int rc = (size_t)snprintf(out, outlen, "%s", q) < outlen ? 0 : -1;
    PQfreemem(q);
    return rc;
}

/* ---- migrations ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of <dir>/<sub>/NNN_*.sql. *names malloc'd (free each and the array). */
static int list_sql(const char *dir, const char *sub, char ***names, size_t *count)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    *names = NULL;
    *count = 0;
    DIR *d = opendir(path);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".sql"))
            continue;
        char **grown = realloc(*names, (*count + 1) * sizeof *grown);
        if (!grown || !(grown[*count] = strdup(e->d_name))) {
            free(grown ? grown : *names);
            *names = NULL;
            closedir(d);
            return -1;
        }
        *names = grown;
        (*count)++;
    }
    closedir(d);
    qsort(*names, *count, sizeof **names, cmp_str);
    return 0;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, len = 0, n;
    char chunk[8192];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            char *grown = realloc(buf, cap);
            if (!grown) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = grown;
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (!buf)
        buf = calloc(1, 1);
    else
        buf[len] = '\0';
    return buf;
}

/* Applies one migration file in its own transaction unless already recorded. 1 applied,
 * 0 already there, -1 error. */
static int apply_one(PGconn *db, const char *dir, const char *sub, const char *file, const char *qschema,
                     char *err, size_t errlen)
{
    char name[512], path[1024], sql[512];
    snprintf(name, sizeof name, "%s/%s", sub, file);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(sql, sizeof sql, "SELECT 1 FROM %s.migration WHERE name = $1", qschema);
    const char *p[] = {name};
    PGresult *r = gfdx_pg_exec(db, sql, 1, p, err, errlen, NULL);
    if (!r)
        return -1;
    int done = PQntuples(r) > 0;
    PQclear(r);
    if (done)
        return 0;
    char *text = read_text(path);
    if (!text) {
        snprintf(err, errlen, "%s: cannot read migration", path);
        return -1;
    }
    snprintf(sql, sizeof sql, "SET LOCAL search_path TO %s, public", qschema);
    int rc = gfdx_pg_run(db, "BEGIN", 0, NULL, err, errlen, NULL) || gfdx_pg_run(db, sql, 0, NULL, err, errlen, NULL);
    if (rc == 0) {
        PGresult *m = PQexec(db, text); /* trusted file: may hold several statements */
        if (PQresultStatus(m) != PGRES_COMMAND_OK && PQresultStatus(m) != PGRES_TUPLES_OK) {
            snprintf(err, errlen, "%s: %s", name, PQresultErrorMessage(m));
            err[strcspn(err, "\n")] = '\0';
            rc = -1;
        }
        PQclear(m);
    }
    snprintf(sql, sizeof sql, "INSERT INTO %s.migration (name) VALUES ($1)", qschema);
    if (rc == 0)
        rc = gfdx_pg_run(db, sql, 1, p, err, errlen, NULL) || gfdx_pg_run(db, "COMMIT", 0, NULL, err, errlen, NULL);
    free(text);
    if (rc) {
        PQclear(PQexec(db, "ROLLBACK"));
        return -1;
    }
    GFDX_INFO("applied migration %s to schema %s", name, qschema);
    return 1;
}

static int apply_dir(PGconn *db, const char *dir, const char *sub, const char *qschema, char *err, size_t errlen)
{
    char **names;
    size_t count;
    if (list_sql(dir, sub, &names, &count)) {
        snprintf(err, errlen, "%s/%s: cannot list migrations", dir, sub);
        return -1;
    }
    int applied = 0;
    for (size_t i = 0; i < count && applied >= 0; i++) {
        int rc = apply_one(db, dir, sub, names[i], qschema, err, errlen);
        applied = rc < 0 ? -1 : applied + rc;
    }
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
    return applied;
}

int gfdx_pg_migrate(PGconn *db, const char *dir, const char *schema, char *err, size_t errlen)
{
    char qschema[256], sql[768];
    if (gfdx_pg_ident(db, schema, qschema, sizeof qschema)) {
        snprintf(err, errlen, "schema name \"%s\" is not a valid identifier", schema);
        return -1;
    }
    const char *p[] = {schema};
    /* Session lock: held across the per-file transactions, released below. */
    if (gfdx_pg_run(db, "SELECT pg_advisory_lock(hashtext('gfdx.migrate.' || $1))", 1, p, err, errlen, NULL))
        return -1;
    snprintf(sql, sizeof sql,
             "CREATE SCHEMA IF NOT EXISTS %s; CREATE TABLE IF NOT EXISTS %s.migration ("
             " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
             qschema, qschema);
    PGresult *r = PQexec(db, sql);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
    if (rc)
        snprintf(err, errlen, "creating schema %s: %s", schema, PQresultErrorMessage(r));
    PQclear(r);
    int common = rc ? -1 : apply_dir(db, dir, "common", qschema, err, errlen);
    int own = common < 0 ? -1 : apply_dir(db, dir, schema, qschema, err, errlen);
    char ignored[256];
    if (gfdx_pg_run(db, "SELECT pg_advisory_unlock(hashtext('gfdx.migrate.' || $1))", 1, p, ignored,
                    sizeof ignored, NULL))
        GFDX_WARN("releasing the migration lock: %s", ignored);
    return own < 0 ? -1 : common + own;
}
