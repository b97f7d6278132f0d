/* intake.c: gfdx-intake's handlers. Each validates, authorizes, loads the need under a row
 * lock, asks the state machine (intake_fsm) whether the transition is legal, writes the new
 * state and one intake.need_event row, and emits NeedPushed / NeedPushWithdrawn through the
 * outbox where DESIGN §6.1 says so. Refusals change nothing (the savepoint is rolled back). */
#include "intake.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "config.h"
#include "fault.h"
#include "intake_fsm.h"
#include "intake_matching.h"
#include "intake_validate.h"
#include "log.h"
#include "pgstore.h"

/* ---- settings (intake.* in the daemon's config file) ---- */

typedef struct {
    char *matching_sender; /* intake.matching_status_sender */
    int max_sequence_jump; /* intake.matching_max_sequence_jump */
} intake_settings;

/* clang-format off */
static const gfdx_cfg_setting intake_rows[] = {
    {"intake.matching_status_sender", GFDX_CFG_STRING, offsetof(intake_settings, matching_sender), "pboc", 0, 0, 0,
     false, false, false, "the participant gfdx-feedback runs as: the only sender whose NeedMatchingStatus is accepted"},
    {"intake.matching_max_sequence_jump", GFDX_CFG_INT, offsetof(intake_settings, max_sequence_jump), NULL,
     INTAKE_MATCHING_MAX_JUMP_DEFAULT, 1, 1000000000, false, false, false,
     "a NeedMatchingStatus whose sequence is more than this above the need's applied sequence is refused"},
};
/* clang-format on */
#define N_INTAKE_ROWS (sizeof intake_rows / sizeof intake_rows[0])

/* Loaded once by the configure hook (or the defaults when it never ran), read-only afterwards. */
static intake_settings the_settings;

static int intake_configure(void *ctx, const char *path, FILE *print_to, char *err, size_t errlen)
{
    intake_settings *c = ctx, s = {0};
    if (gfdx_config_load_rows(path, intake_rows, N_INTAKE_ROWS, &s, err, errlen)) {
        gfdx_config_release(intake_rows, N_INTAKE_ROWS, &s);
        return -1;
    }
    gfdx_config_release(intake_rows, N_INTAKE_ROWS, c);
    *c = s;
    if (print_to)
        gfdx_config_print_rows(print_to, intake_rows, N_INTAKE_ROWS, c);
    return 0;
}

static const char *matching_sender(const gfdx_apply *a)
{
    const intake_settings *c = a->service_ctx;
    return c && c->matching_sender ? c->matching_sender : "pboc";
}

static long long max_sequence_jump(const gfdx_apply *a)
{
    const intake_settings *c = a->service_ctx;
    return c && c->max_sequence_jump > 0 ? c->max_sequence_jump : INTAKE_MATCHING_MAX_JUMP_DEFAULT;
}

/* The need as stored, loaded FOR UPDATE. */
typedef struct {
    intake_status status;
    char province[7];
    bool is_major;
    json_t *snapshot; /* owned */
    json_t *tags;     /* owned, array of strings */
    char quarter[8];
    bool late;
    char batch_id[128], recommended_by[64];
    long long matching_sequence;
} need_row;

static void need_row_clear(need_row *n)
{
    json_decref(n->snapshot);
    json_decref(n->tags);
}

