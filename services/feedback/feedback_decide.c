/* feedback_decide.c: gfdx-feedback's decisions. See feedback_decide.h. */
#include "feedback_decide.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "feedback.h"
#include "feedback_aggregate.h"
#include "feedback_alert.h"
#include "feedback_obstacle.h"
#include "feedback_rules.h"
#include "feedback_store.h"
#include "region.h"

/* ---- one need and one bank: what a decision works on ---- */

typedef struct {
    gfdx_decision *d;
    const feedback_settings *s;
    const char *need_id;        /* the record's need_id ("" when absent) */
    char bank_id[128];
    feedback_need need;
    const json_t *before;       /* the bank's matching row before this record (borrowed), NULL if none */
    bool existed;               /* the bank had a matching row before this record */
    feedback_matching cur, next;
} fb_case;

static void open_case(gfdx_decision *d, fb_case *c)
{
    memset(c, 0, sizeof *c);
    c->d = d;
    c->s = &((const feedback_ctx *)d->ctx->service_ctx)->settings;
    const char *need_id = gfdx_rec_str(d->rec->body, "need_id");
    c->need_id = need_id ? need_id : "";
}

/* A json_pack or json_* call failed with errno cleared before it: memory (transient) or
 * something that cannot be built (permanent). */
static gfdx_verdict build_failed(gfdx_decision *d, const char *what)
{
    return gfdx_fault_decide(d, gfdx_fault_of_errno(errno, GFDX_FAULT_BAD_INPUT), what, "cannot build the row");
}

static gfdx_verdict no_memory(gfdx_decision *d, const char *what)
{
    return gfdx_fault_decide(d, GFDX_FAULT_NO_MEMORY, what, "out of memory");
}

static json_t *text_or_null(const char *s) { return s && *s ? json_string(s) : json_null(); }

static gfdx_verdict refuse_not_bank(gfdx_decision *d, const char *what)
{
    return gfdx_decide_refuse(d, "UNAUTHORIZED_SENDER", "%s (%s) is not a bank and may not %s", d->sender->id,
                              gfdx_participant_kind_name(d->sender->kind), what);
}

/* The pboc.need row; *found false when the need was never pushed to the PBoC. */
static gfdx_verdict load_need(fb_case *c, bool *found)
{
    const char *k[] = {c->need_id};
    const json_t *row = gfdx_rows_get(c->d->rows, &feedback_pboc_need_table, k);
    *found = row != NULL;
    if (row && feedback_store_need_of(row, &c->need))
        return gfdx_fault_decide(c->d, GFDX_FAULT_CORRUPT, "pboc.need", "a column the rules read is missing");
    return GFDX_DECIDE_OK;
}

static gfdx_verdict open_matching(fb_case *c, const char *bank_id)
{
    snprintf(c->bank_id, sizeof c->bank_id, "%s", bank_id);
    const char *k[] = {c->need_id, c->bank_id};
    c->before = gfdx_rows_get(c->d->rows, &feedback_matching_table, k);
    c->existed = c->before != NULL;
    if (feedback_store_matching_of(c->before, &c->cur))
        return gfdx_fault_decide(c->d, GFDX_FAULT_CORRUPT, "feedback.matching", "unknown stage stored");
    c->next = c->cur;
    return GFDX_DECIDE_OK;
}

/* A bank's record (MatchingFeedback, ObstacleRaised): the dispatch row first (the one fact
 * authorization needs: without one the bank is refused UNAUTHORIZED_SENDER whether the need
 * exists, was withdrawn or is final), then the need, the rules, the matching. */
