/* rowset.h: the one way gfdx reads and writes service state (issue 11, DESIGN §8).
 *
 * A batch loads every row its records touch with one statement per (table, column), keeps
 * them in memory while the records are decided, and writes what changed with one set-based
 * statement per table. Nothing else in a daemon's record path speaks SQL.
 *
 * Tables. A service describes each table it reads or writes with a gfdx_table:
 *   - GFDX_TABLE_STATE   entity state, one row per key: loaded FOR UPDATE; written as
 *                        INSERT (columns) SELECT columns FROM jsonb_populate_recordset(NULL::t, $1)
 *                        ON CONFLICT (key) DO UPDATE SET (columns) = ROW(EXCLUDED.columns);
 *                        rows deleted with gfdx_rows_delete are removed by key.
 *   - GFDX_TABLE_HISTORY append-only rows (events, alerts, history): never loaded for update,
 *                        written as INSERT (columns) SELECT ... FROM jsonb_populate_recordset;
 *                        `conflict` may name "ON CONFLICT ... DO NOTHING" for idempotent rows.
 *   - GFDX_TABLE_READ    another service's published table or view, read only, never locked
 *                        ("district.current_entry"). A READ table marked optional that does not
 *                        exist reads as empty; one that must exist and does not yet is a
 *                        transient GFDX_FAULT_NOT_READY (the records wait for that service).
 * Unqualified names resolve in the service's own schema: the daemon sets search_path to it on
 * every connection, so SQL text never carries a schema name taken from configuration.
 *
 * Rows are jansson objects whose members are column names, with values as PostgreSQL's
 * to_jsonb renders them and jsonb_populate_recordset reads them back: strings (text, ISO 8601
 * timestamps: gfdx_rows_time), integers, reals (numeric, written with 15 significant digits),
 * booleans, arrays (text[]), objects (jsonb), "\\x<hex>" strings (bytea: gfdx_rows_bytea), null.
 * A column left out of a row is written as NULL when it is in the table's column list.
 *
 * Keys are text columns (1 to GFDX_ROWS_MAX_KEY); a key value is compared as a string (and
 * must not contain the byte 0x1f, which joins the values of a composite key).
 *
 * In-memory undo: gfdx_rowset_mark / gfdx_rowset_undo bracket one record's decision, so that
 * a refused record leaves no trace in the rowset (no savepoints in PostgreSQL).
 *
 * Errors: load and write return -1 with err and *transient set by the one classifier
 * (fault.h); every other call fails only when out of memory (-1 / NULL, errno ENOMEM). */
#ifndef GFDX_ROWSET_H
#define GFDX_ROWSET_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GFDX_ROWS_MAX_KEY 5

typedef enum { GFDX_TABLE_STATE, GFDX_TABLE_HISTORY, GFDX_TABLE_READ } gfdx_table_kind;

typedef struct gfdx_table {
    const char *name;                   /* "need", or "schema.table" for a READ table of another service */
    gfdx_table_kind kind;
    const char *key[GFDX_ROWS_MAX_KEY];  /* key columns, NULL-terminated (STATE; READ when looked up by key) */
    const char *columns;                /* written columns, comma-separated (STATE, HISTORY); bare names
                                         * (the rowset quotes them: "offset" is fine), key columns
                                         * missing from the list are written too */
    const char *conflict;               /* HISTORY: optional ON CONFLICT clause, e.g. "ON CONFLICT DO NOTHING" */
    bool optional;                      /* READ: a missing table reads as empty */
} gfdx_table;

typedef struct gfdx_rowset gfdx_rowset;

gfdx_rowset *gfdx_rowset_new(void);
void gfdx_rowset_free(gfdx_rowset *rs); /* accepts NULL */

/* ---- loading (once per batch) ---- */

/* Queues `value` of `column` of table t for loading (duplicates are loaded once). The column
 * is compared as text (`column = ANY($1::text[])`): a text (or varchar) column. */
int gfdx_rowset_want(gfdx_rowset *rs, const gfdx_table *t, const char *column, const char *value);

/* Runs the queued loads: one SELECT to_jsonb(x) FROM t x WHERE column = ANY($1::text[])
 * per (table, column) (FOR UPDATE for STATE tables, in a stable order: table order of first
 * want, then key), and keeps the rows. 0, or -1 with err / *transient. */
int gfdx_rowset_load(gfdx_rowset *rs, PGconn *db, char *err, size_t errlen, bool *transient)
    __attribute__((warn_unused_result));

/* Adds a row as if it had been loaded (unit tests, and rows a service computed while
 * loading). Steals row. 0 or -1. A row of the same key replaces the one held, unless that key
 * has a change pending (a load never overwrites a change; the same holds for load). */
