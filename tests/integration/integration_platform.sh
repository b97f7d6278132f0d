#!/usr/bin/env bash
# gfdx-platform (DESIGN §6.5) on the dev broker and a real PostgreSQL, and `gfdx report
# semiannual` built from its filings. The banks' feedback of lib_cli.sh's phases sa-intake
# and sa-banks is there too (gfdx-intake -> gfdx-push -> gfdx-feedback): SA-SH-1's bank icbc
# reported 1,500 万元 disbursed in 2026H1 and 700 万元 in 2026H2 (China time).
#
#   filing (万元)                                                       outcome
#   a1 icbc 2026H1 表1: SA-SH-1 1500/1500 (type 1); E9 300/200 (7.2.2, 其中 300/200)   applied, version 1
#   a2 icbc 2026H1 表1: SA-SH-1 1400/1400; E9 300/200                  applied, version 2 supersedes a1
#   a3 icbc 2026H2 表1: SA-SH-1 700, balance 2100                       applied
#   a4 ccb  2026H1 表1: row 2 registered in 江苏 320102                 REFUSED NOT_SHANGHAI (row 2)
#   a5 icbc 2026H1 表2                                                   REFUSED TABLE_NOT_OF_KIND
#   a6 ccb  files under icbc's key bank-icbc-310000|2026H1              REFUSED UNAUTHORIZED_SENDER
#   a7 guarantor 2026H1 表2: SA-SH-1 担保贷款额 800                       applied
#   a8 insurer   2026H1 表3: SA-SH-2 环境污染责任保险 5000, 已决赔款 120    applied
#   a9 fund      2026H2 表4: SA-SH-2 投资额 2000                          applied
#   a10 underwriter 2026H1 表5: E9 发债额 10000                           applied
#   a11 icbc 2026H1 表1: 项目类型 "7" (group 7 not in detail)            REFUSED UNKNOWN_PROJECT_TYPE
# Reconciliation of 表1 with the feedback: 2026H1 SA-SH-1 filed 1400 vs 1500 reported (differ),
# E9 filed only; 2026H2 700 = 700 (agree); the year 2100 vs 2200 (differ).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_pboc.sh"
source "$(dirname "$0")/lib_feedback.sh"
source "$(dirname "$0")/lib_cli.sh"
stack_up
d=$GFDX_TEST_DIR
cli_play_semiannual
cfg=$(daemon_config platform sh-platform gfdx.platform-filings)
spawn platform "$(service_bin platform)" --config "$cfg"

U1=$(psql_q "SELECT uscc FROM pboc.need WHERE need_id = 'SA-SH-1'")
U2=$(psql_q "SELECT uscc FROM pboc.need WHERE need_id = 'SA-SH-2'")
P1=上海临港绿色制造有限公司 P2=上海宝山低碳材料有限公司
eid() { printf 'a7000000-0000-4000-8000-%012d' "$1"; }
outcome() { psql_q "SELECT outcome || ' ' || coalesce(reason_code, '-') FROM platform.message_log WHERE event_id = '$(eid "$1")'"; }

