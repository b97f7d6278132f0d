/* feedback_alert.c: alerts published and handled. See feedback_alert.h. */
#include "feedback_alert.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "feedback_rules.h"
#include "feedback_store.h"
#include "ids.h"
#include "record_limits.h"

/* clang-format off */
const gfdx_table feedback_alert_state_table = {
    .name = "alert", .kind = GFDX_TABLE_STATE, .key = {"alert_id", NULL},
    .columns = "alert_id, kind, need_id, bank_id, branch_id, detail, facts, event_id, raised_at, handled_by,"
               " handled_at, outcome, comment, handled_event_id",
};
/* clang-format on */

void feedback_alert_id(char out[FEEDBACK_ALERT_ID_LEN], const char *kind, const char *a, const char *b)
{
    char buf[512], hex[65];
    int n = snprintf(buf, sizeof buf, "%s\x1f%s\x1f%s", kind ? kind : "", a ? a : "", b ? b : "");
    gfdx_sha256_hex(buf, n < 0 ? 0 : (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1, hex);
    snprintf(out, FEEDBACK_ALERT_ID_LEN, "al-%.32s", hex);
}

int feedback_alert_topic(const feedback_settings *s, const char *branch, char *out, size_t outlen)
{
    const char *prefix = s->alerts_prefix ? s->alerts_prefix : "gfdx.alerts.";
    int n = snprintf(out, outlen, "%s%s", prefix, branch ? branch : "");
    return n < 0 || (size_t)n >= outlen || !branch || !*branch ? -1 : 0;
}

/* The facts (a jsonb object) as AlertRaised.facts text: compact, keys sorted; an object
 * whose text would exceed the field's 2,000 characters is replaced by {"truncated": true}
 * (the row keeps the whole object). New reference or NULL. */
static json_t *facts_text(const json_t *facts)
{
    char *text = json_dumps(facts ? facts : json_object(), JSON_COMPACT | JSON_SORT_KEYS);
    if (!text)
        return NULL;
    json_t *out = json_string(strlen(text) <= GFDX_LIMIT_TEXT_CHARS ? text : "{\"truncated\":true}");
    free(text);
    return out;
}

json_t *feedback_alert_record(const json_t *row)
{
    const char *bank = gfdx_rows_str(row, "bank_id");
    int64_t raised = gfdx_rows_time_ms(json_object_get(row, "raised_at"));
    json_t *facts = facts_text(json_object_get(row, "facts"));
    const char *cols[] = {"alert_id", "kind", "need_id", "branch_id", "detail"};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        if (!gfdx_rows_str(row, cols[i]))
            raised = -1;
    if (raised < 0 || !facts) {
        json_decref(facts);
        return NULL;
    }
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:I}", "alert_id", gfdx_rows_str(row, "alert_id"), "kind",
                     gfdx_rows_str(row, "kind"), "need_id", gfdx_rows_str(row, "need_id"), "branch",
                     gfdx_rows_str(row, "branch_id"), "bank_id", bank ? json_string(bank) : json_null(), "detail",
                     gfdx_rows_str(row, "detail"), "facts", facts, "raised_at", (json_int_t)raised);
}

gfdx_verdict feedback_alert_publish(gfdx_decision *d, json_t *row, const char *branch_id)
{
    const feedback_settings *s = &((const feedback_ctx *)d->ctx->service_ctx)->settings;
    char id[FEEDBACK_ALERT_ID_LEN], topic[256];
    feedback_alert_id(id, gfdx_rows_str(row, "kind"), gfdx_rows_str(row, "event_id"), gfdx_rows_str(row, "bank_id"));
    if (feedback_alert_topic(s, branch_id, topic, sizeof topic))
        return gfdx_fault_decide(d, GFDX_FAULT_CORRUPT, "AlertRaised", "the need has no branch");
    errno = 0;
    int bad = json_object_set_new(row, "alert_id", json_string(id));
    bad |= json_object_set_new(row, "branch_id", json_string(branch_id));
    bad |= json_object_set_new(row, "raised_at", gfdx_rows_time(d->ctx->now_ms));
    json_t *rec = bad ? NULL : feedback_alert_record(row);
    if (!rec)
        return gfdx_fault_decide(d, gfdx_fault_of_errno(errno, GFDX_FAULT_BAD_INPUT), "AlertRaised",
                                 "cannot build the record");
    gfdx_verdict v = gfdx_decide_emit(d, topic, id, "AlertRaised", rec);
    json_decref(rec);
    return v;
}

/* ---- AlertHandled ---- */