/* Fills n from row 0 of r (the columns of load_need). 0, or -1 with the verdict set. */
static int need_from_row(gfdx_apply *a, const PGresult *r, need_row *n)
{
    if (intake_status_parse(PQgetvalue(r, 0, 0), &n->status))
        return gfdx_fault_apply(a, GFDX_FAULT_CORRUPT, "load_need", "unknown status stored in intake.need"), -1;
    snprintf(n->province, sizeof n->province, "%s", PQgetvalue(r, 0, 1));
    n->is_major = PQgetvalue(r, 0, 2)[0] == 't';
    errno = 0;
    n->snapshot = json_loads(PQgetvalue(r, 0, 3), 0, NULL);
    n->tags = n->snapshot ? json_loads(PQgetvalue(r, 0, 4), 0, NULL) : NULL;
    if (!n->tags) /* jsonb text from PostgreSQL always parses: out of memory, or corrupt */
        return gfdx_fault_apply(a, gfdx_fault_of_errno(errno, GFDX_FAULT_CORRUPT), "load_need",
                                "cannot read the stored need"), -1;
    snprintf(n->quarter, sizeof n->quarter, "%s", PQgetvalue(r, 0, 5));
    n->late = PQgetvalue(r, 0, 6)[0] == 't';
    snprintf(n->batch_id, sizeof n->batch_id, "%s", PQgetvalue(r, 0, 7));
    snprintf(n->recommended_by, sizeof n->recommended_by, "%s", PQgetvalue(r, 0, 8));
    n->matching_sequence = strtoll(PQgetvalue(r, 0, 9), NULL, 10);
    return 0;
}

/* 1 found, 0 not found (n->status NONE), -1 database error (verdict set). On 1 the caller
 * owns *n (need_row_clear); on 0 and -1 there is nothing to clear. */
static int load_need(gfdx_apply *a, const char *need_id, need_row *n)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT status, province, is_major, snapshot::text, to_json(priority_tags)::text,"
             " coalesce(quarter, ''), late, coalesce(batch_id, ''), coalesce(recommended_by, ''), matching_sequence"
             " FROM %s.need WHERE need_id = $1 FOR UPDATE",
             a->schema);
    const char *p[] = {need_id};
    memset(n, 0, sizeof *n);
    PGresult *r = gfdx_apply_exec(a, sql, 1, p);
    if (!r)
        return -1;
    int found = PQntuples(r) == 1;
    if (found && need_from_row(a, r, n)) {
        need_row_clear(n);
        memset(n, 0, sizeof *n);
        found = -1;
    }
    PQclear(r);
    return found;
}

/* Appends the applied record to intake.need_event. */
static gfdx_apply_result append_event(gfdx_apply *a, const char *need_id, intake_status from, intake_status to)
{
    char sql[512], at[24];
    snprintf(sql, sizeof sql,
             "INSERT INTO %s.need_event (need_id, event_id, record_type, sender, from_status, to_status,"
             " occurred_at, detail) VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7::bigint / 1000.0), $8)",
             a->schema);
    snprintf(at, sizeof at, "%lld", (long long)a->rec->occurred_at);
    char *detail = json_dumps(a->rec->body, JSON_COMPACT);
    if (!detail)
        return gfdx_fault_apply(a, GFDX_FAULT_NO_MEMORY, "need_event", "out of memory");
    const char *p[] = {need_id, a->rec->event_id, a->rec->type, a->rec->sender_id,
                       from == INTAKE_NONE ? NULL : intake_status_name(from), intake_status_name(to), at, detail};
    PGresult *r = gfdx_apply_exec(a, sql, 8, p);
    free(detail);
    if (!r)
        return GFDX_APPLY_DB_ERROR;
    PQclear(r);
    return GFDX_APPLY_OK;
}

/* Asks the state machine; refuses ILLEGAL_TRANSITION (or UNKNOWN_NEED) when it says no. */
static gfdx_apply_result transition(gfdx_apply *a, const char *need_id, intake_status cur, intake_event ev,
                                    intake_status *next)
{
    if (intake_fsm_next(cur, ev, next) == 0)
        return GFDX_APPLY_OK;
    if (cur == INTAKE_NONE)
        return gfdx_apply_refuse(a, "UNKNOWN_NEED", "need %s does not exist", need_id);
    return gfdx_apply_refuse(a, "ILLEGAL_TRANSITION", "%s is not allowed for need %s in state %s",
                             intake_event_name(ev), need_id, intake_status_name(cur));
}

/* The sender may act on needs of `province`: the MIIT platform, or that province's authority. */
static bool may_file(const gfdx_apply *a, const char *province)
{
    return gfdx_auth_is_kind(a->sender, GFDX_PK_MIIT) || gfdx_auth_is_province_authority_of(a->sender, province);
}

