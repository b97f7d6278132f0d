/* intake_decide.c: gfdx-intake's decisions. See intake_decide.h. Every function here is pure:
 * it reads the rowset, the record and the context, and stages rows and records; a refusal
 * leaves whatever it staged to the pipeline's undo. */
#include "intake_decide.h"

#include <errno.h>
#include <string.h>

#include "calendar.h"
#include "fault.h"
#include "intake.h"
#include "intake_fsm.h"
#include "intake_matching.h"
#include "intake_priority.h"
#include "intake_store.h"
#include "intake_validate.h"

/* ---- settings ---- */

static const char *matching_sender(const gfdx_decision *d)
{
    const intake_settings *c = d->ctx->service_ctx;
    return c && c->matching_sender ? c->matching_sender : "pboc";
}

static long long max_sequence_jump(const gfdx_decision *d)
{
    const intake_settings *c = d->ctx->service_ctx;
    return c && c->max_sequence_jump > 0 ? c->max_sequence_jump : INTAKE_MATCHING_MAX_JUMP_DEFAULT;
}

/* ---- rows ---- */

static json_t *str_or_null(const char *s) { return s ? json_string(s) : json_null(); }

/* Sets column col of *row to v (stolen). On failure (or when *row is already NULL) frees
 * both and leaves *row NULL, so that a chain of sets is checked once at its end. */
static void row_set(json_t **row, const char *col, json_t *v)
{
    if (*row && v && json_object_set_new(*row, col, v) == 0)
        return;
    if (!*row)
        json_decref(v);
    json_decref(*row);
    *row = NULL;
}

/* A row or record could not be built (called with errno cleared before building): out of
 * memory is transient, anything else permanent. */
static gfdx_verdict build_failed(gfdx_decision *d, const char *what)
{
    return gfdx_fault_decide(d, gfdx_fault_of_errno(errno, GFDX_FAULT_BAD_INPUT), what, "cannot build the row");
}

/* An intake.need_event row; takes detail. NULL when out of memory. */
static json_t *event_row(const char *need_id, const char *event_id, const char *type, const char *sender,
                         intake_status from, intake_status to, int64_t at_ms, json_t *detail)
{
    json_t *from_v = from == INTAKE_NONE ? json_null() : json_string(intake_status_name(from));
    json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s}", "need_id", need_id, "event_id", event_id, "record_type",
                            type, "sender", sender, "to_status", intake_status_name(to));
    row_set(&row, "from_status", from_v);
    row_set(&row, "occurred_at", gfdx_rows_time(at_ms));
    row_set(&row, "detail", detail);
    return row;
}

/* Appends the decided record to intake.need_event (detail: its body, and `extra`'s members
 * when not NULL; extra is borrowed). */
static gfdx_verdict append_event_with(gfdx_decision *d, const char *need_id, intake_status from, intake_status to,
                                      const json_t *extra)
{
    const gfdx_record *r = d->rec;
    errno = 0;
    json_t *detail = json_deep_copy(r->body);
    if (detail && extra && json_object_update(detail, (json_t *)extra)) {
        json_decref(detail);
        detail = NULL;
    }
    json_t *row = event_row(need_id, r->event_id, r->type, r->sender_id, from, to, r->occurred_at, detail);
    if (!row || gfdx_rows_append(d->rows, &intake_need_event_table, row))
        return build_failed(d, "need_event");
    return GFDX_DECIDE_OK;
}

static gfdx_verdict append_event(gfdx_decision *d, const char *need_id, intake_status from, intake_status to)
{
    return append_event_with(d, need_id, from, to, NULL);
}

/* Puts the new need row (stolen; NULL: it could not be built) and appends the event (extra
 * as for append_event_with). */
static gfdx_verdict stage_with(gfdx_decision *d, const char *need_id, json_t *row, intake_status from,
                               intake_status to, const json_t *extra)
{
    if (!row || gfdx_rows_put(d->rows, &intake_need_table, row))
        return build_failed(d, "need");
    return append_event_with(d, need_id, from, to, extra);
}

