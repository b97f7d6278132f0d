/* feedback.c: gfdx-feedback's handlers, settings and service table (see feedback.h).
 *
 * Every handler follows the same order: who is the sender, is the record well formed (pure
 * checks, before any statement), does the need exist (pboc.need), may this sender speak
 * about it (pboc.dispatch / the need's province and branch), is the change legal
 * (feedback_rules), then the writes: the bank's matching row, its history row, the need's
 * aggregate (NeedMatchingStatus when it changed), alerts, and coordination records.
 * A refusal happens before the first write; the pipeline's savepoint covers the rest. */
#include "feedback.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "feedback_aggregate.h"
#include "feedback_rules.h"
#include "feedback_store.h"
#include "fault.h"
#include "region.h"

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

/* ---- one need and one bank: what a handler works on ---- */

typedef struct {
    const char *need_id;
    char bank_id[128];
    feedback_need need;
    bool existed;               /* the bank had a matching row before this record */
    feedback_matching cur, next;
} fb_case;

static gfdx_apply_result refuse_not_bank(gfdx_apply *a, const char *what)
{
    return gfdx_apply_refuse(a, "UNAUTHORIZED_SENDER", "%s (%s) is not a bank and may not %s", a->sender->id,
                             gfdx_participant_kind_name(a->sender->kind), what);
}

/* Waits for the pboc tables (the Kafka key was checked by inbound); nothing about the need is read yet. */
static gfdx_apply_result open_case(gfdx_apply *a, fb_case *c)
{
    feedback_ctx *ctx = a->service_ctx;
    memset(c, 0, sizeof *c);
    c->need_id = gfdx_rec_str(a->rec->body, "need_id");
    return feedback_store_pboc_ready(a, &ctx->pboc_ready);
}

/* Loads the need; *found false (c->need zeroed) when it does not exist. */
static gfdx_apply_result load_need(gfdx_apply *a, fb_case *c, bool *found)
{
    *found = false;
    return feedback_store_need(a, c->need_id, &c->need, found);
}

static gfdx_apply_result open_matching(gfdx_apply *a, fb_case *c, const char *bank_id)
{
    snprintf(c->bank_id, sizeof c->bank_id, "%s", bank_id);
    gfdx_apply_result res = feedback_store_matching(a, c->need_id, c->bank_id, &c->cur, &c->existed);
    c->next = c->cur;
    return res;
}

/* A bank's record (MatchingFeedback, ObstacleRaised): the dispatch row first (the one fact
 * authorization needs: without one the bank is refused UNAUTHORIZED_SENDER whether the need
 * exists, was withdrawn or is final), then the need, the rules, the matching. */
static gfdx_apply_result open_bank_case(gfdx_apply *a, feedback_event ev, fb_case *c)
{
    char why[256];
    feedback_dispatch d = FEEDBACK_DISPATCH_NONE;
    bool found = false;
    gfdx_apply_result res = open_case(a, c);
    if (res == GFDX_APPLY_OK)
        res = feedback_store_dispatch(a, c->need_id, a->sender->id, &d);
    if (res == GFDX_APPLY_OK && d == FEEDBACK_DISPATCH_NONE)
        return gfdx_apply_refuse(a, "UNAUTHORIZED_SENDER", "%s may not report on need %s: it was not dispatched to it",
                                 a->sender->id, c->need_id);
    if (res == GFDX_APPLY_OK)
        res = load_need(a, c, &found);
    if (res == GFDX_APPLY_OK && !found) /* a dispatch row without its need: gfdx-push's tables disagree */
        res = gfdx_apply_refuse(a, "UNKNOWN_NEED", "need %s was not pushed to the PBoC", c->need_id);
    const char *code = res == GFDX_APPLY_OK ? feedback_authorize_bank(d, c->need.withdrawn, ev, why, sizeof why) : NULL;
    if (code)
        res = gfdx_apply_refuse(a, code, "%s on need %s: %s", a->sender->id, c->need_id, why);
    if (res == GFDX_APPLY_OK)
        res = open_matching(a, c, a->sender->id);
    return res;
}

