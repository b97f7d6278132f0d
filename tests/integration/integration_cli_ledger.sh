#!/usr/bin/env bash
# `gfdx report ledger`: a district list as of a version and the diff between two versions,
# with the receiving bureaus' feedback per entry. The list 500106-DRC-GP goes through
# gfdx-namelist on the dev broker and a real PostgreSQL (lib_cli.sh, phase district):
#
#   v1 FULL  2025-10-15  GP-001 (4.2.1), GP-002 (1.1.3), GP-003 (2.1.1), GP-004 (3.1.1)
#   v2 DELTA 2025-12-18  GP-002 project renamed (二期) and 建设阶段 在建 -> 投产; GP-004 removed;
#                        GP-005 (3.1.2) added
#   v3 DELTA 2026-03-20  GP-001 recoded 4.2.1 -> 4.2.2; GP-006 (no code) added
#   carbon (ecology bureau): GP-001 2025H2 1200.5 t, 400 tce; GP-001 2026H1 1500.25 t, 520 tce,
#     climate finance 3000 万元; GP-003 2026H1 800 t
#   financing (finance bureau, 万元 amount/balance): GP-001 2025H2 LOAN 900/900; 2026H1
#     GP-001 LOAN 1200/1000 + GUARANTEE 500/500; GP-002 INSURANCE 300/300 + EQUITY 800/800 +
#     OTHER 50/50; GP-003 GREEN_BOND 2000/2000
# Every figure below is computed by hand from that.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_namelist.sh"
source "$(dirname "$0")/lib_cli.sh"
stack_up
d=$GFDX_TEST_DIR
cli_play_district
u() { psql_q "SELECT uscc FROM district.entry_version WHERE entry_key = '$1' LIMIT 1"; }
U1=$(u GP-001) U2=$(u GP-002) U3=$(u GP-003) U4=$(u GP-004) U5=$(u GP-005) U6=$(u GP-006)

# check_csv DESC ARGS...: `gfdx report ledger ARGS --format csv` equals $d/expect.csv
check_csv() { cli_check_csv "$1" gfdx report ledger "${@:2}" --format csv; }

# ---- the current version (v3) -------------------------------------------------------------------
# GP-001: CO2 1200.50 + 1500.25 = 2700.75 t; financing 900 + 1200 + 500 = 2600, balance of
# 2026H1 1000 + 500 = 1500; GP-002: 300 + 800 + 50 = 1150 (balance the same); GP-003: 2000.
cat >"$d/expect.csv" <<CSV
entry_key,uscc,name,project_name,category_code,category,attributes,since_version,co2_t,climate_finance_wan,financing_wan,balance_wan,periods
GP-001,$U1,重庆沙坪坝光伏科技有限公司,屋顶分布式光伏项目,4.2.2,能源绿色低碳转型,建设阶段: 在建; 批次: 2025年第一批,3,2700.75,3000.00,2600.00,1500.00,2025H2、2026H1
GP-002,$U2,重庆西永热能有限公司,余热余压回收利用项目（二期）,1.1.3,节能降碳产业,建设阶段: 投产; 批次: 2025年第一批,2,,,1150.00,1150.00,2026H1
GP-003,$U3,重庆井口水务有限公司,污水处理提标改造项目,2.1.1,环境保护产业,建设阶段: 投产; 批次: 2025年第一批,1,800.00,0.00,2000.00,2000.00,2026H1
GP-005,$U5,重庆青木关再生资源有限公司,废旧动力电池回收项目,3.1.2,资源循环利用产业,建设阶段: 在建; 批次: 2025年第二批,2,,,,,
GP-006,$U6,重庆歌乐山绿色建筑有限公司,超低能耗建筑示范项目,,无分类,批次: 2026年第一批,3,,,,,
total,合计,,,,,,,3500.75,3000.00,5750.00,4650.00,
CSV
check_csv "current version (v3): entries with their content's version and feedback per entry" 500106-DRC-GP
cat >"$d/expect.csv" <<CSV
group,category,entries,co2_t,financing_wan
1,节能降碳产业,1,0.00,1150.00
2,环境保护产业,1,800.00,2000.00
3,资源循环利用产业,1,0.00,0.00
4,能源绿色低碳转型,1,2700.75,2600.00
none,无分类 none,1,0.00,0.00
total,合计,5,3500.75,5750.00
CSV
check_csv "v3 by category of the 2024 catalogue" 500106-DRC-GP --table categories
cat >"$d/expect.csv" <<CSV
entry_key,name,period,co2_t,energy_saving_tce,climate_finance_wan,institutions,financing_wan,balance_wan
GP-001,重庆沙坪坝光伏科技有限公司,2025H2,1200.50,400.00,0.00,1,900.00,900.00
GP-001,重庆沙坪坝光伏科技有限公司,2026H1,1500.25,520.00,3000.00,2,1700.00,1500.00
GP-002,重庆西永热能有限公司,2026H1,,,,3,1150.00,1150.00
GP-003,重庆井口水务有限公司,2026H1,800.00,,0.00,1,2000.00,2000.00
total,合计,,3500.75,,3000.00,,5750.00,
CSV
check_csv "v3 feedback per entry and half-year" 500106-DRC-GP --table feedback
cat >"$d/expect.csv" <<CSV
version_label,version,mode,effective_at,parts,added,updated,removed,entry_count,title
v1,1,FULL,2025-10-15 10:00:00,1,4,0,0,4,沙坪坝区绿色项目清单（第1版）
v2,2,DELTA,2025-12-18 10:00:00,1,1,1,1,4,沙坪坝区绿色项目清单（第2版）
v3,3,DELTA,2026-03-20 10:00:00,1,1,1,0,5,沙坪坝区绿色项目清单（第3版）
CSV
check_csv "versions: added, updated, removed per version, effective in China time" 500106-DRC-GP --table versions

