#!/usr/bin/env bash
# Proof of origin (issue 10, DESIGN §4, §5) through gfdx-feedback and gfdx-namelist on the
# broker and a real PostgreSQL: a participant with ordinary write access signs with its own
# key a record naming another participant as meta.sender. Each is refused KEY_NOT_OF_SENDER
# before any handler, changes nothing, gets no receipt and burns no event id:
#  - a bank (bank-ccb-310000) declining bank-icbc-310000's need in icbc's name; icbc's own
#    record with the same event id is then applied;
#  - a bank (bank-icbc-310000) resolving an obstacle as the province authority prov-310000;
#    the obstacle stays open until prov-310000's own record resolves it;
#  - another district's bureau (d500107-eit) emptying 沙坪坝's list (FULL, no entries) as its
#    owner d500106-drc; the entries stay, the owner's own next version is applied.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_feedback.sh"
source "$(dirname "$0")/lib_namelist.sh"
stack_up
K=$GFDX_KEYS_DIR

eid() { printf 'f1000000-0000-4000-8000-%012d' "$1"; }
fb_out() { psql_q "SELECT outcome || ' ' || coalesce(reason_code, '-') || ' ' || coalesce(authn, '-')
  FROM feedback.message_log WHERE event_id = '$(eid "$1")' ORDER BY received_at DESC, \"offset\" DESC LIMIT 1"; }
