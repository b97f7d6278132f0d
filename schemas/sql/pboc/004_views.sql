-- The read-only views of pboc that the CLI's reports read (issue 13; DESIGN §7): the CLI reads
-- no pboc table, only these views. (gfdx-feedback, of the same agency and database, reads
-- pboc.need and pboc.dispatch themselves under a lock: 001_need_dispatch.sql's contract.)
-- Each view's column set is its contract (COMMENT ON VIEW); a later migration may add columns
-- at the end, never rename or drop one. Money in fen, times timestamptz.
--   need_summary       one row per need pushed: where it was routed, its state, whether a bank
--                      is organised for it
--   dispatch_summary   one row per (need, bank) a push reached, and how (via)
--   alert_summary      one row per alert gfdx-push raised (NO_BANK), open or closed

CREATE VIEW need_summary AS
SELECT n.need_id, n.province, n.location_region, n.branch_id, n.quarter, n.late, n.is_major, n.priority_tags,
       n.financing_amount, n.catalogue_code, n.uscc, n.factory_name, n.project_name, n.status, n.received_at,
       n.updated_at, n.recommended_by, n.batch_id, n.pushed_at, n.withdrawn_at, n.withdrawn_reason,
       n.push_event_id, n.withdrawn_event_id, coalesce(n.snapshot #>> '{project,kind}', '') AS project_kind,
       EXISTS (SELECT 1 FROM dispatch d
                WHERE d.need_id = n.need_id AND d.status = 'ACTIVE' AND d.via <> 'HEAD_OFFICE') AS bank_organised
  FROM need n;
COMMENT ON VIEW need_summary IS
    'One row per need MIIT pushed (need_id): the factory and project (province, location_region, uscc, '
    'factory_name, project_name, catalogue_code), financing_amount in fen, the branch it was routed to '
    '(branch_id), quarter and late, is_major, priority_tags, status (DISPATCHED, WITHDRAWN), received_at, '
    'pushed_at (MIIT''s occurred_at), withdrawn_at and withdrawn_reason, the records'' event ids (push_event_id, withdrawn_event_id), project_kind (as MIIT pushed it); bank_organised: an ACTIVE dispatch '
    'that is not a head office''s informational copy (via BRANCH or ASSIGNED) exists. Read-only.';

CREATE VIEW dispatch_summary AS
SELECT need_id, bank_id, branch_id, status, via, dispatched_at, cancelled_at
  FROM dispatch;
COMMENT ON VIEW dispatch_summary IS
    'One row per (need_id, bank_id) a push reached: the branch (branch_id), status (ACTIVE, CANCELLED when '
    'the need was withdrawn), via (BRANCH: a bank registered for the branch; HEAD_OFFICE: the notice''s '
    'informational copy to a national head office; ASSIGNED: named by the branch), dispatched_at, '
    'cancelled_at. Read-only.';

CREATE VIEW alert_summary AS
SELECT alert_id, need_id, kind, branch_id, bank_id, status, detail, raised_at, closed_at
  FROM alert;
COMMENT ON VIEW alert_summary IS
    'One row per alert gfdx-push''s watch raised (alert_id; kind NO_BANK: a pushed need with no bank '
    'organised after push.no_bank_alert_days working days): the addressee branch_id, status (OPEN, CLOSED '
    'by an assignment or a withdrawal), detail (one sentence), raised_at (the watch''s clock), closed_at. '
    'Read-only.';