# ---- an earlier version -------------------------------------------------------------------------
cat >"$d/expect.csv" <<CSV
entry_key,uscc,name,project_name,category_code,category,attributes,since_version,co2_t,climate_finance_wan,financing_wan,balance_wan,periods
GP-001,$U1,重庆沙坪坝光伏科技有限公司,屋顶分布式光伏项目,4.2.1,能源绿色低碳转型,建设阶段: 在建; 批次: 2025年第一批,1,2700.75,3000.00,2600.00,1500.00,2025H2、2026H1
GP-002,$U2,重庆西永热能有限公司,余热余压回收利用项目（二期）,1.1.3,节能降碳产业,建设阶段: 投产; 批次: 2025年第一批,2,,,1150.00,1150.00,2026H1
GP-003,$U3,重庆井口水务有限公司,污水处理提标改造项目,2.1.1,环境保护产业,建设阶段: 投产; 批次: 2025年第一批,1,800.00,0.00,2000.00,2000.00,2026H1
GP-005,$U5,重庆青木关再生资源有限公司,废旧动力电池回收项目,3.1.2,资源循环利用产业,建设阶段: 在建; 批次: 2025年第二批,2,,,,,
total,合计,,,,,,,3500.75,3000.00,5750.00,4650.00,
CSV
check_csv "--version 2: GP-001 as first listed, GP-004 gone, GP-006 not yet" 500106-DRC-GP --version 2
cat >"$d/expect.csv" <<CSV
entry_key,uscc,name,project_name,category_code,category,attributes,since_version,co2_t,climate_finance_wan,financing_wan,balance_wan,periods
GP-001,$U1,重庆沙坪坝光伏科技有限公司,屋顶分布式光伏项目,4.2.1,能源绿色低碳转型,建设阶段: 在建; 批次: 2025年第一批,1,2700.75,3000.00,2600.00,1500.00,2025H2、2026H1
GP-002,$U2,重庆西永热能有限公司,余热余压回收利用项目,1.1.3,节能降碳产业,建设阶段: 在建; 批次: 2025年第一批,1,,,1150.00,1150.00,2026H1
GP-003,$U3,重庆井口水务有限公司,污水处理提标改造项目,2.1.1,环境保护产业,建设阶段: 投产; 批次: 2025年第一批,1,800.00,0.00,2000.00,2000.00,2026H1
GP-004,$U4,重庆磁器口纸业有限公司,废纸再生利用项目,3.1.1,资源循环利用产业,建设阶段: 前期; 批次: 2025年第一批,1,,,,,
total,合计,,,,,,,3500.75,3000.00,5750.00,4650.00,
CSV
check_csv "--version 1: the first FULL list as published" 500106-DRC-GP --version 1