/* Matching row, history row and aggregate, in that order. */
static gfdx_apply_result write_case(gfdx_apply *a, fb_case *c, feedback_event ev, const long long *amount,
                                    const char *obstacle_id, feedback_aggregate *before, feedback_aggregate *after)
{
    const feedback_ctx *ctx = a->service_ctx;
    gfdx_apply_result res = feedback_store_save_matching(a, &c->need, c->bank_id, &c->next, ev);
    if (res == GFDX_APPLY_OK)
        res = feedback_store_history(a, c->need_id, c->bank_id, c->cur.stage, c->next.stage, amount, obstacle_id);
    if (res == GFDX_APPLY_OK)
        res = feedback_store_aggregate(a, &c->need, ctx->settings.status_topic, before, after);
    return res;
}

/* ---- alerts ---- */

static gfdx_apply_result alert_not_green(gfdx_apply *a, const fb_case *c)
{
    const feedback_settings *s = &((const feedback_ctx *)a->service_ctx)->settings;
    if (c->existed || !feedback_alert_not_green(c->need.catalogue_code, (const char *const *)s->green_groups.items,
                                                s->green_groups.count))
        return GFDX_APPLY_OK;
    char detail[512];
    snprintf(detail, sizeof detail, "%s reports on need %s whose catalogue code \"%s\" is not in a green-eligible group",
             c->bank_id, c->need_id, c->need.catalogue_code);
    errno = 0; /* feedback_store_alert tells out of memory from bad input by it */
    json_t *facts = json_pack("{s:s, s:s}", "catalogue_code", c->need.catalogue_code, "record_type", a->rec->type);
    gfdx_apply_result res = feedback_store_alert(a, FEEDBACK_ALERT_NOT_GREEN_ELIGIBLE, c->need_id, c->bank_id, facts,
                                                 detail);
    json_decref(facts);
    return res;
}

static gfdx_apply_result alert_withdrawn(gfdx_apply *a, const fb_case *c, const feedback_report *r)
{
    if (!feedback_alert_withdrawn_disbursement(c->need.withdrawn, r->event))
        return GFDX_APPLY_OK;
    char detail[512];
    snprintf(detail, sizeof detail, "%s disbursed %lld fen on need %s, which was withdrawn", c->bank_id,
             r->disbursed_amount, c->need_id);
    errno = 0; /* feedback_store_alert tells out of memory from bad input by it */
    json_t *facts = json_pack("{s:I, s:I, s:I}", "disbursed_amount", (json_int_t)r->disbursed_amount,
                              "bank_disbursed_total", (json_int_t)c->next.disbursed_total, "bank_approved_amount",
                              (json_int_t)c->next.approved_amount);
    gfdx_apply_result res = feedback_store_alert(a, FEEDBACK_ALERT_DISBURSED_ON_WITHDRAWN_NEED, c->need_id,
                                                 c->bank_id, facts, detail);
    json_decref(facts);
    return res;
}

static gfdx_apply_result alert_over_approved(gfdx_apply *a, const fb_case *c, const feedback_aggregate *before,
                                             const feedback_aggregate *after)
{
    int margin = ((const feedback_ctx *)a->service_ctx)->settings.approved_margin_pct;
    if (!feedback_alert_over_approved(before->approved_total, after->approved_total, c->need.financing_amount, margin))
        return GFDX_APPLY_OK;
    char detail[512];
    snprintf(detail, sizeof detail,
             "credit approved across %d banks on need %s is %lld fen, above the %lld fen requested by more than %d%%",
             after->banks_approved, c->need_id, after->approved_total, c->need.financing_amount, margin);
    errno = 0; /* feedback_store_alert tells out of memory from bad input by it */
    json_t *facts = json_pack("{s:I, s:I, s:I, s:i, s:i}", "approved_total", (json_int_t)after->approved_total,
                              "approved_total_before", (json_int_t)before->approved_total, "financing_amount",
                              (json_int_t)c->need.financing_amount, "margin_percent", margin, "banks_approved",
                              after->banks_approved);
    gfdx_apply_result res = feedback_store_alert(a, FEEDBACK_ALERT_APPROVED_ABOVE_REQUESTED, c->need_id, c->bank_id,
                                                 facts, detail);
    json_decref(facts);
    return res;
}

