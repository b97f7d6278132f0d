/* pgstore.h: the PostgreSQL side every daemon shares: connecting with back-off, start-up
 * migrations, parameterised execution with clear errors, and telling transient failures
 * (connection lost, server shutting down, serialization) from permanent ones.
 *
 * Every statement with data goes through gfdx_pg_exec (PQexecParams): no SQL is ever built
 * from record content. Migration files are trusted code from schemas/sql. */
#ifndef GFDX_PGSTORE_H
#define GFDX_PGSTORE_H

#include <libpq-fe.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

/* Connects, retrying with exponential back-off (100 ms doubling to max_backoff_ms) until it
 * succeeds or *stop becomes non-zero (then returns NULL). Sets client_encoding UTF8 and
 * application_name. Caller owns the connection (PQfinish). */
PGconn *gfdx_pg_connect(const char *conninfo, const char *app_name, int max_backoff_ms,
                        volatile sig_atomic_t *stop);

/* Runs one parameterised statement (text parameters; NULL = SQL NULL). Returns the result
 * when its status is COMMAND_OK or TUPLES_OK (caller PQclear()s it), else NULL with err
 * holding the server's message and *transient (if non-NULL) telling whether a retry on a
 * fresh connection may succeed. */
PGresult *gfdx_pg_exec(PGconn *db, const char *sql, int nparams, const char *const *params,
                       char *err, size_t errlen, bool *transient) __attribute__((warn_unused_result));

/* Same with explicit lengths and formats (binary parameters, e.g. bytea). */
PGresult *gfdx_pg_exec_bin(PGconn *db, const char *sql, int nparams, const char *const *params,
                           const int *lengths, const int *formats, char *err, size_t errlen,
                           bool *transient) __attribute__((warn_unused_result));

/* Runs a statement whose result is not needed. 0 ok, -1 error (err, *transient as above). */
int gfdx_pg_run(PGconn *db, const char *sql, int nparams, const char *const *params, char *err,
                size_t errlen, bool *transient) __attribute__((warn_unused_result));

/* True if the failure of `res` (may be NULL) on `db` is worth retrying on a new connection:
 * no connection or no result is transient; a result without SQLSTATE (libpq refused the
 * statement itself) is permanent; else the SQLSTATE decides by the one rule of fault.h
 * (gfdx_fault_sqlstate_is_transient). */
bool gfdx_pg_is_transient(PGconn *db, const PGresult *res);

/* Applies every migration not yet recorded in <schema>.migration, in order: first
 * <dir>/common/NNN_*.sql (the tables every schema has), then <dir>/<schema>/NNN_*.sql, each
 * in its own transaction with search_path set to the schema, under an advisory lock so that
 * N instances starting together migrate once. Returns the number applied, or -1 with err. */
int gfdx_pg_migrate(PGconn *db, const char *dir, const char *schema, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Frees the calling thread's prepared-statement cache (one per thread, of the connection the
 * thread used last): a thread that used gfdx_pg_exec calls it before it exits, after closing
 * its connection; the cache of an exited thread is otherwise lost memory. */
void gfdx_pg_thread_done(void);

/* Quotes an identifier (schema name) into out; -1 if it does not fit. */
int gfdx_pg_ident(PGconn *db, const char *ident, char *out, size_t outlen);

#endif
