/* db.h: the CLI's PostgreSQL access. Read commands connect once, fail fast with a clear
 * message (no retry loop: an operator is waiting), and run only parameterised SQL.
 *
 * Where the conninfo comes from, first match wins:
 *   1. --db CONNINFO
 *   2. $GFDX_PG_CONNINFO
 *   3. --config FILE: postgres.conninfo of a daemon configuration (common/config.h)
 * libpq's own PG* variables fill what the conninfo leaves out. Unless $PGCONNECT_TIMEOUT
 * says otherwise a connection attempt gives up after 10 s. The session's time zone is
 * China time (Asia/Shanghai, as the calendar and the agencies' forms use) unless $PGTZ is
 * set. Sessions are read-only (default_transaction_read_only): a write must open its own
 * transaction READ WRITE, as dead-letters replay does. */
#ifndef GFDX_CLI_DB_H
#define GFDX_CLI_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* A service and the PostgreSQL schema it owns (DESIGN §2, §7). */
typedef struct {
    const char *name;   /* as given to --service: intake | pboc | feedback | district */
    const char *schema; /* intake | pboc | feedback | district */
    const char *daemon; /* gfdx-intake ... */
} cli_service;

/* The four services, in pipeline order; *n set to their count. */
const cli_service *cli_services(size_t *n);

/* The service named name (also accepts the daemon names push, namelist and gfdx-*), or NULL. */
const cli_service *cli_service_find(const char *name);

/* The services whose <schema>.<table> exists (only != NULL: that one alone). Fills
 * out[], which has room for every service, and returns the count; -1 with err. */
int cli_db_deployed(PGconn *db, const cli_service *only, const char *table, const cli_service **out, char *err,
                    size_t errlen) __attribute__((warn_unused_result));

/* The conninfo by the rules above; caller frees. NULL with err when none is given or the
 * config file cannot be loaded. */
char *cli_db_conninfo(const char *db_opt, const char *config, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Connects (rules above). Caller PQfinish()es. NULL with err naming the server (password
 * masked) and libpq's reason. */
PGconn *cli_db_open(const char *db_opt, const char *config, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* One parameterised statement; the result (caller PQclear()s) or NULL with err. */
PGresult *cli_db_query(PGconn *db, const char *sql, int nparams, const char *const *params, char *err,
                       size_t errlen) __attribute__((warn_unused_result));

/* 1 when the relation ("feedback.obstacle_summary") exists, 0 when not, -1 on error (err set). */
int cli_db_has(PGconn *db, const char *relation, char *err, size_t errlen) __attribute__((warn_unused_result));

#endif
