-- The read-only views of feedback that the CLI's reports read (issue 13; DESIGN §7): nothing
-- outside gfdx-feedback reads feedback's tables, only these views and alert_status (004).
-- Each view's column set is its contract (COMMENT ON VIEW); a later migration may add columns
-- at the end, never rename or drop one. Money in fen, times timestamptz.
--   matching_summary    one row per (need, bank): the bank's matching stage and amounts
--   matching_history    every matching record applied, in order (append-only)
--   need_summary        one row per need: the aggregate over its banks (NeedMatchingStatus)
--   obstacle_summary    one row per obstacle a bank raised, its state
--   obstacle_history    every step of every obstacle (append-only)
--   alert_summary       one row per alert: guards, timeliness, loans; handled or open
--   loan_summary        one row per (need, bank) loan reported: its latest period

CREATE VIEW matching_summary AS
SELECT need_id, bank_id, branch_id, stage, contacted, product, approved_amount, rate_bp, term_months,
       disbursed_total, disbursements, decline_reason, open_obstacles, contacted_at, approved_at,
       first_disbursed_at, last_disbursed_at, declined_at, created_at, updated_at
  FROM matching;
COMMENT ON VIEW matching_summary IS
    'One row per (need_id, bank_id) a bank reported on: branch_id, stage (NONE, CONTACTED, DUE_DILIGENCE, '
    'CREDIT_APPROVED, DISBURSED, DECLINED), contacted (ever), product, approved_amount and disbursed_total '
    'in fen, disbursements, rate_bp, term_months, decline_reason, open_obstacles, the bank''s times '
    '(contacted_at, approved_at, first/last_disbursed_at, declined_at). Read-only.';

CREATE VIEW matching_history AS
SELECT id AS seq, need_id, bank_id, event_id, record_type, sender, from_stage, to_stage, amount, obstacle_id,
       occurred_at, recorded_at, detail
  FROM matching_event;
COMMENT ON VIEW matching_history IS
    'Every matching record applied (seq ascending = the order applied): need_id, bank_id, the record '
    '(event_id, record_type, sender), from_stage and to_stage, amount approved or disbursed by it in fen, '
    'obstacle_id for obstacle records, occurred_at (the bank''s), recorded_at, detail (the record as received, JSON). Append-only. Read-only.';

CREATE VIEW need_summary AS
SELECT need_id, province, branch_id, overall, banks_dispatched, banks_contacted, banks_approved, banks_declined,
       approved_total, disbursed_total, open_obstacles, outstanding_total, repaid_total, loans_overdue,
       loans_non_performing, status_changes, updated_at
  FROM need_status;
COMMENT ON VIEW need_summary IS
    'One row per need with feedback (need_id): province, branch_id, overall (AWAITING, MATCHING, APPROVED, '
    'FINANCED, DECLINED_ALL, BLOCKED), the banks dispatched, contacted, approved and declined, '
    'approved_total, disbursed_total, outstanding_total and repaid_total in fen, open_obstacles, '
    'loans_overdue, loans_non_performing, status_changes (NeedMatchingStatus records sent). Read-only.';

CREATE VIEW obstacle_summary AS
SELECT obstacle_id, need_id, bank_id, province, branch_id, category, description, status, raised_at,
       acknowledged_by, acknowledged_by_official, acknowledged_at, resolved_by, resolved_by_official, resolution,
       resolved_at, reopened_at, closed_at
  FROM obstacle;
COMMENT ON VIEW obstacle_summary IS
    'One row per obstacle a bank raised (obstacle_id): need_id, bank_id, province, branch_id, category, '
    'description, status (OPEN, ACKNOWLEDGED, RESOLVED, CLOSED: the bank confirmed), raised_at (the '
    'bank''s), who acknowledged and resolved it (the participant and its official) and when, the resolution, the latest reopening. Read-only.';

CREATE VIEW obstacle_history AS
SELECT id AS seq, obstacle_id, need_id, event_id, record_type, sender, from_status, to_status, text, occurred_at,
       recorded_at
  FROM obstacle_event;
COMMENT ON VIEW obstacle_history IS
    'Every step of every obstacle (seq ascending = the order applied): obstacle_id, need_id, the record '
    '(event_id, record_type, sender), from_status and to_status, its text, occurred_at (the sender''s) and '
    'recorded_at. Append-only. Read-only.';

CREATE VIEW alert_summary AS
SELECT alert_id, kind, need_id, bank_id, branch_id, detail, raised_at, handled_by, handled_at, outcome, comment,
       event_id, id AS seq
  FROM alert;
COMMENT ON VIEW alert_summary IS
    'One row per alert gfdx-feedback raised (alert_id): kind (a guard such as NOT_IN_CATALOGUE, a loan''s '
    'LOAN_OVERDUE, the watch''s NO_FEEDBACK or OBSTACLE_OVERDUE), need_id, bank_id (NULL when no bank''s '
    'record raised it), the addressee branch_id, detail (one sentence), raised_at; handled_by, handled_at, '
    'outcome (CONFIRMED, DISMISSED) and comment once the branch handled it (all NULL while open); event_id: the record that raised it (NULL for the watch''s); seq ascending = the order raised. Read-only.';

CREATE VIEW loan_summary AS
SELECT need_id, bank_id, period, outstanding, repaid_period, repaid_total, status, days_overdue, funding_tool,
       funding_tool_name, disbursed_at_report, reports, updated_at
  FROM loan;
COMMENT ON VIEW loan_summary IS
    'One row per (need_id, bank_id) loan reported: the latest period (YYYY-MM), outstanding, repaid in the '
    'period and in total, and disbursed as of the report, in fen; status (NORMAL, OVERDUE, NON_PERFORMING) '
    'and days_overdue; the structural tool (funding_tool, funding_tool_name); reports applied. Read-only.';

COMMENT ON VIEW alert_status IS
    'Per (branch_id, kind): the alerts open, handled, confirmed, dismissed and in total (004). Read-only.';
