#!/usr/bin/env bash
# The operator CLI end to end on the dev broker and a real PostgreSQL: bad JSON lines are
# refused with the line and the field named and nothing reaches Kafka; a small hand-made
# scenario (lib_cli.sh) goes JSON -> gfdx produce -> gfdx-intake -> gfdx report quarter, and
# the report's numbers equal the ones computed by hand below; every output format; where the
# conninfo comes from; exit codes; --help on every command. Then the roles (--branch,
# --bank): refused while only gfdx-intake is deployed; gfdx-push (with the national head
# offices) and gfdx-feedback join, the banks' records are played, and each role's view
# equals its hand-computed figures.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_pboc.sh"
source "$(dirname "$0")/lib_feedback.sh"
source "$(dirname "$0")/lib_cli.sh"
stack_up

# ---- bad JSON lines: clear errors, nothing sent -------------------------------------------
bad=$GFDX_TEST_DIR/bad.jsonl
cli_scenario 1 >"$GFDX_TEST_DIR/all.jsonl"
sed -n 1,2p "$GFDX_TEST_DIR/all.jsonl" >"$bad"                       # two good lines
echo '{"$type": "NeedReviewed", "need_id": "CLI-SH-1", "decision": "MAYBE", "comment": null, "reviewer": "x"}' >>"$bad"
sed -n '1s/"financing_amount": 5000000000/"financing_amount": "5000万"/p' "$GFDX_TEST_DIR/all.jsonl" >>"$bad"
echo '{"$type": "NeedWithdrawn", "need_id": "CLI-SH-1", "reason": "x"' >>"$bad"
rc=0
produce --sender miit <"$bad" 2>"$GFDX_TEST_DIR/bad.err" || rc=$?
assert_eq "bad lines: exit status 1" 1 "$rc"
assert_ok "bad lines: the enum value is named with its line" grep -q '^gfdx produce: line 3: decision' "$GFDX_TEST_DIR/bad.err"
assert_ok "bad lines: the wrongly typed field is named with its line" \
  grep -q '^gfdx produce: line 4: project.financing_amount: expected long, got string' "$GFDX_TEST_DIR/bad.err"
assert_ok "bad lines: broken JSON is named with its line" grep -q '^gfdx produce: line 5: invalid JSON' "$GFDX_TEST_DIR/bad.err"
assert_ok "bad lines: says nothing was sent" grep -q 'nothing sent' "$GFDX_TEST_DIR/bad.err"
assert_eq "bad lines: the good lines were not sent either (gfdx.needs empty)" 0 "$(kafka_count gfdx.needs)"

# ---- the scenario through the real topics -------------------------------------------------
cli_play_scenario
assert_eq "scenario: every record applied" 0 \
  "$(psql_q "SELECT count(*) FROM intake.message_log WHERE outcome <> 'APPLIED'")"

# Hand-computed (lib_cli.sh): Shanghai 5 needs (SH-5 counts: 2026-01-01 00:10 China time),
# Chongqing 4 (CQ-3 late from 2025Q4 counts; CQ-4 is 2026Q2 in China time). Amounts:
# 5,000,000,000 + 1,234,567,800 + 800,000,000 + 300,000,000 + 999,995,000 fen = 8334.5628 万元;
# 10,000,000,000 + 250,500,000 + 3,000,000,000 + 600,000,000 = 13850.5 万元; total 22185.0628.
expected=$GFDX_TEST_DIR/expected.csv
cat >"$expected" <<'CSV'
province,province_name,submitted,approved,rejected,recommended,late,pushed,withdrawn,matched,financed,requested_wan,approved_wan,disbursed_wan,outstanding_wan,open_obstacles,alerts
310000,上海市,5,2,1,2,0,2,1,2,1,8334.56,4000.00,1500.00,,,
500000,重庆市,4,4,0,3,1,3,1,1,0,13850.50,8000.00,0.00,,,
total,合计,9,6,1,5,1,5,2,3,1,22185.06,12000.00,1500.00,,,
CSV
gfdx report quarter 2026Q1 --format csv >"$GFDX_TEST_DIR/q1.csv"
if tr -d '\r' <"$GFDX_TEST_DIR/q1.csv" | diff "$expected" - >"$GFDX_TEST_DIR/q1.diff"; then
  pass "2026Q1 per province equals the hand-computed figures"