$GFDX_CLI_PY - "$U1" "$U2" >"$d/filings.jsonl" <<'PY'
import json, sys
u1, u2 = sys.argv[1:3]
CH = "0123456789ABCDEFGHJKLMNPQRTUWXY"
def uscc(first17):
    total = sum(CH.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return first17 + CH[(31 - total % 31) % 31]
e9, js = uscc("91310115MA1H00009"), uscc("91320102MA1H00001")
W = 1000000  # fen per 万元
NULLS = dict.fromkeys(["project_name", "project_type", "loan_type", "disbursed", "balance", "emc_loan_type",
                       "emc_disbursed", "emc_balance", "guaranteed", "insurance_type", "insured", "claims_paid",
                       "invested", "bond_amount"])
def row(name, code, region="310115", **cols):
    return dict(NULLS, enterprise=name, uscc=code, registration_region=region, **cols)
def loan(name, code, issued, balance, kind="1", loan="PROJECT_LOAN", region="310115", emc=None):
    r = row(name, code, region, project_name=name + "节能降碳改造项目", project_type=kind, loan_type=loan,
            disbursed=issued * W, balance=balance * W)
    if emc:
        r.update(emc_loan_type=emc[0], emc_disbursed=emc[1] * W, emc_balance=emc[2] * W)
    return r
E9 = "上海浦东合同能源管理有限公司"
e9_row = dict(loan(E9, e9, 300, 200, "7.2.2", "WORKING_CAPITAL", emc=("WORKING_CAPITAL", 300, 200)),
              project_name="空压站节能改造")
def filing(n, sender, period, table, rows, key=None, inst=None):
    print(json.dumps({"$type": "PlatformFiling",
                      "meta": {"sender": sender, "event_id": "a7000000-0000-4000-8000-%012d" % n},
                      "filing_id": (key or sender) + "|" + period, "institution": inst or sender, "period": period,
                      "table_no": table, "rows": rows}, ensure_ascii=False))
icbc, ccb = "bank-icbc-310000", "bank-ccb-310000"
p1, p2 = "上海临港绿色制造有限公司", "上海宝山低碳材料有限公司"
filing(1, icbc, "2026H1", 1, [loan(p1, u1, 1500, 1500), e9_row])
filing(2, icbc, "2026H1", 1, [loan(p1, u1, 1400, 1400), e9_row])
filing(3, icbc, "2026H2", 1, [loan(p1, u1, 700, 2100)])
filing(4, ccb, "2026H1", 1, [loan(p1, u1, 100, 100), loan("江苏某制造有限公司", js, 50, 50, region="320102")])
filing(5, icbc, "2026H1", 2, [row(p1, u1, guaranteed=800 * W)])
filing(6, ccb, "2026H1", 1, [loan(p1, u1, 9, 9)], key=icbc, inst=icbc)
filing(7, "gua-shrd-310000", "2026H1", 2, [row(p1, u1, project_name=p1 + "节能降碳改造项目", guaranteed=800 * W)])
filing(8, "ins-picc-310000", "2026H1", 3, [row(p2, u2, insurance_type="环境污染责任保险", insured=5000 * W,
                                               claims_paid=120 * W)])
filing(9, "fund-shgreen-310000", "2026H2", 4, [row(p2, u2, invested=2000 * W)])
filing(10, "uw-gtja-310000", "2026H1", 5, [row(E9, e9, bond_amount=10000 * W)])
filing(11, icbc, "2026H1", 1, [loan(p1, u1, 1, 1, kind="7")])
PY
produce <"$d/filings.jsonl"
wait_sql_eq "SELECT count(*) FROM platform.message_log" 11 60

# ---- the filings ---------------------------------------------------------------------------------
assert_eq "a1, a2, a3 applied" "APPLIED - APPLIED - APPLIED -" "$(outcome 1) $(outcome 2) $(outcome 3)"
assert_eq "a bank's 表1 with a non-Shanghai enterprise refused" "REFUSED NOT_SHANGHAI" "$(outcome 4)"
assert_eq "the refusal names the row and the region" 1 \
  "$(psql_q "SELECT count(*) FROM platform.rejection WHERE event_id = '$(eid 4)' AND reason LIKE 'row 2 (%320102%not in Shanghai%'")"
assert_eq "a bank filing 表2 refused" "REFUSED TABLE_NOT_OF_KIND" "$(outcome 5)"
assert_eq "another institution's key refused" "REFUSED UNAUTHORIZED_SENDER" "$(outcome 6)"
assert_eq "group 7 without its detailed code refused" "REFUSED UNKNOWN_PROJECT_TYPE" "$(outcome 11)"
assert_eq "guarantor, insurer, fund, underwriter applied" "APPLIED - APPLIED - APPLIED - APPLIED -" \
  "$(outcome 7) $(outcome 8) $(outcome 9) $(outcome 10)"
assert_eq "nothing of ccb's refused filings stored" 0 \
  "$(psql_q "SELECT count(*) FROM platform.filing_version WHERE institution = 'bank-ccb-310000' OR event_id IN ('$(eid 6)', '$(eid 4)')")"
assert_eq "icbc 2026H1: version 2 current (a2), 2 rows; the forged a6 changed nothing" "2 2 $(eid 2)" \
  "$(psql_q "SELECT version || ' ' || row_count || ' ' || event_id FROM platform.filing WHERE filing_id = 'bank-icbc-310000|2026H1'")"
assert_eq "the superseded version kept as history, with its rows and totals" \
  "1 false 2 1800000000 2 true 2 1700000000" \
  "$(psql_q "SELECT string_agg(version || ' ' || is_current || ' ' || row_count || ' ' || (totals->>'disbursed'), ' ' ORDER BY version)
             FROM platform.filing_history WHERE filing_id = 'bank-icbc-310000|2026H1'")"
assert_eq "version 1's rows as filed (1500 万元), the current view has version 2's (1400)" "1500000000 1400000000" \
  "$(psql_q "SELECT (SELECT disbursed FROM platform.filing_row WHERE filing_id = 'bank-icbc-310000|2026H1' AND version = 1 AND row_no = 1)
             || ' ' || (SELECT disbursed FROM platform.filing_current_row WHERE filing_id = 'bank-icbc-310000|2026H1' AND row_no = 1)")"
assert_eq "superseded_at of version 1 is version 2's arrival" t \
  "$(psql_q "SELECT h.superseded_at = v.received_at FROM platform.filing_history h JOIN platform.filing_version v
             ON v.filing_id = h.filing_id AND v.version = 2 WHERE h.filing_id = 'bank-icbc-310000|2026H1' AND h.version = 1")"
wait_sql_eq "SELECT count(*) FROM platform.outbox WHERE topic = 'gfdx.receipts.bank-ccb-310000' AND published_at IS NOT NULL" 2 30
assert_eq "ccb's 2 receipts (a4, a6) on its own topic, besides gfdx-feedback's" \
  "$(psql_q "SELECT 2 + count(*) FROM feedback.outbox WHERE topic = 'gfdx.receipts.bank-ccb-310000'")" \
  "$(kcat -C -b "$GFDX_KAFKA_BOOTSTRAP" -t gfdx.receipts.bank-ccb-310000 -e -q -f '%k\n' 2>/dev/null | grep -cx bank-ccb-310000)"

# ---- the semi-annual report from the filings ----------------------------------------------------------
check_csv() { cli_check_csv "$1" gfdx report semiannual "${@:2}" --format csv; }
head=table,table_name,items,institutions,amount_wan,balance_wan
printf '%s\n' $head loans,信贷,2,1,1700.00,1600.00 guarantee,担保贷款,1,1,800.00, insurance,保险,1,1,5000.00, \
  investment,投资,0,0,0.00, bonds,发债,1,1,10000.00, total,合计,5,,, >"$d/expect.csv"
check_csv "2026H1 summary from the filings: icbc's current version only, feedback not added" 2026H1
printf '%s\n' $head loans,信贷,1,1,700.00,2100.00 guarantee,担保贷款,0,0,0.00, insurance,保险,0,0,0.00, \
  investment,投资,1,1,2000.00, bonds,发债,0,0,0.00, total,合计,2,,, >"$d/expect.csv"
check_csv "2026H2 summary" 2026H2
printf '%s\n' $head loans,信贷,3,1,2400.00,2100.00 guarantee,担保贷款,1,1,800.00, insurance,保险,1,1,5000.00, \
  investment,投资,1,1,2000.00, bonds,发债,1,1,10000.00, total,合计,7,,, >"$d/expect.csv"
check_csv "the year 2026: both halves' flows, the year-end (H2) balance" 2026
E9=$(psql_q "SELECT uscc FROM platform.filing_current_row WHERE enterprise = '上海浦东合同能源管理有限公司' AND table_no = 1")
cat >"$d/expect.csv" <<CSV
no,period,institution,institution_id,enterprise,uscc,registration_region,project,project_type,loan_type,issued_wan,balance_wan,emc_loan_type,emc_issued_wan,emc_balance_wan
1,2026H1,中国工商银行上海市分行,bank-icbc-310000,$P1,$U1,310115,${P1}节能降碳改造项目,1 节能降碳产业,项目贷,1400.00,1400.00,,,
2,2026H1,中国工商银行上海市分行,bank-icbc-310000,上海浦东合同能源管理有限公司,$E9,310115,空压站节能改造,7.2.2 合同能源管理服务,流贷,300.00,200.00,流贷,300.00,200.00
,合计 total,,,,,,,,,1700.00,1600.00,,300.00,200.00
CSV
check_csv "2026H1 表1 with annex 2's columns, 其中 7.2.2 合同能源管理服务" 2026H1 --table loans
cat >"$d/expect.csv" <<CSV
uscc,enterprise,institution,institution_id,filed_wan,feedback_wan,difference_wan,status
$U1,$P1,中国工商银行上海市分行,bank-icbc-310000,1400.00,1500.00,-100.00,不一致 differ
$E9,上海浦东合同能源管理有限公司,中国工商银行上海市分行,bank-icbc-310000,300.00,,300.00,仅平台报送 filed only
CSV
check_csv "2026H1 reconciliation: the filing says 1400, the feedback 1500" 2026H1 --table reconciliation
printf '%s\n' uscc,enterprise,institution,institution_id,filed_wan,feedback_wan,difference_wan,status \
  "$U1,$P1,中国工商银行上海市分行,bank-icbc-310000,700.00,700.00,0.00,一致 agree" >"$d/expect.csv"
check_csv "2026H2 reconciliation: they agree" 2026H2 --table reconciliation
gfdx report semiannual 2026 --format json >"$d/y.json"
assert_eq "the year's reconciliation says the sources disagree; one superseded version" \
  "1 differ|1 filed only|2100.0 2200.0|1" \
  "$($GFDX_CLI_PY -c '
import json, sys
r = json.load(open(sys.argv[1])); f = r["facts"]
rows = r["tables"]["reconciliation"]["rows"]
print("1 differ" if "1 differ" in f["reconciliation"] and "disagree" in f["reconciliation"] else f["reconciliation"],
      "1 filed only" if "1 filed only" in f["reconciliation"] else "", " ".join(str(x) for x in
      (rows[0]["filed_wan"], rows[0]["feedback_wan"])), f["superseded_versions"], sep="|")' "$d/y.json")"
gfdx report semiannual 2026H1 --format csv --table filings >"$d/filings.csv"
assert_eq "the filings table: icbc's version 2, version 1 superseded (icbc has no liaison registered)" 1 \
  "$(tr -d '\r' <"$d/filings.csv" | grep -c '^bank-icbc-310000|2026H1,中国工商银行上海市分行,bank,2026H1,1,2,2,[0-9: -]*,v1: 2 rows at 20[0-9: -]*,$')"
assert_eq "a guarantor's liaison shown" 1 "$(grep -c '陈立 021-60000001 liaison@gua.example.cn' "$d/filings.csv")"
assert_eq "--institution: one filer's tables" "loans,信贷,2,1,1700.00,1600.00" \
  "$(gfdx report semiannual 2026H1 --institution bank-icbc-310000 --format csv | tr -d '\r' | grep '^loans')"
# A PBoC branch's view of the filings: those of the banks the registry lists for it. pbc-hq-sh
# has icbc, ccb and bocom: icbc's loans only (ccb's one filing was refused, the guarantor,
# insurer and underwriter are no bank of a branch); pbc-500000's banks filed nothing.
printf '%s\n' $head loans,信贷,2,1,1700.00,1600.00 guarantee,担保贷款,0,0,0.00, insurance,保险,0,0,0.00, \
  investment,投资,0,0,0.00, bonds,发债,0,0,0.00, total,合计,2,,, >"$d/expect.csv"
check_csv "--branch pbc-hq-sh: the filings of its banks (icbc's)" 2026H1 --branch pbc-hq-sh
printf '%s\n' $head loans,信贷,0,0,0.00,0.00 guarantee,担保贷款,0,0,0.00, insurance,保险,0,0,0.00, \
  investment,投资,0,0,0.00, bonds,发债,0,0,0.00, total,合计,0,,, >"$d/expect.csv"
check_csv "--branch pbc-500000: its banks filed nothing" 2026H1 --branch pbc-500000
gfdx report semiannual 2026H1 --branch pbc-hq-sh --format json >"$d/br.json"
assert_eq "--branch: the role and the filers kept are facts; the filings table lists icbc's alone" \
  "pbc-hq-sh|bank-icbc-310000, bank-ccb-310000, bank-bocom-310000|bank-icbc-310000" \
  "$($GFDX_CLI_PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(r["facts"]["role"], r["facts"]["institution"],
      ",".join(sorted({x["filing_id"].split("|")[0] for x in r["tables"]["filings"]["rows"]})), sep="|")' "$d/br.json")"
