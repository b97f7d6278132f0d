-- Offset gaps (DESIGN §8): records the consumer can never apply because the broker no
-- longer has them (retention, or the dev broker's per-partition size limit, passed the
-- stored offset). One row per gap, written in the same transaction that moves
-- kafka_offset past it, so a gap is recorded exactly once whatever crashes or retries.
-- Offsets from_offset..to_offset (inclusive) were never consumed; whoever sent them must
-- be asked to send them again.
CREATE TABLE offset_gap (
    id              bigserial   PRIMARY KEY,
    topic           text        NOT NULL,
    partition       integer     NOT NULL,
    from_offset     bigint      NOT NULL,   -- the stored next_offset: first missing record
    to_offset       bigint      NOT NULL,   -- last missing record (next available - 1)
    record_count    bigint      GENERATED ALWAYS AS (to_offset - from_offset + 1) STORED,
    low_watermark   bigint,                 -- the broker's earliest offset, as last seen
    detected_by     text        NOT NULL,   -- host and pid of the instance that saw it
    detected_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (to_offset >= from_offset)
);
CREATE INDEX offset_gap_partition ON offset_gap (topic, partition, from_offset);
