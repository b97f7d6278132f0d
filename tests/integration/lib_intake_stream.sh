# lib_intake_stream.sh: a generated intake stream and the checks that it was applied exactly
# once (source after lib.sh and lib_daemons.sh). Used by the fault tests.

PY=/usr/bin/python3

# make_stream COUNT SEED: writes $GFDX_TEST_DIR/stream.jsonl and expect.json; sets TOTAL.
make_stream() {
  STREAM=$GFDX_TEST_DIR/stream.jsonl
  $PY "$GFDX_SOURCE_DIR/deploy/sample/make_needs.py" --seed "$2" --count "$1" --bad 10 --out "$STREAM"
  $PY "$GFDX_SOURCE_DIR/tests/integration/expect_intake.py" "$STREAM" >"$GFDX_TEST_DIR/expect.json"
  TOTAL=$(grep -c . "$STREAM")
}

expect_field() { $PY -c "import json; print(json.load(open('$GFDX_TEST_DIR/expect.json'))['$1'])"; }

# check_exactly_once: every record consumed once, applied once, its effects once.
check_exactly_once() {
  wait_sql_eq "SELECT count(*) FROM intake.message_log" "$TOTAL" 120
  wait_sql_eq "SELECT count(*) FROM intake.outbox WHERE published_at IS NULL" 0 60
  assert_eq "every offset logged once" "$TOTAL" \
    "$(psql_q "SELECT count(DISTINCT (partition, \"offset\")) FROM intake.message_log")"
  assert_eq "applied exactly the expected records" "$(expect_field applied)" \
    "$(psql_q "SELECT count(*) FROM intake.message_log WHERE outcome = 'APPLIED'")"
  assert_eq "no record applied twice (history)" "$(expect_field applied)" \
    "$(psql_q "SELECT count(DISTINCT event_id) FROM intake.need_event WHERE record_type <> 'NeedPushed'")"
  assert_eq "history rows equal applied records" "$(expect_field applied)" \
    "$(psql_q "SELECT count(*) FROM intake.need_event WHERE record_type <> 'NeedPushed'")"
  assert_eq "NeedPushed emitted once per recommendation" "$(expect_field need_pushed)" \
    "$(psql_q "SELECT count(*) FROM intake.outbox WHERE record_type = 'NeedPushed'")"
  assert_eq "one receipt per record in the outbox" "$TOTAL" \
    "$(psql_q "SELECT count(*) FROM intake.outbox WHERE record_type = 'Receipt'")"
  assert_ge "receipts on gfdx.receipts.<participant> (a crash may publish one twice)" "$TOTAL" "$(receipts_count)"
  local expected actual
  expected=$($PY -c "
import json; e = json.load(open('$GFDX_TEST_DIR/expect.json'))['status']
print(','.join(f'{k}={v}' for k, v in sorted(e.items())))")
  actual=$(psql_q "SELECT string_agg(need_id || '=' || status, ',' ORDER BY need_id COLLATE \"C\") FROM intake.need")
  assert_eq "final need states equal the independent replay" "$expected" "$actual"
}
