#!/usr/bin/env bash
# The quarterly report in a real browser. The hand-made scenario (lib_cli.sh) goes through
# the whole chain: gfdx produce -> gfdx-intake -> gfdx-push -> banks' feedback ->
# gfdx-feedback -> gfdx.matching-status -> gfdx-intake. Then `gfdx report quarter 2026Q1`:
# the CSV equals the hand-computed figures (with obstacles and alerts now), and Debian's
# headless chromium renders the HTML form: a real screenshot, SVG charts that paint, and the
# numbers in the rendered DOM (tables, bars, funnel, KPI cards) equal the CSV's.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_pboc.sh"
source "$(dirname "$0")/lib_feedback.sh"
source "$(dirname "$0")/lib_cli.sh"

if ! command -v chromium >/dev/null; then
  fail "chromium is not installed: run deploy/install-deps.sh"
  finish
fi
stack_up
cli_play_chain
assert_eq "feedback: every bank record applied" 0 \
  "$(psql_q "SELECT count(*) FROM feedback.message_log WHERE outcome <> 'APPLIED'")"

# ---- the figures, computed by hand (lib_cli.sh) -------------------------------------------
d=$GFDX_TEST_DIR
cat >"$d/expect_provinces.csv" <<'CSV'
province,province_name,submitted,approved,rejected,recommended,late,pushed,withdrawn,matched,financed,requested_wan,approved_wan,disbursed_wan,outstanding_wan,open_obstacles,alerts
310000,上海市,5,2,1,2,0,2,1,2,1,8334.56,4000.00,1500.00,1500.00,1,2
500000,重庆市,4,4,0,3,1,3,1,1,0,13850.50,8000.00,0.00,0.00,1,0
total,合计,9,6,1,5,1,5,2,3,1,22185.06,12000.00,1500.00,1500.00,2,2
CSV
cat >"$d/expect_obstacles.csv" <<'CSV'
category,category_name,open,resolved,total,needs
COLLATERAL,抵质押物,1,0,1,1
CREDIT_RATING,信用评级,0,1,1,1
COMPLIANCE,合规手续,0,0,0,0
INFORMATION,信息不对称,1,0,1,1
POLICY,政策,0,0,0,0
OTHER,其他,0,0,0,0
total,合计,2,1,3,3
CSV
cat >"$d/expect_alerts.csv" <<'CSV'
kind,kind_name,alerts,open,confirmed,dismissed,needs
DISBURSED_ON_WITHDRAWN_NEED,需求撤回后放款,0,0,0,0,0
APPROVED_ABOVE_REQUESTED,授信超出申请金额,0,0,0,0,0
NOT_GREEN_ELIGIBLE,项目不在绿色目录,2,2,0,0,1
NOT_IN_CATALOGUE,不在2025年绿色金融支持项目目录,0,0,0,0,0
NOT_ON_GREEN_FACTORY_LIST,申报企业不在国家级绿色工厂名单,0,0,0,0,0
LOAN_OVERDUE,贷款逾期,0,0,0,0,0
LOAN_NON_PERFORMING,贷款不良,0,0,0,0,0
NO_FEEDBACK,推送后超期未反馈,0,0,0,0,0
OBSTACLE_OVERDUE,融资梗阻超期未解决,0,0,0,0,0
total,合计,2,2,0,0,1
CSV
for t in provinces obstacles alerts; do
  gfdx report quarter 2026Q1 --format csv --table "$t" | tr -d '\r' >"$d/$t.csv"
  if diff "$d/expect_$t.csv" "$d/$t.csv" >"$d/$t.diff"; then
    pass "CSV $t equals the hand-computed figures"
  else
    fail "CSV $t differs: $(tr '\n' ' ' <"$d/$t.diff")"
  fi
done