else
  fail "2026Q1 differs from the hand-computed figures: $(tr '\n' ' ' <"$GFDX_TEST_DIR/q1.diff")"
fi
assert_eq "CSV lines end in CRLF (RFC 4180)" 4 "$(grep -c $'\r$' "$GFDX_TEST_DIR/q1.csv")"
# A province authority's view: its needs only, the total is theirs
assert_eq "--province 500000: Chongqing's row and a total equal to it" \
  "500000,重庆市,4,4,0,3,1,3,1,1,0,13850.50,8000.00,0.00,,,|total,合计,4,4,0,3,1,3,1,1,0,13850.50,8000.00,0.00,,," \
  "$(gfdx report quarter 2026Q1 --province 500000 --format csv | tr -d '\r' | sed 1d | paste -sd '|')"
assert_eq "all provinces: the breakdown counts 9 needs" "1" \
  "$(gfdx report quarter 2026Q1 --format csv --table breakdown | tr -d '\r' | grep -c ',TECH_UPGRADE,技术改造,9,')"
assert_eq "--province 500000: breakdown of its 4 needs (counted)" "1" \
  "$(gfdx report quarter 2026Q1 --province 500000 --format csv --table breakdown | tr -d '\r' | grep -c ',TECH_UPGRADE,技术改造,4,0,13850.50,')"

# Breakdowns (hand-computed: every scenario need is a TECH_UPGRADE of a national green factory
# with no priority tag, expecting 1,000 tce and 2,600 t CO2 a year; CLI-SH-1 alone is financed).
cat >"$GFDX_TEST_DIR/expect_breakdown.csv" <<'CSV'
dimension,code,name,needs,financed,requested_wan,disbursed_wan,energy_saving_tce,co2_reduction_t
项目类型 project kind,RD_INDUSTRIALIZATION,研发及产业化,0,0,0.00,0.00,0.0,0.0
项目类型 project kind,TECH_UPGRADE,技术改造,9,1,22185.06,1500.00,1000.0,2600.0
项目类型 project kind,ZERO_CARBON_FACTORY,零碳工厂,0,0,0.00,0.00,0.0,0.0
工厂级别 factory level,NATIONAL,国家级绿色工厂,9,1,22185.06,1500.00,1000.0,2600.0
工厂级别 factory level,PROVINCIAL,省级绿色工厂,0,0,0.00,0.00,0.0,0.0
工厂级别 factory level,MUNICIPAL,市级绿色工厂,0,0,0.00,0.00,0.0,0.0
优先支持标签 priority tag,NONE,无标签,9,1,22185.06,1500.00,1000.0,2600.0
CSV
if gfdx report quarter 2026Q1 --format csv --table breakdown | tr -d '\r' | diff "$GFDX_TEST_DIR/expect_breakdown.csv" - >"$GFDX_TEST_DIR/b.diff"; then
  pass "breakdowns by project kind, factory level and priority tag, with the financed needs' savings"
else
  fail "breakdowns differ: $(tr '\n' ' ' <"$GFDX_TEST_DIR/b.diff")"
fi
assert_eq "2026Q2: only CLI-CQ-4 (submitted 2026-04-01 00:30 China time)" "500000,重庆市,1,700.00" \
  "$(gfdx report quarter 2026Q2 --format csv | tr -d '\r' | sed -n 2p | cut -d, -f1-3,12)"
assert_eq "2025Q4: the late recommendation moved out, nothing left" "total,合计,0,0,0,0,0,0,0,0,0,0.00,0.00,0.00,,," \
  "$(gfdx report quarter 2025Q4 --format csv | tr -d '\r' | sed -n '2,$p')"