static gfdx_verdict open_bank_case(gfdx_decision *d, feedback_event ev, fb_case *c)
{
    char why[256];
    feedback_dispatch disp;
    bool found = false;
    open_case(d, c);
    const char *k[] = {c->need_id, d->sender->id};
    if (feedback_store_dispatch_of(gfdx_rows_get(d->rows, &feedback_pboc_dispatch_table, k), &disp))
        return gfdx_fault_decide(d, GFDX_FAULT_CORRUPT, "pboc.dispatch", "unknown dispatch status");
    if (disp == FEEDBACK_DISPATCH_NONE)
        return gfdx_decide_refuse(d, "UNAUTHORIZED_SENDER", "%s may not report on need %s: it was not dispatched to it",
                                  d->sender->id, c->need_id);
    gfdx_verdict v = load_need(c, &found);
    if (v == GFDX_DECIDE_OK && !found) /* a dispatch row without its need: gfdx-push's tables disagree */
        v = gfdx_decide_refuse(d, "UNKNOWN_NEED", "need %s was not pushed to the PBoC", c->need_id);
    const char *code = v == GFDX_DECIDE_OK ? feedback_authorize_bank(disp, c->need.withdrawn, ev, why, sizeof why) : NULL;
    if (code)
        v = gfdx_decide_refuse(d, code, "%s on need %s: %s", d->sender->id, c->need_id, why);
    if (v == GFDX_DECIDE_OK)
        v = open_matching(c, d->sender->id);
    return v;
}

/* ---- the bank's matching row and its history ---- */

/* Sets column to the record's time; keep_first: only when it holds none yet. 0 or -1. */
static int stamp(json_t *row, const char *column, int64_t ms, bool keep_first)
{
    if (keep_first && json_is_string(json_object_get(row, column)))
        return 0;
    return json_object_set_new(row, column, gfdx_rows_time(ms));
}

/* The stage times (the bank's meta.occurred_at): contacted and first disbursement once,
 * the latest approval, disbursement and decline each time. */
static int stamp_times(json_t *row, const feedback_matching *m, feedback_event ev, int64_t at)
{
    int bad = 0;
    if (m->contacted)
        bad |= stamp(row, "contacted_at", at, true);
    if (ev == FEEDBACK_EV_CREDIT_APPROVED)
        bad |= stamp(row, "approved_at", at, false);
    if (ev == FEEDBACK_EV_DISBURSED)
        bad |= stamp(row, "first_disbursed_at", at, true) | stamp(row, "last_disbursed_at", at, false);
    if (ev == FEEDBACK_EV_DECLINED)
        bad |= stamp(row, "declined_at", at, false);
    return bad;
}

/* The bank's new matching row: its row before (created_at, stage times, branch kept) with
 * c->next and the record's times. New reference, or NULL (errno says why). */
static json_t *matching_row(const fb_case *c, feedback_event ev)
{
    const feedback_matching *m = &c->next;
    json_t *row = c->before ? json_deep_copy(c->before) : json_object();
    if (!row)
        return NULL;
    int bad = 0;
    if (!json_is_string(json_object_get(row, "branch_id")))
        bad |= json_object_set_new(row, "branch_id", json_string(c->need.branch_id));
    bad |= json_object_set_new(row, "need_id", json_string(c->need_id));
    bad |= json_object_set_new(row, "bank_id", json_string(c->bank_id));
    bad |= json_object_set_new(row, "stage", json_string(feedback_stage_name(m->stage)));
    bad |= json_object_set_new(row, "contacted", json_boolean(m->contacted));
    bad |= json_object_set_new(row, "product", text_or_null(m->product));
    bad |= json_object_set_new(row, "approved_amount", json_integer(m->approved_amount));
    bad |= json_object_set_new(row, "rate_bp", m->rate_bp >= 0 ? json_integer(m->rate_bp) : json_null());
    bad |= json_object_set_new(row, "term_months", m->term_months >= 0 ? json_integer(m->term_months) : json_null());
    bad |= json_object_set_new(row, "disbursed_total", json_integer(m->disbursed_total));
    bad |= json_object_set_new(row, "disbursements", json_integer(m->disbursements));
    bad |= json_object_set_new(row, "decline_reason", text_or_null(m->decline_reason));
    bad |= json_object_set_new(row, "open_obstacles", json_integer(m->open_obstacles));
    bad |= json_object_set_new(row, "last_event_id", json_string(c->d->rec->event_id));
    bad |= json_object_set_new(row, "updated_at", gfdx_rows_time(c->d->ctx->now_ms));
    bad |= stamp_times(row, m, ev, c->d->rec->occurred_at);
    if (bad) {
        json_decref(row);
        return NULL;
    }
    return row;
}

