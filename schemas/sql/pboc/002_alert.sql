-- gfdx-push's alerts (issue 12, the watch): what the clock found wrong with a pushed need, one
-- row per (need, kind) so that a second watch round finds it recorded and raises nothing.
-- search_path is the pboc schema. Kinds: NO_BANK (the need has had no active dispatch for
-- push.no_bank_alert_days working days). status comes from push_fsm's alert life cycle:
-- OPEN when raised (an AlertRaised went to gfdx.alerts.<branch>), CLOSED when banks were
-- assigned (BanksAssigned).
CREATE TABLE alert (
    need_id     text        NOT NULL REFERENCES need (need_id),
    kind        text        NOT NULL CHECK (kind IN ('NO_BANK')),
    alert_id    text        NOT NULL UNIQUE,   -- the AlertRaised's alert_id
    branch_id   text        NOT NULL,          -- the need's branch, the alert's addressee
    bank_id     text,                          -- NULL for NO_BANK
    status      text        NOT NULL CHECK (status IN ('OPEN', 'CLOSED')),
    detail      text        NOT NULL,
    facts       jsonb       NOT NULL,          -- the figures the watch decided on
    raised_at   timestamptz NOT NULL,          -- the watch's clock when raised
    closed_at   timestamptz,
    closed_event_id text,                      -- meta.event_id of the BanksAssigned that closed it
    PRIMARY KEY (need_id, kind),
    CHECK ((status = 'CLOSED') = (closed_at IS NOT NULL))
);
CREATE INDEX alert_branch_status ON alert (branch_id, status);
