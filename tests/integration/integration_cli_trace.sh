#!/usr/bin/env bash
# `gfdx trace` end to end: one need, TR-1 (lib_cli.sh, phases trace-intake and trace-banks),
# goes through gfdx-intake, gfdx-push and gfdx-feedback on the dev broker and a real
# PostgreSQL, with a refused review (wrong province), a bank that was not dispatched the need
# (refused), a bank record sent twice (duplicate), an obstacle raised and resolved, and two
# green-washing alerts (catalogue 9.9.9 is not green-eligible). The trace must tell that life
# in time order, each record with the receipt that answered it, the banks' figures, the
# obstacle and the alerts; a database holding only the intake schema says the other services
# are not deployed.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_pboc.sh"
source "$(dirname "$0")/lib_feedback.sh"
source "$(dirname "$0")/lib_cli.sh"
stack_up
d=$GFDX_TEST_DIR

start_intake
start_push
start_feedback
cli_scenario trace-intake "$(date +%s%3N)" >"$d/intake.jsonl"
produce <"$d/intake.jsonl"
wait_sql_eq "SELECT count(*) FROM pboc.dispatch WHERE need_id = 'TR-1'" 3 60
wait_sql_eq "SELECT status FROM intake.need WHERE need_id = 'TR-1'" PUSHED 30

# The banks' records just after the push (and after intake marked it PUSHED), 100 ms apart,
# all in the past when they are sent: each line of the trace then has its own time.
base=$(psql_q "SELECT (extract(epoch FROM greatest((SELECT pushed_at FROM pboc.need WHERE need_id = 'TR-1'),
                 (SELECT max(occurred_at) FROM intake.need_event WHERE need_id = 'TR-1'))) * 1000)::bigint + 100")
while [ "$(date +%s%3N)" -le $((base + 800)) ]; do sleep 0.1; done
cli_scenario trace-banks "$base" >"$d/banks.jsonl"
produce <"$d/banks.jsonl"
wait_for "gfdx-feedback answered the 7 bank records and intake holds every status it sent" 30 _cli_round_done 7
# ... and every receipt is out: the first one to a participant's own gfdx.receipts.<id> waits
# for that topic's metadata, so the trace would otherwise catch it unpublished.
wait_sql_eq "SELECT (SELECT count(*) FROM intake.outbox WHERE published_at IS NULL)
                  + (SELECT count(*) FROM pboc.outbox WHERE published_at IS NULL)
                  + (SELECT count(*) FROM feedback.outbox WHERE published_at IS NULL)" 0 30

# ---- the timeline, computed by hand --------------------------------------------------------
# service record sender from to amount(万元) receipt; NeedMatchingStatus lines (as many as
# gfdx-feedback sent, after the banks' records that caused them) are checked apart.
cat >"$d/expect_timeline.txt" <<'TXT'
intake NeedSubmitted miit - SUBMITTED 3000.00 ACCEPTED
intake NeedReviewed prov-500000 - - - REFUSED UNAUTHORIZED_SENDER
intake NeedReviewed prov-310000 SUBMITTED APPROVED - ACCEPTED
intake NeedRecommended prov-310000 APPROVED RECOMMENDED - ACCEPTED
pboc NeedPushed miit - DISPATCHED 3000.00 ACCEPTED
intake NeedPushed gfdx-intake RECOMMENDED PUSHED - -
feedback MatchingFeedback bank-icbc-310000 NONE CONTACTED - ACCEPTED; DUPLICATE
feedback Alert gfdx-feedback - - - -
feedback MatchingFeedback bank-icbc-310000 CONTACTED CREDIT_APPROVED 2000.00 ACCEPTED
feedback MatchingFeedback bank-icbc-310000 CREDIT_APPROVED DISBURSED 500.00 ACCEPTED
feedback ObstacleRaised bank-ccb-310000 NONE NONE - ACCEPTED
feedback Alert gfdx-feedback - - - -
feedback ObstacleResolved prov-310000 NONE NONE - ACCEPTED
feedback MatchingFeedback bank-ccb-500000 - - - REFUSED UNAUTHORIZED_SENDER
TXT
gfdx trace TR-1 --format json >"$d/trace.json"
$GFDX_CLI_PY - "$d/trace.json" >"$d/timeline.txt" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["tables"]["timeline"]["rows"]
for r in rows:
    if r["record_type"] == "NeedMatchingStatus":
        continue
    cells = [r[k] or "-" for k in ("service", "record_type", "sender", "from_state", "to_state")]
    print(" ".join(cells), "-" if r["amount_wan"] is None else "%.2f" % r["amount_wan"], r["receipt"] or "-")
PY
if diff "$d/expect_timeline.txt" "$d/timeline.txt" >"$d/timeline.diff"; then
  pass "timeline: every record in time order with its state change, amount and receipt"
else
  fail "timeline differs from the hand-computed one: $(tr '\n' '|' <"$d/timeline.diff")"
