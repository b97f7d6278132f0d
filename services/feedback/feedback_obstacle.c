/* feedback_obstacle.c: the obstacle's state machine and its steps. See feedback_obstacle.h. */
#include "feedback_obstacle.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fault.h"
#include "feedback_decide.h"
#include "feedback_rules.h"
#include "feedback_store.h"

/* clang-format off */
const gfdx_table feedback_obstacle_event_table = {
    .name = "obstacle_event", .kind = GFDX_TABLE_HISTORY,
    .columns = "obstacle_id, need_id, event_id, record_type, sender, from_status, to_status, text, occurred_at",
};
/* clang-format on */

/* ---- the state machine ---- */

static const char *const status_names[FEEDBACK_OBS_STATUS_COUNT] = {"OPEN", "ACKNOWLEDGED", "RESOLVED", "CLOSED"};
static const char *const event_names[FEEDBACK_OBS_EVENT_COUNT] = {"ACKNOWLEDGE", "RESOLVE", "CONFIRM", "REOPEN"};

#define NO_STEP (-1)

/* next[status][event]: the status a legal step leads to, NO_STEP for an illegal one. */
static const int next_of[FEEDBACK_OBS_STATUS_COUNT][FEEDBACK_OBS_EVENT_COUNT] = {
    /*                 ACKNOWLEDGE            RESOLVE               CONFIRM              REOPEN */
    [FEEDBACK_OBS_OPEN] = {FEEDBACK_OBS_ACKNOWLEDGED, FEEDBACK_OBS_RESOLVED, NO_STEP, NO_STEP},
    [FEEDBACK_OBS_ACKNOWLEDGED] = {NO_STEP, FEEDBACK_OBS_RESOLVED, NO_STEP, NO_STEP},
    [FEEDBACK_OBS_RESOLVED] = {NO_STEP, NO_STEP, FEEDBACK_OBS_CLOSED, FEEDBACK_OBS_OPEN},
    [FEEDBACK_OBS_CLOSED] = {NO_STEP, NO_STEP, NO_STEP, NO_STEP},
};

const char *feedback_obstacle_status_name(feedback_obstacle_status st)
{
    return (unsigned)st < FEEDBACK_OBS_STATUS_COUNT ? status_names[st] : "UNKNOWN";
}

int feedback_obstacle_status_parse(const char *name, feedback_obstacle_status *out)
{
    for (int i = 0; name && i < FEEDBACK_OBS_STATUS_COUNT; i++)
        if (!strcmp(name, status_names[i])) {
            *out = (feedback_obstacle_status)i;
            return 0;
        }
    return -1;
}

const char *feedback_obstacle_event_name(feedback_obstacle_event ev)
{
    return (unsigned)ev < FEEDBACK_OBS_EVENT_COUNT ? event_names[ev] : "UNKNOWN";
}

int feedback_obstacle_fsm_next(feedback_obstacle_status cur, feedback_obstacle_event ev,
                               feedback_obstacle_status *next)
{
    if ((unsigned)cur >= FEEDBACK_OBS_STATUS_COUNT || (unsigned)ev >= FEEDBACK_OBS_EVENT_COUNT || !next ||
        next_of[cur][ev] == NO_STEP)
        return -1;
    *next = (feedback_obstacle_status)next_of[cur][ev];
    return 0;
}

bool feedback_obstacle_is_open(feedback_obstacle_status st)
{
    return st == FEEDBACK_OBS_OPEN || st == FEEDBACK_OBS_ACKNOWLEDGED;
}

const char *feedback_obstacle_refusal(feedback_obstacle_event ev)
{
    return ev == FEEDBACK_OBS_EV_CONFIRM || ev == FEEDBACK_OBS_EV_REOPEN ? "OBSTACLE_NOT_RESOLVED"
                                                                         : "OBSTACLE_NOT_OPEN";
}

/* ---- shared by the steps ---- */

static json_t *text_or_null(const char *s) { return s && *s ? json_string(s) : json_null(); }

static gfdx_verdict build_failed(gfdx_decision *d, const char *what)
{
    return gfdx_fault_decide(d, gfdx_fault_of_errno(errno, GFDX_FAULT_BAD_INPUT), what, "cannot build the row");
}

gfdx_verdict feedback_obstacle_log(gfdx_decision *d, const char *obstacle_id, const char *need_id, const char *from,
                                   const char *to, const char *text)
{
    const gfdx_record *r = d->rec;
    errno = 0;
    json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:o}", "obstacle_id", obstacle_id, "need_id",
                            need_id, "event_id", r->event_id, "record_type", r->type, "sender", r->sender_id,
                            "from_status", text_or_null(from), "to_status", to, "text", text_or_null(text),
                            "occurred_at", gfdx_rows_time(r->occurred_at));
    if (!row)
        return build_failed(d, "feedback.obstacle_event");
    return gfdx_rows_append(d->rows, &feedback_obstacle_event_table, row)
               ? gfdx_fault_decide(d, GFDX_FAULT_NO_MEMORY, "feedback.obstacle_event", "out of memory")
               : GFDX_DECIDE_OK;
}

