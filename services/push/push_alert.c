/* push_alert.c: the watch's decision (push_decide.h push_watch_decide): a pushed need still
 * without a bank after push.no_bank_alert_days working days raises one NO_BANK alert to its
 * branch. Pure: rows and context in, staged rows and records out. The hook that finds the
 * candidates and emits is push_watch.c. */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "ids.h"
#include "push_decide.h"
#include "push_fsm.h"
#include "push_store.h"

void push_alert_id(const char *kind, const char *need_id, char out[37])
{
    char buf[160], hex[65];
    int n = snprintf(buf, sizeof buf, "%s\x1f%s", kind, need_id);
    gfdx_sha256_hex(buf, n < 0 ? 0 : (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1, hex);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

/* Whether the need has an ACTIVE dispatch organised for it (not a head office's copy of the
 * push: push_dispatch_organised); -1 for a stored status push_fsm does not know. */
static int has_active_dispatch(const gfdx_rowset *rows, const char *need_id)
{
    json_t *ds = push_store_dispatches(rows, need_id), *row;
    size_t i;
    int rc = ds ? 0 : -1;
    json_array_foreach(ds, i, row) {
        push_dispatch_status st;
        if (push_dispatch_status_parse(gfdx_rows_str(row, "status"), &st) || st == PUSH_DISPATCH_NONE)
            rc = -1;
        else if (rc == 0 && st == PUSH_DISPATCH_ACTIVE && push_dispatch_organised(row))
            rc = 1;
    }
    json_decref(ds);
    return rc;
}

/* The alert row (OPEN) and the AlertRaised record of a need aged `age` working days. */
static int stage_alert(const gfdx_context *ctx, gfdx_rowset *rows, const json_t *need, int64_t age, json_t *emits)
{
    const push_ctx *c = ctx->service_ctx;
    const char *need_id = gfdx_rows_str(need, "need_id"), *branch = gfdx_rows_str(need, "branch_id");
    char id[37], detail[512], topic[256];
    push_alert_status st;
    if (push_alert_fsm_next(PUSH_ALERT_NONE, PUSH_AEV_RAISE, &st))
        return -1;
    push_alert_id(PUSH_ALERT_NO_BANK, need_id, id);
    snprintf(detail, sizeof detail, "需求 %s 推送至 %s 已满 %lld 个工作日仍无对接银行（时限 %d 个工作日），请分配银行",
             need_id, branch, (long long)age, c->no_bank_alert_days);
    json_t *facts = json_pack("{s:I, s:i, s:s, s:i}", "working_days", (json_int_t)age, "limit_days",
                              c->no_bank_alert_days, "received_at", gfdx_rows_str(need, "received_at"),
                              "banks_dispatched", 0);
    char *facts_text = facts ? json_dumps(facts, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_t *now = gfdx_rows_time(ctx->now_ms), *row = NULL, *rec = NULL;
    if (facts_text && now)
        row = json_pack("{s:s, s:s, s:s, s:s, s:n, s:s, s:s, s:O, s:O, s:n, s:n}", "need_id", need_id, "kind",
                        PUSH_ALERT_NO_BANK, "alert_id", id, "branch_id", branch, "bank_id", "status",
                        push_alert_status_name(st), "detail", detail, "facts", facts, "raised_at", now,
                        "closed_at", "closed_event_id");
    if (row)
        rec = json_pack("{s:s, s:s, s:s, s:s, s:n, s:s, s:s, s:I}", "alert_id", id, "kind", PUSH_ALERT_NO_BANK,
                        "need_id", need_id, "branch", branch, "bank_id", "detail", detail, "facts", facts_text,
                        "raised_at", (json_int_t)ctx->now_ms);
    snprintf(topic, sizeof topic, "%s%s", c->alert_prefix, branch);
    int rc = rec && !gfdx_rows_put(rows, &push_alert_table, row) &&
                     !json_array_append_new(emits, json_pack("{s:s, s:s, s:s, s:O}", "topic", topic, "key", id,
                                                             "type", "AlertRaised", "record", rec))
                 ? 0
                 : -1;
    if (!rec)
        json_decref(row);
    json_decref(rec);
    json_decref(now);
    json_decref(facts);
    free(facts_text);
    return rc;
}

/* 1 when the need is due for a NO_BANK alert, 0 when not, -1 on a stored status push_fsm
 * does not know. *age: its working days. */
static int is_due(const gfdx_context *ctx, const gfdx_rowset *rows, const json_t *need, int64_t *age)
{
    const push_ctx *c = ctx->service_ctx;
    const char *need_id = gfdx_rows_str(need, "need_id");
    const char *k[] = {need_id, PUSH_ALERT_NO_BANK};
    push_status st;
    if (push_status_parse(gfdx_rows_str(need, "status"), &st) || st == PUSH_NONE)
        return -1;
    if (st != PUSH_DISPATCHED || gfdx_rows_get(rows, &push_alert_table, k))
        return 0; /* withdrawn, or alerted once already (open or closed) */
    int active = has_active_dispatch(rows, need_id);
    if (active)
        return active < 0 ? -1 : 0;
    int64_t received = gfdx_rows_time_ms(json_object_get(need, "received_at"));
    if (received < 0)
        return -1;
    *age = gfdx_calendar_working_days_between(ctx->calendar, received, ctx->now_ms);
    return *age >= c->no_bank_alert_days;
}

int push_watch_decide(const gfdx_context *ctx, gfdx_rowset *rows, const json_t *need_ids, json_t *emits,
                      bool *corrupt, char *err, size_t errlen)
{
    size_t i;
    const json_t *id;
    int raised = 0;
    *corrupt = false;
    json_array_foreach(need_ids, i, id) {
        const char *k[] = {json_string_value(id)};
        const json_t *need = k[0] ? gfdx_rows_get(rows, &push_need_table, k) : NULL;
        int64_t age = 0;
        int due = need ? is_due(ctx, rows, need, &age) : 0;
        if (due < 0) {
            *corrupt = true;
            return snprintf(err, errlen, "need %s: unknown status or time stored in pboc", k[0]), -1;
        }
        if (due && stage_alert(ctx, rows, need, age, emits))
            return snprintf(err, errlen, "need %s: out of memory staging its NO_BANK alert", k[0]), -1;
        raised += due;
    }
    return raised;
}
