/* feedback_rules.c: the pure rules of gfdx-feedback. See feedback_rules.h. */
#include "feedback_rules.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "service.h"

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

/* Copies a symbol into a fixed field of feedback_matching (symbols are short ASCII). */
static void set_symbol(char *dst, size_t n, const char *src) { snprintf(dst, n, "%s", src ? src : ""); }

/* ---- reading a report ---- */

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static bool blank(const char *s)
{
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            return false;
    return true;
}

const char *feedback_check_text(const char *field, const char *text, char *why, size_t whylen)
{
    if (!text || blank(text))
        return say(why, whylen, "INVALID_FIELD", "%s must not be empty", field);
    if (utf8_chars(text) > FEEDBACK_TEXT_MAX_CHARS)
        return say(why, whylen, "INVALID_FIELD", "%s has more than %d characters", field, FEEDBACK_TEXT_MAX_CHARS);
    return NULL;
}

static bool has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

const char *feedback_check_official(const char *field, const char *name, char *why, size_t whylen)
{
    if (!name)
        return NULL;
    if (blank(name))
        return say(why, whylen, "INVALID_FIELD", "%s must not be blank when given", field);
    if (utf8_chars(name) > FEEDBACK_NAME_MAX_CHARS)
        return say(why, whylen, "INVALID_FIELD", "%s has more than %d characters", field, FEEDBACK_NAME_MAX_CHARS);
    if (has_control(name))
        return say(why, whylen, "INVALID_FIELD", "%s holds control characters", field);
    return NULL;
}

/* An optional integer field: *has set when present (not null). */
static long long opt_int(const json_t *body, const char *name, bool *has)
{
    const json_t *v = json_object_get(body, name);
    *has = json_is_integer(v);
    return *has ? json_integer_value(v) : 0;
}

/* Amount fields: never negative; zero or missing where the stage needs one. */
static const char *check_amounts(const feedback_report *r, char *why, size_t whylen)
{
    if (r->has_approved && r->approved_amount < 0)
        return say(why, whylen, "NEGATIVE_AMOUNT", "approved_amount %lld is negative", r->approved_amount);
    if (r->has_disbursed && r->disbursed_amount < 0)
        return say(why, whylen, "NEGATIVE_AMOUNT", "disbursed_amount %lld is negative", r->disbursed_amount);
    if (r->event == FEEDBACK_EV_CREDIT_APPROVED && !r->has_approved)
        return say(why, whylen, "MISSING_FIELD", "CREDIT_APPROVED needs approved_amount");
    if (r->event == FEEDBACK_EV_CREDIT_APPROVED && r->approved_amount == 0)
        return say(why, whylen, "INVALID_AMOUNT", "CREDIT_APPROVED needs approved_amount > 0");
    if (r->event == FEEDBACK_EV_DISBURSED && !r->has_disbursed)
        return say(why, whylen, "MISSING_FIELD", "DISBURSED needs disbursed_amount");
    if (r->event == FEEDBACK_EV_DISBURSED && r->disbursed_amount == 0)
        return say(why, whylen, "INVALID_AMOUNT", "DISBURSED needs disbursed_amount > 0");
    return NULL;
}

static const char *check_terms(const feedback_report *r, char *why, size_t whylen)
{
    if (r->has_rate && (r->rate_bp < 0 || r->rate_bp > 10000))
        return say(why, whylen, "INVALID_FIELD", "rate_bp %lld is outside 0..10000", r->rate_bp);
    if (r->has_term && (r->term_months < 1 || r->term_months > 600))
        return say(why, whylen, "INVALID_FIELD", "term_months %lld is outside 1..600", r->term_months);
    if (r->event == FEEDBACK_EV_DECLINED && !r->decline_reason)
        return say(why, whylen, "MISSING_FIELD", "DECLINED needs decline_reason");
    if (r->comment && utf8_chars(r->comment) > FEEDBACK_TEXT_MAX_CHARS)
        return say(why, whylen, "INVALID_FIELD", "comment has more than %d characters", FEEDBACK_TEXT_MAX_CHARS);
    return NULL;
}