static gfdx_verdict save_matching(fb_case *c, feedback_event ev)
{
    errno = 0;
    json_t *row = matching_row(c, ev);
    if (!row)
        return build_failed(c->d, "feedback.matching");
    c->before = NULL; /* replaced by the put */
    return gfdx_rows_put(c->d->rows, &feedback_matching_table, row) ? no_memory(c->d, "feedback.matching")
                                                                     : GFDX_DECIDE_OK;
}

/* Appends the applied record to feedback.matching_event. amount and obstacle_id may be NULL. */
static gfdx_verdict append_history(fb_case *c, const long long *amount, const char *obstacle_id)
{
    const gfdx_record *r = c->d->rec;
    errno = 0;
    json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "need_id", c->need_id,
                            "bank_id", c->bank_id, "event_id", r->event_id, "record_type", r->type, "sender",
                            r->sender_id, "from_stage", feedback_stage_name(c->cur.stage), "to_stage",
                            feedback_stage_name(c->next.stage), "amount",
                            amount ? json_integer(*amount) : json_null(), "obstacle_id", text_or_null(obstacle_id),
                            "occurred_at", gfdx_rows_time(r->occurred_at), "detail", json_deep_copy(r->body));
    if (!row)
        return build_failed(c->d, "feedback.matching_event");
    return gfdx_rows_append(c->d->rows, &feedback_matching_event_table, row)
               ? no_memory(c->d, "feedback.matching_event")
               : GFDX_DECIDE_OK;
}

/* ---- the need's aggregate ---- */

/* The aggregate of every bank's current matching on the need (this record's included) and
 * the number of banks it was dispatched to. */
static gfdx_verdict compute_after(fb_case *c, feedback_aggregate *after)
{
    json_t *rows = gfdx_rows_find(c->d->rows, &feedback_matching_table, "need_id", c->need_id);
    json_t *disp = gfdx_rows_find(c->d->rows, &feedback_pboc_dispatch_table, "need_id", c->need_id);
    size_t n = json_array_size(rows);
    feedback_matching *banks = rows && disp ? calloc(n ? n : 1, sizeof *banks) : NULL;
    bool have = banks != NULL;
    int bad = 0;
    for (size_t i = 0; have && i < n && !bad; i++)
        bad = feedback_store_matching_of(json_array_get(rows, i), &banks[i]);
    int overflow = have && !bad && feedback_aggregate_compute(banks, n, (int)json_array_size(disp), after);
    free(banks);
    json_decref(rows);
    json_decref(disp);
    if (!have)
        return no_memory(c->d, "aggregate");
    if (bad)
        return gfdx_fault_decide(c->d, GFDX_FAULT_CORRUPT, "aggregate", "unknown stage stored");
    if (overflow)
        return gfdx_decide_refuse(c->d, "LIMIT_EXCEEDED", "need %s: the amounts across banks would exceed %lld fen",
                                  c->need_id, (long long)INT64_MAX);
    return GFDX_DECIDE_OK;
}

/* NeedMatchingStatus carries the need's status sequence so that a late, older status can be
 * recognised by gfdx-intake whatever order the records reach it in. */
static gfdx_verdict emit_status(fb_case *c, const feedback_aggregate *g, long long sequence)
{
    errno = 0;
    json_t *rec = json_pack("{s:s, s:I, s:s, s:i, s:i, s:i, s:I, s:I, s:i}", "need_id", c->need_id, "sequence",
                            (json_int_t)sequence, "overall", feedback_overall_name(g->overall), "banks_contacted",
                            g->banks_contacted, "banks_approved", g->banks_approved, "banks_declined",
                            g->banks_declined, "approved_total", (json_int_t)g->approved_total, "disbursed_total",
                            (json_int_t)g->disbursed_total, "open_obstacles", g->open_obstacles);
    if (!rec)
        return build_failed(c->d, "NeedMatchingStatus");
    gfdx_verdict v = gfdx_decide_emit(c->d, c->s->status_topic, c->need_id, "NeedMatchingStatus", rec);
    json_decref(rec);
    return v;
}

