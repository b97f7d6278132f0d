#!/usr/bin/env bash
# One unproducible outbox row (1.2 MB: larger than the producer's message.max.bytes) sits
# before normal rows. The relay sets it aside as failed (failed_at, failure; an error log
# line; gfdx_outbox_failed_total and gfdx_outbox_failed on /metrics) and publishes the rows
# behind it in the same round instead of retrying the lowest id forever.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
stack_up
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cfg=$(daemon_config intake miit gfdx.needs gfdx.matching-status)
echo "metrics: { port = $port; };" >>"$cfg"
INTAKE=$GFDX_BUILD_DIR/services/intake/gfdx-intake

# A first run publishes the receipts of a small stream.
stream=$GFDX_TEST_DIR/stream.jsonl
/usr/bin/python3 "$GFDX_SOURCE_DIR/deploy/sample/make_needs.py" --seed 5 --count 10 --out "$stream"
produce <"$stream"
total=$(grep -c . "$stream")
spawn intake "$INTAKE" --config "$cfg"
wait_sql_eq "SELECT count(*) FROM intake.message_log" "$total" 60
wait_sql_eq "SELECT count(*) FROM intake.outbox WHERE published_at IS NULL" 0 60
kill_proc intake TERM
before=$(kafka_count gfdx.receipts)
assert_ge "first run: every receipt on the topic" "$total" "$before"

# The poison row, then 20 normal rows (copies of delivered receipts with new event ids).
poison=$(psql_q "INSERT INTO intake.outbox (event_id, topic, key, value, record_type)
  VALUES (gen_random_uuid(), 'gfdx.receipts', convert_to('POISON-1', 'UTF8'),
          convert_to(repeat('x', 1200000), 'UTF8'), 'Receipt') RETURNING id")
psql_q "INSERT INTO intake.outbox (event_id, topic, key, value, record_type)
  SELECT gen_random_uuid(), topic, key, value, record_type FROM intake.outbox
  WHERE record_type = 'Receipt' AND id < $poison ORDER BY id LIMIT 20" >/dev/null
spawn intake "$INTAKE" --config "$cfg"
wait_sql_eq "SELECT count(*) FROM intake.outbox WHERE published_at IS NULL AND id <> $poison" 0 30
wait_for "the 20 rows behind the poison row are on the topic" 20 \
    test "$(kafka_count gfdx.receipts)" -ge $((before + 20))
assert_eq "the poison row is not published" "" \
    "$(psql_q "SELECT published_at FROM intake.outbox WHERE id = $poison")"
wait_sql_eq "SELECT failed_at IS NOT NULL FROM intake.outbox WHERE id = $poison" t 10
assert_ok "its failure names the producer's error" grep -q MSG_SIZE_TOO_LARGE \
    <<<"$(psql_q "SELECT failure FROM intake.outbox WHERE id = $poison")"
assert_ok "an error line names the row" grep -q "level=error.*outbox row $poison .*set aside as failed" \
    "$GFDX_TEST_DIR/intake.log"
metrics() { /usr/bin/python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$port/metrics').read().decode())"; }
metric_is() { metrics | grep -q "^$1{service=\"intake\"} $2\$"; }
wait_for "gfdx_outbox_failed_total counts it" 10 metric_is gfdx_outbox_failed_total 1
wait_for "gauge gfdx_outbox_failed shows it" 10 metric_is gfdx_outbox_failed 1
wait_for "gauge gfdx_outbox_pending is 0 (a failed row is not pending)" 10 metric_is gfdx_outbox_pending 0
assert_ok "the failed row is never retried" test \
    "$(grep -c "outbox row $poison " "$GFDX_TEST_DIR/intake.log")" -eq 1
assert_ok "daemon alive" proc_alive intake
kill_proc intake TERM
assert_eq "SIGTERM: clean exit 0" 0 "$KILL_STATUS"
finish