/* ---- handlers ---- */

/* The amount a report adds to the history row (approval or disbursement), or NULL. */
static const long long *report_amount(const feedback_report *r)
{
    if (r->event == FEEDBACK_EV_CREDIT_APPROVED)
        return &r->approved_amount;
    return r->event == FEEDBACK_EV_DISBURSED ? &r->disbursed_amount : NULL;
}

static gfdx_apply_result on_matching_feedback(gfdx_apply *a)
{
    char why[512];
    feedback_report r;
    if (!gfdx_auth_is_kind(a->sender, GFDX_PK_BANK))
        return refuse_not_bank(a, "report matching feedback");
    const char *code = feedback_report_parse(a->rec->body, &r, why, sizeof why);
    if (code)
        return gfdx_apply_refuse(a, code, "%s", why);
    fb_case c;
    feedback_aggregate before, after;
    gfdx_apply_result res = open_bank_case(a, r.event, &c);
    code = res == GFDX_APPLY_OK ? feedback_apply_report(&c.cur, &r, &c.next, why, sizeof why) : NULL;
    if (code)
        res = gfdx_apply_refuse(a, code, "%s on need %s: %s", c.bank_id, c.need_id, why);
    if (res == GFDX_APPLY_OK)
        res = write_case(a, &c, r.event, report_amount(&r), NULL, &before, &after);
    if (res == GFDX_APPLY_OK)
        res = alert_not_green(a, &c);
    if (res == GFDX_APPLY_OK)
        res = alert_withdrawn(a, &c, &r);
    if (res == GFDX_APPLY_OK)
        res = alert_over_approved(a, &c, &before, &after);
    feedback_need_clear(&c.need);
    return res;
}

/* ObstacleCoordination for obstacle_id to the need's province's own topic (DESIGN §2:
 * coordination.prefix + province code, read by that province's authority and its branches). */
static gfdx_apply_result emit_coordination(gfdx_apply *a, const fb_case *c, const char *obstacle_id)
{
    const feedback_ctx *ctx = a->service_ctx;
    char province[7], topic[250];
    if (gfdx_region_province_of(c->need.province, province) != 0)
        return gfdx_fault_apply(a, GFDX_FAULT_CORRUPT, "ObstacleCoordination", "the need's province is not a region code");
    snprintf(topic, sizeof topic, "%s%s", ctx->settings.coordination_prefix, province);
    return feedback_store_emit_coordination(a, &c->need, obstacle_id, topic);
}

static gfdx_apply_result on_obstacle_raised(gfdx_apply *a)
{
    char why[512];
    const json_t *b = a->rec->body;
    if (!gfdx_auth_is_kind(a->sender, GFDX_PK_BANK))
        return refuse_not_bank(a, "raise a financing obstacle");
    const char *code = feedback_check_text("description", gfdx_rec_str(b, "description"), why, sizeof why);
    if (code)
        return gfdx_apply_refuse(a, code, "%s", why);
    fb_case c;
    feedback_aggregate before, after;
    gfdx_apply_result res = open_bank_case(a, FEEDBACK_EV_OBSTACLE_RAISED, &c);
    code = res == GFDX_APPLY_OK ? feedback_apply_obstacle(&c.cur, FEEDBACK_EV_OBSTACLE_RAISED, &c.next, why, sizeof why)
                                : NULL;
    if (code)
        res = gfdx_apply_refuse(a, code, "%s on need %s: %s", c.bank_id, c.need_id, why);
    if (res == GFDX_APPLY_OK)
        res = feedback_store_obstacle_raise(a, &c.need, c.bank_id, gfdx_rec_str(b, "category"),
                                            gfdx_rec_str(b, "description"));
    if (res == GFDX_APPLY_OK)
        res = write_case(a, &c, FEEDBACK_EV_OBSTACLE_RAISED, NULL, a->rec->event_id, &before, &after);
    if (res == GFDX_APPLY_OK)
        res = alert_not_green(a, &c);
    if (res == GFDX_APPLY_OK)
        res = emit_coordination(a, &c, a->rec->event_id);
    feedback_need_clear(&c.need);
    return res;
}