int gfdx_rowset_add(gfdx_rowset *rs, const gfdx_table *t, json_t *row);

/* ---- reading (decisions) ---- */

/* The current row of t with key values k[0..] (as many as t->key has), as loaded or as
 * changed by earlier accepted records and by this record so far; NULL if none (or deleted).
 * Borrowed: valid until the next change of that row. Change a row by putting a copy. */
const json_t *gfdx_rows_get(const gfdx_rowset *rs, const gfdx_table *t, const char *const *k);

/* Every current row of t whose `column` equals value (loaded, put earlier, appended earlier,
 * not deleted), in key order (appended rows last, in append order), as a new array (caller
 * json_decref()s; its elements are borrowed copies: do not change them). NULL when out of
 * memory. A column's value compares as text: a string as is, an integer in decimal, a
 * boolean as "true"/"false"; other values never match. */
json_t *gfdx_rows_find(const gfdx_rowset *rs, const gfdx_table *t, const char *column, const char *value);

/* ---- changing (decisions) ---- */

/* Inserts or replaces the STATE row with row's key (steals row, which must carry every key
 * column). Later gets and finds see it; the write stores its last version. 0 or -1.
 * put and delete are for STATE tables, append for HISTORY: another kind of table, a row that
 * is not an object or lacks a key column fail with errno EINVAL (rows are stolen even then).
 * A put then delete of a row that did not exist before writes nothing. */
int gfdx_rows_put(gfdx_rowset *rs, const gfdx_table *t, json_t *row);

/* Removes the STATE row with key k: gets no longer see it; the write deletes it. 0 or -1. */
int gfdx_rows_delete(gfdx_rowset *rs, const gfdx_table *t, const char *const *k);

/* Appends a HISTORY row (steals row). 0 or -1. */
int gfdx_rows_append(gfdx_rowset *rs, const gfdx_table *t, json_t *row);

/* The HISTORY rows appended so far to t since settle (borrowed array, empty if none; tests and
 * the writer). */
const json_t *gfdx_rows_appended(const gfdx_rowset *rs, const gfdx_table *t);

/* A point to return to: gfdx_rowset_undo(rs, mark) forgets every put, delete and append made
 * after gfdx_rowset_mark returned it. */
typedef struct { size_t pos; } gfdx_rows_mark;
gfdx_rows_mark gfdx_rowset_mark(const gfdx_rowset *rs);
void gfdx_rowset_undo(gfdx_rowset *rs, gfdx_rows_mark mark);

/* ---- writing (once per batch) ---- */

/* Writes every change, table by table in the order of `tables` (deletes, then puts, then
 * appends of each): one statement per table and kind of change that has rows. Tables with no
 * change cost nothing. 0, or -1 with err / *transient. */
int gfdx_rowset_write(const gfdx_rowset *rs, PGconn *db, const gfdx_table *const *tables, size_t ntables,
                      char *err, size_t errlen, bool *transient) __attribute__((warn_unused_result));

/* Forgets every change (after a write, or a rolled-back batch) but keeps what was loaded as
 * changed by the accepted records: the rowset then describes the database after the write
 * (appended rows become rows of their table, under their key). */
void gfdx_rowset_settle(gfdx_rowset *rs);

/* The number of SQL statements load and write have run on rs since gfdx_rowset_new (tests
 * and metrics: one per (table, column) loaded, one more for an optional READ table's
 * existence check; one per table and kind of change written). */
size_t gfdx_rowset_statements(const gfdx_rowset *rs);

/* ---- values ---- */

/* An ISO 8601 UTC timestamp string for Unix milliseconds ("2026-12-01T10:00:00.123Z"). */
json_t *gfdx_rows_time(int64_t ms);
/* Unix milliseconds of a timestamp as to_jsonb renders it (or gfdx_rows_time wrote); -1 if
 * v is not such a string. */
int64_t gfdx_rows_time_ms(const json_t *v);
/* A bytea value: "\\x" and lower-case hex of the bytes. */
json_t *gfdx_rows_bytea(const void *data, size_t len);
/* The bytes of a bytea value (gfdx_rows_bytea's inverse) in a new buffer (caller frees),
 * their count in *len; NULL when v is not such a value (errno EINVAL) or out of memory. */
unsigned char *gfdx_rows_bytea_bytes(const json_t *v, size_t *len);
/* Text of a string member, NULL when absent or not a string (a shorthand for decisions). */
const char *gfdx_rows_str(const json_t *row, const char *column);
/* Integer of a member (0 when absent or null); reals are truncated. */
long long gfdx_rows_int(const json_t *row, const char *column);

#endif
