#!/usr/bin/env bash
# `gfdx report semiannual`: the five tables of Shanghai's 产业绿贷 notice from the banks'
# feedback (gfdx-intake -> gfdx-push -> gfdx-feedback, lib_cli.sh phases sa-intake and
# sa-banks) and the district finance bureau's reports (gfdx-namelist, phase district), on the
# dev broker and a real PostgreSQL. Every figure below is computed by hand from those phases:
#
#   bank feedback (万元)                     product                  disbursed (China time)
#   SA-SH-1 icbc  approved 3000, 3.45%      PROJECT_LOAN             1000 03-10, 500 06-30 23:30,
#                                                                    700 07-01 00:30 (H2 in China
#                                                                    time, H1 in UTC)
#   SA-SH-1 ccb   approved 800              GUARANTEE                800 05-20
#   SA-SH-2 bocom approved (cover) 5000     INSURANCE                120 06-15 (claim paid)
#   SA-SH-2 icbc  approved 2000             FUND_INVESTMENT          2000 02-01
#   SA-SH-2 ccb   approved 100              OTHER                    100 03-02 (in no table)
#   SA-CQ-1 ccb   approved 10000            GREEN_BOND_UNDERWRITING  10000 06-01
#   SA-CQ-1 cqrcb approved 1000, 3.90%      MEDIUM_LONG_TERM_LOAN    400 2025-12-31, 300 01-02
#   SA-CQ-1 cqcb  approved 600              WORKING_CAPITAL_LOAN     none (not listed)
#   finance bureau 2026H1 (amount / balance): GP-001 LOAN 1200/1000 (3.55%), GP-001 GUARANTEE
#   500/500, GP-002 INSURANCE 300/300, GP-002 EQUITY_INVESTMENT 800/800, GP-002 OTHER 50/50,
#   GP-003 GREEN_BOND 2000/2000; 2025H2: GP-001 LOAN 900/900.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_pboc.sh"
source "$(dirname "$0")/lib_feedback.sh"
source "$(dirname "$0")/lib_namelist.sh"
source "$(dirname "$0")/lib_cli.sh"
stack_up
d=$GFDX_TEST_DIR
cli_play_semiannual
cli_play_district

U1=$(psql_q "SELECT uscc FROM pboc.need WHERE need_id = 'SA-SH-1'")
U2=$(psql_q "SELECT uscc FROM pboc.need WHERE need_id = 'SA-SH-2'")
U3=$(psql_q "SELECT uscc FROM pboc.need WHERE need_id = 'SA-CQ-1'")
g() { psql_q "SELECT uscc FROM district.current_entry WHERE entry_key = '$1'"; }
G1=$(g GP-001) G2=$(g GP-002) G3=$(g GP-003)
P1=上海临港绿色制造有限公司 P2=上海宝山低碳材料有限公司 P3=重庆两江绿色能源有限公司
FB="银行反馈 feedback" FIN="财政局 finance"

# check_csv DESC ARGS...: `gfdx report semiannual ARGS --format csv` equals $d/expect.csv
check_csv() { cli_check_csv "$1" gfdx report semiannual "${@:2}" --format csv; }

