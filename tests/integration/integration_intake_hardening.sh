#!/usr/bin/env bash
# gfdx-intake hardening (issue 8 items 5, 6 and 9), on the dev broker and a real PostgreSQL:
#  - authorization before state: a forger (another province's authority) gets
#    UNAUTHORIZED_SENDER alike for a need in a final state, a need that does not exist and an
#    open one, for every record type, and the refusal names neither the need's province nor
#    its state;
#  - NeedMatchingStatus validated: negative counters and totals, a sequence jumping to
#    INT64_MAX, a v1 status after a v2 one, a sender that is not gfdx-feedback's participant;
#  - transient or permanent: a statement failing permanently in a handler refuses the record
#    (STORE_ERROR, receipt) and the stream moves on; a transient failure inside the
#    priority-tag lookup is retried, not turned into a permanent refusal by the statements
#    that used to run on in the aborted transaction; the publish hook's permanent failure
#    marks the row published once instead of re-publishing it forever.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
PY=/usr/bin/python3
stack_up

quarter=$($PY -c 'import datetime; d = datetime.date.today(); print(f"{d.year}Q{(d.month - 1) // 3 + 1}")')
$PY "$GFDX_SOURCE_DIR/deploy/sample/make_needs.py" --seed 11 --count 1 --out "$GFDX_TEST_DIR/t.jsonl" >/dev/null
template=$(grep -m1 '"NeedSubmitted"' "$GFDX_TEST_DIR/t.jsonl")

# need ID PROVINCE LOCATION [EVENT]: a NeedSubmitted of the template for that need and province.
need() {
  echo "$template" | $PY -c '
import json, sys
r = json.load(sys.stdin); r["need_id"] = sys.argv[1]
r["factory"]["province"], r["project"]["location_region"] = sys.argv[2], sys.argv[3]
r["factory"]["city"], r["factory"]["district"] = "测试市", "测试区"
r["meta"] = {"sender": "miit"} if len(sys.argv) < 5 else {"sender": "miit", "event_id": sys.argv[4]}
print(json.dumps(r, ensure_ascii=False))' "$@"
}
eid() { printf 'a9000000-0000-4000-8000-%012d' "$1"; }
# outcome N: "OUTCOME REASON_CODE" of the record with event id $(eid N)
outcome() { psql_q "SELECT outcome || ' ' || coalesce(reason_code, '-') FROM intake.message_log WHERE event_id = '$(eid "$1")'"; }
# logged N...: waits until the records with these event ids are all answered (any partition)
logged() {
  local ids="" n
  for n in "$@"; do ids="$ids${ids:+,}'$(eid "$n")'"; done
  wait_sql_eq "SELECT count(*) FROM intake.message_log WHERE event_id IN ($ids)" $# 60
}

start_intake
wait_sql_eq "SELECT to_regclass('intake.need_event') IS NOT NULL" t 60

# ---- fixtures: T-FINAL rejected (final), T-OPEN submitted, T-MS for statuses ------------
{
  need T-FINAL 310000 310115
  echo '{"need_id":"T-FINAL","decision":"REJECTED","reviewer":"审核人","comment":"不符合条件","meta":{"sender":"prov-310000"}}' |
    $PY -c 'import json,sys; r=json.load(sys.stdin); print(json.dumps(r, ensure_ascii=False))'
} >"$GFDX_TEST_DIR/fixture1.jsonl"
head -1 "$GFDX_TEST_DIR/fixture1.jsonl" | produce
tail -1 "$GFDX_TEST_DIR/fixture1.jsonl" | produce --type NeedReviewed
need T-OPEN 310000 310115 | produce
need T-MS 310000 310115 | produce
wait_sql_eq "SELECT string_agg(need_id || '=' || status, ' ' ORDER BY need_id) FROM intake.need" \
  "T-FINAL=REJECTED T-MS=SUBMITTED T-OPEN=SUBMITTED" 60