static gfdx_verdict stage(gfdx_decision *d, const char *need_id, json_t *row, intake_status from, intake_status to)
{
    return stage_with(d, need_id, row, from, to, NULL);
}

/* The need as loaded or changed by earlier records of the batch: *row borrowed (valid until
 * the row is put again), NULL and INTAKE_NONE when there is none. 0, or -1 with the verdict
 * set when its stored status does not parse (permanent: STORE_ERROR). */
static int need_lookup(gfdx_decision *d, const char *need_id, const json_t **row, intake_status *status)
{
    const char *k[] = {need_id};
    *row = need_id ? gfdx_rows_get(d->rows, &intake_need_table, k) : NULL;
    *status = INTAKE_NONE;
    if (*row && intake_status_parse(gfdx_rows_str(*row, "status"), status)) {
        gfdx_fault_decide(d, GFDX_FAULT_CORRUPT, "load_need", "unknown status stored in intake.need");
        return -1;
    }
    return 0;
}

/* A copy of the loaded need with status `next` and updated_at now: the new row of a change. */
static json_t *need_changed(const gfdx_decision *d, const json_t *old, intake_status next)
{
    json_t *row = json_deep_copy(old);
    row_set(&row, "status", json_string(intake_status_name(next)));
    row_set(&row, "updated_at", gfdx_rows_time(d->ctx->now_ms));
    return row;
}

/* ---- authorization and the state machine ---- */

/* Authorization is by the need's area (participants.h gfdx_auth_is_area_authority_of): its
 * project's location_region decides whose need it is: a 计划单列市's authority for a project
 * in that city, the 兵团's (xjbt) for one in a 兵团 city (6590xx), the province's otherwise.
 * The province's authority does not act on a plan city's or the 兵团's needs: they report
 * separately like provinces (seed 003, 各省、自治区、直辖市及计划单列市、新疆生产建设兵团). */

/* The sender may act on needs located at `location`: the MIIT platform, or the area's
 * authority. */
static bool may_file(const gfdx_participant *p, const char *location)
{
    return gfdx_auth_is_kind(p, GFDX_PK_MIIT) || gfdx_auth_is_area_authority_of(p, location);
}

/* The sender is the need's area authority (reviews and recommendations). */
static bool may_decide(const gfdx_participant *p, const char *location)
{
    return gfdx_auth_is_area_authority_of(p, location);
}

/* Where a stored need is located (its authority's area): location_region, or the province for
 * a row without one. NULL for no row. */
static const char *need_location(const json_t *row)
{
    const char *loc = row ? gfdx_rows_str(row, "location_region") : NULL;
    return loc ? loc : row ? gfdx_rows_str(row, "province") : NULL;
}

/* The same sentence whether the need exists, is in another province or in a final state:
 * a refusal tells a forger nothing about the need. */
static gfdx_verdict refuse_unauthorized(gfdx_decision *d, const char *what, const char *need_id)
{
    return gfdx_decide_refuse(d, "UNAUTHORIZED_SENDER", "%s (%s) may not %s need %s", d->sender->id,
                              gfdx_participant_kind_name(d->sender->kind), what, need_id ? need_id : "");
}

/* Asks the state machine; refuses ILLEGAL_TRANSITION (or UNKNOWN_NEED) when it says no. */
static gfdx_verdict transition(gfdx_decision *d, const char *need_id, intake_status cur, intake_event ev,
                               intake_status *next)
{
    if (intake_fsm_next(cur, ev, next) == 0)
        return GFDX_DECIDE_OK;
    if (cur == INTAKE_NONE)
        return gfdx_decide_refuse(d, "UNKNOWN_NEED", "need %s does not exist", need_id);
    return gfdx_decide_refuse(d, "ILLEGAL_TRANSITION", "%s is not allowed for need %s in state %s",
                              intake_event_name(ev), need_id, intake_status_name(cur));
}

/* Who may act on a need, from the one fact authorization needs: its location (NULL when the
 * need does not exist, so that only a sender allowed everywhere passes). */