static json_t *status_row(const fb_case *c, const feedback_aggregate *g, long long changes)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:I, s:I, s:i, s:I, s:s, s:o}", "need_id", c->need_id,
                     "province", c->need.province, "branch_id", c->need.branch_id, "overall",
                     feedback_overall_name(g->overall), "banks_dispatched", g->banks_dispatched, "banks_contacted",
                     g->banks_contacted, "banks_approved", g->banks_approved, "banks_declined", g->banks_declined,
                     "approved_total", (json_int_t)g->approved_total, "disbursed_total",
                     (json_int_t)g->disbursed_total, "open_obstacles", g->open_obstacles, "status_changes",
                     (json_int_t)changes, "last_event_id", c->d->rec->event_id, "updated_at",
                     gfdx_rows_time(c->d->ctx->now_ms));
}

/* Recomputes the need's aggregate, stores it, and emits NeedMatchingStatus when a published
 * field changed (status_changes counts those records). before: the aggregate as it was
 * (AWAITING and zeros when the need had none); after: the new one. */
static gfdx_verdict save_aggregate(fb_case *c, feedback_aggregate *before, feedback_aggregate *after)
{
    const char *k[] = {c->need_id};
    long long changes = 0;
    if (feedback_store_aggregate_of(gfdx_rows_get(c->d->rows, &feedback_need_status_table, k), before, &changes))
        return gfdx_fault_decide(c->d, GFDX_FAULT_CORRUPT, "need_status", "unknown overall stored");
    gfdx_verdict v = compute_after(c, after);
    if (v != GFDX_DECIDE_OK)
        return v;
    bool changed = !feedback_aggregate_same_status(before, after);
    changes += changed;
    errno = 0;
    json_t *row = status_row(c, after, changes);
    if (!row)
        return build_failed(c->d, "feedback.need_status");
    if (gfdx_rows_put(c->d->rows, &feedback_need_status_table, row))
        return no_memory(c->d, "feedback.need_status");
    return changed ? emit_status(c, after, changes) : GFDX_DECIDE_OK;
}

/* Matching row, history row and aggregate, in that order. */
static gfdx_verdict write_case(fb_case *c, feedback_event ev, const long long *amount, const char *obstacle_id,
                               feedback_aggregate *before, feedback_aggregate *after)
{
    gfdx_verdict v = save_matching(c, ev);
    if (v == GFDX_DECIDE_OK)
        v = append_history(c, amount, obstacle_id);
    if (v == GFDX_DECIDE_OK)
        v = save_aggregate(c, before, after);
    return v;
}

/* ---- alerts ---- */

/* Appends a feedback.alert row. facts: stolen; NULL when the caller's json_pack failed
 * (errno cleared before it). */
static gfdx_verdict append_alert(fb_case *c, feedback_alert_kind kind, json_t *facts, const char *detail)
{
    if (!facts)
        return gfdx_fault_decide(c->d, gfdx_fault_of_errno(errno, GFDX_FAULT_BAD_INPUT), "alert",
                                 "cannot build the facts");
    errno = 0;
    json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s}", "kind", feedback_alert_kind_name(kind), "need_id",
                            c->need_id, "bank_id", c->bank_id, "detail", detail, "facts", facts, "event_id",
                            c->d->rec->event_id);
    if (!row)
        return build_failed(c->d, "alert");
    gfdx_verdict v = feedback_alert_publish(c->d, row, c->need.branch_id); /* AlertRaised to the branch */
    if (v != GFDX_DECIDE_OK) {
        json_decref(row);
        return v;
    }
    return gfdx_rows_append(c->d->rows, &feedback_alert_table, row) ? no_memory(c->d, "alert") : GFDX_DECIDE_OK;
}

static gfdx_verdict alert_not_green(fb_case *c)
{
    const feedback_settings *s = c->s;
    if (c->existed || !feedback_alert_not_green(c->need.catalogue_code, (const char *const *)s->green_groups.items,
                                                s->green_groups.count))
        return GFDX_DECIDE_OK;
    char detail[512];
    snprintf(detail, sizeof detail, "%s reports on need %s whose catalogue code \"%s\" is not in a green-eligible group",
             c->bank_id, c->need_id, c->need.catalogue_code);
    errno = 0;
    json_t *facts = json_pack("{s:s, s:s}", "catalogue_code", c->need.catalogue_code, "record_type", c->d->rec->type);
    return append_alert(c, FEEDBACK_ALERT_NOT_GREEN_ELIGIBLE, facts, detail);
}

