-- gfdx-platform state: Shanghai's 产业绿贷 half-year filings (DESIGN §6.5, §7).
-- Applied with search_path set to the platform schema.
--
-- Public contract (read-only for the CLI, reports and operators):
--   platform.filing              one row per filing key (institution|period): its current version
--   platform.filing_history      view: every version of every filing, current or superseded
--   platform.filing_current_row  view: the rows of the current version of every filing, with
--                                the institution, its kind, the period and the table (the
--                                semi-annual report reads only this and filing_history)
-- Internal: filing_version (one row per accepted filing, append-only), filing_row (each
-- version's rows, append-only: a superseded version's rows are kept as filed).
-- Amounts are fen (1 万元 = 1,000,000 fen).

CREATE TABLE filing (
    filing_id        text        PRIMARY KEY,          -- institution || '|' || period
    institution      text        NOT NULL,             -- participant id, the sender
    institution_kind text        NOT NULL CHECK (institution_kind IN ('bank', 'guarantor', 'insurer', 'fund', 'underwriter')),
    period           text        NOT NULL CHECK (period ~ '^[0-9]{4}H[12]$'),
    table_no         integer     NOT NULL CHECK (table_no BETWEEN 1 AND 5),
    version          integer     NOT NULL CHECK (version >= 1), -- 1 the first filing, +1 per supersession
    event_id         text        NOT NULL,             -- the current version's event
    row_count        integer     NOT NULL CHECK (row_count >= 0),
    filed_at         timestamptz NOT NULL,             -- meta.occurred_at: the sender's claim
    received_at      timestamptz NOT NULL,             -- the exchange's clock (DESIGN §8)
    first_received_at timestamptz NOT NULL,
    CHECK (filing_id = institution || '|' || period)
);

CREATE TABLE filing_version (
    filing_id   text        NOT NULL,
    version     integer     NOT NULL CHECK (version >= 1),
    institution text        NOT NULL,
    period      text        NOT NULL,
    table_no    integer     NOT NULL CHECK (table_no BETWEEN 1 AND 5),
    event_id    text        NOT NULL,
    sender      text        NOT NULL,
    row_count   integer     NOT NULL CHECK (row_count >= 0),
    totals      jsonb       NOT NULL DEFAULT '{}',     -- fen per money column of the version
    filed_at    timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (filing_id, version)
);

CREATE TABLE filing_row (
    filing_id           text    NOT NULL,
    version             integer NOT NULL,
    row_no              integer NOT NULL CHECK (row_no >= 1),   -- 序, as filed
    enterprise          text    NOT NULL,
    uscc                text    NOT NULL,
    registration_region text    NOT NULL CHECK (registration_region ~ '^31[0-9]{4}$'),
    project_name        text,
    project_type        text,                                  -- 表1 项目类型
    loan_type           text    CHECK (loan_type IN ('PROJECT_LOAN', 'WORKING_CAPITAL')),
    disbursed           bigint  CHECK (disbursed >= 0),
    balance             bigint  CHECK (balance >= 0),
    emc_loan_type       text    CHECK (emc_loan_type IN ('PROJECT_LOAN', 'WORKING_CAPITAL')),
    emc_disbursed       bigint  CHECK (emc_disbursed >= 0),
    emc_balance         bigint  CHECK (emc_balance >= 0),
    guaranteed          bigint  CHECK (guaranteed >= 0),
    insurance_type      text,
    insured             bigint  CHECK (insured >= 0),
    claims_paid         bigint  CHECK (claims_paid >= 0),
    invested            bigint  CHECK (invested >= 0),
    bond_amount         bigint  CHECK (bond_amount >= 0),
    PRIMARY KEY (filing_id, version, row_no),
    FOREIGN KEY (filing_id, version) REFERENCES filing_version (filing_id, version)
);
CREATE INDEX filing_row_uscc ON filing_row (uscc);

-- Every version of every filing: superseded_at is when the next version arrived (NULL: current).
CREATE VIEW filing_history AS
SELECT v.filing_id, v.institution, f.institution_kind, v.period, v.table_no, v.version,
       v.version = f.version AS is_current, v.event_id, v.row_count, v.totals, v.filed_at, v.received_at,
       (SELECT n.received_at FROM filing_version n WHERE n.filing_id = v.filing_id AND n.version = v.version + 1)
           AS superseded_at
  FROM filing_version v JOIN filing f USING (filing_id);

-- The rows of the current version of every filing: what the semi-annual tables are made of.
CREATE VIEW filing_current_row AS
SELECT f.filing_id, f.institution, f.institution_kind, f.period, f.table_no, f.version, f.received_at,
       r.row_no, r.enterprise, r.uscc, r.registration_region, r.project_name, r.project_type, r.loan_type,
       r.disbursed, r.balance, r.emc_loan_type, r.emc_disbursed, r.emc_balance, r.guaranteed,
       r.insurance_type, r.insured, r.claims_paid, r.invested, r.bond_amount
  FROM filing f JOIN filing_row r ON r.filing_id = f.filing_id AND r.version = f.version;
