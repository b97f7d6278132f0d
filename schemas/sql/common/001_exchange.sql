-- The tables every gfdx schema has (DESIGN §7, §8). Applied once per service schema with
-- search_path set to that schema, so the names below land in intake., pboc., district., ...

-- Offsets stored in the same transaction as the state they produced (effectively once).
-- next_offset is the offset of the next record to apply on (topic, partition).
CREATE TABLE kafka_offset (
    topic        text        NOT NULL,
    partition    integer     NOT NULL,
    next_offset  bigint      NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, partition)
);

-- Records for other agencies, written with the state change, published afterwards by an
-- idempotent producer; published_at is set on the delivery report.
CREATE TABLE outbox (
    id            bigserial   PRIMARY KEY,
    event_id      uuid        NOT NULL UNIQUE,
    topic         text        NOT NULL,
    key           bytea,
    value         bytea       NOT NULL,
    record_type   text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;

-- Undecodable records, kept with their raw bytes (bad marker, unknown fingerprint, truncated).
CREATE TABLE dead_letter (
    id           bigserial   PRIMARY KEY,
    topic        text        NOT NULL,
    partition    integer     NOT NULL,
    "offset"     bigint      NOT NULL,
    key          bytea,
    value        bytea,
    fingerprint  text,
    reason_code  text        NOT NULL,
    reason       text        NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    replayed_at  timestamptz,
    UNIQUE (topic, partition, "offset")
);

-- Decodable records refused (invalid, unauthorized, illegal transition), kept whole.
CREATE TABLE rejection (
    id           bigserial   PRIMARY KEY,
    event_id     text,
    topic        text        NOT NULL,
    partition    integer     NOT NULL,
    "offset"     bigint      NOT NULL,
    sender       text,
    record_type  text        NOT NULL,
    entity_id    text,
    reason_code  text        NOT NULL,
    reason       text        NOT NULL,
    record       jsonb,
    value        bytea,
    received_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (topic, partition, "offset")
);
CREATE INDEX rejection_entity ON rejection (entity_id);

-- Every consumed record: what arrived, from whom, and what became of it.
CREATE TABLE message_log (
    topic         text        NOT NULL,
    partition     integer     NOT NULL,
    "offset"      bigint      NOT NULL,
    event_id      text,
    sender        text,
    record_type   text,
    fingerprint   text,
    value_sha256  text        NOT NULL,
    outcome       text        NOT NULL
                  CHECK (outcome IN ('APPLIED', 'REFUSED', 'DUPLICATE', 'DEAD_LETTER')),
    reason_code   text,
    received_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, partition, "offset")
);
CREATE INDEX message_log_event ON message_log (event_id);

-- First sight of each event_id: a sender's retry is recognised and answered, not re-applied.
CREATE TABLE inbound_event (
    event_id     text        PRIMARY KEY,
    record_type  text        NOT NULL,
    outcome      text        NOT NULL,
    reason_code  text,
    topic        text        NOT NULL,
    partition    integer     NOT NULL,
    "offset"     bigint      NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);
