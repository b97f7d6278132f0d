-- The contract of platform's read-only views (issue 13; DESIGN §7): the CLI reads only
-- filing_history and filing_current_row (001), never platform's tables. Their column sets are
-- the contract; a later migration may add columns at the end, never rename or drop one.
-- Money in fen.
COMMENT ON VIEW filing_history IS
    'Every version of every filing (filing_id = institution|period): institution, institution_kind (bank, '
    'guarantor, insurer, fund, underwriter), period (YYYYHn), table_no (1-5 of the 2024 notice''s annex 2), '
    'version (1, 2, ...), is_current, event_id, row_count, totals (JSON of the column sums in fen), filed_at '
    '(the institution''s), received_at, superseded_at (when the next version arrived; NULL: current). '
    'Read-only.';
COMMENT ON VIEW filing_current_row IS
    'The rows of the current version of every filing, what the semi-annual tables are made of: the filing '
    '(filing_id, institution, institution_kind, period, table_no, version, received_at) and the row '
    '(row_no, enterprise, uscc, registration_region, project_name, project_type, loan_type, disbursed, '
    'balance, emc_* for 其中 7.2.2 合同能源管理服务, guaranteed, insurance_type, insured, claims_paid, '
    'invested, bond_amount; amounts in fen). Read-only.';
