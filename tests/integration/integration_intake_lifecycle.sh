#!/usr/bin/env bash
# gfdx-intake end to end on the dev broker and a real PostgreSQL: a quarter of needs from
# several provinces through the whole lifecycle; a forged review; undecodable bytes; a
# duplicate event id; an old writer schema; Chinese text round trip.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
PY=/usr/bin/python3
stack_up

stream=$GFDX_TEST_DIR/stream.jsonl
$PY "$GFDX_SOURCE_DIR/deploy/sample/make_needs.py" --seed 7 --count 80 --bad 6 --out "$stream"
$PY "$GFDX_SOURCE_DIR/tests/integration/expect_intake.py" "$stream" >"$GFDX_TEST_DIR/expect.json"
expect() { $PY -c "import json,sys; print(json.load(open('$GFDX_TEST_DIR/expect.json'))$1)"; }
total=$(grep -c . "$stream")

start_intake
produce <"$stream"
wait_sql_eq "SELECT count(*) FROM intake.message_log" "$total" 90
wait_sql_eq "SELECT count(*) FROM intake.need WHERE status = 'RECOMMENDED'" 0 30

assert_eq "applied records" "$(expect '["applied"]')" \
  "$(psql_q "SELECT count(*) FROM intake.message_log WHERE outcome = 'APPLIED'")"
assert_eq "refused records" "$(expect '["refused"]')" \
  "$(psql_q "SELECT count(*) FROM intake.message_log WHERE outcome = 'REFUSED'")"
assert_eq "every refusal kept in rejection" "$(expect '["refused"]')" "$(psql_q "SELECT count(*) FROM intake.rejection")"
$PY -c "
import json; e = json.load(open('$GFDX_TEST_DIR/expect.json'))['status']
print('\n'.join(f'{k} {v}' for k, v in sorted(e.items())))" >"$GFDX_TEST_DIR/expected_status.txt"
psql_q "SELECT need_id || ' ' || status FROM intake.need ORDER BY need_id COLLATE \"C\"" >"$GFDX_TEST_DIR/actual_status.txt"
sort -o "$GFDX_TEST_DIR/expected_status.txt" "$GFDX_TEST_DIR/expected_status.txt"
sort -o "$GFDX_TEST_DIR/actual_status.txt" "$GFDX_TEST_DIR/actual_status.txt"
if diff "$GFDX_TEST_DIR/expected_status.txt" "$GFDX_TEST_DIR/actual_status.txt" >"$GFDX_TEST_DIR/status.diff"; then
  pass "every need ends in the state the independent replay expects ($(wc -l <"$GFDX_TEST_DIR/actual_status.txt") needs)"
else
  fail "need states differ from the replay: $(head -5 "$GFDX_TEST_DIR/status.diff" | tr '\n' ' ')"
fi
assert_ge "several provinces" 4 "$(psql_q "SELECT count(DISTINCT province) FROM intake.need")"
assert_eq "history: one need_event per applied record" "$(expect '["applied"]')" \
  "$(psql_q "SELECT count(*) FROM intake.need_event WHERE record_type <> 'NeedPushed'")"
assert_eq "NeedPushed written for every recommendation" "$(expect '["need_pushed"]')" \
  "$(psql_q "SELECT count(*) FROM intake.outbox WHERE record_type = 'NeedPushed'")"
assert_eq "NeedPushWithdrawn for withdrawals after recommendation" "$(expect '["push_withdrawn"]')" \
  "$(psql_q "SELECT count(*) FROM intake.outbox WHERE record_type = 'NeedPushWithdrawn'")"
wait_sql_eq "SELECT count(*) FROM intake.outbox WHERE published_at IS NULL" 0 30
assert_eq "pushes on gfdx.miit-pushes" "$(($(expect '["need_pushed"]') + $(expect '["push_withdrawn"]')))" \
  "$(kafka_count gfdx.miit-pushes)"
assert_eq "a receipt for every record" "$total" "$(receipts_count)"
assert_ge "late recommendations assigned to the next quarter" 1 \
  "$(psql_q "SELECT count(*) FROM intake.need WHERE late AND quarter <> requested_quarter")"
assert_ge "major recommendations after the deadline stay in their quarter, not late" 1 \
  "$(psql_q "SELECT count(*) FROM intake.need WHERE is_major AND NOT late AND quarter = requested_quarter
             AND EXISTS (SELECT 1 FROM intake.need n2 WHERE n2.late)")"

# Chinese text round-trips exactly.
first=$(grep -m1 '"NeedSubmitted"' "$stream")
nid=$(echo "$first" | $PY -c 'import json,sys; print(json.load(sys.stdin)["need_id"])')
name=$(echo "$first" | $PY -c 'import json,sys; print(json.load(sys.stdin)["factory"]["name"])')
assert_eq "Chinese factory name stored exactly" "$name" \
  "$(psql_q "SELECT factory_name FROM intake.need WHERE need_id = '$nid'")"

