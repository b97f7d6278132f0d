-- Outbox relay state (common/outbox.h has the contract).
-- claimed_by / claimed_until / claimed_session: the relay instance that handed the row to
-- librdkafka, until when that claim holds (longer than librdkafka's message.timeout.ms, so a
-- delivery report always arrives first), and the PostgreSQL session that claimed it
-- ("pid@backend_start"); other instances, and later rounds of the same one, skip claimed
-- rows. The claim of a crashed instance ends with its session (at once after kill -9), and
-- the rows are published again (consumers deduplicate by meta.event_id).
-- failed_at / failure: a row the producer refused permanently (too large, unknown topic,
-- invalid): set aside, never retried, never blocking the rows behind it. To publish it
-- again after a fix: UPDATE <schema>.outbox SET failed_at = NULL, failure = NULL WHERE id = ...
ALTER TABLE outbox
    ADD COLUMN claimed_by    text,
    ADD COLUMN claimed_until timestamptz,
    ADD COLUMN claimed_session text,
    ADD COLUMN failed_at     timestamptz,
    ADD COLUMN failure       text;

-- Rows still to publish, in id order, and the per-key check "no earlier row of this key is
-- in flight at another instance".
CREATE INDEX outbox_pending ON outbox (id) WHERE published_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_pending_key ON outbox (topic, key, id) WHERE published_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_failed ON outbox (id) WHERE failed_at IS NOT NULL AND published_at IS NULL;