static gfdx_verdict alert_withdrawn(fb_case *c, const feedback_report *r)
{
    if (!feedback_alert_withdrawn_disbursement(c->need.withdrawn, r->event))
        return GFDX_DECIDE_OK;
    char detail[512];
    snprintf(detail, sizeof detail, "%s disbursed %lld fen on need %s, which was withdrawn", c->bank_id,
             r->disbursed_amount, c->need_id);
    errno = 0;
    json_t *facts = json_pack("{s:I, s:I, s:I}", "disbursed_amount", (json_int_t)r->disbursed_amount,
                              "bank_disbursed_total", (json_int_t)c->next.disbursed_total, "bank_approved_amount",
                              (json_int_t)c->next.approved_amount);
    return append_alert(c, FEEDBACK_ALERT_DISBURSED_ON_WITHDRAWN_NEED, facts, detail);
}

static gfdx_verdict alert_over_approved(fb_case *c, const feedback_aggregate *before, const feedback_aggregate *after)
{
    int margin = c->s->approved_margin_pct;
    if (!feedback_alert_over_approved(before->approved_total, after->approved_total, c->need.financing_amount, margin))
        return GFDX_DECIDE_OK;
    char detail[512];
    snprintf(detail, sizeof detail,
             "credit approved across %d banks on need %s is %lld fen, above the %lld fen requested by more than %d%%",
             after->banks_approved, c->need_id, after->approved_total, c->need.financing_amount, margin);
    errno = 0;
    json_t *facts = json_pack("{s:I, s:I, s:I, s:i, s:i}", "approved_total", (json_int_t)after->approved_total,
                              "approved_total_before", (json_int_t)before->approved_total, "financing_amount",
                              (json_int_t)c->need.financing_amount, "margin_percent", margin, "banks_approved",
                              after->banks_approved);
    return append_alert(c, FEEDBACK_ALERT_APPROVED_ABOVE_REQUESTED, facts, detail);
}

/* ---- MatchingFeedback ---- */

/* The amount a report adds to the history row (approval or disbursement), or NULL. */
static const long long *report_amount(const feedback_report *r)
{
    if (r->event == FEEDBACK_EV_CREDIT_APPROVED)
        return &r->approved_amount;
    return r->event == FEEDBACK_EV_DISBURSED ? &r->disbursed_amount : NULL;
}

gfdx_verdict feedback_decide_matching(gfdx_decision *d)
{
    char why[512];
    feedback_report r;
    if (!gfdx_auth_is_kind(d->sender, GFDX_PK_BANK))
        return refuse_not_bank(d, "report matching feedback");
    const char *code = feedback_report_parse(d->rec->body, &r, why, sizeof why);
    if (code)
        return gfdx_decide_refuse(d, code, "%s", why);
    fb_case c;
    feedback_aggregate before, after;
    gfdx_verdict v = open_bank_case(d, r.event, &c);
    code = v == GFDX_DECIDE_OK ? feedback_apply_report(&c.cur, &r, &c.next, why, sizeof why) : NULL;
    if (code)
        v = gfdx_decide_refuse(d, code, "%s on need %s: %s", c.bank_id, c.need_id, why);
    if (v == GFDX_DECIDE_OK)
        v = write_case(&c, r.event, report_amount(&r), NULL, &before, &after);
    if (v == GFDX_DECIDE_OK)
        v = alert_not_green(&c);
    if (v == GFDX_DECIDE_OK)
        v = alert_withdrawn(&c, &r);
    if (v == GFDX_DECIDE_OK)
        v = alert_over_approved(&c, &before, &after);
    return v;
}

/* ---- obstacles ---- */

