/* inbound.c: the record pipeline and the handler-side helpers of service.h. See inbound.h. */
#include "inbound.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro_serde.h"
#include "ids.h"
#include "log.h"
#include "outbox.h"
#include "pgstore.h"

/* What we learnt of one message, for the log, receipts and rejections. */
typedef struct {
    const gfdx_raw_msg *m;
    char key[256];          /* entity id as text (hex-escaped if not UTF-8) */
    char sha[65];
    char fp[19];
    json_t *body;
    const gfdx_schema *writer;
    const char *type, *event_id, *sender;
    gfdx_outcome outcome;
    char reason_code[48];
    char reason[512];
} msg_state;

const char *gfdx_outcome_name(gfdx_outcome o)
{
    static const char *const names[] = {"APPLIED", "REFUSED", "DUPLICATE", "DEAD_LETTER"};
    return names[o];
}

/* ---- helpers for handlers (service.h) ---- */

gfdx_apply_result gfdx_apply_refuse(gfdx_apply *a, const char *code, const char *fmt, ...)
{
    snprintf(a->reason_code, sizeof a->reason_code, "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->reason, sizeof a->reason, fmt, ap);
    va_end(ap);
    return GFDX_APPLY_REFUSED;
}

gfdx_apply_result gfdx_apply_db_error(gfdx_apply *a, const char *what, const char *err, bool transient)
{
    snprintf(a->reason_code, sizeof a->reason_code, "STORE_ERROR");
    snprintf(a->reason, sizeof a->reason, "%s: %s", what, err);
    a->transient = transient;
    return GFDX_APPLY_DB_ERROR;
}

gfdx_apply_result gfdx_apply_check_key(gfdx_apply *a, const char *entity_id, const char *what)
{
    const char *key = a->rec->key;
    if (!key || !*key || (entity_id && !strcmp(key, entity_id)))
        return GFDX_APPLY_OK;
    return gfdx_apply_refuse(a, "KEY_MISMATCH", "Kafka key \"%s\" is not the %s \"%s\"", key, what,
                             entity_id ? entity_id : "");
}

PGresult *gfdx_apply_exec(gfdx_apply *a, const char *sql, int nparams, const char *const *params)
{
    char err[512];
    bool transient = false;
    PGresult *r = gfdx_pg_exec(a->db, sql, nparams, params, err, sizeof err, &transient);
    if (!r)
        gfdx_apply_db_error(a, "statement failed", err, transient);
    return r;
}

gfdx_apply_result gfdx_apply_emit(gfdx_apply *a, const char *topic, const char *key, const char *type,
                                  json_t *record)
{
    char err[512];
    bool transient = false;
    if (gfdx_outbox_insert(a->db, a->schema, a->catalog, type, topic, key, record, a->service_participant,
                           a->rec->event_id, err, sizeof err, &transient))
        return gfdx_apply_db_error(a, "outbox", err, transient);
    return GFDX_APPLY_OK;
}

json_t *gfdx_rec_get(const json_t *body, const char *path)
{
    char part[128];
    const json_t *cur = body;
    while (cur && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof part)
            return NULL;
        memcpy(part, path, n);
        part[n] = '\0';
        cur = json_object_get(cur, part);
        path += n + (path[n] == '.');
    }
    return (json_t *)cur;
}

const char *gfdx_rec_str(const json_t *body, const char *path) { return json_string_value(gfdx_rec_get(body, path)); }
long long gfdx_rec_int(const json_t *body, const char *path) { return json_integer_value(gfdx_rec_get(body, path)); }
double gfdx_rec_real(const json_t *body, const char *path) { return json_number_value(gfdx_rec_get(body, path)); }
bool gfdx_rec_bool(const json_t *body, const char *path) { return json_is_true(gfdx_rec_get(body, path)); }

/* ---- bookkeeping statements ---- */

static bool utf8_ok(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (!len || i + len > n || c == 0)
            return false;
        for (size_t k = 1; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
        i += len;
    }
    return true;
}

static void key_text(const gfdx_raw_msg *m, char *out, size_t outlen)
{
    if (m->key_len < outlen && utf8_ok(m->key, m->key_len)) {
        memcpy(out, m->key, m->key_len);
        out[m->key_len] = '\0';
        return;
    }
    size_t o = snprintf(out, outlen, "\\x");
    for (size_t i = 0; i < m->key_len && o + 3 < outlen; i++)
        o += snprintf(out + o, outlen - o, "%02x", ((const unsigned char *)m->key)[i]);
}

static void num(char *buf, size_t n, long long v) { snprintf(buf, n, "%lld", v); }

