/* feedback_store.c: gfdx-feedback's tables and the load hook. See feedback_store.h. */
#include "feedback_store.h"

#include "feedback_alert.h"
#include "feedback_obstacle.h"

#include <stdio.h>
#include <string.h>

/* clang-format off */
const gfdx_table feedback_matching_table = {
    .name = "matching", .kind = GFDX_TABLE_STATE, .key = {"need_id", "bank_id", NULL},
    .columns = "need_id, bank_id, branch_id, stage, contacted, product, approved_amount, rate_bp, term_months,"
               " disbursed_total, disbursements, decline_reason, open_obstacles, contacted_at, approved_at,"
               " first_disbursed_at, last_disbursed_at, declined_at, last_event_id, updated_at",
};

const gfdx_table feedback_need_status_table = {
    .name = "need_status", .kind = GFDX_TABLE_STATE, .key = {"need_id", NULL},
    .columns = "need_id, province, branch_id, overall, banks_dispatched, banks_contacted, banks_approved,"
               " banks_declined, approved_total, disbursed_total, open_obstacles, status_changes, last_event_id,"
               " updated_at",
};

const gfdx_table feedback_obstacle_table = {
    .name = "obstacle", .kind = GFDX_TABLE_STATE, .key = {"obstacle_id", NULL},
    .columns = "obstacle_id, need_id, bank_id, province, branch_id, category, description, status, raised_at,"
               " resolved_by, resolved_by_official, resolution, resolved_at, resolved_event_id,"
               " acknowledged_by, acknowledged_by_official, acknowledged_at, reopened_at, closed_at", /* 004 */
};

const gfdx_table feedback_matching_event_table = {
    .name = "matching_event", .kind = GFDX_TABLE_HISTORY,
    .columns = "need_id, bank_id, event_id, record_type, sender, from_stage, to_stage, amount, obstacle_id,"
               " occurred_at, detail",
};

const gfdx_table feedback_alert_table = {
    .name = "alert", .kind = GFDX_TABLE_HISTORY,
    .columns = "kind, need_id, bank_id, detail, facts, event_id, alert_id, branch_id, raised_at",
};

const gfdx_table feedback_pboc_need_table = {
    .name = "pboc.need", .kind = GFDX_TABLE_READ, .key = {"need_id", NULL},
};

const gfdx_table feedback_pboc_dispatch_table = {
    .name = "pboc.dispatch", .kind = GFDX_TABLE_READ, .key = {"need_id", "bank_id", NULL},
};
/* clang-format on */

const gfdx_table *const feedback_tables[FEEDBACK_TABLE_COUNT] = {
    &feedback_matching_table, &feedback_need_status_table, &feedback_obstacle_table, &feedback_matching_event_table,
    &feedback_alert_table,
    &feedback_obstacle_event_table, &feedback_alert_state_table, /* feedback_obstacle.h, feedback_alert.h */
};

/* Every table a record of need_id reads, by need_id. */
static const gfdx_table *const by_need[] = {
    &feedback_matching_table, &feedback_need_status_table, &feedback_obstacle_table,
    &feedback_pboc_need_table, &feedback_pboc_dispatch_table,
};

int feedback_store_load(void *service_ctx, gfdx_rowset *rs, const gfdx_record *const *recs, size_t n)
{
    (void)service_ctx;
    for (size_t i = 0; i < n; i++) {
        const char *need_id = gfdx_rec_str(recs[i]->body, "need_id");
        if (!need_id || !*need_id)
            continue;
        for (size_t t = 0; t < sizeof by_need / sizeof by_need[0]; t++)
            if (gfdx_rowset_want(rs, by_need[t], "need_id", need_id))
                return -1;
        if (recs[i]->type && !strcmp(recs[i]->type, "ObstacleRaised") && recs[i]->event_id &&
            gfdx_rowset_want(rs, &feedback_obstacle_table, "obstacle_id", recs[i]->event_id))
            return -1;
        if (feedback_alert_want(rs, recs[i]))
            return -1;
    }
    return 0;
}

/* ---- reading rows ---- */

static bool is_true(const json_t *row, const char *column) { return json_is_true(json_object_get(row, column)); }

/* An integer column that may be null: -1 when null or absent. */
static int int_or_minus1(const json_t *row, const char *column)
{
    const json_t *v = json_object_get(row, column);
    return json_is_number(v) ? (int)gfdx_rows_int(row, column) : -1;
}

/* Copies a symbol column ("" when null) into a fixed field. */
static void symbol(char *dst, size_t n, const json_t *row, const char *column)
{
    const char *s = gfdx_rows_str(row, column);
    snprintf(dst, n, "%s", s ? s : "");
}

int feedback_store_need_of(const json_t *row, feedback_need *n)
{
    memset(n, 0, sizeof *n);
    const char **text[] = {&n->need_id, &n->province, &n->branch_id, &n->uscc, &n->factory_name, &n->project_name};
    const char *const names[] = {"need_id", "province", "branch_id", "uscc", "factory_name", "project_name"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!(*text[i] = gfdx_rows_str(row, names[i])))
            return -1;
    const char *code = gfdx_rows_str(row, "catalogue_code");
    const char *status = gfdx_rows_str(row, "status");
    n->catalogue_code = code ? code : "";
    n->financing_amount = gfdx_rows_int(row, "financing_amount");
    n->withdrawn = status && !strcmp(status, "WITHDRAWN");
    return status ? 0 : -1;
}

int feedback_store_dispatch_of(const json_t *row, feedback_dispatch *d)
{
    *d = FEEDBACK_DISPATCH_NONE;
    return row ? feedback_dispatch_parse(gfdx_rows_str(row, "status"), d) : 0;
}

int feedback_store_matching_of(const json_t *row, feedback_matching *m)
{
    feedback_matching_init(m);
    if (!row)
        return 0;
    if (feedback_stage_parse(gfdx_rows_str(row, "stage"), &m->stage))
        return -1;
    m->contacted = is_true(row, "contacted");
    m->open_obstacles = (int)gfdx_rows_int(row, "open_obstacles");
    m->approved_amount = gfdx_rows_int(row, "approved_amount");
    m->disbursed_total = gfdx_rows_int(row, "disbursed_total");
    m->disbursements = (int)gfdx_rows_int(row, "disbursements");
    m->rate_bp = int_or_minus1(row, "rate_bp");
    m->term_months = int_or_minus1(row, "term_months");
    symbol(m->product, sizeof m->product, row, "product");
    symbol(m->decline_reason, sizeof m->decline_reason, row, "decline_reason");
    return 0;
}

int feedback_store_aggregate_of(const json_t *row, feedback_aggregate *g, long long *changes)
{
    memset(g, 0, sizeof *g);
    g->overall = FEEDBACK_AWAITING;
    *changes = 0;
    if (!row)
        return 0;
    if (feedback_overall_parse(gfdx_rows_str(row, "overall"), &g->overall))
        return -1;
    g->banks_dispatched = (int)gfdx_rows_int(row, "banks_dispatched");
    g->banks_contacted = (int)gfdx_rows_int(row, "banks_contacted");
    g->banks_approved = (int)gfdx_rows_int(row, "banks_approved");
    g->banks_declined = (int)gfdx_rows_int(row, "banks_declined");
    g->open_obstacles = (int)gfdx_rows_int(row, "open_obstacles");
    g->approved_total = gfdx_rows_int(row, "approved_total");
    g->disbursed_total = gfdx_rows_int(row, "disbursed_total");
    *changes = gfdx_rows_int(row, "status_changes");
    return 0;
}
