-- The read-only views of intake that the CLI's reports read (issue 13; DESIGN §7): nothing
-- outside gfdx-intake reads intake's tables, only these views. Each view's column set is its
-- contract (COMMENT ON VIEW); a later migration may add columns at the end, never rename or
-- drop one. Money in fen (1 万元 = 1 000 000 fen), times timestamptz.
--   need_summary   one row per need: the need's facts, its state, its financing outcome
--   need_history   every transition of every need, in the order applied (append-only)

CREATE VIEW need_summary AS
SELECT n.need_id, n.uscc, n.factory_name, n.province, n.city, n.district, n.location_region, n.green_level,
       n.project_name, n.project_kind, n.catalogue_code, n.total_investment, n.equity, n.financing_amount,
       n.status, n.is_major, n.quarter, n.late, n.requested_quarter, n.quarter_provisional, n.batch_id,
       n.recommended_by, n.reviewer, n.review_comment, n.priority_tags, n.revision, n.financing_outcome,
       n.banks_contacted, n.banks_approved, n.banks_declined, n.approved_total, n.disbursed_total,
       n.open_obstacles, n.submitted_at, n.updated_at,
       (SELECT max(e.recorded_at) FROM need_event e
         WHERE e.need_id = n.need_id AND e.to_status = 'APPROVED') AS approved_at,
       (n.snapshot #>> '{project,energy_saving_tce}')::numeric AS energy_saving_tce,
       (n.snapshot #>> '{project,co2_reduction_t}')::numeric AS co2_reduction_t
  FROM need n;
COMMENT ON VIEW need_summary IS
    'One row per need (need_id): the factory (uscc, factory_name, province, city, district, green_level), the '
    'project (project_name, project_kind, catalogue_code, location_region), amounts in fen (total_investment, '
    'equity, financing_amount), status (SUBMITTED, APPROVED, REJECTED, RETURNED, RECOMMENDED, PUSHED, '
    'WITHDRAWN), the quarter assigned (late: moved to the next; quarter_provisional: the calendar did not '
    'cover the year), who recommended and reviewed it, priority_tags, the financing outcome gfdx-feedback '
    'reported (banks_*, approved_total, disbursed_total in fen, open_obstacles), submitted_at, approved_at '
    '(the latest approval, NULL if never approved) and the expected savings the province submitted '
    '(tce/yr, t CO2/yr; NULL when not given). Read-only.';

CREATE VIEW need_history AS
SELECT id AS seq, need_id, event_id, record_type, sender, from_status, to_status, occurred_at, recorded_at, detail
  FROM need_event;
COMMENT ON VIEW need_history IS
    'Every transition of every need (need_id, seq ascending = the order applied): the record (event_id, '
    'record_type, sender), from_status (NULL for the first) and to_status, the sender''s occurred_at and '
    'the exchange''s recorded_at, detail (the record as applied, JSON). Append-only. Read-only.';
