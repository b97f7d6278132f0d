/* namelist_store.h: the district ledger as the rowset sees it (rowset.h; schema district,
 * schemas/sql/district/), and gfdx-namelist's load hook. The one place that names district's
 * tables; the decisions (namelist_decide.h) read and change rows of these tables only.
 *
 *   namelist_t_list        list            STATE   (list_id)
 *   namelist_t_owner       list_owner      STATE   (list_id)
 *   namelist_t_part        staged_part     STATE   (list_id, version, part)
 *   namelist_t_entry       staged_entry    STATE   (list_id, version, entry_key)
 *   namelist_t_removal     staged_removal  STATE   (list_id, version, entry_key)
 *   namelist_t_open        entry_version_open STATE (list_id, entry_key, valid_from): the
 *                          updatable view of the entry versions valid now (003_*.sql): loaded
 *                          for a list; rows closed (valid_to set) are put here and written
 *                          through the view into district.entry_version (an update of the open
 *                          row, or an insert of a row opened and closed in the same batch)
 *   namelist_t_opened      entry_version   HISTORY the rows a version opens, appended after the
 *                          closes (ON CONFLICT (primary key) DO NOTHING: a row opened and
 *                          closed in the same batch is already there, closed). Two tables,
 *                          not one, because the writer puts a table's rows in key order (text:
 *                          version "10" before "9") and the partial unique index on the open
 *                          row of a key must never see the new open row before the old one is
 *                          closed: every close is written before every open.
 *   namelist_t_history     entry_version   READ    every version of an entry (reports)
 *   namelist_t_version     list_version    HISTORY one row per applied version
 *   namelist_t_abandoned   abandoned_version HISTORY (ON CONFLICT DO NOTHING)
 *   namelist_t_carbon      carbon_report   STATE   (list_id, entry_key, period)
 *   namelist_t_financing   financing_report STATE (list_id, entry_key, period, institution, product)
 *   namelist_t_missing     missing_report  STATE (list_id, entry_key, period): the watch's flags (004_*.sql)
 *   namelist_t_by_key      no table        READ (list_id): never loaded nor written; the load
 *                          hook adds a row {list_id} for each list of the batch whose current
 *                          entries it loaded only for the keys its records remove (see
 *                          namelist_store_load)
 * district.change_key is no longer written: the diff's keys stay in memory. */
#ifndef NAMELIST_STORE_H
#define NAMELIST_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "config.h"
#include "rowset.h"
#include "service.h"

extern const gfdx_table namelist_t_list, namelist_t_owner, namelist_t_part, namelist_t_entry, namelist_t_removal,
    namelist_t_open, namelist_t_opened, namelist_t_history, namelist_t_version, namelist_t_abandoned, namelist_t_carbon,
    namelist_t_financing, namelist_t_missing, namelist_t_by_key;

/* The service's tables in write order (lists before the rows that reference them). */
#define NAMELIST_TABLE_COUNT 12
extern const gfdx_table *const namelist_tables[NAMELIST_TABLE_COUNT];

/* The load hook (gfdx_load_fn): for each record, by its list_id, the list, its owner, its
 * staged parts, entries and removals and its current entry versions (NameListPublished); the
 * list, the entry's versions and the list's reports (the two reports). A list's current
 * entries (thousands of rows) are read only to commit a version: they are loaded whole when
 * the batch holds a part numbered part_count of the list (the last part, as parts are sent
 * in order) or ctx->load_whole names the list, else only for the keys the batch's parts
 * remove (UNKNOWN_ENTRY), the list marked in namelist_t_by_key; a commit that finds that mark
 * (its last part came early) fails transiently after naming the list in load_whole, and the
 * retried batch loads it whole. When
 * namelist.apply_pause_ms > 0 and the batch holds the last part of a version, it first logs
 * "fault injection: pausing N ms in the batch that applies list L version V" and pauses that
 * long (the kill -9 test's window: the batch's transaction is open, its rows not yet loaded
 * or written; a kill there must leave the ledger at the last committed version). 0, or -1
 * when out of memory. */
int namelist_store_load(void *service_ctx, gfdx_rowset *rs, const gfdx_record *const *recs, size_t n);

/* The watch's candidates (namelist_watch.h), with one parameterised statement on db: the
 * entries of lists of `kinds` on their list at some time in [start_ms, end_ms) with neither a
 * carbon_report nor a missing_report for period, at most limit; an array of objects list_id,
 * entry_key, uscc, region. NULL with err and *transient. */
json_t *namelist_store_report_candidates(PGconn *db, const gfdx_strlist *kinds, int64_t start_ms, int64_t end_ms,
                                         const char *period, int limit, char *err, size_t errlen, bool *transient);

#endif