typedef bool (*may_fn)(const gfdx_participant *p, const char *location);

/* Finds the need named by the record, authorizes the sender on its area before anything
 * else about it is looked at (UNAUTHORIZED_SENDER alike for a need that does not exist, is
 * in another area or in a final state), then checks the transition. */
static gfdx_verdict begin_change(gfdx_decision *d, intake_event ev, const char *what, may_fn may,
                                 const json_t **old, intake_status *cur, intake_status *next)
{
    const char *need_id = gfdx_rec_str(d->rec->body, "need_id");
    if (need_lookup(d, need_id, old, cur))
        return GFDX_DECIDE_FAILED;
    if (!may(d->sender, need_location(*old)))
        return refuse_unauthorized(d, what, need_id);
    return transition(d, need_id, *cur, ev, next);
}

/* ---- NeedSubmitted, NeedRevised ---- */

/* Fills the columns a NeedSubmitted / NeedRevised body gives into *row (NULL on failure). */
static void need_fill(json_t **row, const json_t *b, intake_status status, json_t *tags)
{
    static const char *const text[][2] = {
        {"need_id", "need_id"},           {"uscc", "factory.uscc"},
        {"factory_name", "factory.name"}, {"province", "factory.province"},
        {"city", "factory.city"},         {"district", "factory.district"},
        {"location_region", "project.location_region"}, {"green_level", "factory.green_level"},
        {"project_name", "project.name"}, {"project_kind", "project.kind"},
        {"catalogue_code", "project.catalogue_code"}};
    static const char *const amounts[][2] = {{"total_investment", "project.total_investment"},
                                             {"equity", "project.equity"},
                                             {"financing_amount", "project.financing_amount"}};
    for (size_t i = 0; i < sizeof text / sizeof text[0]; i++)
        row_set(row, text[i][0], str_or_null(gfdx_rec_str(b, text[i][1])));
    for (size_t i = 0; i < sizeof amounts / sizeof amounts[0]; i++)
        row_set(row, amounts[i][0], json_integer(gfdx_rec_int(b, amounts[i][1])));
    row_set(row, "is_major", json_boolean(gfdx_rec_bool(b, "is_major")));
    row_set(row, "snapshot", json_deep_copy(b));
    row_set(row, "status", json_string(intake_status_name(status)));
    row_set(row, "priority_tags", tags);
}

/* The new need row of a filing: a fresh row for a submission (the table's defaults spelt
 * out: nothing else of it is known yet), the stored one with the body's columns, revision + 1
 * and updated_at now for a revision. Takes tags. NULL when out of memory. */
static json_t *need_filed(const gfdx_decision *d, const json_t *old, intake_status next, json_t *tags)
{
    json_t *row = old ? json_deep_copy(old) : json_object();
    if (!old) {
        row_set(&row, "late", json_false());
        row_set(&row, "quarter_provisional", json_false());
        row_set(&row, "revision", json_integer(0));
        row_set(&row, "matching_sequence", json_integer(0));
        row_set(&row, "submitted_at", gfdx_rows_time(d->rec->occurred_at));
    } else
        row_set(&row, "revision", json_integer(gfdx_rows_int(old, "revision") + 1));
    row_set(&row, "updated_at", gfdx_rows_time(d->ctx->now_ms));
    need_fill(&row, d->rec->body, next, tags);
    return row;
}