# ---- the diff between two versions -----------------------------------------------------------------
cat >"$d/expect.csv" <<CSV
change,change_name,entry_key,uscc,name,project_name,category_code,changes,co2_t,climate_finance_wan,financing_wan,balance_wan,periods
UPDATED,变更,GP-001,$U1,重庆沙坪坝光伏科技有限公司,屋顶分布式光伏项目,4.2.2,目录代码: 4.2.1 → 4.2.2,2700.75,3000.00,2600.00,1500.00,2025H2、2026H1
UPDATED,变更,GP-002,$U2,重庆西永热能有限公司,余热余压回收利用项目（二期）,1.1.3,项目名称: 余热余压回收利用项目 → 余热余压回收利用项目（二期）; 建设阶段: 在建 → 投产,,,1150.00,1150.00,2026H1
REMOVED,移出,GP-004,$U4,重庆磁器口纸业有限公司,废纸再生利用项目,3.1.1,,,,,,
ADDED,新增,GP-005,$U5,重庆青木关再生资源有限公司,废旧动力电池回收项目,3.1.2,,,,,,
ADDED,新增,GP-006,$U6,重庆歌乐山绿色建筑有限公司,超低能耗建筑示范项目,,,,,,,
total,合计,,,,,,,2700.75,3000.00,3750.00,2650.00,
CSV
check_csv "--diff 1 3: added, updated (what changed) and removed, with feedback" 500106-DRC-GP --diff 1 3
cat >"$d/expect.csv" <<CSV
change,change_name,entries
ADDED,新增,1
UPDATED,变更,1
REMOVED,移出,0
total,合计,2
CSV
check_csv "--diff 2 3 (options first): the changes by kind" --diff 2 3 500106-DRC-GP --table changes
cat >"$d/expect.csv" <<CSV
change,change_name,entries
ADDED,新增,1
UPDATED,变更,2
REMOVED,移出,2
total,合计,5
CSV
check_csv "--diff 3 1 (backwards): GP-005 and GP-006 removed, GP-004 added" 500106-DRC-GP --diff 3 1 --table changes

# ---- HTML charts -----------------------------------------------------------------------------------
gfdx report ledger 500106-DRC-GP --format html --out "$d/v3.html" 2>/dev/null
assert_eq "HTML: entries by category" "entries=1 entries=1 entries=1 entries=1 entries=1" \
  "$(dom_chart_values "$d/v3.html" chart-categories)"
assert_eq "HTML: added, updated, removed per version" \
  "added=4 updated=0 removed=0 added=1 updated=1 removed=1 added=1 updated=1 removed=0" \
  "$(dom_chart_values "$d/v3.html" chart-versions)"
gfdx report ledger 500106-DRC-GP --diff 1 3 --format html --out "$d/diff.html" 2>/dev/null
assert_eq "HTML: the diff's changes by kind" "entries=2 entries=2 entries=1" "$(dom_chart_values "$d/diff.html" chart-changes)"
gfdx report ledger 500106-DRC-GP --diff 1 3 --format csv >"$d/diff.csv"
assert_eq "HTML: the diff table shows the CSV's cells" "same 6" "$(dom_table_vs_csv "$d/diff.html" diff "$d/diff.csv")"
gfdx report ledger 500106-DRC-GP --format json >"$d/v3.json"
assert_eq "JSON: facts name the publisher and the applied versions" \
  "重庆市沙坪坝区发展和改革委员会 d500106-drc|1, 2, 3|GREEN_PROJECT 绿色项目清单" \
  "$($GFDX_CLI_PY -c '
