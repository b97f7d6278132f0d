-- gfdx-push state (DESIGN §6.2, §7). search_path is the pboc schema.
-- pboc.need and pboc.dispatch are also read by gfdx-feedback (same agency, same database):
-- their columns are a contract; add columns, never rename or drop them.

-- One row per need pushed by MIIT: what was received, where it was routed, its state.
CREATE TABLE need (
    need_id             text        PRIMARY KEY,
    province            text        NOT NULL,          -- factory.province, GB/T 2260
    location_region     text        NOT NULL,          -- project.location_region
    branch_id           text        NOT NULL,          -- routed branch (deploy/routing.cfg)
    quarter             text        NOT NULL,          -- e.g. 2026Q2 (next quarter when late)
    late                boolean     NOT NULL,
    is_major            boolean     NOT NULL,
    priority_tags       text[]      NOT NULL DEFAULT '{}',
    financing_amount    bigint      NOT NULL CHECK (financing_amount > 0),  -- fen
    catalogue_code      text        NOT NULL,
    uscc                text        NOT NULL,
    factory_name        text        NOT NULL,
    project_name        text        NOT NULL,
    status              text        NOT NULL CHECK (status IN ('DISPATCHED', 'WITHDRAWN')),
    snapshot            jsonb       NOT NULL,          -- the NeedPushed body without meta
    received_at         timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    -- beyond the contract
    recommended_by      text        NOT NULL,          -- province authority participant id
    batch_id            text        NOT NULL,
    push_event_id       text        NOT NULL,          -- meta.event_id of the NeedPushed
    pushed_at           timestamptz NOT NULL,          -- its meta.occurred_at
    withdrawn_event_id  text,
    withdrawn_at        timestamptz,                   -- meta.occurred_at of NeedPushWithdrawn
    withdrawn_reason    text,
    CHECK ((status = 'WITHDRAWN') = (withdrawn_at IS NOT NULL))
);
CREATE INDEX need_branch_quarter ON need (branch_id, quarter);
CREATE INDEX need_province_quarter ON need (province, quarter);
CREATE INDEX need_uscc ON need (uscc);

-- One row per (need, bank): the banks registered for the need's branch when it arrived.
CREATE TABLE dispatch (
    need_id        text        NOT NULL REFERENCES need (need_id),
    bank_id        text        NOT NULL,
    branch_id      text        NOT NULL,
    status         text        NOT NULL CHECK (status IN ('ACTIVE', 'CANCELLED')),
    dispatched_at  timestamptz NOT NULL DEFAULT now(),
    cancelled_at   timestamptz,
    PRIMARY KEY (need_id, bank_id),
    CHECK ((status = 'CANCELLED') = (cancelled_at IS NOT NULL))
);
CREATE INDEX dispatch_bank ON dispatch (bank_id, status);