/* The sender is the need's province authority (reviews and recommendations). */
static bool may_decide(const gfdx_apply *a, const char *province)
{
    return gfdx_auth_is_province_authority_of(a->sender, province);
}

/* The same sentence whether the need exists, is in another province or in a final state:
 * a refusal tells a forger nothing about the need. */
static gfdx_apply_result refuse_unauthorized(gfdx_apply *a, const char *what, const char *need_id)
{
    return gfdx_apply_refuse(a, "UNAUTHORIZED_SENDER", "%s (%s) may not %s need %s", a->sender->id,
                             gfdx_participant_kind_name(a->sender->kind), what, need_id ? need_id : "");
}

/* Priority-support tags: the kinds of current name-list entries naming this enterprise
 * (district.current_entry, the read-only contract of gfdx-namelist). None if not deployed.
 * NULL with the verdict set when a statement fails: the transaction is aborted then, so
 * nothing more may run in it (the caller returns GFDX_APPLY_DB_ERROR at once, and the
 * verdict keeps the first error's classification, e.g. a transient serialization failure). */
static json_t *priority_tags(gfdx_apply *a, const char *uscc)
{
    PGresult *r = gfdx_apply_exec(a, "SELECT to_regclass('district.current_entry') IS NOT NULL", 0, NULL);
    if (!r)
        return NULL;
    bool present = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    const char *p[] = {uscc};
    r = present ? gfdx_apply_exec(a, "SELECT DISTINCT kind FROM district.current_entry WHERE uscc = $1 ORDER BY kind",
                                  1, p)
                : NULL;
    if (present && !r)
        return NULL;
    json_t *tags = json_array();
    for (int i = 0; tags && r && i < PQntuples(r); i++)
        if (json_array_append_new(tags, json_string(PQgetvalue(r, i, 0)))) {
            json_decref(tags);
            tags = NULL;
        }
    PQclear(r);
    if (!tags)
        gfdx_fault_apply(a, GFDX_FAULT_NO_MEMORY, "priority_tags", "out of memory");
    return tags;
}

/* Columns of intake.need filled from a NeedSubmitted / NeedRevised body, in the order of
 * NEED_COLUMNS ($1..$18). Strings in `keep` are freed by the caller. */
#define NEED_COLUMNS \
    "need_id, uscc, factory_name, province, city, district, location_region, green_level, project_name," \
    " project_kind, catalogue_code, total_investment, equity, financing_amount, is_major, snapshot," \
    " status, priority_tags"
#define NEED_NPARAMS 18

static void need_params(const json_t *b, const char *status, const char *tags, const char **p, char keep[4][32],
                        char **snapshot)
{
    static const char *const text[] = {"need_id", "factory.uscc", "factory.name", "factory.province",
                                       "factory.city", "factory.district", "project.location_region",
                                       "factory.green_level", "project.name", "project.kind",
                                       "project.catalogue_code"};
    for (int i = 0; i < 11; i++)
        p[i] = gfdx_rec_str(b, text[i]);
    snprintf(keep[0], 32, "%lld", gfdx_rec_int(b, "project.total_investment"));
    snprintf(keep[1], 32, "%lld", gfdx_rec_int(b, "project.equity"));
    snprintf(keep[2], 32, "%lld", gfdx_rec_int(b, "project.financing_amount"));
    snprintf(keep[3], 32, "%s", gfdx_rec_bool(b, "is_major") ? "true" : "false");
    for (int i = 0; i < 4; i++)
        p[11 + i] = keep[i];
    *snapshot = json_dumps(b, JSON_COMPACT);
    p[15] = *snapshot;
    p[16] = status;
    p[17] = tags;
}

/* Postgres text[] literal from a JSON array of strings via a parameter: '{"a","b"}'. */
static char *pg_array(const json_t *tags)
{
    char *json = json_dumps(tags, JSON_COMPACT);
    if (!json)
        return NULL;
    size_t n = strlen(json);
    json[0] = '{';
    json[n - 1] = '}';
    return json;
}