# ---- item 9: authorization before state ------------------------------------------------
forger=prov-320000
review() { echo "{\"need_id\":\"$1\",\"decision\":\"APPROVED\",\"reviewer\":\"伪造\",\"comment\":null,\"meta\":{\"sender\":\"$2\",\"event_id\":\"$(eid "$3")\"}}"; }
review T-FINAL $forger 1 | produce --type NeedReviewed
review T-NOPE $forger 2 | produce --type NeedReviewed
review T-OPEN $forger 3 | produce --type NeedReviewed
echo "{\"need_id\":\"T-FINAL\",\"quarter\":\"$quarter\",\"batch_id\":\"B-F\",\"meta\":{\"sender\":\"$forger\",\"event_id\":\"$(eid 4)\"}}" |
  produce --type NeedRecommended
echo "{\"need_id\":\"T-NOPE\",\"quarter\":\"$quarter\",\"batch_id\":\"B-F\",\"meta\":{\"sender\":\"$forger\",\"event_id\":\"$(eid 5)\"}}" |
  produce --type NeedRecommended
echo "{\"need_id\":\"T-FINAL\",\"reason\":\"伪造\",\"meta\":{\"sender\":\"$forger\",\"event_id\":\"$(eid 6)\"}}" |
  produce --type NeedWithdrawn
need T-OPEN 320000 320500 "$(eid 7)" | $PY -c '
import json, sys; r = json.load(sys.stdin); r["meta"]["sender"] = "prov-320000"; print(json.dumps(r, ensure_ascii=False))' |
  produce --type NeedSubmitted
revise() { # NEED EVENT: a revision by the forger, claiming its own province
  need "$1" 320000 320500 "$(eid "$2")" | $PY -c '
import json, sys; r = json.load(sys.stdin); r["meta"]["sender"] = "prov-320000"; r["revision_note"] = "伪造"
print(json.dumps(r, ensure_ascii=False))' | produce --type NeedRevised
}
revise T-FINAL 10
revise T-NOPE 11
# the need's own province may not learn about a need that does not exist either; MIIT, which
# may act on every need, is told it does not exist
review T-NOPE prov-310000 8 | produce --type NeedReviewed
echo "{\"need_id\":\"T-NOPE\",\"reason\":\"撤回\",\"meta\":{\"sender\":\"miit\",\"event_id\":\"$(eid 9)\"}}" |
  produce --type NeedWithdrawn
logged 1 2 3 4 5 6 7 8 9 10 11
for n in 1 2 3 4 5 6 7 8 10 11; do
  assert_eq "forged record $n refused UNAUTHORIZED_SENDER" "REFUSED UNAUTHORIZED_SENDER" "$(outcome $n)"
done
assert_eq "MIIT withdrawing a need that does not exist: UNKNOWN_NEED" "REFUSED UNKNOWN_NEED" "$(outcome 9)"
assert_eq "refusals name neither the need's province nor its state" "" \
  "$(psql_q "SELECT string_agg(reason, ' | ') FROM intake.rejection WHERE reason_code = 'UNAUTHORIZED_SENDER'
             AND (replace(reason, sender, '') LIKE '%310000%' OR reason LIKE '%REJECTED%' OR reason LIKE '%SUBMITTED%')")"
assert_eq "forgeries changed nothing" "T-FINAL=REJECTED T-MS=SUBMITTED T-OPEN=SUBMITTED" \
  "$(psql_q "SELECT string_agg(need_id || '=' || status, ' ' ORDER BY need_id) FROM intake.need")"

