#!/usr/bin/env bash
# gfdx-intake -> gfdx.miit-pushes -> gfdx-push on the dev broker and a real PostgreSQL: the
# NeedPushed / NeedPushWithdrawn records intake really writes are all accepted by push, and
# pboc.need agrees with intake.need (quarter, late, major flag, priority tags, amount),
# withdrawals after the push included.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_pboc.sh"
stack_up

stream=$GFDX_TEST_DIR/stream.jsonl
$PY "$GFDX_SOURCE_DIR/deploy/sample/make_needs.py" --seed 21 --count 60 --out "$stream" 2>/dev/null
$PY "$GFDX_SOURCE_DIR/tests/integration/expect_intake.py" "$stream" >"$GFDX_TEST_DIR/expect.json"
expect() { $PY -c "import json; print(json.load(open('$GFDX_TEST_DIR/expect.json'))['$1'])"; }
pushed=$(expect need_pushed)
withdrawn=$(expect push_withdrawn)
assert_ge "the stream recommends needs" 20 "$pushed"
assert_ge "and withdraws some after the push" 1 "$withdrawn"

start_intake
start_push
produce <"$stream"
wait_sql_eq "SELECT count(*) FROM pboc.message_log" "$((pushed + withdrawn))" 60
assert_eq "every push and withdrawal from intake accepted by push" "$((pushed + withdrawn)) 0" \
  "$(psql_q "SELECT count(*) FILTER (WHERE outcome = 'APPLIED') || ' ' || count(*) FILTER (WHERE outcome <> 'APPLIED')
             FROM pboc.message_log")"
assert_eq "pboc.need: one per pushed need, withdrawals applied" "$pushed $withdrawn" \
  "$(psql_q "SELECT count(*) || ' ' || count(*) FILTER (WHERE status = 'WITHDRAWN') FROM pboc.need")"
wait_sql_eq "SELECT count(*) FROM intake.need WHERE status = 'RECOMMENDED'" 0 30
assert_eq "pboc.need agrees with intake.need" "" \
  "$(psql_q "SELECT string_agg(p.need_id, ' ') FROM pboc.need p JOIN intake.need i USING (need_id)
             WHERE (p.quarter, p.late, p.is_major, p.priority_tags, p.financing_amount, p.province, p.uscc,
                    p.location_region, p.recommended_by, p.batch_id)
                IS DISTINCT FROM (i.quarter, i.late, i.is_major, i.priority_tags, i.financing_amount, i.province,
                    i.uscc, i.location_region, i.recommended_by, i.batch_id)
                OR (p.status = 'WITHDRAWN') <> (i.status = 'WITHDRAWN')")"
assert_eq "every intake need pushed to PBoC is in pboc.need" 0 \
  "$(psql_q "SELECT count(*) FROM intake.need i WHERE i.status = 'PUSHED'
             AND NOT EXISTS (SELECT 1 FROM pboc.need p WHERE p.need_id = i.need_id)")"
assert_eq "withdrawn needs have no active dispatch" 0 \
  "$(psql_q "SELECT count(*) FROM pboc.dispatch d JOIN pboc.need n USING (need_id)
             WHERE n.status = 'WITHDRAWN' AND d.status = 'ACTIVE'")"
wait_sql_eq "SELECT count(*) FROM pboc.outbox WHERE published_at IS NULL" 0 30
assert_eq "one NeedDispatched per need, one NeedDispatchWithdrawn per withdrawal" "$pushed $withdrawn" \
  "$(psql_q "SELECT count(*) FILTER (WHERE record_type = 'NeedDispatched') || ' '
             || count(*) FILTER (WHERE record_type = 'NeedDispatchWithdrawn') FROM pboc.outbox")"
# shellcheck disable=SC2046 # one word per topic
total_on_topics=$(topic_ends $(psql_q "SELECT DISTINCT 'gfdx.dispatch.' || branch_id FROM pboc.need") |
  awk '{ s += $2 } END { print s }')
assert_eq "all of them on the branch topics" "$((pushed + withdrawn))" "$total_on_topics"
finish
