#!/usr/bin/env bash
# gfdx-feedback: the loan's life after disbursement (LoanStatusReported) and the guards of
# issue 12, on a real PostgreSQL and the broker, with pboc.need / pboc.dispatch and
# district.current_entry from a fixture (tests/integration/data/feedback_loan_pboc.sql).
# tests/integration/data/feedback_loan.jsonl says each record's outcome ("_expect"):
#  - a loan repaid in part over two months, the second corrected (the correction supersedes
#    it, both kept in feedback.loan_event); an overdue loan (one LOAN_OVERDUE, not one a month);
#  - refusals: a status before disbursement (LOAN_NOT_DISBURSED), from a bank the need was not
#    dispatched to (UNAUTHORIZED_SENDER), a balance above the disbursed total, an earlier
#    period, repayments above the disbursed total;
#  - the aggregate (feedback.need_status) and NeedMatchingStatus v3 carry the balances;
#  - the guards: NOT_IN_CATALOGUE (the shipped deploy/green_catalogue_2025.tsv) and
#    NOT_ON_GREEN_FACTORY_LIST fire for LN-2, neither for LN-1.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_feedback.sh"
stack_up

FLOW=$FB_DATA/feedback_loan.jsonl
total=$(grep -c . "$FLOW")
pboc_fixture
pboc_sql_file "$FB_DATA/feedback_loan_pboc.sql"

FB_SETTINGS="feedback: { approved_margin_percent = 15; green_catalogue = \"$GFDX_SOURCE_DIR/deploy/green_catalogue_2025.tsv\"; };"
start_feedback
produce_phase "$FLOW" 1
wait_sql_eq "SELECT count(*) FROM feedback.message_log" "$total" 60

assert_eq "every record got the outcome the scenario expects ($total records)" "" "$(outcome_mismatches "$FLOW")"
assert_eq "ICBC's loan on LN-1: Feb corrected, 250万 repaid in Feb, 1,550万 outstanding" \
  "2026-02|155000000|25000000|45000000|NORMAL|CARBON_REDUCTION_FACILITY|3" \
  "$(psql_q "SELECT period, outstanding, repaid_period, repaid_total, status, funding_tool, reports
             FROM feedback.loan WHERE need_id = 'LN-1' AND bank_id = 'bank-icbc-310000'")"
assert_eq "the correction supersedes the first Feb report, both kept" \
  "2026-01:-|2026-02:-|2026-02:1a000000-0000-4000-8000-000000000010" \
  "$(psql_q "SELECT string_agg(period || ':' || coalesce(supersedes_event_id, '-'), '|' ORDER BY id)
             FROM feedback.loan_event WHERE need_id = 'LN-1'")"
assert_eq "no loan row for the refused reports (CCB on LN-1 never disbursed)" 0 \
  "$(psql_q "SELECT count(*) FROM feedback.loan WHERE bank_id <> 'bank-icbc-310000' AND need_id = 'LN-1'")"
assert_eq "the aggregate carries the balances: outstanding, repaid, overdue, non-performing" \
  "LN-1 FINANCED 155000000 45000000 0 0|LN-2 FINANCED 90000000 10000000 1 0" \
  "$(psql_q "SELECT string_agg(need_id || ' ' || overall || ' ' || outstanding_total || ' ' || repaid_total || ' ' ||
             loans_overdue || ' ' || loans_non_performing, '|' ORDER BY need_id) FROM feedback.need_status")"
assert_eq "alerts: LN-2's catalogue code, its filer, its overdue loan (once); none on LN-1" \
  "LN-2 bank-ccb-310000 LOAN_OVERDUE|LN-2 bank-ccb-310000 NOT_IN_CATALOGUE|LN-2 bank-ccb-310000 NOT_ON_GREEN_FACTORY_LIST" \
  "$(psql_q "SELECT string_agg(need_id || ' ' || bank_id || ' ' || kind, '|' ORDER BY kind) FROM feedback.alert")"
assert_eq "each of them published through the one alert path (AlertRaised to the need's branch)" \
  "3 gfdx.alerts.pbc-hq-sh" \
  "$(psql_q "SELECT count(*) || ' ' || min(topic) FROM feedback.outbox WHERE record_type = 'AlertRaised'")"
assert_eq "LOAN_OVERDUE carries the figures" "2026-02 17 90000000" \
  "$(psql_q "SELECT (facts->>'period') || ' ' || (facts->>'days_overdue') || ' ' || (facts->>'outstanding')
             FROM feedback.alert WHERE kind = 'LOAN_OVERDUE'")"

# NeedMatchingStatus v3 on the topic: the latest of each need (the highest sequence) carries
# the balance (decoded with the v3 schema).
wait_sql_eq "SELECT count(*) FROM feedback.outbox WHERE record_type = 'NeedMatchingStatus' AND published_at IS NULL" 0 30
latest=""
for _ in $(seq 1 60); do
  latest=$(kcat -C -b "$GFDX_KAFKA_BOOTSTRAP" -t gfdx.matching-status -e -q -f '%K:%k%R%s' 2>/dev/null |
    $PY -c "$_FB_DECODE" "$GFDX_SOURCE_DIR/schemas/avro/need_matching_status.v3.avsc" | $PY -c '
import json, sys
best = {}
for l in sys.stdin:
    v = json.loads(l)["value"]
    if v["sequence"] >= best.get(v["need_id"], {"sequence": -1})["sequence"]:
        best[v["need_id"]] = v
print("|".join("%s %d %d %d" % (k, v["outstanding_total"], v["repaid_total"], v["loans_overdue"]) for k, v in sorted(best.items())))')
  [ "$latest" = "LN-1 155000000 45000000 0|LN-2 90000000 10000000 1" ] && break
  sleep 0.5
done
assert_eq "NeedMatchingStatus v3: the latest status of each need carries its balance" \
  "LN-1 155000000 45000000 0|LN-2 90000000 10000000 1" "$latest"
assert_ok "gfdx-feedback still running" proc_alive feedback
finish
