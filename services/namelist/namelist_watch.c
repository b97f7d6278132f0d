/* namelist_watch.c: see namelist_watch.h. */
#include "namelist_watch.h"

#include <stdio.h>
#include <string.h>

#include "namelist.h"
#include "namelist_forward.h"
#include "namelist_store.h"
#include "namelist_validate.h"

#define DAY_MS 86400000LL
#define CST_MS (8 * 3600000LL)

int namelist_half_year_before(int64_t now_ms, int back, char period[8], int64_t *start_ms, int64_t *end_ms)
{
    int cur = -1; /* (year - 2000) * 2 + half - 1 of the half-year containing now */
    for (int i = 0; cur < 0 && i < 200; i++) {
        int64_t s, e;
        snprintf(period, 8, "%04dH%d", 2000 + i / 2, i % 2 + 1);
        if (!namelist_period_bounds(period, &s, &e) && s <= now_ms && now_ms < e)
            cur = i;
    }
    int t = cur - 1 - back;
    if (cur < 0 || t < 0)
        return -1;
    snprintf(period, 8, "%04dH%d", 2000 + t / 2, t % 2 + 1);
    return namelist_period_bounds(period, start_ms, end_ms);
}

int64_t namelist_report_due_ms(const gfdx_calendar *cal, int64_t end_ms, int grace)
{
    int64_t day = end_ms; /* 00:00 China time of the first day after the half-year */
    for (int i = 0; grace > 0 && i < 400; i++, day += DAY_MS)
        if (gfdx_calendar_working_days_between(cal, end_ms - 1, day) >= grace)
            return day;
    return grace > 0 ? day : end_ms;
}

/* Whether rows hold a carbon_report or a missing_report of (list, key, period). */
static bool already(gfdx_watch *w, const char *list_id, const char *key, const char *period)
{
    const char *k[] = {list_id, key, period};
    return gfdx_rows_get(w->rows, &namelist_t_carbon, k) || gfdx_rows_get(w->rows, &namelist_t_missing, k);
}

static json_t *missing_record(gfdx_watch *w, const json_t *c, const char *period, int64_t due_ms)
{
    static const gfdx_bureau owed[] = {GFDX_BUREAU_DRC, GFDX_BUREAU_ECOLOGY, GFDX_BUREAU_FINANCE};
    json_t *to = namelist_bureaus_of(w->ctx->registry, gfdx_rows_str(c, "region"), owed, 3);
    return to ? json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:o}", "list_id", gfdx_rows_str(c, "list_id"), "region",
                          gfdx_rows_str(c, "region"), "entry_key", gfdx_rows_str(c, "entry_key"), "uscc",
                          gfdx_rows_str(c, "uscc"), "period", period, "due_at", (json_int_t)due_ms, "recipients", to)
              : NULL;
}

/* Flags one candidate: the missing_report row and the record. 0, or -1 with w->err. */
static int flag_one(gfdx_watch *w, const json_t *c, const char *period, int64_t due_ms)
{
    const namelist_ctx *ctx = w->ctx->service_ctx;
    char topic[256];
    json_t *rec = missing_record(w, c, period, due_ms);
    json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "list_id", gfdx_rows_str(c, "list_id"), "entry_key",
                            gfdx_rows_str(c, "entry_key"), "period", period, "uscc", gfdx_rows_str(c, "uscc"),
                            "region", gfdx_rows_str(c, "region"), "due_at", gfdx_rows_time(due_ms), "flagged_at",
                            gfdx_rows_time(w->ctx->now_ms));
    int rc = rec && row && !namelist_district_topic(topic, sizeof topic, ctx->set.changes_topic,
                                                    gfdx_rows_str(c, "region")) ? 0 : -1;
    if (!rc)
        rc = gfdx_rows_put(w->rows, &namelist_t_missing, row); /* steals row */
    else
        json_decref(row);
    if (!rc)
        rc = gfdx_watch_emit(w, topic, gfdx_rows_str(c, "list_id"), "ReportMissing", rec);
    else
        snprintf(w->err, w->errlen, "ReportMissing: out of memory");
    json_decref(rec);
    return rc;
}

int namelist_watch_flag(gfdx_watch *w, const json_t *candidates, const char *period, int64_t due_ms)
{
    size_t i;
    const json_t *c;
    int n = 0;
    json_array_foreach(candidates, i, c) {
        const char *l = gfdx_rows_str(c, "list_id"), *k = gfdx_rows_str(c, "entry_key");
        if (!l || !k || !gfdx_rows_str(c, "uscc") || !gfdx_rows_str(c, "region") || already(w, l, k, period))
            continue;
        if (flag_one(w, c, period, due_ms))
            return -1;
        n++;
    }
    return n;
}

/* The candidates of the back-th completed half-year when it is due (else an empty array),
 * with the period and due time; their lists' reports and flags are queued. NULL with w->err. */
static json_t *due_candidates(const namelist_ctx *ctx, gfdx_watch *w, int back, char period[8], int64_t *due)
{
    int64_t start, end;
    if (namelist_half_year_before(w->ctx->now_ms, back, period, &start, &end))
        return json_array();
    *due = namelist_report_due_ms(w->ctx->calendar, end, ctx->set.report_grace_working_days);
    if (w->ctx->now_ms < *due)
        return json_array();
    json_t *cand = namelist_store_report_candidates(w->db, &ctx->set.report_kinds, start, end, period,
                                                    ctx->set.watch_max_flags, w->err, w->errlen, w->transient);
    size_t i;
    const json_t *c;
    json_array_foreach(cand, i, c) {
        const char *l = gfdx_rows_str(c, "list_id");
        if (gfdx_rowset_want(w->rows, &namelist_t_carbon, "list_id", l) ||
            gfdx_rowset_want(w->rows, &namelist_t_missing, "list_id", l)) {
            snprintf(w->err, w->errlen, "watch: out of memory");
            *w->transient = true;
            json_decref(cand);
            return NULL;
        }
    }
    return cand;
}

/* The last two completed half-years: candidates of both, one load, then the flags. */
int namelist_watch(void *service_ctx, gfdx_watch *w)
{
    const namelist_ctx *ctx = service_ctx;
    char period[2][8] = {"", ""};
    int64_t due[2] = {0, 0};
    json_t *cand[2] = {NULL, NULL};
    int rc = 0;
    for (int back = 0; !rc && back < 2; back++)
        rc = !(cand[back] = due_candidates(ctx, w, back, period[back], &due[back]));
    if (!rc && json_array_size(cand[0]) + json_array_size(cand[1]))
        rc = gfdx_rowset_load(w->rows, w->db, w->err, w->errlen, w->transient);
    for (int back = 1; !rc && back >= 0; back--)
        rc = namelist_watch_flag(w, cand[back], period[back], due[back]) < 0;
    json_decref(cand[0]);
    json_decref(cand[1]);
    return rc ? -1 : 0;
}
