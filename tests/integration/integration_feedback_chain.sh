#!/usr/bin/env bash
# gfdx-intake -> gfdx-push -> gfdx-feedback -> gfdx-intake on the dev broker and a real
# PostgreSQL, with the tables gfdx-push really creates: sample needs are submitted, reviewed,
# recommended and pushed; banks report on needs really dispatched to them (a financed need,
# a need every bank declines, a need blocked by an obstacle, a withdrawn need its banks
# close by declining, a bank the need was not dispatched to); each need's financing outcome in
# intake.need must follow feedback.need_status.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_pboc.sh"
source "$(dirname "$0")/lib_feedback.sh"
stack_up

stream=$GFDX_TEST_DIR/needs.jsonl
$PY "$GFDX_SOURCE_DIR/deploy/sample/make_needs.py" --seed 21 --count 60 --out "$stream" 2>/dev/null
$PY "$GFDX_SOURCE_DIR/tests/integration/expect_intake.py" "$stream" >"$GFDX_TEST_DIR/expect.json"
expect() { $PY -c "import json; print(json.load(open('$GFDX_TEST_DIR/expect.json'))['$1'])"; }
pushes=$(($(expect need_pushed) + $(expect push_withdrawn)))

start_intake
start_push
start_feedback
produce <"$stream"
wait_sql_eq "SELECT count(*) FROM pboc.message_log" "$pushes" 90

# Three dispatched needs with at least two banks, and a withdrawn one, all chosen by SQL.
pick() {
  psql_q "SELECT n.need_id FROM pboc.need n WHERE n.status = '$1' AND
          (SELECT count(*) FROM pboc.dispatch d WHERE d.need_id = n.need_id) >= $2 ORDER BY n.need_id LIMIT $3"
}
read -r A B C <<<"$(pick DISPATCHED 2 3 | paste -sd ' ')"
W=$(pick WITHDRAWN 1 1)
assert_ok "three dispatched needs and a withdrawn one to report on ($A $B $C / $W)" test -n "$C" -a -n "$W"
banks_of() { psql_q "SELECT bank_id FROM pboc.dispatch WHERE need_id = '$1' ORDER BY bank_id"; }
amount_of() { psql_q "SELECT financing_amount FROM pboc.need WHERE need_id = '$1'"; }
mapfile -t banks_a < <(banks_of "$A")
mapfile -t banks_b < <(banks_of "$B")
mapfile -t banks_c < <(banks_of "$C")
mapfile -t banks_w < <(banks_of "$W")
stranger=$(psql_q "SELECT p FROM unnest(ARRAY['bank-cmb-440300', 'bank-icbc-310000']) p
                   WHERE p NOT IN (SELECT bank_id FROM pboc.dispatch WHERE need_id = '$A') LIMIT 1")
fin=$(amount_of "$A")
round_done() {
  [ "$(psql_q "SELECT count(*) FROM feedback.message_log")" = "$1" ] &&
    [ "$(psql_q "SELECT count(*) FROM feedback.outbox WHERE published_at IS NULL")" = 0 ]
}
line() { # SENDER NEED STAGE|TYPE [JSON fields...]
  local sender=$1 need=$2 what=$3 extra=${4:-}
  case $what in
    ObstacleRaised) echo "{\"\$type\":\"ObstacleRaised\",\"meta\":{\"sender\":\"$sender\"},\"need_id\":\"$need\"$extra}" ;;
    *) echo "{\"\$type\":\"MatchingFeedback\",\"meta\":{\"sender\":\"$sender\"},\"need_id\":\"$need\",\"stage\":\"$what\"$extra}" ;;
  esac
}

