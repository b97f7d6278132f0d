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
    gfdx_outbox_status st = gfdx_outbox_insert(a->db, a->catalog, type, topic, key, record,
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

/* ---- admission ---- */

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

void gfdx_msg_verdict(gfdx_msg *s, gfdx_outcome o, const char *code, const char *reason)
{
    s->outcome = o;
    snprintf(s->reason_code, sizeof s->reason_code, "%s", code ? code : "");
    snprintf(s->reason, sizeof s->reason, "%s", reason ? reason : "");
}

/* Sets a REFUSED verdict with a printf-style reason; returns false (for admit). */
static bool refuse(gfdx_msg *s, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool refuse(gfdx_msg *s, const char *code, const char *fmt, ...)
{
    s->outcome = GFDX_OUT_REFUSED;
    snprintf(s->reason_code, sizeof s->reason_code, "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->reason, sizeof s->reason, fmt, ap);
    va_end(ap);
    return false;
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
static bool value_too_large(const gfdx_inbound *in, gfdx_msg *s)
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
static int decode(const gfdx_inbound *in, gfdx_msg *s)
{
    char derr[512];
    uint64_t fp;
    if (gfdx_serde_peek_fingerprint(s->m->value, s->m->value_len, &fp) == 0)
        gfdx_fingerprint_hex(fp, s->fp);
    gfdx_serde_status st = gfdx_serde_decode(in->catalog, s->m->value, s->m->value_len, &s->body, &s->writer,
                                             derr, sizeof derr);
    if (st != GFDX_SERDE_OK) {
        gfdx_msg_verdict(s, GFDX_OUT_DEAD_LETTER, gfdx_serde_status_name(st), derr);
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
static bool authenticate(const gfdx_inbound *in, gfdx_msg *s)
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
static bool admit(const gfdx_inbound *in, gfdx_msg *s, const gfdx_handler **h)
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
bool gfdx_inbound_key_matches(gfdx_msg *s)
{
    const gfdx_handler *h = s->handler;
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

void gfdx_inbound_decode(const gfdx_inbound *in, const gfdx_raw_msg *m, gfdx_msg *s)
{
    memset(s, 0, sizeof *s);
    s->m = m;
    key_text(m, s->key, sizeof s->key);
    kid_text(m, s->kid, sizeof s->kid);
    gfdx_sha256_hex(m->value ? m->value : "", m->value_len, s->sha);
    s->admitted = !value_too_large(in, s) && decode(in, s) == 0;
}

void gfdx_inbound_verify(const gfdx_inbound *in, gfdx_msg *s)
{
    if (s->admitted)
        s->admitted = authenticate(in, s);
}

void gfdx_inbound_check(const gfdx_inbound *in, gfdx_msg *s)
{
    const gfdx_raw_msg *m = s->m;
    if (!s->admitted || !(s->admitted = admit(in, s, &s->handler)))
        return;
    s->rec = (gfdx_record){m->topic, m->partition, m->offset, s->key, m->value, m->value_len, s->body, s->type,
                           gfdx_schema_version(s->writer), s->event_id, s->sender,
                           gfdx_rec_int(s->body, "meta.occurred_at"), m->clock};
}

void gfdx_inbound_admit(const gfdx_inbound *in, const gfdx_raw_msg *m, gfdx_msg *s)
{
    gfdx_inbound_decode(in, m, s);
    gfdx_inbound_verify(in, s);
    gfdx_inbound_check(in, s);
}

void gfdx_msg_release(gfdx_msg *s)
{
    json_decref(s->body);
    s->body = NULL;
}
