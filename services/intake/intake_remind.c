/* intake_remind.c: the deadline reminder. See intake_remind.h. */
#include "intake_remind.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "errbuf.h"
#include "intake_decide.h"
#include "intake_store.h"

const gfdx_table intake_reminder_table = {.name = "reminder", .kind = GFDX_TABLE_STATE,
                                          .key = {"authority", "quarter"},
                                          .columns = "authority, quarter, deadline, needs, need_ids, parts, sent_at"};

#define CHINA_OFFSET_S (8 * 3600)

/* Noon of y-m-d in China, Unix ms: a time on that date whatever the rounding. */
static int64_t china_noon_ms(int y, int m, int d)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12};
    return ((int64_t)timegm(&tm) - CHINA_OFFSET_S) * 1000;
}

int intake_remind_due(const gfdx_calendar *cal, int64_t now_ms, int days, intake_due_quarter *due)
{
    time_t t = (time_t)(now_ms / 1000) + CHINA_OFFSET_S;
    struct tm today;
    if (days <= 0 || !gmtime_r(&t, &today))
        return 0;
    int y = today.tm_year + 1900, q = today.tm_mon / 3 + 1, m = 0, d = 0;
    if (gfdx_calendar_last_working_day(cal, y, q, &m, &d))
        return 0;
    if (today.tm_mon + 1 > m || (today.tm_mon + 1 == m && today.tm_mday > d))
        return 0; /* past the deadline: the quarter's late days, nothing to remind of */
    int64_t left = gfdx_calendar_working_days_between(cal, now_ms, china_noon_ms(y, m, d));
    if (left > days)
        return 0;
    gfdx_quarter_format(y, q, due->quarter);
    snprintf(due->deadline, sizeof due->deadline, "%04d-%02d-%02d", y, m, d);
    due->days_left = left;
    return 1;
}

static int failed(gfdx_watch *w, bool transient, const char *what)
{
    gfdx_errf(w->err, w->errlen, "reminder: %s", what);
    *w->transient = transient;
    return -1;
}

/* One pending need as the record lists it. */
static json_t *pending_need(const gfdx_watch *w, const json_t *p)
{
    int64_t approved = json_integer_value(json_object_get(p, "approved_at_ms"));
    return json_pack("{s:O, s:O, s:O, s:O, s:O, s:I, s:i}", "need_id", json_object_get(p, "need_id"),
                     "factory_name", json_object_get(p, "factory_name"), "project_name",
                     json_object_get(p, "project_name"), "financing_amount", json_object_get(p, "financing_amount"),
                     "is_major", json_object_get(p, "is_major"), "approved_at", (json_int_t)approved,
                     "ageing_working_days",
                     (int)gfdx_calendar_working_days_between(w->ctx->calendar, approved, w->ctx->now_ms));
}

/* Emits part `part` of `parts` of authority's reminder: pending[lo..hi). */
static int emit_part(gfdx_watch *w, const intake_due_quarter *due, const char *authority, const json_t *pending,
                     size_t lo, size_t hi, int part, int parts)
{
    json_t *needs = json_array();
    for (size_t i = lo; needs && i < hi; i++)
        if (json_array_append_new(needs, pending_need(w, json_array_get(pending, i))))
            json_decref(needs), needs = NULL;
    json_t *rec = needs ? json_pack("{s:s, s:s, s:s, s:I, s:i, s:i, s:o}", "authority", authority, "quarter",
                                    due->quarter, "deadline", due->deadline, "working_days_left",
                                    (json_int_t)due->days_left, "part", part, "part_count", parts, "needs", needs)
                        : NULL;
    if (!rec)
        return failed(w, true, "out of memory");
    char topic[256];
    snprintf(topic, sizeof topic, "%s%s", w->ctx->receipts_prefix ? w->ctx->receipts_prefix : "gfdx.receipts.",
             authority);
    int rc = gfdx_watch_emit(w, topic, authority, "RecommendationReminder", rec);
    json_decref(rec);
    return rc;
}

/* The reminder of one authority: pending[lo..hi) are its needs. */
static int remind_authority(gfdx_watch *w, const intake_due_quarter *due, const json_t *pending, size_t lo,
                            size_t hi)
{
    const char *authority = json_string_value(json_object_get(json_array_get(pending, lo), "authority"));
    const char *key[] = {authority, due->quarter};
    if (gfdx_rows_get(w->rows, &intake_reminder_table, key))
        return 0; /* reminded already this quarter */
    int parts = (int)((hi - lo + INTAKE_REMIND_PART - 1) / INTAKE_REMIND_PART);
    json_t *ids = json_array();
    for (size_t i = lo; ids && i < hi; i++)
        json_array_append(ids, json_object_get(json_array_get(pending, i), "need_id"));
    json_t *row = ids ? json_pack("{s:s, s:s, s:s, s:I, s:o, s:i, s:o}", "authority", authority, "quarter",
                                  due->quarter, "deadline", due->deadline, "needs", (json_int_t)(hi - lo), "need_ids",
                                  ids, "parts", parts, "sent_at", gfdx_rows_time(w->ctx->now_ms))
                      : NULL;
    if (!row || gfdx_rows_put(w->rows, &intake_reminder_table, row))
        return failed(w, true, "out of memory");
    for (int p = 0; p < parts; p++) {
        size_t a = lo + (size_t)p * INTAKE_REMIND_PART, b = a + INTAKE_REMIND_PART < hi ? a + INTAKE_REMIND_PART : hi;
        if (emit_part(w, due, authority, pending, a, b, p + 1, parts))
            return -1;
    }
    return 0;
}

static const char *authority_at(const json_t *pending, size_t i)
{
    return json_string_value(json_object_get(json_array_get(pending, i), "authority"));
}

int intake_remind_decide(gfdx_watch *w, const intake_due_quarter *due, const json_t *pending)
{
    size_t n = json_array_size(pending);
    for (size_t lo = 0, hi; lo < n; lo = hi) {
        for (hi = lo + 1; hi < n && !strcmp(authority_at(pending, hi), authority_at(pending, lo)); hi++)
            ;
        if (remind_authority(w, due, pending, lo, hi))
            return -1;
    }
    return 0;
}

int intake_remind_watch(void *service_ctx, gfdx_watch *w)
{
    const intake_settings *s = service_ctx;
    int days = s ? s->reminder_days : INTAKE_REMIND_DAYS_DEFAULT;
    intake_due_quarter due;
    if (!intake_remind_due(w->ctx->calendar, w->ctx->now_ms, days, &due))
        return 0;
    json_t *pending = NULL;
    if (intake_store_pending(w->db, &pending, w->err, w->errlen, w->transient))
        return -1;
    size_t i;
    json_t *p;
    int rc = 0;
    json_array_foreach(pending, i, p) if (rc == 0) rc = gfdx_rowset_want(w->rows, &intake_reminder_table, "authority",
                                                                      json_string_value(json_object_get(p, "authority")));
    if (rc)
        rc = failed(w, true, "out of memory");
    if (rc == 0)
        rc = gfdx_rowset_load(w->rows, w->db, w->err, w->errlen, w->transient);
    if (rc == 0)
        rc = intake_remind_decide(w, &due, pending);
    json_decref(pending);
    return rc;
}