# ---- the HTML form in headless chromium ------------------------------------------------------
html=$d/report-2026Q1.html
gfdx report quarter 2026Q1 --format html --out "$html" 2>/dev/null
cli_chromium --dump-dom "file://$html" >"$d/dom.html" &
dump=$!
cli_chromium --screenshot="$d/report.png" --window-size=1280,2000 "file://$html" >/dev/null
wait "$dump" # never a bare `wait`: the daemons are this shell's children too
assert_eq "screenshot: a 1280x2000 PNG" "1280 2000" "$(png_size "$d/report.png" 2>&1)"
assert_ge "screenshot: not empty (> 50 KB of image data)" 50000 "$(stat -c %s "$d/report.png")"
assert_ok "DOM: the page was parsed (title and banner)" grep -q '<h1>绿色工厂融资需求季度监测' "$d/dom.html"
for chart in chart-needs chart-amounts chart-funnel chart-obstacles; do
  assert_ok "DOM: SVG chart $chart" grep -q "<svg [^>]*data-chart=\"$chart\"" "$d/dom.html"
done

# The SVG charts paint: the same page with its <svg> elements removed has far fewer pixels
# in the charts' colours (small screenshots: the pixel count is pure Python).
$GFDX_CLI_PY -c '
import re, sys
sys.stdout.write(re.sub(r"<svg\b.*?</svg>", "", open(sys.argv[1], encoding="utf-8").read(), flags=re.S))' \
  "$html" >"$d/nosvg.html"
assert_fails "control page has no SVG left" grep -q '<svg' "$d/nosvg.html"
cli_chromium --screenshot="$d/small.png" --window-size=640,1000 --force-device-scale-factor=0.5 "file://$html" \
  >/dev/null &
shot=$!
cli_chromium --screenshot="$d/small-nosvg.png" --window-size=640,1000 --force-device-scale-factor=0.5 \
  "file://$d/nosvg.html" >/dev/null
wait "$shot"
with=$(png_coloured "$d/small.png")
without=$(png_coloured "$d/small-nosvg.png")
assert_ge "SVG charts paint (chart-coloured pixels: $with with, $without without)" $((without + 1500)) "$with"

# The numbers a person sees equal the CSV's.
for t in provinces obstacles alerts; do
  assert_eq "rendered table $t equals the CSV" "same $(($(wc -l <"$d/$t.csv") - 1))" \
    "$(dom_table_vs_csv "$d/dom.html" "$t" "$d/$t.csv")"
done
assert_eq "needs chart: the bars show the CSV's counts" \
  "submitted=5 recommended=2 matched=2 financed=1 submitted=4 recommended=3 matched=1 financed=0" \
  "$(dom_chart_values "$d/dom.html" chart-needs)"
assert_eq "amounts chart: the bars show the CSV's 万元" \
  "$(for r in 310000 500000; do for c in requested_wan approved_wan disbursed_wan; do
       printf '%s=%s ' "$c" "$(csv_cell "$d/provinces.csv" $r $c)"; done; done | sed 's/ $//')" \
  "$(dom_chart_values "$d/dom.html" chart-amounts)"
assert_eq "funnel: the CSV's totals, stage by stage" \
  "$(for c in submitted approved recommended pushed matched financed; do
       printf '%s=%s ' "$c" "$(csv_cell "$d/provinces.csv" total $c)"; done | sed 's/ $//')" \
  "$(dom_chart_values "$d/dom.html" chart-funnel)"
assert_eq "obstacles chart: open and resolved per category" \
  "open=1 resolved=0 open=0 resolved=1 open=0 resolved=0 open=1 resolved=0 open=0 resolved=0 open=0 resolved=0" \
  "$(dom_chart_values "$d/dom.html" chart-obstacles)"
assert_eq "KPI cards: the total row" "9 5 1 22,185.06 1,500.00 2 2" "$($GFDX_CLI_PY -c '
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
print(" ".join(re.findall(r"<div class=\"kpi\"[^>]*><div class=\"v\">([^<]*)</div>", dom)))' "$d/dom.html")"
assert_fails "the page loads nothing from outside" grep -Eq 'src=|href=|url\(|@import|<script' "$html"
if [ -n "${GFDX_CLI_SCREENSHOT:-}" ]; then cp "$d/report.png" "$GFDX_CLI_SCREENSHOT"; cp "$html" "${GFDX_CLI_SCREENSHOT%.png}.html"; fi
finish
