#!/usr/bin/env bash
# kill -9 of gfdx-intake in the middle of a stream, twice, then restart: every record is
# applied exactly once (counts, history and final states equal an uninterrupted replay).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_intake_stream.sh"
stack_up
make_stream 300 11
GFDX_TEST_BATCH=25
produce <"$STREAM"

start_intake intake1
wait_for "first third applied" 90 sql_ge "SELECT count(*) FROM intake.message_log" $((TOTAL / 3))
kill_proc intake1 KILL
assert_eq "intake killed by SIGKILL" 137 "$KILL_STATUS"
mid=$(psql_q "SELECT count(*) FROM intake.message_log")
assert_ok "stream was interrupted before the end ($mid of $TOTAL)" test "$mid" -lt "$TOTAL"

start_intake intake2
wait_for "two thirds applied" 90 sql_ge "SELECT count(*) FROM intake.message_log" $((2 * TOTAL / 3))
kill_proc intake2 KILL

start_intake intake3
check_exactly_once
kill_proc intake3 TERM
assert_eq "SIGTERM: clean exit 0" 0 "$KILL_STATUS"
finish