# ---- item 6: NeedMatchingStatus validated ---------------------------------------------
status() { # EVENT SEQUENCE OVERALL CONTACTED APPROVED_TOTAL [SENDER]
  echo "{\"need_id\":\"T-MS\",\"overall\":\"$3\",\"banks_contacted\":$4,\"banks_approved\":1,\"banks_declined\":0,
         \"approved_total\":$5,\"disbursed_total\":0,\"open_obstacles\":0,\"sequence\":$2,
         \"meta\":{\"sender\":\"${6:-pboc}\",\"event_id\":\"$(eid "$1")\"}}" | tr -d '\n'
  echo
}
status 20 1 MATCHING 1 0 | produce --type NeedMatchingStatus
status 21 2 APPROVED -1 100 | produce --type NeedMatchingStatus
status 22 2 APPROVED 1 -5 | produce --type NeedMatchingStatus
status 23 9223372036854775807 FINANCED 1 100 | produce --type NeedMatchingStatus
status 24 2 APPROVED 1 100 | produce --type NeedMatchingStatus
echo "{\"need_id\":\"T-MS\",\"overall\":\"DECLINED_ALL\",\"banks_contacted\":1,\"banks_approved\":0,\"banks_declined\":1,
       \"approved_total\":0,\"disbursed_total\":0,\"open_obstacles\":0,
       \"meta\":{\"sender\":\"pboc\",\"event_id\":\"$(eid 25)\"}}" | tr -d '\n' | produce --type NeedMatchingStatus --schema-version 1
status 26 3 FINANCED 1 100 pbc-hq-sh | produce --type NeedMatchingStatus
status 27 5000 FINANCED 1 100 | produce --type NeedMatchingStatus
logged 20 21 22 23 24 25 26 27
assert_eq "a valid status applied" "APPLIED -" "$(outcome 20)"
assert_eq "negative counter refused" "REFUSED INVALID_FIELD" "$(outcome 21)"
assert_eq "negative total refused (the money bound, before the handler)" "REFUSED NEGATIVE_AMOUNT" "$(outcome 22)"
assert_eq "sequence INT64_MAX refused (the sequence bound, before the handler)" "REFUSED LIMIT_EXCEEDED" "$(outcome 23)"
assert_eq "sequence jumping 4998 ahead refused (intake.matching_max_sequence_jump)" "REFUSED INVALID_FIELD" "$(outcome 27)"
assert_eq "the next status in sequence applied" "APPLIED -" "$(outcome 24)"
assert_eq "a v1 status after a v2 one: kept in the history" "APPLIED -" "$(outcome 25)"
assert_eq "a status from another participant than gfdx-feedback's" "REFUSED UNAUTHORIZED_SENDER" "$(outcome 26)"
assert_eq "outcome: the v2 status 2, not the v1 one, not the refused ones" "APPROVED 1 100 2" \
  "$(psql_q "SELECT financing_outcome || ' ' || banks_contacted || ' ' || approved_total || ' ' || matching_sequence
             FROM intake.need WHERE need_id = 'T-MS'")"
assert_eq "the v1 status is in the need's history" 1 \
  "$(psql_q "SELECT count(*) FROM intake.need_event WHERE event_id = '$(eid 25)'")"

# ---- item 5: a permanent failure in a handler refuses the record; the stream goes on ----
psql_q "CREATE FUNCTION intake.t_fail() RETURNS trigger LANGUAGE plpgsql AS \$\$
        BEGIN
          IF NEW.need_id = 'T-PERM' OR (NEW.need_id = 'T-PUB' AND NEW.record_type = 'NeedPushed') THEN
            RAISE EXCEPTION 'injected permanent failure for %', NEW.need_id;
          END IF;
          RETURN NEW;
        END \$\$;
        CREATE TRIGGER t_fail BEFORE INSERT ON intake.need_event FOR EACH ROW EXECUTE FUNCTION intake.t_fail()" >/dev/null
need T-PERM 310000 310115 "$(eid 30)" | produce
need T-AFTER 310000 310115 "$(eid 31)" | produce
logged 30 31
assert_eq "a statement failing permanently: refused STORE_ERROR" "REFUSED STORE_ERROR" "$(outcome 30)"
assert_eq "... kept in intake.rejection, nothing stored" "1 0" \
  "$(psql_q "SELECT (SELECT count(*) FROM intake.rejection WHERE event_id = '$(eid 30)') || ' ' ||
             (SELECT count(*) FROM intake.need WHERE need_id = 'T-PERM')")"
