/* push_store.c: see push_store.h. */
#include "push_store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    .columns = "need_id, bank_id, branch_id, status, cancelled_at, via, dispatched_at",
};

/* The same table as push_dispatch_table: a push's new rows, appended (COPY). */
const gfdx_table push_dispatch_new_table = {
    .name = "dispatch", .kind = GFDX_TABLE_HISTORY, .key = {"need_id", "bank_id", NULL},
    .columns = "need_id, bank_id, branch_id, status, cancelled_at, via, dispatched_at",
};

const gfdx_table push_alert_table = {
    .name = "alert", .kind = GFDX_TABLE_STATE, .key = {"need_id", "kind", NULL},
    .columns = "need_id, kind, alert_id, branch_id, bank_id, status, detail, facts, raised_at, closed_at,"
               " closed_event_id",
};
/* clang-format on */

const gfdx_table *const push_tables[PUSH_TABLE_COUNT] = {&push_need_table, &push_dispatch_new_table,
                                                         &push_dispatch_table, &push_alert_table};

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

bool push_dispatch_organised(const json_t *dispatch)
{
    const char *via = gfdx_rows_str(dispatch, "via");
    return !via || strcmp(via, PUSH_VIA_HEAD_OFFICE) != 0;
}

const json_t *push_store_dispatch(const gfdx_rowset *rs, const char *need_id, const char *bank_id)
{
    const char *k[] = {need_id, bank_id};
    const json_t *row = gfdx_rows_get(rs, &push_dispatch_table, k), *found = NULL, *r;
    if (row)
        return row;
    json_t *added = gfdx_rows_find(rs, &push_dispatch_new_table, "need_id", need_id);
    size_t i;
    json_array_foreach(added, i, r) {
        const char *b = gfdx_rows_str(r, "bank_id");
        if (b && !strcmp(b, bank_id))
            found = r;
    }
    json_decref(added); /* the rows stay the rowset's */
    return found;
}

static int cmp_bank(const void *a, const void *b)
{
    const char *x = gfdx_rows_str(*(const json_t *const *)a, "bank_id");
    const char *y = gfdx_rows_str(*(const json_t *const *)b, "bank_id");
    return strcmp(x ? x : "", y ? y : "");
}

json_t *push_store_dispatches(const gfdx_rowset *rs, const char *need_id)
{
    json_t *state = gfdx_rows_find(rs, &push_dispatch_table, "need_id", need_id);
    json_t *added = gfdx_rows_find(rs, &push_dispatch_new_table, "need_id", need_id), *out = NULL;
    size_t n = 0, i, ns = json_array_size(state);
    const json_t **rows = state && added ? calloc(ns + json_array_size(added) + 1, sizeof *rows) : NULL;
    json_t *r;
    if (rows) {
        json_array_foreach(state, i, r)
            rows[n++] = r;
        json_array_foreach(added, i, r) { /* a row changed since it was appended is the STATE table's */
            const char *k[] = {need_id, gfdx_rows_str(r, "bank_id")};
            if (k[1] && !gfdx_rows_get(rs, &push_dispatch_table, k))
                rows[n++] = r;
        }
        qsort(rows, n, sizeof *rows, cmp_bank);
        out = json_array();
        for (i = 0; out && i < n; i++)
            if (json_array_append(out, (json_t *)rows[i])) {
                json_decref(out);
                out = NULL;
            }
    }
    free(rows);
    json_decref(state);
    json_decref(added);
    return out;
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
    "   AND NOT EXISTS (SELECT 1 FROM dispatch d WHERE d.need_id = n.need_id AND d.status = $4 AND d.via <> $7)"
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
                            push_dispatch_status_name(PUSH_DISPATCH_ACTIVE), PUSH_ALERT_NO_BANK, lim,
                            PUSH_VIA_HEAD_OFFICE};
    PGresult *res = gfdx_pg_exec(db, no_bank_sql, 7, params, err, errlen, transient);
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
