#!/usr/bin/env bash
# The broker goes down for 16 s while relay rounds are in flight, twice (broker_outage_begin/
# end: gfdx-devbroker SIGUSR1/SIGUSR2, Apache Kafka kafka-stop/kafka-start). Longer than
# outbox.flush_timeout_ms (2 s here; 10 s by default), so
# librdkafka still holds messages of a round when the round returns: their delivery reports
# arrive after the outage. The daemon must not crash or touch freed memory (run it against
# an ASan build: GFDX_BUILD_DIR=build-asan; every sanitizer report is collected through
# ASAN_OPTIONS/UBSAN_OPTIONS log_path and fails the test), must publish every outbox row,
# and no row may be marked published unless its record is on the topic.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_intake_stream.sh"
stack_up
SAN=$GFDX_TEST_DIR/sanitizer
mkdir -p "$SAN"
make_stream 600 41
GFDX_TEST_BATCH=10
half=$((TOTAL / 2))
head -n "$half" "$STREAM" | produce
cfg=$(daemon_config intake miit gfdx.needs gfdx.matching-status)
echo 'outbox: { flush_timeout_ms = 2000; max_rows = 50; };' >>"$cfg"
ASAN_OPTIONS="log_path=$SAN/asan:detect_leaks=1" UBSAN_OPTIONS="log_path=$SAN/ubsan:print_stacktrace=1" \
    spawn intake "$GFDX_BUILD_DIR/services/intake/gfdx-intake" --config "$cfg"
# outage N: broker down 16 s while records are being applied and their rows relayed.
outage() {
    local pending
    broker_outage_begin
    sleep 3
    pending=$(psql_q "SELECT count(*) FROM intake.outbox WHERE published_at IS NULL")
    assert_ge "outage $1: outbox rows in flight while the broker is down" 1 "$pending"
    sleep 13
    assert_ok "outage $1: daemon survives 16 s without a broker" proc_alive intake
    broker_outage_end
}

wait_for "stream under way" 90 sql_ge "SELECT count(*) FROM intake.message_log" $((TOTAL / 6))
outage 1
wait_for "relay resumed after outage 1" 60 sql_ge \
    "SELECT count(*) FROM intake.outbox WHERE published_at > now() - interval '2 seconds'" 1
wait_for "first half applied" 120 sql_ge "SELECT count(*) FROM intake.message_log" "$half"
# The second half is applied at a pace the test sets (20 ms a need, a trigger), so that the
# daemon still holds fetched records when the broker goes: their rows must wait for it. (The
# relay has its own thread now: unpaced, the daemon can finish the half before the outage.)
psql_q "CREATE FUNCTION intake.test_pace() RETURNS trigger LANGUAGE plpgsql AS \$\$
        BEGIN PERFORM pg_sleep(0.02); RETURN NEW; END \$\$;
        CREATE TRIGGER test_pace BEFORE INSERT ON intake.need FOR EACH ROW EXECUTE FUNCTION intake.test_pace();" >/dev/null
tail -n +$((half + 1)) "$STREAM" | produce
wait_for "second half under way" 90 sql_ge "SELECT count(*) FROM intake.message_log" $((half + 10))
outage 2
psql_q "DROP TRIGGER test_pace ON intake.need; DROP FUNCTION intake.test_pace();" >/dev/null
check_exactly_once
assert_ok "daemon still the same process" proc_alive intake

# Every row marked published is on its topic: the event id (ASCII in the Avro value) is found.
psql_q "SELECT event_id FROM intake.outbox WHERE published_at IS NOT NULL" >"$GFDX_TEST_DIR/published.txt"
for t in $(topics_matching 'gfdx.receipts.*') gfdx.miit-pushes; do
    kcat -C -b "$GFDX_KAFKA_BOOTSTRAP" -t "$t" -e -q -f '%s\n' 2>/dev/null
done >"$GFDX_TEST_DIR/topics.bin"
found=$(grep -a -o -F -f "$GFDX_TEST_DIR/published.txt" "$GFDX_TEST_DIR/topics.bin" | sort -u | wc -l)
assert_eq "every row marked published is on its topic" "$(grep -c . "$GFDX_TEST_DIR/published.txt")" "$found"
# Rows in flight are never produced again (nothing crashed here): each receipt exactly once.
rows=$(psql_q "SELECT count(*) FROM intake.outbox WHERE topic LIKE 'gfdx.receipts.%'")
on_topic=$(receipts_count)
echo "# $rows receipt rows, $on_topic receipts on gfdx.receipts.<participant>"
assert_eq "no row in flight was produced twice" "$rows" "$on_topic"

kill_proc intake TERM
assert_eq "SIGTERM: clean exit 0" 0 "$KILL_STATUS"
reports=$(cat "$SAN"/* 2>/dev/null | grep -c -E "ERROR: (Address|Leak)Sanitizer|runtime error:" || true)
if [ "$reports" != 0 ]; then
    grep -h -A12 -E "ERROR: (Address|Leak)Sanitizer|runtime error:" "$SAN"/* | head -60 | sed 's/^/#   /'
fi
assert_eq "no sanitizer report (heap-use-after-free, leak, UB)" 0 "$reports"
if [ "$GFDX_BROKER" = kafka ]; then
    assert_ok "broker outages happened" test "$(grep -c "^--- kafka-start" "$GFDX_STACK_DIR/kafka/kafka.log")" -ge 2
else
    assert_ok "broker outages happened" test "$(grep -c "took down" "$GFDX_STACK_DIR/devbroker.log")" -ge 2
fi
finish