static int run(PGconn *db, const char *sql, int n, const char *const *p, const int *len, const int *fmt,
               char *err, size_t errlen, bool *transient)
{
    PGresult *r = gfdx_pg_exec_bin(db, sql, n, p, len, fmt, err, errlen, transient);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

static int log_message(const gfdx_inbound *in, PGconn *db, const msg_state *s, char *err, size_t errlen, bool *tr)
{
    char sql[512], part[16], off[24];
    snprintf(sql, sizeof sql,
             "INSERT INTO %s.message_log (topic, partition, \"offset\", event_id, sender, record_type,"
             " fingerprint, value_sha256, outcome, reason_code) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
             in->qschema);
    num(part, sizeof part, s->m->partition);
    num(off, sizeof off, s->m->offset);
    const char *p[] = {s->m->topic, part, off, s->event_id, s->sender, s->type, s->fp[0] ? s->fp : NULL,
                       s->sha, gfdx_outcome_name(s->outcome), s->reason_code[0] ? s->reason_code : NULL};
    return run(db, sql, 10, p, NULL, NULL, err, errlen, tr);
}

static int dead_letter(const gfdx_inbound *in, PGconn *db, const msg_state *s, char *err, size_t errlen, bool *tr)
{
    char sql[512], part[16], off[24];
    snprintf(sql, sizeof sql,
             "INSERT INTO %s.dead_letter (topic, partition, \"offset\", key, value, fingerprint, reason_code,"
             " reason) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (topic, partition, \"offset\") DO NOTHING",
             in->qschema);
    num(part, sizeof part, s->m->partition);
    num(off, sizeof off, s->m->offset);
    const char *p[] = {s->m->topic, part, off, s->m->key, s->m->value, s->fp[0] ? s->fp : NULL,
                       s->reason_code, s->reason};
    int len[] = {0, 0, 0, (int)s->m->key_len, (int)s->m->value_len, 0, 0, 0};
    int fmt[] = {0, 0, 0, 1, 1, 0, 0, 0};
    if (!s->m->key)
        p[3] = NULL;
    return run(db, sql, 8, p, len, fmt, err, errlen, tr);
}

static int reject(const gfdx_inbound *in, PGconn *db, const msg_state *s, char *err, size_t errlen, bool *tr)
{
    char sql[512], part[16], off[24];
    snprintf(sql, sizeof sql,
             "INSERT INTO %s.rejection (event_id, topic, partition, \"offset\", sender, record_type, entity_id,"
             " reason_code, reason, record, value) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)"
             " ON CONFLICT (topic, partition, \"offset\") DO NOTHING",
             in->qschema);
    num(part, sizeof part, s->m->partition);
    num(off, sizeof off, s->m->offset);
    char *json = s->body ? json_dumps(s->body, JSON_COMPACT) : NULL;
    const char *p[] = {s->event_id, s->m->topic, part, off, s->sender, s->type, s->key, s->reason_code,
                       s->reason, json, s->m->value};
    int len[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (int)s->m->value_len};
    int fmt[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    int rc = run(db, sql, 11, p, len, fmt, err, errlen, tr);
    free(json);
    return rc;
}

static int remember_event(const gfdx_inbound *in, PGconn *db, const msg_state *s, char *err, size_t errlen,
                          bool *tr)
{
    char sql[512], part[16], off[24];
    snprintf(sql, sizeof sql,
             "INSERT INTO %s.inbound_event (event_id, record_type, outcome, reason_code, topic, partition,"
             " \"offset\") VALUES ($1,$2,$3,$4,$5,$6,$7)",
             in->qschema);
    num(part, sizeof part, s->m->partition);
    num(off, sizeof off, s->m->offset);
    const char *p[] = {s->event_id, s->type, gfdx_outcome_name(s->outcome),
                       s->reason_code[0] ? s->reason_code : NULL, s->m->topic, part, off};
    return run(db, sql, 7, p, NULL, NULL, err, errlen, tr);
}

/* 1 if event_id was seen before (its outcome copied into s->reason_code), 0 if new, -1 error. */
static int seen_before(const gfdx_inbound *in, PGconn *db, msg_state *s, char *err, size_t errlen, bool *tr)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT outcome FROM %s.inbound_event WHERE event_id = $1", in->qschema);
    const char *p[] = {s->event_id};
    PGresult *r = gfdx_pg_exec(db, sql, 1, p, err, errlen, tr);
    if (!r)
        return -1;
    int seen = PQntuples(r) > 0;
    if (seen) {
        snprintf(s->reason_code, sizeof s->reason_code, "%s", PQgetvalue(r, 0, 0));
        snprintf(s->reason, sizeof s->reason, "event %s was received before (outcome %s)", s->event_id,
                 PQgetvalue(r, 0, 0));
    }
    PQclear(r);
    return seen;
}

static int send_receipt(const gfdx_inbound *in, PGconn *db, const msg_state *s, char *err, size_t errlen, bool *tr)
{
    const char *status = s->outcome == GFDX_OUT_APPLIED ? "ACCEPTED" : s->outcome == GFDX_OUT_DUPLICATE ? "DUPLICATE" : "REFUSED";
    json_t *r = json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:s?, s:s, s:s, s:i, s:I}", "in_reply_to", s->event_id,
                          "record_type", s->type, "entity_id", s->key[0] ? s->key : NULL, "status", status,
                          "reason_code", s->reason_code[0] ? s->reason_code : NULL, "reason",
                          s->reason[0] ? s->reason : NULL, "service", in->service->name, "source_topic",
                          s->m->topic, "source_partition", (int)s->m->partition, "source_offset",
                          (json_int_t)s->m->offset);
    if (!r) {
        snprintf(err, errlen, "receipt: out of memory");
        return -1;
    }
    int rc = gfdx_outbox_insert(db, in->qschema, in->catalog, "Receipt", in->receipts_topic, s->sender, r,
                                in->service_participant, s->event_id, err, errlen, tr);
    json_decref(r);
    return rc;
}

