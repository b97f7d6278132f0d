/* feedback_rules: the pure rules of gfdx-feedback (DESIGN §6.3): reading and checking a
 * bank's report, who may report on a need, how a report changes the bank's matching (stage
 * table of feedback_fsm.h plus the amount rules), and the green-washing alert rules.
 *
 * No I/O and no allocation; every function is safe from any thread. A rule that refuses
 * returns the receipt's reason code (a static string) and writes a sentence into why;
 * NULL means "allowed".
 *
 * Reason codes:
 *   MISSING_FIELD          a field the stage needs is null (approved_amount and product at
 *                          CREDIT_APPROVED, disbursed_amount at DISBURSED, decline_reason at DECLINED)
 *   NEGATIVE_AMOUNT        approved_amount or disbursed_amount below zero
 *   INVALID_AMOUNT         approved_amount or disbursed_amount zero where the stage needs it
 *   INVALID_FIELD          rate_bp outside 0..10000, term_months outside 1..600, a text longer
 *                          than 2000 characters or empty where required, an official's name
 *                          (ObstacleResolved.resolved_by) longer than 200 characters or
 *                          holding control characters
 *   UNAUTHORIZED_SENDER    no pboc.dispatch row for (need, bank): checked before anything
 *                          about the need (its existence included) is looked at
 *   NOT_DISPATCHED         the dispatch of the need to the bank was cancelled
 *   NEED_WITHDRAWN         the need was withdrawn and the report would start or advance work
 *   ILLEGAL_TRANSITION     feedback_fsm_next says no
 *   MATCHING_BLOCKED       the bank has an open obstacle and the report advances the stage
 *   AMOUNT_EXCEEDS_APPROVED the bank's cumulative disbursements would exceed its approval
 *
 * Withdrawn needs (pboc.need.status = WITHDRAWN; gfdx-push cancels the dispatches). A bank
 * that was dispatched the need (dispatch row ACTIVE or CANCELLED) may still send the
 * reports that close or account for work already done: DISBURSED and DECLINED; the
 * authorities may still resolve obstacles. Everything else is NEED_WITHDRAWN. A
 * disbursement on a withdrawn need is RECORDED (money that moved is a fact the exchange
 * must show, and refusing it would hide it from the aggregate and from monitoring) and
 * raises the DISBURSED_ON_WITHDRAWN_NEED alert. A cancelled dispatch on a need that is not
 * withdrawn is NOT_DISPATCHED. */
#ifndef FEEDBACK_RULES_H
#define FEEDBACK_RULES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "feedback_fsm.h"

#define FEEDBACK_TEXT_MAX_CHARS 2000

/* A MatchingFeedback record as the rules see it. Strings are borrowed from the record. */
typedef struct {
    feedback_event event;        /* from stage: FEEDBACK_EV_CONTACTED .. FEEDBACK_EV_DECLINED */
    const char *product;         /* NULL when absent */
    bool has_approved, has_rate, has_term, has_disbursed;
    long long approved_amount, rate_bp, term_months, disbursed_amount;
    const char *decline_reason;  /* NULL when absent */
    const char *comment;         /* NULL when absent */
} feedback_report;

/* Reads and checks a decoded MatchingFeedback body (reader schema shape). Fills *out and
 * returns NULL, or returns MISSING_FIELD, NEGATIVE_AMOUNT, INVALID_AMOUNT or INVALID_FIELD.
 * The body must outlive *out (strings are borrowed). */
const char *feedback_report_parse(const json_t *body, feedback_report *out, char *why, size_t whylen);

/* Checks a required free text (ObstacleRaised.description, ObstacleResolved.resolution):
 * present, not blank, at most FEEDBACK_TEXT_MAX_CHARS characters. NULL or INVALID_FIELD. */
const char *feedback_check_text(const char *field, const char *text, char *why, size_t whylen);

#define FEEDBACK_NAME_MAX_CHARS 200

/* Checks an optional display name (ObstacleResolved.resolved_by: the official who
 * coordinated; the resolver itself is always the authenticated sender): absent is fine;
 * else not blank, at most FEEDBACK_NAME_MAX_CHARS characters, no control characters. NULL
 * or INVALID_FIELD. */
const char *feedback_check_official(const char *field, const char *name, char *why, size_t whylen);

typedef enum {
    FEEDBACK_DISPATCH_NONE,      /* no pboc.dispatch row for (need, bank) */
    FEEDBACK_DISPATCH_ACTIVE,
    FEEDBACK_DISPATCH_CANCELLED
} feedback_dispatch;

/* Parses pboc.dispatch.status ("ACTIVE", "CANCELLED"); anything else is -1. */
int feedback_dispatch_parse(const char *status, feedback_dispatch *out);

