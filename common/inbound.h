/* inbound.h: the one place where the policies for consumed records are applied
 * (DESIGN §4, §8), in this order. Steps 1-7 need nothing stored and run in memory for the whole
 * batch before its transaction (gfdx_inbound_admit); steps 8-10 run in the batch transaction
 * (batch.h: one statement for the duplicates of the whole batch, the decisions on rows loaded
 * once, one write):
 *   1. value over GFDX_LIMIT_VALUE_BYTES -> REFUSED LIMIT_EXCEEDED, not even decoded;
 *   2. decode (single-object Avro); failure -> DEAD_LETTER: raw bytes and reason kept;
 *   3. authentication (DESIGN §5, participants.h gfdx_registry_authenticate): the gfdx-kid /
 *      gfdx-sig headers must verify over M(key, value) under a current key of meta.sender,
 *      judged at the receive time -> else REFUSED UNSIGNED, UNKNOWN_KEY, KEY_NOT_OF_SENDER,
 *      KEY_EXPIRED or BAD_SIGNATURE. With security.require_signatures = false an unsigned
 *      record goes on (counted in gfdx_unsigned_accepted_total, message_log.authn =
 *      'UNSIGNED'); a signature that does not verify is refused even then. A record refused
 *      here has no authenticated sender: no receipt, and it is not remembered;
 *   4. meta checks (event_id a UUID, sender present) -> else REFUSED INVALID_META;
 *   5. limits of every field (record_limits.h) -> REFUSED LIMIT_EXCEEDED, INVALID_FIELD or
 *      NEGATIVE_AMOUNT;
 *   6. record type not consumed by this service -> UNSUPPORTED_TYPE; consumed, but bound to
 *      another topic than the one it came on -> WRONG_TOPIC;
 *   7. sender not in the participant registry -> REFUSED UNKNOWN_SENDER (reached only by an
 *      unsigned record while signatures are not required);
 *      (a record refused in 3-7 is not remembered, so it burns no event id of the participant
 *      it claims to come from)
 *   8. (sender, event_id) seen before: same value (SHA-256) -> DUPLICATE, answered with a
 *      receipt naming the first outcome; different value -> REFUSED EVENT_ID_REUSED;
 *   9. Kafka key absent, not strict UTF-8, or not the entity id named by the handler table ->
 *      REFUSED KEY_MISMATCH (one rule for every record type);
 *  10. the service's decision (service.h) -> APPLIED, or REFUSED (its effects undone in
 *      memory); a record whose emitted records would exceed message.max.bytes -> REFUSED
 *      RECORD_TOO_LARGE.
 * Every record gets a message_log row, with its signature headers and the outcome of step 3
 * (authn); a refused one also a rejection row with its headers. Receipts go through the
 * outbox to the participant's own topic, <receipts_prefix><id> (gfdx.receipts.<id>), keyed by
 * the authenticated participant id only: a record whose sender is not authenticated (step 3)
 * or not registered gets none (it is still logged and kept as a rejection). Event ids are
 * compared, stored and answered in canonical lower-case form. */
#ifndef GFDX_INBOUND_H
#define GFDX_INBOUND_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit_chain.h"
#include "avro_catalog.h"
#include "service.h"
#include "sign.h"

typedef enum { GFDX_OUT_APPLIED, GFDX_OUT_REFUSED, GFDX_OUT_DUPLICATE, GFDX_OUT_DEAD_LETTER } gfdx_outcome;

const char *gfdx_outcome_name(gfdx_outcome o);

/* A raw consumed message (borrowed). */
typedef struct {
    const char *topic;
    int32_t partition;
    int64_t offset;
    const void *key;
    size_t key_len;
    const void *value;
    size_t value_len;
    gfdx_clock clock;  /* log-append time, else the time the daemon polled it (service.h) */
    const void *kid, *sig;      /* the gfdx-kid / gfdx-sig header values, NULL when absent */
    size_t kid_len, sig_len;
} gfdx_raw_msg;

/* Everything the pipeline needs besides the message (borrowed, set up by the daemon). */
typedef struct {
    const gfdx_service *service;
    const char *qschema;
    const char *receipts_prefix; /* receipts go to <prefix><participant id> (DESIGN §2) */
    const char *service_participant;
    const gfdx_catalog *catalog;
    const gfdx_registry *registry;
    const gfdx_calendar *calendar;
    size_t max_message_bytes;   /* the producer's message.max.bytes (gfdx_outbox_max_message_bytes) */
    int64_t skew_past_ms, skew_future_ms; /* meta.occurred_at bounds; 0: record_limits.h defaults */
    gfdx_chain_head *chain;     /* the message-log chain head, locked by the caller's batch; each
                                   logged row advances it (the caller writes it back) */
    bool require_signatures;    /* security.require_signatures (step 3) */
    int threads;                /* batch.threads: signing what the batch emits is spread over them */
} gfdx_inbound;

/* Start-up check of the handler table against topics.consume: every consumed topic must carry
 * a record type of the table and every topic of the table must be consumed. 0, or -1 with
 * err (a configuration error). */
int gfdx_inbound_check_topics(const gfdx_service *svc, char *const *topics, size_t ntopics, char *err,
                              size_t errlen) __attribute__((warn_unused_result));

/* What the pipeline learnt of one message (batch.c fills the rest). Owned by the batch:
 * gfdx_msg_release frees the decoded body. */
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
    const gfdx_handler *handler;           /* set when steps 1-7 passed */
    char kid[GFDX_SIGN_MAX_KID];           /* gfdx-kid as text ("" absent, "?" not a kid's chars) */
    const char *authn;                     /* message_log.authn: NULL (not reached), "OK", "UNSIGNED", a refusal */
    gfdx_record rec;                       /* the record as handlers see it (when admitted) */
    bool admitted;                         /* steps 1-7 passed: it goes on to duplicates and the handler */
    gfdx_outcome outcome;
    char reason_code[48];
    char reason[512];
} gfdx_msg;

/* Steps 1-7 of the list above, in memory (no database): fills s from m (borrowed: m must
 * outlive s). On return either s->admitted, or the verdict is set (REFUSED or DEAD_LETTER). */
void gfdx_inbound_admit(const gfdx_inbound *in, const gfdx_raw_msg *m, gfdx_msg *s);

/* gfdx_inbound_admit in its three parts, for a batch verified on several threads: decode
 * (steps 1-2; fills s), verify (step 3: touches only s and may run on any thread, several
 * messages at once), check (steps 4-7). Each does nothing once a verdict is set. */
void gfdx_inbound_decode(const gfdx_inbound *in, const gfdx_raw_msg *m, gfdx_msg *s);
void gfdx_inbound_verify(const gfdx_inbound *in, gfdx_msg *s);
void gfdx_inbound_check(const gfdx_inbound *in, gfdx_msg *s);

/* Step 9, the one key rule: true when the Kafka key is the entity id of s's handler, else
 * false with the verdict KEY_MISMATCH set. */
bool gfdx_inbound_key_matches(gfdx_msg *s);

/* Sets a verdict (code and reason may be NULL). */
void gfdx_msg_verdict(gfdx_msg *s, gfdx_outcome o, const char *code, const char *reason);

void gfdx_msg_release(gfdx_msg *s);

#endif
