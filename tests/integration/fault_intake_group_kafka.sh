#!/usr/bin/env bash
# Three gfdx-intake instances in one consumer group over gfdx.needs (6 partitions) on Apache
# Kafka's group coordinator; one is SIGKILLed and a fourth joins mid-stream: every record is
# applied exactly once (Kafka only: the dev broker's coordinator is librdkafka's mock).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_intake_stream.sh"
stack_up
make_stream 400 43
# shellcheck disable=SC2034 # read by daemon_config (lib_daemons.sh)
GFDX_TEST_BATCH=10
assert_eq "gfdx.needs has 6 partitions" 6 \
  "$(kcat -L -b "$GFDX_KAFKA_BOOTSTRAP" -t gfdx.needs | grep -c 'partition [0-9]*, leader')"
start_intake intake1
start_intake intake2
start_intake intake3
assigned() { grep -q "assigned gfdx.needs\[" "$GFDX_TEST_DIR/$1.log"; }
split -n l/2 -d "$STREAM" "$GFDX_TEST_DIR/half."
produce <"$GFDX_TEST_DIR/half.00"
for n in intake1 intake2 intake3; do
  wait_for "$n is assigned partitions of gfdx.needs" 60 assigned "$n"
done
wait_for "a quarter consumed by the group" 90 sql_ge "SELECT count(*) FROM intake.message_log" $((TOTAL / 4))
kill_proc intake2 KILL
assert_eq "intake2 killed by SIGKILL" 137 "$KILL_STATUS"
mid=$(psql_q "SELECT count(*) FROM intake.message_log")
assert_ok "killed mid-stream ($mid of $TOTAL)" test "$mid" -lt "$TOTAL"
start_intake intake4
produce <"$GFDX_TEST_DIR/half.01"
wait_for "intake4 joins the group and is assigned partitions" 60 assigned intake4
check_exactly_once
for n in intake1 intake3 intake4; do
  assert_ok "$n still running" proc_alive "$n"
done
finish
