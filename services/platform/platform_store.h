/* platform_store.h: what gfdx-platform stores, as rowset tables (rowset.h), and the batch's
 * load hook. Schema platform (schemas/sql/platform/001_filing.sql):
 *
 *   platform.filing          STATE, one row per filing key (institution|period): the current version
 *   platform.filing_version  HISTORY, one row per accepted filing (every version, superseded ones kept)
 *   platform.filing_row      HISTORY, the rows of each version
 *
 * The decisions (platform_decide.c) read only platform.filing, by filing_id. */
#ifndef PLATFORM_STORE_H
#define PLATFORM_STORE_H

#include "service.h"

extern const gfdx_table platform_filing_table;
extern const gfdx_table platform_filing_version_table;
extern const gfdx_table platform_filing_row_table;

/* In write order: a version before its rows (filing_row references filing_version). */
extern const gfdx_table *const platform_tables[];
#define PLATFORM_TABLE_COUNT 3

/* gfdx_load_fn: queues the filing of every record (by filing_id). 0, or -1 when out of memory. */
int platform_store_load(void *service_ctx, gfdx_rowset *rs, const gfdx_record *const *recs, size_t n);

#endif
