#!/usr/bin/env bash
# `gfdx report worklist DATE`: the listings an operator works from, aged in working days,
# for every role. The hand-made scenario (lib_cli.sh) through gfdx-intake, gfdx-push and
# gfdx-feedback leaves, by hand:
#   awaiting review  CLI-SH-5 (上海), CLI-CQ-4 (重庆)          approved, not recommended  CLI-CQ-2
#   no feedback      CLI-SH-1 bocom; CLI-SH-2 icbc, ccb; CLI-CQ-3 ccb-500000, cqrcb
#   open obstacles   CLI-SH-2 COLLATERAL (acknowledged), CLI-CQ-3 INFORMATION (CREDIT_RATING resolved)
#   open alerts      two NOT_GREEN_ELIGIBLE on CLI-SH-1        no bank  none
# and each role sees its own part: a province authority its needs, a branch the needs routed
# to it, a bank its dispatches, obstacles and alerts. The ageing of every row is checked
# against an independent count of the calendar's working days (data/worklist_check.py).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_pboc.sh"
source "$(dirname "$0")/lib_feedback.sh"
source "$(dirname "$0")/lib_cli.sh"
stack_up
cli_play_chain
d=$GFDX_TEST_DIR
here=$(cd "$(dirname "$0")" && pwd)

# ids TABLE ARGS...: the table's "need_id[/bank_id][/kind|category]" cells, sorted, ","-joined
ids() {
  local t=$1; shift
  gfdx report worklist 2026-12-31 "$@" --format csv --table "$t" | tr -d '\r' | /usr/bin/python3 -c '
import csv, sys
rows = list(csv.DictReader(sys.stdin))
print(",".join(sorted("/".join(r[k] for k in ("need_id", "bank_id", "kind", "category") if r.get(k)) for r in rows)))'
}
assert_eq "awaiting review: the two submitted needs" "CLI-CQ-4,CLI-SH-5" "$(ids awaiting_review)"
assert_eq "approved, not recommended yet" "CLI-CQ-2" "$(ids not_recommended)"
assert_eq "dispatches without feedback" \
  "CLI-CQ-3/bank-ccb-500000,CLI-CQ-3/bank-cqrcb-500000,CLI-SH-1/bank-bocom-310000,CLI-SH-2/bank-ccb-310000,CLI-SH-2/bank-icbc-310000" \
  "$(ids no_feedback)"
assert_eq "open obstacles: the acknowledged one is open" \
  "CLI-CQ-3/bank-cqcb-500000/INFORMATION,CLI-SH-2/bank-bocom-310000/COLLATERAL" "$(ids open_obstacles)"
assert_eq "open alerts" "CLI-SH-1/bank-ccb-310000/NOT_GREEN_ELIGIBLE,CLI-SH-1/bank-icbc-310000/NOT_GREEN_ELIGIBLE" \
  "$(ids open_alerts)"
assert_eq "no pushed need without a bank" "" "$(ids no_bank)"

# the roles
assert_eq "--province 310000: its needs awaiting review" "CLI-SH-5" "$(ids awaiting_review --province 310000)"
assert_eq "--province 310000: its dispatches without feedback" \
  "CLI-SH-1/bank-bocom-310000,CLI-SH-2/bank-ccb-310000,CLI-SH-2/bank-icbc-310000" "$(ids no_feedback --province 310000)"
assert_eq "--province 500000: its approved need" "CLI-CQ-2" "$(ids not_recommended --province 500000)"
assert_eq "--branch pbc-500000: the obstacle of its need" "CLI-CQ-3/bank-cqcb-500000/INFORMATION" \
  "$(ids open_obstacles --branch pbc-500000)"
assert_eq "--branch pbc-500000: no needs' listings (the authorities')" "" "$(ids awaiting_review --branch pbc-500000)"
assert_eq "--branch pbc-hq-sh: its alerts" "CLI-SH-1/bank-ccb-310000/NOT_GREEN_ELIGIBLE,CLI-SH-1/bank-icbc-310000/NOT_GREEN_ELIGIBLE" \
  "$(ids open_alerts --branch pbc-hq-sh)"
assert_eq "--bank bank-icbc-310000: its dispatch without feedback" "CLI-SH-2/bank-icbc-310000" \
  "$(ids no_feedback --bank bank-icbc-310000)"
assert_eq "--bank bank-icbc-310000: its alert" "CLI-SH-1/bank-icbc-310000/NOT_GREEN_ELIGIBLE" \
  "$(ids open_alerts --bank bank-icbc-310000)"
assert_eq "--bank bank-icbc-310000: no other bank's obstacle" "" "$(ids open_obstacles --bank bank-icbc-310000)"

# ageing in working days, counted independently; the deadline of the as-of date's quarter
gfdx report worklist 2026-12-31 --format json >"$d/w.json"
out=$(/usr/bin/python3 "$here/data/worklist_check.py" "$GFDX_SOURCE_DIR/deploy/calendar.cfg" 2026-12-31 "$d/w.json" 2>&1) && rc=0 || rc=$?
sed 's/^/# /' <<<"$out"
assert_eq "every row's ageing equals the independent count" 0 "$rc"
assert_eq "the obstacle raised 2026-03-11 has aged 203 working days by 2026-12-31" "2026-03-11|203" \
  "$(gfdx report worklist 2026-12-31 --format csv --table open_obstacles --province 310000 | tr -d '\r' | sed -n 2p | cut -d, -f7,8 | tr , '|')"

# The branch's worklist as the HTML page its operator opens: rendered by Debian's headless
# chromium, every listing's table in the DOM equals the CSV of the same role, and the role
# is named in the banner.
html=$d/worklist-branch.html
gfdx report worklist 2026-12-31 --branch pbc-hq-sh --format html --out "$html"
cli_chromium --dump-dom "file://$html" >"$d/worklist-dom.html"
assert_ok "HTML: the page was parsed (its title)" grep -q '<h1>工作清单' "$d/worklist-dom.html"
assert_ok "HTML: the role is shown" grep -q 'pbc-hq-sh' "$d/worklist-dom.html"
for t in awaiting_review not_recommended no_bank no_feedback open_obstacles open_alerts; do
  gfdx report worklist 2026-12-31 --branch pbc-hq-sh --format csv --table "$t" | tr -d '\r' >"$d/wl-$t.csv"
  rows=$(($(wc -l <"$d/wl-$t.csv") - 1))
  assert_eq "HTML: table $t equals the branch's CSV ($rows rows)" "same $rows" \
    "$(dom_table_vs_csv "$d/worklist-dom.html" "$t" "$d/wl-$t.csv")"
done
assert_ge "HTML: the branch's page lists something (alerts and dispatches)" 3 \
  "$(($(wc -l <"$d/wl-open_alerts.csv") + $(wc -l <"$d/wl-no_feedback.csv") - 2))"

# usage errors
rc=0; gfdx report worklist 2026-13-01 >/dev/null 2>"$d/e1" || rc=$?
assert_eq "a date that is not one: exit 2" 2 "$rc"
rc=0; gfdx report worklist today --province 310000 --bank bank-icbc-310000 >/dev/null 2>"$d/e2" || rc=$?
assert_eq "two roles at once: usage error" 2 "$rc"
assert_ok "... saying so" grep -q 'one of --province, --branch, --bank' "$d/e2"
rc=0; gfdx report lists --bank bank-icbc-310000 >/dev/null 2>"$d/e3" || rc=$?
assert_eq "--bank on another report: usage error" 2 "$rc"
assert_ok "today works" sh -c "\"$GFDX_CLI\" report worklist today --db '$GFDX_PG_CONNINFO' >/dev/null"
finish