static gfdx_apply_result write_need(gfdx_apply *a, const char *status, json_t *tags, bool insert)
{
    char sql[1024], keep[4][32], *snapshot = NULL, *tagtext = pg_array(tags);
    const char *p[NEED_NPARAMS + 1];
    need_params(a->rec->body, status, tagtext, p, keep, &snapshot);
    if (!snapshot || !tagtext) {
        free(snapshot);
        free(tagtext);
        return gfdx_fault_apply(a, GFDX_FAULT_NO_MEMORY, "write_need", "out of memory");
    }
    if (insert)
        snprintf(sql, sizeof sql,
                 "INSERT INTO %s.need (" NEED_COLUMNS ", submitted_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,"
                 "$11,$12,$13,$14,$15,$16,$17,$18, to_timestamp($19::bigint / 1000.0))",
                 a->schema);
    else
        snprintf(sql, sizeof sql,
                 "UPDATE %s.need SET (" NEED_COLUMNS ") = ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,"
                 "$16,$17,$18), revision = revision + 1, updated_at = now() WHERE need_id = $1",
                 a->schema);
    char at[24];
    snprintf(at, sizeof at, "%lld", (long long)a->rec->occurred_at);
    p[NEED_NPARAMS] = at;
    PGresult *r = gfdx_apply_exec(a, sql, insert ? NEED_NPARAMS + 1 : NEED_NPARAMS, p);
    free(snapshot);
    free(tagtext);
    if (!r)
        return GFDX_APPLY_DB_ERROR;
    PQclear(r);
    return GFDX_APPLY_OK;
}

/* NeedSubmitted and NeedRevised share validation, authorization and the write. */
static gfdx_apply_result file_need(gfdx_apply *a, intake_event ev)
{
    char why[512];
    const json_t *b = a->rec->body;
    const char *code = intake_validate_need(b, a->rec->key, why, sizeof why);
    if (code)
        return gfdx_apply_refuse(a, code, "%s", why);
    const char *need_id = gfdx_rec_str(b, "need_id"), *province = gfdx_rec_str(b, "factory.province");
    const char *what = ev == INTAKE_EV_SUBMIT ? "submit" : "revise";
    if (!may_file(a, province))
        return refuse_unauthorized(a, what, need_id);
    need_row n;
    if (load_need(a, need_id, &n) < 0)
        return GFDX_APPLY_DB_ERROR;
    intake_status next;
    /* an existing need: only who may act in its province may learn its state; a need that
     * does not exist may be revised by nobody but MIIT (no answer tells a forger whether an
     * id exists in another province) */
    bool may = n.status != INTAKE_NONE ? may_file(a, n.province) : ev == INTAKE_EV_SUBMIT || may_file(a, NULL);
    gfdx_apply_result res = may ? GFDX_APPLY_OK : refuse_unauthorized(a, what, need_id);
    if (res == GFDX_APPLY_OK)
        res = transition(a, need_id, n.status, ev, &next);
    if (res == GFDX_APPLY_OK && n.status != INTAKE_NONE && strcmp(n.province, province))
        res = gfdx_apply_refuse(a, "INVALID_FIELD", "a revision may not move need %s from province %s to %s",
                                need_id, n.province, province);
    json_t *tags = res == GFDX_APPLY_OK ? priority_tags(a, gfdx_rec_str(b, "factory.uscc")) : NULL;
    if (res == GFDX_APPLY_OK && !tags)
        res = GFDX_APPLY_DB_ERROR; /* verdict set by priority_tags */
    if (res == GFDX_APPLY_OK)
        res = write_need(a, intake_status_name(next), tags, n.status == INTAKE_NONE);
    if (res == GFDX_APPLY_OK)
        res = append_event(a, need_id, n.status, next);
    json_decref(tags);
    need_row_clear(&n);
    return res;
}

static gfdx_apply_result on_submitted(gfdx_apply *a) { return file_need(a, INTAKE_EV_SUBMIT); }
static gfdx_apply_result on_revised(gfdx_apply *a) { return file_need(a, INTAKE_EV_REVISE); }

/* Who may act on a need, from the one fact authorization needs: its province (NULL when the
 * need does not exist, so that only a sender allowed everywhere passes). */
