/* batch.c: see batch.h. */
#include "batch.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_chain.h"
#include "fault.h"
#include "ids.h"
#include "log.h"
#include "metrics.h"
#include "outbox.h"
#include "pgstore.h"

/* clang-format off */
const gfdx_table gfdx_message_log_table = {
    .name = "message_log", .kind = GFDX_TABLE_HISTORY,
    .columns = "topic, partition, \"offset\", event_id, sender, record_type, fingerprint, value_sha256, outcome,"
               " reason_code, key, value, sig_kid, sig, chain_seq, prev_hash, row_hash, authn"};
const gfdx_table gfdx_inbound_event_table = {
    .name = "inbound_event", .kind = GFDX_TABLE_HISTORY,
    .columns = "sender, event_id, value_sha256, record_type, outcome, reason_code, topic, partition, \"offset\""};
const gfdx_table gfdx_rejection_table = {
    .name = "rejection", .kind = GFDX_TABLE_HISTORY,
    .columns = "event_id, topic, partition, \"offset\", sender, record_type, entity_id, reason_code, reason, record,"
               " value, sig_kid, sig",
    .conflict = "ON CONFLICT (topic, partition, \"offset\") DO NOTHING"};
const gfdx_table gfdx_dead_letter_table = {
    .name = "dead_letter", .kind = GFDX_TABLE_HISTORY,
    .columns = "topic, partition, \"offset\", key, value, fingerprint, reason_code, reason, sig_kid, sig",
    .conflict = "ON CONFLICT (topic, partition, \"offset\") DO NOTHING"};
/* clang-format on */

/* What one attempt at a batch works with. */
typedef struct {
    const gfdx_inbound *in;
    PGconn *db;
    gfdx_msg *msgs;
    size_t n;
    gfdx_rowset *rs;
    gfdx_context ctx;
    json_t *seen;      /* "sender\x1fevent_id" -> [outcome, sha] stored before this batch */
    json_t *first;     /* "sender\x1fevent_id" -> index of its first message in this batch */
    int *dup_of;       /* msgs[i] repeats msgs[dup_of[i]] of this batch, else -1 */
    bool *to_decide;   /* msgs[i] goes to its handler */
    bool *remember;    /* msgs[i] gets an inbound_event row */
    const gfdx_poison *poison; /* the one message is the poison of a bisected batch (batch.h) */
    char *err;
    size_t errlen;
    bool *transient;
} batch_t;

static int fail_oom(batch_t *b, const char *what)
{
    snprintf(b->err, b->errlen, "%s: out of memory", what);
    *b->transient = true;
    return -1;
}

/* ---- the decide API's helpers (service.h) ---- */

gfdx_verdict gfdx_decide_refuse(gfdx_decision *d, const char *code, const char *fmt, ...)
{
    snprintf(d->reason_code, sizeof d->reason_code, "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->reason, sizeof d->reason, fmt, ap);
    va_end(ap);
    return GFDX_DECIDE_REFUSED;
}

gfdx_verdict gfdx_decide_emit(gfdx_decision *d, const char *topic, const char *key, const char *type, json_t *record)
{
    char err[512];
    bool transient = false;
    gfdx_outbox_status st = gfdx_outbox_stage(d->rows, d->ctx->catalog, type, topic, key, record,
                                              d->ctx->service_participant, d->rec->event_id,
                                              d->ctx->max_message_bytes, err, sizeof err, &transient);
    if (st == GFDX_OUTBOX_TOO_LARGE)
        return gfdx_decide_refuse(d, "RECORD_TOO_LARGE", "%s", err);
    if (st == GFDX_OUTBOX_OK)
        return GFDX_DECIDE_OK;
    return gfdx_fault_decide(d, transient ? GFDX_FAULT_NO_MEMORY : GFDX_FAULT_BAD_INPUT, "outbox", err);
}

/* ---- step 1: duplicates ---- */

static void pair_key(const gfdx_msg *s, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s\x1f%s", s->participant->id, s->eid);
}

/* The (sender, event_id) pairs of the admitted messages as a JSON array of objects. */
static json_t *pairs_json(const batch_t *b)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < b->n; i++) {
        const gfdx_msg *s = &b->msgs[i];
        if (s->admitted && json_array_append_new(a, json_pack("{s:s, s:s}", "sender", s->participant->id,
                                                              "event_id", s->eid))) {
            json_decref(a);
            a = NULL;
        }
    }
    return a;
}

