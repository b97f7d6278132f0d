-- The entry versions valid now, as an automatically updatable view (issue 11): gfdx-namelist
-- loads a list's current entries through it (WHERE list_id = ANY($1) FOR UPDATE: only the
-- open rows, not the list's whole history) and writes through it with one
-- INSERT ... ON CONFLICT (list_id, entry_key, valid_from) DO UPDATE per batch: a closed row
-- (valid_to set) updates the open row it was, a new row is inserted. Both land in
-- entry_version, whose guard trigger still allows nothing but inserting and closing once.
-- (No CHECK OPTION: a row closed through the view leaves it.)
CREATE VIEW entry_version_open AS
SELECT list_id, entry_key, valid_from, valid_to, valid_from_at, valid_to_at, uscc, name, project_name,
       category_code, attributes, digest
  FROM entry_version
 WHERE valid_to IS NULL;

-- The reports read an entry's versions by its key (entry_version and entry_version_open
-- WHERE entry_key = ANY($1)): the primary key leads with list_id.
CREATE INDEX entry_version_key ON entry_version (entry_key);