fb_logged() { wait_sql_eq "SELECT count(*) FROM feedback.message_log" "$1" 60; }
fb_receipts() { psql_q "SELECT count(*) FROM feedback.outbox WHERE record_type = 'Receipt'"; }
fb_burnt() { psql_q "SELECT count(*) FROM feedback.inbound_event WHERE event_id = '$(eid "$1")'"; }
fb_rejected() { psql_q "SELECT reason_code FROM feedback.rejection WHERE event_id = '$(eid "$1")'"; }
matching() { psql_q "SELECT stage || ' ' || coalesce(decline_reason, '-') || ' ' || coalesce(last_event_id::text, '-')
  FROM feedback.matching WHERE need_id = 'FH-OPEN' AND bank_id = 'bank-icbc-310000'"; }
need_status() { psql_q "SELECT ROW(overall, banks_dispatched, banks_contacted, banks_approved, banks_declined, approved_total,
  disbursed_total, open_obstacles, status_changes, last_event_id)::text FROM feedback.need_status WHERE need_id = 'FH-OPEN'"; }
obstacle() { psql_q "SELECT status || ' ' || coalesce(resolved_by, '-') FROM feedback.obstacle WHERE obstacle_id = '$(eid 2)'"; }
mf() { # mf EVENT SENDER STAGE [DECLINE_REASON]
  echo "{\"\$type\": \"MatchingFeedback\", \"meta\": {\"event_id\": \"$(eid "$1")\", \"sender\": \"$2\"},
         \"need_id\": \"FH-OPEN\", \"stage\": \"$3\"${4:+, \"decline_reason\": \"$4\"}}" | tr -d '\n'; echo
}
resolved() { # resolved EVENT SENDER
  echo "{\"\$type\": \"ObstacleResolved\", \"meta\": {\"event_id\": \"$(eid "$1")\", \"sender\": \"$2\"},
         \"need_id\": \"FH-OPEN\", \"obstacle_id\": \"$(eid 2)\", \"resolution\": \"已协调担保机构\",
         \"resolved_by\": \"王芳\"}" | tr -d '\n'; echo
}

# ---- gfdx-feedback --------------------------------------------------------------------------
pboc_fixture
pboc_sql_file "$FB_DATA/feedback_hardening_pboc.sql" # FH-OPEN dispatched to icbc, FH-BIG to icbc and ccb
start_feedback
mf 1 bank-icbc-310000 CONTACTED | produce
echo "{\"\$type\": \"ObstacleRaised\", \"meta\": {\"event_id\": \"$(eid 2)\", \"sender\": \"bank-icbc-310000\"},
       \"need_id\": \"FH-OPEN\", \"category\": \"COLLATERAL\", \"description\": \"缺少可抵押资产\"}" | tr -d '\n' | produce
fb_logged 2
assert_eq "icbc's CONTACTED (signed with its own key) applied" "APPLIED - OK" "$(fb_out 1)"
assert_eq "icbc's ObstacleRaised applied" "APPLIED - OK" "$(fb_out 2)"
assert_eq "the obstacle is open" "OPEN -" "$(obstacle)"

# a bank resolves the obstacle as the province authority, with its own key
r0=$(fb_receipts)
resolved 3 prov-310000 | produce --sign-key "$K/bank-icbc-310000.pem"
fb_logged 3
assert_eq "ObstacleResolved as prov-310000 signed by icbc's key: KEY_NOT_OF_SENDER" \
  "REFUSED KEY_NOT_OF_SENDER KEY_NOT_OF_SENDER" "$(fb_out 3)"
assert_eq "kept as a rejection with its code" KEY_NOT_OF_SENDER "$(fb_rejected 3)"
assert_eq "the obstacle stays open" "OPEN -" "$(obstacle)"
assert_eq "no receipt for it" "$r0" "$(fb_receipts)"
assert_eq "its event id is not burnt" 0 "$(fb_burnt 3)"

# a bank declines another bank's need in that bank's name, with its own key
m0=$(matching); s0=$(need_status)
mf 4 bank-icbc-310000 DECLINED CREDIT_RISK | produce --sign-key "$K/bank-ccb-310000.pem"
fb_logged 4
assert_eq "DECLINED as icbc signed by ccb's key: KEY_NOT_OF_SENDER" \
  "REFUSED KEY_NOT_OF_SENDER KEY_NOT_OF_SENDER" "$(fb_out 4)"
assert_eq "kept as a rejection with its code" KEY_NOT_OF_SENDER "$(fb_rejected 4)"
assert_eq "before: CONTACTED, last changed by the ObstacleRaised" "CONTACTED - $(eid 2)" "$m0"
assert_ok "before: need_status has a row" test -n "$s0"
assert_eq "feedback.matching unchanged after the forgery" "$m0" "$(matching)"
assert_eq "feedback.need_status unchanged" "$s0" "$(need_status)"
assert_eq "no receipt for it" "$r0" "$(fb_receipts)"
assert_eq "its event id is not burnt" 0 "$(fb_burnt 4)"

# the genuine records, the bank's decline with the same event id as the forgery
resolved 3 prov-310000 | produce
fb_logged 5
assert_eq "prov-310000's own ObstacleResolved (same event id) applied" "APPLIED - OK" "$(fb_out 3)"
assert_eq "the obstacle resolved by prov-310000" "RESOLVED prov-310000" "$(obstacle)"
mf 4 bank-icbc-310000 DECLINED CREDIT_RISK | produce
fb_logged 6
assert_eq "icbc's own DECLINED with the forgery's event id applied" "APPLIED - OK" "$(fb_out 4)"
assert_eq "feedback.matching: DECLINED by that record" "DECLINED CREDIT_RISK $(eid 4)" "$(matching)"
assert_ok "feedback.need_status changed by it" test "$s0" != "$(need_status)"
assert_eq "need_status counts the decline" 1 \
  "$(psql_q "SELECT banks_declined FROM feedback.need_status WHERE need_id = 'FH-OPEN'")"
assert_eq "both genuine records answered with a receipt" "$((r0 + 2))" "$(fb_receipts)"
assert_ok "gfdx-feedback still running" proc_alive feedback

# ---- gfdx-namelist --------------------------------------------------------------------------
nid() { printf 'b2000000-0000-4000-8000-%012d' "$1"; }
nl_out() { psql_q "SELECT outcome || ' ' || coalesce(reason_code, '-') || ' ' || coalesce(authn, '-')
  FROM district.message_log WHERE event_id = '$(nid "$1")' ORDER BY received_at DESC, \"offset\" DESC LIMIT 1"; }
nl_logged() { wait_sql_eq "SELECT count(*) FROM district.message_log" "$1" 60; }
entries() { psql_q "SELECT coalesce(string_agg(entry_key, ',' ORDER BY entry_key), '-') FROM district.entry_version
  WHERE list_id = '500106-DRC-V' AND valid_to IS NULL"; }
nl_list() { psql_q "SELECT publisher || ' ' || current_version || ' ' || entry_count FROM district.list WHERE list_id = '500106-DRC-V'"; }
pub() { # pub EVENT SENDER VERSION KEY...: a FULL GREEN_PROJECT version of 500106-DRC-V
  $PY - "$@" <<'PY'
import json, sys
ev, sender, version, *keys = sys.argv[1:]
entry = lambda k: {"entry_key": k, "uscc": "91500106069056643N", "name": "重庆远恒电子信息股份有限公司",
                   "project_name": "远恒智能工厂能效提升项目 " + k, "category_code": "1.3.5", "attributes": {}}
print(json.dumps({"$type": "NameListPublished", "meta": {"sender": sender, "event_id": "b2000000-0000-4000-8000-%012d" % int(ev)},
                  "list_id": "500106-DRC-V", "kind": "GREEN_PROJECT", "title": "沙坪坝区绿色项目清单", "region": "500106",
                  "version": int(version), "mode": "FULL", "part": 1, "part_count": 1,
                  "entries": [entry(k) for k in keys], "removed_keys": []}, ensure_ascii=False))
PY
}
start_namelist
pub 1 d500106-drc 1 V-1 V-2 | nl_produce /dev/stdin
nl_logged 1
assert_eq "沙坪坝 DRC's version 1 (its own key) applied" "APPLIED - OK" "$(nl_out 1)"
assert_eq "the list: owner, version, entries" "d500106-drc 1 2" "$(nl_list)"
assert_eq "its entries" "V-1,V-2" "$(entries)"
n0=$(psql_q "SELECT count(*) FROM district.outbox WHERE record_type = 'Receipt'")
pub 2 d500106-drc 2 | produce -X compression.codec=lz4 --sign-key "$K/d500107-eit.pem"
nl_logged 2
assert_eq "an empty FULL as d500106-drc signed by 九龙坡's d500107-eit: KEY_NOT_OF_SENDER" \
  "REFUSED KEY_NOT_OF_SENDER KEY_NOT_OF_SENDER" "$(nl_out 2)"
assert_eq "kept as a rejection with its code" KEY_NOT_OF_SENDER \
  "$(psql_q "SELECT reason_code FROM district.rejection WHERE event_id = '$(nid 2)'")"
assert_eq "the list unchanged" "d500106-drc 1 2" "$(nl_list)"
assert_eq "its entries unchanged" "V-1,V-2" "$(entries)"
assert_eq "nothing staged" 0 "$(psql_q "SELECT count(*) FROM district.staged_part WHERE list_id = '500106-DRC-V'")"
assert_eq "no receipt for it" "$n0" "$(psql_q "SELECT count(*) FROM district.outbox WHERE record_type = 'Receipt'")"
assert_eq "its event id is not burnt" 0 "$(psql_q "SELECT count(*) FROM district.inbound_event WHERE event_id = '$(nid 2)'")"
pub 2 d500106-drc 2 V-1 V-2 V-3 | nl_produce /dev/stdin
nl_logged 3
assert_eq "the owner's own version 2 with the forgery's event id applied" "APPLIED - OK" "$(nl_out 2)"
assert_eq "the list at version 2" "d500106-drc 2 3" "$(nl_list)"
assert_eq "its entries" "V-1,V-2,V-3" "$(entries)"
assert_ok "gfdx-namelist still running" proc_alive namelist
finish
