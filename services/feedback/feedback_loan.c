/* feedback_loan.c: the loan's life after disbursement. See feedback_loan.h. */
#include "feedback_loan.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "feedback.h"
#include "feedback_decide.h"
#include "feedback_rules.h"
#include "feedback_store.h"

/* clang-format off */
const gfdx_table feedback_loan_table = {
    .name = "loan", .kind = GFDX_TABLE_STATE, .key = {"need_id", "bank_id", NULL},
    .columns = "need_id, bank_id, period, outstanding, repaid_period, repaid_before, repaid_total, status,"
               " days_overdue, funding_tool, funding_tool_name, disbursed_at_report, reports, last_event_id,"
               " updated_at",
};

const gfdx_table feedback_loan_event_table = {
    .name = "loan_event", .kind = GFDX_TABLE_HISTORY,
    .columns = "need_id, bank_id, event_id, period, repaid_period, repaid_total, outstanding, status,"
               " days_overdue, funding_tool, funding_tool_name, supersedes_event_id, occurred_at, detail",
};
/* clang-format on */

#define DAYS_OVERDUE_MAX 36500

static const char *const status_names[] = {"NORMAL", "OVERDUE", "NON_PERFORMING"};
static const char *const tool_names[] = {"NONE", "CARBON_REDUCTION_FACILITY", "TECH_INNOVATION_RELENDING", "OTHER"};

static int parse_name(const char *const *names, size_t n, const char *name, int *out)
{
    for (size_t i = 0; name && i < n; i++)
        if (!strcmp(names[i], name)) {
            *out = (int)i;
            return 0;
        }
    return -1;
}

const char *feedback_loan_status_name(feedback_loan_status s)
{
    return (unsigned)s < sizeof status_names / sizeof status_names[0] ? status_names[s] : "UNKNOWN";
}

int feedback_loan_status_parse(const char *name, feedback_loan_status *out)
{
    int v;
    if (parse_name(status_names, sizeof status_names / sizeof status_names[0], name, &v))
        return -1;
    *out = (feedback_loan_status)v;
    return 0;
}

const char *feedback_loan_tool_name(feedback_loan_tool t)
{
    return (unsigned)t < sizeof tool_names / sizeof tool_names[0] ? tool_names[t] : "UNKNOWN";
}

int feedback_loan_tool_parse(const char *name, feedback_loan_tool *out)
{
    int v;
    if (parse_name(tool_names, sizeof tool_names / sizeof tool_names[0], name, &v))
        return -1;
    *out = (feedback_loan_tool)v;
    return 0;
}

/* ---- the pure rules ---- */