/* The need's province authority or the PBoC branch the need was routed to. */
static bool may_resolve(const gfdx_apply *a, const feedback_need *n)
{
    return gfdx_auth_is_province_authority_of(a->sender, n->province) ||
           (gfdx_auth_is_kind(a->sender, GFDX_PK_PBOC_BRANCH) && !strcmp(a->sender->id, n->branch_id));
}

/* Loads the obstacle named by the record and its bank's matching; refuses if unknown or closed. */
static gfdx_apply_result open_obstacle(gfdx_apply *a, fb_case *c, const char *obstacle_id)
{
    bool found = false, open = false;
    char bank[128];
    gfdx_apply_result res = feedback_store_obstacle(a, c->need_id, obstacle_id, &found, bank, sizeof bank, &open);
    if (res == GFDX_APPLY_OK && !found)
        return gfdx_apply_refuse(a, "UNKNOWN_OBSTACLE", "need %s has no obstacle %s", c->need_id, obstacle_id);
    if (res == GFDX_APPLY_OK && !open)
        return gfdx_apply_refuse(a, "OBSTACLE_NOT_OPEN", "obstacle %s of need %s is already resolved", obstacle_id,
                                 c->need_id);
    return res == GFDX_APPLY_OK ? open_matching(a, c, bank) : res;
}

static gfdx_apply_result on_obstacle_resolved(gfdx_apply *a)
{
    char why[512];
    const json_t *b = a->rec->body;
    const char *obstacle_id = gfdx_rec_str(b, "obstacle_id");
    const char *code = feedback_check_text("resolution", gfdx_rec_str(b, "resolution"), why, sizeof why);
    if (!code)
        code = feedback_check_official("resolved_by", gfdx_rec_str(b, "resolved_by"), why, sizeof why);
    if (code)
        return gfdx_apply_refuse(a, code, "%s", why);
    fb_case c;
    feedback_aggregate before, after;
    bool found = false;
    gfdx_apply_result res = open_case(a, &c);
    if (res == GFDX_APPLY_OK)
        res = load_need(a, &c, &found);
    /* the need's province and branch decide; no need, nobody may: the same refusal either way */
    if (res == GFDX_APPLY_OK && (!found || !may_resolve(a, &c.need)))
        res = gfdx_apply_refuse(a, "UNAUTHORIZED_SENDER", "%s may not resolve obstacles of need %s", a->sender->id,
                                c.need_id);
    if (res == GFDX_APPLY_OK)
        res = open_obstacle(a, &c, obstacle_id);
    code = res == GFDX_APPLY_OK
               ? feedback_apply_obstacle(&c.cur, FEEDBACK_EV_OBSTACLE_RESOLVED, &c.next, why, sizeof why)
               : NULL;
    if (code)
        res = gfdx_apply_refuse(a, code, "obstacle %s: %s", obstacle_id, why);
    if (res == GFDX_APPLY_OK)
        res = feedback_store_obstacle_resolve(a, obstacle_id, gfdx_rec_str(b, "resolution"),
                                              gfdx_rec_str(b, "resolved_by"));
    if (res == GFDX_APPLY_OK)
        res = write_case(a, &c, FEEDBACK_EV_OBSTACLE_RESOLVED, NULL, obstacle_id, &before, &after);
    if (res == GFDX_APPLY_OK)
        res = emit_coordination(a, &c, obstacle_id);
    feedback_need_clear(&c.need);
    return res;
}

static const gfdx_handler handlers[] = {
    {"MatchingFeedback", "gfdx.feedback", "need_id", on_matching_feedback, NULL},
    {"ObstacleRaised", "gfdx.feedback", "need_id", on_obstacle_raised, NULL},
    {"ObstacleResolved", "gfdx.feedback", "need_id", on_obstacle_resolved, NULL},
};

static feedback_ctx the_ctx;

const gfdx_service feedback_service = {
    .name = "feedback",
    .schema = "feedback",
    .handlers = handlers,
    .handler_count = sizeof handlers / sizeof handlers[0],
    .configure = feedback_configure,
    .ctx = &the_ctx,
};