assert_eq "feedback sections say not deployed (CSV of the obstacles table: header only)" \
  "category,category_name,open,resolved,total,needs" \
  "$(gfdx report quarter 2026Q1 --format csv --table obstacles | tr -d '\r')"

# JSON: numbers as numbers, null where gfdx-feedback is missing.
gfdx report quarter 2026Q1 --format json >"$GFDX_TEST_DIR/q1.json"
assert_eq "JSON: totals, nulls and the not-deployed sections" "22185.06 9 None False 2" "$($GFDX_CLI_PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
t = r["tables"]["provinces"]
print(t["total"]["requested_wan"], t["total"]["submitted"], t["rows"][0]["open_obstacles"],
      r["tables"]["obstacles"]["deployed"], len(t["rows"]))' "$GFDX_TEST_DIR/q1.json")"

# Table: every line of the province table has the same width with 汉字 counted as 2 columns.
gfdx report quarter 2026Q1 >"$GFDX_TEST_DIR/q1.txt"
assert_eq "table: columns aligned with East Asian wide characters counted as 2" 1 "$($GFDX_CLI_PY -c '
import sys, unicodedata
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
start = next(i for i, l in enumerate(lines) if l.startswith("各省")) + 1
block = []
for l in lines[start:]:
    if l.startswith("Counted:"):
        break
    block.append(l)
w = lambda s: sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
print(len({w(l) for l in block}) if len(block) == 7 else "block of %d lines" % len(block))' "$GFDX_TEST_DIR/q1.txt")"
assert_ok "table: Chinese province names and thousands separators" grep -q '^310000 *上海市 .* 8,334.56 ' "$GFDX_TEST_DIR/q1.txt"

# --out writes the file whole (no .tmp left); HTML is self-contained.
gfdx report quarter 2026Q1 --format html --out "$GFDX_TEST_DIR/q1.html" 2>/dev/null
assert_ok "--out wrote the HTML report" test -s "$GFDX_TEST_DIR/q1.html"
assert_fails "--out left no temporary file" test -e "$GFDX_TEST_DIR/q1.html.tmp"
assert_fails "HTML: nothing fetched from outside (no src=, href=, url(, @import)" \
  grep -Eq 'src=|href=|url\(|@import|<script' "$GFDX_TEST_DIR/q1.html"

# ---- where the conninfo comes from; exit codes --------------------------------------------
cfg=$GFDX_TEST_DIR/intake.cfg
assert_eq "--config: postgres.conninfo of a daemon config" 9 \
  "$(GFDX_PG_CONNINFO= gfdx report quarter 2026Q1 --config "$cfg" --format csv | tr -d '\r' | tail -1 | cut -d, -f3)"
assert_eq "--db wins over GFDX_PG_CONNINFO" 9 \
  "$(GFDX_PG_CONNINFO='host=/nonexistent dbname=nope' gfdx report quarter 2026Q1 --db "$GFDX_PG_CONNINFO" --format csv |
     tr -d '\r' | tail -1 | cut -d, -f3)"
status_of() { local rc=0; "$@" >/dev/null 2>&1 || rc=$?; echo "$rc"; }
assert_eq "exit 2: malformed quarter" 2 "$(status_of gfdx report quarter 2026Q5)"
assert_eq "exit 2: unknown format" 2 "$(status_of gfdx report quarter 2026Q1 --format pdf)"
assert_eq "exit 2: unknown service" 2 "$(status_of gfdx dead-letters list --service nope)"
assert_eq "exit 2: unknown report" 2 "$(status_of gfdx report yearly 2026)"
assert_eq "exit 1: no database given" 1 "$(GFDX_PG_CONNINFO= status_of gfdx report quarter 2026Q1)"
err=$(GFDX_PG_CONNINFO= gfdx report quarter 2026Q1 --db 'host=/nonexistent dbname=x password=hunter2' 2>&1 || true)
assert_ok "unreachable database: a clear message" grep -q 'cannot connect to PostgreSQL' <<<"$err"
assert_fails "unreachable database: the password is not echoed" grep -q hunter2 <<<"$err"
assert_eq "exit 1: CSV table that does not exist" 1 "$(status_of gfdx report quarter 2026Q1 --format csv --table nope)"

