#!/usr/bin/env bash
# PostgreSQL down during rebalances: three gfdx-intake instances share the group; PostgreSQL
# stops; records keep arriving; two instances are stopped one after the other, so the group
# rebalances twice while the database is down. Each instance answers SIGTERM at once, the
# survivor takes every partition (paused: it cannot read the stored offsets yet) and keeps
# serving the group; when PostgreSQL is back it resumes them and every record is applied
# exactly once, promptly (no instance sits idle with assigned partitions).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_intake_stream.sh"
stack_up
make_stream 400 29
GFDX_TEST_BATCH=20
half=$((TOTAL / 2))
head -n "$half" "$STREAM" | produce
cfg=$(daemon_config intake miit gfdx.needs gfdx.matching-status)
# A member that does not poll for 10 s is put out of the group (librdkafka's own guard).
sed -i 's/^  ("session.timeout.ms", "6000"),/  ("session.timeout.ms", "6000"),\n  ("max.poll.interval.ms", "10000"),/' "$cfg"
for i in 1 2 3; do spawn "intake$i" "$GFDX_BUILD_DIR/services/intake/gfdx-intake" --config "$cfg"; done
wait_sql_eq "SELECT count(*) FROM intake.message_log" "$half" 90
for i in 1 2 3; do
    wait_for "intake$i holds partitions" 30 grep -q "assigned gfdx" "$GFDX_TEST_DIR/intake$i.log"
done

# stop_timed NAME: SIGTERM; sets KILL_STATUS and STOP_MS (milliseconds until it was gone).
stop_timed() {
    local t0
    t0=$(date +%s%3N)
    kill_proc "$1" TERM
    STOP_MS=$(($(date +%s%3N) - t0))
}

"$GFDX_SOURCE_DIR/deploy/localstack.sh" pg-stop "$GFDX_STACK_DIR"
tail -n +"$((half + 1))" "$STREAM" | produce
stop_timed intake2
assert_eq "intake2 exits 0 on SIGTERM while PostgreSQL is down" 0 "$KILL_STATUS"
assert_ok "intake2 answered SIGTERM within 5 s (${STOP_MS} ms)" test "$STOP_MS" -lt 5000
sleep 4 # first rebalance: intake1 and intake3 share the partitions, PostgreSQL still down
stop_timed intake3
assert_eq "intake3 exits 0 on SIGTERM while PostgreSQL is down" 0 "$KILL_STATUS"
assert_ok "intake3 answered SIGTERM within 5 s (${STOP_MS} ms)" test "$STOP_MS" -lt 5000
# Second rebalance: intake1 must take all 9 partitions now, without PostgreSQL.
# (reported, not fatal: what follows shows whether the daemon recovers anyway)
wait_for "intake1 took every partition while PostgreSQL was down" 20 \
    grep -q "assigned 9 partitions, paused until their stored offsets can be read" "$GFDX_TEST_DIR/intake1.log" || true
sleep 12 # longer than max.poll.interval.ms: an instance stuck waiting would be put out
assert_ok "intake1 survives the outage" proc_alive intake1

t0=$(date +%s)
"$GFDX_SOURCE_DIR/deploy/localstack.sh" pg-start "$GFDX_STACK_DIR"
wait_sql_eq "SELECT count(*) FROM intake.message_log" "$TOTAL" 30
echo "# all records applied $(($(date +%s) - t0)) s after PostgreSQL came back"
check_exactly_once
assert_eq "no offset gap recorded (every record was still on the broker)" 0 \
    "$(psql_q "SELECT count(*) FROM intake.offset_gap")"
assert_ok "intake1 still the same process" proc_alive intake1
# librdkafka puts a member out of the group when it has not polled for max.poll.interval.ms
# (it says so once the application polls again): a daemon blocked on PostgreSQL holds up
# every rebalance of its group until then.
assert_eq "intake1 kept polling through the outage: never put out of the group" 0 \
    "$(grep -c 'maximum poll interval' "$GFDX_TEST_DIR/intake1.log" || true)"
stop_timed intake1
assert_eq "intake1 exits 0 on SIGTERM" 0 "$KILL_STATUS"
finish
