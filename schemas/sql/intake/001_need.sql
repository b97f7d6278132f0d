-- gfdx-intake state (DESIGN §6.1, §7). search_path is the intake schema.

-- One row per financing need: its current state and the figures reports rely on.
CREATE TABLE need (
    need_id            text        PRIMARY KEY,
    uscc               text        NOT NULL,
    factory_name       text        NOT NULL,
    province           text        NOT NULL,
    city               text,
    district           text,
    location_region    text,
    green_level        text,
    project_name       text        NOT NULL,
    project_kind       text        NOT NULL,
    catalogue_code     text,
    total_investment   bigint      NOT NULL CHECK (total_investment >= 0),
    equity             bigint      NOT NULL CHECK (equity >= 0),
    financing_amount   bigint      NOT NULL CHECK (financing_amount > 0),  -- fen
    status             text        NOT NULL CHECK (status IN ('SUBMITTED', 'APPROVED', 'REJECTED',
                                       'RETURNED', 'RECOMMENDED', 'PUSHED', 'WITHDRAWN')),
    is_major           boolean     NOT NULL,
    quarter            text,                    -- assigned quarter, e.g. 2026Q1
    late               boolean     NOT NULL DEFAULT false,
    requested_quarter  text,                    -- the quarter the province named
    batch_id           text,
    recommended_by     text,
    reviewer           text,
    review_comment     text,
    priority_tags      text[]      NOT NULL DEFAULT '{}',
    revision           integer     NOT NULL DEFAULT 0,
    snapshot           jsonb       NOT NULL,    -- latest NeedSubmitted / NeedRevised body
    -- financing outcome, from gfdx.matching-status (gfdx-feedback)
    financing_outcome  text,
    banks_contacted    integer,
    banks_approved     integer,
    banks_declined     integer,
    approved_total     bigint,
    disbursed_total    bigint,
    open_obstacles     integer,
    submitted_at       timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX need_province_quarter ON need (province, quarter);
CREATE INDEX need_status ON need (status);
CREATE INDEX need_uscc ON need (uscc);

-- Append-only history: every applied record and every status change of a need.
CREATE TABLE need_event (
    id           bigserial   PRIMARY KEY,
    need_id      text        NOT NULL,
    event_id     text        NOT NULL,
    record_type  text        NOT NULL,
    sender       text        NOT NULL,
    from_status  text,
    to_status    text        NOT NULL,
    occurred_at  timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    detail       jsonb       NOT NULL
);
CREATE INDEX need_event_need ON need_event (need_id, id);

CREATE FUNCTION need_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'intake.need_event is append-only';
END $$;
CREATE TRIGGER need_event_append_only BEFORE UPDATE OR DELETE ON need_event
    FOR EACH STATEMENT EXECUTE FUNCTION need_event_append_only();
