/* namelist_report.c: CarbonBenefitReported and FinancingSupportReported (see namelist_decide.h). */
#include <stdio.h>
#include <string.h>

#include "namelist.h"
#include "namelist_commit.h"
#include "namelist_decide.h"
#include "namelist_forward.h"
#include "namelist_store.h"
#include "namelist_validate.h"

/* Whether version row r of the entry was on the list at some time in [start, end). */
static bool listed_during(const json_t *r, int64_t start, int64_t end)
{
    const json_t *to = json_object_get(r, "valid_to_at");
    return gfdx_rows_time_ms(json_object_get(r, "valid_from_at")) < end &&
           (!to || json_is_null(to) || gfdx_rows_time_ms(to) > start);
}

/* The latest version of (list_id, key) listed during [start, end) among rows (an array of
 * versions of key in any list) and best (NULL or an earlier answer); rows whose valid_from is
 * in skip (an object) are left out. */
static const json_t *latest_listed(const json_t *rows, const char *list_id, int64_t start, int64_t end,
                                   const json_t *skip, const json_t *best)
{
    size_t i;
    const json_t *r;
    json_array_foreach(rows, i, r) {
        char vf[24];
        namelist_ll(vf, gfdx_rows_int(r, "valid_from"));
        if (strcmp(gfdx_rows_str(r, "list_id") ? gfdx_rows_str(r, "list_id") : "", list_id) ||
            (skip && json_object_get(skip, vf)) || !listed_during(r, start, end))
            continue;
        if (!best || gfdx_rows_int(r, "valid_from") > gfdx_rows_int(best, "valid_from"))
            best = r;
    }
    return best;
}

/* Valid-from versions of (list_id, key) among rows, as object keys. NULL when out of memory. */
static json_t *versions_of(const json_t *rows, const char *list_id)
{
    json_t *seen = json_object();
    size_t i;
    const json_t *r;
    json_array_foreach(rows, i, r) {
        char vf[24];
        if (seen && gfdx_rows_str(r, "list_id") && !strcmp(gfdx_rows_str(r, "list_id"), list_id) &&
            json_object_set_new(seen, namelist_ll(vf, gfdx_rows_int(r, "valid_from")), json_true())) {
            json_decref(seen);
            return NULL;
        }
    }
    return seen;
}

/* Fills uscc (size 32) with the entry's USCC when the entry was on the list at some time in
 * [period start, min(period end, report time)); refuses otherwise. The entry's versions are,
 * in this order of precedence, those of the open table (open rows, and rows closed by earlier
 * decisions), those opened by earlier decisions, and the stored history (entry_version). */
static gfdx_verdict check_listed(gfdx_decision *d, const char *list_id, const char *key, const char *period, char *uscc)
{
    int64_t start, end, at = d->rec->occurred_at;
    namelist_period_bounds(period, &start, &end); /* validated */
    if (start > at)
        return gfdx_decide_refuse(d, "INVALID_PERIOD", "period %s had not begun when the report was made", period);
    end = end < at ? end : at;
    const gfdx_table *src[3] = {&namelist_t_open, &namelist_t_opened, &namelist_t_history};
    json_t *rows[3], *skip = json_object();
    int rc = skip ? 0 : -1;
    for (int i = 0; i < 3; i++)
        rc |= !(rows[i] = gfdx_rows_find(d->rows, src[i], "entry_key", key));
    const json_t *best = NULL;
    for (int i = 0; !rc && i < 3; i++) {
        json_t *seen = versions_of(rows[i], list_id);
        best = latest_listed(rows[i], list_id, start, end, skip, best);
        rc = !seen || json_object_update_missing(skip, seen);
        json_decref(seen);
    }
    gfdx_verdict v = GFDX_DECIDE_OK;
    if (rc)
        v = namelist_oom(d, "entry versions");
    else if (best)
        snprintf(uscc, 32, "%s", gfdx_rows_str(best, "uscc") ? gfdx_rows_str(best, "uscc") : "");
    else
        v = gfdx_decide_refuse(d, "NOT_LISTED", "entry %s was not on list %s during %s (before the report)", key,
                               list_id, period);
    for (int i = 0; i < 3; i++)
        json_decref(rows[i]);
    json_decref(skip);
    return v;
}

/* Validation, authorization and the listing check. Authorization first, in two steps: what
 * the sender's own kind allows (any list: ecology reports carbon, finance financing), then the
 * one fact about the list it needs, its region. A list that does not exist covers nobody, so a
 * reporter gets the same UNAUTHORIZED_SENDER for an unknown list and for another region's:
 * a refusal says nothing about which lists exist elsewhere. */
static gfdx_verdict begin_report(gfdx_decision *d, namelist_record_kind rk, char *uscc)
{
    const namelist_ctx *ctx = d->ctx->service_ctx;
    const json_t *b = d->rec->body;
    char why[512];
    const char *code = rk == NAMELIST_REC_CARBON ? namelist_validate_carbon(b, d->rec->key, why, sizeof why)
                                                 : namelist_validate_financing(b, d->rec->key, why, sizeof why);
    if (code)
        return gfdx_decide_refuse(d, code, "%s", why);
    const char *list_id = gfdx_rec_str(b, "list_id"), *k[] = {list_id};
    const json_t *list = gfdx_rows_get(d->rows, &namelist_t_list, k);
    if (!namelist_authorize(&ctx->policy, d->sender, rk, NAMELIST_KIND_COUNT, d->sender->region, why, sizeof why))
        return gfdx_decide_refuse(d, "UNAUTHORIZED_SENDER", "%s", why);
    if (!list || !namelist_authorize(&ctx->policy, d->sender, rk, NAMELIST_KIND_COUNT, gfdx_rows_str(list, "region"),
                                     why, sizeof why))
        return gfdx_decide_refuse(d, "UNAUTHORIZED_SENDER", "%s may not report on list %s (not published, or not"
                                  " of a region it covers)", d->sender->id, list_id);
    return check_listed(d, list_id, gfdx_rec_str(b, "entry_key"), gfdx_rec_str(b, "period"), uscc);
}