const char *feedback_report_parse(const json_t *body, feedback_report *out, char *why, size_t whylen)
{
    feedback_report r = {0};
    const char *stage = gfdx_rec_str(body, "stage");
    if (feedback_event_of_stage(stage, &r.event))
        return say(why, whylen, "INVALID_FIELD", "stage \"%s\" is not a MatchingStage", stage ? stage : "(null)");
    r.product = gfdx_rec_str(body, "product");
    r.decline_reason = gfdx_rec_str(body, "decline_reason");
    r.comment = gfdx_rec_str(body, "comment");
    r.approved_amount = opt_int(body, "approved_amount", &r.has_approved);
    r.rate_bp = opt_int(body, "rate_bp", &r.has_rate);
    r.term_months = opt_int(body, "term_months", &r.has_term);
    r.disbursed_amount = opt_int(body, "disbursed_amount", &r.has_disbursed);
    const char *code = check_amounts(&r, why, whylen);
    if (!code)
        code = check_terms(&r, why, whylen);
    if (!code)
        *out = r;
    return code;
}

/* ---- who may report ---- */

int feedback_dispatch_parse(const char *status, feedback_dispatch *out)
{
    if (status && !strcmp(status, "ACTIVE"))
        *out = FEEDBACK_DISPATCH_ACTIVE;
    else if (status && !strcmp(status, "CANCELLED"))
        *out = FEEDBACK_DISPATCH_CANCELLED;
    else
        return -1;
    return 0;
}

/* Reports that close or account for work already done on a withdrawn need. */
static bool closing_report(feedback_event ev) { return ev == FEEDBACK_EV_DISBURSED || ev == FEEDBACK_EV_DECLINED; }

const char *feedback_authorize_bank(feedback_dispatch d, bool need_withdrawn, feedback_event ev, char *why,
                                    size_t whylen)
{
    if (d == FEEDBACK_DISPATCH_NONE)
        return say(why, whylen, "UNAUTHORIZED_SENDER", "the need was not dispatched to this bank");
    if (need_withdrawn && !closing_report(ev))
        return say(why, whylen, "NEED_WITHDRAWN", "the need was withdrawn: %s is not accepted any more",
                   feedback_event_name(ev));
    if (!need_withdrawn && d != FEEDBACK_DISPATCH_ACTIVE)
        return say(why, whylen, "NOT_DISPATCHED", "the dispatch of the need to this bank was cancelled");
    return NULL;
}

/* ---- how a report changes the matching ---- */

/* The stage after ev (feedback_fsm_next, the only source of a stage), legality first, then
 * the bank's open obstacles holding back an advancing event. NULL and *next, or the code. */
static const char *next_stage(const feedback_matching *cur, feedback_event ev, feedback_stage *next, char *why,
                              size_t whylen)
{
    if (feedback_fsm_next(cur->stage, ev, next) != 0)
        return say(why, whylen, "ILLEGAL_TRANSITION", "%s is not allowed at stage %s", feedback_event_name(ev),
                   feedback_stage_name(cur->stage));
    if (cur->open_obstacles > 0 && feedback_event_advances(ev))
        return say(why, whylen, "MATCHING_BLOCKED", "%d open obstacle(s): %s must wait until they are resolved",
                   cur->open_obstacles, feedback_event_name(ev));
    return NULL;
}

