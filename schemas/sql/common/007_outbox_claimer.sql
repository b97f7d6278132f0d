-- The relay's claim (common/outbox.c claim_sql) looks, every round, for keys whose rows
-- another live instance has claimed. Written as claimed_by <> $instance, that predicate
-- cannot use an index: each round read every pending row (15.5 ms for 10,001 pending rows,
-- EXPLAIN ANALYZE on a push benchmark's database). The claim now asks for
-- claimed_by < $instance OR claimed_by > $instance, two ranges of this index, empty when one
-- instance runs (0.19 ms there), whatever the backlog.
CREATE INDEX outbox_claimer ON outbox (claimed_by, topic, key, id)
    WHERE published_at IS NULL AND failed_at IS NULL AND claimed_by IS NOT NULL;