typedef bool (*may_fn)(const gfdx_apply *a, const char *province);

/* Loads the need named by the record, authorizes the sender on its province before anything
 * else about it is looked at (UNAUTHORIZED_SENDER alike for a need that does not exist, is
 * in another province or in a final state), then checks the transition. On OK the caller
 * owns *n. */
static gfdx_apply_result begin_change(gfdx_apply *a, intake_event ev, const char *what, may_fn may, need_row *n,
                                      intake_status *next)
{
    const char *need_id = gfdx_rec_str(a->rec->body, "need_id");
    int found = load_need(a, need_id, n);
    if (found < 0)
        return GFDX_APPLY_DB_ERROR;
    gfdx_apply_result res = may(a, found ? n->province : NULL) ? transition(a, need_id, n->status, ev, next)
                                                               : refuse_unauthorized(a, what, need_id);
    if (res != GFDX_APPLY_OK)
        need_row_clear(n);
    return res;
}

/* Runs an UPDATE of intake.need for the record's need with extra parameters $2... (extra_where
 * narrows it further, "" for none); appends the event either way. */
static gfdx_apply_result update_need(gfdx_apply *a, const char *set_clause, const char *extra_where,
                                     const char **extra, int nextra, intake_status from, intake_status to)
{
    char sql[1024];
    const char *p[12];
    snprintf(sql, sizeof sql, "UPDATE %s.need SET %s, updated_at = now() WHERE need_id = $1%s", a->schema,
             set_clause, extra_where);
    p[0] = gfdx_rec_str(a->rec->body, "need_id");
    for (int i = 0; i < nextra; i++)
        p[1 + i] = extra[i];
    PGresult *r = gfdx_apply_exec(a, sql, 1 + nextra, p);
    if (!r)
        return GFDX_APPLY_DB_ERROR;
    PQclear(r);
    return append_event(a, p[0], from, to);
}

static gfdx_apply_result on_reviewed(gfdx_apply *a)
{
    const char *decision = gfdx_rec_str(a->rec->body, "decision");
    intake_event ev = !strcmp(decision, "APPROVED") ? INTAKE_EV_APPROVE
                      : !strcmp(decision, "REJECTED") ? INTAKE_EV_REJECT : INTAKE_EV_RETURN;
    need_row n;
    intake_status next;
    gfdx_apply_result res = begin_change(a, ev, "review", may_decide, &n, &next);
    if (res != GFDX_APPLY_OK)
        return res;
    const char *extra[] = {intake_status_name(next), gfdx_rec_str(a->rec->body, "reviewer"),
                           gfdx_rec_str(a->rec->body, "comment")};
    if (res == GFDX_APPLY_OK)
        res = update_need(a, "status = $2, reviewer = $3, review_comment = $4", "", extra, 3, n.status, next);
    need_row_clear(&n);
    return res;
}

/* The NeedPushed record: the full need snapshot, the assigned quarter and the priority tags. */
static json_t *need_pushed(const need_row *n, const char *need_id, const char *quarter, bool late,
                           const char *batch_id, const char *by)
{
    return json_pack("{s:s, s:s, s:b, s:b, s:O, s:s, s:s, s:O, s:O, s:O}", "need_id", need_id, "quarter", quarter,
                     "late", late, "is_major", n->is_major, "priority_tags", n->tags, "recommended_by", by,
                     "batch_id", batch_id, "factory", json_object_get(n->snapshot, "factory"), "project",
                     json_object_get(n->snapshot, "project"), "contact", json_object_get(n->snapshot, "contact"));
}

