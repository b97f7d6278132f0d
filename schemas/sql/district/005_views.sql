-- The read-only views of district that the CLI's reports read (issue 13; DESIGN §7): nothing
-- outside gfdx-namelist reads district's tables, only these views and the three before them
-- (current_entry, entry_version_open, report_ledger). Each view's column set is its contract
-- (COMMENT ON VIEW); a later migration may add columns at the end, never rename or drop one.
-- Money in fen (bigint or numeric sums of it; 1 万元 = 1 000 000 fen), times timestamptz.
--   list_summary                    one row per list: what it is, its applied version, counts
--   applied_version                 one row per applied version of a list (the history)
--   entry_as_of_version             every entry as of every applied version (list_at as a view)
--   entry_history                   every content of every entry with its validity
--   carbon_benefit_reported         the ecology bureau's reports (district.carbon_report)
--   financing_support_reported      the finance bureau's reports (district.financing_report)
--   missing_half_year_report        the half-year reports the watch found missing
--   entry_feedback_by_half_year     per (list, entry, half-year) reported: carbon and financing

CREATE VIEW list_summary AS
SELECT l.list_id, l.kind, l.level, l.region, l.title, l.publisher, l.publisher_bureau, l.current_version,
       l.current_mode, l.entry_count, l.effective_at,
       (SELECT count(*) FROM list_version v WHERE v.list_id = l.list_id) AS version_count,
       (SELECT string_agg(v.version::text, ', ' ORDER BY v.version) FROM list_version v
         WHERE v.list_id = l.list_id) AS applied_versions,
       (SELECT count(DISTINCT e.entry_key) FROM entry_version e WHERE e.list_id = l.list_id) AS entries_ever,
       (SELECT count(*) FROM carbon_report c WHERE c.list_id = l.list_id) AS carbon_reports,
       (SELECT count(*) FROM financing_report f WHERE f.list_id = l.list_id) AS financing_reports,
       (SELECT count(*) FROM missing_report m WHERE m.list_id = l.list_id) AS missing_reports
  FROM list l;
COMMENT ON VIEW list_summary IS
    'One row per name list: kind, level (NATIONAL|PROVINCIAL|MUNICIPAL|DISTRICT), region, title and '
    'publisher of the applied version, current_version / current_mode / entry_count / effective_at of it; '
    'version_count and applied_versions (''1, 2, 3''); entries_ever: distinct entry keys ever listed; '
    'carbon_reports, financing_reports (one per entry, half-year, institution and product), '
    'missing_reports (half-year reports flagged missing by the watch). Read-only.';

CREATE VIEW applied_version AS
SELECT list_id, version, previous_version, mode, title, publisher, part_count, effective_at, received_entries,
       received_removals, added, updated, removed, unchanged, entry_count, content_md5, applied_at
  FROM list_version;
COMMENT ON VIEW applied_version IS
    'One row per applied version of a list (list_id, version): mode FULL|DELTA, title, publisher, part_count, '
    'effective_at (when it took effect), added / updated / removed / unchanged entries against the previous '
    'applied version, entry_count on the list at this version, content_md5 (list_digest). Read-only.';

-- An entry is on the list as of version N when valid_from <= N < valid_to (valid_to NULL: on
-- it now). Read it WHERE list_id = $1 AND version = $2: both are pushed down (the version row
-- by list_version's key, the entries by entry_version's, whose key leads with list_id).
CREATE VIEW entry_as_of_version AS
SELECT v.list_id, v.version, e.entry_key, e.uscc, e.name, e.project_name, e.category_code, e.attributes,
       e.industry_type, e.valid_from AS since_version, e.valid_from_at AS since, e.digest
  FROM list_version v
  JOIN entry_version e ON e.list_id = v.list_id AND e.valid_from <= v.version
                      AND (e.valid_to IS NULL OR e.valid_to > v.version);
COMMENT ON VIEW entry_as_of_version IS
    'Every entry of a list as of each applied version (list_id, version, entry_key): its content then '
    '(uscc, name, project_name, category_code, attributes, industry_type), since_version / since: the '
    'version and time that content dates from, digest: the content fingerprint (entry_digest; equal '
    'digests, same content). A version never applied has no rows. Read WHERE list_id AND version. Read-only.';

