#!/usr/bin/env bash
# SIGKILL of the Apache Kafka JVM mid-stream, restarted from its log directory a few seconds
# later, three times (Kafka only: the dev broker has no process of its own to kill):
# gfdx-intake never exits, nothing is lost, nothing is applied twice, every outbox row is
# published.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_intake_stream.sh"
stack_up
make_stream 400 41
# shellcheck disable=SC2034 # read by daemon_config (lib_daemons.sh)
GFDX_TEST_BATCH=10
# The stream in four chunks: each SIGKILL falls while the daemon has records to consume and
# outbox rows to publish (a chunk is produced only while the broker is up).
split -n l/4 -d "$STREAM" "$GFDX_TEST_DIR/chunk."
produce <"$GFDX_TEST_DIR/chunk.00"
start_intake intake
logged=0
for round in 1 2 3; do
  target=$((logged + 20))
  wait_for "round $round: stream under way ($target records consumed)" 90 \
    sql_ge "SELECT count(*) FROM intake.message_log" "$target"
  broker_kill9
  logged=$(psql_q "SELECT count(*) FROM intake.message_log")
  sleep 3
  assert_ok "round $round: daemon survives the SIGKILL of the broker" proc_alive intake
  broker_outage_end
  produce <"$GFDX_TEST_DIR/chunk.0$round"
done
assert_ok "the broker was killed mid-stream ($logged of $TOTAL consumed at the last kill)" \
  test "$logged" -lt "$TOTAL"
check_exactly_once
assert_ok "daemon still the same process" proc_alive intake
kill_proc intake TERM
assert_eq "SIGTERM: clean exit 0" 0 "$KILL_STATUS"
finish