static gfdx_apply_result on_recommended(gfdx_apply *a)
{
    need_row n;
    intake_status next;
    gfdx_apply_result res = begin_change(a, INTAKE_EV_RECOMMEND, "recommend", may_decide, &n, &next);
    if (res != GFDX_APPLY_OK)
        return res;
    const char *requested = gfdx_rec_str(a->rec->body, "quarter"), *batch = gfdx_rec_str(a->rec->body, "batch_id");
    char quarter[8], why[256];
    bool late = false;
    if (gfdx_calendar_assign_quarter(a->calendar, requested, a->rec->clock.ms, n.is_major, quarter, &late,
                                          why, sizeof why))
        res = gfdx_apply_refuse(a, "INVALID_QUARTER", "quarter \"%s\": %s", requested, why);
    const char *extra[] = {intake_status_name(next), quarter, late ? "true" : "false", requested, batch, a->sender->id};
    if (res == GFDX_APPLY_OK)
        res = update_need(a, "status = $2, quarter = $3, late = $4, requested_quarter = $5, batch_id = $6,"
                             " recommended_by = $7", "", extra, 6, n.status, next);
    const char *need_id = gfdx_rec_str(a->rec->body, "need_id");
    errno = 0;
    json_t *pushed = res == GFDX_APPLY_OK ? need_pushed(&n, need_id, quarter, late, batch, a->sender->id) : NULL;
    if (res == GFDX_APPLY_OK)
        res = pushed ? gfdx_apply_emit(a, INTAKE_PUSH_TOPIC, need_id, "NeedPushed", pushed)
                     : gfdx_fault_apply(a, gfdx_fault_of_errno(errno, GFDX_FAULT_BAD_INPUT), "NeedPushed",
                                        "cannot build the record");
    json_decref(pushed);
    need_row_clear(&n);
    return res;
}

static gfdx_apply_result on_withdrawn(gfdx_apply *a)
{
    need_row n;
    intake_status next;
    gfdx_apply_result res = begin_change(a, INTAKE_EV_WITHDRAW, "withdraw", may_file, &n, &next);
    if (res != GFDX_APPLY_OK)
        return res;
    const char *extra[] = {intake_status_name(next)};
    if (res == GFDX_APPLY_OK)
        res = update_need(a, "status = $2", "", extra, 1, n.status, next);
    /* Once recommended, NeedPushed is on its way to the PBoC (outbox): tell them it is withdrawn. */
    if (res == GFDX_APPLY_OK && (n.status == INTAKE_RECOMMENDED || n.status == INTAKE_PUSHED)) {
        const char *need_id = gfdx_rec_str(a->rec->body, "need_id");
        errno = 0;
        json_t *w = json_pack("{s:s, s:s}", "need_id", need_id, "reason", gfdx_rec_str(a->rec->body, "reason"));
        res = w ? gfdx_apply_emit(a, INTAKE_PUSH_TOPIC, need_id, "NeedPushWithdrawn", w)
                : gfdx_fault_apply(a, gfdx_fault_of_errno(errno, GFDX_FAULT_BAD_INPUT), "NeedPushWithdrawn",
                                   "cannot build the record");
        json_decref(w);
    }
    need_row_clear(&n);
    return res;
}

/* Writes a checked status: the outcome when it supersedes the applied one, the history always. */
static gfdx_apply_result apply_matching(gfdx_apply *a, const intake_matching_status *st, const need_row *n)
{
    if (!intake_matching_supersedes(st->sequence, n->matching_sequence))
        return append_event(a, gfdx_rec_str(a->rec->body, "need_id"), n->status, n->status);
    char v[7][24];
    const long long nums[] = {st->banks_contacted, st->banks_approved, st->banks_declined, st->approved_total,
                              st->disbursed_total, st->open_obstacles, st->sequence};
    const char *extra[8] = {st->overall};
    for (int i = 0; i < 7; i++) {
        snprintf(v[i], sizeof v[i], "%lld", nums[i]);
        extra[1 + i] = v[i];
    }
    return update_need(a, "financing_outcome = $2, banks_contacted = $3, banks_approved = $4,"
                          " banks_declined = $5, approved_total = $6, disbursed_total = $7,"
                          " open_obstacles = $8, matching_sequence = $9",
                       "", extra, 8, n->status, n->status);
}

/* NeedMatchingStatus (intake_matching.h): from gfdx-feedback's participant only (checked
 * before the need is looked at), validated against the need's applied sequence. */
