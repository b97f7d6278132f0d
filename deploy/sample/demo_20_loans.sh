# shellcheck shell=bash
# demo_20_loans.sh: the bank side after disbursement (issue 12, DESIGN §6.3), sourced by
# deploy/demo.sh after the four flows (q, wait_until, produce, PY, top, build, stack in scope).
#  - the first bank loan of the demo's data that was disbursed is repaid in part over two
#    months (LoanStatusReported, 碳减排支持工具), the second turns overdue (LOAN_OVERDUE);
#  - a status from a bank that has not disbursed is refused LOAN_NOT_DISBURSED;
#  - figures: outstanding balances in 万元 (feedback.loan, feedback.need_status, and intake.need's
#    outcome received back through NeedMatchingStatus v3), and the alerts by kind (the
#    catalogue and green-factory guards fired during flow 3, once per need, on its first bank record).

loans_in=$(q "SELECT count(*) FROM feedback.message_log")
mapfile -t disbursed < <(q "SELECT need_id || ' ' || bank_id || ' ' || disbursed_total FROM feedback.matching
                            WHERE stage = 'DISBURSED' ORDER BY need_id, bank_id LIMIT 2")
undisbursed=$(q "SELECT need_id || ' ' || bank_id FROM feedback.matching WHERE stage IN ('CONTACTED', 'DUE_DILIGENCE')
                 ORDER BY need_id, bank_id LIMIT 1")
if [ "${#disbursed[@]}" -lt 2 ] || [ -z "$undisbursed" ]; then
  echo "demo: loans: the demo's data has no two disbursed loans; step skipped"
else
  loans=$stack/sample-loans.jsonl
  $PY - "${disbursed[0]}" "${disbursed[1]}" "$undisbursed" >"$loans" <<'PY'
import json, sys, uuid
(n1, b1, d1), (n2, b2, d2) = (a.split() for a in sys.argv[1:3])
n3, b3 = sys.argv[3].split()
d1, d2 = int(d1), int(d2)
def loan(need, bank, period, repaid, out, status, days=None, tool="CARBON_REDUCTION_FACILITY"):
    return {"$type": "LoanStatusReported", "meta": {"event_id": str(uuid.uuid4()), "sender": bank},
            "need_id": need, "period": period, "repaid_amount": repaid, "outstanding_balance": out,
            "status": status, "days_overdue": days, "funding_tool": tool}
tenth = d1 // 10
recs = [loan(n1, b1, "2026-04", tenth, d1 - tenth, "NORMAL"),
        loan(n1, b1, "2026-05", tenth, d1 - 2 * tenth, "NORMAL"),
        loan(n2, b2, "2026-04", 0, d2, "NORMAL", tool="TECH_INNOVATION_RELENDING"),
        loan(n2, b2, "2026-05", 0, d2, "OVERDUE", 23, tool="TECH_INNOVATION_RELENDING"),
        loan(n3, b3, "2026-05", 0, 0, "NORMAL", tool="NONE")]  # no disbursement: refused
for r in recs:
    print(json.dumps(r, ensure_ascii=False))
PY
  echo "demo: loans: $(grep -c . "$loans") LoanStatusReported to gfdx.feedback (two loans, one status before disbursement)"
  produce <"$loans"
  wait_until "gfdx-feedback (loans)" "SELECT count(*) FROM feedback.message_log" "$((loans_in + $(grep -c . "$loans")))"
  wait_until "feedback outbox (loans)" "SELECT (count(*) FILTER (WHERE published_at IS NULL) = 0)::int FROM feedback.outbox" 1
  statuses=$(q "SELECT count(*) FROM feedback.outbox WHERE record_type = 'NeedMatchingStatus'")
  wait_until "loan figures back in intake" \
    "SELECT count(*) FROM intake.message_log WHERE topic = 'gfdx.matching-status'" "$statuses"
  q "SELECT l.need_id || ' ' || l.bank_id || ' ' || l.period || ': disbursed ' || round(m.disbursed_total / 1e6, 1)
         || ' 万元, repaid ' || round(l.repaid_total / 1e6, 1) || ' 万元, outstanding ' || round(l.outstanding / 1e6, 1)
         || ' 万元, ' || l.status || CASE WHEN l.days_overdue > 0 THEN ' (' || l.days_overdue || ' days)' ELSE '' END
         || ', ' || l.funding_tool
       FROM feedback.loan l JOIN feedback.matching m USING (need_id, bank_id) ORDER BY l.need_id, l.bank_id" |
    sed 's/^/demo: loan /'
  echo "demo: loans: refused $(q "SELECT string_agg(reason_code || ' ' || n, ', ') FROM (SELECT reason_code, count(*) n
         FROM feedback.rejection WHERE record_type = 'LoanStatusReported' GROUP BY 1) r")"
  echo "demo: outstanding across disbursed needs (feedback.need_status): $(q "SELECT round(sum(outstanding_total) / 1e6, 1)
         || ' 万元 of ' || round(sum(disbursed_total) / 1e6, 1) || ' 万元 disbursed, repaid ' || round(sum(repaid_total) / 1e6, 1)
         || ' 万元; loans overdue ' || sum(loans_overdue) || ', non-performing ' || sum(loans_non_performing)
         FROM feedback.need_status WHERE disbursed_total > 0")"
  echo "demo: NeedMatchingStatus v3 of the two needs carried outstanding $(q "SELECT string_agg(need_id || ' '
         || round(outstanding_total / 1e6, 1) || ' 万元', ', ' ORDER BY need_id) FROM feedback.need_status
         WHERE need_id IN ('${disbursed[0]%% *}', '${disbursed[1]%% *}')") (intake.need keeps the outcome, not the balance)"
fi
echo "demo: alerts by kind (feedback.alert): $(q "SELECT string_agg(kind || ' ' || n, ', ' ORDER BY kind) FROM
       (SELECT kind, count(*) n FROM feedback.alert GROUP BY 1) a")"
nic=$(q "SELECT count(DISTINCT need_id) FROM feedback.alert WHERE kind = 'NOT_IN_CATALOGUE'")
ngf=$(q "SELECT count(DISTINCT need_id) FROM feedback.alert WHERE kind = 'NOT_ON_GREEN_FACTORY_LIST'")
echo "demo: guards: $nic needs with a code outside the 2025 catalogue file, $ngf needs whose filer is on no national green-factory list"
echo
