-- The loan's life after disbursement (LoanStatusReported, DESIGN §6.3) and the green-washing
-- guards of issue 12. Rules: services/feedback/feedback_loan.h, feedback_guard.h. Money is
-- bigint fen; repayments and balances are principal.

-- One row per (need, bank) that reported its loan: the latest reported period and the
-- figures as of its end. repaid_before is the cumulative principal repaid before that period,
-- so that a correction of the same period replaces its repayment instead of adding to it.
-- disbursed_at_report: the bank's disbursed total when the period was reported (a later
-- disbursement adds to the outstanding balance until the next report).
CREATE TABLE loan (
    need_id              text        NOT NULL,
    bank_id              text        NOT NULL,
    period               text        NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    outstanding          bigint      NOT NULL CHECK (outstanding >= 0),
    repaid_period        bigint      NOT NULL CHECK (repaid_period >= 0),
    repaid_before        bigint      NOT NULL CHECK (repaid_before >= 0),
    repaid_total         bigint      NOT NULL CHECK (repaid_total >= 0),
    status               text        NOT NULL CHECK (status IN ('NORMAL', 'OVERDUE', 'NON_PERFORMING')),
    days_overdue         integer     NOT NULL DEFAULT 0 CHECK (days_overdue BETWEEN 0 AND 36500),
    funding_tool         text        NOT NULL CHECK (funding_tool IN ('NONE', 'CARBON_REDUCTION_FACILITY',
                                         'TECH_INNOVATION_RELENDING', 'OTHER')),
    funding_tool_name    text        CHECK (funding_tool_name IS NULL OR char_length(funding_tool_name) BETWEEN 1 AND 200),
    disbursed_at_report  bigint      NOT NULL CHECK (disbursed_at_report > 0),
    reports              integer     NOT NULL CHECK (reports >= 1),   -- records applied, corrections included
    last_event_id        text        NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (need_id, bank_id),
    CHECK (repaid_total = repaid_before + repaid_period),
    CHECK (outstanding + repaid_total <= disbursed_at_report),
    CHECK ((funding_tool = 'OTHER') = (funding_tool_name IS NOT NULL))
);
CREATE INDEX loan_status ON loan (status) WHERE status <> 'NORMAL';

-- Append-only: every applied LoanStatusReported. A correction (the same period again) has
-- supersedes_event_id: the report it replaces, which stays here as history.
CREATE TABLE loan_event (
    id                   bigserial   PRIMARY KEY,
    need_id              text        NOT NULL,
    bank_id              text        NOT NULL,
    event_id             text        NOT NULL UNIQUE,
    period               text        NOT NULL,
    repaid_period        bigint      NOT NULL CHECK (repaid_period >= 0),
    repaid_total         bigint      NOT NULL CHECK (repaid_total >= 0),
    outstanding          bigint      NOT NULL CHECK (outstanding >= 0),
    status               text        NOT NULL,
    days_overdue         integer     NOT NULL,
    funding_tool         text        NOT NULL,
    funding_tool_name    text,
    supersedes_event_id  text,
    occurred_at          timestamptz NOT NULL,
    recorded_at          timestamptz NOT NULL DEFAULT now(),
    detail               jsonb       NOT NULL                -- the record as received
);
CREATE INDEX loan_event_need ON loan_event (need_id, bank_id, id);

CREATE FUNCTION loan_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'feedback.loan_event is append-only';
END $$;
CREATE TRIGGER loan_event_append_only BEFORE UPDATE OR DELETE ON loan_event
    FOR EACH STATEMENT EXECUTE FUNCTION loan_event_append_only();

-- The need's aggregate carries the loans (NeedMatchingStatus v3); defaults keep the rows
-- written before this migration valid.
ALTER TABLE need_status
    ADD COLUMN outstanding_total     bigint  NOT NULL DEFAULT 0 CHECK (outstanding_total >= 0),
    ADD COLUMN repaid_total          bigint  NOT NULL DEFAULT 0 CHECK (repaid_total >= 0),
    ADD COLUMN loans_overdue         integer NOT NULL DEFAULT 0 CHECK (loans_overdue >= 0),
    ADD COLUMN loans_non_performing  integer NOT NULL DEFAULT 0 CHECK (loans_non_performing >= 0);

-- The new alert kinds: loans overdue or non-performing, and the two guards that can fire.
-- (Another migration that adds kinds must list these too.)
ALTER TABLE alert DROP CONSTRAINT alert_kind_check;
ALTER TABLE alert ADD CONSTRAINT alert_kind_check CHECK (kind IN ('DISBURSED_ON_WITHDRAWN_NEED',
    'APPROVED_ABOVE_REQUESTED', 'NOT_GREEN_ELIGIBLE', 'LOAN_OVERDUE', 'LOAN_NON_PERFORMING',
    'NOT_IN_CATALOGUE', 'NOT_ON_GREEN_FACTORY_LIST'));