/* NeedSubmitted and NeedRevised share validation, authorization and the new row. */
static gfdx_verdict file_need(gfdx_decision *d, intake_event ev)
{
    char why[512];
    const json_t *b = d->rec->body;
    const char *code = intake_validate_need(b, d->rec->key, why, sizeof why);
    if (code)
        return gfdx_decide_refuse(d, code, "%s", why);
    const char *need_id = gfdx_rec_str(b, "need_id"), *province = gfdx_rec_str(b, "factory.province");
    const char *what = ev == INTAKE_EV_SUBMIT ? "submit" : "revise";
    if (!may_file(d->sender, gfdx_rec_str(b, "project.location_region")))
        return refuse_unauthorized(d, what, need_id);
    const json_t *old;
    intake_status cur, next;
    if (need_lookup(d, need_id, &old, &cur))
        return GFDX_DECIDE_FAILED;
    /* an existing need: only who may act in its area may learn its state; a need that
     * does not exist may be revised by nobody but MIIT (no answer tells a forger whether an
     * id exists in another area) */
    const char *was = old ? gfdx_rows_str(old, "province") : NULL;
    if (old ? !may_file(d->sender, need_location(old)) : ev != INTAKE_EV_SUBMIT && !may_file(d->sender, NULL))
        return refuse_unauthorized(d, what, need_id);
    gfdx_verdict v = transition(d, need_id, cur, ev, &next);
    if (v != GFDX_DECIDE_OK)
        return v;
    if (old && (!was || strcmp(was, province)))
        return gfdx_decide_refuse(d, "INVALID_FIELD", "a revision may not move need %s from province %s to %s",
                                  need_id, was ? was : "", province);
    errno = 0;
    json_t *tags = intake_priority_tags(d->rows, gfdx_rec_str(b, "factory.uscc"));
    return stage(d, need_id, tags ? need_filed(d, old, next, tags) : NULL, cur, next);
}

gfdx_verdict intake_decide_submitted(gfdx_decision *d) { return file_need(d, INTAKE_EV_SUBMIT); }
gfdx_verdict intake_decide_revised(gfdx_decision *d) { return file_need(d, INTAKE_EV_REVISE); }

/* ---- NeedReviewed, NeedRecommended, NeedWithdrawn ---- */

gfdx_verdict intake_decide_reviewed(gfdx_decision *d)
{
    const json_t *b = d->rec->body;
    const char *decision = gfdx_rec_str(b, "decision");
    intake_event ev = decision && !strcmp(decision, "APPROVED")   ? INTAKE_EV_APPROVE
                      : decision && !strcmp(decision, "REJECTED") ? INTAKE_EV_REJECT
                                                                  : INTAKE_EV_RETURN;
    const json_t *old;
    intake_status cur, next;
    gfdx_verdict v = begin_change(d, ev, "review", may_decide, &old, &cur, &next);
    if (v != GFDX_DECIDE_OK)
        return v;
    errno = 0;
    json_t *row = need_changed(d, old, next);
    row_set(&row, "reviewer", str_or_null(gfdx_rec_str(b, "reviewer")));
    row_set(&row, "review_comment", str_or_null(gfdx_rec_str(b, "comment")));
    return stage(d, gfdx_rec_str(b, "need_id"), row, cur, next);
}

/* The NeedPushed record: the full need snapshot, the assigned quarter and the priority tags.
 * It holds references to parts of `need`, so it stays valid when that row is replaced. */
static json_t *need_pushed(const json_t *need, const char *need_id, const char *quarter, bool late,
                           const char *batch_id, const char *by)
{
    const json_t *snapshot = json_object_get(need, "snapshot");
    return json_pack("{s:s, s:s, s:b, s:b, s:O, s:s, s:s, s:O, s:O, s:O}", "need_id", need_id, "quarter", quarter,
                     "late", late, "is_major", json_is_true(json_object_get(need, "is_major")), "priority_tags",
                     json_object_get(need, "priority_tags"), "recommended_by", by, "batch_id", batch_id, "factory",
                     json_object_get(snapshot, "factory"), "project", json_object_get(snapshot, "project"),
                     "contact", json_object_get(snapshot, "contact"));
}

/* {"calendar": {"official": false, "uncovered_year": Y, "notice": "国务院办公厅关于Y年..."}}
 * for a quarter assigned by the provisional rule (calendar.h), NULL for an official one; a new
 * object, *failed when it could not be built. */
static json_t *calendar_note(const gfdx_calendar_basis *basis, bool *failed)
{
    char notice[128];
    *failed = false;
    if (basis->official)
        return NULL;
    json_t *note = NULL;
    if (gfdx_calendar_notice_title(basis->uncovered_year, notice, sizeof notice) == 0)
        note = json_pack("{s:{s:b, s:i, s:s}}", "calendar", "official", 0, "uncovered_year", basis->uncovered_year,
                         "notice", notice);
    *failed = note == NULL;
    return note;
}