# ---- 2026H1 ------------------------------------------------------------------------------------
cat >"$d/expect.csv" <<CSV
table,table_name,items,from_feedback,from_finance,amount_wan,balance_wan
loans,项目贷款,3,2,1,3000.00,3200.00
guarantee,担保贷款,2,1,1,1300.00,1300.00
insurance,保险,2,1,1,5300.00,
investment,投资,2,1,1,2800.00,2800.00
bonds,债券,2,1,1,12000.00,12000.00
total,合计,11,6,5,,
CSV
check_csv "2026H1 summary: items per table and source, amounts and balances in 万元" 2026H1
cat >"$d/expect.csv" <<CSV
no,source,enterprise,uscc,project,reference,institution,institution_id,loan_type,approved_wan,issued_wan,balance_wan,rate_pct,term_months,first_issued
1,$FB,$P1,$U1,${P1}节能降碳改造项目,SA-SH-1,中国工商银行上海市分行,bank-icbc-310000,项目贷款,3000.00,1500.00,1500.00,3.45,60,2026-03-10
2,$FB,$P3,$U3,${P3}节能降碳改造项目,SA-CQ-1,重庆农村商业银行股份有限公司,bank-cqrcb-500000,中长期贷款,1000.00,300.00,700.00,3.90,60,2026-01-02
3,$FIN,重庆沙坪坝光伏科技有限公司,$G1,屋顶分布式光伏项目,500106-DRC-GP / GP-001,中国建设银行重庆沙坪坝支行,,贷款（绿色技改贷）,,1200.00,1000.00,3.55,,
,合计 total,,,,,,,,4000.00,3000.00,3200.00,,,
CSV
check_csv "2026H1 loans: issued in the half-year (China time), balance = disbursed to its end" 2026H1 --table loans
cat >"$d/expect.csv" <<CSV
no,source,enterprise,uscc,project,reference,institution,institution_id,guarantee_type,guaranteed_wan,issued_wan,balance_wan
1,$FB,$P1,$U1,${P1}节能降碳改造项目,SA-SH-1,中国建设银行上海市分行,bank-ccb-310000,担保,800.00,800.00,800.00
2,$FIN,重庆沙坪坝光伏科技有限公司,$G1,屋顶分布式光伏项目,500106-DRC-GP / GP-001,重庆三峡融资担保集团,,担保,,500.00,500.00
,合计 total,,,,,,,,800.00,1300.00,1300.00
CSV
check_csv "2026H1 guaranteed loans" 2026H1 --table guarantee
cat >"$d/expect.csv" <<CSV
no,source,enterprise,uscc,project,reference,institution,institution_id,insurance_type,cover_wan,claims_wan
1,$FB,$P2,$U2,${P2}节能降碳改造项目,SA-SH-2,交通银行上海市分行,bank-bocom-310000,保险,5000.00,120.00
2,$FIN,重庆西永热能有限公司,$G2,余热余压回收利用项目（二期）,500106-DRC-GP / GP-002,中国人民财产保险重庆沙坪坝支公司,,保险（环境污染责任险）,300.00,
,合计 total,,,,,,,,5300.00,120.00
CSV
check_csv "2026H1 insurance: cover and claims paid (the finance bureau reports no claims)" 2026H1 --table insurance
cat >"$d/expect.csv" <<CSV
no,source,enterprise,uscc,project,reference,institution,institution_id,investment_type,invested_wan,holding_wan
1,$FB,$P2,$U2,${P2}节能降碳改造项目,SA-SH-2,中国工商银行上海市分行,bank-icbc-310000,基金投资,2000.00,2000.00
2,$FIN,重庆西永热能有限公司,$G2,余热余压回收利用项目（二期）,500106-DRC-GP / GP-002,重庆产业引导股权投资基金,,股权投资,800.00,800.00
,合计 total,,,,,,,,2800.00,2800.00
CSV
check_csv "2026H1 investments" 2026H1 --table investment
cat >"$d/expect.csv" <<CSV
no,source,enterprise,uscc,project,reference,institution,institution_id,bond_type,issued_wan,outstanding_wan
1,$FB,$P3,$U3,${P3}节能降碳改造项目,SA-CQ-1,中国建设银行重庆市分行,bank-ccb-500000,绿色债券承销,10000.00,10000.00
2,$FIN,重庆井口水务有限公司,$G3,污水处理提标改造项目,500106-DRC-GP / GP-003,重庆农村商业银行沙坪坝支行,,绿色债券（碳中和债）,2000.00,2000.00
,合计 total,,,,,,,,12000.00,12000.00
CSV
check_csv "2026H1 bond issues" 2026H1 --table bonds
gfdx report semiannual 2026H1 --format json >"$d/h1.json"
assert_eq "2026H1 JSON: OTHER products counted apart (ccb on SA-SH-2, GP-002), period in China time" \
  "2 2026-01-01 to 2026-06-30 5300.0" \
  "$($GFDX_CLI_PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(r["facts"]["other_products"], r["facts"]["period"], r["tables"]["insurance"]["total"]["cover_wan"])' "$d/h1.json")"
