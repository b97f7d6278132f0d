-- Issue 12, the bank side: alerts published to and handled by the need's PBoC branch, the
-- obstacle's later steps (acknowledged, confirmed, reopened) with their history, and the
-- watch's alerts (NO_FEEDBACK, OBSTACLE_OVERDUE). search_path is the feedback schema.
-- Existing columns, rows and readers of feedback.alert and feedback.obstacle keep working.

-- ---- alerts ----------------------------------------------------------------------------
-- alert_id: what AlertRaised.alert_id and AlertHandled.alert_id name (services/feedback/
-- feedback_alert.h: chosen when raised; rows from before get 'alert-<id>').
-- branch_id: the need's PBoC branch, the only one who may handle it.
-- event_id: the record that raised it; NULL for what the watch raised (nothing arrived).
ALTER TABLE alert
    ADD COLUMN alert_id         text,
    ADD COLUMN branch_id        text,
    ADD COLUMN handled_by       text,          -- participant id of the branch that handled it
    ADD COLUMN handled_at       timestamptz,   -- the exchange's clock of the AlertHandled
    ADD COLUMN outcome          text CHECK (outcome IN ('CONFIRMED', 'DISMISSED')),
    ADD COLUMN comment          text CHECK (comment IS NULL OR char_length(comment) BETWEEN 1 AND 2000),
    ADD COLUMN handled_event_id text;
UPDATE alert SET alert_id = 'alert-' || id WHERE alert_id IS NULL;
UPDATE alert a SET branch_id = s.branch_id FROM need_status s WHERE s.need_id = a.need_id AND a.branch_id IS NULL;
ALTER TABLE alert
    ALTER COLUMN alert_id SET DEFAULT 'alert-' || gen_random_uuid(),
    ALTER COLUMN alert_id SET NOT NULL,
    ALTER COLUMN event_id DROP NOT NULL,
    ADD CONSTRAINT alert_alert_id_key UNIQUE (alert_id),
    ADD CONSTRAINT alert_handled_whole CHECK ((handled_at IS NULL) = (outcome IS NULL)
        AND (handled_at IS NULL) = (handled_by IS NULL) AND (handled_at IS NULL) = (comment IS NULL));

-- The kinds are the C code's (feedback_rules.h, feedback_watch.h, and what other helpers add):
-- the list of 001 gives way to a shape check, whatever its name (another migration may have
-- replaced it already).
DO $$
DECLARE c record;
BEGIN
    FOR c IN SELECT conname FROM pg_constraint
              WHERE conrelid = 'alert'::regclass AND contype = 'c'
                AND pg_get_constraintdef(oid) LIKE '%kind%' LOOP
        EXECUTE format('ALTER TABLE alert DROP CONSTRAINT %I', c.conname);
    END LOOP;
END $$;
ALTER TABLE alert ADD CONSTRAINT alert_kind_shape CHECK (kind ~ '^[A-Z][A-Z0-9_]{0,63}$');
CREATE INDEX alert_open ON alert (branch_id, kind) WHERE handled_at IS NULL;
CREATE INDEX alert_watch ON alert (kind, need_id, bank_id);

-- Open and handled alerts, for the reports: per branch and kind. feedback.alert stays
-- readable as it was.
CREATE VIEW alert_status AS
SELECT branch_id, kind,
       count(*) FILTER (WHERE handled_at IS NULL)       AS open,
       count(*) FILTER (WHERE handled_at IS NOT NULL)   AS handled,
       count(*) FILTER (WHERE outcome = 'CONFIRMED')    AS confirmed,
       count(*) FILTER (WHERE outcome = 'DISMISSED')    AS dismissed,
       count(*)                                         AS total
  FROM alert
 GROUP BY branch_id, kind;

-- ---- obstacles -------------------------------------------------------------------------
-- Status: services/feedback/feedback_obstacle.h (OPEN -> ACKNOWLEDGED -> RESOLVED -> CLOSED,
-- RESOLVED -> OPEN when the bank reopens it). resolved_* describe the current resolution
-- (cleared when reopened; every step stays in obstacle_event).
DO $$
DECLARE c record;
BEGIN
    FOR c IN SELECT conname FROM pg_constraint
              WHERE conrelid = 'obstacle'::regclass AND contype = 'c'
                AND pg_get_constraintdef(oid) LIKE '%status%' LOOP
        EXECUTE format('ALTER TABLE obstacle DROP CONSTRAINT %I', c.conname);
    END LOOP;
END $$;
ALTER TABLE obstacle
    ADD COLUMN acknowledged_by          text,         -- participant id
    ADD COLUMN acknowledged_by_official text CHECK (acknowledged_by_official IS NULL
        OR char_length(acknowledged_by_official) BETWEEN 1 AND 200),
    ADD COLUMN acknowledged_at          timestamptz,
    ADD COLUMN reopened_at              timestamptz,  -- the latest reopening
    ADD COLUMN closed_at                timestamptz,  -- the bank confirmed the resolution
    ADD CONSTRAINT obstacle_status_known CHECK (status IN ('OPEN', 'ACKNOWLEDGED', 'RESOLVED', 'CLOSED')),
    ADD CONSTRAINT obstacle_resolved_at CHECK ((status IN ('RESOLVED', 'CLOSED')) = (resolved_at IS NOT NULL)),
    ADD CONSTRAINT obstacle_closed_at CHECK ((status = 'CLOSED') = (closed_at IS NOT NULL));
DROP INDEX IF EXISTS obstacle_open;
CREATE INDEX obstacle_open ON obstacle (province, raised_at) WHERE status IN ('OPEN', 'ACKNOWLEDGED');

-- Every step of an obstacle: raised (from_status NULL), acknowledged, resolved, confirmed,
-- reopened; sender is who took it (the bank, the province authority or the branch).
CREATE TABLE obstacle_event (
    id           bigserial   PRIMARY KEY,
    obstacle_id  text        NOT NULL,
    need_id      text        NOT NULL,
    event_id     text        NOT NULL UNIQUE,
    record_type  text        NOT NULL,
    sender       text        NOT NULL,
    from_status  text,
    to_status    text        NOT NULL,
    text         text,
    occurred_at  timestamptz NOT NULL,                 -- the sender's meta.occurred_at
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX obstacle_event_obstacle ON obstacle_event (obstacle_id, id);
CREATE FUNCTION obstacle_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'feedback.obstacle_event is append-only';
END $$;
CREATE TRIGGER obstacle_event_append_only BEFORE UPDATE OR DELETE ON obstacle_event
    FOR EACH STATEMENT EXECUTE FUNCTION obstacle_event_append_only();
