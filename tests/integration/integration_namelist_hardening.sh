#!/usr/bin/env bash
# gfdx-namelist hardening (issue 8 items 12 and 9), on the dev broker and a real PostgreSQL:
#  - a version may jump at most namelist.max_version_jump (default 1000) above the applied
#    one: a jump of more than 1000 is refused VERSION_JUMP (INT64_MAX, which would freeze
#    the list forever, is refused before, LIMIT_EXCEEDED by the version bound); the list goes
#    on with its next version;
#  - a list belongs to the bureau that staged its first part: while the owner's first version
#    is arriving in parts, another bureau's version is refused UNAUTHORIZED_SENDER (it used
#    to supersede the pending version and take the list over), and the owner's last part
#    completes the list;
#  - reports: a reporter gets UNAUTHORIZED_SENDER alike for an unknown list and for another
#    region's list (no answer says which lists exist).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_namelist.sh"
stack_up

eid() { printf 'b1000000-0000-4000-8000-%012d' "$1"; }
outcome() { psql_q "SELECT outcome || ' ' || coalesce(reason_code, '-') FROM district.message_log WHERE event_id = '$(eid "$1")'"; }
# logged N...: waits until the records with these event ids are all answered (any partition)
logged() {
  local ids="" n
  for n in "$@"; do ids="$ids${ids:+,}'$(eid "$n")'"; done
  wait_sql_eq "SELECT count(*) FROM district.message_log WHERE event_id IN ($ids)" $# 60
}
# pub EVENT SENDER LIST VERSION PART PART_COUNT KEY...: a FULL GREEN_PROJECT version (part) of region 500106
pub() {
  $PY - "$@" <<'PY'
import json, sys
ev, sender, lid, version, part, count, *keys = sys.argv[1:]
entry = lambda k: {"entry_key": k, "uscc": "91500106069056643N", "name": "重庆远恒电子信息股份有限公司",
                   "project_name": "远恒智能工厂能效提升项目 " + k, "category_code": "1.3.5", "attributes": {}}
print(json.dumps({"$type": "NameListPublished", "meta": {"sender": sender, "event_id": "b1000000-0000-4000-8000-%012d" % int(ev)},
                  "list_id": lid, "kind": "GREEN_PROJECT", "title": "沙坪坝区绿色项目清单", "region": "500106",
                  "version": int(version), "mode": "FULL", "part": int(part), "part_count": int(count),
                  "entries": [entry(k) for k in keys], "removed_keys": []}, ensure_ascii=False))
PY
}

start_namelist

# ---- version jump -------------------------------------------------------------------------
pub 1 d500106-drc 500106-DRC-J 1 1 1 J-1 | nl_produce /dev/stdin
pub 2 d500106-drc 500106-DRC-J 9223372036854775807 1 1 J-1 J-2 | nl_produce /dev/stdin
pub 3 d500106-drc 500106-DRC-J 1002 1 1 J-1 J-2 | nl_produce /dev/stdin
pub 4 d500106-drc 500106-DRC-J 1001 1 1 J-1 J-2 | nl_produce /dev/stdin
pub 5 d500106-drc 500106-DRC-J 1002 1 1 J-1 J-2 J-3 | nl_produce /dev/stdin
logged 5
assert_eq "version 1 applied" "APPLIED -" "$(outcome 1)"
assert_eq "version INT64_MAX refused (the version bound, before the handler)" "REFUSED LIMIT_EXCEEDED" "$(outcome 2)"
assert_eq "version 1002 after 1 refused (more than 1000 above)" "REFUSED VERSION_JUMP" "$(outcome 3)"
assert_eq "version 1001 after 1 applied (exactly 1000 above)" "APPLIED -" "$(outcome 4)"
assert_eq "the list goes on: 1002 follows 1001" "APPLIED -" "$(outcome 5)"
assert_eq "the list's version and entries" "1002 3" \
  "$(psql_q "SELECT current_version || ' ' || entry_count FROM district.list WHERE list_id = '500106-DRC-J'")"

# ---- the owner is bound when its first part is staged ---------------------------------------
pub 10 d500106-eit 500106-EIT-O 1 1 2 O-1 | nl_produce /dev/stdin
pub 11 d500106-drc 500106-EIT-O 2 1 1 X-1 | nl_produce /dev/stdin
pub 12 d500106-housing 500106-EIT-O 1 2 2 X-2 | nl_produce /dev/stdin
pub 13 d500106-eit 500106-EIT-O 1 2 2 O-2 | nl_produce /dev/stdin
logged 13
assert_eq "the owner's first part staged" "APPLIED -" "$(outcome 10)"
assert_eq "another bureau's v2 during the owner's v1 refused" "REFUSED UNAUTHORIZED_SENDER" "$(outcome 11)"
assert_eq "another bureau's part of the owner's v1 refused" "REFUSED UNAUTHORIZED_SENDER" "$(outcome 12)"
assert_eq "the owner's last part applied" "APPLIED -" "$(outcome 13)"
assert_eq "the list is the owner's, version 1 with both parts" "d500106-eit 1 2" \
  "$(psql_q "SELECT publisher || ' ' || current_version || ' ' || entry_count FROM district.list WHERE list_id = '500106-EIT-O'")"
assert_eq "nothing abandoned" 0 "$(psql_q "SELECT count(*) FROM district.abandoned_version WHERE list_id = '500106-EIT-O'")"

# ---- reports: the same refusal for an unknown list and another region's ---------------------
carbon() {
  echo "{\"\$type\":\"CarbonBenefitReported\",\"meta\":{\"sender\":\"$2\",\"event_id\":\"$(eid "$1")\"},\"list_id\":\"$3\",
         \"entry_key\":\"J-1\",\"period\":\"2026H1\",\"co2_reduction_t\":12.5,\"energy_saving_tce\":null,
         \"climate_finance\":0,\"climate_finance_note\":null}" | tr -d '\n'
  echo
}
carbon 20 d500107-eco 500106-DRC-J | produce
carbon 21 d500107-eco 500106-NOPE | produce
carbon 22 d500106-eco 500106-NOPE | produce
logged 20 21 22
assert_eq "another district's ecology bureau on an existing list" "REFUSED UNAUTHORIZED_SENDER" "$(outcome 20)"
assert_eq "... on a list that does not exist" "REFUSED UNAUTHORIZED_SENDER" "$(outcome 21)"
assert_eq "the district's own ecology bureau on a list that does not exist" "REFUSED UNAUTHORIZED_SENDER" "$(outcome 22)"
assert_eq "the two refusals of the other district read alike" 1 \
  "$(psql_q "SELECT count(DISTINCT replace(reason, record->>'list_id', 'L')) FROM district.rejection
             WHERE event_id IN ('$(eid 20)', '$(eid 21)')")"
assert_ok "gfdx-namelist still running" proc_alive namelist
finish