static const char *say(char *why, size_t whylen, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static const char *say(char *why, size_t whylen, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return code;
}

/* "YYYY-MM", years 1990..2100, months 01..12. */
static bool period_valid(const char *p)
{
    if (!p || strlen(p) != 7 || p[4] != '-')
        return false;
    for (int i = 0; i < 7; i++)
        if (i != 4 && !isdigit((unsigned char)p[i]))
            return false;
    int year = atoi(p), month = atoi(p + 5);
    return year >= 1990 && year <= 2100 && month >= 1 && month <= 12;
}

/* The status and its days overdue (rules in feedback_loan.h). */
static const char *check_status(const json_t *body, feedback_loan_report *out, char *why, size_t whylen)
{
    if (feedback_loan_status_parse(gfdx_rec_str(body, "status"), &out->status))
        return say(why, whylen, "INVALID_FIELD", "status is not NORMAL, OVERDUE or NON_PERFORMING");
    const json_t *days = json_object_get(body, "days_overdue");
    bool has = json_is_integer(days);
    long long n = has ? json_integer_value(days) : 0;
    if (n < 0 || n > DAYS_OVERDUE_MAX)
        return say(why, whylen, "INVALID_FIELD", "days_overdue %lld is outside 0..%d", n, DAYS_OVERDUE_MAX);
    if (out->status == FEEDBACK_LOAN_NORMAL && n > 0)
        return say(why, whylen, "INVALID_FIELD", "a NORMAL loan has no days overdue (%lld given)", n);
    if (out->status != FEEDBACK_LOAN_NORMAL && !has)
        return say(why, whylen, "INVALID_FIELD", "days_overdue is required for %s", status_names[out->status]);
    if (out->status == FEEDBACK_LOAN_OVERDUE && n < 1)
        return say(why, whylen, "INVALID_FIELD", "an OVERDUE loan is at least 1 day overdue");
    if (out->status != FEEDBACK_LOAN_NORMAL && out->outstanding == 0)
        return say(why, whylen, "INVALID_FIELD", "a %s loan has an outstanding balance", status_names[out->status]);
    out->days_overdue = (int)n;
    return NULL;
}

static const char *check_tool(const json_t *body, feedback_loan_report *out, char *why, size_t whylen)
{
    if (feedback_loan_tool_parse(gfdx_rec_str(body, "funding_tool"), &out->tool))
        return say(why, whylen, "INVALID_FIELD", "funding_tool is not a known structural tool");
    out->tool_name = gfdx_rec_str(body, "funding_tool_name");
    if (out->tool == FEEDBACK_TOOL_OTHER && !out->tool_name)
        return say(why, whylen, "INVALID_FIELD", "funding_tool OTHER needs funding_tool_name");
    if (out->tool != FEEDBACK_TOOL_OTHER && out->tool_name)
        return say(why, whylen, "INVALID_FIELD", "funding_tool_name is only for funding_tool OTHER");
    return out->tool_name ? feedback_check_official("funding_tool_name", out->tool_name, why, whylen) : NULL;
}

const char *feedback_loan_parse(const json_t *body, feedback_loan_report *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);
    const char *period = gfdx_rec_str(body, "period");
    if (!period_valid(period))
        return say(why, whylen, "INVALID_FIELD", "period \"%s\" is not a month YYYY-MM", period ? period : "");
    snprintf(out->period, sizeof out->period, "%s", period);
    out->repaid = gfdx_rec_int(body, "repaid_amount");
    out->outstanding = gfdx_rec_int(body, "outstanding_balance");
    if (out->repaid < 0 || out->outstanding < 0)
        return say(why, whylen, "NEGATIVE_AMOUNT", "repaid_amount and outstanding_balance are >= 0");
    const char *comment = gfdx_rec_str(body, "comment");
    const char *code = comment ? feedback_check_text("comment", comment, why, whylen) : NULL;
    if (!code)
        code = check_status(body, out, why, whylen);
    return code ? code : check_tool(body, out, why, whylen);
}

const char *feedback_loan_apply(const feedback_loan *cur, const feedback_matching *m, const feedback_loan_report *r,
                                feedback_loan *next, char *why, size_t whylen)
{
    if (m->stage != FEEDBACK_DISBURSED || m->disbursed_total <= 0)
        return say(why, whylen, "LOAN_NOT_DISBURSED", "nothing was disbursed (stage %s)",
                   feedback_stage_name(m->stage));
    int order = cur->has_report ? strcmp(r->period, cur->period) : 1;
    if (order < 0)
        return say(why, whylen, "PERIOD_OUT_OF_ORDER", "period %s is before the latest reported period %s", r->period,
                   cur->period);
    long long before = order == 0 ? cur->repaid_before : cur->repaid_total; /* a correction replaces its period */
    long long disbursed = m->disbursed_total;
    if (r->repaid > disbursed - before)
        return say(why, whylen, "REPAID_EXCEEDS_DISBURSED", "repaid %lld + %lld fen is above the %lld fen disbursed",
                   before, r->repaid, disbursed);
    long long repaid_total = before + r->repaid;
    if (r->outstanding > disbursed - repaid_total)
        return say(why, whylen, "BALANCE_EXCEEDS_DISBURSED",
                   "outstanding %lld fen is above the %lld fen disbursed less the %lld fen repaid", r->outstanding,
                   disbursed, repaid_total);
    feedback_loan n = {.has_report = true, .outstanding = r->outstanding, .repaid_period = r->repaid,
                       .repaid_before = before, .repaid_total = repaid_total, .disbursed_at_report = disbursed,
                       .status = r->status, .days_overdue = r->days_overdue, .reports = cur->reports + 1};
    snprintf(n.period, sizeof n.period, "%s", r->period);
    *next = n;
    return NULL;
}

