#!/usr/bin/env bash
# A 50,000-entry FULL list (DESIGN §6.4): as one record it does not fit Kafka's default
# message.max.bytes (the producer refuses it); published in 25 parts of 2,000 entries it is
# staged and applied as one version, then a second FULL version replaces 5 % of it; both
# must equal the generator's model exactly (digests, counts, history rows), and
# NameListChanged must carry the 50,000 added keys in parts of at most 5,000. A record
# above namelist.max_entries_per_part is refused (LIMIT_EXCEEDED).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_namelist.sh"
stack_up

nl_make_large 21 50000 2000
big=$GFDX_TEST_DIR/big.jsonl expect=$NL_EXPECT total=$NL_TOTAL parts=$NL_PARTS

# The whole version as one record: 50,000 entries, about 7.5 MB encoded.
$PY "$NL_MAKE" --seed 21 --large 50000 --part-size 50000 --out "$GFDX_TEST_DIR/one.jsonl"
assert_fails "one 50,000-entry record exceeds message.max.bytes: the producer refuses it" \
  produce <"$GFDX_TEST_DIR/one.jsonl"

start_namelist
nl_produce "$GFDX_TEST_DIR/v1.jsonl"
wait_sql_eq "SELECT count(*) FROM district.list_version" 1 90
pass "version 1 (50,000 entries, $parts parts) applied in $(psql_q "SELECT apply_ms FROM district.list_version
      WHERE version = 1") ms once complete"
nl_produce "$GFDX_TEST_DIR/v2.jsonl"
wait_sql_eq "SELECT count(*) FROM district.list_version" 2 90
wait_sql_eq "SELECT count(*) FROM district.message_log" "$total" 30
wait_sql_eq "SELECT count(*) FROM district.outbox WHERE published_at IS NULL" 0 30
nl_check_ledger "$expect" digest
nl_check_changed "$expect"
# NameListChanged v2 carries the added and updated entries' content: parts of at most 5,000
# keys and namelist.changed_bytes_per_record (400,000) bytes of entries, so more parts than
# the keys alone need (10 for version 1, 2 for version 2), each under message.max.bytes.
assert_ge "NameListChanged records: more than 10 for version 1 and 2 for version 2 (7,500 changed keys)" 13 \
  "$(psql_q "SELECT count(*) FROM district.outbox WHERE record_type = 'NameListChanged'")"
assert_eq "every NameListChanged under 1,000,000 bytes" 0 \
  "$(psql_q "SELECT count(*) FROM district.outbox WHERE record_type = 'NameListChanged' AND octet_length(value) >= 1000000")"

# Above namelist.max_entries_per_part (5,000): refused, and the ledger is untouched.
$PY - "$big" <<'PY' | produce
import json, sys
r = json.loads(open(sys.argv[1], encoding="utf-8").readline())
entries = [e for line in open(sys.argv[1], encoding="utf-8") for e in json.loads(line)["entries"]][:6000]
r.update(version=3, part=1, part_count=1, entries=entries)
print(json.dumps(r, ensure_ascii=False))
PY
wait_sql_eq "SELECT count(*) FROM district.rejection" 1 30
assert_eq "6,000 entries in one record: LIMIT_EXCEEDED" LIMIT_EXCEEDED "$(psql_q "SELECT reason_code FROM district.rejection")"
assert_eq "... and the list stays at version 2" 2 "$(psql_q "SELECT current_version FROM district.list")"
finish
