/* push.c: gfdx-push's settings, handler table and service descriptor (see push.h). The
 * decisions are push_decide.c's, the tables and the load hook push_store.c's, the watch
 * push_watch.c's. */
#include "push.h"

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "push_decide.h"
#include "push_store.h"
#include "push_watch.h"

/* ---- settings (push.* in the daemon's config file) ---- */

/* clang-format off */
static const gfdx_cfg_setting push_rows[] = {
    {"push.routing", GFDX_CFG_STRING, offsetof(push_ctx, routing_file), GFDX_SOURCE_DIR "/deploy/routing.cfg",
     0, 0, 0, false, false, false, "PBoC branch routing table (deploy/routing.cfg); read at start-up"},
    {"push.dispatch_topic_prefix", GFDX_CFG_STRING, offsetof(push_ctx, dispatch_prefix), "gfdx.dispatch.",
     0, 0, 0, false, false, false, "a need routed to branch B is published to <prefix>B"},
    {"push.alert_topic_prefix", GFDX_CFG_STRING, offsetof(push_ctx, alert_prefix), "gfdx.alerts.",
     0, 0, 0, false, false, false, "an alert about a need of branch B (the watch) is published to <prefix>B"},
    {"push.no_bank_alert_days", GFDX_CFG_INT, offsetof(push_ctx, no_bank_alert_days), NULL,
     3, 1, 250, false, false, false,
     "working days a pushed need may stay without a bank before the watch raises a NO_BANK alert to its branch"},
};
/* clang-format on */
#define N_PUSH_ROWS (sizeof push_rows / sizeof push_rows[0])

/* Service state: loaded once by the configure hook, read-only afterwards. */
static push_ctx the_ctx;

static int push_configure(void *ctx, const char *path, FILE *print_to, char *err, size_t errlen)
{
    push_ctx *c = ctx;
    push_ctx s = {0};
    if (gfdx_config_load_rows(path, push_rows, N_PUSH_ROWS, &s, err, errlen)) {
        gfdx_config_release(push_rows, N_PUSH_ROWS, &s);
        return -1;
    }
    s.routing = push_routing_load(s.routing_file, err, errlen);
    if (!s.routing) {
        gfdx_config_release(push_rows, N_PUSH_ROWS, &s);
        return -1;
    }
    gfdx_config_release(push_rows, N_PUSH_ROWS, c);
    push_routing_free(c->routing);
    *c = s;
    if (print_to) {
        gfdx_config_print_rows(print_to, push_rows, N_PUSH_ROWS, c);
        push_routing_print(print_to, c->routing);
    }
    return 0;
}

static const gfdx_handler handlers[] = {
    {"NeedPushed", PUSH_CONSUMED_TOPIC, "need_id", push_decide_pushed},
    {"NeedPushWithdrawn", PUSH_CONSUMED_TOPIC, "need_id", push_decide_withdrawn},
    {"BanksAssigned", PUSH_ASSIGNMENTS_TOPIC, "need_id", push_decide_assigned},
};

const gfdx_service push_service = {
    .name = "push",
    .schema = "pboc",
    .handlers = handlers,
    .handler_count = sizeof handlers / sizeof handlers[0],
    .tables = push_tables,
    .table_count = PUSH_TABLE_COUNT,
    .load = push_store_load,
    .watch = push_watch,
    .configure = push_configure,
    .ctx = &the_ctx,
};