assert_ok "the loans footnote says what balance means" \
  grep -q 'banks report disbursements, not repayments' <<<"$(gfdx report semiannual 2026H1)"

# ---- other half-years and one institution (summaries: tables with no rows left out) ----------------
export CLI_CSV_FILTER=',0,0,0,0\.00,'
summary_head=table,table_name,items,from_feedback,from_finance,amount_wan,balance_wan
printf '%s\n' $summary_head loans,项目贷款,1,1,0,700.00,2200.00 total,合计,1,1,0,, >"$d/expect.csv"
check_csv "2026H2: only SA-SH-1's 700 万元 of 07-01 00:30 China time; balance 2,200 万元" 2026H2
printf '%s\n' $summary_head loans,项目贷款,2,1,1,1300.00,1300.00 total,合计,2,1,1,, >"$d/expect.csv"
check_csv "2025H2: cqrcb's 400 万元 of 2025-12-31 and the finance bureau's 900 万元" 2025H2
printf '%s\n' $summary_head loans,项目贷款,1,1,0,1500.00,1500.00 investment,投资,1,1,0,2000.00,2000.00 \
  total,合计,2,2,0,, >"$d/expect.csv"
check_csv "--institution bank-icbc-310000: that bank's loan and investment only" 2026H1 --institution bank-icbc-310000
printf '%s\n' $summary_head loans,项目贷款,1,0,1,1200.00,1000.00 total,合计,1,0,1,, >"$d/expect.csv"
check_csv "--institution as the finance bureau names it" 2026H1 --institution 中国建设银行重庆沙坪坝支行
# The roles. A bank: its own rows, as --institution with its participant id.
gfdx report semiannual 2026H1 --institution bank-icbc-310000 --format csv >"$d/inst.csv"
check_csv_same() { if gfdx report semiannual "$@" --format csv | diff -q "$d/inst.csv" - >/dev/null; then
  pass "--bank bank-icbc-310000: the same rows as --institution bank-icbc-310000"; else
  fail "--bank bank-icbc-310000 differs from --institution bank-icbc-310000"; fi; }
check_csv_same 2026H1 --bank bank-icbc-310000
printf '%s\n' $summary_head guarantee,担保贷款,1,1,0,800.00,800.00 total,合计,1,1,0,, >"$d/expect.csv"
check_csv "--bank bank-ccb-310000: its guarantee on SA-SH-1 (its OTHER on SA-SH-2 in no table)" 2026H1 --bank bank-ccb-310000
# A PBoC branch: the feedback on the needs routed to it (SA-SH-1, SA-SH-2 to pbc-hq-sh; SA-CQ-1
# to pbc-500000), whichever bank reported it; none of the finance bureau's rows.
printf '%s\n' $summary_head loans,项目贷款,1,1,0,1500.00,1500.00 guarantee,担保贷款,1,1,0,800.00,800.00 \
  insurance,保险,1,1,0,5000.00, investment,投资,1,1,0,2000.00,2000.00 total,合计,4,4,0,, >"$d/expect.csv"
check_csv "--branch pbc-hq-sh: icbc's loan and investment, ccb's guarantee, bocom's insurance" 2026H1 --branch pbc-hq-sh
printf '%s\n' $summary_head loans,项目贷款,1,1,0,300.00,700.00 bonds,债券,1,1,0,10000.00,10000.00 \
  total,合计,2,2,0,, >"$d/expect.csv"