bool feedback_loan_alerts(const feedback_loan *cur, const feedback_loan *next)
{
    if (next->status == FEEDBACK_LOAN_NORMAL)
        return false;
    return !cur->has_report || cur->status != next->status;
}

int feedback_loan_of(const json_t *row, feedback_loan *out)
{
    memset(out, 0, sizeof *out);
    if (!row)
        return 0;
    const char *period = gfdx_rows_str(row, "period");
    if (!period || feedback_loan_status_parse(gfdx_rows_str(row, "status"), &out->status))
        return -1;
    out->has_report = true;
    snprintf(out->period, sizeof out->period, "%s", period);
    out->outstanding = gfdx_rows_int(row, "outstanding");
    out->repaid_period = gfdx_rows_int(row, "repaid_period");
    out->repaid_before = gfdx_rows_int(row, "repaid_before");
    out->repaid_total = gfdx_rows_int(row, "repaid_total");
    out->disbursed_at_report = gfdx_rows_int(row, "disbursed_at_report");
    out->days_overdue = (int)gfdx_rows_int(row, "days_overdue");
    out->reports = (int)gfdx_rows_int(row, "reports");
    return 0;
}

/* ---- the need's loan totals ---- */

/* Adds one bank's loan (matching m, loan l) to t. 0, or -1 on overflow (the amounts are
 * bounded by the disbursed totals, already checked: corrupt rows only). */
static int add_bank(feedback_loan_totals *t, const feedback_matching *m, const feedback_loan *l)
{
    long long outstanding = m->disbursed_total, later = 0;
    if (l->has_report && (__builtin_sub_overflow(m->disbursed_total, l->disbursed_at_report, &later) ||
                          __builtin_add_overflow(l->outstanding, later, &outstanding)))
        return -1;
    if (__builtin_add_overflow(t->outstanding_total, outstanding, &t->outstanding_total) ||
        __builtin_add_overflow(t->repaid_total, l->repaid_total, &t->repaid_total))
        return -1;
    t->loans_overdue += l->has_report && l->status == FEEDBACK_LOAN_OVERDUE;
    t->loans_non_performing += l->has_report && l->status == FEEDBACK_LOAN_NON_PERFORMING;
    return 0;
}

int feedback_loan_totals_of(const gfdx_rowset *rs, const char *need_id, feedback_loan_totals *out)
{
    memset(out, 0, sizeof *out);
    errno = 0;
    json_t *rows = gfdx_rows_find(rs, &feedback_matching_table, "need_id", need_id);
    if (!rows)
        return -1;
    int bad = 0;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        feedback_matching m;
        feedback_loan l;
        const char *k[] = {need_id, gfdx_rows_str(row, "bank_id")};
        if (!k[1] || feedback_store_matching_of(row, &m) ||
            feedback_loan_of(gfdx_rows_get(rs, &feedback_loan_table, k), &l)) {
            bad = 1;
            break;
        }
        if (m.disbursed_total > 0 && add_bank(out, &m, &l)) {
            bad = 1;
            break;
        }
    }
    json_decref(rows);
    if (bad)
        errno = EINVAL;
    return bad ? -1 : 0;
}

