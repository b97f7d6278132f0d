/* inbound.c: the record pipeline and the handler-side helpers of service.h. See inbound.h. */
#include "inbound.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_chain.h"
#include "avro_serde.h"
#include "ids.h"
#include "record_limits.h"
#include "log.h"
#include "metrics.h"
#include "outbox.h"
#include "pgstore.h"

/* What we learnt of one message, for the log, receipts and rejections. */
typedef struct {
    const gfdx_raw_msg *m;
    char key[256];          /* entity id as text (hex-escaped unless a clean key, record_limits.h) */
    char sha[65];
    char fp[19];
    char eid[37];           /* meta.event_id in canonical lower-case form ("" if not a UUID) */
    json_t *body;
    const gfdx_schema *writer;
    const char *type, *event_id, *sender;  /* event_id: eid, or NULL if not a UUID */
    const gfdx_participant *participant;   /* the registered sender, NULL if meta.sender is not
                                            * or when authentication (step 3) refused it */
    char kid[GFDX_SIGN_MAX_KID];           /* gfdx-kid as text ("" absent, "?" not a kid's chars) */
    const char *authn;                     /* message_log.authn: NULL (not reached), "OK", "UNSIGNED", a refusal */
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
    gfdx_outbox_status st = gfdx_outbox_insert(a->db, a->schema, a->catalog, type, topic, key, record,
                                               a->service_participant, a->rec->event_id, a->max_message_bytes,
                                               err, sizeof err, &transient);
    if (st == GFDX_OUTBOX_TOO_LARGE)
        return gfdx_apply_refuse(a, "RECORD_TOO_LARGE", "%s", err);
    return st == GFDX_OUTBOX_OK ? GFDX_APPLY_OK : gfdx_apply_db_error(a, "outbox", err, transient);
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

/* The key as text for rejections and receipts: verbatim when it is a clean key (strict UTF-8,
 * no control or bidi characters, at most GFDX_LIMIT_KEY_BYTES), else "\x" + hex (truncated),
 * so that no raw escape sequence reaches an operator's screen or a text column. */
static void key_text(const gfdx_raw_msg *m, char *out, size_t outlen)
{
    out[0] = '\0';
    if (!m->key || !m->key_len)
        return;
    char why[160];
    if (m->key_len < outlen && !gfdx_limits_check_text(GFDX_LC_KEY, "key", m->key, m->key_len, why, sizeof why)) {
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

/* The fields of the log row in E(row) order (audit_chain.h); part and off are its buffers. */
static void chain_fields(const gfdx_inbound *in, const msg_state *s, const char *part, const char *off,
                         gfdx_chain_field f[GFDX_CF_COUNT])
{
    const gfdx_raw_msg *m = s->m;
    f[GFDX_CF_SCHEMA] = gfdx_chain_text(in->service->schema);
    f[GFDX_CF_TOPIC] = gfdx_chain_text(m->topic);
    f[GFDX_CF_PARTITION] = gfdx_chain_text(part);
    f[GFDX_CF_OFFSET] = gfdx_chain_text(off);
    f[GFDX_CF_EVENT_ID] = gfdx_chain_text(s->event_id);
    f[GFDX_CF_SENDER] = gfdx_chain_text(s->sender);
    f[GFDX_CF_RECORD_TYPE] = gfdx_chain_text(s->type);
    f[GFDX_CF_FINGERPRINT] = gfdx_chain_text(s->fp[0] ? s->fp : NULL);
    f[GFDX_CF_VALUE_SHA256] = gfdx_chain_text(s->sha);
    f[GFDX_CF_KEY] = (gfdx_chain_field){m->key, m->key ? m->key_len : 0};
    f[GFDX_CF_VALUE] = (gfdx_chain_field){m->value ? m->value : "", m->value_len};
    f[GFDX_CF_KID] = gfdx_chain_text(s->kid[0] ? s->kid : NULL);
    f[GFDX_CF_SIG] = (gfdx_chain_field){m->sig, m->sig ? m->sig_len : 0};
    f[GFDX_CF_OUTCOME] = gfdx_chain_text(gfdx_outcome_name(s->outcome));
    f[GFDX_CF_REASON_CODE] = gfdx_chain_text(s->reason_code[0] ? s->reason_code : NULL);
}

/* Appends the log row to the chain: chain_seq, prev_hash and row_hash from in->chain, which
 * advances only once the row is stored (a rolled-back row leaves it as it was). */
static int log_message(const gfdx_inbound *in, PGconn *db, const msg_state *s, char *err, size_t errlen, bool *tr)
{
    char sql[640], part[16], off[24], seq[24];
    snprintf(sql, sizeof sql,
             "INSERT INTO %s.message_log (topic, partition, \"offset\", event_id, sender, record_type, fingerprint,"
             " value_sha256, outcome, reason_code, key, value, sig_kid, sig, chain_seq, prev_hash, row_hash, authn)"
             " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)",
             in->qschema);
    num(part, sizeof part, s->m->partition);
    num(off, sizeof off, s->m->offset);
    num(seq, sizeof seq, in->chain->rows + 1);
    gfdx_chain_field f[GFDX_CF_COUNT];
    unsigned char h[GFDX_CHAIN_HASH_LEN];
    chain_fields(in, s, part, off, f);
    if (gfdx_chain_row_hash(in->chain->hash, f, h)) {
        snprintf(err, errlen, "message log: out of memory");
        return -1;
    }
    const char *p[] = {s->m->topic, part, off, s->event_id, s->sender, s->type, s->fp[0] ? s->fp : NULL, s->sha,
                       gfdx_outcome_name(s->outcome), s->reason_code[0] ? s->reason_code : NULL, f[GFDX_CF_KEY].data,
                       f[GFDX_CF_VALUE].data, f[GFDX_CF_KID].data, f[GFDX_CF_SIG].data, seq,
                       (const char *)in->chain->hash, (const char *)h, s->authn};
    int len[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (int)f[GFDX_CF_KEY].len, (int)f[GFDX_CF_VALUE].len, 0,
                 (int)f[GFDX_CF_SIG].len, 0, GFDX_CHAIN_HASH_LEN, GFDX_CHAIN_HASH_LEN, 0};
    int fmt[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 0, 1, 1, 0};
    if (run(db, sql, 18, p, len, fmt, err, errlen, tr))
        return -1;
    in->chain->rows++;
    memcpy(in->chain->hash, h, sizeof h);
    return 0;
}

static int dead_letter(const gfdx_inbound *in, PGconn *db, const msg_state *s, char *err, size_t errlen, bool *tr)
{
    char sql[512], part[16], off[24];
    snprintf(sql, sizeof sql,
             "INSERT INTO %s.dead_letter (topic, partition, \"offset\", key, value, fingerprint, reason_code,"
             " reason, sig_kid, sig) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)"
             " ON CONFLICT (topic, partition, \"offset\") DO NOTHING",
             in->qschema);
    num(part, sizeof part, s->m->partition);
    num(off, sizeof off, s->m->offset);
    const char *p[] = {s->m->topic, part, off, s->m->key, s->m->value, s->fp[0] ? s->fp : NULL,
                       s->reason_code, s->reason, s->kid[0] ? s->kid : NULL, s->m->sig};
    int len[] = {0, 0, 0, (int)s->m->key_len, (int)s->m->value_len, 0, 0, 0, 0, (int)s->m->sig_len};
    int fmt[] = {0, 0, 0, 1, 1, 0, 0, 0, 0, 1};
    if (!s->m->key)
        p[3] = NULL;
    return run(db, sql, 10, p, len, fmt, err, errlen, tr);
}

static int reject(const gfdx_inbound *in, PGconn *db, const msg_state *s, char *err, size_t errlen, bool *tr)
{
    char sql[512], part[16], off[24];
    snprintf(sql, sizeof sql,
             "INSERT INTO %s.rejection (event_id, topic, partition, \"offset\", sender, record_type, entity_id,"
             " reason_code, reason, record, value, sig_kid, sig) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)"
             " ON CONFLICT (topic, partition, \"offset\") DO NOTHING",
             in->qschema);
    num(part, sizeof part, s->m->partition);
    num(off, sizeof off, s->m->offset);
    char *json = s->body ? json_dumps(s->body, JSON_COMPACT) : NULL;
    const char *p[] = {s->event_id, s->m->topic, part, off, s->sender, s->type, s->key, s->reason_code,
                       s->reason, json, s->m->value, s->kid[0] ? s->kid : NULL, s->m->sig};
    int len[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (int)s->m->value_len, 0, (int)s->m->sig_len};
    int fmt[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1};
    int rc = run(db, sql, 13, p, len, fmt, err, errlen, tr);
    free(json);
    return rc;
}

static void set_verdict(msg_state *s, gfdx_outcome o, const char *code, const char *reason)
{
    s->outcome = o;
    snprintf(s->reason_code, sizeof s->reason_code, "%s", code ? code : "");
    snprintf(s->reason, sizeof s->reason, "%s", reason ? reason : "");
}

/* Sets a REFUSED verdict with a printf-style reason; returns false (for admit). */
static bool refuse(msg_state *s, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool refuse(msg_state *s, const char *code, const char *fmt, ...)
{
    s->outcome = GFDX_OUT_REFUSED;
    snprintf(s->reason_code, sizeof s->reason_code, "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->reason, sizeof s->reason, fmt, ap);
    va_end(ap);
    return false;
}

static int remember_event(const gfdx_inbound *in, PGconn *db, const msg_state *s, char *err, size_t errlen,
                          bool *tr)
{
    char sql[512], part[16], off[24];
    snprintf(sql, sizeof sql,
             "INSERT INTO %s.inbound_event (sender, event_id, value_sha256, record_type, outcome, reason_code,"
             " topic, partition, \"offset\") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
             in->qschema);
    num(part, sizeof part, s->m->partition);
    num(off, sizeof off, s->m->offset);
    const char *p[] = {s->participant->id, s->eid, s->sha, s->type, gfdx_outcome_name(s->outcome),
                       s->reason_code[0] ? s->reason_code : NULL, s->m->topic, part, off};
    return run(db, sql, 9, p, NULL, NULL, err, errlen, tr);
}

/* Looks (sender, event_id) up. 0 new; 1 seen with the same value (its outcome copied into
 * s->reason_code): a duplicate; 2 seen with other bytes: the id is reused; -1 error. Rows from
 * before migration 004 have no digest and count as the same value. */
static int seen_before(const gfdx_inbound *in, PGconn *db, msg_state *s, char *err, size_t errlen, bool *tr)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT outcome, value_sha256 FROM %s.inbound_event WHERE sender = $1 AND event_id = $2",
             in->qschema);
    const char *p[] = {s->participant->id, s->eid};
    PGresult *r = gfdx_pg_exec(db, sql, 2, p, err, errlen, tr);
    if (!r)
        return -1;
    int seen = PQntuples(r) == 0 ? 0 : PQgetisnull(r, 0, 1) || !strcmp(PQgetvalue(r, 0, 1), s->sha) ? 1 : 2;
    if (seen == 1) {
        snprintf(s->reason_code, sizeof s->reason_code, "%s", PQgetvalue(r, 0, 0));
        snprintf(s->reason, sizeof s->reason, "event %s was received before (outcome %s)", s->eid,
                 PQgetvalue(r, 0, 0));
    } else if (seen == 2) {
        refuse(s, "EVENT_ID_REUSED", "event %s was received before with other bytes (outcome %s)", s->eid,
               PQgetvalue(r, 0, 0));
    }
    PQclear(r);
    return seen;
}

/* A receipt to the registered sender only: its key (and addressee) is the participant id
 * from the registry, never an unregistered meta.sender string. */
static int send_receipt(const gfdx_inbound *in, PGconn *db, const msg_state *s, char *err, size_t errlen, bool *tr)
{
    const char *status = s->outcome == GFDX_OUT_APPLIED ? "ACCEPTED" : s->outcome == GFDX_OUT_DUPLICATE ? "DUPLICATE" : "REFUSED";
    json_t *r = json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:s?, s:s, s:s, s:i, s:I}", "in_reply_to", s->eid,
                          "record_type", s->type, "entity_id", s->key[0] ? s->key : NULL, "status", status,
                          "reason_code", s->reason_code[0] ? s->reason_code : NULL, "reason",
                          s->reason[0] ? s->reason : NULL, "service", in->service->name, "source_topic",
                          s->m->topic, "source_partition", (int)s->m->partition, "source_offset",
                          (json_int_t)s->m->offset);
    if (!r) {
        snprintf(err, errlen, "receipt: out of memory");
        return -1;
    }
    char topic[250]; /* the participant's own topic: only its principal reads it (ids are [A-Za-z0-9._-]) */
    snprintf(topic, sizeof topic, "%s%s", in->receipts_prefix, s->participant->id);
    int rc = gfdx_outbox_insert(db, in->qschema, in->catalog, "Receipt", topic, s->participant->id, r,
                                in->service_participant, s->eid[0] ? s->eid : NULL, in->max_message_bytes, err,
                                errlen, tr) == GFDX_OUTBOX_OK ? 0 : -1;
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

static bool table_has_topic(const gfdx_service *svc, const char *topic)
{
    for (size_t i = 0; i < svc->handler_count; i++)
        if (!strcmp(svc->handlers[i].topic, topic))
            return true;
    return false;
}

int gfdx_inbound_check_topics(const gfdx_service *svc, char *const *topics, size_t ntopics, char *err, size_t errlen)
{
    for (size_t i = 0; i < ntopics; i++)
        if (!table_has_topic(svc, topics[i])) {
            snprintf(err, errlen, "topics.consume: %s carries no record type of %s (its topics are bound in the"
                     " handler table)", topics[i], svc->name);
            return -1;
        }
    for (size_t i = 0; i < svc->handler_count; i++) {
        size_t k = 0;
        while (k < ntopics && strcmp(topics[k], svc->handlers[i].topic))
            k++;
        if (k == ntopics) {
            snprintf(err, errlen, "topics.consume must name %s (it carries %s)", svc->handlers[i].topic,
                     svc->handlers[i].record_type);
            return -1;
        }
    }
    return 0;
}

/* Step 1: a value over the limit is refused undecoded: its type is named from the fingerprint
 * alone ("unknown" if none), there is no sender and so no receipt. */
static bool value_too_large(const gfdx_inbound *in, msg_state *s)
{
    uint64_t fp;
    if (s->m->value_len <= GFDX_LIMIT_VALUE_BYTES)
        return false;
    const gfdx_schema *w = gfdx_serde_peek_fingerprint(s->m->value, s->m->value_len, &fp) == 0
                               ? gfdx_catalog_by_fingerprint(in->catalog, fp) : NULL;
    if (w)
        gfdx_fingerprint_hex(fp, s->fp);
    s->type = w ? gfdx_schema_name(w) : "unknown";
    refuse(s, "LIMIT_EXCEEDED", "value: %zu bytes, at most %d", s->m->value_len, GFDX_LIMIT_VALUE_BYTES);
    return true;
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
    const char *eid = gfdx_rec_str(s->body, "meta.event_id");
    if (gfdx_uuid_is_valid(eid)) {
        for (size_t i = 0; i < 36; i++)
            s->eid[i] = (char)(eid[i] >= 'A' && eid[i] <= 'F' ? eid[i] - 'A' + 'a' : eid[i]);
        s->event_id = s->eid;
    }
    s->sender = gfdx_rec_str(s->body, "meta.sender");
    s->participant = s->sender ? gfdx_registry_find(in->registry, s->sender) : NULL;
    return 0;
}

/* Runs the handler under a savepoint. -1 only on a transient database failure. */
static int apply(const gfdx_inbound *in, PGconn *db, msg_state *s, const gfdx_handler *h, char *err,
                 size_t errlen, bool *tr)
{
    gfdx_record rec = {s->m->topic, s->m->partition, s->m->offset, s->key, s->m->value, s->m->value_len,
                       s->body, s->type, gfdx_schema_version(s->writer), s->event_id, s->sender,
                       gfdx_rec_int(s->body, "meta.occurred_at"), s->m->clock};
    gfdx_apply a = {.db = db, .schema = in->qschema, .rec = &rec, .sender = s->participant,
                    .registry = in->registry, .calendar = in->calendar, .catalog = in->catalog,
                    .service_participant = in->service_participant, .service_ctx = in->service->ctx,
                    .max_message_bytes = in->max_message_bytes};
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

/* The gfdx-kid header as text: "" when absent or empty, "?" (no kid has that character, so it
 * is an UNKNOWN_KEY) when too long or not of a kid's printable ASCII. */
static void kid_text(const gfdx_raw_msg *m, char *out, size_t outlen)
{
    out[0] = '\0';
    if (!m->kid || !m->kid_len)
        return;
    const unsigned char *k = m->kid;
    bool ok = m->kid_len < outlen;
    for (size_t i = 0; ok && i < m->kid_len; i++)
        ok = k[i] > 0x20 && k[i] < 0x7f;
    if (!ok) {
        snprintf(out, outlen, "?");
        return;
    }
    memcpy(out, k, m->kid_len);
    out[m->kid_len] = '\0';
}

/* Step 3, proof of origin: true when the record may go on (verified, or unsigned while
 * signatures are not required: counted). Otherwise false with the refusal set and the sender
 * forgotten (s->participant NULL): an unauthenticated claim gets no receipt. */
static bool authenticate(const gfdx_inbound *in, msg_state *s)
{
    char why[256] = "";
    const gfdx_raw_msg *m = s->m;
    gfdx_authn a = gfdx_registry_authenticate(in->registry, s->sender, s->kid[0] ? s->kid : NULL, m->key,
                                              m->key_len, m->value, m->value_len, m->sig, m->sig_len,
                                              gfdx_now_ms(), why, sizeof why);
    s->authn = a == GFDX_AUTHN_ERROR ? "BAD_SIGNATURE" : gfdx_authn_name(a);
    if (a == GFDX_AUTHN_OK)
        return true;
    if (a == GFDX_AUTHN_UNSIGNED && !in->require_signatures) {
        gfdx_metrics_add(GFDX_M_UNSIGNED, 1);
        return true;
    }
    s->participant = NULL;
    if (a == GFDX_AUTHN_UNSIGNED)
        return refuse(s, s->authn, "the record has no %s / %s headers", GFDX_SIGN_HEADER_KID, GFDX_SIGN_HEADER_SIG);
    if (a == GFDX_AUTHN_ERROR)
        GFDX_ERROR("%s[%d]@%lld: signature verification failed: %s", m->topic, m->partition, (long long)m->offset, why);
    return refuse(s, s->authn, "%s \"%s\": %s", GFDX_SIGN_HEADER_KID, s->kid,
                  a == GFDX_AUTHN_UNKNOWN_KEY        ? "not a registered key"
                  : a == GFDX_AUTHN_KEY_NOT_OF_SENDER ? "not a key of meta.sender"
                  : a == GFDX_AUTHN_KEY_EXPIRED       ? "the key is not current (not_before .. not_after)"
                                                     : "the signature does not verify under this key");
}

/* The checks after authentication, before state (steps 4-7 of inbound.h): true when the
 * record passes them (*h its handler); otherwise false with the verdict set. */
static bool admit(const gfdx_inbound *in, msg_state *s, const gfdx_handler **h)
{
    char why[512];
    gfdx_limits_clock clock = {gfdx_now_ms(), in->skew_past_ms, in->skew_future_ms};
    const char *code;
    *h = find_handler(in->service, s->type);
    if (!s->event_id || !s->sender || !*s->sender)
        return refuse(s, "INVALID_META", "meta.event_id must be a UUID and meta.sender set");
    if ((code = gfdx_limits_check(s->body, &clock, why, sizeof why)))
        return refuse(s, code, "%s", why);
    if (!*h)
        return refuse(s, "UNSUPPORTED_TYPE", "this service does not consume this record type");
    if (strcmp((*h)->topic, s->m->topic))
        return refuse(s, "WRONG_TOPIC", "%s is carried by %s, not by %s", s->type, (*h)->topic, s->m->topic);
    if (!s->participant)
        return refuse(s, "UNKNOWN_SENDER", "meta.sender is not a registered participant");
    return true;
}

/* One key rule for every record type: the Kafka key is present, strict UTF-8 and equal to the
 * entity id at the handler's entity_field. False (verdict KEY_MISMATCH set) otherwise. */
static bool key_matches(msg_state *s, const gfdx_handler *h)
{
    const char *id = h->entity_field ? gfdx_rec_str(s->body, h->entity_field) : NULL;
    const gfdx_raw_msg *m = s->m;
    if (!h->entity_field)
        return true;
    if (!id)
        id = "";
    if (!m->key || !m->key_len)
        return refuse(s, "KEY_MISMATCH", "the record has no Kafka key: it must be the %s \"%s\"", h->entity_field, id);
    if (!gfdx_utf8_valid(m->key, m->key_len))
        return refuse(s, "KEY_MISMATCH", "the Kafka key %s (%zu bytes) is not valid UTF-8: it must be the %s \"%s\"",
                      s->key, m->key_len, h->entity_field, id);
    if (m->key_len != strlen(id) || memcmp(m->key, id, m->key_len))
        return refuse(s, "KEY_MISMATCH", "Kafka key \"%s\" is not the %s \"%s\"", s->key, h->entity_field, id);
    return true;
}

/* Classifies a decoded record and applies it. -1 on database failure. */
static int classify_and_apply(const gfdx_inbound *in, PGconn *db, msg_state *s, char *err, size_t errlen, bool *tr)
{
    const gfdx_handler *h = NULL;
    if (!authenticate(in, s) || !admit(in, s, &h))
        return 0; /* remembers nothing, burns no event id */
    int seen = seen_before(in, db, s, err, errlen, tr);
    if (seen == 1)
        s->outcome = GFDX_OUT_DUPLICATE;
    if (seen)
        return seen < 0 ? -1 : 0; /* a reused id is refused, the first record stays remembered */
    if (key_matches(s, h) && apply(in, db, s, h, err, errlen, tr))
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
    if (rc == 0 && s->outcome != GFDX_OUT_DEAD_LETTER && s->participant && s->type)
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
    s->participant = NULL;
    set_verdict(s, GFDX_OUT_DEAD_LETTER, "STORE_ERROR", why);
    return record_outcome(in, db, s, err, errlen, tr);
}

int gfdx_inbound_process(const gfdx_inbound *in, PGconn *db, const gfdx_raw_msg *m, gfdx_outcome *outcome,
                         char *err, size_t errlen)
{
    msg_state s = {.m = m};
    bool tr = false;
    key_text(m, s.key, sizeof s.key);
    kid_text(m, s.kid, sizeof s.kid);
    gfdx_sha256_hex(m->value ? m->value : "", m->value_len, s.sha);
    int rc = run(db, "SAVEPOINT gfdx_message", 0, NULL, NULL, NULL, err, errlen, &tr);
    if (rc == 0 && !value_too_large(in, &s) && decode(in, &s) == 0)
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