# A fresh need, reviewed by another province's authority: refused, nothing changes.
fresh=$(echo "$first" | $PY -c '
import json, sys; r = json.load(sys.stdin); r["need_id"] = "T-FORGED-1"; r.pop("meta", None)
r["meta"] = {"sender": "miit"}; print(json.dumps(r, ensure_ascii=False))')
prov=$(echo "$first" | $PY -c 'import json,sys; print(json.load(sys.stdin)["factory"]["province"])')
other=prov-320000; [ "$prov" = 320000 ] && other=prov-310000
echo "$fresh" | produce
wait_sql_eq "SELECT status FROM intake.need WHERE need_id = 'T-FORGED-1'" SUBMITTED 30
echo '{"need_id":"T-FORGED-1","decision":"APPROVED","reviewer":"伪造","comment":null}' |
  produce --type NeedReviewed --sender "$other"
wait_sql_eq "SELECT count(*) FROM intake.rejection WHERE entity_id = 'T-FORGED-1'" 1 30
assert_eq "forged review refused as UNAUTHORIZED_SENDER" UNAUTHORIZED_SENDER \
  "$(psql_q "SELECT reason_code FROM intake.rejection WHERE entity_id = 'T-FORGED-1'")"
assert_eq "forged review changed nothing" "SUBMITTED 1" \
  "$(psql_q "SELECT n.status || ' ' || (SELECT count(*) FROM intake.need_event e WHERE e.need_id = n.need_id)
             FROM intake.need n WHERE need_id = 'T-FORGED-1'")"
wait_for "refusal receipt published to the forger" 30 receipts_for "$other"

# Undecodable bytes: dead letter with the raw value, and the daemon goes on.
printf 'not an avro record' | kcat -P -b "$GFDX_KAFKA_BOOTSTRAP" -t gfdx.needs -k T-GARBAGE
wait_sql_eq "SELECT count(*) FROM intake.dead_letter" 1 30
assert_eq "dead letter keeps the raw bytes" "not an avro record" \
  "$(psql_q "SELECT convert_from(value, 'UTF8') FROM intake.dead_letter")"
assert_eq "dead letter reason" BAD_MARKER "$(psql_q "SELECT reason_code FROM intake.dead_letter")"

# Duplicate event id: applied once, answered twice.
dup=$(echo "$fresh" | $PY -c '
import json, sys, time; r = json.load(sys.stdin); r["need_id"] = "T-DUP-1"
r["meta"] = {"sender": "miit", "event_id": "7d2c8f0e-5a1b-4c3d-9e8f-0123456789ab",
             "occurred_at": int(time.time() * 1000)}  # one time for both copies: the same bytes
print(json.dumps(r, ensure_ascii=False))')
printf '%s\n%s\n' "$dup" "$dup" | produce
wait_sql_eq "SELECT count(*) FROM intake.message_log WHERE event_id = '7d2c8f0e-5a1b-4c3d-9e8f-0123456789ab'" 2 30
assert_eq "duplicate applied once" 1 "$(psql_q "SELECT count(*) FROM intake.need_event WHERE need_id = 'T-DUP-1'")"
assert_eq "duplicate recognised" "APPLIED DUPLICATE" \
  "$(psql_q "SELECT string_agg(outcome, ' ' ORDER BY \"offset\") FROM intake.message_log
             WHERE event_id = '7d2c8f0e-5a1b-4c3d-9e8f-0123456789ab'")"
assert_ge "daemon went on after the dead letter" 1 "$(psql_q "SELECT count(*) FROM intake.need WHERE need_id = 'T-DUP-1'")"

# An old writer (NeedSubmitted v1): the v2 reader fills the defaults.
old=$(echo "$fresh" | $PY -c '
import json, sys; r = json.load(sys.stdin); r["need_id"] = "T-V1-1"
r.pop("submission_channel", None); r["project"].pop("digital_maturity", None); print(json.dumps(r, ensure_ascii=False))')
echo "$old" | produce --schema-version 1
wait_sql_eq "SELECT snapshot->>'submission_channel' FROM intake.need WHERE need_id = 'T-V1-1'" MIIT_PLATFORM 30
assert_eq "v1 record: null default filled" null \
  "$(psql_q "SELECT jsonb_typeof(snapshot->'project'->'digital_maturity') FROM intake.need WHERE need_id = 'T-V1-1'")"

# The daemon is still the one we started.
assert_ok "gfdx-intake still running" proc_alive intake
finish