/* The ObstacleCoordination body from the obstacle's current row o. NULL (errno says why). */
static json_t *coordination_record(const json_t *o, const feedback_need *n, const char *obstacle_id, int64_t raised)
{
    json_t *rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:I}", "obstacle_id",
                            obstacle_id, "need_id", n->need_id, "province", n->province, "branch_id", n->branch_id,
                            "bank_id", gfdx_rows_str(o, "bank_id"), "status", gfdx_rows_str(o, "status"), "category",
                            gfdx_rows_str(o, "category"), "description", gfdx_rows_str(o, "description"),
                            "raised_at", (json_int_t)raised, "uscc", n->uscc, "factory_name", n->factory_name,
                            "project_name", n->project_name, "financing_amount", (json_int_t)n->financing_amount);
    if (!rec)
        return NULL;
    int64_t resolved = gfdx_rows_time_ms(json_object_get(o, "resolved_at"));
    int bad = json_object_set_new(rec, "resolved_by", text_or_null(gfdx_rows_str(o, "resolved_by")));
    bad |= json_object_set_new(rec, "resolved_by_official", text_or_null(gfdx_rows_str(o, "resolved_by_official")));
    bad |= json_object_set_new(rec, "resolution", text_or_null(gfdx_rows_str(o, "resolution")));
    bad |= json_object_set_new(rec, "resolved_at", resolved >= 0 ? json_integer((json_int_t)resolved) : json_null());
    if (bad) {
        json_decref(rec);
        return NULL;
    }
    return rec;
}

/* ObstacleCoordination for obstacle_id to the need's province's own topic (DESIGN §2:
 * coordination_prefix + province code, read by that province's authority and its branches). */
static gfdx_verdict emit_coordination(fb_case *c, const char *obstacle_id)
{
    char province[7], topic[250];
    if (gfdx_region_province_of(c->need.province, province) != 0)
        return gfdx_fault_decide(c->d, GFDX_FAULT_CORRUPT, "ObstacleCoordination",
                                 "the need's province is not a region code");
    snprintf(topic, sizeof topic, "%s%s", c->s->coordination_prefix, province);
    const char *k[] = {obstacle_id};
    const json_t *o = gfdx_rows_get(c->d->rows, &feedback_obstacle_table, k);
    int64_t raised = o ? gfdx_rows_time_ms(json_object_get(o, "raised_at")) : -1;
    if (raised < 0) /* the obstacle this record staged is gone, or its time unreadable: corrupt */
        return gfdx_fault_decide(c->d, GFDX_FAULT_CORRUPT, "ObstacleCoordination", "cannot build the record");
    errno = 0;
    json_t *rec = coordination_record(o, &c->need, obstacle_id, raised);
    if (!rec)
        return build_failed(c->d, "ObstacleCoordination");
    gfdx_verdict v = gfdx_decide_emit(c->d, topic, c->need.province, "ObstacleCoordination", rec);
    json_decref(rec);
    return v;
}

/* Stages an OPEN obstacle whose id is the record's event id, raised by the bank. An id
 * already taken (another sender's event id) is never overwritten: permanent failure. */
static gfdx_verdict raise_obstacle(fb_case *c)
{
    const gfdx_record *r = c->d->rec;
    const char *k[] = {r->event_id};
    if (gfdx_rows_get(c->d->rows, &feedback_obstacle_table, k))
        return gfdx_fault_decide(c->d, GFDX_FAULT_BAD_INPUT, "feedback.obstacle", "the obstacle id is taken");
    errno = 0;
    json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:n, s:n, s:n, s:n, s:n}", "obstacle_id",
                            r->event_id, "need_id", c->need_id, "bank_id", c->bank_id, "province", c->need.province,
                            "branch_id", c->need.branch_id, "category", gfdx_rec_str(r->body, "category"),
                            "description", gfdx_rec_str(r->body, "description"), "status", FEEDBACK_OBSTACLE_OPEN,
                            "raised_at", gfdx_rows_time(r->occurred_at), "resolved_by", "resolved_by_official",
                            "resolution", "resolved_at", "resolved_event_id");
    if (!row)
        return build_failed(c->d, "feedback.obstacle");
    return gfdx_rows_put(c->d->rows, &feedback_obstacle_table, row) ? no_memory(c->d, "feedback.obstacle")
                                                                     : GFDX_DECIDE_OK;
}

