#!/usr/bin/env bash
# The Kafka broker goes away for several seconds mid-stream (broker_outage_begin/end, lib.sh:
# gfdx-devbroker SIGUSR1/SIGUSR2, Apache Kafka kafka-stop/kafka-start; every broker down, then
# up, data kept): gfdx-intake keeps running, resumes, applies every record exactly once and
# publishes every outbox row.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_intake_stream.sh"
stack_up
make_stream 300 31
GFDX_TEST_BATCH=20
produce <"$STREAM"
start_intake intake
wait_for "stream under way" 90 sql_ge "SELECT count(*) FROM intake.message_log" $((TOTAL / 4))
broker_outage_begin
sleep 6
assert_ok "daemon survives the broker outage" proc_alive intake
broker_outage_end
check_exactly_once
assert_ok "daemon still the same process" proc_alive intake
finish
