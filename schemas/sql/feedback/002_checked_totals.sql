-- Totals across banks are checked in C (feedback_aggregate_compute: __builtin_add_overflow)
-- and here as well: no aggregate or history row may hold a negative amount or counter, which
-- is what a wrapped 64-bit sum looks like (two banks approving INT64_MAX used to store -2). A
-- row that breaks a check fails its statement permanently (23514): the record is refused
-- STORE_ERROR, never stored.
ALTER TABLE need_status
    ADD CONSTRAINT need_status_totals_non_negative CHECK (approved_total >= 0 AND disbursed_total >= 0),
    ADD CONSTRAINT need_status_counters_non_negative CHECK (banks_dispatched >= 0 AND banks_contacted >= 0
        AND banks_approved >= 0 AND banks_declined >= 0 AND open_obstacles >= 0 AND status_changes >= 0);
ALTER TABLE matching_event
    ADD CONSTRAINT matching_event_amount_non_negative CHECK (amount IS NULL OR amount >= 0);

-- ObstacleResolved: the resolver is the authenticated sender (resolved_by, a participant id);
-- resolved_by_official is only the display name of the official who coordinated, bounded as
-- every name is (DESIGN §4: 200 characters).
ALTER TABLE obstacle
    ADD CONSTRAINT obstacle_official_bounded CHECK (resolved_by_official IS NULL
        OR char_length(resolved_by_official) BETWEEN 1 AND 200);
