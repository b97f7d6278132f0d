-- The financing outcome gfdx-intake keeps from NeedMatchingStatus (services/intake/
-- intake_matching.h) is validated before it is written (non-negative counters and totals, a
-- bounded sequence); the table says the same, so that no path can store a wrapped or forged
-- negative figure.
ALTER TABLE need
    ADD CONSTRAINT need_outcome_non_negative CHECK (
        coalesce(banks_contacted, 0) >= 0 AND coalesce(banks_approved, 0) >= 0
        AND coalesce(banks_declined, 0) >= 0 AND coalesce(open_obstacles, 0) >= 0
        AND coalesce(approved_total, 0) >= 0 AND coalesce(disbursed_total, 0) >= 0
        AND matching_sequence >= 0);