/* ---- the pipeline ---- */

static const gfdx_handler *find_handler(const gfdx_service *svc, const char *type)
{
    for (size_t i = 0; i < svc->handler_count; i++)
        if (!strcmp(svc->handlers[i].record_type, type))
            return &svc->handlers[i];
    return NULL;
}

static void set_verdict(msg_state *s, gfdx_outcome o, const char *code, const char *reason)
{
    s->outcome = o;
    snprintf(s->reason_code, sizeof s->reason_code, "%s", code ? code : "");
    snprintf(s->reason, sizeof s->reason, "%s", reason ? reason : "");
}

/* Decodes and reads meta. 0 decoded (meta may still be refused), -1 dead letter. */
static int decode(const gfdx_inbound *in, msg_state *s)
{
    char derr[512];
    uint64_t fp;
    if (gfdx_serde_peek_fingerprint(s->m->value, s->m->value_len, &fp) == 0)
        gfdx_fingerprint_hex(fp, s->fp);
    gfdx_serde_status st = gfdx_serde_decode(in->catalog, s->m->value, s->m->value_len, &s->body, &s->writer,
                                             derr, sizeof derr);
    if (st != GFDX_SERDE_OK) {
        set_verdict(s, GFDX_OUT_DEAD_LETTER, gfdx_serde_status_name(st), derr);
        return -1;
    }
    s->type = gfdx_schema_name(s->writer);
    s->event_id = gfdx_rec_str(s->body, "meta.event_id");
    s->sender = gfdx_rec_str(s->body, "meta.sender");
    return 0;
}

/* Runs the handler under a savepoint. -1 only on a transient database failure. */
static int apply(const gfdx_inbound *in, PGconn *db, msg_state *s, const gfdx_handler *h, char *err,
                 size_t errlen, bool *tr)
{
    gfdx_record rec = {s->m->topic, s->m->partition, s->m->offset, s->key, s->m->value, s->m->value_len,
                       s->body, s->type, gfdx_schema_version(s->writer), s->event_id, s->sender,
                       gfdx_rec_int(s->body, "meta.occurred_at")};
    gfdx_apply a = {.db = db, .schema = in->qschema, .rec = &rec,
                    .sender = gfdx_registry_find(in->registry, s->sender), .registry = in->registry,
                    .calendar = in->calendar, .catalog = in->catalog,
                    .service_participant = in->service_participant, .service_ctx = in->service->ctx};
    if (run(db, "SAVEPOINT gfdx_record", 0, NULL, NULL, NULL, err, errlen, tr))
        return -1;
    gfdx_apply_result res = h->fn(&a);
    if (res == GFDX_APPLY_OK) {
        set_verdict(s, GFDX_OUT_APPLIED, NULL, NULL);
        return run(db, "RELEASE SAVEPOINT gfdx_record", 0, NULL, NULL, NULL, err, errlen, tr);
    }
    if (res == GFDX_APPLY_DB_ERROR && a.transient) {
        snprintf(err, errlen, "%s", a.reason);
        *tr = true;
        return -1;
    }
    if (res == GFDX_APPLY_DB_ERROR)
        GFDX_ERROR("%s @%s[%d]@%lld: refused after a permanent database error: %s", s->type, s->m->topic,
                   s->m->partition, (long long)s->m->offset, a.reason);
    set_verdict(s, GFDX_OUT_REFUSED, a.reason_code, a.reason);
    return run(db, "ROLLBACK TO SAVEPOINT gfdx_record", 0, NULL, NULL, NULL, err, errlen, tr);
}

