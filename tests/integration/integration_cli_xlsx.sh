#!/usr/bin/env bash
# The reports' XLSX form (tools/cli/xlsx.c), opened by an independent reader (Python's
# openpyxl, Debian python3-openpyxl): after the CLI scenario (lib_cli.sh) through gfdx-intake
# and the district scenario through gfdx-namelist, `gfdx report quarter` and `gfdx report
# ledger` as workbooks: one sheet per table in the report's order, the Chinese headings, the
# CSV's numbers as numeric cells, the total row bold, frozen heading rows
# (tests/integration/data/xlsx_vs_csv.py); CSV with Chinese headings (--headers zh); the
# workbook is refused on a terminal and written to standard output when redirected.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_namelist.sh"
source "$(dirname "$0")/lib_cli.sh"
stack_up
here=$(cd "$(dirname "$0")" && pwd)
d=$GFDX_TEST_DIR

cli_play_scenario
cli_play_district

# check_workbook NAME ARGS...: `gfdx report ARGS` as xlsx, json and one CSV per table, compared
check_workbook() {
  local name=$1; shift
  mkdir -p "$d/$name"
  gfdx report "$@" --format xlsx --out "$d/$name.xlsx" 2>/dev/null
  gfdx report "$@" --format json >"$d/$name.json"
  for t in $(/usr/bin/python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["tables"]))' "$d/$name.json"); do
    gfdx report "$@" --format csv --table "$t" | tr -d '\r' >"$d/$name/$t.csv"
  done
  local out rc=0
  out=$(/usr/bin/python3 "$here/data/xlsx_vs_csv.py" "$d/$name.xlsx" "$d/$name.json" "$d/$name" 2>&1) || rc=$?
  sed 's/^/# /' <<<"$out"
  assert_eq "$name: the workbook read by openpyxl equals the CSV of every table" 0 "$rc"
  assert_ok "$name: the reader checked the rows" grep -q 'rows equal the CSV' <<<"$out"
}
check_workbook quarter quarter 2026Q1
check_workbook ledger ledger 500106-DRC-GP

assert_eq "the workbook is a ZIP (OOXML) file" "PK" "$(head -c 2 "$d/quarter.xlsx")"
assert_eq "a province's requested amount is a number in the sheet (Shanghai 8334.56 万元)" "8334.56" \
  "$(/usr/bin/python3 -c '
import openpyxl, sys
ws = openpyxl.load_workbook(sys.argv[1]).worksheets[0]
heads = [c.value for c in ws[4]]
col = heads.index("申请金额(万元)") + 1
for r in range(5, ws.max_row + 1):
    if ws.cell(row=r, column=1).value == "310000":
        print("%.2f" % ws.cell(row=r, column=col).value)' "$d/quarter.xlsx")"

# CSV with Chinese headings, same rows
assert_eq "--headers zh: the CSV's header is the labels" "代码,省份,提交需求" \
  "$(gfdx report quarter 2026Q1 --format csv --headers zh | tr -d '\r' | head -n 1 | cut -d, -f1-3)"
assert_eq "--headers zh: the rows are unchanged" \
  "$(gfdx report quarter 2026Q1 --format csv | tr -d '\r' | sed 1d)" \
  "$(gfdx report quarter 2026Q1 --format csv --headers zh | tr -d '\r' | sed 1d)"
rc=0; gfdx report quarter 2026Q1 --format csv --headers fr >/dev/null 2>"$d/h.err" || rc=$?
assert_eq "--headers fr: usage error" 2 "$rc"

# standard output: a redirected workbook is the same workbook; a terminal gets an error
gfdx report quarter 2026Q1 --format xlsx >"$d/stdout.xlsx"
assert_eq "a workbook on redirected standard output opens" "ok" \
  "$(/usr/bin/python3 -c 'import openpyxl,sys; openpyxl.load_workbook(sys.argv[1]); print("ok")' "$d/stdout.xlsx")"
if command -v script >/dev/null; then
  script -qec "$GFDX_CLI report quarter 2026Q1 --db '$GFDX_PG_CONNINFO' --format xlsx" /dev/null >"$d/tty.out" 2>&1 || true
  assert_ok "on a terminal the workbook is refused with a hint" grep -q -- '--out FILE.xlsx' "$d/tty.out"
fi
assert_eq "no temporary workbook left behind" 0 "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'gfdx-report-*' -user "$(id -u)" | wc -l)"
finish
