/* intake_store.c: gfdx-intake's tables and the hooks that load and write them. See
 * intake_store.h. The only SQL of the service is the rowset's (rowset.h) and the savepoint
 * around a round of delivery reports. */
#include "intake_store.h"

#include <string.h>

#include "calendar.h"
#include "errbuf.h"
#include "ids.h"
#include "intake_decide.h"
#include "intake_remind.h"
#include "log.h"
#include "pgstore.h"

/* Every column of intake.need (001_need.sql, 002_matching_sequence.sql,
 * 004_calendar_provisional.sql): a put row carries them all, so the write keeps what the
 * decision did not change. */
#define NEED_COLUMNS \
    "need_id, uscc, factory_name, province, city, district, location_region, green_level, project_name," \
    " project_kind, catalogue_code, total_investment, equity, financing_amount, status, is_major, quarter," \
    " late, requested_quarter, batch_id, recommended_by, reviewer, review_comment, priority_tags, revision," \
    " snapshot, financing_outcome, banks_contacted, banks_approved, banks_declined, approved_total," \
    " disbursed_total, open_obstacles, submitted_at, updated_at, matching_sequence, quarter_provisional," \
    " quarter_uncovered_year"

const gfdx_table intake_need_table = {
    .name = "need", .kind = GFDX_TABLE_STATE, .key = {"need_id"}, .columns = NEED_COLUMNS};

/* id and recorded_at are left to their defaults (bigserial, now()). */
const gfdx_table intake_need_event_table = {
    .name = "need_event",
    .kind = GFDX_TABLE_HISTORY,
    .columns = "need_id, event_id, record_type, sender, from_status, to_status, occurred_at, detail"};

/* gfdx-namelist's read-only contract (district 001_ledger.sql): one row per entry valid now,
 * found by uscc. No key: only its kind is read, and a row read twice counts once. */
const gfdx_table intake_current_entry_table = {
    .name = "district.current_entry", .kind = GFDX_TABLE_READ, .optional = true};

const gfdx_table *const intake_tables[INTAKE_TABLE_COUNT] = {&intake_need_table, &intake_need_event_table,
                                                             &intake_current_entry_table, &intake_reminder_table};

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

/* Loads the needs of the delivered NeedPushed rows, moves them and writes: 0, or -1 with
 * err / *transient. */
/* The decisions are pure and cannot log: when a need whose quarter was assigned by the
 * provisional rule (quarter_uncovered_year, calendar.h) is pushed, say once per year per
 * process which notice the calendar lacks. */
static void warn_provisional(const gfdx_rowset *rs, const gfdx_delivery *dl)
{
    const char *k[] = {dl->key};
    const json_t *need = gfdx_rows_get(rs, &intake_need_table, k);
    json_t *year = need ? json_object_get(need, "quarter_uncovered_year") : NULL;
    char notice[128];
    if (!json_is_integer(year) || !gfdx_calendar_first_notice((int)json_integer_value(year)) ||
        gfdx_calendar_notice_title((int)json_integer_value(year), notice, sizeof notice))
        return;
    GFDX_WARN("calendar: the calendar file does not cover %d: quarters that need it (first: need %s, %s) are "
              "assigned provisionally by weekends and the fixed-date holidays (lunar holidays and make-up days "
              "unknown) and marked quarter_provisional; add %s to the calendar file",
              (int)json_integer_value(year), dl->key, gfdx_rows_str(need, "quarter"), notice);
}

static int delivered_apply(gfdx_rowset *rs, PGconn *db, const gfdx_delivery *rows, size_t n, char *err,
                           size_t errlen, bool *transient)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rows[i].record_type, "NeedPushed") &&
            gfdx_rowset_want(rs, &intake_need_table, "need_id", rows[i].key))
            goto oom;
    if (gfdx_rowset_load(rs, db, err, errlen, transient))
        return -1;
    int64_t now = gfdx_now_ms();
    for (size_t i = 0; i < n; i++) {
        if (strcmp(rows[i].record_type, "NeedPushed"))
            continue;
        warn_provisional(rs, &rows[i]);
        if (intake_decide_delivered(rs, &rows[i], now) < 0)
            goto oom;
    }
    return gfdx_rowset_write(rs, db, intake_tables, INTAKE_TABLE_COUNT, err, errlen, transient);