import json, sys
f = json.load(open(sys.argv[1]))["facts"]
print(f["publisher"], f["versions"], f["kind"], sep="|")' "$d/v3.json")"

# ---- the semi-annual tables with only the finance bureau's side deployed ---------------------------
cat >"$d/expect.csv" <<CSV
table,table_name,items,from_feedback,from_finance,amount_wan,balance_wan
loans,项目贷款,1,0,1,1200.00,1000.00
guarantee,担保贷款,1,0,1,500.00,500.00
insurance,保险,1,0,1,300.00,
investment,投资,1,0,1,800.00,800.00
bonds,债券,1,0,1,2000.00,2000.00
total,合计,5,0,5,,
CSV
cli_check_csv "semiannual without gfdx-feedback: the finance bureau's rows" gfdx report semiannual 2026H1 --format csv
assert_ok "semiannual without gfdx-feedback: says so" \
  grep -q 'bank feedback: not deployed' <<<"$(gfdx report semiannual 2026H1)"

# ---- exit statuses ------------------------------------------------------------------------------------
status_of() { local rc=0; "$@" >/dev/null 2>&1 || rc=$?; echo "$rc"; }
assert_eq "exit 1: a list that does not exist" 1 "$(status_of gfdx report ledger 500106-NOPE)"
assert_eq "exit 1: a version never applied" 1 "$(status_of gfdx report ledger 500106-DRC-GP --version 4)"
assert_ok "a version never applied: the applied ones are named" \
  grep -q 'list 500106-DRC-GP has no applied version 4 (applied: 1, 2, 3)' <<<"$(gfdx report ledger 500106-DRC-GP --version 4 2>&1 || true)"
assert_eq "exit 1: --diff to a version never applied" 1 "$(status_of gfdx report ledger 500106-DRC-GP --diff 1 9)"
assert_eq "exit 2: --version not a number" 2 "$(status_of gfdx report ledger 500106-DRC-GP --version two)"
assert_eq "exit 2: --diff with one version" 2 "$(status_of gfdx report ledger 500106-DRC-GP --diff 1)"
assert_eq "exit 2: --version with --diff" 2 "$(status_of gfdx report ledger 500106-DRC-GP --version 1 --diff 1 2)"
assert_eq "exit 2: no list id" 2 "$(status_of gfdx report ledger)"
psql -X -q "$GFDX_PG_CONNINFO" -c "CREATE DATABASE empty" >/dev/null
assert_eq "exit 1: gfdx-namelist not deployed" 1 "$(status_of gfdx report ledger 500106-DRC-GP --db "${GFDX_PG_CONNINFO/dbname=gfdx/dbname=empty}")"
assert_ok "--help describes the report" grep -q 'ledger LIST_ID   A district name list' <<<"$(gfdx report --help)"

# ---- gfdx report lists: every list with its level, versions and feedback ----------------------
missing=$(psql_q "SELECT count(*) FROM district.missing_report WHERE list_id = '500106-DRC-GP'")
assert_eq "lists: 500106-DRC-GP, a district list at version 3 with 5 entries, 3 versions, 3 carbon and 7 financing reports" \
  "500106-DRC-GP,GREEN_PROJECT,DISTRICT,500106,3,5,3,3,7,$missing" \
  "$(gfdx report lists --format csv | tr -d '\r' | grep '^500106-DRC-GP,' | cut -d, -f1,2,4,5,8-13)"
assert_eq "lists --region 500106: its lists (and those covering it)" "500106-DRC-GP" \
  "$(gfdx report lists --region 500106 --format csv | tr -d '\r' | sed '1d;$d' | cut -d, -f1)"
assert_eq "lists --region 310115: none of 沙坪坝's" "total" \
  "$(gfdx report lists --region 310115 --format csv | tr -d '\r' | sed 1d | cut -d, -f1)"
assert_eq "lists: the total row sums the entries" "5" \
  "$(gfdx report lists --format csv | tr -d '\r' | tail -1 | cut -d, -f9)"
assert_eq "lists takes no argument" 2 "$(status_of gfdx report lists 500106)"
assert_eq "--region only for lists" 2 "$(status_of gfdx report ledger 500106-DRC-GP --region 500106)"