gfdx_verdict feedback_decide_obstacle_raised(gfdx_decision *d)
{
    char why[512];
    if (!gfdx_auth_is_kind(d->sender, GFDX_PK_BANK))
        return refuse_not_bank(d, "raise a financing obstacle");
    const char *code = feedback_check_text("description", gfdx_rec_str(d->rec->body, "description"), why, sizeof why);
    if (code)
        return gfdx_decide_refuse(d, code, "%s", why);
    fb_case c;
    feedback_aggregate before, after;
    gfdx_verdict v = open_bank_case(d, FEEDBACK_EV_OBSTACLE_RAISED, &c);
    code = v == GFDX_DECIDE_OK ? feedback_apply_obstacle(&c.cur, FEEDBACK_EV_OBSTACLE_RAISED, &c.next, why, sizeof why)
                               : NULL;
    if (code)
        v = gfdx_decide_refuse(d, code, "%s on need %s: %s", c.bank_id, c.need_id, why);
    if (v == GFDX_DECIDE_OK)
        v = raise_obstacle(&c);
    if (v == GFDX_DECIDE_OK)
        v = feedback_obstacle_log(d, d->rec->event_id, c.need_id, NULL, FEEDBACK_OBSTACLE_OPEN,
                                  gfdx_rec_str(d->rec->body, "description"));
    if (v == GFDX_DECIDE_OK)
        v = write_case(&c, FEEDBACK_EV_OBSTACLE_RAISED, NULL, d->rec->event_id, &before, &after);
    if (v == GFDX_DECIDE_OK)
        v = alert_not_green(&c);
    if (v == GFDX_DECIDE_OK)
        v = emit_coordination(&c, d->rec->event_id);
    return v;
}

bool feedback_may_coordinate(const gfdx_participant *p, const feedback_need *n)
{
    return gfdx_auth_is_province_authority_of(p, n->province) ||
           (gfdx_auth_is_kind(p, GFDX_PK_PBOC_BRANCH) && !strcmp(p->id, n->branch_id));
}

/* The obstacle named by the record (of this need) and its bank's matching; refuses if
 * unknown or closed. */
static gfdx_verdict open_obstacle(fb_case *c, const char *obstacle_id)
{
    const char *k[] = {obstacle_id};
    const json_t *o = gfdx_rows_get(c->d->rows, &feedback_obstacle_table, k);
    const char *need = o ? gfdx_rows_str(o, "need_id") : NULL;
    const char *bank = o ? gfdx_rows_str(o, "bank_id") : NULL;
    feedback_obstacle_status next; /* RESOLVED: from OPEN or ACKNOWLEDGED (feedback_obstacle.h) */
    if (!need || strcmp(need, c->need_id) || !bank)
        return gfdx_decide_refuse(c->d, "UNKNOWN_OBSTACLE", "need %s has no obstacle %s", c->need_id, obstacle_id);
    gfdx_verdict v = feedback_obstacle_check(c->d, o, FEEDBACK_OBS_EV_RESOLVE, &next);
    return v == GFDX_DECIDE_OK ? open_matching(c, bank) : v;
}

/* Marks the obstacle RESOLVED by the record's sender (resolution, resolved_by official). */
static gfdx_verdict resolve_obstacle(fb_case *c, const char *obstacle_id)
{
    const gfdx_record *r = c->d->rec;
    const char *k[] = {obstacle_id};
    const json_t *before = gfdx_rows_get(c->d->rows, &feedback_obstacle_table, k);
    gfdx_verdict v = feedback_obstacle_log(c->d, obstacle_id, c->need_id, gfdx_rows_str(before, "status"),
                                           FEEDBACK_OBSTACLE_RESOLVED, gfdx_rec_str(r->body, "resolution"));
    if (v != GFDX_DECIDE_OK)
        return v;
    errno = 0;
    json_t *row = json_deep_copy(before);
    int bad = !row;
    if (row) {
        bad |= json_object_set_new(row, "status", json_string(FEEDBACK_OBSTACLE_RESOLVED));
        bad |= json_object_set_new(row, "resolved_by", json_string(r->sender_id));
        bad |= json_object_set_new(row, "resolved_by_official", text_or_null(gfdx_rec_str(r->body, "resolved_by")));
        bad |= json_object_set_new(row, "resolution", json_string(gfdx_rec_str(r->body, "resolution")));
        bad |= json_object_set_new(row, "resolved_at", gfdx_rows_time(r->occurred_at));
        bad |= json_object_set_new(row, "resolved_event_id", json_string(r->event_id));
    }
    if (bad) {
        json_decref(row);
        return build_failed(c->d, "feedback.obstacle");
    }
    return gfdx_rows_put(c->d->rows, &feedback_obstacle_table, row) ? no_memory(c->d, "feedback.obstacle")
                                                                     : GFDX_DECIDE_OK;
}