/* May a bank with this dispatch send `ev` (a MatchingFeedback stage or OBSTACLE_RAISED) on a
 * need that is (not) withdrawn? NULL, UNAUTHORIZED_SENDER (no dispatch row: the bank is no
 * party to the need, whatever the need's state, or whether it exists), NOT_DISPATCHED (a
 * cancelled dispatch) or NEED_WITHDRAWN (rules above). */
const char *feedback_authorize_bank(feedback_dispatch d, bool need_withdrawn, feedback_event ev, char *why,
                                    size_t whylen);

/* Applies a report to the bank's matching: the stage from feedback_fsm_next (ILLEGAL_TRANSITION),
 * held back while cur->open_obstacles > 0 if the event advances (MATCHING_BLOCKED),
 * then the amounts. On NULL *next is the new state: stage; contacted; at CREDIT_APPROVED the
 * approval (amount, and rate/term when reported); product when reported (required at
 * CREDIT_APPROVED unless already known); at DISBURSED disbursed_total += amount and
 * disbursements + 1 (refused as AMOUNT_EXCEEDS_APPROVED beyond approved_amount); at DECLINED
 * the reason. Else ILLEGAL_TRANSITION, MATCHING_BLOCKED, AMOUNT_EXCEEDS_APPROVED or
 * MISSING_FIELD and *next untouched. cur and next may be the same object. */
const char *feedback_apply_report(const feedback_matching *cur, const feedback_report *r, feedback_matching *next,
                                  char *why, size_t whylen);

/* Applies FEEDBACK_EV_OBSTACLE_RAISED (open_obstacles + 1) or FEEDBACK_EV_OBSTACLE_RESOLVED
 * (open_obstacles - 1, never below 0). NULL, or ILLEGAL_TRANSITION (raising after DECLINED;
 * any other event). cur and next may be the same object. */
const char *feedback_apply_obstacle(const feedback_matching *cur, feedback_event ev, feedback_matching *next,
                                    char *why, size_t whylen);

/* ---- green-washing alerts (feedback.alert.kind) ---- */

typedef enum {
    FEEDBACK_ALERT_DISBURSED_ON_WITHDRAWN_NEED,
    FEEDBACK_ALERT_APPROVED_ABOVE_REQUESTED,
    FEEDBACK_ALERT_NOT_GREEN_ELIGIBLE,
    FEEDBACK_ALERT_LOAN_OVERDUE,             /* feedback_loan.h */
    FEEDBACK_ALERT_LOAN_NON_PERFORMING,      /* feedback_loan.h */
    FEEDBACK_ALERT_NOT_IN_CATALOGUE,         /* feedback_guard.h */
    FEEDBACK_ALERT_NOT_ON_GREEN_FACTORY_LIST /* feedback_guard.h */
} feedback_alert_kind;

/* "DISBURSED_ON_WITHDRAWN_NEED", "APPROVED_ABOVE_REQUESTED", "NOT_GREEN_ELIGIBLE",
 * "LOAN_OVERDUE", "LOAN_NON_PERFORMING", "NOT_IN_CATALOGUE", "NOT_ON_GREEN_FACTORY_LIST";
 * "UNKNOWN". */
const char *feedback_alert_kind_name(feedback_alert_kind k);

/* DISBURSED_ON_WITHDRAWN_NEED: a disbursement reported on a withdrawn need. */
bool feedback_alert_withdrawn_disbursement(bool need_withdrawn, feedback_event ev);

/* APPROVED_ABOVE_REQUESTED: the record raised the approved total across banks
 * (after > before) and after > requested × (100 + margin_pct) / 100, computed exactly (no
 * overflow for any non-negative long long). Each further approval above the line alerts
 * again: every bank piling credit onto an over-financed need is worth a look. False when
 * requested <= 0 or margin_pct < 0. */
bool feedback_alert_over_approved(long long before, long long after, long long requested, int margin_pct);

/* The top-level group of a catalogue code: the text before the first '.' ("1.3.1" -> "1",
 * "7" -> "7"). 0 and out filled, or -1 when code is NULL, empty, starts with '.', or the
 * group does not fit in out. */
int feedback_catalogue_group(const char *code, char *out, size_t outlen);

/* NOT_GREEN_ELIGIBLE: the need's catalogue code has no top-level group, or its group is not
 * one of groups[0..n) (exact match). Raised once per (need, bank), on the bank's first
 * accepted record about the need (the caller decides "first"). */
bool feedback_alert_not_green(const char *catalogue_code, const char *const *groups, size_t n);

/* A configured group must be 1..8 characters of [0-9A-Za-z]. */
bool feedback_group_valid(const char *group);

#endif
