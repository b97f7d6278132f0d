/* intake_store.c: gfdx-intake's tables and the hooks that load and write them. See
 * intake_store.h. The only SQL of the service is the rowset's (rowset.h) and the savepoint
 * around a round of delivery reports. */
#include "intake_store.h"

#include <errno.h>
#include <string.h>

#include "errbuf.h"
#include "ids.h"
#include "intake_decide.h"
#include "log.h"
#include "pgstore.h"

/* Every column of intake.need (001_need.sql, 002_matching_sequence.sql): a put row carries
 * them all, so the write keeps what the decision did not change. */
#define NEED_COLUMNS \
    "need_id, uscc, factory_name, province, city, district, location_region, green_level, project_name," \
    " project_kind, catalogue_code, total_investment, equity, financing_amount, status, is_major, quarter," \
    " late, requested_quarter, batch_id, recommended_by, reviewer, review_comment, priority_tags, revision," \
    " snapshot, financing_outcome, banks_contacted, banks_approved, banks_declined, approved_total," \
    " disbursed_total, open_obstacles, submitted_at, updated_at, matching_sequence"

const gfdx_table intake_need_table = {
    .name = "need", .kind = GFDX_TABLE_STATE, .key = {"need_id"}, .columns = NEED_COLUMNS};

/* id and recorded_at are left to their defaults (bigserial, now()). */
const gfdx_table intake_need_event_table = {
    .name = "need_event",
    .kind = GFDX_TABLE_HISTORY,
    .columns = "need_id, event_id, record_type, sender, from_status, to_status, occurred_at, detail"};

/* gfdx-namelist's read-only contract (district 001_ledger.sql): one row per entry valid now. */
const gfdx_table intake_current_entry_table = {
    .name = "district.current_entry", .kind = GFDX_TABLE_READ, .key = {"list_id", "entry_key"}, .optional = true};

const gfdx_table *const intake_tables[INTAKE_TABLE_COUNT] = {&intake_need_table, &intake_need_event_table,
                                                             &intake_current_entry_table};

int intake_store_load(void *service_ctx, gfdx_rowset *rs, const gfdx_record *const *recs, size_t n)
{
    (void)service_ctx;
    for (size_t i = 0; i < n; i++) {
        const char *need_id = gfdx_rec_str(recs[i]->body, "need_id");
        const char *uscc = gfdx_rec_str(recs[i]->body, "factory.uscc");
        if (need_id && gfdx_rowset_want(rs, &intake_need_table, "need_id", need_id))
            return -1;
        if (uscc && gfdx_rowset_want(rs, &intake_current_entry_table, "uscc", uscc))
            return -1;
    }
    return 0;
}

/* Queues the needs of the delivered NeedPushed rows; *any tells whether there was one. */
static int delivered_want(gfdx_rowset *rs, const gfdx_delivery *rows, size_t n, bool *any)
{
    *any = false;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(rows[i].record_type, "NeedPushed"))
            continue;
        if (gfdx_rowset_want(rs, &intake_need_table, "need_id", rows[i].key))
            return -1;
        *any = true;
    }
    return 0;
}

/* Loads, moves every delivered need and writes: 0, or -1 with err / *transient. */
static int delivered_apply(gfdx_rowset *rs, PGconn *db, const gfdx_delivery *rows, size_t n, char *err,
                           size_t errlen, bool *transient)
{
    if (gfdx_rowset_load(rs, db, err, errlen, transient))
        return -1;
    int64_t now = gfdx_now_ms();
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rows[i].record_type, "NeedPushed") && intake_decide_delivered(rs, &rows[i], now) < 0) {
            gfdx_errf(err, errlen, "marking %s pushed: out of memory", rows[i].key);
            *transient = true;
            return -1;
        }
    return gfdx_rowset_write(rs, db, intake_tables, INTAKE_TABLE_COUNT, err, errlen, transient);
}

int intake_store_delivered(void *service_ctx, PGconn *db, const gfdx_delivery *rows, size_t n, char *err,
                           size_t errlen, bool *transient)
{
    (void)service_ctx;
    bool any = false;
    *transient = false;
    gfdx_rowset *rs = gfdx_rowset_new();
    if (!rs || delivered_want(rs, rows, n, &any)) {
        gfdx_rowset_free(rs);
        gfdx_errf(err, errlen, "marking needs pushed: out of memory");
        *transient = true;
        return -1;
    }
    char why[512];
    int rc = !any ? 0 : gfdx_pg_run(db, "SAVEPOINT gfdx_delivered", 0, NULL, err, errlen, transient);
    if (any && rc == 0 && delivered_apply(rs, db, rows, n, why, sizeof why, transient) == 0)
        rc = gfdx_pg_run(db, "RELEASE SAVEPOINT gfdx_delivered", 0, NULL, err, errlen, transient);
    else if (any && rc == 0) {
        gfdx_errf(err, errlen, "marking %zu delivered records pushed: %s", n, why);
        rc = -1;
        if (!*transient &&
            gfdx_pg_run(db, "ROLLBACK TO SAVEPOINT gfdx_delivered", 0, NULL, why, sizeof why, transient) == 0) {
            GFDX_ERROR("NeedPushed delivered, but marking the needs PUSHED failed permanently (they stay "
                       "RECOMMENDED): %s", err);
            rc = 0;
        }
    }
    gfdx_rowset_free(rs);
    return rc;
}
