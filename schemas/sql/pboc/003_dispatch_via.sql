-- How a dispatch came to its bank (issue 12): the PBoC notice sends every need to the
-- national head offices (总行) as well as to the banks its branch organises. A head office's
-- copy is for its information; the branch still has to organise a bank to contact the
-- factory, so:
--   BRANCH       a bank registered for the need's branch, at the push;
--   HEAD_OFFICE  a national head office, at the push (informational: no bank organised yet);
--   ASSIGNED     named by the branch in a BanksAssigned (a head office named so is upgraded
--                from HEAD_OFFICE: it is now the bank that must answer).
-- A need counts as having a bank (the NO_BANK watch, the reports) only with an ACTIVE
-- dispatch that is not HEAD_OFFICE; gfdx-feedback's NO_FEEDBACK watch likewise expects an
-- answer only from those. dispatched_at of an upgraded dispatch is the assignment's time.
ALTER TABLE dispatch ADD COLUMN via text NOT NULL DEFAULT 'BRANCH'
    CHECK (via IN ('BRANCH', 'HEAD_OFFICE', 'ASSIGNED'));
CREATE INDEX dispatch_organised ON dispatch (need_id) WHERE status = 'ACTIVE' AND via <> 'HEAD_OFFICE';