int feedback_loan_fill(const gfdx_rowset *rs, const char *need_id, json_t *obj)
{
    feedback_loan_totals t;
    if (feedback_loan_totals_of(rs, need_id, &t))
        return -1;
    errno = 0;
    int bad = json_object_set_new(obj, "outstanding_total", json_integer(t.outstanding_total));
    bad |= json_object_set_new(obj, "repaid_total", json_integer(t.repaid_total));
    bad |= json_object_set_new(obj, "loans_overdue", json_integer(t.loans_overdue));
    bad |= json_object_set_new(obj, "loans_non_performing", json_integer(t.loans_non_performing));
    return bad ? -1 : 0;
}

/* ---- the decision ---- */

typedef struct {
    gfdx_decision *d;
    const char *need_id, *bank_id;
    const json_t *loan_before; /* borrowed, NULL if none */
    feedback_need need;
    feedback_matching matching;
    feedback_loan cur, next;
    feedback_loan_report r;
} loan_case;

static gfdx_verdict corrupt(gfdx_decision *d, const char *what)
{
    return gfdx_fault_decide(d, GFDX_FAULT_CORRUPT, what, "a stored row cannot be read");
}

static gfdx_verdict failed(gfdx_decision *d, const char *what)
{
    return gfdx_fault_decide(d, gfdx_fault_of_errno(errno, GFDX_FAULT_BAD_INPUT), what, "cannot build the row");
}

/* Authorization (a dispatch row of the bank, any status) before the need is looked at; then
 * the need, the bank's matching and loan. */
static gfdx_verdict open_loan(loan_case *c)
{
    gfdx_decision *d = c->d;
    feedback_dispatch disp;
    const char *k[] = {c->need_id, c->bank_id};
    if (feedback_store_dispatch_of(gfdx_rows_get(d->rows, &feedback_pboc_dispatch_table, k), &disp))
        return corrupt(d, "pboc.dispatch");
    if (disp == FEEDBACK_DISPATCH_NONE)
        return gfdx_decide_refuse(d, "UNAUTHORIZED_SENDER", "%s may not report a loan on need %s: it was not "
                                  "dispatched to it", c->bank_id, c->need_id);
    const char *nk[] = {c->need_id};
    const json_t *need = gfdx_rows_get(d->rows, &feedback_pboc_need_table, nk);
    if (!need)
        return gfdx_decide_refuse(d, "UNKNOWN_NEED", "need %s was not pushed to the PBoC", c->need_id);
    if (feedback_store_need_of(need, &c->need))
        return corrupt(d, "pboc.need");
    c->loan_before = gfdx_rows_get(d->rows, &feedback_loan_table, k);
    if (feedback_store_matching_of(gfdx_rows_get(d->rows, &feedback_matching_table, k), &c->matching))
        return corrupt(d, "feedback.matching");
    if (feedback_loan_of(c->loan_before, &c->cur))
        return corrupt(d, "feedback.loan");
    return GFDX_DECIDE_OK;
}

static json_t *text_or_null(const char *s) { return s ? json_string(s) : json_null(); }

static gfdx_verdict save_loan(loan_case *c)
{
    const feedback_loan *n = &c->next;
    errno = 0;
    json_t *row = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:i, s:s, s:o, s:I, s:i, s:s, s:o}", "need_id",
                            c->need_id, "bank_id", c->bank_id, "period", n->period, "outstanding",
                            (json_int_t)n->outstanding, "repaid_period", (json_int_t)n->repaid_period,
                            "repaid_before", (json_int_t)n->repaid_before, "repaid_total",
                            (json_int_t)n->repaid_total, "status", feedback_loan_status_name(n->status),
                            "days_overdue", n->days_overdue, "funding_tool", feedback_loan_tool_name(c->r.tool),
                            "funding_tool_name", text_or_null(c->r.tool_name), "disbursed_at_report",
                            (json_int_t)n->disbursed_at_report, "reports", n->reports, "last_event_id",
                            c->d->rec->event_id, "updated_at", gfdx_rows_time(c->d->ctx->now_ms));
    if (!row)
        return failed(c->d, "feedback.loan");
    return gfdx_rows_put(c->d->rows, &feedback_loan_table, row) ? failed(c->d, "feedback.loan") : GFDX_DECIDE_OK;
}

