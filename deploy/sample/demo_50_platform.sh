# shellcheck shell=bash
# demo step 50: Shanghai's 产业绿贷 half-year filings (gfdx-platform, DESIGN §6.5), sourced by
# deploy/demo.sh after the four flows. Every institution kind files its 2026H1 table of annex 2
# on gfdx.platform-filings: each Shanghai bank its loans (表1) from the disbursements it
# reported through the MIIT flow, first a draft at 90 % and then the corrected version that
# supersedes it (kept as history); the first bank's corrected filing still reports one loan
# 50 万元 above its feedback, which the report's reconciliation shows; a guarantor, an
# insurer, a fund and an underwriter file tables 2-5. Then `gfdx report semiannual 2026H1`
# from the filings: 表1-5 totals in 万元, supersessions, the reconciliation.
pf_file=$stack/sample-platform.jsonl
q "SELECT n.uscc, n.factory_name, coalesce(n.project_name, ''), e.bank_id, sum(e.amount)
     FROM feedback.matching_event e JOIN feedback.matching m USING (need_id, bank_id) JOIN pboc.need n USING (need_id)
    WHERE e.record_type = 'MatchingFeedback' AND e.detail->>'stage' = 'DISBURSED' AND n.province = '310000'
      AND m.product IN ('PROJECT_LOAN', 'WORKING_CAPITAL_LOAN', 'CREDIT_LOAN', 'MEDIUM_LONG_TERM_LOAN',
                        'RENEWAL_WITHOUT_REPAYMENT', 'LEASING', 'LOAN', 'RENEWAL_WITHOUT_PRINCIPAL')
      AND e.occurred_at >= '2026-01-01 00:00+08' AND e.occurred_at < '2026-07-01 00:00+08'
    GROUP BY 1, 2, 3, 4 ORDER BY 4, 1" >"$stack/platform-loans.tsv"
q "SELECT uscc, factory_name, coalesce(project_name, '') FROM pboc.need WHERE province = '310000' ORDER BY need_id LIMIT 4" \
  >"$stack/platform-enterprises.tsv"
$PY - "$stack/platform-loans.tsv" "$stack/platform-enterprises.tsv" >"$pf_file" <<'PY'
import json, sys, uuid
W = 1000000  # fen per 万元
COLS = ["project_name", "project_type", "loan_type", "disbursed", "balance", "emc_loan_type", "emc_disbursed",
        "emc_balance", "guaranteed", "insurance_type", "insured", "claims_paid", "invested", "bond_amount"]
def rows_of(path):
    return [l.rstrip("\n").split("|") for l in open(path, encoding="utf-8") if l.strip()]
loans, firms = rows_of(sys.argv[1]), rows_of(sys.argv[2])
def row(uscc, name, **cols):
    r = dict.fromkeys(COLS)
    r.update(enterprise=name, uscc=uscc, registration_region="310000", **cols)
    return r
def filing(sender, table, rows):
    print(json.dumps({"$type": "PlatformFiling", "meta": {"sender": sender, "event_id": str(uuid.uuid4())},
                      "filing_id": sender + "|2026H1", "institution": sender, "period": "2026H1", "table_no": table,
                      "rows": rows}, ensure_ascii=False))
banks = sorted({l[3] for l in loans})
for draft in (True, False):
    for b in banks:
        mine = [l for l in loans if l[3] == b]
        out = []
        for i, (uscc, name, project, _, fen) in enumerate(mine):
            amount = int(fen) * 9 // 10 if draft else int(fen)
            if not draft and b == banks[0] and i == len(mine) - 1:
                amount += 50 * W  # the disagreement the reconciliation shows
            out.append(row(uscc, name, project_name=project or name, project_type="1" if i % 3 else "7.2.2",
                           loan_type="PROJECT_LOAN" if i % 2 == 0 else "WORKING_CAPITAL", disbursed=amount,
                           balance=amount))
            if i % 3 == 0:
                out[-1].update(emc_loan_type=out[-1]["loan_type"], emc_disbursed=amount // 2, emc_balance=amount // 2)
        filing(b, 1, out)
if firms:
    f = lambda k: firms[k % len(firms)][:2]
    filing("gua-shrd-310000", 2, [row(*f(0), guaranteed=500 * W)])
    filing("ins-picc-310000", 3, [row(*f(1), insurance_type="环境污染责任保险", insured=2000 * W, claims_paid=30 * W)])
    filing("fund-shgreen-310000", 4, [row(*f(2), invested=1500 * W)])
    filing("uw-gtja-310000", 5, [row(*f(3), bond_amount=8000 * W)])
PY
echo "demo: 产业绿贷 2026H1: $(grep -c . "$pf_file") filings to gfdx.platform-filings ($(cut -d'|' -f4 "$stack/platform-loans.tsv" | sort -u | grep -c .) banks, each a draft then its correction; guarantor, insurer, fund, underwriter)"
produce <"$pf_file"
wait_until "gfdx-platform" "SELECT count(*) FROM platform.message_log" "$(grep -c . "$pf_file")"
echo "demo:   filings applied $(q "SELECT count(*) FROM platform.message_log WHERE outcome = 'APPLIED'"), refused $(q "SELECT count(*) FROM platform.message_log WHERE outcome <> 'APPLIED'"); superseded versions kept: $(q "SELECT count(*) FROM platform.filing_history WHERE NOT is_current")"
pf_csv=$stack/platform-2026H1.csv
"$build/tools/cli/gfdx" report semiannual 2026H1 --db "$GFDX_PG_CONNINFO" --format csv >"$pf_csv"
tr -d '\r' <"$pf_csv" | tail -n +2 | while IFS=, read -r tbl name items insts amount balance; do
  [ "$tbl" = total ] && continue
  echo "demo:   ${name}: ${items} 笔 from ${insts} institutions, ${amount} 万元${balance:+, 余额 ${balance} 万元}"
done
"$build/tools/cli/gfdx" report semiannual 2026H1 --db "$GFDX_PG_CONNINFO" --format json |
  $PY -c 'import json, sys; f = json.load(sys.stdin)["facts"]; print("demo:   supersessions:", f["superseded_versions"], "| reconciliation with the banks'"'"' feedback:", f["reconciliation"])'