/* One statement: what was stored before for every admitted (sender, event_id). */
static int load_seen(batch_t *b)
{
    size_t admitted = 0;
    for (size_t i = 0; i < b->n; i++)
        admitted += b->msgs[i].admitted;
    if (!admitted)
        return 0;
    json_t *pairs = pairs_json(b);
    char *text = pairs ? json_dumps(pairs, JSON_COMPACT) : NULL;
    json_decref(pairs);
    if (!text)
        return fail_oom(b, "duplicates");
    const char *p[] = {text};
    PGresult *r = gfdx_pg_exec(b->db,
                               "SELECT i.sender, i.event_id, i.outcome, coalesce(i.value_sha256, '')"
                               " FROM inbound_event i JOIN jsonb_to_recordset($1::jsonb) AS k(sender text, event_id text)"
                               " ON i.sender = k.sender AND i.event_id = k.event_id",
                               1, p, b->err, b->errlen, b->transient);
    free(text);
    if (!r)
        return -1;
    char key[320];
    for (int i = 0; i < PQntuples(r); i++) {
        snprintf(key, sizeof key, "%s\x1f%s", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
        if (json_object_set_new(b->seen, key, json_pack("[s, s]", PQgetvalue(r, i, 2), PQgetvalue(r, i, 3)))) {
            PQclear(r);
            return fail_oom(b, "duplicates");
        }
    }
    PQclear(r);
    return 0;
}

/* A pair received before (stored, or earlier in this batch) with the first one's outcome:
 * DUPLICATE with the same bytes, EVENT_ID_REUSED with others. Not remembered again. */
static void verdict_again(gfdx_msg *s, bool same_bytes, const char *outcome)
{
    char why[512];
    snprintf(why, sizeof why, "event %s was received before%s (outcome %s)", s->eid,
             same_bytes ? "" : " with other bytes", outcome);
    if (same_bytes)
        gfdx_msg_verdict(s, GFDX_OUT_DUPLICATE, outcome, why);
    else
        gfdx_msg_verdict(s, GFDX_OUT_REFUSED, "EVENT_ID_REUSED", why);
}

/* Stored before: rows from before migration 004 have no digest and count as the same bytes. */
static void verdict_seen(gfdx_msg *s, const json_t *stored)
{
    const char *sha = json_string_value(json_array_get(stored, 1));
    verdict_again(s, !*sha || !strcmp(sha, s->sha), json_string_value(json_array_get(stored, 0)));
}

/* Steps 1 and 2 for every admitted message: duplicate of a stored or an earlier message of
 * this batch, key rule, or on to its handler. */
static int classify(batch_t *b)
{
    char key[320];
    for (size_t i = 0; i < b->n; i++) {
        gfdx_msg *s = &b->msgs[i];
        b->dup_of[i] = -1;
        if (!s->admitted)
            continue;
        gfdx_msg_verdict(s, GFDX_OUT_APPLIED, NULL, NULL);
        pair_key(s, key, sizeof key);
        const json_t *stored = json_object_get(b->seen, key), *earlier = json_object_get(b->first, key);
        if (stored) {
            verdict_seen(s, stored);
        } else if (earlier) {
            b->dup_of[i] = (int)json_integer_value(earlier);
        } else if (json_object_set_new(b->first, key, json_integer((json_int_t)i))) {
            return fail_oom(b, "duplicates");
        } else {
            b->remember[i] = true;
            b->to_decide[i] = gfdx_inbound_key_matches(s);
        }
    }
    return 0;
}

/* An earlier message of this batch had the same (sender, event_id); its outcome is known. */
static void verdict_repeat(gfdx_msg *s, const gfdx_msg *first)
{
    verdict_again(s, !strcmp(first->sha, s->sha), gfdx_outcome_name(first->outcome));
}

/* ---- step 3: the service's load ---- */

static int load_state(batch_t *b)
{
    const gfdx_service *svc = b->in->service;
    if (!svc->load)
        return 0;
    const gfdx_record **recs = calloc(b->n ? b->n : 1, sizeof *recs);
    if (!recs)
        return fail_oom(b, "load");
    size_t k = 0;
    for (size_t i = 0; i < b->n; i++)
        if (b->to_decide[i])
            recs[k++] = &b->msgs[i].rec;
    int rc = k ? svc->load(svc->ctx, b->rs, recs, k) : 0;
    free(recs);
    if (rc)
        return fail_oom(b, "load");
    return k ? gfdx_rowset_load(b->rs, b->db, b->err, b->errlen, b->transient) : 0;
}

/* ---- step 4: decisions ---- */

/* Decides one record on the rowset; a refusal or failure leaves nothing of it there. -1 only
 * on a transient failure (out of memory): the batch is retried. */
static int decide(batch_t *b, gfdx_msg *s)
{
    gfdx_decision d = {.rec = &s->rec, .sender = s->participant, .ctx = &b->ctx, .rows = b->rs};
    gfdx_rows_mark mark = gfdx_rowset_mark(b->rs);
    gfdx_verdict v = s->handler->decide(&d);
    if (v == GFDX_DECIDE_OK)
        return 0;
    gfdx_rowset_undo(b->rs, mark);
    if (v == GFDX_DECIDE_FAILED && d.transient) {
        snprintf(b->err, b->errlen, "%s %s: %s", s->type, s->key, d.reason);
        *b->transient = true;
        return -1;
    }
    if (v == GFDX_DECIDE_FAILED)
        GFDX_ERROR("%s @%s[%d]@%lld: refused after a permanent failure: %s", s->type, s->m->topic, s->m->partition,
                   (long long)s->m->offset, d.reason);
    gfdx_msg_verdict(s, GFDX_OUT_REFUSED, v == GFDX_DECIDE_FAILED ? "STORE_ERROR" : d.reason_code, d.reason);
    return 0;
}

/* ---- step 5: bookkeeping rows ---- */

/* Sets member k of row to v (stolen; NULL value -> JSON null). -1 when out of memory. */
static int put(json_t *row, const char *k, json_t *v)
{
    return json_object_set_new(row, k, v ? v : json_null());
}

static json_t *str_or_null(const char *s) { return s && *s ? json_string(s) : NULL; }

static json_t *bytes_or_null(const void *p, size_t len) { return p ? gfdx_rows_bytea(p, len) : NULL; }

/* The columns every bookkeeping row has: where the message came from. */
static json_t *source_row(const gfdx_msg *s)
{
    json_t *row = json_object();
    if (row && (put(row, "topic", json_string(s->m->topic)) || put(row, "partition", json_integer(s->m->partition)) ||
                put(row, "offset", json_integer(s->m->offset)))) {
        json_decref(row);
        return NULL;
    }
    return row;
}

/* Appends a bookkeeping row built without failure (failed == 0); frees it otherwise. */
static int stage(batch_t *b, const gfdx_table *t, json_t *row, int failed)
{
    if (failed || !row) {
        json_decref(row);
        return fail_oom(b, t->name);
    }
    return gfdx_rows_append(b->rs, t, row) ? fail_oom(b, t->name) : 0; /* append steals row */
}

static int stage_dead_letter(batch_t *b, const gfdx_msg *s)
{
    json_t *row = source_row(s);
    int f = !row || put(row, "key", bytes_or_null(s->m->key, s->m->key_len)) ||
            put(row, "value", bytes_or_null(s->m->value, s->m->value_len)) ||
            put(row, "fingerprint", str_or_null(s->fp)) || put(row, "reason_code", json_string(s->reason_code)) ||
            put(row, "reason", json_string(s->reason)) || put(row, "sig_kid", str_or_null(s->kid)) ||
            put(row, "sig", bytes_or_null(s->m->sig, s->m->sig_len));
    return stage(b, &gfdx_dead_letter_table, row, f);
}

static int stage_rejection(batch_t *b, const gfdx_msg *s)
{
    json_t *row = source_row(s);
    int f = !row || put(row, "event_id", str_or_null(s->event_id)) || put(row, "sender", str_or_null(s->sender)) ||
            put(row, "record_type", json_string(s->type)) || put(row, "entity_id", str_or_null(s->key)) ||
            put(row, "reason_code", json_string(s->reason_code)) || put(row, "reason", json_string(s->reason)) ||
            put(row, "record", s->body ? json_incref(s->body) : NULL) ||
            put(row, "value", bytes_or_null(s->m->value, s->m->value_len)) ||
            put(row, "sig_kid", str_or_null(s->kid)) || put(row, "sig", bytes_or_null(s->m->sig, s->m->sig_len));
    return stage(b, &gfdx_rejection_table, row, f);
}

static int stage_remembered(batch_t *b, const gfdx_msg *s)
{
    json_t *row = source_row(s);
    int f = !row || put(row, "sender", json_string(s->participant->id)) || put(row, "event_id", json_string(s->eid)) ||
            put(row, "value_sha256", json_string(s->sha)) || put(row, "record_type", json_string(s->type)) ||
            put(row, "outcome", json_string(gfdx_outcome_name(s->outcome))) ||
            put(row, "reason_code", str_or_null(s->reason_code));
    return stage(b, &gfdx_inbound_event_table, row, f);
}

/* A receipt to the registered sender only: its key (and addressee) is the participant id
 * from the registry, never an unregistered meta.sender string. */
static int stage_receipt(batch_t *b, const gfdx_msg *s)
{
    const char *status = s->outcome == GFDX_OUT_APPLIED ? "ACCEPTED" : s->outcome == GFDX_OUT_DUPLICATE ? "DUPLICATE" : "REFUSED";
    json_t *r = json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:s?, s:s, s:s, s:i, s:I}", "in_reply_to", s->eid,
                          "record_type", s->type, "entity_id", s->key[0] ? s->key : NULL, "status", status,
                          "reason_code", s->reason_code[0] ? s->reason_code : NULL, "reason",
                          s->reason[0] ? s->reason : NULL, "service", b->in->service->name, "source_topic",
                          s->m->topic, "source_partition", (int)s->m->partition, "source_offset",
                          (json_int_t)s->m->offset);
    if (!r)
        return fail_oom(b, "receipt");
    char topic[250]; /* the participant's own topic: only its principal reads it (ids are [A-Za-z0-9._-]) */
    snprintf(topic, sizeof topic, "%s%s", b->in->receipts_prefix, s->participant->id);
    gfdx_outbox_status st = gfdx_outbox_stage(b->rs, b->in->catalog, "Receipt", topic, s->participant->id, r,
                                              b->in->service_participant, s->eid[0] ? s->eid : NULL,
                                              b->in->max_message_bytes, b->err, b->errlen, b->transient);
    json_decref(r);
    return st == GFDX_OUTBOX_OK ? 0 : -1;
}

