#!/usr/bin/env bash
# PostgreSQL stopped for a few seconds mid-stream: gfdx-intake waits, retries with back-off,
# resumes and loses nothing; it never exits.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_intake_stream.sh"
stack_up
make_stream 300 23
GFDX_TEST_BATCH=20
produce <"$STREAM"
start_intake intake
wait_for "stream under way" 90 sql_ge "SELECT count(*) FROM intake.message_log" $((TOTAL / 4))
"$GFDX_SOURCE_DIR/deploy/localstack.sh" pg-stop "$GFDX_STACK_DIR"
sleep 5
assert_ok "daemon survives the outage" proc_alive intake
"$GFDX_SOURCE_DIR/deploy/localstack.sh" pg-start "$GFDX_STACK_DIR"
check_exactly_once
assert_ok "daemon still the same process" proc_alive intake
assert_ge "the outage was noticed and retried" 1 "$(grep -c 'rolled back, will retry\|PostgreSQL unavailable\|connection lost' "$GFDX_TEST_DIR/intake.log")"
finish