# ---- --help on every command -----------------------------------------------------------------
for cmd in "" schema produce dead-letters rejections report; do
  # shellcheck disable=SC2086
  out=$(gfdx $cmd --help 2>&1) && rc=0 || rc=$?
  assert_eq "gfdx $cmd --help: exit 0 with usage and exit statuses" "0 yes" \
    "$rc $(grep -q 'usage' <<<"$out" && grep -qiE 'exit (status|0)' <<<"$out" && echo yes || echo no)"
done
assert_ok "gfdx report quarter --help" gfdx report quarter --help
assert_ok "gfdx dead-letters replay --help" gfdx dead-letters replay --help

# ---- the roles of a PBoC branch and a bank --------------------------------------------------
# Only gfdx-intake is deployed yet: --branch and --bank say what they would read.
rc=0; gfdx report quarter 2026Q1 --branch pbc-hq-sh >/dev/null 2>"$GFDX_TEST_DIR/role1.err" || rc=$?
assert_eq "--branch without gfdx-push: exit 1" 1 "$rc"
assert_ok "... naming the view it reads" grep -q -- '--branch reads pboc.need_summary, not in database' "$GFDX_TEST_DIR/role1.err"
rc=0; gfdx report quarter 2026Q1 --bank bank-icbc-310000 >/dev/null 2>"$GFDX_TEST_DIR/role2.err" || rc=$?
assert_eq "--bank without gfdx-push and gfdx-feedback: exit 1" 1 "$rc"
assert_ok "... naming the views missing" \
  grep -q -- '--bank reads pboc.dispatch_summary, feedback.matching_summary, feedback.loan_summary' "$GFDX_TEST_DIR/role2.err"
assert_eq "two roles at once: exit 2" 2 "$(status_of gfdx report quarter 2026Q1 --branch pbc-hq-sh --bank bank-icbc-310000)"
assert_eq "--branch on a report without roles: exit 2" 2 "$(status_of gfdx report lists --branch pbc-hq-sh)"

# gfdx-push (national head offices included: each need is also copied to them, via
# HEAD_OFFICE) and gfdx-feedback join and catch up on the needs intake pushed; then the banks'
# records (lib_cli.sh phase banks) and one head office that engaged: bank-icbc-hq contacts
# CLI-SH-2's enterprise. Round by round as cli_play_chain does, waiting each time until intake
# holds every NeedMatchingStatus gfdx-feedback wrote (3 more came from the intake-only phase).
heads=$(grep -c '^[[:space:]]*{.*branches = \["national"\]' "${GFDX_PARTICIPANTS:-$GFDX_SOURCE_DIR/deploy/participants.cfg}")
PUSH_HEAD_OFFICES=1 start_push
wait_sql_eq "SELECT count(*) FROM pboc.dispatch WHERE via = 'BRANCH'" 15 60
wait_sql_eq "SELECT count(*) FROM pboc.dispatch WHERE via = 'HEAD_OFFICE'" $((5 * heads)) 30
wait_sql_eq "SELECT status FROM pboc.need WHERE need_id = 'CLI-CQ-5'" WITHDRAWN 30
start_feedback
roles_caught_up() {
  [ "$(psql_q "SELECT (SELECT count(*) FROM feedback.message_log) = $1
       AND NOT EXISTS (SELECT 1 FROM feedback.outbox WHERE published_at IS NULL)
       AND (SELECT count(*) FROM feedback.outbox WHERE record_type = 'NeedMatchingStatus') + 3
         = (SELECT count(*) FROM intake.message_log WHERE record_type = 'NeedMatchingStatus')")" = t ]
}
pb=$GFDX_TEST_DIR/banks.jsonl
{ cli_scenario banks; cli_scenario banks | sed -n 1p |
    sed -e 's/"bank-icbc-310000"/"bank-icbc-hq"/g' -e 's/"CLI-SH-1"/"CLI-SH-2"/' -e 's/"_round": 1}/"_round": 9}/'; } >"$pb"
