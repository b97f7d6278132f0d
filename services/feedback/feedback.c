/* feedback.c: gfdx-feedback's settings, handler table and service descriptor (see
 * feedback.h). The decisions are feedback_decide.c's, the tables and the load hook
 * feedback_store.c's; the batch pipeline (common/) loads, decides and writes. */
#include "feedback.h"

#include <stddef.h>
#include <stdio.h>

#include "feedback_alert.h"
#include "feedback_decide.h"
#include "feedback_obstacle.h"
#include "feedback_rules.h"
#include "feedback_store.h"
#include "feedback_watch.h"

/* ---- settings ---- */

#define ROW(path, type, field, ...) {path, type, offsetof(feedback_settings, field), __VA_ARGS__}

/* clang-format off */
static const gfdx_cfg_setting feedback_rows[] = {
    ROW("feedback.approved_margin_percent", GFDX_CFG_INT, approved_margin_pct, NULL, 10, 0, 1000, false, false,
        false, "alert APPROVED_ABOVE_REQUESTED when credit approved across banks exceeds the requested financing "
        "by more than this many percent"),
    ROW("feedback.green_eligible_groups", GFDX_CFG_STRLIST, green_groups, "1,2,3,4,5,6,7", 0, 0, 0, false, false,
        false, "top-level groups of the green-finance project catalogue (2025) that are green-eligible; feedback "
        "on a need whose catalogue code is in another group raises NOT_GREEN_ELIGIBLE"),
    ROW("feedback.coordination_prefix", GFDX_CFG_STRING, coordination_prefix, "gfdx.coordination.", 0, 0, 0,
        false, false, false, "ObstacleCoordination records go to <prefix><province code> (key: province)"),
    ROW("feedback.status_topic", GFDX_CFG_STRING, status_topic, "gfdx.matching-status", 0, 0, 0, false, false,
        false, "topic of NeedMatchingStatus records (key: need id)"),
    ROW("feedback.alerts_prefix", GFDX_CFG_STRING, alerts_prefix, "gfdx.alerts.", 0, 0, 0, false, false, false,
        "AlertRaised records go to <prefix><branch id> (key: alert id), read by that branch alone"),
    ROW("feedback.no_feedback_alert_days", GFDX_CFG_INT, no_feedback_days, NULL, 10, 1, 365, false, false, false,
        "the watch raises NO_FEEDBACK (and escalates it) for a dispatch with no feedback from its bank after more "
        "than this many working days"),
    ROW("feedback.obstacle_open_alert_days", GFDX_CFG_INT, obstacle_open_days, NULL, 5, 1, 365, false, false, false,
        "the watch raises OBSTACLE_OVERDUE (and escalates it) for an obstacle open for more than this many working "
        "days since it was raised"),
};
/* clang-format on */
#define FEEDBACK_ROW_COUNT (sizeof feedback_rows / sizeof feedback_rows[0])

static int check_settings(const feedback_settings *s, char *err, size_t errlen)
{
    if (s->green_groups.count == 0) {
        snprintf(err, errlen, "feedback.green_eligible_groups: at least one group is needed");
        return -1;
    }
    for (size_t i = 0; i < s->green_groups.count; i++)
        if (!feedback_group_valid(s->green_groups.items[i])) {
            snprintf(err, errlen,
                     "feedback.green_eligible_groups[%zu]: \"%s\" is not a top-level group (1..8 letters or digits,"
                     " the part of a catalogue code before the first '.')",
                     i, s->green_groups.items[i]);
            return -1;
        }
    return 0;
}

int feedback_configure(void *ctx, const char *config_path, FILE *print_to, char *err, size_t errlen)
{
    feedback_ctx *c = ctx;
    feedback_settings s = {0};
    if (gfdx_config_load_rows(config_path, feedback_rows, FEEDBACK_ROW_COUNT, &s, err, errlen) ||
        check_settings(&s, err, errlen)) {
        gfdx_config_release(feedback_rows, FEEDBACK_ROW_COUNT, &s);
        return -1;
    }
    gfdx_config_release(feedback_rows, FEEDBACK_ROW_COUNT, &c->settings);
    c->settings = s;
    if (print_to)
        gfdx_config_print_rows(print_to, feedback_rows, FEEDBACK_ROW_COUNT, &c->settings);
    return 0;
}

void feedback_ctx_release(feedback_ctx *ctx)
{
    if (ctx)
        gfdx_config_release(feedback_rows, FEEDBACK_ROW_COUNT, &ctx->settings);
}

/* ---- the service ---- */

static const gfdx_handler handlers[] = {
    {"MatchingFeedback", "gfdx.feedback", "need_id", feedback_decide_matching},
    {"ObstacleRaised", "gfdx.feedback", "need_id", feedback_decide_obstacle_raised},
    {"ObstacleResolved", "gfdx.feedback", "need_id", feedback_decide_obstacle_resolved},
    {"ObstacleAcknowledged", "gfdx.feedback", "need_id", feedback_decide_obstacle_acknowledged},
    {"ObstacleConfirmed", "gfdx.feedback", "need_id", feedback_decide_obstacle_confirmed},
    {"ObstacleReopened", "gfdx.feedback", "need_id", feedback_decide_obstacle_reopened},
    {"AlertHandled", "gfdx.feedback", "need_id", feedback_decide_alert_handled},
};

static feedback_ctx the_ctx;

const gfdx_service feedback_service = {
    .name = "feedback",
    .schema = "feedback",
    .handlers = handlers,
    .handler_count = sizeof handlers / sizeof handlers[0],
    .tables = feedback_tables,
    .table_count = FEEDBACK_TABLE_COUNT,
    .load = feedback_store_load,
    .watch = feedback_watch,
    .configure = feedback_configure,
    .ctx = &the_ctx,
};