CREATE VIEW entry_history AS
SELECT list_id, entry_key, valid_from, valid_to, valid_from_at, valid_to_at, uscc, name, project_name,
       category_code, attributes, industry_type
  FROM entry_version;
COMMENT ON VIEW entry_history IS
    'Every content an entry had (list_id, entry_key, valid_from): valid in versions [valid_from, valid_to) '
    'and in time [valid_from_at, valid_to_at); valid_to NULL: on the list now. Read-only.';

CREATE VIEW carbon_benefit_reported AS
SELECT list_id, entry_key, period, uscc, co2_reduction_t, energy_saving_tce, climate_finance, climate_finance_note,
       reported_by, event_id, occurred_at, revision
  FROM carbon_report;
COMMENT ON VIEW carbon_benefit_reported IS
    'The ecology bureau''s CarbonBenefitReported, one row per (list_id, entry_key, period YYYYHn), the latest '
    'correction (revision counts them): co2_reduction_t, energy_saving_tce, climate_finance in fen. Read-only.';

CREATE VIEW financing_support_reported AS
SELECT list_id, entry_key, period, institution, product, product_name, uscc, amount, balance, rate_bp, reported_by,
       event_id, occurred_at, revision
  FROM financing_report;
COMMENT ON VIEW financing_support_reported IS
    'The finance bureau''s FinancingSupportReported, one row per (list_id, entry_key, period, institution, '
    'product), the latest correction: amount granted in the half-year and balance at its end, in fen; '
    'rate_bp in basis points. Read-only.';

CREATE VIEW missing_half_year_report AS
SELECT list_id, entry_key, period, uscc, region, due_at, flagged_at
  FROM missing_report;
COMMENT ON VIEW missing_half_year_report IS
    'One row per (list_id, entry_key, period) that gfdx-namelist''s watch flagged: an entry of a list of '
    'namelist.report_kinds on its list in the half-year with no carbon report by due_at (the half-year''s '
    'end plus the grace). Kept when a report arrives later. Read-only.';

CREATE VIEW entry_feedback_by_half_year AS
SELECT k.list_id, k.entry_key, k.period, coalesce(c.uscc, f.uscc) AS uscc, c.co2_reduction_t, c.energy_saving_tce,
       c.climate_finance AS climate_finance_fen, coalesce(f.reports, 0) AS financing_reports,
       f.amount AS financing_fen, f.balance AS balance_fen
  FROM (SELECT list_id, entry_key, period FROM carbon_report
        UNION SELECT list_id, entry_key, period FROM financing_report) k
  LEFT JOIN carbon_report c USING (list_id, entry_key, period)
  LEFT JOIN (SELECT list_id, entry_key, period, count(*) AS reports, sum(amount) AS amount, sum(balance) AS balance,
                    min(uscc) AS uscc
               FROM financing_report GROUP BY list_id, entry_key, period) f USING (list_id, entry_key, period);
COMMENT ON VIEW entry_feedback_by_half_year IS
    'One row per (list_id, entry_key, period) with any feedback: the carbon report (co2_reduction_t, '
    'energy_saving_tce, climate_finance_fen; NULL without one) and the financing reports summed '
    '(financing_reports: their number, 0 without; financing_fen granted, balance_fen at the half-year''s '
    'end; NULL without). Read-only.';

COMMENT ON VIEW current_entry IS
    'The entries on their lists now, one row per (list_id, entry_key), with the list''s kind, region, level, '
    'applied version, publisher; since_version / since: when the content began. gfdx-intake''s priority tags. '
    'Read-only.';
COMMENT ON VIEW entry_version_open IS
    'gfdx-namelist''s own write path (automatically updatable): the open rows of entry_version. Not for '
    'reports: read entry_history or current_entry.';
COMMENT ON VIEW report_ledger IS
    'Per reported (list_id, entry_key, period): uscc, carbon (co2_reduction_t, energy_saving_tce, '
    'climate_finance_wan) and financing (institutions, financing_wan, balance_wan) in 万元. Read-only.';