fi
assert_eq "timeline: times never go back; NeedMatchingStatus lines come after the banks' records, each answered" \
  "sorted $(psql_q "SELECT status_changes FROM feedback.need_status WHERE need_id = 'TR-1'") after ACCEPTED" \
  "$($GFDX_CLI_PY -c '
import json, sys
rows = json.load(open(sys.argv[1]))["tables"]["timeline"]["rows"]
ok = all(a["at"] <= b["at"] for a, b in zip(rows, rows[1:]))
last_bank = max(i for i, r in enumerate(rows) if r["service"] == "feedback")
st = [i for i, r in enumerate(rows) if r["record_type"] == "NeedMatchingStatus"]
print("sorted" if ok else "unsorted", len(st), "after" if st and min(st) > last_bank else "before",
      ",".join(sorted({rows[i]["receipt"] for i in st})))' "$d/trace.json")"
assert_eq "timeline: the last matching status is FINANCED with 2,000 万元 approved and 500 万元 disbursed" 1 \
  "$($GFDX_CLI_PY -c '
import json, sys
rows = [r for r in json.load(open(sys.argv[1]))["tables"]["timeline"]["rows"] if r["record_type"] == "NeedMatchingStatus"]
w = rows[-1]["what"]
print(int("FINANCED" in w and "授信 1 家 2,000.00 万元" in w and "放款 500.00 万元" in w and "对接银行 1 家" in w))' "$d/trace.json")"

assert_eq "timeline: times in China time (UTC+8)" \
  "$(psql_q "SELECT to_char(occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS') FROM intake.need_event
             WHERE need_id = 'TR-1' AND record_type = 'NeedSubmitted'")" \
  "$($GFDX_CLI_PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["tables"]["timeline"]["rows"][0]["at"])' "$d/trace.json")"

# ---- the need's facts and the other sections -------------------------------------------------
facts() { $GFDX_CLI_PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["facts"][sys.argv[2]])' "$d/trace.json" "$1"; }
assert_eq "facts: enterprise with its USCC" "上海追溯示范材料有限公司（$(psql_q "SELECT uscc FROM intake.need WHERE need_id = 'TR-1'")）" \
  "$(facts enterprise)"
assert_eq "facts: requested amount in 万元" 3000.00 "$(facts requested_wan)"
assert_ok "facts: status PUSHED" grep -q '^PUSHED 已推送 · 20[0-9][0-9]Q[1-4]' <<<"$(facts status)"
assert_eq "facts: matching aggregate" \
  "FINANCED 已融资: 分发 3 家, 对接 1 家, 授信 1 家 2000.00 万元, 放款 500.00 万元, 不予融资 0 家, 未解决梗阻 0" \
  "$(facts matching)"
gfdx trace TR-1 --format csv --table banks | tr -d '\r' >"$d/banks.csv"
cat >"$d/expect_banks.csv" <<'CSV'
bank_id,bank_name,branch_id,dispatch,dispatched_at,stage,stage_name,product,approved_wan,disbursed_wan,disbursements,rate_pct,term_months,decline_reason,open_obstacles
bank-bocom-310000,交通银行上海市分行,pbc-hq-sh,有效,,,,,,,,,,,
bank-ccb-310000,中国建设银行上海市分行,pbc-hq-sh,有效,,NONE,未对接,,0.00,0.00,0,,,,0
bank-icbc-310000,中国工商银行上海市分行,pbc-hq-sh,有效,,DISBURSED,已放款,项目贷款,2000.00,500.00,1,3.50,60,,0
total,合计,,,,,,,2000.00,500.00,1,,,,
CSV
if cut -d, -f1-4,6- "$d/banks.csv" | diff <(cut -d, -f1-4,6- "$d/expect_banks.csv") - >"$d/banks.diff"; then
  pass "banks: dispatch and matching per bank, amounts in 万元, totals"
else
  fail "banks differ: $(tr '\n' '|' <"$d/banks.diff")"
fi
assert_eq "obstacles: the collateral obstacle, resolved by the province" \
  "COLLATERAL,抵质押物,RESOLVED,prov-310000 上海市经济和信息化委员会 李华" \
  "$(gfdx trace TR-1 --format csv --table obstacles --out "$d/obstacles.csv" 2>/dev/null &&
     csv_select "$d/obstacles.csv" bank_id bank-ccb-310000 category category_name status resolved_by)"
assert_eq "alerts: NOT_GREEN_ELIGIBLE for each bank's first record" "2 NOT_GREEN_ELIGIBLE" \
  "$(gfdx trace TR-1 --format csv --table alerts | tr -d '\r' | tail -n +2 | cut -d, -f2 | sort | uniq -c | awk '{print $1, $2}')"
