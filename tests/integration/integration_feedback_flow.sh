#!/usr/bin/env bash
# gfdx-feedback end to end on the dev broker and a real PostgreSQL, with pboc.need and
# pboc.dispatch loaded from a fixture (as gfdx-push would write them). The scenario is
# tests/integration/data/feedback_flow.jsonl: each line says the outcome it must get
# ("_expect": APPLIED or the refusal's reason code). It covers a bank's full path with a
# partial and a full disbursement, a decline, two obstacles raised and resolved (province
# authority, PBoC branch) with their coordination records, a need left BLOCKED, refusals
# (not dispatched, not a bank, illegal transitions, amount rules, blocked, wrong resolver),
# the three alerts, a disbursement on a withdrawn need, and NeedMatchingStatus on the topic.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_feedback.sh"
stack_up

FLOW=$FB_DATA/feedback_flow.jsonl
total=$(grep -c . "$FLOW")
phase1=$($PY -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["_phase"] == 1))' "$FLOW")
applied=$(grep -c '"_expect": "APPLIED"' "$FLOW")
pboc_fixture
pboc_sql_file "$FB_DATA/feedback_flow_pboc.sql"

start_feedback
produce_phase "$FLOW" 1
wait_sql_eq "SELECT count(*) FROM feedback.message_log" "$phase1" 60
pboc_withdraw FB-CQ-0001 # gfdx-push received NeedPushWithdrawn
produce_phase "$FLOW" 2
wait_sql_eq "SELECT count(*) FROM feedback.message_log" "$total" 60

mismatches=$(outcome_mismatches "$FLOW")
assert_eq "every record got the outcome the scenario expects ($total records)" "" "$mismatches"
assert_eq "applied records" "$applied" "$(psql_q "SELECT count(*) FROM feedback.message_log WHERE outcome = 'APPLIED'")"
assert_eq "every refusal kept in feedback.rejection" "$((total - applied))" "$(psql_q "SELECT count(*) FROM feedback.rejection")"
assert_eq "history: one matching_event per applied record" "$applied" "$(psql_q "SELECT count(*) FROM feedback.matching_event")"

# A bank's full path: contacted, due diligence, approved, partial then full disbursement.
assert_eq "ICBC: approved 300万, disbursed in two tranches up to the approval" \
  "DISBURSED|300000000|300000000|2|PROJECT_LOAN|385|60" \
  "$(psql_q "SELECT stage, approved_amount, disbursed_total, disbursements, product, rate_bp, term_months
             FROM feedback.matching WHERE need_id = 'FB-SH-0001' AND bank_id = 'bank-icbc-310000'")"
assert_eq "ICBC: stage times kept" "t|t|t|t" \
  "$(psql_q "SELECT contacted_at IS NOT NULL, approved_at IS NOT NULL, first_disbursed_at <= last_disbursed_at,
             declined_at IS NULL FROM feedback.matching WHERE need_id = 'FB-SH-0001' AND bank_id = 'bank-icbc-310000'")"
assert_eq "CCB declined with its reason, after contact" "DECLINED|CREDIT_RISK|t" \
  "$(psql_q "SELECT stage, decline_reason, contacted FROM feedback.matching
             WHERE need_id = 'FB-SH-0001' AND bank_id = 'bank-ccb-310000'")"
assert_eq "a refused record changed nothing (CCB's CONTACTED after DECLINED)" 0 \
  "$(psql_q "SELECT count(*) FROM feedback.matching_event WHERE event_id = 'fb000000-0000-4000-8000-000000000009'")"
assert_eq "the history of ICBC on FB-SH-0001" \
  "NONE>CONTACTED:,CONTACTED>DUE_DILIGENCE:,DUE_DILIGENCE>CREDIT_APPROVED:300000000,CREDIT_APPROVED>DISBURSED:100000000,DISBURSED>DISBURSED:200000000" \
  "$(psql_q "SELECT string_agg(from_stage || '>' || to_stage || ':' || coalesce(amount::text, ''), ',' ORDER BY id)
             FROM feedback.matching_event WHERE need_id = 'FB-SH-0001' AND bank_id = 'bank-icbc-310000'")"

