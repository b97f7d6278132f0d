#!/usr/bin/env bash
# Outbox rows of one key reach the topic in id order: with one relay (ids 1..30, so a text
# sort would put 10 before 4) and with two daemon instances relaying the same outbox at once
# (20 keys x 15 rows inserted together, claims of 7 rows), and a later row of a key is not
# claimed by one instance while another has an earlier row of that key in flight (broker down).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
stack_up
cfg=$(daemon_config intake miit gfdx.needs gfdx.matching-status)
INTAKE=$GFDX_BUILD_DIR/services/intake/gfdx-intake
spawn intake1 "$INTAKE" --config "$cfg"
wait_for "schema migrated" 30 psql_q "SELECT count(*) FROM intake.outbox"
kill_proc intake1 TERM

# insert_rows KEYS N TAG: N rows per key, interleaved across keys, values "TAG-key-i".
insert_rows() {
    psql_q "INSERT INTO intake.outbox (event_id, topic, key, value, record_type)
      SELECT gen_random_uuid(), 'gfdx.receipts', convert_to('$3-' || k, 'UTF8'),
             convert_to('$3-' || k || '-' || lpad(i::text, 3, '0'), 'UTF8'), 'Receipt'
      FROM generate_series(1, $2) i, generate_series(1, $1) k ORDER BY i, k" >/dev/null
}
# in_order TAG: for every key of TAG, the values on the topic appear in increasing i.
in_order() {
    kcat -C -b "$GFDX_KAFKA_BOOTSTRAP" -t gfdx.receipts -e -q -f '%k %s\n' 2>/dev/null | grep "^$1-" >"$GFDX_TEST_DIR/$1.txt"
    /usr/bin/python3 - "$GFDX_TEST_DIR/$1.txt" <<'PY'
import sys
seen = {}
bad = 0
for line in open(sys.argv[1]):
    key, value = line.split()
    i = int(value.rsplit("-", 1)[1])
    if i < seen.get(key, 0):
        bad += 1
    seen[key] = max(i, seen.get(key, 0))
print(bad)
PY
}

insert_rows 1 30 ONE
spawn intake1 "$INTAKE" --config "$cfg"
wait_sql_eq "SELECT count(*) FROM intake.outbox WHERE published_at IS NULL" 0 30
assert_eq "one relay: 30 rows of one key on the topic" 30 "$(kcat -C -b "$GFDX_KAFKA_BOOTSTRAP" -t gfdx.receipts -e -q -f '%k\n' 2>/dev/null | grep -c '^ONE-')"
assert_eq "one relay: in id order" 0 "$(in_order ONE)"

# Small claims (7 rows), so both instances take turns on the same keys.
echo 'outbox: { max_rows = 7; };' >>"$cfg"
kill_proc intake1 TERM
spawn intake1 "$INTAKE" --config "$cfg"
spawn intake2 "$INTAKE" --config "$cfg"
sleep 3
insert_rows 20 15 TWO
wait_sql_eq "SELECT count(*) FROM intake.outbox WHERE published_at IS NULL" 0 60
assert_eq "two relays: every row once on the topic" 300 "$(kcat -C -b "$GFDX_KAFKA_BOOTSTRAP" -t gfdx.receipts -e -q -f '%k\n' 2>/dev/null | grep -c '^TWO-')"
assert_eq "two relays: every key in id order" 0 "$(in_order TWO)"
assert_eq "no claim left behind" 0 "$(psql_q "SELECT count(*) FROM intake.outbox WHERE claimed_until IS NOT NULL")"
assert_eq "both instances relayed rows" 2 "$(psql_q "SELECT count(DISTINCT claimed_by) FROM intake.outbox WHERE convert_from(key, 'UTF8') LIKE 'TWO-%'")"

# While one instance has a key's rows in flight (broker down), the other claims none of that
# key's later rows: it would deliver them first once the broker is back.
broker_outage_begin
insert_rows 1 30 THREE
wait_sql_eq "SELECT count(*) FROM intake.outbox WHERE convert_from(key, 'UTF8') = 'THREE-1' AND claimed_until IS NOT NULL" 7 20
sleep 4
assert_eq "broker down: one instance holds the key's first 7 rows, the other none" "1 7" \
    "$(psql_q "SELECT count(DISTINCT claimed_by) || ' ' || count(*) FROM intake.outbox
               WHERE convert_from(key, 'UTF8') = 'THREE-1' AND claimed_until IS NOT NULL")"
broker_outage_end
wait_sql_eq "SELECT count(*) FROM intake.outbox WHERE published_at IS NULL" 0 60
assert_eq "after the outage: the key in id order" 0 "$(in_order THREE)"
kill_proc intake2 TERM
kill_proc intake1 TERM
assert_eq "SIGTERM: clean exit 0" 0 "$KILL_STATUS"
finish
