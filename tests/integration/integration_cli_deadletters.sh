#!/usr/bin/env bash
# gfdx dead-letters and gfdx rejections against a real gfdx-intake. The realistic case for a
# replay: intake runs without the NeedWithdrawn schema, so a withdrawal is undecodable
# (UNKNOWN_FINGERPRINT) and kept as a dead letter; once intake has the schema again, the
# replay sends the same bytes with the same key to the same topic and partition, and the
# need is withdrawn. A replay is done once (a second one is skipped) unless --force, and
# then the daemon recognises the event id. Refused records are listed and shown.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_cli.sh"
stack_up
status_of() { local rc=0; "$@" >/dev/null 2>&1 || rc=$?; echo "$rc"; }

# intake without need_withdrawn.v1.avsc
partial=$GFDX_TEST_DIR/schemas-partial
mkdir -p "$partial"
cp "$GFDX_SOURCE_DIR"/schemas/avro/*.avsc "$partial"/
rm "$partial/need_withdrawn.v1.avsc"
cfg=$(daemon_config intake miit gfdx.needs gfdx.matching-status)
sed "s|schemas = \"$GFDX_SOURCE_DIR/schemas/avro\";|schemas = \"$partial\";|" "$cfg" >"$GFDX_TEST_DIR/intake-partial.cfg"
assert_ok "test set-up: the partial catalogue is the one configured" grep -q "$partial" "$GFDX_TEST_DIR/intake-partial.cfg"
spawn intake "$GFDX_BUILD_DIR/services/intake/gfdx-intake" --config "$GFDX_TEST_DIR/intake-partial.cfg"

cli_scenario 1 | grep '"CLI-SH-5"' | produce                    # one pending need
wait_sql_eq "SELECT status FROM intake.need WHERE need_id = 'CLI-SH-5'" SUBMITTED 60
echo '{"need_id": "CLI-SH-5", "reason": "企业已通过自有资金解决"}' | produce --type NeedWithdrawn --sender prov-310000
printf 'not an avro record\x01\x02' | kcat -P -b "$GFDX_KAFKA_BOOTSTRAP" -t gfdx.needs -k CLI-GARBAGE -p 4
wait_sql_eq "SELECT count(*) FROM intake.dead_letter" 2 30

# ---- list / show --------------------------------------------------------------------------
gfdx dead-letters list --format csv | tr -d '\r' >"$GFDX_TEST_DIR/dl.csv"
wd=$(psql_q "SELECT id FROM intake.dead_letter WHERE reason_code = 'UNKNOWN_FINGERPRINT'")
junk=$(psql_q "SELECT id FROM intake.dead_letter WHERE reason_code = 'BAD_MARKER'")
assert_eq "list: the withdrawal, by service, key and reason" "intake,gfdx.needs,CLI-SH-5,UNKNOWN_FINGERPRINT" \
  "$(csv_select "$GFDX_TEST_DIR/dl.csv" id "$wd" service topic key reason_code)"
assert_eq "list: the garbage on its partition, 20 bytes, not replayed" "gfdx.needs,4,CLI-GARBAGE,20,BAD_MARKER," \
  "$(csv_select "$GFDX_TEST_DIR/dl.csv" id "$junk" topic partition key bytes reason_code replayed_at)"
assert_ok "list (table): says which services are not deployed" \
  grep -q 'not deployed: pboc, feedback, district' <(gfdx dead-letters list)
gfdx dead-letters show "$junk" >"$GFDX_TEST_DIR/show.txt"
assert_ok "show: hex dump of the raw bytes" \
  grep -q '^00000000  6e 6f 74 20 61 6e 20 61  76 72 6f 20 72 65 63 6f  |not an avro reco|' "$GFDX_TEST_DIR/show.txt"
assert_ok "show: the last bytes, non-printable as dots" grep -q '^00000010  72 64 01 02 .*|rd..|$' "$GFDX_TEST_DIR/show.txt"
assert_ok "show: the reason" grep -q 'reason       BAD_MARKER: ' "$GFDX_TEST_DIR/show.txt"
assert_ok "show: single-object marker of the withdrawal" \
  grep -q '^00000000  c3 01 ' <(gfdx dead-letters show "$wd" --service intake)
assert_eq "show: unknown id is a failure" 1 "$(status_of gfdx dead-letters show 999)"
assert_eq "show: a non-numeric id is a usage error" 2 "$(status_of gfdx dead-letters show abc)"
assert_eq "list --service pboc: not deployed, nothing listed, exit 0" "0 1" \
  "$(status_of gfdx dead-letters list --service pboc) $(gfdx dead-letters list --service pboc --format csv | grep -c .)"

# ---- replay after intake got its schema back ------------------------------------------------
kill_proc intake
start_intake
before=$(kafka_count gfdx.needs)
assert_eq "replay with an unreachable broker fails" 1 \
  "$(status_of gfdx dead-letters replay "$wd" --brokers 127.0.0.1:1 --timeout-ms 600)"
assert_eq "... and leaves the dead letter pending" "" \
  "$(psql_q "SELECT replayed_at FROM intake.dead_letter WHERE id = $wd")"
gfdx dead-letters replay "$wd" >"$GFDX_TEST_DIR/replay.txt"
assert_ok "replay: reports where the record went" \
  grep -q "^intake #$wd: replayed to gfdx.needs \[$(psql_q "SELECT partition FROM intake.dead_letter WHERE id = $wd")\]" \
  "$GFDX_TEST_DIR/replay.txt"
wait_sql_eq "SELECT status FROM intake.need WHERE need_id = 'CLI-SH-5'" WITHDRAWN 60
assert_eq "replay: one more record on gfdx.needs" "$((before + 1))" "$(kafka_count gfdx.needs)"
assert_eq "replay: same bytes, key and partition as the dead letter" 1 "$(psql_q "
  SELECT count(*) FROM intake.message_log m JOIN intake.dead_letter d
      ON d.id = $wd AND m.topic = d.topic AND m.partition = d.partition AND m.\"offset\" > d.\"offset\"
   WHERE m.value_sha256 = encode(sha256(d.value), 'hex') AND m.outcome = 'APPLIED'")"
assert_ok "replay: replayed_at set" sql_ge "SELECT count(*) FROM intake.dead_letter WHERE id = $wd AND replayed_at IS NOT NULL" 1
assert_eq "list --pending: only the garbage left" "$junk" \
  "$(gfdx dead-letters list --pending --format csv | tr -d '\r' | sed -n '2,$p' | cut -d, -f2)"

out=$(gfdx dead-letters replay "$wd")
assert_ok "a second replay is skipped" grep -q 'already replayed at' <<<"$out"
assert_eq "... and sends nothing" "$((before + 1))" "$(kafka_count gfdx.needs)"
gfdx dead-letters replay "$wd" --force >/dev/null
wait_sql_eq "SELECT count(*) FROM intake.message_log WHERE outcome = 'DUPLICATE'" 1 30
assert_eq "--force sends it again; intake recognises the event id (DUPLICATE, not applied twice)" 1 \
  "$(psql_q "SELECT count(*) FROM intake.need_event WHERE need_id = 'CLI-SH-5' AND record_type = 'NeedWithdrawn'")"
assert_eq "replay of an unknown id: exit 1" 1 "$(status_of gfdx dead-letters replay 999)"
assert_eq "replay of a non-numeric id: exit 2, nothing sent" "2 $((before + 2))" \
  "$(status_of gfdx dead-letters replay "$junk" x) $(kafka_count gfdx.needs)"
assert_eq "replay without brokers: exit 1" 1 \
  "$(GFDX_KAFKA_BOOTSTRAP= status_of gfdx dead-letters replay "$junk")"

# ---- rejections -------------------------------------------------------------------------------
echo '{"need_id": "CLI-SH-5", "decision": "APPROVED", "comment": null, "reviewer": "上海市经信委 李华"}' |
  produce --type NeedReviewed --sender prov-310000                 # the need is withdrawn
wait_sql_eq "SELECT count(*) FROM intake.rejection" 1 30
gfdx rejections list --format csv | tr -d '\r' >"$GFDX_TEST_DIR/rj.csv"
assert_eq "rejections list: service, sender, type, entity, reason code" \
  "intake,prov-310000,NeedReviewed,CLI-SH-5,ILLEGAL_TRANSITION" \
  "$(csv_select "$GFDX_TEST_DIR/rj.csv" entity_id CLI-SH-5 service sender record_type entity_id reason_code)"
assert_eq "rejections --reason filters" 1 \
  "$(gfdx rejections list --reason ILLEGAL_TRANSITION --format csv | tr -d '\r' | sed 1d | grep -c .)"
assert_eq "rejections --reason with no match" 0 \
  "$(gfdx rejections list --reason BAD_USCC --format csv | tr -d '\r' | sed 1d | grep -c . || true)"
assert_eq "rejections --since 1h / --since a future date" "1 0" \
  "$(gfdx rejections list --since 1h --format csv | sed 1d | grep -c .) $(gfdx rejections list --since 2999-01-01 --format csv | sed 1d | grep -c . || true)"
assert_eq "rejections --since nonsense: usage error" 2 "$(status_of gfdx rejections list --since yesterday)"
assert_eq "rejections JSON" "ILLEGAL_TRANSITION" "$(gfdx rejections list --format json | $GFDX_CLI_PY -c '
import json, sys; print(json.load(sys.stdin)["tables"]["rejections"]["rows"][0]["reason_code"])')"
rid=$(psql_q "SELECT id FROM intake.rejection")
assert_ok "rejections show: the record as received" grep -q '"reviewer": "上海市经信委 李华"' <(gfdx rejections show "$rid")
assert_ok "gfdx-intake still running" proc_alive intake
finish
