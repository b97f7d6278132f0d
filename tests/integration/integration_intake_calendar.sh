#!/usr/bin/env bash
# gfdx-intake with a calendar that does not cover the current year (issue 12, calendar.h):
# a recommendation is accepted, not refused INVALID_QUARTER; its quarter is decided by
# weekends and the fixed-date holidays and marked on the need (quarter_provisional,
# quarter_uncovered_year: migration 004) and on its need_event (detail.calendar); the daemon
# warns once, not per record, naming the State Council notice to add.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
PY=/usr/bin/python3
stack_up

year=$(date -u +%Y)
quarter=$($PY -c 'import datetime; d = datetime.date.today(); print(f"{d.year}Q{(d.month - 1) // 3 + 1}")')
# a calendar of the year before last only: this year is uncovered
cat >"$GFDX_TEST_DIR/calendar.cfg" <<CAL
calendar = { years = [$((year - 2))]; holidays = ["$((year - 2))-01-01"]; };
CAL
$PY "$GFDX_SOURCE_DIR/deploy/sample/make_needs.py" --seed 11 --count 1 --out "$GFDX_TEST_DIR/t.jsonl" >/dev/null
template=$(grep -m1 '"NeedSubmitted"' "$GFDX_TEST_DIR/t.jsonl")
need() {
  echo "$template" | $PY -c '
import json, sys
r = json.load(sys.stdin); r["need_id"] = sys.argv[1]; r["is_major"] = False
r["factory"]["province"], r["project"]["location_region"] = "310000", "310115"
r["meta"] = {"sender": "miit"}
print(json.dumps(r, ensure_ascii=False))' "$1"
}

cfg=$(daemon_config intake miit gfdx.needs gfdx.matching-status)
sed -i "s|calendar = \".*\";|calendar = \"$GFDX_TEST_DIR/calendar.cfg\";|" "$cfg"
spawn intake "$GFDX_BUILD_DIR/services/intake/gfdx-intake" --config "$cfg"
wait_sql_eq "SELECT to_regclass('intake.need_event') IS NOT NULL" t 60
for n in C-1 C-2; do need "$n"; done | produce
wait_sql_eq "SELECT count(*) FROM intake.need" 2 60
for n in C-1 C-2; do
  printf '{"need_id":"%s","decision":"APPROVED","reviewer":"审核人","comment":null}\n' "$n"
done | produce --type NeedReviewed --sender prov-310000
wait_sql_eq "SELECT count(*) FROM intake.need WHERE status = 'APPROVED'" 2 60
for n in C-1 C-2; do
  printf '{"need_id":"%s","quarter":"%s","batch_id":"310000-%s-B01"}\n' "$n" "$quarter" "$quarter"
done | produce --type NeedRecommended --sender prov-310000
wait_sql_eq "SELECT count(*) FROM intake.need WHERE status = 'PUSHED'" 2 60

assert_eq "no recommendation refused" 0 "$(psql_q "SELECT count(*) FROM intake.rejection")"
assert_eq "each got a quarter for the one it named" "$quarter $quarter" \
  "$(psql_q "SELECT string_agg(requested_quarter, ' ' ORDER BY need_id) FROM intake.need WHERE quarter IS NOT NULL")"
assert_eq "marked provisional, with the year whose notice is missing" "true $year,true $year" \
  "$(psql_q "SELECT string_agg(quarter_provisional || ' ' || quarter_uncovered_year, ',' ORDER BY need_id) FROM intake.need")"
assert_eq "the need_event says so" "false $year 国务院办公厅关于${year}年部分节假日安排的通知" \
  "$(psql_q "SELECT detail->'calendar'->>'official' || ' ' || (detail->'calendar'->>'uncovered_year') || ' ' ||
             (detail->'calendar'->>'notice') FROM intake.need_event WHERE need_id = 'C-1' AND record_type = 'NeedRecommended'")"
wait_for "the warning is logged" 30 grep -q "add 国务院办公厅关于${year}年部分节假日安排的通知" "$GFDX_TEST_DIR/intake.log"
assert_eq "... once, not per record" 1 "$(grep -c "does not cover $year" "$GFDX_TEST_DIR/intake.log")"
finish
