#!/usr/bin/env bash
# A stored offset falls below the partition's low watermark while gfdx-intake is stopped
# (broker_retain_bytes: the dev broker keeps about 5 MiB per partition and evicts the oldest
# records beyond that; Apache Kafka's retention deletes the oldest segments beyond 1 MiB). On restart the daemon goes on from the earliest
# record still there, but records the gap: one intake.offset_gap row with the exact missing
# range, an ERROR log line naming topic, partition and offsets, gfdx_offset_gaps_total = 1.
# A crash and restart afterwards neither records it again nor loses the row.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
stack_up
INTAKE=$GFDX_BUILD_DIR/services/intake/gfdx-intake
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cfg=$(daemon_config intake miit gfdx.needs gfdx.matching-status)
echo "metrics: { port = $port; };" >>"$cfg"
metrics() { /usr/bin/python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$port/metrics').read().decode())"; }
metric_is() { metrics | grep -q "^$1{service=\"intake\"} $2\$"; }

# produce_junk COUNT BYTES: COUNT undecodable records of BYTES each onto gfdx.needs [0]
# (each becomes a dead letter: consumed, logged and its offset stored like any record).
produce_junk() {
    /usr/bin/python3 -c "import sys; [print('x' * $2) for _ in range($1)]" |
        kcat -P -b "$GFDX_KAFKA_BOOTSTRAP" -t gfdx.needs -p 0 -X message.max.bytes=2000000
}
first_offset() { kcat -C -b "$GFDX_KAFKA_BOOTSTRAP" -t gfdx.needs -p 0 -o beginning -c 1 -e -q -f '%o\n'; }
P0="FROM intake.message_log WHERE topic = 'gfdx.needs' AND partition = 0"

produce_junk 3 100
spawn intake "$INTAKE" --config "$cfg"
wait_sql_eq "SELECT next_offset FROM intake.kafka_offset WHERE topic = 'gfdx.needs' AND partition = 0" 3 60
kill_proc intake TERM
assert_eq "first run stopped cleanly" 0 "$KILL_STATUS"

# While the daemon is down: 8 MB onto the partition, so offsets 3.. are evicted.
broker_retain_bytes gfdx.needs 1048576
produce_junk 80 100000
evicted() { [ "$(first_offset)" -gt 3 ]; }
wait_for "retention deleted the oldest records" 30 evicted
low=$(first_offset)
last=82
assert_ok "the broker evicted the stored offset (low watermark $low > 3)" test "$low" -gt 3
missing_to=$((low - 1))

spawn intake "$INTAKE" --config "$cfg"
wait_sql_eq "SELECT max(\"offset\") $P0" "$last" 60
assert_eq "records after the gap applied, each once" "$((last - low + 1 + 3))" "$(psql_q "SELECT count(*) $P0")"
assert_eq "one gap row, with the exact missing range" "gfdx.needs|0|3|$missing_to" \
    "$(psql_q "SELECT string_agg(concat_ws('|', topic, partition, from_offset, to_offset), ',') FROM intake.offset_gap")"
assert_eq "the gap row says how many records were lost" "$((low - 3))" \
    "$(psql_q "SELECT record_count FROM intake.offset_gap")"
assert_eq "the gap row holds the broker's low watermark" "$low" "$(psql_q "SELECT low_watermark FROM intake.offset_gap")"
assert_ok "an ERROR line says where" \
    grep -q "level=error.*offset gap on gfdx.needs\[0\]: records 3\.\.$missing_to " "$GFDX_TEST_DIR/intake.log"
wait_for "gfdx_offset_gaps_total is 1" 10 metric_is gfdx_offset_gaps_total 1

# A crash and restart: the gap is recorded once, not again.
kill_proc intake KILL
produce_junk 2 100
spawn intake "$INTAKE" --config "$cfg"
wait_sql_eq "SELECT max(\"offset\") $P0" "$((last + 2))" 60
assert_eq "still exactly one gap row after a crash and restart" 1 "$(psql_q "SELECT count(*) FROM intake.offset_gap")"
wait_for "metrics endpoint up again" 10 metric_is gfdx_offset_gaps_total 0
kill_proc intake TERM
assert_eq "SIGTERM exits 0" 0 "$KILL_STATUS"
finish