oom:
    gfdx_errf(err, errlen, "out of memory");
    *transient = true;
    return -1;
}

/* One round of delivered rows under a savepoint: 0 applied; -1 with err / *transient, the
 * savepoint rolled back when the failure is permanent (a failed rollback counts as transient). */
static int delivered_round(PGconn *db, const gfdx_delivery *rows, size_t n, char *err, size_t errlen,
                           bool *transient)
{
    if (gfdx_pg_run(db, "SAVEPOINT gfdx_delivered", 0, NULL, err, errlen, transient))
        return -1;
    gfdx_rowset *rs = gfdx_rowset_new();
    int rc = rs ? delivered_apply(rs, db, rows, n, err, errlen, transient) : -1;
    gfdx_rowset_free(rs);
    if (!rs) {
        gfdx_errf(err, errlen, "out of memory");
        *transient = true;
    }
    if (rc == 0)
        return gfdx_pg_run(db, "RELEASE SAVEPOINT gfdx_delivered", 0, NULL, err, errlen, transient);
    char why[256];
    bool t = false;
    if (!*transient && gfdx_pg_run(db, "ROLLBACK TO SAVEPOINT gfdx_delivered", 0, NULL, why, sizeof why, &t))
        *transient = true;
    return -1;
}

static bool delivered_any(const gfdx_delivery *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rows[i].record_type, "NeedPushed"))
            return true;
    return false;
}

/* The whole set in one round; when that fails permanently, one NeedPushed at a time, so that
 * the need that cannot be marked does not hold back the others. */
int intake_store_delivered(void *service_ctx, PGconn *db, const gfdx_delivery *rows, size_t n, char *err,
                           size_t errlen, bool *transient)
{
    (void)service_ctx;
    *transient = false;
    if (!delivered_any(rows, n) || delivered_round(db, rows, n, err, errlen, transient) == 0)
        return 0;
    if (*transient)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char why[512];
        if (strcmp(rows[i].record_type, "NeedPushed") ||
            delivered_round(db, &rows[i], 1, why, sizeof why, transient) == 0)
            continue;
        if (*transient) {
            gfdx_errf(err, errlen, "marking %s pushed: %s", rows[i].key, why);
            return -1;
        }
        GFDX_ERROR("NeedPushed %s delivered, but marking need %s PUSHED failed permanently (it stays RECOMMENDED): %s",
                   rows[i].event_id, rows[i].key, why);
    }
    return 0;
}

/* The deadline reminder's candidates (intake_remind.h): every APPROVED need (approved, not
 * recommended yet) with the authority whose NeedReviewed approved it and when that was
 * applied, by authority then approval. */
static const char pending_sql[] =
    "SELECT coalesce(jsonb_agg(p ORDER BY p.authority, p.approved_at_ms, p.need_id), '[]')::text FROM ("
    " SELECT n.need_id, n.factory_name, n.project_name, n.financing_amount, n.is_major, e.sender AS authority,"
    "        (extract(epoch FROM e.recorded_at) * 1000)::bigint AS approved_at_ms"
    "   FROM need n CROSS JOIN LATERAL (SELECT sender, recorded_at FROM need_event"
    "         WHERE need_event.need_id = n.need_id AND to_status = $1 AND record_type = $2"
    "         ORDER BY id DESC LIMIT 1) e"
    "  WHERE n.status = $1) p";

int intake_store_pending(PGconn *db, json_t **pending, char *err, size_t errlen, bool *transient)
{
    const char *params[] = {"APPROVED", "NeedReviewed"};
    PGresult *r = gfdx_pg_exec(db, pending_sql, 2, params, err, errlen, transient);
    if (!r)
        return -1;
    json_error_t je;
    *pending = PQntuples(r) == 1 ? json_loads(PQgetvalue(r, 0, 0), 0, &je) : NULL;
    PQclear(r);
    if (!json_is_array(*pending)) {
        json_decref(*pending);
        *pending = NULL;
        gfdx_errf(err, errlen, "reminder candidates: unreadable result");
        return -1;
    }
    return 0;
}
