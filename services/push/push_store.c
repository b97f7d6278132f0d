/* push_store.c: see push_store.h. */
#include "push_store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "pgstore.h"
#include "push_fsm.h"

/* clang-format off */
const gfdx_table push_need_table = {
    .name = "need", .kind = GFDX_TABLE_STATE, .key = {"need_id", NULL},
    .columns = "need_id, province, location_region, branch_id, quarter, late, is_major, priority_tags,"
               " financing_amount, catalogue_code, uscc, factory_name, project_name, status, snapshot,"
               " updated_at, recommended_by, batch_id, push_event_id, pushed_at, withdrawn_event_id,"
               " withdrawn_at, withdrawn_reason",
};

const gfdx_table push_dispatch_table = {
    .name = "dispatch", .kind = GFDX_TABLE_STATE, .key = {"need_id", "bank_id", NULL},
    .columns = "need_id, bank_id, branch_id, status, cancelled_at",
};

const gfdx_table push_alert_table = {
    .name = "alert", .kind = GFDX_TABLE_STATE, .key = {"need_id", "kind", NULL},
    .columns = "need_id, kind, alert_id, branch_id, bank_id, status, detail, facts, raised_at, closed_at,"
               " closed_event_id",
};
/* clang-format on */

const gfdx_table *const push_tables[PUSH_TABLE_COUNT] = {&push_need_table, &push_dispatch_table, &push_alert_table};

int push_store_load(void *service_ctx, gfdx_rowset *rs, const gfdx_record *const *recs, size_t n)
{
    (void)service_ctx;
    for (size_t i = 0; i < n; i++) {
        const char *need_id = gfdx_rec_str(recs[i]->body, "need_id");
        if (!need_id || !*need_id)
            continue;
        if (push_store_want_need(rs, need_id))
            return -1;
    }
    return 0;
}

int push_store_want_need(gfdx_rowset *rs, const char *need_id)
{
    return gfdx_rowset_want(rs, &push_need_table, "need_id", need_id) ||
                   gfdx_rowset_want(rs, &push_dispatch_table, "need_id", need_id) ||
                   gfdx_rowset_want(rs, &push_alert_table, "need_id", need_id)
               ? -1
               : 0;
}

/* Statuses are the state machines' names, passed as parameters (no literal status here). */
static const char no_bank_sql[] =
    "SELECT n.need_id FROM need n"
    " WHERE n.status = $1 AND n.received_at < to_timestamp($2::bigint / 1000.0) - make_interval(days => $3::int)"
    "   AND NOT EXISTS (SELECT 1 FROM dispatch d WHERE d.need_id = n.need_id AND d.status = $4)"
    "   AND NOT EXISTS (SELECT 1 FROM alert a WHERE a.need_id = n.need_id AND a.kind = $5)"
    " ORDER BY n.received_at, n.need_id LIMIT $6::int";

int push_store_no_bank_candidates(PGconn *db, int64_t now_ms, int min_age_days, int limit, json_t **ids,
                                  char *err, size_t errlen, bool *transient)
{
    char now[24], days[16], lim[16];
    snprintf(now, sizeof now, "%" PRId64, now_ms);
    snprintf(days, sizeof days, "%d", min_age_days > 0 ? min_age_days - 1 : 0);
    snprintf(lim, sizeof lim, "%d", limit);
    const char *params[] = {push_status_name(PUSH_DISPATCHED), now, days,
                            push_dispatch_status_name(PUSH_DISPATCH_ACTIVE), PUSH_ALERT_NO_BANK, lim};
    PGresult *res = gfdx_pg_exec(db, no_bank_sql, 6, params, err, errlen, transient);
    if (!res)
        return -1;
    *ids = json_array();
    for (int i = 0; *ids && i < PQntuples(res); i++)
        if (json_array_append_new(*ids, json_string(PQgetvalue(res, i, 0)))) {
            json_decref(*ids);
            *ids = NULL;
        }
    PQclear(res);
    if (!*ids) {
        snprintf(err, errlen, "no_bank_candidates: out of memory");
        *transient = true;
        return -1;
    }
    return 0;
}