# Each need's records in turn, one record per need and round, the next round once the
# previous one is published: with librdkafka 2.0.2 and the dev broker the outbox relay has
# been seen to publish one round's messages to a partition out of order (see FIRST_ROUND in
# lib_feedback.sh); records of different needs in one round may be reordered harmlessly.
lines_a=(
  "$(line "${banks_a[0]}" "$A" CONTACTED)"
  "$(line "${banks_a[0]}" "$A" CREDIT_APPROVED ",\"product\":\"PROJECT_LOAN\",\"approved_amount\":$((fin / 2)),\"rate_bp\":350")"
  "$(line "${banks_a[0]}" "$A" DISBURSED ",\"disbursed_amount\":$((fin / 4))")"
  "$(line "${banks_a[0]}" "$A" DISBURSED ",\"disbursed_amount\":$((fin / 2 - fin / 4))")"
  "$(line "${banks_a[1]}" "$A" CONTACTED)"
  "$(line "${banks_a[1]}" "$A" DECLINED ",\"decline_reason\":\"DUPLICATE_FINANCING\"")"
  "$(line "$stranger" "$A" CONTACTED)"
)
lines_b=()
for b in "${banks_b[@]}"; do lines_b+=("$(line "$b" "$B" DECLINED ",\"decline_reason\":\"PROJECT_NOT_READY\"")"); done
# shellcheck disable=SC2034 # lines_a .. lines_w are read through a nameref below
lines_c=(
  "$(line "${banks_c[0]}" "$C" CONTACTED)"
  "$(line "${banks_c[0]}" "$C" ObstacleRaised ",\"category\":\"POLICY\",\"description\":\"等待地方贴息政策落地\"")"
)
lines_w=()
for b in "${banks_w[@]}"; do lines_w+=("$(line "$b" "$W" DECLINED ",\"decline_reason\":\"ENTERPRISE_DECLINED\"")"); done
sent=0
for ((round = 0; round < ${#lines_a[@]}; round++)); do
  batch=()
  for arr in lines_a lines_b lines_c lines_w; do
    declare -n l=$arr
    [ "$round" -lt "${#l[@]}" ] && batch+=("${l[$round]}")
    unset -n l
  done
  [ "${#batch[@]}" -gt 0 ] || break
  printf '%s\n' "${batch[@]}" | produce
  sent=$((sent + ${#batch[@]}))
  wait_for "round $((round + 1)): $sent records consumed, outbox published" 60 round_done "$sent"
done
assert_eq "feedback from banks the needs were dispatched to applied; the stranger refused" \
  "$((sent - 1)) UNAUTHORIZED_SENDER" \
  "$(psql_q "SELECT count(*) FILTER (WHERE outcome = 'APPLIED') || ' ' ||
             string_agg(reason_code, ' ') FILTER (WHERE outcome <> 'APPLIED') FROM feedback.message_log")"

wait_sql_eq "SELECT financing_outcome FROM intake.need WHERE need_id = '$A'" FINANCED 60
wait_sql_eq "SELECT financing_outcome FROM intake.need WHERE need_id = '$B'" DECLINED_ALL 60
wait_sql_eq "SELECT financing_outcome FROM intake.need WHERE need_id = '$C'" BLOCKED 60
wait_sql_eq "SELECT financing_outcome FROM intake.need WHERE need_id = '$W'" DECLINED_ALL 60
wait_sql_eq "SELECT count(*) FROM feedback.outbox WHERE published_at IS NULL" 0 30
wait_sql_eq "SELECT count(*) FROM intake.message_log WHERE record_type = 'NeedMatchingStatus'
             AND outcome = 'APPLIED'" "$(psql_q "SELECT count(*) FROM feedback.outbox WHERE record_type = 'NeedMatchingStatus'")" 60
assert_eq "intake.need's financing figures equal feedback.need_status for every need" "" \
  "$(psql_q "SELECT string_agg(s.need_id, ' ') FROM feedback.need_status s JOIN intake.need i USING (need_id)
             WHERE (i.financing_outcome, i.banks_contacted, i.banks_approved, i.banks_declined, i.approved_total,
                    i.disbursed_total, i.open_obstacles)
                IS DISTINCT FROM (s.overall, s.banks_contacted, s.banks_approved, s.banks_declined, s.approved_total,
                    s.disbursed_total, s.open_obstacles)")"
assert_eq "the financed need: one bank approved half and disbursed it in two tranches" \
  "FINANCED 2 1 1 $((fin / 2)) $((fin / 2)) 0" \
  "$(psql_q "SELECT financing_outcome || ' ' || banks_contacted || ' ' || banks_approved || ' ' || banks_declined
             || ' ' || approved_total || ' ' || disbursed_total || ' ' || open_obstacles FROM intake.need
             WHERE need_id = '$A'")"
assert_eq "intake refused no NeedMatchingStatus (sender pboc accepted)" 0 \
  "$(psql_q "SELECT count(*) FROM intake.message_log WHERE record_type = 'NeedMatchingStatus' AND outcome <> 'APPLIED'")"
assert_eq "the withdrawn need stays WITHDRAWN in intake" WITHDRAWN \
  "$(psql_q "SELECT status FROM intake.need WHERE need_id = '$W'")"
assert_eq "the obstacle went to gfdx.coordination.<province> under the need's province" \
  "$(psql_q "SELECT province FROM pboc.need WHERE need_id = '$C'") OPEN" \
  "$(topic_records 'gfdx.coordination.*' ObstacleCoordination | $PY -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    print(r["key"], r["value"]["status"])')"
for p in intake push feedback; do assert_ok "gfdx-$p still running" proc_alive "$p"; done
finish