/* The need row of a recommendation: status next, the assigned quarter and how it was decided. */
static json_t *need_recommended(const gfdx_decision *d, const json_t *old, intake_status next, const char *quarter,
                                bool late, const gfdx_calendar_basis *basis)
{
    const json_t *b = d->rec->body;
    json_t *row = need_changed(d, old, next);
    row_set(&row, "quarter", json_string(quarter));
    row_set(&row, "late", json_boolean(late));
    row_set(&row, "quarter_provisional", json_boolean(!basis->official));
    row_set(&row, "quarter_uncovered_year", basis->official ? json_null() : json_integer(basis->uncovered_year));
    row_set(&row, "requested_quarter", str_or_null(gfdx_rec_str(b, "quarter")));
    row_set(&row, "batch_id", str_or_null(gfdx_rec_str(b, "batch_id")));
    row_set(&row, "recommended_by", json_string(d->sender->id));
    return row;
}

/* The quarter (DESIGN §8, by the deadline clock; a year the calendar does not cover is decided
 * provisionally and marked so, never refused), the new row and NeedPushed for the PBoC. */
gfdx_verdict intake_decide_recommended(gfdx_decision *d)
{
    const json_t *old, *b = d->rec->body;
    intake_status cur, next;
    gfdx_verdict v = begin_change(d, INTAKE_EV_RECOMMEND, "recommend", may_decide, &old, &cur, &next);
    if (v != GFDX_DECIDE_OK)
        return v;
    const char *requested = gfdx_rec_str(b, "quarter"), *batch = gfdx_rec_str(b, "batch_id");
    const char *need_id = gfdx_rec_str(b, "need_id");
    char quarter[8], why[256];
    bool late = false, is_major = json_is_true(json_object_get(old, "is_major")), failed;
    gfdx_calendar_basis basis;
    if (gfdx_calendar_assign_quarter(d->ctx->calendar, requested, d->rec->clock.ms, is_major, quarter, &late, &basis,
                                     why, sizeof why))
        return gfdx_decide_refuse(d, "INVALID_QUARTER", "quarter \"%s\": %s", requested, why);
    errno = 0;
    json_t *pushed = need_pushed(old, need_id, quarter, late, batch, d->sender->id);
    json_t *note = calendar_note(&basis, &failed);
    if (!pushed || failed) {
        json_decref(pushed);
        return gfdx_fault_decide(d, gfdx_fault_of_errno(errno, GFDX_FAULT_BAD_INPUT), "NeedPushed",
                                 "cannot build the record");
    }
    json_t *row = need_recommended(d, old, next, quarter, late, &basis);
    v = stage_with(d, need_id, row, cur, next, note); /* old is not valid after this */
    if (v == GFDX_DECIDE_OK)
        v = gfdx_decide_emit(d, INTAKE_PUSH_TOPIC, need_id, "NeedPushed", pushed);
    json_decref(pushed);
    json_decref(note);
    return v;
}

gfdx_verdict intake_decide_withdrawn(gfdx_decision *d)
{
    const json_t *old, *b = d->rec->body;
    intake_status cur, next;
    gfdx_verdict v = begin_change(d, INTAKE_EV_WITHDRAW, "withdraw", may_file, &old, &cur, &next);
    if (v != GFDX_DECIDE_OK)
        return v;
    const char *need_id = gfdx_rec_str(b, "need_id");
    errno = 0;
    v = stage(d, need_id, need_changed(d, old, next), cur, next);
    /* Once recommended, NeedPushed is on its way to the PBoC (outbox): tell them it is withdrawn. */
    if (v != GFDX_DECIDE_OK || (cur != INTAKE_RECOMMENDED && cur != INTAKE_PUSHED))
        return v;
    errno = 0;
    json_t *w = json_pack("{s:s, s:s}", "need_id", need_id, "reason", gfdx_rec_str(b, "reason"));
    v = w ? gfdx_decide_emit(d, INTAKE_PUSH_TOPIC, need_id, "NeedPushWithdrawn", w)
          : gfdx_fault_decide(d, gfdx_fault_of_errno(errno, GFDX_FAULT_BAD_INPUT), "NeedPushWithdrawn",
                              "cannot build the record");
    json_decref(w);
    return v;
}