/* The pure checks of an ObstacleResolved, before anything is looked up. */
static const char *check_resolution(const json_t *b, char *why, size_t whylen)
{
    const char *code = feedback_check_text("resolution", gfdx_rec_str(b, "resolution"), why, whylen);
    return code ? code : feedback_check_official("resolved_by", gfdx_rec_str(b, "resolved_by"), why, whylen);
}

gfdx_verdict feedback_decide_obstacle_resolved(gfdx_decision *d)
{
    char why[512];
    const char *obstacle_id = gfdx_rec_str(d->rec->body, "obstacle_id");
    const char *code = check_resolution(d->rec->body, why, sizeof why);
    if (code)
        return gfdx_decide_refuse(d, code, "%s", why);
    fb_case c;
    feedback_aggregate before, after;
    bool found = false;
    open_case(d, &c);
    obstacle_id = obstacle_id ? obstacle_id : "";
    gfdx_verdict v = load_need(&c, &found);
    /* the need's province and branch decide; no need, nobody may: the same refusal either way */
    if (v == GFDX_DECIDE_OK && (!found || !feedback_may_coordinate(d->sender, &c.need)))
        v = gfdx_decide_refuse(d, "UNAUTHORIZED_SENDER", "%s may not resolve obstacles of need %s", d->sender->id,
                               c.need_id);
    if (v == GFDX_DECIDE_OK)
        v = open_obstacle(&c, obstacle_id);
    code = v == GFDX_DECIDE_OK
               ? feedback_apply_obstacle(&c.cur, FEEDBACK_EV_OBSTACLE_RESOLVED, &c.next, why, sizeof why)
               : NULL;
    if (code)
        v = gfdx_decide_refuse(d, code, "obstacle %s: %s", obstacle_id, why);
    if (v == GFDX_DECIDE_OK)
        v = resolve_obstacle(&c, obstacle_id);
    if (v == GFDX_DECIDE_OK)
        v = write_case(&c, FEEDBACK_EV_OBSTACLE_RESOLVED, NULL, obstacle_id, &before, &after);
    if (v == GFDX_DECIDE_OK)
        v = emit_coordination(&c, obstacle_id);
    return v;
}

gfdx_verdict feedback_decide_obstacle_effects(gfdx_decision *d, const char *obstacle_id, const char *bank_id,
                                              feedback_event ev)
{
    char why[512];
    fb_case c;
    feedback_aggregate before, after;
    bool found = false;
    open_case(d, &c);
    gfdx_verdict v = load_need(&c, &found);
    if (v == GFDX_DECIDE_OK && !found)
        v = gfdx_decide_refuse(d, "UNKNOWN_NEED", "need %s was not pushed to the PBoC", c.need_id);
    if (v == GFDX_DECIDE_OK)
        v = open_matching(&c, bank_id);
    const char *code = v == GFDX_DECIDE_OK ? feedback_apply_obstacle(&c.cur, ev, &c.next, why, sizeof why) : NULL;
    if (code)
        v = gfdx_decide_refuse(d, code, "obstacle %s: %s", obstacle_id, why);
    if (v == GFDX_DECIDE_OK)
        v = write_case(&c, ev, NULL, obstacle_id, &before, &after);
    if (v == GFDX_DECIDE_OK)
        v = emit_coordination(&c, obstacle_id);
    return v;
}
