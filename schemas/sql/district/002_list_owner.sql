-- A list belongs to the bureau that staged its first part (DESIGN §6.4), from that moment
-- on: while an owner's multi-part first version is still arriving there is no district.list
-- row yet, and another bureau's version must not take the list over. gfdx-namelist binds
-- the owner here when it stages a list's first part (in the record's transaction: a refused
-- record binds nobody), and checks every later part and version against it.
CREATE TABLE list_owner (
    list_id    text        PRIMARY KEY,
    publisher  text        NOT NULL,          -- participant id
    kind       text        NOT NULL,
    region     text        NOT NULL,
    event_id   text        NOT NULL,          -- the record whose part bound it ('' for lists migrated)
    bound_at   timestamptz NOT NULL DEFAULT now()
);

-- Lists that exist, and lists whose first version is being staged (their earliest part).
INSERT INTO list_owner (list_id, publisher, kind, region, event_id)
SELECT list_id, publisher, kind, region, '' FROM list;
INSERT INTO list_owner (list_id, publisher, kind, region, event_id)
SELECT DISTINCT ON (list_id) list_id, sender, kind, region, event_id
  FROM staged_part WHERE list_id NOT IN (SELECT list_id FROM list)
 ORDER BY list_id, received_at, version, part;
