-- The highest NeedMatchingStatus.sequence applied to a need: a status that arrives after a
-- newer one (sequence not higher) is logged in need_event but does not overwrite the outcome.
ALTER TABLE need ADD COLUMN matching_sequence bigint NOT NULL DEFAULT 0;