static gfdx_apply_result on_matching_status(gfdx_apply *a)
{
    const json_t *b = a->rec->body;
    const char *need_id = gfdx_rec_str(b, "need_id"), *allowed = matching_sender(a);
    if (strcmp(a->sender->id, allowed))
        return gfdx_apply_refuse(a, "UNAUTHORIZED_SENDER", "%s may not report matching status: only %s does",
                                 a->sender->id, allowed);
    intake_matching_status st;
    intake_matching_read(b, &st);
    need_row n;
    int found = load_need(a, need_id, &n);
    if (found <= 0)
        return found < 0 ? GFDX_APPLY_DB_ERROR : gfdx_apply_refuse(a, "UNKNOWN_NEED", "need %s does not exist", need_id);
    char why[256];
    const char *code = intake_matching_check(&st, n.matching_sequence, max_sequence_jump(a), why, sizeof why);
    gfdx_apply_result res = code ? gfdx_apply_refuse(a, code, "need %s: %s", need_id, why) : apply_matching(a, &st, &n);
    need_row_clear(&n);
    return res;
}

/* Outbox hook: NeedPushed delivered to Kafka -> RECOMMENDED becomes PUSHED, in the relay's
 * transaction under a savepoint. The failure is classified by the one rule (fault.h): a
 * transient one returns -1 (the relay rolls the round back and retries it); a permanent one
 * is undone (the record was delivered all the same), logged as an error, and returns 0, so
 * that the row is marked published and never re-sent forever. The need then stays
 * RECOMMENDED until an operator looks. */
static int on_published(void *ctx, PGconn *db, const char *qschema, const char *record_type, const char *key,
                        const char *event_id, char *err, size_t errlen)
{
    (void)ctx;
    if (strcmp(record_type, "NeedPushed"))
        return 0;
    char sql[768];
    snprintf(sql, sizeof sql,
             "WITH moved AS (UPDATE %s.need SET status = 'PUSHED', updated_at = now()"
             " WHERE need_id = $1 AND status = 'RECOMMENDED' RETURNING need_id)"
             " INSERT INTO %s.need_event (need_id, event_id, record_type, sender, from_status, to_status,"
             " occurred_at, detail) SELECT need_id, $2, 'NeedPushed', 'gfdx-intake', 'RECOMMENDED', 'PUSHED', now(),"
             " jsonb_build_object('delivered_to', $3::text) FROM moved",
             qschema, qschema);
    const char *p[] = {key, event_id, INTAKE_PUSH_TOPIC};
    char why[512];
    bool transient = false;
    if (gfdx_pg_run(db, "SAVEPOINT gfdx_published", 0, NULL, err, errlen, &transient))
        return -1;
    if (gfdx_pg_run(db, sql, 3, p, why, sizeof why, &transient) == 0)
        return gfdx_pg_run(db, "RELEASE SAVEPOINT gfdx_published", 0, NULL, err, errlen, &transient);
    snprintf(err, errlen, "marking %s pushed: %s", key, why);
    if (transient || gfdx_pg_run(db, "ROLLBACK TO SAVEPOINT gfdx_published", 0, NULL, why, sizeof why, &transient))
        return -1;
    GFDX_ERROR("NeedPushed %s delivered, but marking need %s PUSHED failed permanently (it stays RECOMMENDED): %s",
               event_id, key, err);
    return 0;
}

static const gfdx_handler handlers[] = {
    {"NeedSubmitted", "gfdx.needs", "need_id", on_submitted, NULL},
    {"NeedRevised", "gfdx.needs", "need_id", on_revised, NULL},
    {"NeedReviewed", "gfdx.needs", "need_id", on_reviewed, NULL},
    {"NeedRecommended", "gfdx.needs", "need_id", on_recommended, NULL},
    {"NeedWithdrawn", "gfdx.needs", "need_id", on_withdrawn, NULL},
    {"NeedMatchingStatus", "gfdx.matching-status", "need_id", on_matching_status, NULL},
};

const gfdx_service intake_service = {
    .name = "intake",
    .schema = "intake",
    .handlers = handlers,
    .handler_count = sizeof handlers / sizeof handlers[0],
    .on_published = on_published,
    .configure = intake_configure,
    .ctx = &the_settings,
};
