-- The relay's claim (common/outbox.c claim_sql) looks, every round, for keys whose rows
-- another live instance has claimed. Written as claimed_by <> $instance, that predicate
-- cannot use an index: each round read every pending row (a backlog of thousands, each
-- round), 90 ms a round in the push benchmark (bench/run.sh, pg_stat_statements). The claim
-- now asks for claimed_by < $instance OR claimed_by > $instance, two ranges of this index,
-- empty when one instance runs: microseconds, whatever the backlog.
CREATE INDEX outbox_claimer ON outbox (claimed_by, topic, key, id)
    WHERE published_at IS NULL AND failed_at IS NULL AND claimed_by IS NOT NULL;