# ---- gfdx report district: every list of the region side by side (here 沙坪坝's one list) -----------
# lists: 5 entries at v3, 6 ever (GP-004 removed), 3 versions; carbon reports 3 (GP-001 2025H2 and
# 2026H1, GP-003 2026H1); financing reports 1 + 2 + 3 + 1 = 7, 900 + 1200 + 500 + 300 + 800 + 50 +
# 2000 = 5750 万元; CO2 1200.50 + 1500.25 + 800 = 3500.75 t. feedback per half-year: 2025H2 GP-001
# alone; 2026H1 GP-001, GP-002, GP-003 (CO2 1500.25 + 800, financing 4850, balance 1000 + 500 +
# 300 + 800 + 50 + 2000 = 4650); balances of different half-years are not added up.
cat >"$d/expect.csv" <<CSV
list_id,kind,kind_name,level,publisher,title,version,entries,entries_ever,versions,carbon_reports,financing_reports,missing_reports,co2_t,financing_wan
500106-DRC-GP,GREEN_PROJECT,绿色项目清单,DISTRICT,重庆市沙坪坝区发展和改革委员会 d500106-drc,沙坪坝区绿色项目清单（第3版）,3,5,6,3,3,7,$missing,3500.75,5750.00
total,,合计,,,,,5,6,3,3,7,$missing,3500.75,5750.00
CSV
cli_check_csv "district 500106: its lists side by side" gfdx report district 500106 --format csv
cat >"$d/expect.csv" <<CSV
list_id,version_label,version,mode,effective_at,parts,added,updated,removed,entry_count,title
500106-DRC-GP,v1,1,FULL,2025-10-15 10:00:00,1,4,0,0,4,沙坪坝区绿色项目清单（第1版）
500106-DRC-GP,v2,2,DELTA,2025-12-18 10:00:00,1,1,1,1,4,沙坪坝区绿色项目清单（第2版）
500106-DRC-GP,v3,3,DELTA,2026-03-20 10:00:00,1,1,1,0,5,沙坪坝区绿色项目清单（第3版）
CSV
cli_check_csv "district 500106: every version of every list" gfdx report district 500106 --table versions --format csv
# The watch may have flagged half-year reports missing (as of its clock) in any half-year: those
# counts come from district.missing_report, a half-year with only missing reports is a row of its own.
$GFDX_CLI_PY - "$(psql_q "SELECT coalesce(string_agg(period || ':' || n, ' '), '') FROM (SELECT period, count(*) n
  FROM district.missing_report WHERE list_id = '500106-DRC-GP' GROUP BY period) m")" >"$d/expect.csv" <<'PY'
import sys
missing = dict((p, int(n)) for p, n in (x.split(":") for x in sys.argv[1].split()))
fed = {"2025H2": "1,1,1200.50,1,900.00,900.00", "2026H1": "3,2,2300.25,6,4850.00,4650.00"}
print("list_id,period,entries_reported,carbon_reports,co2_t,financing_reports,financing_wan,balance_wan,missing_reports")
for p in sorted(set(fed) | set(missing)):
    print(f"500106-DRC-GP,{p},{fed.get(p, '0,0,,0,,')},{missing.get(p, 0)}")
print(f"total,合计,4,3,3500.75,7,5750.00,,{sum(missing.values())}")
PY
cli_check_csv "district 500106: feedback per list and half-year" gfdx report district 500106 --table feedback --format csv
assert_eq "district: a region with no list is an error (exit 1)" 1 "$(status_of gfdx report district 310115)"
assert_eq "district: REGION is required (exit 2)" 2 "$(status_of gfdx report district)"
gfdx report district 500106 --format xlsx --out "$d/district.xlsx" 2>/dev/null
assert_eq "district: the XLSX has one sheet per table, titled" "3 辖区名单 Lists of the region" \
  "$($GFDX_CLI_PY -c 'import openpyxl, sys; n = openpyxl.load_workbook(sys.argv[1]).sheetnames; print(len(n), n[0])' "$d/district.xlsx")"
finish