/* The sender is the need's branch: UNAUTHORIZED_SENDER otherwise, whatever is stored. */
static gfdx_verdict authorize_branch(gfdx_decision *d, const char *need_id)
{
    const char *k[] = {need_id};
    const json_t *need = gfdx_rows_get(d->rows, &feedback_pboc_need_table, k);
    const char *branch = gfdx_rows_str(need, "branch_id");
    if (!gfdx_auth_is_kind(d->sender, GFDX_PK_PBOC_BRANCH))
        return gfdx_decide_refuse(d, "UNAUTHORIZED_SENDER", "%s (%s) is not a PBoC branch and may not handle alerts",
                                  d->sender->id, gfdx_participant_kind_name(d->sender->kind));
    if (!branch || strcmp(branch, d->sender->id))
        return gfdx_decide_refuse(d, "UNAUTHORIZED_SENDER", "%s may not handle alerts of need %s", d->sender->id,
                                  need_id);
    return GFDX_DECIDE_OK;
}

/* The alert row named by the record, of this need and this branch; refused when unknown or
 * handled already. */
static gfdx_verdict open_alert(gfdx_decision *d, const char *need_id, const char *alert_id, const json_t **out)
{
    const char *k[] = {alert_id};
    const json_t *a = gfdx_rows_get(d->rows, &feedback_alert_state_table, k);
    const char *need = gfdx_rows_str(a, "need_id"), *branch = gfdx_rows_str(a, "branch_id");
    if (!need || strcmp(need, need_id) || (branch && strcmp(branch, d->sender->id)))
        return gfdx_decide_refuse(d, "UNKNOWN_ALERT", "need %s has no alert %s", need_id, alert_id);
    if (json_is_string(json_object_get(a, "handled_at")))
        return gfdx_decide_refuse(d, "ALERT_ALREADY_HANDLED", "alert %s was handled (%s) by %s", alert_id,
                                  gfdx_rows_str(a, "outcome") ? gfdx_rows_str(a, "outcome") : "?",
                                  gfdx_rows_str(a, "handled_by") ? gfdx_rows_str(a, "handled_by") : "?");
    *out = a;
    return GFDX_DECIDE_OK;
}

static gfdx_verdict handle(gfdx_decision *d, const json_t *a)
{
    const gfdx_record *r = d->rec;
    errno = 0;
    json_t *row = json_deep_copy(a);
    int bad = !row;
    if (row) {
        bad |= json_object_set_new(row, "handled_by", json_string(r->sender_id));
        bad |= json_object_set_new(row, "handled_at", gfdx_rows_time(r->clock.ms));
        bad |= json_object_set_new(row, "outcome", json_string(gfdx_rec_str(r->body, "outcome")));
        bad |= json_object_set_new(row, "comment", json_string(gfdx_rec_str(r->body, "comment")));
        bad |= json_object_set_new(row, "handled_event_id", json_string(r->event_id));
    }
    if (bad) {
        json_decref(row);
        return gfdx_fault_decide(d, gfdx_fault_of_errno(errno, GFDX_FAULT_BAD_INPUT), "feedback.alert",
                                 "cannot build the row");
    }
    return gfdx_rows_put(d->rows, &feedback_alert_state_table, row)
               ? gfdx_fault_decide(d, GFDX_FAULT_NO_MEMORY, "feedback.alert", "out of memory")
               : GFDX_DECIDE_OK;
}

gfdx_verdict feedback_decide_alert_handled(gfdx_decision *d)
{
    char why[512];
    const char *need_id = gfdx_rec_str(d->rec->body, "need_id");
    const char *alert_id = gfdx_rec_str(d->rec->body, "alert_id");
    const char *outcome = gfdx_rec_str(d->rec->body, "outcome");
    need_id = need_id ? need_id : "";
    gfdx_verdict v = authorize_branch(d, need_id);
    if (v != GFDX_DECIDE_OK)
        return v;
    const char *code = feedback_check_text("comment", gfdx_rec_str(d->rec->body, "comment"), why, sizeof why);
    if (code)
        return gfdx_decide_refuse(d, code, "%s", why);
    if (!outcome || (strcmp(outcome, "CONFIRMED") && strcmp(outcome, "DISMISSED")))
        return gfdx_decide_refuse(d, "INVALID_FIELD", "outcome must be CONFIRMED or DISMISSED");
    const json_t *a = NULL;
    v = open_alert(d, need_id, alert_id ? alert_id : "", &a);
    return v == GFDX_DECIDE_OK ? handle(d, a) : v;
}

int feedback_alert_want(gfdx_rowset *rs, const gfdx_record *rec)
{
    const char *id = rec->type && !strcmp(rec->type, "AlertHandled") ? gfdx_rec_str(rec->body, "alert_id") : NULL;
    return id && *id ? gfdx_rowset_want(rs, &feedback_alert_state_table, "alert_id", id) : 0;
}