/* ---- NeedMatchingStatus ---- */

/* A checked status that supersedes the applied one: the outcome columns, the status kept. */
static gfdx_verdict apply_matching(gfdx_decision *d, const intake_matching_status *st, const json_t *old,
                                   intake_status cur)
{
    static const char *const cols[] = {"banks_contacted", "banks_approved", "banks_declined",   "approved_total",
                                       "disbursed_total", "open_obstacles", "matching_sequence"};
    const long long nums[] = {st->banks_contacted, st->banks_approved, st->banks_declined, st->approved_total,
                              st->disbursed_total, st->open_obstacles, st->sequence};
    errno = 0;
    json_t *row = json_deep_copy(old);
    row_set(&row, "updated_at", gfdx_rows_time(d->ctx->now_ms));
    row_set(&row, "financing_outcome", str_or_null(st->overall));
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        row_set(&row, cols[i], json_integer(nums[i]));
    return stage(d, gfdx_rec_str(d->rec->body, "need_id"), row, cur, cur);
}

/* NeedMatchingStatus (intake_matching.h): from gfdx-feedback's participant only (checked
 * before the need is looked at), validated against the need's applied sequence; one that does
 * not supersede it is kept in the history only. */
gfdx_verdict intake_decide_matching_status(gfdx_decision *d)
{
    const json_t *b = d->rec->body, *old;
    const char *need_id = gfdx_rec_str(b, "need_id"), *allowed = matching_sender(d);
    if (strcmp(d->sender->id, allowed))
        return gfdx_decide_refuse(d, "UNAUTHORIZED_SENDER", "%s may not report matching status: only %s does",
                                  d->sender->id, allowed);
    intake_matching_status st;
    intake_matching_read(b, &st);
    intake_status cur;
    if (need_lookup(d, need_id, &old, &cur))
        return GFDX_DECIDE_FAILED;
    if (!old)
        return gfdx_decide_refuse(d, "UNKNOWN_NEED", "need %s does not exist", need_id);
    long long applied = gfdx_rows_int(old, "matching_sequence");
    char why[256];
    const char *code = intake_matching_check(&st, applied, max_sequence_jump(d), why, sizeof why);
    if (code)
        return gfdx_decide_refuse(d, code, "need %s: %s", need_id, why);
    if (!intake_matching_supersedes(st.sequence, applied))
        return append_event(d, need_id, cur, cur);
    return apply_matching(d, &st, old, cur);
}

/* ---- delivery of NeedPushed ---- */

int intake_decide_delivered(gfdx_rowset *rs, const gfdx_delivery *dl, int64_t now_ms)
{
    const char *k[] = {dl->key};
    const json_t *old = gfdx_rows_get(rs, &intake_need_table, k);
    intake_status cur, next;
    if (!old || intake_status_parse(gfdx_rows_str(old, "status"), &cur) ||
        intake_fsm_next(cur, INTAKE_EV_PUSHED, &next))
        return 0;
    json_t *row = json_deep_copy(old);
    row_set(&row, "status", json_string(intake_status_name(next)));
    row_set(&row, "updated_at", gfdx_rows_time(now_ms));
    json_t *ev = event_row(dl->key, dl->event_id, dl->record_type, "gfdx-intake", cur, next, now_ms,
                           json_pack("{s:s}", "delivered_to", INTAKE_PUSH_TOPIC));
    if (!row || !ev) {
        json_decref(row);
        json_decref(ev);
        return -1;
    }
    if (gfdx_rows_put(rs, &intake_need_table, row)) {
        json_decref(ev);
        return -1;
    }
    return gfdx_rows_append(rs, &intake_need_event_table, ev) ? -1 : 1;
}
