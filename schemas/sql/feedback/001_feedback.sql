-- gfdx-feedback state (DESIGN §6.3, §7). search_path is the feedback schema.
-- gfdx-feedback also READS pboc.need and pboc.dispatch (owned by gfdx-push, same database);
-- it never writes them. Money is bigint fen throughout.

-- One row per (need, bank): the bank's matching stage, its approval and disbursements.
-- Stage rules: services/feedback/feedback_fsm.h; amount rules: feedback_rules.h.
CREATE TABLE matching (
    need_id             text        NOT NULL,
    bank_id             text        NOT NULL,           -- participant id of the bank
    branch_id           text        NOT NULL,           -- PBoC branch of the dispatch
    stage               text        NOT NULL CHECK (stage IN ('NONE', 'CONTACTED', 'DUE_DILIGENCE',
                                        'CREDIT_APPROVED', 'DISBURSED', 'DECLINED')),
    contacted           boolean     NOT NULL DEFAULT false, -- reached CONTACTED at some point
    product             text,                           -- FinancingProduct symbol
    approved_amount     bigint      NOT NULL DEFAULT 0 CHECK (approved_amount >= 0),
    rate_bp             integer     CHECK (rate_bp BETWEEN 0 AND 10000),
    term_months         integer     CHECK (term_months BETWEEN 1 AND 600),
    disbursed_total     bigint      NOT NULL DEFAULT 0 CHECK (disbursed_total >= 0),
    disbursements       integer     NOT NULL DEFAULT 0 CHECK (disbursements >= 0),
    decline_reason      text,                           -- DeclineReason symbol, DECLINED only
    open_obstacles      integer     NOT NULL DEFAULT 0 CHECK (open_obstacles >= 0),
    contacted_at        timestamptz,                    -- times are the bank's meta.occurred_at
    approved_at         timestamptz,                    -- latest CREDIT_APPROVED
    first_disbursed_at  timestamptz,
    last_disbursed_at   timestamptz,
    declined_at         timestamptz,
    last_event_id       text        NOT NULL,           -- the record that last changed the row
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (need_id, bank_id),
    CHECK (disbursed_total <= approved_amount),
    CHECK ((stage = 'DECLINED') = (decline_reason IS NOT NULL))
);
CREATE INDEX matching_bank_stage ON matching (bank_id, stage);

-- Append-only history: one row per applied MatchingFeedback, ObstacleRaised, ObstacleResolved.
CREATE TABLE matching_event (
    id           bigserial   PRIMARY KEY,
    need_id      text        NOT NULL,
    bank_id      text        NOT NULL,
    event_id     text        NOT NULL UNIQUE,            -- meta.event_id of the applied record
    record_type  text        NOT NULL,
    sender       text        NOT NULL,
    from_stage   text        NOT NULL,
    to_stage     text        NOT NULL,
    amount       bigint,                                 -- approved or disbursed by this record
    obstacle_id  text,
    occurred_at  timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    detail       jsonb       NOT NULL                    -- the record as received
);
CREATE INDEX matching_event_need ON matching_event (need_id, id);

CREATE FUNCTION matching_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'feedback.matching_event is append-only';
END $$;
CREATE TRIGGER matching_event_append_only BEFORE UPDATE OR DELETE ON matching_event
    FOR EACH STATEMENT EXECUTE FUNCTION matching_event_append_only();

-- Per-need aggregate (services/feedback/feedback_aggregate.h); every change of the published
-- columns is sent as NeedMatchingStatus to gfdx.matching-status (status_changes counts them).
CREATE TABLE need_status (
    need_id           text        PRIMARY KEY,
    province          text        NOT NULL,
    branch_id         text        NOT NULL,
    overall           text        NOT NULL CHECK (overall IN ('AWAITING', 'MATCHING', 'APPROVED',
                                      'FINANCED', 'DECLINED_ALL', 'BLOCKED')),
    banks_dispatched  integer     NOT NULL,
    banks_contacted   integer     NOT NULL,
    banks_approved    integer     NOT NULL,
    banks_declined    integer     NOT NULL,
    approved_total    bigint      NOT NULL,
    disbursed_total   bigint      NOT NULL,
    open_obstacles    integer     NOT NULL,
    status_changes    integer     NOT NULL DEFAULT 0,   -- NeedMatchingStatus records written
    last_event_id     text        NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX need_status_province ON need_status (province, overall);

-- Financing obstacles (融资梗阻): raised by a bank, resolved by the need's province authority
-- or PBoC branch. obstacle_id is the meta.event_id of the ObstacleRaised record.
CREATE TABLE obstacle (
    obstacle_id        text        PRIMARY KEY,
    need_id            text        NOT NULL,
    bank_id            text        NOT NULL,
    province           text        NOT NULL,
    branch_id          text        NOT NULL,
    category           text        NOT NULL CHECK (category IN ('COLLATERAL', 'CREDIT_RATING', 'COMPLIANCE',
                                       'INFORMATION', 'POLICY', 'OTHER')),
    description        text        NOT NULL,
    status             text        NOT NULL CHECK (status IN ('OPEN', 'RESOLVED')),
    raised_at          timestamptz NOT NULL,               -- the bank's meta.occurred_at
    resolved_by        text,                               -- participant id
    resolved_by_official text,
    resolution         text,
    resolved_at        timestamptz,
    resolved_event_id  text,
    CHECK ((status = 'RESOLVED') = (resolved_at IS NOT NULL))
);
CREATE INDEX obstacle_need ON obstacle (need_id, bank_id);
CREATE INDEX obstacle_open ON obstacle (province, raised_at) WHERE status = 'OPEN';

-- Green-washing alerts (防范洗绿/漂绿), kept for monitoring and reports. Rules:
-- services/feedback/feedback_rules.h. An alert never refuses the record that raised it.
CREATE TABLE alert (
    id          bigserial   PRIMARY KEY,
    kind        text        NOT NULL CHECK (kind IN ('DISBURSED_ON_WITHDRAWN_NEED',
                                'APPROVED_ABOVE_REQUESTED', 'NOT_GREEN_ELIGIBLE')),
    need_id     text        NOT NULL,
    bank_id     text,                                    -- the bank whose record raised it
    detail      text        NOT NULL,                    -- one sentence for operators
    facts       jsonb       NOT NULL,                    -- the figures the rule looked at
    event_id    text        NOT NULL,                    -- the record that raised it
    raised_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_need ON alert (need_id);
CREATE INDEX alert_kind_time ON alert (kind, raised_at);
