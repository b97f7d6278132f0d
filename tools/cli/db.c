/* db.c: conninfo resolution, connection and parameterised queries for the CLI. */
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "pgstore.h"

static const cli_service services[] = {
    {"intake", "intake", "gfdx-intake"},
    {"pboc", "pboc", "gfdx-push"},
    {"feedback", "feedback", "gfdx-feedback"},
    {"district", "district", "gfdx-namelist"},
};

const cli_service *cli_services(size_t *n)
{
    *n = sizeof services / sizeof services[0];
    return services;
}

const cli_service *cli_service_find(const char *name)
{
    static const char *const aliases[][2] = {{"push", "pboc"}, {"namelist", "district"}};
    if (!name)
        return NULL;
    if (!strncmp(name, "gfdx-", 5))
        name += 5;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (!strcmp(name, aliases[i][0]))
            name = aliases[i][1];
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
        if (!strcmp(name, services[i].name))
            return &services[i];
    return NULL;
}

static char *conninfo_from_config(const char *path, char *err, size_t errlen)
{
    gfdx_daemon_config cfg = {0};
    char why[512];
    char *conninfo = NULL;
    if (gfdx_config_load_daemon(path, &cfg, why, sizeof why))
        snprintf(err, errlen, "--config %s: %s", path, why);
    else if (!(conninfo = strdup(cfg.pg_conninfo ? cfg.pg_conninfo : "")))
        snprintf(err, errlen, "out of memory");
    gfdx_config_release_daemon(&cfg);
    return conninfo;
}

char *cli_db_conninfo(const char *db_opt, const char *config, char *err, size_t errlen)
{
    const char *env = getenv("GFDX_PG_CONNINFO");
    const char *given = db_opt ? db_opt : env && *env ? env : NULL;
    if (given) {
        char *c = strdup(given);
        if (!c)
            snprintf(err, errlen, "out of memory");
        return c;
    }
    if (config)
        return conninfo_from_config(config, err, errlen);
    snprintf(err, errlen, "no database: give --db CONNINFO, set GFDX_PG_CONNINFO, or --config DAEMON.cfg");
    return NULL;
}

PGconn *cli_db_open(const char *db_opt, const char *config, char *err, size_t errlen)
{
    char *conninfo = cli_db_conninfo(db_opt, config, err, errlen);
    if (!conninfo)
        return NULL;
    if (gfdx_config_check_conninfo(conninfo, err, errlen)) {
        free(conninfo);
        return NULL;
    }
    setenv("PGCONNECT_TIMEOUT", "10", 0);
    setenv("PGAPPNAME", "gfdx-cli", 0);
    PGconn *db = PQconnectdb(conninfo);
    char masked[512];
    gfdx_config_mask_conninfo(conninfo, masked, sizeof masked);
    char refused[512];
    gfdx_config_redact(db ? PQerrorMessage(db) : "", conninfo, refused, sizeof refused);
    free(conninfo);
    if (!db) {
        snprintf(err, errlen, "PostgreSQL: out of memory");
        return NULL;
    }
    if (PQstatus(db) != CONNECTION_OK) {
        snprintf(err, errlen, "cannot connect to PostgreSQL (%s): %s", masked, refused);
        err[strcspn(err, "\n")] = '\0';
        PQfinish(db);
        return NULL;
    }
    char why[256];
    const char *tz = getenv("PGTZ") ? NULL : "SET TimeZone = 'Asia/Shanghai'";
    /* Read-only by default: a report can never change the state it reports on. The one write
     * of the CLI (dead-letters replay marking replayed_at) opens its transaction READ WRITE. */
    const char *ro = "SET default_transaction_read_only = on";
    if (PQsetClientEncoding(db, "UTF8") || (tz && gfdx_pg_run(db, tz, 0, NULL, why, sizeof why, NULL)) ||
        gfdx_pg_run(db, ro, 0, NULL, why, sizeof why, NULL)) {
        snprintf(err, errlen, "PostgreSQL session set-up failed: %s", PQerrorMessage(db));
        PQfinish(db);
        return NULL;
    }
    return db;
}

PGresult *cli_db_query(PGconn *db, const char *sql, int nparams, const char *const *params, char *err,
                       size_t errlen)
{
    char why[1024];
    PGresult *r = gfdx_pg_exec(db, sql, nparams, params, why, sizeof why, NULL);
    if (!r) {
        why[strcspn(why, "\n")] = '\0';
        snprintf(err, errlen, "query failed: %s", why);
    }
    return r;
}

int cli_db_has(PGconn *db, const char *relation, char *err, size_t errlen)
{
    const char *p[] = {relation};
    PGresult *r = cli_db_query(db, "SELECT to_regclass($1) IS NOT NULL", 1, p, err, errlen);
    if (!r)
        return -1;
    int has = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return has;
}

int cli_db_deployed(PGconn *db, const cli_service *only, const char *table, const cli_service **out, char *err,
                    size_t errlen)
{
    size_t n;
    int count = 0;
    const cli_service *all = cli_services(&n);
    char rel[128];
    for (size_t i = 0; i < n; i++) {
        if (only && only != &all[i])
            continue;
        snprintf(rel, sizeof rel, "%s.%s", all[i].schema, table);
        int has = cli_db_has(db, rel, err, errlen);
        if (has < 0)
            return -1;
        if (has)
            out[count++] = &all[i];
    }
    return count;
}
