/* feedback_loan: the loan's life after disbursement (DESIGN §6.3 "After disbursement the bank
 * reports the loan's life"): the LoanStatusReported record (schemas/avro/
 * loan_status_reported.v1.avsc, topic gfdx.feedback, key need_id), its rules, its tables and
 * the loan figures of the need's aggregate.
 *
 * Tables (schemas/sql/feedback/003_loan.sql):
 *   loan        STATE keyed (need_id, bank_id): the bank's latest reported period and its figures;
 *   loan_event  HISTORY: every applied report (a correction names the report it supersedes).
 *
 * Order of a decision (feedback_decide.h): the sender is a bank; the record is well formed
 * (feedback_loan_parse, pure); the bank was dispatched the need (a pboc.dispatch row of any
 * status: the loan outlives a withdrawal) else UNAUTHORIZED_SENDER, before anything about the
 * need is looked at; the need was pushed (UNKNOWN_NEED); then feedback_loan_apply against the
 * bank's matching and its loan row; then the effects: loan row, loan_event row, the need's
 * aggregate (need_status with the loan columns, status_changes + 1) and NeedMatchingStatus
 * (v3) when a loan figure changed; an alert LOAN_OVERDUE / LOAN_NON_PERFORMING when the
 * bank's loan enters that status (its previous report said otherwise, or it is the first).
 *
 * Reason codes (besides UNAUTHORIZED_SENDER and UNKNOWN_NEED):
 *   INVALID_FIELD              period not YYYY-MM (months 01..12, years 1990..2100); days_overdue
 *                              missing for OVERDUE / NON_PERFORMING, < 1 for OVERDUE, > 0 for
 *                              NORMAL or above 36500; OVERDUE / NON_PERFORMING with a zero
 *                              balance; funding_tool_name missing for OTHER, given otherwise,
 *                              blank or longer than 200 characters; comment longer than 2000
 *   NEGATIVE_AMOUNT            repaid_amount or outstanding_balance below zero
 *   LOAN_NOT_DISBURSED         the bank has not disbursed on the need (its matching is not DISBURSED)
 *   PERIOD_OUT_OF_ORDER        the period is earlier than the bank's latest reported one
 *   REPAID_EXCEEDS_DISBURSED   cumulative repayments (the corrected period counted once) above
 *                              the bank's disbursed total
 *   BALANCE_EXCEEDS_DISBURSED  the outstanding balance above the disbursed total, or above the
 *                              disbursed total less the cumulative repayments (principal) */
#ifndef FEEDBACK_LOAN_H
#define FEEDBACK_LOAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "feedback_fsm.h"
#include "rowset.h"
#include "service.h"

extern const gfdx_table feedback_loan_table;
extern const gfdx_table feedback_loan_event_table;

typedef enum { FEEDBACK_LOAN_NORMAL, FEEDBACK_LOAN_OVERDUE, FEEDBACK_LOAN_NON_PERFORMING } feedback_loan_status;

typedef enum {
    FEEDBACK_TOOL_NONE,
    FEEDBACK_TOOL_CARBON_REDUCTION_FACILITY, /* 碳减排支持工具 */
    FEEDBACK_TOOL_TECH_INNOVATION_RELENDING, /* 科技创新和技术改造再贷款 */
    FEEDBACK_TOOL_OTHER
} feedback_loan_tool;

/* "NORMAL", "OVERDUE", "NON_PERFORMING" / "NONE", ... "OTHER"; "UNKNOWN" out of range. Parse:
 * 0 and *out, or -1. */
const char *feedback_loan_status_name(feedback_loan_status s);
int feedback_loan_status_parse(const char *name, feedback_loan_status *out);
const char *feedback_loan_tool_name(feedback_loan_tool t);
int feedback_loan_tool_parse(const char *name, feedback_loan_tool *out);

/* A LoanStatusReported as the rules see it; strings borrowed from the body. */
typedef struct {
    char period[8];              /* "YYYY-MM" */
    long long repaid, outstanding;
    feedback_loan_status status;
    int days_overdue;            /* 0 when null */
    feedback_loan_tool tool;
    const char *tool_name;       /* NULL unless OTHER */
} feedback_loan_report;

/* A bank's loan as feedback.loan holds it (has_report false: none reported yet). */
typedef struct {
    bool has_report;
    char period[8];
    long long outstanding, repaid_period, repaid_before, repaid_total, disbursed_at_report;
    feedback_loan_status status;
    int days_overdue, reports;
} feedback_loan;

/* Reads and checks a decoded body. NULL and *out filled, or INVALID_FIELD / NEGATIVE_AMOUNT. */
const char *feedback_loan_parse(const json_t *body, feedback_loan_report *out, char *why, size_t whylen);

/* Applies r to the bank's loan cur, given its matching m (stage, disbursed total). NULL and
 * *next the new loan (a correction when r->period equals cur->period), or
 * LOAN_NOT_DISBURSED, PERIOD_OUT_OF_ORDER, REPAID_EXCEEDS_DISBURSED,
 * BALANCE_EXCEEDS_DISBURSED. cur and next may be the same object. */
const char *feedback_loan_apply(const feedback_loan *cur, const feedback_matching *m, const feedback_loan_report *r,
                                feedback_loan *next, char *why, size_t whylen);

/* True when a report moving the loan from cur to next raises an alert (next is OVERDUE or
 * NON_PERFORMING and cur had no report or another status). */
bool feedback_loan_alerts(const feedback_loan *cur, const feedback_loan *next);

/* Reads a feedback.loan row (NULL: none reported). 0, or -1 for an unknown status (corrupt). */
int feedback_loan_of(const json_t *row, feedback_loan *out);

/* The loan figures of a need's aggregate. */
typedef struct {
    long long outstanding_total, repaid_total;
    int loans_overdue, loans_non_performing;
} feedback_loan_totals;

/* The totals of need_id from every bank's current matching and loan rows in rs (this
 * record's puts included): a bank that disbursed counts its reported balance plus what it
 * disbursed after the report, or its disbursed total when it has not reported. 0, -1 when
 * out of memory or a stored row is unreadable (errno ENOMEM for the former). */
int feedback_loan_totals_of(const gfdx_rowset *rs, const char *need_id, feedback_loan_totals *out);

/* Sets outstanding_total, repaid_total, loans_overdue, loans_non_performing of obj (a
 * need_status row or a NeedMatchingStatus body) to the totals of need_id. 0 or -1 (out of
 * memory, unreadable rows). The hook feedback_decide.c calls on every aggregate it writes. */
int feedback_loan_fill(const gfdx_rowset *rs, const char *need_id, json_t *obj);

/* LoanStatusReported (bank): the handler of feedback.c. */
gfdx_verdict feedback_decide_loan_status(gfdx_decision *d);

#endif
