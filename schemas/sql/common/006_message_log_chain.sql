-- The message log as proof (DESIGN §8, issue 10): every consumed record keeps its raw Kafka
-- key and value (its signature headers are sig_kid and sig, migration 005), and the rows form a hash
-- chain per schema: row_hash = SHA-256(prev_hash || E(row)), E and the exact fields in
-- common/audit_chain.h. chain_seq numbers the rows 1, 2, ... in chain order.
--
-- message_log_chain holds the chain head (one row). A daemon locks it (SELECT ... FOR UPDATE)
-- first thing in each batch transaction and holds it to COMMIT, computes each row's hash in
-- memory and writes the head back once at the end of the batch: N instances append whole
-- batches one after the other (one lock and one head update per batch), and the chain order
-- is the commit order.
--
-- Rows written before this migration have chain_seq NULL: they are outside the chain,
-- which starts at the first row logged afterwards (prev_hash = 32 zero bytes).
ALTER TABLE message_log ADD COLUMN key bytea;
ALTER TABLE message_log ADD COLUMN value bytea;
ALTER TABLE message_log ADD COLUMN chain_seq bigint UNIQUE;
ALTER TABLE message_log ADD COLUMN prev_hash bytea;
ALTER TABLE message_log ADD COLUMN row_hash bytea;

CREATE TABLE message_log_chain (
    one        boolean     PRIMARY KEY DEFAULT true CHECK (one),
    row_count  bigint      NOT NULL DEFAULT 0,
    head_hash  bytea       NOT NULL DEFAULT decode(repeat('00', 32), 'hex'),
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO message_log_chain DEFAULT VALUES;