cli_produce_rounds "$pb" roles_caught_up
assert_eq "every bank record applied (the head office's too)" "0 $(wc -l <"$pb")" \
  "$(psql_q "SELECT count(*) FILTER (WHERE outcome <> 'APPLIED') || ' ' || count(*) FROM feedback.message_log")"

# By hand (lib_cli.sh). pbc-hq-sh got CLI-SH-1 and CLI-SH-2, pbc-500000 CLI-CQ-1, CLI-CQ-3
# and CLI-CQ-5 (withdrawn since); CLI-SH-3..5 and CLI-CQ-2 were never pushed: no branch's.
# Requested: SH 5,000,000,000 + 1,234,567,800 fen = 6234.57 万元; CQ 10,000,000,000 +
# 3,000,000,000 + 600,000,000 = 13600.00. A branch sees every bank's matching on its needs:
# SH-1 financed (icbc approved 4000, disbursed 1500, no loan report: outstanding 1500), SH-2
# matched (bocom, its COLLATERAL obstacle open), two NOT_GREEN_ELIGIBLE alerts on SH-1; CQ-1
# matched (approved 5000 + 3000), CQ-3 late, not matched, INFORMATION open.
quarter_rows() { gfdx report quarter 2026Q1 "$@" --format csv | tr -d '\r' | sed 1d | paste -sd '|'; }
assert_eq "--branch pbc-hq-sh: the needs routed to it, every bank's matching on them" \
  "310000,上海市,2,2,0,2,0,2,0,2,1,6234.57,4000.00,1500.00,1500.00,1,2|total,合计,2,2,0,2,0,2,0,2,1,6234.57,4000.00,1500.00,1500.00,1,2" \
  "$(quarter_rows --branch pbc-hq-sh)"
assert_eq "--branch pbc-500000: CLI-CQ-2 (not pushed) left out" \
  "500000,重庆市,3,3,0,3,1,3,1,1,0,13600.00,8000.00,0.00,0.00,1,0|total,合计,3,3,0,3,1,3,1,1,0,13600.00,8000.00,0.00,0.00,1,0" \
  "$(quarter_rows --branch pbc-500000)"
# A bank: the needs dispatched to it by its branch, with its own figures only.
assert_eq "--bank bank-icbc-310000: its SH-1 financed, SH-2 without its feedback, its one alert" \
  "310000,上海市,2,2,0,2,0,2,0,1,1,6234.57,4000.00,1500.00,1500.00,0,1|total,合计,2,2,0,2,0,2,0,1,1,6234.57,4000.00,1500.00,1500.00,0,1" \
  "$(quarter_rows --bank bank-icbc-310000)"
assert_eq "--bank bank-ccb-310000: contacted SH-1, none of icbc's amounts" \
  "310000,上海市,2,2,0,2,0,2,0,1,0,6234.57,0.00,0.00,0.00,0,1|total,合计,2,2,0,2,0,2,0,1,0,6234.57,0.00,0.00,0.00,0,1" \
  "$(quarter_rows --bank bank-ccb-310000)"
assert_eq "--bank bank-bocom-310000: contacted SH-2, its obstacle" \
  "310000,上海市,2,2,0,2,0,2,0,1,0,6234.57,0.00,0.00,0.00,1,0|total,合计,2,2,0,2,0,2,0,1,0,6234.57,0.00,0.00,0.00,1,0" \
  "$(quarter_rows --bank bank-bocom-310000)"
assert_eq "--bank bank-cqrcb-500000: its approval of 3000 on CQ-1, not ccb's 5000" \
  "500000,重庆市,3,3,0,3,1,3,1,1,0,13600.00,3000.00,0.00,0.00,0,0|total,合计,3,3,0,3,1,3,1,1,0,13600.00,3000.00,0.00,0.00,0,0" \
  "$(quarter_rows --bank bank-cqrcb-500000)"
