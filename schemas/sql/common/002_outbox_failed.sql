-- Outbox relay state (common/outbox.h has the contract).
-- claimed_by / claimed_until: the relay instance that handed the row to librdkafka, and until
-- when that claim holds (longer than librdkafka's message.timeout.ms, so a delivery report
-- always arrives first); other instances, and later rounds of the same one, skip claimed
-- rows. A crashed instance's claims lapse and the rows are published again (consumers
-- deduplicate by meta.event_id).
-- failed_at / failure: a row the producer refused permanently (too large, unknown topic,
-- invalid): set aside, never retried, never blocking the rows behind it. To publish it
-- again after a fix: UPDATE <schema>.outbox SET failed_at = NULL, failure = NULL WHERE id = ...
ALTER TABLE outbox
    ADD COLUMN claimed_by    text,
    ADD COLUMN claimed_until timestamptz,
    ADD COLUMN failed_at     timestamptz,
    ADD COLUMN failure       text;

-- Rows still to publish, in id order, and the per-key check "no earlier row of this key is
-- in flight at another instance".
CREATE INDEX outbox_pending ON outbox (id) WHERE published_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_pending_key ON outbox (topic, key, id) WHERE published_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_failed ON outbox (id) WHERE failed_at IS NOT NULL AND published_at IS NULL;