gfdx_verdict feedback_obstacle_check(gfdx_decision *d, const json_t *obstacle, feedback_obstacle_event ev,
                                     feedback_obstacle_status *next)
{
    feedback_obstacle_status cur;
    const char *stored = gfdx_rows_str(obstacle, "status");
    if (feedback_obstacle_status_parse(stored, &cur))
        return gfdx_fault_decide(d, GFDX_FAULT_CORRUPT, "feedback.obstacle", "unknown status stored");
    bool done = cur == FEEDBACK_OBS_RESOLVED || cur == FEEDBACK_OBS_CLOSED;
    if (feedback_obstacle_fsm_next(cur, ev, next))
        return gfdx_decide_refuse(d, feedback_obstacle_refusal(ev), "obstacle %s is %s%s: cannot %s it",
                                  gfdx_rows_str(obstacle, "obstacle_id"), done ? "already resolved, " : "", stored,
                                  feedback_obstacle_event_name(ev));
    return GFDX_DECIDE_OK;
}

/* The record's obstacle of its need, or NULL when there is none (or it is another need's). */
static const json_t *obstacle_of(const gfdx_decision *d, const char *need_id)
{
    const char *id = gfdx_rec_str(d->rec->body, "obstacle_id");
    const char *k[] = {id ? id : ""};
    const json_t *o = gfdx_rows_get(d->rows, &feedback_obstacle_table, k);
    const char *need = gfdx_rows_str(o, "need_id");
    return need && !strcmp(need, need_id) ? o : NULL;
}

static gfdx_verdict refuse_unknown(gfdx_decision *d, const char *need_id)
{
    const char *id = gfdx_rec_str(d->rec->body, "obstacle_id");
    return gfdx_decide_refuse(d, "UNKNOWN_OBSTACLE", "need %s has no obstacle %s", need_id, id ? id : "");
}

/* A copy of the obstacle with status `to` and the record's optional text fields applied by
 * apply (NULL: none); put, then logged. */
typedef int (*obstacle_edit_fn)(json_t *row, const gfdx_decision *d);

static gfdx_verdict step(gfdx_decision *d, const json_t *o, feedback_obstacle_status to, obstacle_edit_fn edit,
                         const char *text)
{
    const char *id = gfdx_rows_str(o, "obstacle_id"), *need = gfdx_rows_str(o, "need_id");
    gfdx_verdict v = feedback_obstacle_log(d, id, need, gfdx_rows_str(o, "status"),
                                           feedback_obstacle_status_name(to), text);
    if (v != GFDX_DECIDE_OK)
        return v; /* o is still valid: nothing was put yet */
    errno = 0;
    json_t *row = json_deep_copy(o);
    int bad = !row || json_object_set_new(row, "status", json_string(feedback_obstacle_status_name(to)));
    if (!bad && edit)
        bad = edit(row, d);
    if (bad) {
        json_decref(row);
        return build_failed(d, "feedback.obstacle");
    }
    return gfdx_rows_put(d->rows, &feedback_obstacle_table, row)
               ? gfdx_fault_decide(d, GFDX_FAULT_NO_MEMORY, "feedback.obstacle", "out of memory")
               : GFDX_DECIDE_OK;
}

/* ---- ObstacleAcknowledged ---- */

static int edit_acknowledged(json_t *row, const gfdx_decision *d)
{
    int bad = json_object_set_new(row, "acknowledged_by", json_string(d->rec->sender_id));
    bad |= json_object_set_new(row, "acknowledged_by_official",
                               text_or_null(gfdx_rec_str(d->rec->body, "acknowledged_by")));
    return bad | json_object_set_new(row, "acknowledged_at", gfdx_rows_time(d->rec->occurred_at));
}

/* The pure checks of an ObstacleAcknowledged: optional comment and official name. */
static const char *check_acknowledgement(const json_t *b, char *why, size_t whylen)
{
    const char *comment = gfdx_rec_str(b, "comment");
    const char *code = comment ? feedback_check_text("comment", comment, why, whylen) : NULL;
    return code ? code : feedback_check_official("acknowledged_by", gfdx_rec_str(b, "acknowledged_by"), why, whylen);
}

gfdx_verdict feedback_decide_obstacle_acknowledged(gfdx_decision *d)
{
    char why[512];
    feedback_need n;
    const char *code = check_acknowledgement(d->rec->body, why, sizeof why);
    if (code)
        return gfdx_decide_refuse(d, code, "%s", why);
    const char *need_id = gfdx_rec_str(d->rec->body, "need_id");
    need_id = need_id ? need_id : "";
    const char *k[] = {need_id};
    const json_t *need = gfdx_rows_get(d->rows, &feedback_pboc_need_table, k);
    if (need && feedback_store_need_of(need, &n))
        return gfdx_fault_decide(d, GFDX_FAULT_CORRUPT, "pboc.need", "a column the rules read is missing");
    if (!need || !feedback_may_coordinate(d->sender, &n)) /* the same answer whether the need exists */
        return gfdx_decide_refuse(d, "UNAUTHORIZED_SENDER", "%s may not acknowledge obstacles of need %s",
                                  d->sender->id, need_id);
    const json_t *o = obstacle_of(d, need_id);
    feedback_obstacle_status next;
    gfdx_verdict v = o ? feedback_obstacle_check(d, o, FEEDBACK_OBS_EV_ACKNOWLEDGE, &next) : refuse_unknown(d, need_id);
    return v == GFDX_DECIDE_OK ? step(d, o, next, edit_acknowledged, gfdx_rec_str(d->rec->body, "comment")) : v;
}