# The aggregate per need and its precedence.
status() {
  psql_q "SELECT overall || ' ' || banks_contacted || ' ' || banks_approved || ' ' || banks_declined || ' ' ||
          approved_total || ' ' || disbursed_total || ' ' || open_obstacles || ' ' || status_changes
          FROM feedback.need_status WHERE need_id = '$1'"
}
assert_eq "FB-SH-0001 FINANCED: 3 contacted, 2 approved, 1 declined, 12 changes" \
  "FINANCED 3 2 1 600000000 300000000 0 12" "$(status FB-SH-0001)"
assert_eq "FB-JS-0001 BLOCKED by an open obstacle" "BLOCKED 1 0 0 0 0 1 2" "$(status FB-JS-0001)"
assert_eq "FB-CQ-0001 FINANCED by a disbursement after the withdrawal" \
  "FINANCED 2 1 1 200000000 50000000 0 5" "$(status FB-CQ-0001)"
assert_eq "FB-NB-0001 DECLINED_ALL" "DECLINED_ALL 1 0 1 0 0 0 2" "$(status FB-NB-0001)"
assert_eq "no aggregate for a need never pushed" 0 "$(psql_q "SELECT count(*) FROM feedback.need_status WHERE need_id = 'FB-XX-0404'")"

# Obstacles and their coordination records.
assert_eq "obstacles: two resolved (province authority, PBoC branch), one open" \
  "COLLATERAL RESOLVED prov-310000 李明,COMPLIANCE OPEN - -,INFORMATION RESOLVED pbc-hq-sh 王芳" \
  "$(psql_q "SELECT string_agg(category || ' ' || status || ' ' || coalesce(resolved_by, '-') || ' ' ||
             coalesce(resolved_by_official, '-'), ',' ORDER BY category) FROM feedback.obstacle")"
assert_eq "BOCOM's matching is open again after both resolutions" "CREDIT_APPROVED 0" \
  "$(psql_q "SELECT stage || ' ' || open_obstacles FROM feedback.matching
             WHERE need_id = 'FB-SH-0001' AND bank_id = 'bank-bocom-310000'")"

# Alerts.
assert_eq "three alerts, one of each kind, on the right need and bank" \
  "APPROVED_ABOVE_REQUESTED FB-SH-0001 bank-bocom-310000,DISBURSED_ON_WITHDRAWN_NEED FB-CQ-0001 bank-ccb-500000,NOT_GREEN_ELIGIBLE FB-NB-0001 bank-nbcb-330200" \
  "$(psql_q "SELECT string_agg(kind || ' ' || need_id || ' ' || bank_id, ',' ORDER BY kind) FROM feedback.alert")"
assert_eq "over-approval alert carries the figures (margin from the config: 15%)" "600000000 500000000 15" \
  "$(psql_q "SELECT facts->>'approved_total' || ' ' || (facts->>'financing_amount') || ' ' || (facts->>'margin_percent')
             FROM feedback.alert WHERE kind = 'APPROVED_ABOVE_REQUESTED'")"
assert_eq "the disbursement on the withdrawn need was recorded" "DISBURSED 50000000" \
  "$(psql_q "SELECT stage || ' ' || disbursed_total FROM feedback.matching
             WHERE need_id = 'FB-CQ-0001' AND bank_id = 'bank-ccb-500000'")"

# What other agencies receive, through the outbox.
wait_sql_eq "SELECT count(*) FROM feedback.outbox WHERE published_at IS NULL" 0 30
assert_eq "NeedMatchingStatus written on every change of an aggregate" 21 \
  "$(psql_q "SELECT count(*) FROM feedback.outbox WHERE record_type = 'NeedMatchingStatus'")"
assert_eq "... equal to the changes counted per need" 21 "$(psql_q "SELECT sum(status_changes) FROM feedback.need_status")"
assert_eq "NeedMatchingStatus records on gfdx.matching-status" 21 "$(kafka_count gfdx.matching-status)"
assert_eq "every NeedMatchingStatus of the outbox is on the topic" "" \
  "$(outbox_unpublished_on_topic gfdx.matching-status NeedMatchingStatus)"
