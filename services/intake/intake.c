/* intake.c: gfdx-intake's handlers. Each validates, authorizes, loads the need under a row
 * lock, asks the state machine (intake_fsm) whether the transition is legal, writes the new
 * state and one intake.need_event row, and emits NeedPushed / NeedPushWithdrawn through the
 * outbox where DESIGN §6.1 says so. Refusals change nothing (the savepoint is rolled back). */
#include "intake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "intake_fsm.h"
#include "intake_validate.h"

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
} need_row;

static void need_row_clear(need_row *n)
{
    json_decref(n->snapshot);
    json_decref(n->tags);
}

/* 1 found, 0 not found (n->status NONE), -1 database error (verdict set). */
static int load_need(gfdx_apply *a, const char *need_id, need_row *n)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT status, province, is_major, snapshot::text, to_json(priority_tags)::text,"
             " coalesce(quarter, ''), late, coalesce(batch_id, ''), coalesce(recommended_by, '')"
             " FROM %s.need WHERE need_id = $1 FOR UPDATE",
             a->schema);
    const char *p[] = {need_id};
    memset(n, 0, sizeof *n);
    PGresult *r = gfdx_apply_exec(a, sql, 1, p);
    if (!r)
        return -1;
    int found = PQntuples(r) == 1;
    if (found && intake_status_parse(PQgetvalue(r, 0, 0), &n->status)) {
        gfdx_apply_db_error(a, "load_need", "unknown status stored in intake.need", false);
        PQclear(r);
        return -1;
    }
    if (found) {
        snprintf(n->province, sizeof n->province, "%s", PQgetvalue(r, 0, 1));
        n->is_major = PQgetvalue(r, 0, 2)[0] == 't';
        n->snapshot = json_loads(PQgetvalue(r, 0, 3), 0, NULL);
        n->tags = json_loads(PQgetvalue(r, 0, 4), 0, NULL);
        snprintf(n->quarter, sizeof n->quarter, "%s", PQgetvalue(r, 0, 5));
        n->late = PQgetvalue(r, 0, 6)[0] == 't';
        snprintf(n->batch_id, sizeof n->batch_id, "%s", PQgetvalue(r, 0, 7));
        snprintf(n->recommended_by, sizeof n->recommended_by, "%s", PQgetvalue(r, 0, 8));
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

static gfdx_apply_result refuse_unauthorized(gfdx_apply *a, const char *what, const char *province)
{
    return gfdx_apply_refuse(a, "UNAUTHORIZED_SENDER", "%s (%s) may not %s a need of province %s",
                             a->sender->id, gfdx_participant_kind_name(a->sender->kind), what, province);
}

/* Priority-support tags: the kinds of current name-list entries naming this enterprise
 * (district.current_entry, the read-only contract of gfdx-namelist). None if not deployed. */
static json_t *priority_tags(gfdx_apply *a, const char *uscc)
{
    json_t *tags = json_array();
    PGresult *r = gfdx_apply_exec(a, "SELECT to_regclass('district.current_entry') IS NOT NULL", 0, NULL);
    bool present = r && PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (!present)
        return tags;
    const char *p[] = {uscc};
    r = gfdx_apply_exec(a, "SELECT DISTINCT kind FROM district.current_entry WHERE uscc = $1 ORDER BY kind", 1, p);
    for (int i = 0; r && i < PQntuples(r); i++)
        json_array_append_new(tags, json_string(PQgetvalue(r, i, 0)));
    PQclear(r);
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
    if (!may_file(a, province))
        return refuse_unauthorized(a, ev == INTAKE_EV_SUBMIT ? "submit" : "revise", province);
    need_row n;
    if (load_need(a, need_id, &n) < 0)
        return GFDX_APPLY_DB_ERROR;
    intake_status next;
    gfdx_apply_result res = transition(a, need_id, n.status, ev, &next);
    if (res == GFDX_APPLY_OK && n.status != INTAKE_NONE && strcmp(n.province, province))
        res = gfdx_apply_refuse(a, "INVALID_FIELD", "a revision may not move need %s from province %s to %s",
                                need_id, n.province, province);
    json_t *tags = res == GFDX_APPLY_OK ? priority_tags(a, gfdx_rec_str(b, "factory.uscc")) : NULL;
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

/* Loads the need named by the record and checks the transition; on OK the caller owns *n. */
static gfdx_apply_result begin_change(gfdx_apply *a, intake_event ev, need_row *n, intake_status *next)
{
    const char *need_id = gfdx_rec_str(a->rec->body, "need_id");
    int found = load_need(a, need_id, n);
    if (found < 0)
        return GFDX_APPLY_DB_ERROR;
    gfdx_apply_result res = transition(a, need_id, n->status, ev, next);
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
    gfdx_apply_result res = begin_change(a, ev, &n, &next);
    if (res != GFDX_APPLY_OK)
        return res;
    if (!gfdx_auth_is_province_authority_of(a->sender, n.province))
        res = refuse_unauthorized(a, "review", n.province);
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
    gfdx_apply_result res = begin_change(a, INTAKE_EV_RECOMMEND, &n, &next);
    if (res != GFDX_APPLY_OK)
        return res;
    const char *requested = gfdx_rec_str(a->rec->body, "quarter"), *batch = gfdx_rec_str(a->rec->body, "batch_id");
    char quarter[8], why[256];
    bool late = false;
    if (!gfdx_auth_is_province_authority_of(a->sender, n.province))
        res = refuse_unauthorized(a, "recommend", n.province);
    else if (gfdx_calendar_assign_quarter(a->calendar, requested, a->rec->occurred_at, n.is_major, quarter, &late,
                                          why, sizeof why))
        res = gfdx_apply_refuse(a, "INVALID_QUARTER", "quarter \"%s\": %s", requested, why);
    const char *extra[] = {intake_status_name(next), quarter, late ? "true" : "false", requested, batch, a->sender->id};
    if (res == GFDX_APPLY_OK)
        res = update_need(a, "status = $2, quarter = $3, late = $4, requested_quarter = $5, batch_id = $6,"
                             " recommended_by = $7", "", extra, 6, n.status, next);
    const char *need_id = gfdx_rec_str(a->rec->body, "need_id");
    json_t *pushed = res == GFDX_APPLY_OK ? need_pushed(&n, need_id, quarter, late, batch, a->sender->id) : NULL;
    if (res == GFDX_APPLY_OK)
        res = pushed ? gfdx_apply_emit(a, INTAKE_PUSH_TOPIC, need_id, "NeedPushed", pushed)
                     : gfdx_apply_db_error(a, "NeedPushed", "cannot build the record", false);
    json_decref(pushed);
    need_row_clear(&n);
    return res;
}

static gfdx_apply_result on_withdrawn(gfdx_apply *a)
{
    need_row n;
    intake_status next;
    gfdx_apply_result res = begin_change(a, INTAKE_EV_WITHDRAW, &n, &next);
    if (res != GFDX_APPLY_OK)
        return res;
    if (!may_file(a, n.province))
        res = refuse_unauthorized(a, "withdraw", n.province);
    const char *extra[] = {intake_status_name(next)};
    if (res == GFDX_APPLY_OK)
        res = update_need(a, "status = $2", "", extra, 1, n.status, next);
    /* Once recommended, NeedPushed is on its way to the PBoC (outbox): tell them it is withdrawn. */
    if (res == GFDX_APPLY_OK && (n.status == INTAKE_RECOMMENDED || n.status == INTAKE_PUSHED)) {
        const char *need_id = gfdx_rec_str(a->rec->body, "need_id");
        json_t *w = json_pack("{s:s, s:s}", "need_id", need_id, "reason", gfdx_rec_str(a->rec->body, "reason"));
        res = gfdx_apply_emit(a, INTAKE_PUSH_TOPIC, need_id, "NeedPushWithdrawn", w);
        json_decref(w);
    }
    need_row_clear(&n);
    return res;
}

static gfdx_apply_result on_matching_status(gfdx_apply *a)
{
    const json_t *b = a->rec->body;
    const char *need_id = gfdx_rec_str(b, "need_id");
    if (!gfdx_auth_is_kind(a->sender, GFDX_PK_PBOC))
        return gfdx_apply_refuse(a, "UNAUTHORIZED_SENDER", "%s may not report matching status", a->sender->id);
    need_row n;
    int found = load_need(a, need_id, &n);
    if (found <= 0)
        return found < 0 ? GFDX_APPLY_DB_ERROR : gfdx_apply_refuse(a, "UNKNOWN_NEED", "need %s does not exist", need_id);
    char v[7][24];
    static const char *const fields[] = {"banks_contacted", "banks_approved", "banks_declined", "approved_total",
                                         "disbursed_total", "open_obstacles", "sequence"};
    const char *extra[8] = {gfdx_rec_str(b, "overall")};
    for (int i = 0; i < 7; i++) {
        snprintf(v[i], sizeof v[i], "%lld", gfdx_rec_int(b, fields[i]));
        extra[1 + i] = v[i];
    }
    /* A status older than the one applied (sequence not higher; 0 = a v1 writer, always
     * applied) only goes into the history. */
    gfdx_apply_result res = update_need(a, "financing_outcome = $2, banks_contacted = $3, banks_approved = $4,"
                                           " banks_declined = $5, approved_total = $6, disbursed_total = $7,"
                                           " open_obstacles = $8, matching_sequence = greatest(matching_sequence, $9)",
                                        " AND ($9::bigint = 0 OR $9 > matching_sequence)", extra, 8, n.status,
                                        n.status);
    need_row_clear(&n);
    return res;
}

/* Outbox hook: NeedPushed delivered to Kafka -> RECOMMENDED becomes PUSHED. */
static int on_published(void *ctx, PGconn *db, const char *qschema, const char *record_type, const char *key,
                        const char *event_id, char *err, size_t errlen)
{
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
    PGresult *r = PQexecParams(db, sql, 3, NULL, p, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        snprintf(err, errlen, "marking %s pushed: %s", key, PQresultErrorMessage(r));
    PQclear(r);
    return ok ? 0 : -1;
}

static const gfdx_handler handlers[] = {
    {"NeedSubmitted", "gfdx.needs", "need_id", on_submitted},
    {"NeedRevised", "gfdx.needs", "need_id", on_revised},
    {"NeedReviewed", "gfdx.needs", "need_id", on_reviewed},
    {"NeedRecommended", "gfdx.needs", "need_id", on_recommended},
    {"NeedWithdrawn", "gfdx.needs", "need_id", on_withdrawn},
    {"NeedMatchingStatus", "gfdx.matching-status", "need_id", on_matching_status},
};

const gfdx_service intake_service = {
    .name = "intake",
    .schema = "intake",
    .handlers = handlers,
    .handler_count = sizeof handlers / sizeof handlers[0],
    .on_published = on_published,
};