assert_eq "receipts: per service (intake: 4 records and every matching status; pboc 1; feedback 7)" \
  "feedback=7 intake=$((4 + $(psql_q "SELECT count(*) FROM intake.need_event WHERE need_id = 'TR-1' AND record_type = 'NeedMatchingStatus'"))) pboc=1" \
  "$(gfdx trace TR-1 --format csv --table receipts | tr -d '\r' | tail -n +2 | cut -d, -f2 | sort | uniq -c | awk '{printf "%s%s=%s", (NR > 1 ? " " : ""), $2, $1}')"

# ---- the form a person reads ------------------------------------------------------------------
gfdx trace TR-1 >"$d/trace.txt"
assert_ok "text: the approval in words, with rate and term" \
  grep -q '\[中国工商银行上海市分行\] 授信审批通过 2,000.00 万元, 项目贷款, 年利率 3.50%, 期限 60 个月' "$d/trace.txt"
assert_ok "text: the state change in words" grep -q '授信通过 CREDIT_APPROVED → 已放款 DISBURSED' "$d/trace.txt"
assert_ok "text: the duplicate is shown with the record it repeats" grep -q '回执 receipt: ACCEPTED; DUPLICATE' "$d/trace.txt"
assert_ok "text: the refusal with its reason" grep -q '拒收 UNAUTHORIZED_SENDER' "$d/trace.txt"
assert_ok "text: who, by name and id" grep -q '重庆市经济和信息化委员会 prov-500000  NeedReviewed' "$d/trace.txt"
assert_ok "text: the routing to the Shanghai head office" grep -q '人民银行收到推送, 转至 中国人民银行上海总部（pbc-hq-sh）' "$d/trace.txt"
assert_eq "text: the timeline last, one paragraph per record" \
  "$($GFDX_CLI_PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["tables"]["timeline"]["rows"]))' "$d/trace.json")" \
  "$(sed -n '/^时间线 Timeline/,$p' "$d/trace.txt" | grep -cE '^20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9:]{8}  (intake|pboc|feedback) ')"

gfdx trace TR-1 --out "$d/trace-out.txt" 2>/dev/null
assert_eq "text: --out writes the same as standard output" "" \
  "$(diff <(grep -v '^生成时间' "$d/trace.txt") <(grep -v '^生成时间' "$d/trace-out.txt"))"

# ---- HTML: the banks' amounts as a chart --------------------------------------------------------
gfdx trace TR-1 --format html --out "$d/trace.html" 2>/dev/null
assert_eq "HTML: the banks chart draws the banks table's amounts" \
  "approved_wan= disbursed_wan= approved_wan=0.00 disbursed_wan=0.00 approved_wan=2000.00 disbursed_wan=500.00" \
  "$(dom_chart_values "$d/trace.html" chart-banks)"
assert_fails "HTML: nothing fetched from outside" grep -Eq 'src=|href=|url\(|@import|<script' "$d/trace.html"

# ---- a database with the intake schema only ---------------------------------------------------
psql -X -q "$GFDX_PG_CONNINFO" -c "CREATE DATABASE intake_only" >/dev/null
only=${GFDX_PG_CONNINFO/dbname=gfdx/dbname=intake_only}
pg_dump -n intake "$GFDX_PG_CONNINFO" | psql -X -q -v ON_ERROR_STOP=1 "$only" >/dev/null
gfdx trace TR-1 --db "$only" --format json >"$d/only.json"
assert_eq "intake only: pboc and feedback named as not deployed, their sections not available" \
  "pboc (gfdx-push), feedback (gfdx-feedback) False False False intake" \
  "$($GFDX_CLI_PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
t = r["tables"]
print(r["facts"]["not_deployed"], t["banks"]["deployed"], t["obstacles"]["deployed"], t["alerts"]["deployed"],
      ",".join(sorted({x["service"] for x in t["timeline"]["rows"]})))' "$d/only.json")"
assert_ok "intake only: the table form says so" \
  grep -q 'not deployed: neither the pboc nor the feedback schema is in this database' <<<"$(gfdx trace TR-1 --db "$only")"

# ---- exit statuses and help --------------------------------------------------------------------
status_of() { local rc=0; "$@" >/dev/null 2>&1 || rc=$?; echo "$rc"; }
assert_eq "exit 1: a need no service knows" 1 "$(status_of gfdx trace NO-SUCH-NEED)"
assert_ok "unknown need: says so" grep -q 'no need NO-SUCH-NEED in any deployed service' <<<"$(gfdx trace NO-SUCH-NEED 2>&1 || true)"
assert_eq "exit 2: no need id" 2 "$(status_of gfdx trace)"
assert_eq "exit 2: two need ids" 2 "$(status_of gfdx trace TR-1 TR-2)"
assert_eq "exit 2: unknown format" 2 "$(status_of gfdx trace TR-1 --format pdf)"
assert_eq "exit 1: no database" 1 "$(GFDX_PG_CONNINFO= status_of gfdx trace TR-1)"
assert_ok "--help: usage and exit statuses" grep -q 'exit status: 0 ok' <<<"$(gfdx trace --help)"
finish