/* The history row; a correction names the report it supersedes (the loan row's last event). */
static gfdx_verdict append_loan_event(loan_case *c, const char *supersedes)
{
    const gfdx_record *rec = c->d->rec;
    const feedback_loan *n = &c->next;
    errno = 0;
    json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:i, s:s, s:o, s:o, s:o, s:o}", "need_id",
                            c->need_id, "bank_id", c->bank_id, "event_id", rec->event_id, "period", n->period,
                            "repaid_period", (json_int_t)n->repaid_period, "repaid_total",
                            (json_int_t)n->repaid_total, "outstanding", (json_int_t)n->outstanding, "status",
                            feedback_loan_status_name(n->status), "days_overdue", n->days_overdue, "funding_tool",
                            feedback_loan_tool_name(c->r.tool), "funding_tool_name", text_or_null(c->r.tool_name),
                            "supersedes_event_id", text_or_null(supersedes), "occurred_at",
                            gfdx_rows_time(rec->occurred_at), "detail", json_deep_copy(rec->body));
    if (!row)
        return failed(c->d, "feedback.loan_event");
    return gfdx_rows_append(c->d->rows, &feedback_loan_event_table, row) ? failed(c->d, "feedback.loan_event")
                                                                          : GFDX_DECIDE_OK;
}

/* The four loan figures of a need_status row or a status body, for comparing. */
static bool same_figures(const json_t *a, const json_t *b)
{
    static const char *const cols[] = {"outstanding_total", "repaid_total", "loans_overdue", "loans_non_performing"};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        if (gfdx_rows_int(a, cols[i]) != gfdx_rows_int(b, cols[i]))
            return false;
    return true;
}

/* NeedMatchingStatus from the stored aggregate row (the matching figures unchanged, the loan
 * figures new, the sequence its status_changes). */
static gfdx_verdict emit_status(loan_case *c, const json_t *row)
{
    errno = 0;
    json_t *rec = json_pack("{s:s, s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "need_id", c->need_id, "sequence",
                            (json_int_t)gfdx_rows_int(row, "status_changes"), "overall",
                            gfdx_rows_str(row, "overall") ? gfdx_rows_str(row, "overall") : "", "banks_contacted",
                            (json_int_t)gfdx_rows_int(row, "banks_contacted"), "banks_approved",
                            (json_int_t)gfdx_rows_int(row, "banks_approved"), "banks_declined",
                            (json_int_t)gfdx_rows_int(row, "banks_declined"), "approved_total",
                            (json_int_t)gfdx_rows_int(row, "approved_total"), "disbursed_total",
                            (json_int_t)gfdx_rows_int(row, "disbursed_total"), "open_obstacles",
                            (json_int_t)gfdx_rows_int(row, "open_obstacles"));
    if (!rec || feedback_loan_fill(c->d->rows, c->need_id, rec)) {
        json_decref(rec);
        return failed(c->d, "NeedMatchingStatus");
    }
    const feedback_settings *s = &((const feedback_ctx *)c->d->ctx->service_ctx)->settings;
    gfdx_verdict v = gfdx_decide_emit(c->d, s->status_topic, c->need_id, "NeedMatchingStatus", rec);
    json_decref(rec);
    return v;
}

/* The need's aggregate with the new loan figures; published when one of them changed. A
 * disbursed need always has an aggregate row (its MatchingFeedback wrote it). */
