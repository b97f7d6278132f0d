-- gfdx-namelist state: the district name-list ledger (台账) (DESIGN §6.4, §7).
-- Applied with search_path set to the district schema; functions keep that search_path
-- (SET search_path FROM CURRENT) so that other services can call district.list_at() etc.
--
-- Public contract (read-only for other services and operators):
--   district.list            one row per list: kind, region, owner, applied version
--   district.list_version    one row per applied version: counts, digest, event ids
--   district.entry_version   every entry's history by version (valid_from / valid_to)
--   district.current_entry   view: the entries valid now (gfdx-intake's priority tags)
--   district.carbon_report, district.financing_report   the receiving bureaus' feedback
--   district.list_at(list, version), district.list_diff(list, from, to),
--   district.list_digest(list, version)   rebuild, diff and fingerprint any applied version
-- Internal: staged_part / staged_entry / staged_removal (versions being received in
-- parts), change_key (keys of the version being applied), abandoned_version (incomplete
-- versions superseded by a newer one).

-- Content digest of an entry: two entries with the same key and digest are the same.
-- Text fields never hold control characters (gfdx-namelist refuses them), so the unit and
-- record separators below cannot be forged by content.
CREATE FUNCTION entry_digest(uscc text, name text, project_name text, category_code text, attributes jsonb)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT md5(concat_ws(E'\x1f', uscc, name, coalesce(project_name, E'\x1e'),
                         coalesce(category_code, E'\x1e'), coalesce(attributes, '{}'::jsonb)::text))
$$;

CREATE TABLE list (
    list_id           text        PRIMARY KEY,
    kind              text        NOT NULL CHECK (kind IN ('GREEN_PROJECT', 'GREEN_ENTERPRISE',
                          'GREEN_FACTORY', 'EFFICIENCY_LEADER', 'WATER_EFFICIENCY_LEADER', 'GREEN_PARK',
                          'GREEN_SUPPLY_CHAIN', 'GREEN_PRODUCT', 'GREEN_DESIGN', 'SPECIALIZED_SME',
                          'LITTLE_GIANT', 'CLEAN_PRODUCTION_AUDIT', 'TRANSITION_PROJECT',
                          'KEY_GREEN_PROJECT')),
    region            text        NOT NULL,
    title             text        NOT NULL,          -- title of the applied version
    publisher         text        NOT NULL,          -- participant id; only it may publish versions
    publisher_bureau  text        NOT NULL,
    current_version   bigint      NOT NULL CHECK (current_version >= 1),
    current_mode      text        NOT NULL CHECK (current_mode IN ('FULL', 'DELTA')),
    entry_count       integer     NOT NULL CHECK (entry_count >= 0),
    effective_at      timestamptz NOT NULL,          -- when the applied version took effect
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX list_kind ON list (kind, region);

CREATE TABLE list_version (
    list_id           text        NOT NULL REFERENCES list,
    version           bigint      NOT NULL CHECK (version >= 1),
    previous_version  bigint,
    mode              text        NOT NULL CHECK (mode IN ('FULL', 'DELTA')),
    title             text        NOT NULL,
    publisher         text        NOT NULL,
    part_count        integer     NOT NULL CHECK (part_count >= 1),
    event_ids         text[]      NOT NULL,          -- meta.event_id of parts 1..part_count
    effective_at      timestamptz NOT NULL,          -- max(part occurred_at), never before the previous version
    received_entries  integer     NOT NULL,          -- entries carried (FULL: the whole list; DELTA: upserts)
    received_removals integer     NOT NULL,
    added             integer     NOT NULL,
    updated           integer     NOT NULL,
    removed           integer     NOT NULL,
    unchanged         integer     NOT NULL,
    entry_count       integer     NOT NULL,          -- entries on the list at this version
    content_md5       text        NOT NULL,          -- list_digest(list_id, version) when applied
    apply_ms          integer     NOT NULL,          -- time to apply the complete version
    applied_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (list_id, version),
    CHECK (previous_version IS NULL OR previous_version < version)
);

-- The ledger: one row per (entry, content) with the versions it was valid in,
-- [valid_from, valid_to), and the same interval in time [valid_from_at, valid_to_at).
-- valid_to NULL: on the list now. Rows are only ever inserted and closed (trigger below).
CREATE TABLE entry_version (
    list_id        text        NOT NULL REFERENCES list,
    entry_key      text        NOT NULL,
    valid_from     bigint      NOT NULL,
    valid_to       bigint,
    valid_from_at  timestamptz NOT NULL,
    valid_to_at    timestamptz,
    uscc           text        NOT NULL,
    name           text        NOT NULL,
    project_name   text,
    category_code  text,
    attributes     jsonb       NOT NULL DEFAULT '{}',
    digest         text        NOT NULL,
    PRIMARY KEY (list_id, entry_key, valid_from),
    CHECK (valid_to IS NULL OR valid_to > valid_from),
    CHECK ((valid_to IS NULL) = (valid_to_at IS NULL))
);
CREATE UNIQUE INDEX entry_version_current ON entry_version (list_id, entry_key) WHERE valid_to IS NULL;
CREATE INDEX entry_version_current_uscc ON entry_version (uscc) WHERE valid_to IS NULL;
CREATE INDEX entry_version_uscc ON entry_version (uscc);

CREATE FUNCTION entry_version_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.valid_to IS NOT NULL OR NEW.valid_to IS NULL
       OR (NEW.list_id, NEW.entry_key, NEW.valid_from, NEW.valid_from_at, NEW.uscc, NEW.name,
           NEW.project_name, NEW.category_code, NEW.attributes, NEW.digest)
          IS DISTINCT FROM
          (OLD.list_id, OLD.entry_key, OLD.valid_from, OLD.valid_from_at, OLD.uscc, OLD.name,
           OLD.project_name, OLD.category_code, OLD.attributes, OLD.digest) THEN
        RAISE EXCEPTION 'district.entry_version is history: rows are inserted and closed once, never changed';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER entry_version_guard BEFORE UPDATE OR DELETE ON entry_version
    FOR EACH ROW EXECUTE FUNCTION entry_version_guard();

-- Versions being received in parts (a large FULL list). At most one version per list is
-- pending; it is applied, and its staged rows deleted, in the transaction of its last part.
CREATE TABLE staged_part (
    list_id      text        NOT NULL,
    version      bigint      NOT NULL,
    part         integer     NOT NULL,
    part_count   integer     NOT NULL,
    mode         text        NOT NULL,
    kind         text        NOT NULL,
    region       text        NOT NULL,
    title        text        NOT NULL,
    sender       text        NOT NULL,
    event_id     text        NOT NULL,
    occurred_at  timestamptz NOT NULL,
    entries      integer     NOT NULL,
    removals     integer     NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (list_id, version, part)
);

CREATE TABLE staged_entry (
    list_id        text    NOT NULL,
    version        bigint  NOT NULL,
    entry_key      text    NOT NULL,
    part           integer NOT NULL,
    uscc           text    NOT NULL,
    name           text    NOT NULL,
    project_name   text,
    category_code  text,
    attributes     jsonb   NOT NULL,
    digest         text    NOT NULL,
    PRIMARY KEY (list_id, version, entry_key)
);

CREATE TABLE staged_removal (
    list_id    text    NOT NULL,
    version    bigint  NOT NULL,
    entry_key  text    NOT NULL,
    part       integer NOT NULL,
    PRIMARY KEY (list_id, version, entry_key)
);

-- The keys a version closes ('C': removed or updated) and opens ('O': added or updated), as
-- decided by gfdx-namelist's diff, for the duration of the apply (empty in between). Keys
-- travel through this indexed table, not as an IN-list, so that applying a 50,000-entry
-- version is a few index joins whatever the planner's statistics say.
CREATE TABLE change_key (
    list_id    text    NOT NULL,
    version    bigint  NOT NULL,
    op         "char"  NOT NULL CHECK (op IN ('C', 'O')),
    entry_key  text    NOT NULL,
    PRIMARY KEY (list_id, version, op, entry_key)
);

-- Incomplete versions dropped because a newer version arrived before their last part.
CREATE TABLE abandoned_version (
    list_id        text        NOT NULL,
    version        bigint      NOT NULL,
    parts_received integer     NOT NULL,
    part_count     integer     NOT NULL,
    superseded_by  bigint      NOT NULL,
    abandoned_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (list_id, version)
);

-- Feedback of the receiving bureaus, per entry and half-year. A repeated report replaces the
-- figures (a correction) and counts a revision.
CREATE TABLE carbon_report (
    list_id               text             NOT NULL REFERENCES list,
    entry_key             text             NOT NULL,
    period                text             NOT NULL CHECK (period ~ '^20[0-9]{2}H[12]$'),
    uscc                  text             NOT NULL,   -- of the entry at the report
    co2_reduction_t       double precision NOT NULL CHECK (co2_reduction_t >= 0),
    energy_saving_tce     double precision CHECK (energy_saving_tce >= 0),
    climate_finance       bigint           NOT NULL CHECK (climate_finance >= 0),  -- fen
    climate_finance_note  text,
    reported_by           text             NOT NULL,
    event_id              text             NOT NULL,
    occurred_at           timestamptz      NOT NULL,
    revision              integer          NOT NULL DEFAULT 0,
    updated_at            timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (list_id, entry_key, period)
);
CREATE INDEX carbon_report_period ON carbon_report (period);

CREATE TABLE financing_report (
    list_id       text        NOT NULL REFERENCES list,
    entry_key     text        NOT NULL,
    period        text        NOT NULL CHECK (period ~ '^20[0-9]{2}H[12]$'),
    institution   text        NOT NULL,
    product       text        NOT NULL,
    product_name  text,
    uscc          text        NOT NULL,
    amount        bigint      NOT NULL CHECK (amount >= 0),    -- fen, granted in the period
    balance       bigint      NOT NULL CHECK (balance >= 0),   -- fen, at the end of the period
    rate_bp       integer,
    reported_by   text        NOT NULL,
    event_id      text        NOT NULL,
    occurred_at   timestamptz NOT NULL,
    revision      integer     NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (list_id, entry_key, period, institution, product)
);
CREATE INDEX financing_report_period ON financing_report (period);

-- What is on the lists now: one row per entry valid now. The read-only contract of
-- gfdx-intake: SELECT DISTINCT kind FROM district.current_entry WHERE uscc = $1.
-- version is the list's applied version, since_version the version that gave the entry
-- its present content.
CREATE VIEW current_entry AS
SELECT e.list_id, l.kind, l.region, e.entry_key, e.uscc, e.name, e.project_name, e.category_code,
       e.attributes, l.current_version AS version, e.valid_from AS since_version,
       e.valid_from_at AS since, l.publisher
  FROM entry_version e JOIN list l USING (list_id)
 WHERE e.valid_to IS NULL;

-- The list exactly as of an applied version. Raises no_data_found for a version that was
-- never applied (skipped by a FULL, or not yet published).
CREATE FUNCTION list_at(p_list_id text, p_version bigint)
RETURNS TABLE (entry_key text, uscc text, name text, project_name text, category_code text, attributes jsonb)
LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $$
#variable_conflict use_column
BEGIN
    IF NOT EXISTS (SELECT 1 FROM list_version v WHERE v.list_id = p_list_id AND v.version = p_version) THEN
        RAISE EXCEPTION 'list % has no applied version %', p_list_id, p_version USING ERRCODE = 'no_data_found';
    END IF;
    RETURN QUERY
    SELECT e.entry_key, e.uscc, e.name, e.project_name, e.category_code, e.attributes
      FROM entry_version e
     WHERE e.list_id = p_list_id AND e.valid_from <= p_version AND (e.valid_to IS NULL OR e.valid_to > p_version)
     ORDER BY e.entry_key COLLATE "C";
END $$;

-- Fingerprint of a list as of a version: md5 over (key, content digest) in key order.
CREATE FUNCTION list_digest(p_list_id text, p_version bigint) RETURNS text
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT md5(coalesce(string_agg(a.entry_key || E'\x1f' ||
                   entry_digest(a.uscc, a.name, a.project_name, a.category_code, a.attributes),
                   E'\x1e' ORDER BY a.entry_key COLLATE "C"), ''))
      FROM list_at(p_list_id, p_version) a
$$;

-- What changed between two applied versions: ADDED / REMOVED / UPDATED, old and new content.
CREATE FUNCTION list_diff(p_list_id text, p_from bigint, p_to bigint)
RETURNS TABLE (change text, entry_key text, old_uscc text, new_uscc text, old_name text, new_name text,
               old_project_name text, new_project_name text, old_category_code text, new_category_code text,
               old_attributes jsonb, new_attributes jsonb)
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT CASE WHEN o.entry_key IS NULL THEN 'ADDED' WHEN n.entry_key IS NULL THEN 'REMOVED' ELSE 'UPDATED' END,
           coalesce(n.entry_key, o.entry_key), o.uscc, n.uscc, o.name, n.name, o.project_name, n.project_name,
           o.category_code, n.category_code, o.attributes, n.attributes
      FROM list_at(p_list_id, p_from) o
      FULL JOIN list_at(p_list_id, p_to) n ON n.entry_key = o.entry_key
     WHERE o.entry_key IS NULL OR n.entry_key IS NULL
        OR entry_digest(o.uscc, o.name, o.project_name, o.category_code, o.attributes)
           <> entry_digest(n.uscc, n.name, n.project_name, n.category_code, n.attributes)
     ORDER BY coalesce(n.entry_key, o.entry_key) COLLATE "C"
$$;

-- The ledger as the receiving bureaus read it: each reported entry and half-year with its
-- carbon benefit and the financing reported for it (万元 = fen / 1 000 000).
CREATE VIEW report_ledger AS
WITH keys AS (
    SELECT list_id, entry_key, period FROM carbon_report
    UNION
    SELECT list_id, entry_key, period FROM financing_report
), fin AS (
    SELECT list_id, entry_key, period, count(*) AS institutions, sum(amount) AS amount, sum(balance) AS balance
      FROM financing_report GROUP BY list_id, entry_key, period
)
SELECT k.list_id, l.kind, k.entry_key, k.period,
       coalesce(c.uscc, (SELECT f.uscc FROM financing_report f WHERE (f.list_id, f.entry_key, f.period) =
                         (k.list_id, k.entry_key, k.period) LIMIT 1)) AS uscc,
       c.co2_reduction_t, c.energy_saving_tce, c.climate_finance / 1e6 AS climate_finance_wan,
       coalesce(fin.institutions, 0) AS institutions, coalesce(fin.amount, 0) / 1e6 AS financing_wan,
       coalesce(fin.balance, 0) / 1e6 AS balance_wan
  FROM keys k
  JOIN list l USING (list_id)
  LEFT JOIN carbon_report c USING (list_id, entry_key, period)
  LEFT JOIN fin USING (list_id, entry_key, period);