check_csv "--branch pbc-500000: cqrcb's loan (300 in H1, 700 balance) and ccb's bond" 2026H1 --branch pbc-500000
printf '%s\n' $summary_head loans,项目贷款,1,1,0,700.00,2200.00 total,合计,1,1,0,, >"$d/expect.csv"
check_csv "--branch pbc-hq-sh 2026H2: SA-SH-1's 700 of 07-01 00:30 China time" 2026H2 --branch pbc-hq-sh
printf '%s\n' $summary_head total,合计,0,0,0,, >"$d/expect.csv"
check_csv "--branch pbc-500000 2026H2: nothing (SA-CQ-1 had no H2 disbursement)" 2026H2 --branch pbc-500000
unset CLI_CSV_FILTER
gfdx report semiannual 2026H1 --branch pbc-hq-sh --format json >"$d/branch.json"
assert_eq "--branch: the role is a fact, the summary's footnote says what a branch sees" \
  "pbc-hq-sh True" "$($GFDX_CLI_PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(r["facts"]["role"], "the finance bureau\x27s reports are not shown" in r["tables"]["summary"]["footnote"])' "$d/branch.json")"
status_of() { local rc=0; "$@" >/dev/null 2>&1 || rc=$?; echo "$rc"; }
assert_eq "exit 2: --branch with --institution" 2 "$(status_of gfdx report semiannual 2026H1 --branch pbc-hq-sh --institution x)"
assert_eq "exit 2: --province does not apply" 2 "$(status_of gfdx report semiannual 2026H1 --province 310000)"
assert_eq "2026H2: the tables with no rows are there, with zero totals" "guarantee,担保贷款,0,0,0,0.00,0.00" \
  "$(gfdx report semiannual 2026H2 --format csv | tr -d '\r' | grep '^guarantee')"

# ---- HTML: amounts by table, rendered by headless chromium when installed --------------------------
gfdx report semiannual 2026H1 --format html --out "$d/h1.html" 2>/dev/null
assert_fails "HTML: nothing fetched from outside" grep -Eq 'src=|href=|url\(|@import|<script' "$d/h1.html"
dom=$d/h1.html
if command -v chromium >/dev/null; then
  cli_chromium --dump-dom "file://$d/h1.html" >"$d/dom.html"
  dom=$d/dom.html
  assert_ok "chromium rendered the page (title in the DOM)" grep -q '<h1>产业绿贷半年度统计' "$dom"
fi
assert_eq "HTML: the amounts chart draws the summary's numbers" \
  "amount_wan=3000.00 balance_wan=3200.00 amount_wan=1300.00 balance_wan=1300.00 amount_wan=5300.00 balance_wan= amount_wan=2800.00 balance_wan=2800.00 amount_wan=12000.00 balance_wan=12000.00" \
  "$(dom_chart_values "$dom" chart-amounts)"
for t in summary loans guarantee insurance investment bonds; do
  gfdx report semiannual 2026H1 --format csv --table "$t" >"$d/$t.csv"
  assert_eq "HTML: table $t shows the CSV's numbers" "same $(($(wc -l <"$d/$t.csv") - 1))" \
    "$(dom_table_vs_csv "$dom" "$t" "$d/$t.csv")"
done

# ---- exit statuses and help ---------------------------------------------------------------------------
assert_eq "exit 2: a half-year that does not exist" 2 "$(status_of gfdx report semiannual 2026H3)"
assert_eq "exit 2: a quarter given for a half-year" 2 "$(status_of gfdx report semiannual 2026Q1)"
assert_eq "exit 2: --version does not apply" 2 "$(status_of gfdx report semiannual 2026H1 --version 2)"
assert_eq "exit 2: --institution does not apply to the quarter" 2 "$(status_of gfdx report quarter 2026Q1 --institution x)"
assert_eq "exit 1: CSV table that does not exist" 1 "$(status_of gfdx report semiannual 2026H1 --format csv --table nope)"
assert_eq "exit 1: no database" 1 "$(GFDX_PG_CONNINFO= status_of gfdx report semiannual 2026H1)"
assert_ok "--help describes the report" grep -q 'semiannual 2026H1  The five tables' <<<"$(gfdx report --help)"
finish
