/* feedback_alert: alerts published to the branch and handled by it (issue 12).
 *
 * Every feedback.alert row (append_alert in feedback_decide.c for what a record raises, the
 * watch for what the clock raises) has an alert_id chosen when it is raised (feedback_alert_id:
 * the same facts give the same id, so a watch round that runs again cannot raise it twice) and
 * the branch of its need (pboc.need.branch_id), and is published as AlertRaised to
 * <feedback.alerts_prefix><branch> (gfdx.alerts.<branch>, read by that branch alone), key the
 * alert id, in the same transaction as the row (the outbox).
 *
 * AlertHandled (topic gfdx.feedback, key need_id, sender a pboc_branch): the branch's verdict
 * on an alert, CONFIRMED or DISMISSED, with a required comment. In this order:
 *   UNAUTHORIZED_SENDER    the sender is not a PBoC branch, or not the branch of the need
 *                          (pboc.need.branch_id; the same answer when the need is unknown),
 *                          before anything about the alert is looked at: another branch
 *                          learns nothing, not even whether the alert exists;
 *   INVALID_FIELD          comment missing, blank or longer than 2,000 characters;
 *   UNKNOWN_ALERT          no alert of that id on that need (or one addressed to another branch);
 *   ALERT_ALREADY_HANDLED  the alert was handled already: handled once, the first verdict
 *                          stands (a second one is refused, never superseding it, so that what
 *                          the reports counted does not change behind them; a branch that
 *                          changes its mind says so on the need another way).
 * An accepted AlertHandled fills the alert row's handled_by (the sender), handled_at (the
 * exchange's clock of the record), outcome, comment and handled_event_id. The view
 * feedback.alert_status counts open and handled alerts per branch and kind. */
#ifndef FEEDBACK_ALERT_H
#define FEEDBACK_ALERT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "feedback.h"
#include "rowset.h"
#include "service.h"

/* "al-" and 32 hex digits, NUL-terminated. */
#define FEEDBACK_ALERT_ID_LEN 36

/* feedback.alert as a STATE table keyed alert_id: loaded FOR UPDATE to be handled, and put
 * whole by the watch (whose rows are looked up by id first: idempotent). The same table as
 * feedback_alert_table (HISTORY), which append_alert writes. */
extern const gfdx_table feedback_alert_state_table;

/* The id of the alert of `kind` about (a, b): "al-" and the first 32 hex digits of the
 * SHA-256 of kind, a and b (each may be NULL). Deterministic. */
void feedback_alert_id(char out[FEEDBACK_ALERT_ID_LEN], const char *kind, const char *a, const char *b);

/* <settings.alerts_prefix><branch> into out. 0, or -1 when it does not fit. */
int feedback_alert_topic(const feedback_settings *s, const char *branch, char *out, size_t outlen);

/* The AlertRaised body of an alert row (alert_id, kind, need_id, branch_id, bank_id, detail,
 * facts, raised_at). New reference, or NULL (a column missing, or out of memory). */
json_t *feedback_alert_record(const json_t *row);

/* A decision's alert row (append_alert's: kind, need_id, bank_id, detail, facts, event_id),
 * completed with alert_id (from kind, event id and bank), branch_id and raised_at (the batch's
 * clock), and published: AlertRaised to the branch's alerts topic through the outbox. The row
 * is not stolen (the caller appends it). GFDX_DECIDE_OK, or the verdict of a failure. */
gfdx_verdict feedback_alert_publish(gfdx_decision *d, json_t *row, const char *branch_id);

/* AlertHandled (the need's PBoC branch). */
gfdx_verdict feedback_decide_alert_handled(gfdx_decision *d);

/* For the load hook: the alert an AlertHandled names (feedback_alert_state_table by alert_id).
 * Other records: nothing. 0, or -1 when out of memory. */
int feedback_alert_want(gfdx_rowset *rs, const gfdx_record *rec);

#endif
