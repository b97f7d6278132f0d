-- National and municipal lists, the new list kinds, the industry type of an entry, and the
-- missing half-year reports (issue 12; DESIGN §6.4).
--   list.kind      + NATIONAL_FUND_INVESTED (国家级基金投资支持), DEPARTMENT_RECOMMENDED (其他部门
--                  或机构推荐的名单), GREEN_BUILDING (绿色建筑, the housing bureau's list)
--   list.level     NATIONAL | PROVINCIAL | MUNICIPAL | DISTRICT, from the list's region
--                  (namelist_level_of: 100000; a province; a municipality or a city; else)
--   entry_version.industry_type, staged_entry.industry_type   the Shapingba plan's 四型产业
--                  (ECO_UTILIZATION 生态利用型, CIRCULAR_EFFICIENT 循环高效型, LOW_CARBON_CLEAN
--                  低碳清洁型, ENVIRONMENTAL_GOVERNANCE 环境治理型), null when not classified.
--                  Not part of entry_digest: an entry whose industry type alone changes is
--                  not an update (its content digest is that of 001).
--   missing_report one row per (list, entry, half-year) flagged by gfdx-namelist's watch: an
--                  entry of a green project list current in the half-year with no
--                  CarbonBenefitReported for it after the half-year's end plus the grace.
--   current_entry  + level (last column; gfdx-intake's priority tags read region).
ALTER TABLE list DROP CONSTRAINT list_kind_check;
ALTER TABLE list ADD CONSTRAINT list_kind_check CHECK (kind IN ('GREEN_PROJECT', 'GREEN_ENTERPRISE',
    'GREEN_FACTORY', 'EFFICIENCY_LEADER', 'WATER_EFFICIENCY_LEADER', 'GREEN_PARK', 'GREEN_SUPPLY_CHAIN',
    'GREEN_PRODUCT', 'GREEN_DESIGN', 'SPECIALIZED_SME', 'LITTLE_GIANT', 'CLEAN_PRODUCTION_AUDIT',
    'TRANSITION_PROJECT', 'KEY_GREEN_PROJECT', 'NATIONAL_FUND_INVESTED', 'DEPARTMENT_RECOMMENDED',
    'GREEN_BUILDING'));
ALTER TABLE list ADD COLUMN level text NOT NULL DEFAULT 'DISTRICT'
    CHECK (level IN ('NATIONAL', 'PROVINCIAL', 'MUNICIPAL', 'DISTRICT'));
UPDATE list SET level = CASE WHEN region = '100000' THEN 'NATIONAL'
                             WHEN region IN ('110000', '120000', '310000', '500000') THEN 'MUNICIPAL'
                             WHEN region LIKE '__0000' THEN 'PROVINCIAL'
                             WHEN region LIKE '____00' THEN 'MUNICIPAL' ELSE 'DISTRICT' END;

ALTER TABLE staged_entry ADD COLUMN industry_type text;
ALTER TABLE entry_version ADD COLUMN industry_type text CHECK (industry_type IN ('ECO_UTILIZATION',
    'CIRCULAR_EFFICIENT', 'LOW_CARBON_CLEAN', 'ENVIRONMENTAL_GOVERNANCE'));

-- The guard of 001 compares the columns it knew; industry_type is fixed like them.
CREATE OR REPLACE FUNCTION entry_version_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.valid_to IS NOT NULL OR NEW.valid_to IS NULL
       OR (NEW.list_id, NEW.entry_key, NEW.valid_from, NEW.valid_from_at, NEW.uscc, NEW.name,
           NEW.project_name, NEW.category_code, NEW.attributes, NEW.digest, NEW.industry_type)
          IS DISTINCT FROM
          (OLD.list_id, OLD.entry_key, OLD.valid_from, OLD.valid_from_at, OLD.uscc, OLD.name,
           OLD.project_name, OLD.category_code, OLD.attributes, OLD.digest, OLD.industry_type) THEN
        RAISE EXCEPTION 'district.entry_version is history: rows are inserted and closed once, never changed';
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE VIEW entry_version_open AS
SELECT list_id, entry_key, valid_from, valid_to, valid_from_at, valid_to_at, uscc, name, project_name,
       category_code, attributes, digest, industry_type
  FROM entry_version
 WHERE valid_to IS NULL;

CREATE OR REPLACE VIEW current_entry AS
SELECT e.list_id, l.kind, l.region, e.entry_key, e.uscc, e.name, e.project_name, e.category_code,
       e.attributes, l.current_version AS version, e.valid_from AS since_version,
       e.valid_from_at AS since, l.publisher, l.level, e.industry_type
  FROM entry_version e JOIN list l USING (list_id)
 WHERE e.valid_to IS NULL;

CREATE TABLE missing_report (
    list_id     text        NOT NULL,
    entry_key   text        NOT NULL,
    period      text        NOT NULL CHECK (period ~ '^20[0-9]{2}H[12]$'),
    uscc        text        NOT NULL,
    region      text        NOT NULL,
    due_at      timestamptz NOT NULL,          -- the half-year's end plus the grace
    flagged_at  timestamptz NOT NULL,          -- the watch's clock when it flagged
    PRIMARY KEY (list_id, entry_key, period)
);
