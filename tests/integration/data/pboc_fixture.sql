-- Test fixture: pboc.need and pboc.dispatch as gfdx-feedback reads them (the contract of
-- gfdx-push, schemas/sql/pboc/). Integration tests of gfdx-feedback load this instead of
-- running gfdx-push, then insert rows. IF NOT EXISTS: harmless where gfdx-push migrated.
CREATE SCHEMA IF NOT EXISTS pboc;

CREATE TABLE IF NOT EXISTS pboc.need (
    need_id           text        PRIMARY KEY,
    province          text        NOT NULL,
    location_region   text        NOT NULL,
    branch_id         text        NOT NULL,
    quarter           text        NOT NULL,
    late              boolean     NOT NULL,
    is_major          boolean     NOT NULL,
    priority_tags     text[]      NOT NULL DEFAULT '{}',
    financing_amount  bigint      NOT NULL CHECK (financing_amount > 0),
    catalogue_code    text        NOT NULL,
    uscc              text        NOT NULL,
    factory_name      text        NOT NULL,
    project_name      text        NOT NULL,
    status            text        NOT NULL CHECK (status IN ('DISPATCHED', 'WITHDRAWN')),
    snapshot          jsonb       NOT NULL,
    received_at       timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS pboc.dispatch (
    need_id        text        NOT NULL REFERENCES pboc.need (need_id),
    bank_id        text        NOT NULL,
    branch_id      text        NOT NULL,
    status         text        NOT NULL CHECK (status IN ('ACTIVE', 'CANCELLED')),
    dispatched_at  timestamptz NOT NULL DEFAULT now(),
    cancelled_at   timestamptz,
    via            text        NOT NULL DEFAULT 'BRANCH',  -- 003_dispatch_via.sql
    PRIMARY KEY (need_id, bank_id)
);