/* The amount rules of a legal transition; fills n from r. */
static const char *apply_amounts(const feedback_report *r, feedback_matching *n, char *why, size_t whylen)
{
    if (r->event == FEEDBACK_EV_CREDIT_APPROVED) {
        if (!r->product && !n->product[0])
            return say(why, whylen, "MISSING_FIELD", "CREDIT_APPROVED needs product");
        n->approved_amount = r->approved_amount;
        if (r->has_rate)
            n->rate_bp = (int)r->rate_bp;
        if (r->has_term)
            n->term_months = (int)r->term_months;
    }
    if (r->event == FEEDBACK_EV_DISBURSED) {
        /* disbursed_total <= approved_amount holds, so the subtraction cannot overflow */
        if (r->disbursed_amount > n->approved_amount - n->disbursed_total)
            return say(why, whylen, "AMOUNT_EXCEEDS_APPROVED",
                       "disbursing %lld after %lld would exceed the approved %lld fen", r->disbursed_amount,
                       n->disbursed_total, n->approved_amount);
        n->disbursed_total += r->disbursed_amount;
        n->disbursements++;
    }
    if (r->event == FEEDBACK_EV_DECLINED)
        set_symbol(n->decline_reason, sizeof n->decline_reason, r->decline_reason);
    if (r->product)
        set_symbol(n->product, sizeof n->product, r->product);
    return NULL;
}

const char *feedback_apply_report(const feedback_matching *cur, const feedback_report *r, feedback_matching *next,
                                  char *why, size_t whylen)
{
    feedback_matching n = *cur;
    const char *code = next_stage(cur, r->event, &n.stage, why, whylen);
    if (!code)
        code = apply_amounts(r, &n, why, whylen);
    if (code)
        return code;
    if (n.stage != FEEDBACK_DECLINED && n.stage != FEEDBACK_NONE)
        n.contacted = true;
    *next = n;
    return NULL;
}

const char *feedback_apply_obstacle(const feedback_matching *cur, feedback_event ev, feedback_matching *next,
                                    char *why, size_t whylen)
{
    feedback_matching n = *cur;
    if (ev != FEEDBACK_EV_OBSTACLE_RAISED && ev != FEEDBACK_EV_OBSTACLE_RESOLVED)
        return say(why, whylen, "ILLEGAL_TRANSITION", "%s is not an obstacle event", feedback_event_name(ev));
    const char *code = next_stage(cur, ev, &n.stage, why, whylen);
    if (code)
        return code;
    if (ev == FEEDBACK_EV_OBSTACLE_RAISED)
        n.open_obstacles++;
    else if (n.open_obstacles > 0)
        n.open_obstacles--;
    *next = n;
    return NULL;
}

/* ---- alerts ---- */

const char *feedback_alert_kind_name(feedback_alert_kind k)
{
    static const char *const names[] = {"DISBURSED_ON_WITHDRAWN_NEED", "APPROVED_ABOVE_REQUESTED",
                                        "NOT_GREEN_ELIGIBLE", "LOAN_OVERDUE", "LOAN_NON_PERFORMING",
                                        "NOT_IN_CATALOGUE", "NOT_ON_GREEN_FACTORY_LIST"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "UNKNOWN";
}

bool feedback_alert_withdrawn_disbursement(bool need_withdrawn, feedback_event ev)
{
    return need_withdrawn && ev == FEEDBACK_EV_DISBURSED;
}

bool feedback_alert_over_approved(long long before, long long after, long long requested, int margin_pct)
{
    if (requested <= 0 || margin_pct < 0 || after <= before)
        return false;
    /* after * 100 > requested * (100 + margin), in 128 bits: both sides fit for any long long */
    __int128 lhs = (__int128)after * 100, rhs = (__int128)requested * (100 + (__int128)margin_pct);
    return lhs > rhs;
}

int feedback_catalogue_group(const char *code, char *out, size_t outlen)
{
    if (!code || !*code || *code == '.')
        return -1;
    size_t n = strcspn(code, ".");
    if (n >= outlen)
        return -1;
    memcpy(out, code, n);
    out[n] = '\0';
    return 0;
}

bool feedback_alert_not_green(const char *catalogue_code, const char *const *groups, size_t n)
{
    char group[16];
    if (feedback_catalogue_group(catalogue_code, group, sizeof group))
        return true;
    for (size_t i = 0; i < n; i++)
        if (groups[i] && !strcmp(groups[i], group))
            return false;
    return true;
}

bool feedback_group_valid(const char *group)
{
    size_t n = group ? strlen(group) : 0;
    if (n < 1 || n > 8)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)group[i]))
            return false;
    return true;
}
