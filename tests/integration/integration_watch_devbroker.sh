#!/usr/bin/env bash
# common/watch.c against the private PostgreSQL (no broker needed: the _devbroker suffix
# registers it once): tests/integration/watch_round.c runs rounds of a scratch service's watch
# (lock held elsewhere: skipped; failing hook and too-large record: nothing written; a round;
# the round again: nothing new) and checks them; this script creates the scratch schema with
# the common tables of every service schema, then checks the result through psql.
source "$(dirname "$0")/lib.sh"
stack_up
top=$(cd "$(dirname "$0")/../.." && pwd)

psql_q "CREATE SCHEMA ws_test;" >/dev/null
for f in "$top"/schemas/sql/common/*.sql; do
  psql -X -q -v ON_ERROR_STOP=1 "$GFDX_PG_CONNINFO" -c "SET search_path TO ws_test" -f "$f" >/dev/null
done
psql_q "CREATE TABLE ws_test.due (item_id text PRIMARY KEY, raised boolean NOT NULL DEFAULT false);
        INSERT INTO ws_test.due VALUES ('a', false), ('b', false), ('c', true);" >/dev/null
pass "scratch schema ws_test with the common tables"

out=$("$GFDX_BUILD_DIR/tests/watch_round" "$GFDX_PG_CONNINFO" "$top/schemas/avro" 2>&1) && rc=0 || rc=$?
sed 's/^/# /' <<<"$out"
assert_eq "watch_round: every check passes" 0 "$rc"
assert_eq "watch_round ran its checks" 1 "$(grep -cE '^[0-9]{2,} passed, 0 failed$' <<<"$out" || true)"
assert_eq "outbox rows for the two raised items, keyed by item" "a,b" \
  "$(psql_q "SELECT string_agg(convert_from(key, 'UTF8'), ',' ORDER BY id) FROM ws_test.outbox")"
assert_eq "every due row raised once" "3" "$(psql_q "SELECT count(*) FROM ws_test.due WHERE raised")"
finish
