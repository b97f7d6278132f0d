-- Proof of origin (DESIGN §4, §5). Every consumed record's signature headers are kept with
-- it (message_log, and rejection for a refused one), with the outcome of its authentication:
-- authn = 'OK' (verified under a current key of meta.sender), 'UNSIGNED' (accepted without a
-- signature while security.require_signatures = false: counted, never silent), or the
-- refusal code (UNSIGNED, UNKNOWN_KEY, KEY_NOT_OF_SENDER, KEY_EXPIRED, BAD_SIGNATURE); NULL for
-- a record never decoded (dead letter, oversized value).
-- Every emitted record is signed when it is written to the outbox (over the exact key and
-- value the relay produces): sig_kid / sig are sent as the gfdx-kid / gfdx-sig headers.
-- Rows from before this migration have none and are sent unsigned.
ALTER TABLE message_log ADD COLUMN sig_kid text;
ALTER TABLE message_log ADD COLUMN sig bytea;
ALTER TABLE message_log ADD COLUMN authn text;
ALTER TABLE dead_letter ADD COLUMN sig_kid text; -- a replay sends them again
ALTER TABLE dead_letter ADD COLUMN sig bytea;
ALTER TABLE rejection ADD COLUMN sig_kid text;
ALTER TABLE rejection ADD COLUMN sig bytea;
ALTER TABLE outbox ADD COLUMN sig_kid text;
ALTER TABLE outbox ADD COLUMN sig bytea;
