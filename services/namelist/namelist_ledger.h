/* namelist_ledger.h: gfdx-namelist's statements on the district ledger (schema district,
 * schemas/sql/district/). Every function runs inside the handler's savepoint through
 * gfdx_apply_exec; on a database failure it returns -1 / GFDX_APPLY_DB_ERROR with the
 * verdict already set, and a refusal comes back as GFDX_APPLY_REFUSED (the savepoint
 * rollback undoes whatever the function wrote). */
#ifndef NAMELIST_LEDGER_H
#define NAMELIST_LEDGER_H

#include <jansson.h>
#include <stdbool.h>

#include "namelist.h"
#include "namelist_version.h"
#include "service.h"

/* One NameListPublished record, as the handler read it (all borrowed from the record). */
typedef struct {
    const char *list_id, *kind, *region, *title;
    long long version;
    namelist_mode mode;
    int part, part_count;
    const json_t *entries, *removed;
} namelist_part;

/* district.list as stored. */
typedef struct {
    bool exists;
    char kind[32], region[8], publisher[72];
    long long version, entry_count;
} namelist_list_row;

/* The participant a list is bound to (district.list_owner), with the kind and region it
 * was bound with: bound when the list's first part is staged. */
typedef struct {
    bool bound;
    char publisher[72], kind[32], region[8];
} namelist_owner;

/* The version of a list being received in parts, if any. */
typedef struct {
    long long version;        /* 0: none pending */
    namelist_mode mode;
    int part_count, parts;    /* announced, received */
    bool part_received;       /* the incoming part number is among them */
    bool same_header;         /* kind, region, title and sender equal the incoming record's */
} namelist_pending;

/* SQL text for "Unix milliseconds in parameter $n" as a timestamptz (exact, no float). */
#define NAMELIST_SQL_MS(n) "('epoch'::timestamptz + $" #n "::bigint * interval '1 millisecond')"

/* Runs a statement template in which '@' stands for the quoted schema name. The result
 * (caller PQclear()s it), or NULL with the verdict set. */
PGresult *namelist_ledger_query(gfdx_apply *a, const char *tmpl, int n, const char *const *params);

/* The same when the result is not needed: 0, or -1 with the verdict set. */
int namelist_ledger_exec(gfdx_apply *a, const char *tmpl, int n, const char *const *params);

/* While on, the planner uses hash and merge joins only (SET LOCAL enable_nestloop): the
 * staging and change tables swing between empty and tens of thousands of rows inside one
 * transaction, so their statistics are always stale, and a nested loop planned for "1 row"
 * over 50,000 keys is quadratic (minutes instead of a fraction of a second). Turned on for
 * a record's ledger work and off after it; a refusal's savepoint rollback also undoes it.
 * 0, or -1 (verdict set). */
int namelist_ledger_hash_joins(gfdx_apply *a, bool on);

/* Serialises all work on list_id until the end of the transaction (advisory lock: a list is
 * handled by one instance at a time even across a rebalance) and loads its row. 0, -1. */
int namelist_ledger_load(gfdx_apply *a, const char *list_id, namelist_list_row *out);

/* Loads the owner of list_id (out->bound false when nobody has staged a part of it). 0, -1. */
int namelist_ledger_owner(gfdx_apply *a, const char *list_id, namelist_owner *out);

/* Binds p->list_id to the record's sender, p->kind and p->region (the first part staged). 0, -1. */
int namelist_ledger_bind(gfdx_apply *a, const namelist_part *p);

/* Loads the pending version of p->list_id and compares it with p. 0, -1. */
int namelist_ledger_pending(gfdx_apply *a, const namelist_part *p, namelist_pending *out);

/* Drops the staged parts of every version of the list older than p->version and records
 * them in district.abandoned_version. */
gfdx_apply_result namelist_ledger_abandon(gfdx_apply *a, const namelist_part *p);

/* Stages part p (its entries and removals). Refuses DUPLICATE_ENTRY (a key staged by an
 * earlier part), INVALID_FIELD (a key both upserted and removed) and UNKNOWN_ENTRY (a DELTA
 * removing a key that is not on the list). */
gfdx_apply_result namelist_ledger_stage(gfdx_apply *a, const namelist_part *p);

/* Applies the complete staged version p->version: closes and inserts entry_version rows as
 * namelist_diff decides, upserts district.list, records district.list_version, deletes the
 * staged rows and emits NameListChanged (in parts of at most changed_keys_per_record
 * keys). For a FULL version it also checks that the rebuilt list equals what was
 * published (else a permanent STORE_ERROR). */
gfdx_apply_result namelist_ledger_apply(gfdx_apply *a, const namelist_part *p, const namelist_list_row *list,
                                        const namelist_settings *set);

#endif
