/* audit_chain.h: the hash chain of <schema>.message_log (DESIGN §8, issue 10), shared by the
 * daemons (which append) and `gfdx audit verify` (which recomputes).
 *
 * Row hash, so that another agency can recompute it from a copy of the table:
 *   row_hash = SHA-256( prev_hash || E(row) )
 * prev_hash is the previous row's row_hash in the schema's chain (chain_seq - 1), or 32 zero
 * bytes for the first row of the chain (chain_seq 1). E(row) is the concatenation of these
 * fields, in this order, each as uint32_be(length) || bytes, a NULL field as uint32_be
 * 0xFFFFFFFF and no bytes:
 *   "gfdx-log-v1", schema, topic, partition (decimal ASCII), offset (decimal ASCII), event_id,
 *   sender, record_type, fingerprint, value_sha256 (hex), key (raw bytes), value (raw bytes),
 *   kid, sig (raw bytes), outcome, reason_code.
 * Text fields are the UTF-8 bytes stored in message_log. received_at is NOT covered (it is
 * set by PostgreSQL's clock); the row's place in the chain is (chain_seq, prev_hash).
 * Rows written before migration 006 have chain_seq NULL and are outside the chain. */
#ifndef GFDX_AUDIT_CHAIN_H
#define GFDX_AUDIT_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#define GFDX_CHAIN_HASH_LEN 32

/* The chain head a batch appends to: rows in the chain and the last row's hash (32 zero
 * bytes when empty). Read with the head row locked, advanced by each log row in memory, and
 * written back once per batch (common/daemon.c). */
typedef struct {
    long long rows;
    unsigned char hash[GFDX_CHAIN_HASH_LEN];
} gfdx_chain_head;

/* One field of E(row): NULL data with len 0 encodes SQL NULL. */
typedef struct {
    const void *data;
    size_t len;
} gfdx_chain_field;

/* The fields of a row in E(row) order, without the leading "gfdx-log-v1" tag. */
enum {
    GFDX_CF_SCHEMA, GFDX_CF_TOPIC, GFDX_CF_PARTITION, GFDX_CF_OFFSET, GFDX_CF_EVENT_ID, GFDX_CF_SENDER,
    GFDX_CF_RECORD_TYPE, GFDX_CF_FINGERPRINT, GFDX_CF_VALUE_SHA256, GFDX_CF_KEY, GFDX_CF_VALUE, GFDX_CF_KID,
    GFDX_CF_SIG, GFDX_CF_OUTCOME, GFDX_CF_REASON_CODE, GFDX_CF_COUNT
};

/* A text field (NULL stays NULL). */
gfdx_chain_field gfdx_chain_text(const char *s);

/* E(row) into a malloc'd buffer (*out, caller frees), its length in *outlen. 0, or -1 when
 * out of memory. */
int gfdx_chain_encode(const gfdx_chain_field f[GFDX_CF_COUNT], unsigned char **out, size_t *outlen)
    __attribute__((warn_unused_result));

/* row_hash = SHA-256(prev || E(row)). 0, or -1 when out of memory. */
int gfdx_chain_row_hash(const unsigned char prev[GFDX_CHAIN_HASH_LEN], const gfdx_chain_field f[GFDX_CF_COUNT],
                        unsigned char out[GFDX_CHAIN_HASH_LEN]) __attribute__((warn_unused_result));

#endif