/* Classifies a decoded record and applies it. -1 on database failure. */
static int classify_and_apply(const gfdx_inbound *in, PGconn *db, msg_state *s, char *err, size_t errlen, bool *tr)
{
    const gfdx_handler *h = find_handler(in->service, s->type);
    if (!gfdx_uuid_is_valid(s->event_id) || !s->sender || !*s->sender) {
        set_verdict(s, GFDX_OUT_REFUSED, "INVALID_META", "meta.event_id must be a UUID and meta.sender set");
        s->event_id = gfdx_uuid_is_valid(s->event_id) ? s->event_id : NULL;
        return 0;
    }
    int seen = seen_before(in, db, s, err, errlen, tr);
    if (seen) {
        s->outcome = GFDX_OUT_DUPLICATE;
        return seen < 0 ? -1 : 0;
    }
    if (!h)
        set_verdict(s, GFDX_OUT_REFUSED, "UNSUPPORTED_TYPE", "this service does not consume this record type");
    else if (!gfdx_registry_find(in->registry, s->sender))
        set_verdict(s, GFDX_OUT_REFUSED, "UNKNOWN_SENDER", "meta.sender is not a registered participant");
    else if (apply(in, db, s, h, err, errlen, tr))
        return -1;
    return remember_event(in, db, s, err, errlen, tr);
}

static void log_outcome(const msg_state *s)
{
    char ctx[320];
    gfdx_log_msgctx(ctx, sizeof ctx, s->m->topic, s->m->partition, s->m->offset);
    gfdx_log_level lvl = s->outcome == GFDX_OUT_APPLIED || s->outcome == GFDX_OUT_DUPLICATE ? GFDX_LOG_DEBUG
                                                                                           : GFDX_LOG_WARN;
    gfdx_log(lvl, ctx, "%s %s %s%s%s", gfdx_outcome_name(s->outcome), s->type ? s->type : "-",
             s->reason_code, s->reason[0] ? ": " : "", s->reason);
}

/* Records the verdict: rejection/dead letter row, receipt, message log. */
static int record_outcome(const gfdx_inbound *in, PGconn *db, const msg_state *s, char *err, size_t errlen, bool *tr)
{
    int rc = 0;
    if (s->outcome == GFDX_OUT_DEAD_LETTER)
        rc = dead_letter(in, db, s, err, errlen, tr);
    else if (s->outcome == GFDX_OUT_REFUSED)
        rc = reject(in, db, s, err, errlen, tr);
    if (rc == 0 && s->outcome != GFDX_OUT_DEAD_LETTER && s->sender && s->event_id)
        rc = send_receipt(in, db, s, err, errlen, tr);
    return rc ? rc : log_message(in, db, s, err, errlen, tr);
}

/* Last resort when bookkeeping itself fails permanently (e.g. bytes PostgreSQL cannot store as
 * text): keep the raw record as a dead letter so that the stream never stalls on it. */
static int fallback_dead_letter(const gfdx_inbound *in, PGconn *db, msg_state *s, const char *why, char *err,
                                size_t errlen, bool *tr)
{
    GFDX_ERROR("%s[%d]@%lld: storing the outcome failed (%s); keeping it as a dead letter", s->m->topic,
               s->m->partition, (long long)s->m->offset, why);
    s->type = s->event_id = s->sender = NULL;
    set_verdict(s, GFDX_OUT_DEAD_LETTER, "STORE_ERROR", why);
    return record_outcome(in, db, s, err, errlen, tr);
}

int gfdx_inbound_process(const gfdx_inbound *in, PGconn *db, const gfdx_raw_msg *m, gfdx_outcome *outcome,
                         char *err, size_t errlen)
{
    msg_state s = {.m = m};
    bool tr = false;
    key_text(m, s.key, sizeof s.key);
    gfdx_sha256_hex(m->value ? m->value : "", m->value_len, s.sha);
    int rc = run(db, "SAVEPOINT gfdx_message", 0, NULL, NULL, NULL, err, errlen, &tr);
    if (rc == 0 && decode(in, &s) == 0)
        rc = classify_and_apply(in, db, &s, err, errlen, &tr);
    if (rc == 0)
        rc = record_outcome(in, db, &s, err, errlen, &tr);
    if (rc && !tr && PQstatus(db) == CONNECTION_OK) {
        char why[512];
        snprintf(why, sizeof why, "%s", err);
        rc = run(db, "ROLLBACK TO SAVEPOINT gfdx_message", 0, NULL, NULL, NULL, err, errlen, &tr);
        if (rc == 0)
            rc = fallback_dead_letter(in, db, &s, why, err, errlen, &tr);
    }
    if (rc == 0)
        log_outcome(&s);
    *outcome = s.outcome;
    json_decref(s.body);
    return rc;
}
