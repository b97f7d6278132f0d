#!/usr/bin/env bash
# common/rowset.c against the private PostgreSQL (no broker needed: the _devbroker suffix
# registers it once). tests/integration/rowset_roundtrip.c does the loads and writes and its
# own checks (load FOR UPDATE by key and by another column, every column type the services
# use read back exactly, undo, one statement per table and kind of change, missing READ
# tables, lock timeout, CHECK violation); this script creates the scratch schemas and then
# checks what was written through psql, independently of the rowset.
source "$(dirname "$0")/lib.sh"
stack_up
bin=$GFDX_BUILD_DIR/tests/rowset_roundtrip

psql_q "
CREATE SCHEMA rs_test;
CREATE TABLE rs_test.item (
    item_id text PRIMARY KEY, label text NOT NULL, qty bigint, small integer, amount numeric(18,2),
    flag boolean, at timestamptz, doc jsonb, tags text[], blob bytea, grp text);
INSERT INTO rs_test.item VALUES
    ('i1', 'one', 1234567890123, 7, 12.34, true, '2026-12-01T10:00:00.123456+08:00',
     '{\"a\": {\"b\": [1, 2]}}', '{x,\"y z\"}', '\\x00ff10', 'g1'),
    ('i2', 'two', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'g1'),
    ('i3', 'three', 0, 0, 0, false, '2026-01-01T00:00:00Z', '{}', '{}', '\\x', 'g2');
CREATE TABLE rs_test.pair (a text, b text, n integer NOT NULL, PRIMARY KEY (a, b));
INSERT INTO rs_test.pair VALUES ('p', 'q', 1), ('p', 'r', 2);
CREATE TABLE rs_test.log (
    id bigserial PRIMARY KEY, item_id text NOT NULL, note text, value bytea,
    at timestamptz NOT NULL DEFAULT now());
CREATE TABLE rs_test.once_log (event_id text PRIMARY KEY, note text);
INSERT INTO rs_test.once_log VALUES ('e1', 'first');
CREATE TABLE rs_test.checked (k text PRIMARY KEY, v integer NOT NULL CHECK (v > 0));
CREATE SCHEMA other_svc;
CREATE TABLE other_svc.pub (uscc text PRIMARY KEY, kind text);
INSERT INTO other_svc.pub VALUES ('U1', 'green'), ('U2', 'brown');" >/dev/null
pass "scratch schemas rs_test and other_svc created"

out=$("$bin" roundtrip "$GFDX_PG_CONNINFO" 2>&1) && rc=0 || rc=$?
sed 's/^/# /' <<<"$out"
assert_eq "rowset_roundtrip: every check passes" 0 "$rc"
assert_eq "rowset_roundtrip ran its checks" 1 "$(grep -cE '^[0-9]{2,} passed, 0 failed$' <<<"$out" || true)"

# What the writes left, read by psql (not by the rowset)
q() { psql_q "$1"; }
assert_eq "items after the write: i2 deleted, i4 inserted, i5/i6 never written" "i1,i3,i4" \
  "$(q "SELECT string_agg(item_id, ',' ORDER BY item_id) FROM rs_test.item")"
assert_eq "i1 text, bigint, integer, boolean" "uno|42|8|f" \
  "$(q "SELECT label, qty, small, flag FROM rs_test.item WHERE item_id = 'i1'")"
assert_eq "i1 numeric(18,2) to the cent" "99.99" "$(q "SELECT amount FROM rs_test.item WHERE item_id = 'i1'")"
assert_eq "i1 timestamptz to the ms" "2026-12-01 10:00:00.123" \
  "$(q "SELECT at AT TIME ZONE 'UTC' FROM rs_test.item WHERE item_id = 'i1'")"
assert_eq "i1 jsonb object" '{"k": "v"}' "$(q "SELECT doc FROM rs_test.item WHERE item_id = 'i1'")"
assert_eq "i1 text[] elements" "3|a|c" "$(q "SELECT cardinality(tags), tags[1], tags[3] FROM rs_test.item WHERE item_id = 'i1'")"
assert_eq "i1 bytea: the 256 bytes 00..ff" "t" \
  "$(q "SELECT blob = (SELECT decode(string_agg(lpad(to_hex(i), 2, '0'), '' ORDER BY i), 'hex')
                       FROM generate_series(0, 255) i) FROM rs_test.item WHERE item_id = 'i1'")"
assert_eq "i4: columns left out are NULL" "four|t|t|g2" \
  "$(q "SELECT label, qty IS NULL, at IS NULL, grp FROM rs_test.item WHERE item_id = 'i4'")"
assert_eq "i3 untouched (its delete was undone)" "three|0.00" "$(q "SELECT label, amount FROM rs_test.item WHERE item_id = 'i3'")"
assert_eq "composite key: (p,q) updated, (p,r) as it was (undone)" "p:q:10,p:r:2" \
  "$(q "SELECT string_agg(a || ':' || b || ':' || n, ',' ORDER BY b) FROM rs_test.pair")"
assert_eq "history rows in append order, ids from the serial, the undone one absent" "n1,n2,n3" \
  "$(q "SELECT string_agg(note, ',' ORDER BY id) FROM rs_test.log")"
assert_eq "history bytea and defaulted timestamp" "3|3" \
  "$(q "SELECT count(*) FILTER (WHERE value = '\\x0102'), count(*) FILTER (WHERE at IS NOT NULL) FROM rs_test.log")"
assert_eq "ON CONFLICT DO NOTHING kept e1, added e2" "e1:first,e2:second" \
  "$(q "SELECT string_agg(event_id || ':' || note, ',' ORDER BY event_id) FROM rs_test.once_log")"
assert_eq "the refused CHECK violation left nothing" "0" "$(q "SELECT count(*) FROM rs_test.checked")"

finish