assert_eq "--bank: one bank's filings, as --institution" \
  "$(gfdx report semiannual 2026H1 --institution bank-icbc-310000 --format csv --table loans)" \
  "$(gfdx report semiannual 2026H1 --bank bank-icbc-310000 --format csv --table loans)"
assert_eq "--institution as a bureau names it, quotes and commas included: no filer, no error" "loans,信贷,0,0,0.00,0.00" \
  "$(gfdx report semiannual 2026H1 --institution '上海"某,银行\' --format csv | tr -d '\r' | grep '^loans')"
gfdx report semiannual 2026H1 --format html --out "$d/h1.html" 2>/dev/null
assert_ok "HTML renders the reconciliation" grep -q '不一致 differ' "$d/h1.html"
assert_ok "table output names the source" grep -q 'platform.filing_current_row' <<<"$(gfdx report semiannual 2026H1)"
# XLSX in the agencies' layout, read by openpyxl and compared with the CSV of every table
# (tests/integration/data/xlsx_vs_csv.py, as integration_cli_xlsx.sh does for the other reports)
mkdir -p "$d/wb"
gfdx report semiannual 2026H1 --format xlsx --out "$d/h1.xlsx" 2>/dev/null
gfdx report semiannual 2026H1 --format json >"$d/h1.json"
for t in $($GFDX_CLI_PY -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["tables"]))' "$d/h1.json"); do
  gfdx report semiannual 2026H1 --format csv --table "$t" | tr -d '\r' >"$d/wb/$t.csv"
done
rc=0; out=$($GFDX_CLI_PY "$(dirname "$0")/data/xlsx_vs_csv.py" "$d/h1.xlsx" "$d/h1.json" "$d/wb" 2>&1) || rc=$?
sed 's/^/# /' <<<"$out"
assert_eq "2026H1 from the filings as XLSX: every sheet equals its CSV (summary, 表1-5, filings, reconciliation)" "0 8" \
  "$rc $(ls "$d/wb" | wc -l)"
status_of() { local rc=0; "$@" >/dev/null 2>&1 || rc=$?; echo "$rc"; }
assert_eq "exit 2: 2026H3, 2026Q1, 20261" "2 2 2" \
  "$(status_of gfdx report semiannual 2026H3) $(status_of gfdx report semiannual 2026Q1) $(status_of gfdx report semiannual 20261)"
assert_ok "gfdx-platform still running" pid_alive "$(spawn_pid platform)"
finish