/* ---- ObstacleConfirmed, ObstacleReopened: the bank that raised it ---- */

/* The sender is a bank the need was dispatched to (authorization, before the obstacle is
 * looked at), and the obstacle is one it raised (else UNKNOWN_OBSTACLE, as a missing one). */
static gfdx_verdict open_own_obstacle(gfdx_decision *d, const char *need_id, const json_t **o, const char *what)
{
    feedback_dispatch disp;
    const char *k[] = {need_id, d->sender->id};
    if (!gfdx_auth_is_kind(d->sender, GFDX_PK_BANK))
        return gfdx_decide_refuse(d, "UNAUTHORIZED_SENDER", "%s (%s) is not a bank and may not %s", d->sender->id,
                                  gfdx_participant_kind_name(d->sender->kind), what);
    if (feedback_store_dispatch_of(gfdx_rows_get(d->rows, &feedback_pboc_dispatch_table, k), &disp))
        return gfdx_fault_decide(d, GFDX_FAULT_CORRUPT, "pboc.dispatch", "unknown dispatch status");
    if (disp == FEEDBACK_DISPATCH_NONE)
        return gfdx_decide_refuse(d, "UNAUTHORIZED_SENDER", "%s may not %s on need %s: it was not dispatched to it",
                                  d->sender->id, what, need_id);
    *o = obstacle_of(d, need_id);
    const char *bank = gfdx_rows_str(*o, "bank_id");
    if (!bank || strcmp(bank, d->sender->id))
        return refuse_unknown(d, need_id);
    return GFDX_DECIDE_OK;
}

static int edit_closed(json_t *row, const gfdx_decision *d)
{
    return json_object_set_new(row, "closed_at", gfdx_rows_time(d->rec->occurred_at));
}

gfdx_verdict feedback_decide_obstacle_confirmed(gfdx_decision *d)
{
    char why[512];
    const char *comment = gfdx_rec_str(d->rec->body, "comment");
    const char *code = comment ? feedback_check_text("comment", comment, why, sizeof why) : NULL;
    if (code)
        return gfdx_decide_refuse(d, code, "%s", why);
    const char *need_id = gfdx_rec_str(d->rec->body, "need_id");
    const json_t *o = NULL;
    feedback_obstacle_status next;
    need_id = need_id ? need_id : "";
    gfdx_verdict v = open_own_obstacle(d, need_id, &o, "confirm a resolution");
    if (v == GFDX_DECIDE_OK)
        v = feedback_obstacle_check(d, o, FEEDBACK_OBS_EV_CONFIRM, &next);
    return v == GFDX_DECIDE_OK ? step(d, o, next, edit_closed, comment) : v;
}

/* A reopened obstacle is open again: its resolution moves to the history. */
static int edit_reopened(json_t *row, const gfdx_decision *d)
{
    static const char *const cleared[] = {"resolved_by", "resolved_by_official", "resolution", "resolved_at",
                                          "resolved_event_id"};
    int bad = 0;
    for (size_t i = 0; i < sizeof cleared / sizeof cleared[0]; i++)
        bad |= json_object_set_new(row, cleared[i], json_null());
    return bad | json_object_set_new(row, "reopened_at", gfdx_rows_time(d->rec->occurred_at));
}

gfdx_verdict feedback_decide_obstacle_reopened(gfdx_decision *d)
{
    char why[512];
    const char *reason = gfdx_rec_str(d->rec->body, "reason");
    const char *code = feedback_check_text("reason", reason, why, sizeof why);
    if (code)
        return gfdx_decide_refuse(d, code, "%s", why);
    const char *need_id = gfdx_rec_str(d->rec->body, "need_id");
    const json_t *o = NULL;
    feedback_obstacle_status next;
    need_id = need_id ? need_id : "";
    gfdx_verdict v = open_own_obstacle(d, need_id, &o, "reopen an obstacle");
    if (v == GFDX_DECIDE_OK)
        v = feedback_obstacle_check(d, o, FEEDBACK_OBS_EV_REOPEN, &next);
    char id[128];
    snprintf(id, sizeof id, "%s", v == GFDX_DECIDE_OK ? gfdx_rows_str(o, "obstacle_id") : "");
    if (v == GFDX_DECIDE_OK)
        v = step(d, o, next, edit_reopened, reason); /* o is replaced: id was copied */
    if (v == GFDX_DECIDE_OK) /* open again: the bank's matching and the need follow */
        v = feedback_decide_obstacle_effects(d, id, d->sender->id, FEEDBACK_EV_OBSTACLE_RAISED);
    return v;
}