assert_eq "the next record applied" "APPLIED -" "$(outcome 31)"
receipt_for_30() {
  kcat -C -b "$GFDX_KAFKA_BOOTSTRAP" -t gfdx.receipts -e -q -f '%s\n' 2>/dev/null | grep -a -q "$(eid 30)"
}
wait_for "a receipt answers the refused record" 30 receipt_for_30

# ---- item 5: a transient failure in the priority-tag lookup is retried -------------------
# district.current_entry (gfdx-namelist's view; not deployed here) answers with a
# serialization failure (40001, transient) while district.fault_flag says so.
psql_q "CREATE SCHEMA district; CREATE TABLE district.fault_flag (fail boolean NOT NULL); INSERT INTO district.fault_flag VALUES (true);
        CREATE FUNCTION district.entries() RETURNS TABLE (kind text, uscc text) LANGUAGE plpgsql AS \$\$
        BEGIN
          IF (SELECT fail FROM district.fault_flag) THEN
            RAISE EXCEPTION 'injected serialization failure' USING ERRCODE = '40001';
          END IF;
          RETURN;
        END \$\$;
        CREATE VIEW district.current_entry AS SELECT * FROM district.entries()" >/dev/null
retries_before=$(grep -c "rolled back, will retry" "$GFDX_TEST_DIR/intake.log" || true)
need T-TAGS 310000 310115 "$(eid 40)" | produce
retried() { [ "$(grep -c "rolled back, will retry" "$GFDX_TEST_DIR/intake.log")" -ge $((retries_before + 2)) ]; }
wait_for "the batch is retried while the lookup fails transiently" 30 retried
assert_eq "nothing answered while it fails" 0 \
  "$(psql_q "SELECT count(*) FROM intake.message_log WHERE event_id = '$(eid 40)'")"
psql_q "UPDATE district.fault_flag SET fail = false" >/dev/null
logged 40
assert_eq "applied once the failure passed (not refused STORE_ERROR)" "APPLIED -" "$(outcome 40)"
assert_eq "the need stored" SUBMITTED "$(psql_q "SELECT status FROM intake.need WHERE need_id = 'T-TAGS'")"

# ---- item 5: the publish hook failing permanently does not re-publish forever ------------
need T-PUB 310000 310115 | produce
echo '{"need_id":"T-PUB","decision":"APPROVED","reviewer":"审核人","comment":null}' | produce --type NeedReviewed --sender prov-310000
echo "{\"need_id\":\"T-PUB\",\"quarter\":\"$quarter\",\"batch_id\":\"B-1\"}" | produce --type NeedRecommended --sender prov-310000
wait_sql_eq "SELECT count(*) FROM intake.outbox WHERE record_type = 'NeedPushed'" 1 60
pushed_t_pub() { kcat -C -b "$GFDX_KAFKA_BOOTSTRAP" -t gfdx.miit-pushes -e -q -f '%k\n' 2>/dev/null | grep -c -x T-PUB; }
on_topic() { [ "$(pushed_t_pub)" -ge 1 ]; }
wait_for "NeedPushed of T-PUB delivered" 30 on_topic
sleep 5 # several relay rounds
assert_eq "NeedPushed delivered once, not once per relay round" 1 "$(pushed_t_pub)"
assert_eq "no outbox row left pending" 0 "$(psql_q "SELECT count(*) FROM intake.outbox WHERE published_at IS NULL")"
assert_eq "the need stays RECOMMENDED (the hook's change was undone)" RECOMMENDED \
  "$(psql_q "SELECT status FROM intake.need WHERE need_id = 'T-PUB'")"
assert_ok "the permanent failure is logged" grep -q "marking need T-PUB PUSHED failed permanently" "$GFDX_TEST_DIR/intake.log"
need T-LAST 310000 310115 "$(eid 50)" | produce
logged 50
assert_eq "the stream goes on" "APPLIED -" "$(outcome 50)"

assert_ok "gfdx-intake still running" proc_alive intake
finish
