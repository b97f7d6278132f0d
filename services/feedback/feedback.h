/* feedback.h: gfdx-feedback, the bank matching-feedback daemon (DESIGN §6.3).
 *
 * Consumes gfdx.feedback (key need_id): MatchingFeedback and ObstacleRaised from banks,
 * ObstacleResolved from the need's province authority or PBoC branch; and (issue 12)
 * ObstacleAcknowledged (authority or branch), ObstacleConfirmed / ObstacleReopened (the bank
 * that raised it: feedback_obstacle.h), AlertHandled (the need's branch: feedback_alert.h).
 * Every alert is published as AlertRaised to gfdx.alerts.<branch>; the watch
 * (feedback_watch.h) raises NO_FEEDBACK and OBSTACLE_OVERDUE and sends Escalation to
 * gfdx.coordination.<province>. Reads pboc.need and
 * pboc.dispatch (gfdx-push's tables, same database; SELECT only) to authorize each bank;
 * keeps feedback.matching, feedback.matching_event, feedback.need_status, feedback.obstacle
 * and feedback.alert (schemas/sql/feedback/); publishes through the outbox
 * NeedMatchingStatus to gfdx.matching-status (key need_id) on every change of a need's
 * aggregate and ObstacleCoordination to gfdx.coordination.<province> (key: the need's province) when
 * an obstacle is raised or resolved. Runs as participant "pboc" (gfdx-intake accepts
 * NeedMatchingStatus only from a pboc participant).
 *
 * On the batch pipeline (service.h, the decide API): feedback_store.h describes the tables
 * and queues what a batch reads, feedback_decide.h decides each record in memory. Rules
 * live in pure modules: feedback_fsm.h (stages), feedback_rules.h (reports, authorization,
 * amounts, alerts), feedback_aggregate.h (per-need aggregate, overall).
 *
 * Until gfdx-push has created pboc.need and pboc.dispatch in the database, records wait:
 * the rowset's load fails transiently (NOT_READY), the batch is retried with back-off,
 * nothing is refused.
 *
 * Refusals (receipt REFUSED, feedback.rejection row, nothing changed), besides the rule codes
 * listed in feedback_rules.h:
 *   UNAUTHORIZED_SENDER  MatchingFeedback / ObstacleRaised from a participant that is not a
 *                        bank; ObstacleResolved from anyone but the need's province authority
 *                        (gfdx_auth_is_province_authority_of pboc.need.province) or its PBoC
 *                        branch (participant id = pboc.need.branch_id)
 *   KEY_MISMATCH         the Kafka key is not the record's need_id
 *   UNKNOWN_NEED         no pboc.need row: the need was never pushed to the PBoC
 *   UNKNOWN_OBSTACLE     ObstacleResolved names no obstacle of that need
 *   OBSTACLE_NOT_OPEN    ObstacleResolved for an obstacle already resolved */
#ifndef FEEDBACK_H
#define FEEDBACK_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "service.h"

/* The service's own settings (group `feedback` of the daemon's config file; see
 * deploy/feedback.cfg). Loaded at start-up; a change needs a restart. */
typedef struct {
    int approved_margin_pct;     /* feedback.approved_margin_percent */
    gfdx_strlist green_groups;   /* feedback.green_eligible_groups */
    char *coordination_prefix;   /* feedback.coordination_prefix: <prefix><province code> */
    char *status_topic;          /* feedback.status_topic */
    char *alerts_prefix;         /* feedback.alerts_prefix: AlertRaised to <prefix><branch> */
    int no_feedback_days;        /* feedback.no_feedback_alert_days (the watch) */
    int obstacle_open_days;      /* feedback.obstacle_open_alert_days (the watch) */
} feedback_settings;

/* What the decisions share (gfdx_service.ctx, gfdx_context.service_ctx). Zero-initialise;
 * feedback_configure fills it. */
typedef struct {
    feedback_settings settings;
} feedback_ctx;

/* gfdx_service.configure: loads the `feedback` settings of config_path into ctx (a
 * feedback_ctx), validates them (every green group 1..8 of [0-9A-Za-z], at least one) and,
 * when print_to is non-NULL, prints them. 0, or -1 with err naming the setting; on failure
 * ctx keeps its previous settings. */
int feedback_configure(void *ctx, const char *config_path, FILE *print_to, char *err, size_t errlen);

/* Frees the settings held by ctx (accepts NULL); ctx may be configured again. */
void feedback_ctx_release(feedback_ctx *ctx);

/* The service descriptor gfdx_daemon_main runs (ctx: a static feedback_ctx). */
extern const gfdx_service feedback_service;

#endif