static gfdx_verdict save_aggregate(loan_case *c)
{
    const char *k[] = {c->need_id};
    const json_t *old = gfdx_rows_get(c->d->rows, &feedback_need_status_table, k);
    if (!old)
        return corrupt(c->d, "feedback.need_status");
    errno = 0;
    json_t *row = json_deep_copy(old);
    if (!row || feedback_loan_fill(c->d->rows, c->need_id, row)) {
        json_decref(row);
        return failed(c->d, "feedback.need_status");
    }
    bool changed = !same_figures(old, row);
    int bad = json_object_set_new(row, "status_changes", json_integer(gfdx_rows_int(old, "status_changes") + changed));
    bad |= json_object_set_new(row, "last_event_id", json_string(c->d->rec->event_id));
    bad |= json_object_set_new(row, "updated_at", gfdx_rows_time(c->d->ctx->now_ms));
    if (bad || gfdx_rows_put(c->d->rows, &feedback_need_status_table, row))
        return failed(c->d, "feedback.need_status");
    return changed ? emit_status(c, gfdx_rows_get(c->d->rows, &feedback_need_status_table, k)) : GFDX_DECIDE_OK;
}

static gfdx_verdict alert_status(loan_case *c)
{
    if (!feedback_loan_alerts(&c->cur, &c->next))
        return GFDX_DECIDE_OK;
    bool npl = c->next.status == FEEDBACK_LOAN_NON_PERFORMING;
    char detail[512];
    snprintf(detail, sizeof detail, "%s reports its loan on need %s %s in %s: %lld fen outstanding, %d days overdue",
             c->bank_id, c->need_id, npl ? "non-performing" : "overdue", c->next.period, c->next.outstanding,
             c->next.days_overdue);
    errno = 0;
    json_t *facts = json_pack("{s:s, s:s, s:I, s:i, s:I, s:I, s:s}", "period", c->next.period, "status",
                              feedback_loan_status_name(c->next.status), "outstanding", (json_int_t)c->next.outstanding,
                              "days_overdue", c->next.days_overdue, "disbursed_total",
                              (json_int_t)c->matching.disbursed_total, "repaid_total",
                              (json_int_t)c->next.repaid_total, "previous_status",
                              c->cur.has_report ? feedback_loan_status_name(c->cur.status) : "NONE");
    return feedback_decide_alert(c->d, c->bank_id,
                                 npl ? FEEDBACK_ALERT_LOAN_NON_PERFORMING : FEEDBACK_ALERT_LOAN_OVERDUE, facts, detail);
}

gfdx_verdict feedback_decide_loan_status(gfdx_decision *d)
{
    char why[512];
    if (!gfdx_auth_is_kind(d->sender, GFDX_PK_BANK))
        return gfdx_decide_refuse(d, "UNAUTHORIZED_SENDER", "%s (%s) is not a bank and may not report a loan",
                                  d->sender->id, gfdx_participant_kind_name(d->sender->kind));
    loan_case c = {.d = d, .bank_id = d->sender->id};
    const char *need_id = gfdx_rec_str(d->rec->body, "need_id");
    c.need_id = need_id ? need_id : "";
    const char *code = feedback_loan_parse(d->rec->body, &c.r, why, sizeof why);
    if (code)
        return gfdx_decide_refuse(d, code, "%s", why);
    gfdx_verdict v = open_loan(&c);
    code = v == GFDX_DECIDE_OK ? feedback_loan_apply(&c.cur, &c.matching, &c.r, &c.next, why, sizeof why) : NULL;
    if (code)
        v = gfdx_decide_refuse(d, code, "%s on need %s: %s", c.bank_id, c.need_id, why);
    bool correction = v == GFDX_DECIDE_OK && c.cur.has_report && !strcmp(c.cur.period, c.next.period);
    char supersedes[128] = "";
    const char *last = correction ? gfdx_rows_str(c.loan_before, "last_event_id") : NULL;
    if (last)
        snprintf(supersedes, sizeof supersedes, "%s", last);
    if (v == GFDX_DECIDE_OK)
        v = save_loan(&c); /* c.loan_before is replaced: supersedes was copied before */
    if (v == GFDX_DECIDE_OK)
        v = append_loan_event(&c, correction ? supersedes : NULL);
    if (v == GFDX_DECIDE_OK)
        v = save_aggregate(&c);
    if (v == GFDX_DECIDE_OK)
        v = alert_status(&c);
    return v;
}