/* The fields of the log row in E(row) order (audit_chain.h); part and off are its buffers. */
static void chain_fields(const batch_t *b, const gfdx_msg *s, const char *part, const char *off,
                         gfdx_chain_field f[GFDX_CF_COUNT])
{
    const gfdx_raw_msg *m = s->m;
    f[GFDX_CF_SCHEMA] = gfdx_chain_text(b->in->service->schema);
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
 * advances with every staged row (the caller reloads it when the batch is rolled back). */
static int stage_log(batch_t *b, const gfdx_msg *s)
{
    gfdx_chain_head *c = b->in->chain;
    char part[16], off[24];
    snprintf(part, sizeof part, "%d", (int)s->m->partition);
    snprintf(off, sizeof off, "%lld", (long long)s->m->offset);
    gfdx_chain_field f[GFDX_CF_COUNT];
    unsigned char h[GFDX_CHAIN_HASH_LEN];
    chain_fields(b, s, part, off, f);
    if (gfdx_chain_row_hash(c->hash, f, h))
        return fail_oom(b, "message log");
    json_t *row = source_row(s);
    int fl = !row || put(row, "event_id", str_or_null(s->event_id)) || put(row, "sender", str_or_null(s->sender)) ||
             put(row, "record_type", str_or_null(s->type)) || put(row, "fingerprint", str_or_null(s->fp)) ||
             put(row, "value_sha256", json_string(s->sha)) ||
             put(row, "outcome", json_string(gfdx_outcome_name(s->outcome))) ||
             put(row, "reason_code", str_or_null(s->reason_code)) ||
             put(row, "key", bytes_or_null(f[GFDX_CF_KEY].data, f[GFDX_CF_KEY].len)) ||
             put(row, "value", gfdx_rows_bytea(f[GFDX_CF_VALUE].data, f[GFDX_CF_VALUE].len)) ||
             put(row, "sig_kid", str_or_null(s->kid)) || put(row, "sig", bytes_or_null(s->m->sig, s->m->sig_len)) ||
             put(row, "chain_seq", json_integer(c->rows + 1)) ||
             put(row, "prev_hash", gfdx_rows_bytea(c->hash, GFDX_CHAIN_HASH_LEN)) ||
             put(row, "row_hash", gfdx_rows_bytea(h, GFDX_CHAIN_HASH_LEN)) || put(row, "authn", str_or_null(s->authn));
    if (stage(b, &gfdx_message_log_table, row, fl))
        return -1;
    c->rows++;
    memcpy(c->hash, h, sizeof h);
    return 0;
}

static void log_outcome(const gfdx_msg *s)
{
    char ctx[320];
    gfdx_log_msgctx(ctx, sizeof ctx, s->m->topic, s->m->partition, s->m->offset);
    gfdx_log_level lvl = s->outcome == GFDX_OUT_APPLIED || s->outcome == GFDX_OUT_DUPLICATE ? GFDX_LOG_DEBUG
                                                                                           : GFDX_LOG_WARN;
    gfdx_log(lvl, ctx, "%s %s %s%s%s", gfdx_outcome_name(s->outcome), s->type ? s->type : "-",
             s->reason_code, s->reason[0] ? ": " : "", s->reason);
}

/* Every row that records msgs[i]'s outcome. */
static int book(batch_t *b, size_t i)
{
    gfdx_msg *s = &b->msgs[i];
    int rc = 0;
    if (s->outcome == GFDX_OUT_DEAD_LETTER)
        rc = stage_dead_letter(b, s);
    else if (s->outcome == GFDX_OUT_REFUSED)
        rc = stage_rejection(b, s);
    if (rc == 0 && s->outcome != GFDX_OUT_DEAD_LETTER && s->participant && s->type)
        rc = stage_receipt(b, s);
    if (rc == 0 && b->remember[i])
        rc = stage_remembered(b, s);
    if (rc == 0)
        rc = stage_log(b, s);
    if (rc == 0)
        log_outcome(s);
    return rc;
}

/* The poison message of a bisected batch, last resort: kept as a dead letter (batch.h).
 * Nothing of what it says is trusted any more: no sender, so no receipt. */
static void verdict_dead_poison(gfdx_msg *s, const char *why)
{
    GFDX_ERROR("%s[%d]@%lld: the batch failed on this record (%s); keeping it as a dead letter", s->m->topic,
               s->m->partition, (long long)s->m->offset, why);
    s->type = s->event_id = s->sender = NULL;
    s->participant = NULL;
    s->admitted = false;
    gfdx_msg_verdict(s, GFDX_OUT_DEAD_LETTER, "STORE_ERROR", why);
}

/* The poison message of a bisected batch, first answer: refused STORE_ERROR undecided. */
static void refuse_poison(gfdx_msg *s, const char *why)
{
    GFDX_ERROR("%s @%s[%d]@%lld: the batch failed on this record (%s); refusing it STORE_ERROR", s->type,
               s->m->topic, s->m->partition, (long long)s->m->offset, why);
    gfdx_msg_verdict(s, GFDX_OUT_REFUSED, "STORE_ERROR", why);
}

/* Steps 4 and 5, in offset order. */
static int decide_and_book(batch_t *b)
{
    for (size_t i = 0; i < b->n; i++) {
        gfdx_msg *s = &b->msgs[i];
        if (b->dup_of[i] >= 0)
            verdict_repeat(s, &b->msgs[b->dup_of[i]]);
        else if (b->to_decide[i] && b->poison)
            refuse_poison(s, b->poison->why);
        else if (b->to_decide[i] && decide(b, s))
            return -1;
        if (book(b, i))
            return -1;
    }
    return 0;
}

/* ---- step 6 and the whole ---- */

static int write_all(batch_t *b)
{
    const gfdx_service *svc = b->in->service;
    size_t n = svc->table_count + 5;
    const gfdx_table **order = calloc(n, sizeof *order);
    if (!order)
        return fail_oom(b, "write");
    for (size_t i = 0; i < svc->table_count; i++)
        order[i] = svc->tables[i];
    const gfdx_table *core[] = {&gfdx_outbox_table, &gfdx_inbound_event_table, &gfdx_rejection_table,
                                &gfdx_dead_letter_table, &gfdx_message_log_table};
    memcpy(order + svc->table_count, core, sizeof core);
    int rc = gfdx_rowset_write(b->rs, b->db, order, n, b->err, b->errlen, b->transient);
    free(order);
    return rc;
}

static void batch_free(batch_t *b)
{
    gfdx_rowset_free(b->rs);
    json_decref(b->seen);
    json_decref(b->first);
    free(b->dup_of);
    free(b->to_decide);
    free(b->remember);
}

static int batch_init(batch_t *b)
{
    const gfdx_inbound *in = b->in;
    b->ctx = (gfdx_context){in->registry, in->calendar, in->catalog, in->service_participant, in->service->ctx,
                            in->max_message_bytes, gfdx_now_ms(), in->receipts_prefix};
    size_t n = b->n ? b->n : 1;
    b->rs = gfdx_rowset_new();
    b->seen = json_object();
    b->first = json_object();
    b->dup_of = calloc(n, sizeof *b->dup_of);
    b->to_decide = calloc(n, sizeof *b->to_decide);
    b->remember = calloc(n, sizeof *b->remember);
    return b->rs && b->seen && b->first && b->dup_of && b->to_decide && b->remember ? 0 : fail_oom(b, "batch");
}

int gfdx_batch_apply(const gfdx_inbound *in, PGconn *db, gfdx_msg *msgs, size_t n, const gfdx_poison *poison,
                     char *err, size_t errlen, bool *transient)
{
    batch_t b = {.in = in, .db = db, .msgs = msgs, .n = n, .err = err, .errlen = errlen, .transient = transient,
                 .poison = poison && n == 1 ? poison : NULL};
    *transient = false;
    int rc = batch_init(&b);
    if (rc == 0 && b.poison && b.poison->dead_letter)
        verdict_dead_poison(&msgs[0], b.poison->why);
    uint64_t t = gfdx_metrics_now_us();
    if (rc == 0)
        rc = load_seen(&b);
    if (rc == 0)
        rc = classify(&b);
    t = gfdx_metrics_phase(GFDX_P_DUPLICATES, t);
    if (rc == 0)
        rc = load_state(&b);
    t = gfdx_metrics_phase(GFDX_P_LOAD, t);
    if (rc == 0)
        rc = decide_and_book(&b);
    t = gfdx_metrics_phase(GFDX_P_DECIDE, t);
    if (rc == 0 && (rc = gfdx_outbox_sign_staged(b.rs, in->threads, err, errlen)))
        *transient = true; /* our key or our memory, not the records: retried, never bisected */
    t = gfdx_metrics_phase(GFDX_P_SIGN, t);
    if (rc == 0)
        rc = write_all(&b);
    gfdx_metrics_phase(GFDX_P_WRITE, t);
    batch_free(&b);
    return rc;
}
