#!/usr/bin/env bash
# The deadline reminder (issue 13; services/intake/intake_remind.h): N working days before a
# quarter's last working day each authority with approved needs not recommended yet gets one
# RecommendationReminder on its own receipts topic, once a quarter.
#  - today (outside the window of the quarter's deadline: intake.reminder_days 5): nothing;
#  - the watch's clock moved to 29 Dec 2026 (2 working days before 31 Dec, the deadline of
#    2026Q4): prov-310000 is reminded of its two approved needs (not of the one it
#    recommended), prov-500000 of its one; published to gfdx.receipts.<authority>, the needs
#    and their ageing in the record as it went out (decoded with python3-avro);
#  - rounds go on (watch.interval_s = 1) and the daemon restarts: no second reminder.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
PY=/usr/bin/python3
stack_up

$PY "$GFDX_SOURCE_DIR/deploy/sample/make_needs.py" --seed 13 --count 1 --out "$GFDX_TEST_DIR/t.jsonl" >/dev/null
need() { # ID PROVINCE REGION
  need_record "$GFDX_TEST_DIR/t.jsonl" NeedSubmitted "$1" \
    "r['is_major'] = False; r['factory']['province'], r['project']['location_region'] = '$2', '$3'; r['meta']['sender'] = 'miit'"
}
review() { # ID AUTHORITY
  echo "{\"need_id\":\"$1\",\"decision\":\"APPROVED\",\"reviewer\":\"审核人\",\"comment\":null}" |
    produce --type NeedReviewed --sender "$2"
}
# start_reminding [CLOCK_MS]: gfdx-intake with a round of its watch every second
start_reminding() {
  local cfg
  cfg=$(daemon_config intake miit gfdx.needs gfdx.matching-status)
  echo 'watch: { interval_s = 1; };' >>"$cfg"
  GFDX_TEST_WATCH_CLOCK_MS=${1:-} spawn intake "$GFDX_BUILD_DIR/services/intake/gfdx-intake" --config "$cfg"
}
reminders() { psql_q "SELECT count(*) FROM intake.outbox WHERE record_type = 'RecommendationReminder'"; }

start_reminding
{ need R-SH-1 310000 310115; need R-SH-2 310000 310104; need R-SH-3 310000 310115; need R-CQ-1 500000 500106; } | produce
for n in R-SH-1 R-SH-2 R-SH-3; do review "$n" prov-310000; done
review R-CQ-1 prov-500000
wait_sql_eq "SELECT count(*) FROM intake.need WHERE status = 'APPROVED'" 4 60
echo '{"need_id":"R-SH-3","quarter":"2026Q4","batch_id":"B-R"}' | produce --type NeedRecommended --sender prov-310000
wait_sql_eq "SELECT count(*) FROM intake.need WHERE status IN ('RECOMMENDED', 'PUSHED')" 1 60
sleep 3
today_due=$($PY -c '
import datetime as dt
d = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
print(int(d.month % 3 == 0 and d.day >= 20))')
if [ "$today_due" = 0 ]; then
  assert_eq "today, far from the quarter's deadline: no reminder" 0 "$(reminders)"
fi

# 29 Dec 2026, 10:00 China time: 30 and 31 Dec are the working days left of 2026Q4
kill_proc intake
start_reminding "$($PY -c 'import datetime as dt; print(int(dt.datetime(2026, 12, 29, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp() * 1000))')"
wait_sql_eq "SELECT count(*) FROM intake.reminder WHERE quarter = '2026Q4'" 2 30
assert_eq "prov-310000 reminded of its two approved needs" "2|{R-SH-1,R-SH-2}|2026-12-31|1" \
  "$(psql_q "SELECT needs, (SELECT array_agg(x ORDER BY x) FROM unnest(need_ids) x), deadline, parts
             FROM intake.reminder WHERE authority = 'prov-310000' AND quarter = '2026Q4'")"
assert_eq "prov-500000 reminded of its one" "1|{R-CQ-1}" \
  "$(psql_q "SELECT needs, need_ids FROM intake.reminder WHERE authority = 'prov-500000' AND quarter = '2026Q4'")"
wait_sql_eq "SELECT count(*) FROM intake.outbox WHERE record_type = 'RecommendationReminder' AND published_at IS NOT NULL" 2 30
assert_eq "each to its authority's own receipts topic, keyed by the authority" \
  "gfdx.receipts.prov-310000|prov-310000,gfdx.receipts.prov-500000|prov-500000" \
  "$(psql_q "SELECT string_agg(topic || '|' || convert_from(key, 'UTF8'), ',' ORDER BY topic)
             FROM intake.outbox WHERE record_type = 'RecommendationReminder'")"
decoded=$(psql_q "SELECT encode(value, 'hex') FROM intake.outbox WHERE record_type = 'RecommendationReminder'
                  AND topic = 'gfdx.receipts.prov-310000'" | $PY -c '
import io, json, sys
import avro.io, avro.schema
schema = avro.schema.parse(open(sys.argv[1]).read())
raw = bytes.fromhex(sys.stdin.read().strip())
assert raw[:2] == b"\xc3\x01", "single-object encoding"
r = avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(io.BytesIO(raw[10:])))
print(r["quarter"], r["deadline"], r["working_days_left"], r["part"], r["part_count"],
      ",".join(n["need_id"] for n in r["needs"]), r["meta"]["sender"])' "$GFDX_SOURCE_DIR/schemas/avro/recommendation_reminder.v1.avsc")
assert_eq "the record as it went out: quarter, deadline, days left, part, needs, sender" \
  "2026Q4 2026-12-31 2 1 1 R-SH-1,R-SH-2 miit" "$decoded"
assert_ok "the watch's test clock is announced in the log" grep -q 'GFDX_TEST_WATCH_CLOCK_MS set' "$GFDX_TEST_DIR/intake.log"

# more rounds, and a restart: still one reminder per authority and quarter
sleep 3
kill_proc intake
start_reminding "$($PY -c 'import datetime as dt; print(int(dt.datetime(2026, 12, 30, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp() * 1000))')"
sleep 4
assert_eq "rounds and a restart later: still two reminders" 2 "$(reminders)"
assert_eq "and two reminder rows" 2 "$(psql_q "SELECT count(*) FROM intake.reminder")"
finish
