#!/usr/bin/env bash
# gfdx-intake area authorization (issue 12), on the dev broker and a real PostgreSQL: the
# authority of a need's area reviews and recommends it (participants.h
# gfdx_auth_is_area_authority_of, by project.location_region):
#  - a 计划单列市's need (宁波 330212) by 宁波's authority prov-330200: applied; by 浙江's
#    prov-330000: refused UNAUTHORIZED_SENDER, state untouched;
#  - a 兵团 city's need (石河子市 659001) by xjbt: applied; by 新疆's prov-650000: refused;
#  - an ordinary 新疆 need (乌鲁木齐 650102) by prov-650000: applied, no longer UNKNOWN_SENDER
#    (the registry now lists every provincial authority); by xjbt: refused;
#  - the recommendation by 宁波's authority is pushed with recommended_by prov-330200, and each
#    refused sender gets its receipt.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
PY=/usr/bin/python3
stack_up

quarter=$($PY -c 'import datetime; d = datetime.date.today(); print(f"{d.year}Q{(d.month - 1) // 3 + 1}")')
$PY "$GFDX_SOURCE_DIR/deploy/sample/make_needs.py" --seed 11 --count 1 --out "$GFDX_TEST_DIR/t.jsonl" >/dev/null
template=$(grep -m1 '"NeedSubmitted"' "$GFDX_TEST_DIR/t.jsonl")

eid() { printf 'a1200000-0000-4000-8000-%012d' "$1"; }
# need ID PROVINCE LOCATION: a NeedSubmitted of the template, from miit.
need() {
  echo "$template" | $PY -c '
import json, sys
r = json.load(sys.stdin); r["need_id"] = sys.argv[1]
r["factory"]["province"], r["project"]["location_region"] = sys.argv[2], sys.argv[3]
r["factory"]["city"], r["factory"]["district"] = "测试市", "测试区"
r["meta"] = {"sender": "miit"}
print(json.dumps(r, ensure_ascii=False))' "$@"
}
# review N ID SENDER: NeedReviewed APPROVED of need ID with event id $(eid N).
review() {
  printf '{"$type":"NeedReviewed","need_id":"%s","decision":"APPROVED","reviewer":"审核人","comment":null,"meta":{"sender":"%s","event_id":"%s"}}\n' \
    "$2" "$3" "$(eid "$1")"
}
# outcome N: "OUTCOME REASON_CODE" of the record with event id $(eid N)
outcome() { psql_q "SELECT outcome || ' ' || coalesce(reason_code, '-') FROM intake.message_log WHERE event_id = '$(eid "$1")'"; }
status() { psql_q "SELECT status FROM intake.need WHERE need_id = '$1'"; }

start_intake
wait_sql_eq "SELECT to_regclass('intake.need_event') IS NOT NULL" t 60
{
  need A-NB 330000 330212
  need A-BT 650000 659001
  need A-XJ 650000 650102
} | produce
wait_sql_eq "SELECT count(*) FROM intake.need WHERE status = 'SUBMITTED'" 3 60

# the wrong authorities first, then the right ones
{
  review 1 A-NB prov-330000
  review 2 A-BT prov-650000
  review 3 A-XJ xjbt
} | produce --type NeedReviewed
wait_sql_eq "SELECT count(*) FROM intake.message_log WHERE event_id IN ('$(eid 1)', '$(eid 2)', '$(eid 3)')" 3 60
assert_eq "浙江's authority may not review a 宁波 need" "REFUSED UNAUTHORIZED_SENDER" "$(outcome 1)"
assert_eq "新疆's authority may not review a 兵团 city's need" "REFUSED UNAUTHORIZED_SENDER" "$(outcome 2)"
assert_eq "xjbt may not review an ordinary 新疆 need" "REFUSED UNAUTHORIZED_SENDER" "$(outcome 3)"
assert_eq "the refusals changed nothing" "SUBMITTED SUBMITTED SUBMITTED 3" \
  "$(status A-NB) $(status A-BT) $(status A-XJ) $(psql_q "SELECT count(*) FROM intake.need_event")"
assert_eq "the refusal names neither the need's area nor its state" \
  "prov-330000 (province_authority) may not review need A-NB" \
  "$(psql_q "SELECT reason FROM intake.rejection WHERE entity_id = 'A-NB'")"

{
  review 4 A-NB prov-330200
  review 5 A-BT xjbt
  review 6 A-XJ prov-650000
} | produce --type NeedReviewed
wait_sql_eq "SELECT count(*) FROM intake.need WHERE status = 'APPROVED'" 3 60
assert_eq "宁波's authority reviews its need" "APPLIED -" "$(outcome 4)"
assert_eq "xjbt reviews the 兵团 city's need" "APPLIED -" "$(outcome 5)"
assert_eq "新疆's authority is known and reviews its need (not UNKNOWN_SENDER)" "APPLIED -" "$(outcome 6)"
assert_eq "the reviewers are on the need events" "A-BT xjbt,A-NB prov-330200,A-XJ prov-650000" \
  "$(psql_q "SELECT string_agg(need_id || ' ' || sender, ',' ORDER BY need_id) FROM intake.need_event
             WHERE record_type = 'NeedReviewed'")"

printf '{"need_id":"A-NB","quarter":"%s","batch_id":"330200-%s-B01","meta":{"sender":"prov-330000","event_id":"%s"}}\n' \
  "$quarter" "$quarter" "$(eid 7)" | produce --type NeedRecommended
printf '{"need_id":"A-NB","quarter":"%s","batch_id":"330200-%s-B01","meta":{"sender":"prov-330200","event_id":"%s"}}\n' \
  "$quarter" "$quarter" "$(eid 8)" | produce --type NeedRecommended
wait_sql_eq "SELECT status FROM intake.need WHERE need_id = 'A-NB'" PUSHED 60
assert_eq "浙江's authority may not recommend a 宁波 need" "REFUSED UNAUTHORIZED_SENDER" "$(outcome 7)"
assert_eq "宁波's authority recommends it" "APPLIED -" "$(outcome 8)"
assert_eq "recommended_by the city's authority" prov-330200 \
  "$(psql_q "SELECT recommended_by FROM intake.need WHERE need_id = 'A-NB'")"
assert_eq "NeedPushed written once" 1 \
  "$(psql_q "SELECT count(*) FROM intake.outbox WHERE record_type = 'NeedPushed' AND convert_from(key, 'UTF8') = 'A-NB'")"
for who in prov-330000 prov-650000 xjbt prov-330200; do
  wait_for "a receipt to $who" 30 receipts_for "$who"
done
finish
