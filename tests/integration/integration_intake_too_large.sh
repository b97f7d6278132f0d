#!/usr/bin/env bash
# RECORD_TOO_LARGE (issue 8 item 2, input side): a record whose emitted records would exceed
# the producer's message.max.bytes (here 4000, set in the daemon's kafka properties) is
# refused and nothing of it reaches the outbox, so the relay is never handed a row it cannot
# produce and everything behind it still leaves.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
PY=/usr/bin/python3
stack_up

base=$GFDX_TEST_DIR/base.jsonl
$PY "$GFDX_SOURCE_DIR/deploy/sample/make_needs.py" --seed 3 --count 3 --out "$base" 2>/dev/null
# rec TYPE NEED_ID [python statements on r]: the generator's first TYPE record for NEED_ID.
rec() { need_record "$base" "$@"; } # TYPE NEED_ID [python statements on r]

cfg=$(daemon_config intake miit gfdx.needs gfdx.matching-status)
sed -i 's|^kafka = (|kafka = (\n  ("message.max.bytes", "4000"),|' "$cfg"
spawn intake "$GFDX_BUILD_DIR/services/intake/gfdx-intake" --config "$cfg"

BIG=GFN-2026-310000-80001 SMALL=GFN-2026-310000-80002
for n in "$BIG" "$SMALL"; do
  if [ "$n" = "$BIG" ]; then extra='r["project"]["guarantee"] = "由上海市融资担保中心提供连带责任保证" * 100'; else extra=pass; fi
  rec NeedSubmitted "$n" "$extra" | produce
  rec NeedReviewed "$n" "r['meta']['sender'] = 'prov-310000'" | produce
  rec NeedRecommended "$n" "r['meta']['sender'] = 'prov-310000'" | produce
done
wait_sql_eq "SELECT count(*) FROM intake.message_log" 6 60
assert_eq "the big need was filed and approved (its own records fit)" "APPROVED" \
  "$(psql_q "SELECT status FROM intake.need WHERE need_id = '$BIG'")"
assert_eq "its recommendation is refused RECORD_TOO_LARGE" "NeedRecommended RECORD_TOO_LARGE" \
  "$(psql_q "SELECT record_type || ' ' || reason_code FROM intake.rejection WHERE record->>'need_id' = '$BIG'")"
assert_ok "the reason gives the size and message.max.bytes" grep -q "NeedPushed .* bytes .*over message.max.bytes 4000" \
  <<<"$(psql_q "SELECT reason FROM intake.rejection WHERE record->>'need_id' = '$BIG'")"
assert_eq "nothing of it is in the outbox" "0" \
  "$(psql_q "SELECT count(*) FROM intake.outbox WHERE key = convert_to('$BIG', 'UTF8') AND record_type <> 'Receipt'")"
wait_sql_eq "SELECT status FROM intake.need WHERE need_id = '$SMALL'" PUSHED 60
wait_sql_eq "SELECT count(*) FROM intake.outbox WHERE published_at IS NULL" 0 30
assert_eq "every receipt was produced, the refusal's too" "6 1" \
  "$(receipts_read '%s\n' |
     awk '/RECORD_TOO_LARGE/ {r++} {n++} END {print n, r + 0}')"
assert_eq "one NeedPushed on gfdx.miit-pushes, the small need's" "1" "$(kafka_count gfdx.miit-pushes)"
finish
