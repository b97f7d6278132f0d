/* batch.h: a batch of consumed messages applied in one transaction (issue 11, DESIGN §8).
 *
 * The caller (daemon.c) admits every message in memory first (gfdx_inbound_admit: decode,
 * authenticate, limits, topic, sender), then, inside its transaction (chain head locked,
 * offsets stored and COMMIT after this call), gfdx_batch_apply:
 *   1. duplicates: one statement looks up the (sender, event_id) of every admitted message;
 *      a second message of the same pair within the batch is a duplicate of the first;
 *   2. the key rule (KEY_MISMATCH) for the rest;
 *   3. the service's load hook queues what the decisions read; one statement per (table,
 *      column) loads it (rowset.h);
 *   4. each record in offset order is decided (service.h) on the rowset: later records of an
 *      entity see the earlier ones' effects, a refusal is undone in memory;
 *   5. each message's bookkeeping is staged: rejection or dead letter, receipt (outbox),
 *      inbound_event (what is remembered), the message_log row with its hash chain;
 *   6. one gfdx_rowset_write: the service's tables, then outbox, inbound_event, rejection,
 *      dead_letter, message_log, one statement per table that has rows.
 * A permanent failure of the batch (a row PostgreSQL refuses) is answered by the caller by
 * bisecting: each half in its own transaction, down to the one poison message, which is then
 * applied with `poison_why` set: kept as a dead letter STORE_ERROR, so the rest applies.
 *
 * Transitional: a service whose handlers still have only the old per-record fn (service.h) is
 * run record by record under a savepoint in step 4; it goes away with that API. */
#ifndef GFDX_BATCH_H
#define GFDX_BATCH_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "inbound.h"

/* Applies msgs[0..n) (admitted by gfdx_inbound_admit, in offset order) in the open
 * transaction. 0 with every msgs[i].outcome set; -1 with err and *transient (the caller rolls
 * back; the messages may be applied again: verdicts of admitted messages are recomputed).
 * poison_why (n must be 1): keep the message as a dead letter STORE_ERROR with that reason. */
int gfdx_batch_apply(const gfdx_inbound *in, PGconn *db, gfdx_msg *msgs, size_t n, const char *poison_why,
                     char *err, size_t errlen, bool *transient) __attribute__((warn_unused_result));

/* The bookkeeping tables every service schema has (migrations common/), for tests and tools. */
extern const gfdx_table gfdx_message_log_table, gfdx_inbound_event_table, gfdx_rejection_table,
    gfdx_dead_letter_table;

#endif
