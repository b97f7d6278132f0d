-- Deadline reminders (issue 13): N working days before a quarter's last working day each
-- reviewing authority is told which of its approved needs are not recommended yet
-- (RecommendationReminder on gfdx.receipts.<authority>, services/intake/intake_remind.c).
-- One row per (authority, quarter) reminded: it is what makes the watch's next round a
-- no-op, and what an operator reads to see who was reminded of what, and when.
CREATE TABLE reminder (
    authority    text        NOT NULL,  -- participant id of the addressee
    quarter      text        NOT NULL,  -- e.g. 2026Q1
    deadline     date        NOT NULL,  -- the quarter's last working day
    needs        integer     NOT NULL CHECK (needs > 0),
    need_ids     text[]      NOT NULL,
    parts        integer     NOT NULL CHECK (parts > 0),
    sent_at      timestamptz NOT NULL,  -- the watch's clock when it was staged
    PRIMARY KEY (authority, quarter)
);
