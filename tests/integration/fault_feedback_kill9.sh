#!/usr/bin/env bash
# kill -9 of gfdx-feedback in the middle of a generated stream, twice, then restart: every
# record is applied exactly once and every outbox record is published. The whole feedback
# state (matching, aggregates, obstacles, alerts, history, message log, outbox) must equal
# that of a reference instance that consumed the same stream uninterrupted (its own
# database and consumer group), and the verdicts must equal the stream's construction.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_feedback.sh"
stack_up

STREAM=$GFDX_TEST_DIR/stream.jsonl
$PY "$FB_DATA/make_feedback_stream.py" --seed 11 --needs 60 --out "$STREAM" --sql "$GFDX_TEST_DIR/pboc_rows.sql" \
  --expect "$GFDX_TEST_DIR/expect.json"
expect_field() { $PY -c "import json; print(json.load(open('$GFDX_TEST_DIR/expect.json'))['$1'])"; }
TOTAL=$(expect_field records)
REF="host=$GFDX_PG_HOST port=$GFDX_PG_PORT dbname=gfdx_ref user=gfdx"
psql_q "CREATE DATABASE gfdx_ref" >/dev/null
for db in "$GFDX_PG_CONNINFO" "$REF"; do
  pboc_fixture "$db"
  pboc_sql_file "$GFDX_TEST_DIR/pboc_rows.sql" "$db"
done
produce <"$STREAM"

GFDX_TEST_BATCH=25
start_feedback ref "$REF" gfdx-feedback-ref
start_feedback feedback1
wait_for "first third applied" 90 sql_ge "SELECT count(*) FROM feedback.message_log" $((TOTAL / 3))
kill_proc feedback1 KILL
assert_eq "gfdx-feedback killed by SIGKILL" 137 "$KILL_STATUS"
mid=$(psql_q "SELECT count(*) FROM feedback.message_log")
assert_ok "stream was interrupted before the end ($mid of $TOTAL)" test "$mid" -lt "$TOTAL"

start_feedback feedback2
wait_for "two thirds applied" 90 sql_ge "SELECT count(*) FROM feedback.message_log" $((2 * TOTAL / 3))
kill_proc feedback2 KILL
assert_eq "killed again" 137 "$KILL_STATUS"

start_feedback feedback3
wait_sql_eq "SELECT count(*) FROM feedback.message_log" "$TOTAL" 120
wait_sql_eq "SELECT count(*) FROM feedback.outbox WHERE published_at IS NULL" 0 60
ref_sql() { psql -X -q -A -t "$REF" -c "$1"; }
ref_done() { [ "$(ref_sql "SELECT count(*) FROM feedback.message_log")" = "$TOTAL" ] &&
  [ "$(ref_sql "SELECT count(*) FROM feedback.outbox WHERE published_at IS NULL")" = 0 ]; }
wait_for "reference instance consumed and published everything" 120 ref_done

assert_eq "every offset logged once" "$TOTAL" \
  "$(psql_q "SELECT count(DISTINCT (partition, \"offset\")) FROM feedback.message_log")"
assert_eq "applied exactly the records built to be legal" "$(expect_field applied)" \
  "$(psql_q "SELECT count(*) FROM feedback.message_log WHERE outcome = 'APPLIED'")"
assert_eq "every record got the verdict it was built for" "" "$(outcome_mismatches "$STREAM")"
assert_eq "no record applied twice (history rows = distinct events = applied)" \
  "$(expect_field applied) $(expect_field applied)" \
  "$(psql_q "SELECT count(*) || ' ' || count(DISTINCT event_id) FROM feedback.matching_event")"
assert_eq "one receipt per record in the outbox" "$TOTAL" \
  "$(psql_q "SELECT count(*) FROM feedback.outbox WHERE record_type = 'Receipt'")"
assert_eq "NeedMatchingStatus in the outbox = changes counted per need" \
  "$(psql_q "SELECT sum(status_changes) FROM feedback.need_status")" \
  "$(psql_q "SELECT count(*) FROM feedback.outbox WHERE record_type = 'NeedMatchingStatus'")"

feedback_state >"$GFDX_TEST_DIR/state.txt"
feedback_state "$REF" >"$GFDX_TEST_DIR/state_ref.txt"
if diff "$GFDX_TEST_DIR/state_ref.txt" "$GFDX_TEST_DIR/state.txt" >"$GFDX_TEST_DIR/state.diff"; then
  pass "state after two kills equals the uninterrupted run ($(wc -l <"$GFDX_TEST_DIR/state.txt") rows)"
else
  fail "state differs from the uninterrupted run: $(head -6 "$GFDX_TEST_DIR/state.diff" | tr '\n' ' ')"
fi
assert_ge "the stream exercised obstacles, alerts and disbursements" 1 \
  "$(psql_q "SELECT least((SELECT count(*) FROM feedback.obstacle WHERE status = 'RESOLVED'),
                          (SELECT count(*) FROM feedback.alert),
                          (SELECT count(*) FROM feedback.matching WHERE disbursements > 1))")"

for t in "gfdx.matching-status NeedMatchingStatus" "gfdx.coordination.* ObstacleCoordination"; do
  # shellcheck disable=SC2086 # "TOPIC TYPE" split on purpose
  set -- $t
  assert_eq "every $2 of the outbox is on $1" "" "$(outbox_unpublished_on_topic "$1" "$2")"
  assert_eq "consumers see each $2 once by event id" \
    "$(psql_q "SELECT count(*) FROM feedback.outbox WHERE record_type = '$2'")" \
    "$(grep -cxFf "$GFDX_TEST_DIR/in_outbox.txt" "$GFDX_TEST_DIR/on_topic.txt")"
done

kill_proc feedback3 TERM
assert_eq "SIGTERM: clean exit 0" 0 "$KILL_STATUS"
finish