/* The revision of a report replacing row (0 for the first report of its key). */
static json_int_t next_revision(const json_t *row)
{
    return row ? (json_int_t)gfdx_rows_int(row, "revision") + 1 : 0;
}

/* Stores the report's row in t (taking it) and forwards it to the plan's recipients
 * (namelist_forward.h) on the list's district topic. */
static gfdx_verdict store_and_forward(gfdx_decision *d, namelist_record_kind rk, const gfdx_table *t, json_t *row)
{
    const char *k[] = {gfdx_rec_str(d->rec->body, "list_id")};
    const json_t *list = gfdx_rows_get(d->rows, &namelist_t_list, k); /* exists: begin_report */
    json_t *copy = row ? json_incref(row) : NULL;
    if (!row || gfdx_rows_put(d->rows, t, row)) {
        json_decref(copy);
        return namelist_oom(d, t->name);
    }
    gfdx_verdict v = namelist_forward(d, rk, gfdx_rows_str(list, "region"), copy);
    json_decref(copy);
    return v;
}

gfdx_verdict namelist_decide_carbon(gfdx_decision *d)
{
    char uscc[32];
    gfdx_verdict v = begin_report(d, NAMELIST_REC_CARBON, uscc);
    if (v != GFDX_DECIDE_OK)
        return v;
    const json_t *b = d->rec->body, *tce = gfdx_rec_get(b, "energy_saving_tce");
    const json_t *note = gfdx_rec_get(b, "climate_finance_note");
    const char *k[] = {gfdx_rec_str(b, "list_id"), gfdx_rec_str(b, "entry_key"), gfdx_rec_str(b, "period")};
    json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:f, s:o, s:I, s:o, s:s, s:s, s:o, s:I, s:o}", "list_id", k[0],
                            "entry_key", k[1], "period", k[2], "uscc", uscc, "co2_reduction_t",
                            gfdx_rec_real(b, "co2_reduction_t"), "energy_saving_tce",
                            json_is_number(tce) ? json_real(json_number_value(tce)) : json_null(), "climate_finance",
                            (json_int_t)gfdx_rec_int(b, "climate_finance"), "climate_finance_note",
                            json_is_string(note) ? json_copy((json_t *)note) : json_null(), "reported_by",
                            d->sender->id, "event_id", d->rec->event_id, "occurred_at",
                            gfdx_rows_time(d->rec->occurred_at), "revision",
                            next_revision(gfdx_rows_get(d->rows, &namelist_t_carbon, k)), "updated_at",
                            gfdx_rows_time(d->ctx->now_ms));
    return store_and_forward(d, NAMELIST_REC_CARBON, &namelist_t_carbon, row);
}

/* Counts a financing report's revision into its row. 0, or -1 when out of memory. */
static int count_revision(gfdx_decision *d, json_t *row)
{
    const json_t *b = d->rec->body;
    const char *k[] = {gfdx_rec_str(b, "list_id"), gfdx_rec_str(b, "entry_key"), gfdx_rec_str(b, "period"),
                       gfdx_rec_str(b, "institution"), gfdx_rec_str(b, "product")};
    return json_object_set_new(row, "revision", json_integer(next_revision(gfdx_rows_get(d->rows,
                                                                                         &namelist_t_financing, k))));
}

gfdx_verdict namelist_decide_financing(gfdx_decision *d)
{
    char uscc[32];
    gfdx_verdict v = begin_report(d, NAMELIST_REC_FINANCING, uscc);
    if (v != GFDX_DECIDE_OK)
        return v;
    const json_t *b = d->rec->body, *rate = gfdx_rec_get(b, "rate_bp"), *pn = gfdx_rec_get(b, "product_name");
    json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:I, s:I, s:o, s:s, s:s, s:o, s:o}", "list_id",
                            gfdx_rec_str(b, "list_id"), "entry_key", gfdx_rec_str(b, "entry_key"), "period",
                            gfdx_rec_str(b, "period"), "institution", gfdx_rec_str(b, "institution"), "product",
                            gfdx_rec_str(b, "product"), "product_name",
                            json_is_string(pn) ? json_copy((json_t *)pn) : json_null(), "uscc", uscc, "amount",
                            (json_int_t)gfdx_rec_int(b, "amount"), "balance", (json_int_t)gfdx_rec_int(b, "balance"),
                            "rate_bp", json_is_integer(rate) ? json_integer(json_integer_value(rate)) : json_null(),
                            "reported_by", d->sender->id, "event_id", d->rec->event_id, "occurred_at",
                            gfdx_rows_time(d->rec->occurred_at), "updated_at", gfdx_rows_time(d->ctx->now_ms));
    if (row && count_revision(d, row)) {
        json_decref(row);
        row = NULL;
    }
    return store_and_forward(d, NAMELIST_REC_FINANCING, &namelist_t_financing, row);
}
