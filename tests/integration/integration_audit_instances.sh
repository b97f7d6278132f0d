#!/usr/bin/env bash
# Two gfdx-intake instances of one group append to the same message-log chain at the same
# time (each batch locks the chain head first, to COMMIT): the chain has every record once,
# in one order, and `gfdx audit verify` passes (both instances were assigned partitions).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
PY=/usr/bin/python3
stack_up
d=$GFDX_TEST_DIR
$PY "$GFDX_SOURCE_DIR/deploy/sample/make_needs.py" --seed 11 --count 60 --out "$d/stream.jsonl" 2>/dev/null
n=$(grep -c . "$d/stream.jsonl")
assert_ge "the stream has at least 100 records" 100 "$n"

cfg=$(daemon_config intake miit gfdx.needs gfdx.matching-status)
sed -i 's/max_records = [0-9]*/max_records = 10/' "$cfg"
echo 'audit: { checkpoint_interval_s = 1; };' >>"$cfg"
spawn intake1 "$GFDX_BUILD_DIR/services/intake/gfdx-intake" --config "$cfg"
spawn intake2 "$GFDX_BUILD_DIR/services/intake/gfdx-intake" --config "$cfg"
wait_for "both instances are assigned partitions" 30 bash -c "grep -q assigned $d/intake1.log && grep -q assigned $d/intake2.log"
produce <"$d/stream.jsonl"
wait_sql_eq "SELECT count(*) FROM intake.message_log" "$n" 60
assert_eq "chain_seq is 1..n without a gap" "1 $n $n" \
  "$(psql_q "SELECT min(chain_seq) || ' ' || max(chain_seq) || ' ' || count(DISTINCT chain_seq) FROM intake.message_log")"
covered() { "$GFDX_CLI" audit verify --service intake --brokers "$GFDX_KAFKA_BOOTSTRAP" 2>/dev/null |
              grep -q "(latest at row $n)"; }
wait_for "a checkpoint covers all $n rows" 30 covered
kill_proc intake1 TERM
kill_proc intake2 TERM
out=$("$GFDX_CLI" audit verify --service intake --brokers "$GFDX_KAFKA_BOOTSTRAP" 2>&1) && st=0 || st=$?
assert_eq "the chain written by two instances verifies ($out)" 0 "$st"
finish