# Which record caused a status is its meta.correlation_id (the consumed record's event id):
# compared through it, not through the order on the topic.
topic_records gfdx.matching-status NeedMatchingStatus >"$GFDX_TEST_DIR/status.jsonl"
statuses_of() {
  $PY -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
for r in sorted((r for r in recs if r["key"] == sys.argv[2]), key=lambda r: r["value"]["meta"]["correlation_id"]):
    v = r["value"]
    print(v["meta"]["correlation_id"][-2:], v["meta"]["sender"], v["overall"], v["banks_contacted"], v["banks_approved"],
          v["banks_declined"], v["approved_total"], v["disbursed_total"], v["open_obstacles"])' "$GFDX_TEST_DIR/status.jsonl" "$1"
}
assert_eq "FB-SH-0001: the status after BOCOM's approval (record 21, sender pboc)" \
  "21 pboc FINANCED 3 2 1 600000000 300000000 0" "$(statuses_of FB-SH-0001 | grep '^21 ')"
assert_eq "FB-SH-0001: statuses caused by records (first disbursement, then the full one)" \
  "04 pboc FINANCED 1 1 0 300000000 100000000 0|05 pboc FINANCED 1 1 0 300000000 300000000 0" \
  "$(statuses_of FB-SH-0001 | grep -E '^0[45] ' | paste -sd '|')"
assert_eq "FB-SH-0001: a status for each record that changed the aggregate, none for the others" \
  "01 03 04 05 07 08 10 11 15 18 19 21" "$(statuses_of FB-SH-0001 | awk '{print $1}' | paste -sd ' ')"
assert_eq "FB-JS-0001 went MATCHING, then BLOCKED" "25 MATCHING|28 BLOCKED" \
  "$(statuses_of FB-JS-0001 | awk '{print $1, $3}' | paste -sd '|')"
assert_eq "FB-NB-0001 went MATCHING, then DECLINED_ALL" "36 MATCHING|37 DECLINED_ALL" \
  "$(statuses_of FB-NB-0001 | awk '{print $1, $3}' | paste -sd '|')"

assert_eq "ObstacleCoordination on gfdx.coordination.<province>, keyed by province" "310000 OPEN,310000 RESOLVED,310000 OPEN,310000 RESOLVED,320000 OPEN" \
  "$(topic_records 'gfdx.coordination.*' ObstacleCoordination | $PY -c '
import json, sys
recs = [json.loads(l) for l in sys.stdin]
recs.sort(key=lambda r: r["key"])  # stable: one key, one partition, offset order
print(",".join(r["key"] + " " + r["value"]["status"] for r in recs))')"
assert_eq "a coordination record names the case for the coordinators" \
  "fb000000-0000-4000-8000-000000000011 FB-SH-0001 pbc-hq-sh bank-bocom-310000 COLLATERAL 上海恒瑞新材料科技有限公司 500000000" \
  "$(topic_records 'gfdx.coordination.*' ObstacleCoordination | $PY -c '
import json, sys
for l in sys.stdin:
    v = json.loads(l)["value"]
    if v["status"] == "OPEN" and v["category"] == "COLLATERAL":
        print(v["obstacle_id"], v["need_id"], v["branch_id"], v["bank_id"], v["category"], v["factory_name"],
              v["financing_amount"])')"
receipts_at_least() { [ "$(receipts_count)" -ge "$1" ]; }
wait_for "a receipt for every record on gfdx.receipts.<participant>" 30 receipts_at_least "$total"
others_on() { # TOPIC: keys on gfdx.receipts.<id> that are not <id>
  kcat -C -b "$GFDX_KAFKA_BOOTSTRAP" -t "$1" -e -q -f '%k\n' 2>/dev/null | grep -vx "${1#gfdx.receipts.}"
}
assert_eq "each participant's topic holds its own receipts only (no bank reads another's)" "" \
  "$(for t in $(topics_matching 'gfdx.receipts.*'); do others_on "$t"; done)"
assert_ge "the banks' receipts are on their own topics" 1 \
  "$(kcat -C -b "$GFDX_KAFKA_BOOTSTRAP" -t gfdx.receipts.bank-icbc-310000 -e -q -f '%k\n' 2>/dev/null | wc -l)"
wait_for "refusal receipt to the bank not dispatched" 10 receipts_for bank-icbc-310000
assert_ok "gfdx-feedback still running" proc_alive feedback
finish