assert_eq "--bank bank-cqcb-500000: CQ-5's cancelled dispatch counts, CQ-3's obstacle is its" \
  "500000,重庆市,3,3,0,3,1,3,1,1,0,13600.00,0.00,0.00,0.00,1,0|total,合计,3,3,0,3,1,3,1,1,0,13600.00,0.00,0.00,0.00,1,0" \
  "$(quarter_rows --bank bank-cqcb-500000)"
assert_eq "--bank bank-icbc-hq: a head office that engaged (SH-2), not its other informational copies" \
  "310000,上海市,1,1,0,1,0,1,0,1,0,1234.57,0.00,0.00,0.00,0,0|total,合计,1,1,0,1,0,1,0,1,0,1234.57,0.00,0.00,0.00,0,0" \
  "$(quarter_rows --bank bank-icbc-hq)"
assert_eq "--bank bank-ccb-hq: informational copies alone: no need of its" \
  "total,合计,0,0,0,0,0,0,0,0,0,0.00,0.00,0.00,0.00,0,0" "$(quarter_rows --bank bank-ccb-hq)"
cat >"$GFDX_TEST_DIR/expect.csv" <<'CSV'
category,category_name,open,resolved,total,needs
COLLATERAL,抵质押物,0,0,0,0
CREDIT_RATING,信用评级,0,1,1,1
COMPLIANCE,合规手续,0,0,0,0
INFORMATION,信息不对称,1,0,1,1
POLICY,政策,0,0,0,0
OTHER,其他,0,0,0,0
total,合计,1,1,2,2
CSV
cli_check_csv "--bank bank-cqcb-500000: its two obstacles, bocom's left out" \
  gfdx report quarter 2026Q1 --bank bank-cqcb-500000 --format csv --table obstacles
assert_eq "--bank bank-icbc-310000: its alert only (NOT_GREEN_ELIGIBLE)" "NOT_GREEN_ELIGIBLE,项目不在绿色目录,1,1,0,0,1" \
  "$(gfdx report quarter 2026Q1 --bank bank-icbc-310000 --format csv --table alerts | tr -d '\r' | grep '^NOT_GREEN')"
assert_eq "--bank bank-ccb-310000: breakdown, nothing financed by it" "2,0,6234.57,0.00,0.0,0.0" \
  "$(gfdx report quarter 2026Q1 --bank bank-ccb-310000 --format csv --table breakdown | tr -d '\r' | grep ',TECH_UPGRADE,' | cut -d, -f4-)"
assert_eq "--bank bank-icbc-310000: breakdown, SH-1 financed by it, its savings" "2,1,6234.57,1500.00,1000.0,2600.0" \
  "$(gfdx report quarter 2026Q1 --bank bank-icbc-310000 --format csv --table breakdown | tr -d '\r' | grep ',TECH_UPGRADE,' | cut -d, -f4-)"
assert_eq "the role is a fact of the report" "pbc-500000 全部 all" \
  "$(gfdx report quarter 2026Q1 --branch pbc-500000 --format json | $GFDX_CLI_PY -c 'import json,sys; print(json.load(sys.stdin)["facts"]["role"])') $(
     gfdx report quarter 2026Q1 --format json | $GFDX_CLI_PY -c 'import json,sys; print(json.load(sys.stdin)["facts"]["role"])')"
assert_ok "the footnote says what a bank's view counts" \
  grep -q "Bank bank-cqcb-500000's view: the needs it received" <<<"$(gfdx report quarter 2026Q1 --bank bank-cqcb-500000)"
assert_eq "all provinces once gfdx-feedback joined: the same needs as before, now with its sections" \
  "total,合计,9,6,1,5,1,5,2,3,1,22185.06,12000.00,1500.00,1500.00,2,2" \
  "$(gfdx report quarter 2026Q1 --format csv | tr -d '\r' | tail -1)"
finish
