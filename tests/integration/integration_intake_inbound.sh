#!/usr/bin/env bash
# The inbound policies of common/inbound.c through gfdx-intake on the dev broker and a real
# PostgreSQL (issue 8, items 2, 6, 7, 10, 11): record types bound to topics (WRONG_TOPIC, and
# topics.consume checked at start), limits before anything else (LIMIT_EXCEEDED /
# INVALID_FIELD), duplicates by (sender, event_id) with EVENT_ID_REUSED, one Kafka-key rule
# (KEY_MISMATCH, strict UTF-8), and receipts only to registered participants.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_sign.sh"
PY=/usr/bin/python3
stack_up

base=$GFDX_TEST_DIR/base.jsonl
$PY "$GFDX_SOURCE_DIR/deploy/sample/make_needs.py" --seed 3 --count 3 --out "$base" 2>/dev/null
# rec TYPE NEED_ID [python statements on r]: one record from the generator's first record of
# TYPE, re-aimed at NEED_ID; meta.occurred_at now unless the statements set it.
rec() { need_record "$base" "$@"; } # TYPE NEED_ID [python statements on r]
# sent_one: waits for the message log to hold one more row (each step sends one record).
sent=0
sent_one() { sent=$((sent + 1)); wait_sql_eq "SELECT count(*) FROM intake.message_log" "$sent" 30; }
last_code() { psql_q "SELECT CASE outcome WHEN 'REFUSED' THEN reason_code ELSE outcome END FROM intake.message_log ORDER BY received_at DESC,
  \"offset\" DESC LIMIT 1"; }
last_reason() { psql_q "SELECT reason FROM intake.rejection ORDER BY received_at DESC, \"offset\" DESC LIMIT 1"; }

# --- start-up: topics.consume must name the topics of the handler table -------------------
cfg=$(daemon_config intake miit gfdx.needs gfdx.matching-status gfdx.feedback)
assert_fails "a consumed topic that carries none of intake's types is a configuration error" \
  "$GFDX_BUILD_DIR/services/intake/gfdx-intake" --config "$cfg" --check-config
cfg=$(daemon_config intake miit gfdx.needs)
assert_fails "intake without gfdx.matching-status (bound to NeedMatchingStatus) is a configuration error" \
  "$GFDX_BUILD_DIR/services/intake/gfdx-intake" --config "$cfg" --check-config

start_intake
N=GFN-2026-310000-70001
rec NeedSubmitted "$N" | produce
sent_one
assert_eq "a need submitted" "SUBMITTED" "$(psql_q "SELECT status FROM intake.need WHERE need_id = '$N'")"

# --- 6: a NeedMatchingStatus on the provinces' topic claiming sender pboc ----------------
echo "{\"meta\": {\"sender\": \"pboc\"}, \"need_id\": \"$N\", \"overall\": \"FINANCED\", \"banks_contacted\": 1,
  \"banks_approved\": 1, \"banks_declined\": 0, \"approved_total\": 5000000000, \"disbursed_total\": 5000000000,
  \"open_obstacles\": 0, \"sequence\": 1}" | tr -d '\n' | produce --type NeedMatchingStatus --topic gfdx.needs
sent_one
assert_eq "NeedMatchingStatus on gfdx.needs is refused WRONG_TOPIC" "WRONG_TOPIC" "$(last_code)"
assert_eq "and changes nothing (no financing outcome, nothing disbursed)" "-|0|0" \
  "$(psql_q "SELECT coalesce(financing_outcome, '-') || '|' || coalesce(disbursed_total, 0) || '|' ||
             matching_sequence FROM intake.need WHERE need_id = '$N'")"

# --- 7: limits, before anything else -------------------------------------------------------
N2=GFN-2026-310000-70002
# Records above intake's own limit reach it only if the topic takes them (Apache Kafka's
# default is 1 MiB; the dev broker has none): a cluster whose limit is above intake's.
broker_topic_configs gfdx.needs max.message.bytes=8000000
rec NeedSubmitted "$N2" 'r["project"]["location"] = "上" * 300000' | produce -X message.max.bytes=8000000
sent_one
assert_eq "a 900 KB location is refused LIMIT_EXCEEDED" "LIMIT_EXCEEDED" "$(last_code)"
assert_ok "the reason names the field and the limit" grep -q "project.location: .*at most 200" <<<"$(last_reason)"
rec NeedSubmitted "$N2" 'r["project"]["location"] = "上" * 400000' | produce -X message.max.bytes=8000000
sent_one
assert_eq "a 1.2 MB value is refused LIMIT_EXCEEDED undecoded" "LIMIT_EXCEEDED" "$(last_code)"
assert_ok "the reason gives the value limit" grep -q "value: .* bytes, at most 1048576" <<<"$(last_reason)"
rec NeedSubmitted "$N2" 'r["project"]["financing_amount"] = 10**15 + 1' | produce
sent_one
assert_eq "money above 10^15 fen is LIMIT_EXCEEDED" "LIMIT_EXCEEDED" "$(last_code)"
rec NeedSubmitted "$N2" 'r["project"]["end_date"] = "2101-01-01"' | produce
sent_one
assert_eq "a date after 2100 is INVALID_FIELD" "INVALID_FIELD" "$(last_code)"
rec NeedSubmitted "$N2" 'r["meta"]["occurred_at"] += 30 * 86400000' | produce
sent_one
assert_eq "occurred_at a month ahead of now is INVALID_FIELD" "INVALID_FIELD" "$(last_code)"
rec NeedSubmitted "$N2" 'r["factory"]["name"] = "上海\u202e司公限有"' | produce
sent_one
assert_eq "a bidi override in a name is INVALID_FIELD" "INVALID_FIELD" "$(last_code)"
rec NeedReviewed "$N" 'r["meta"]["sender"] = "prov-310000"; r["comment"] = "ok\u001b]0;pwned\u0007"' | produce
sent_one
assert_eq "an escape sequence in free text is INVALID_FIELD" "INVALID_FIELD" "$(last_code)"
assert_eq "none of them was applied" "0 SUBMITTED" \
  "$(psql_q "SELECT (SELECT count(*) FROM intake.need WHERE need_id = '$N2') || ' ' ||
             (SELECT status FROM intake.need WHERE need_id = '$N')")"

# --- 10: duplicates by (sender, event_id) ----------------------------------------------------
E1=aaaaaaaa-0000-4000-8000-000000000001
rec NeedSubmitted "$N2" "r['meta']['event_id'] = '$E1'; r['meta']['sender'] = 'prov-999999'" | produce
sent_one
assert_eq "an unknown sender has no key: refused UNSIGNED (authentication comes first)" "UNSIGNED" "$(last_code)"
rec NeedSubmitted "$N2" "r['meta']['event_id'] = '$E1'" | produce
sent_one
assert_eq "its event id is not burnt for the real sender" "APPLIED" "$(last_code)"
rec NeedSubmitted GFN-2026-310000-70003 "r['meta']['event_id'] = 'bbbbbbbb-0000-4000-8000-000000000002'; r['project']['name'] = 'x' * 201" | produce
sent_one
rec NeedSubmitted GFN-2026-310000-70003 "r['meta']['event_id'] = 'bbbbbbbb-0000-4000-8000-000000000002'" | produce
sent_one
assert_eq "an event id refused by the limits is not burnt either" "APPLIED" "$(last_code)"

E2=cccccccc-0000-4000-8000-000000000003
review=$(rec NeedReviewed "$N" "r['meta']['event_id'] = '$E2'; r['meta']['sender'] = 'prov-310000'; r['meta']['occurred_at'] = 1780000000000")
echo "$review" | produce
sent_one
assert_eq "a review applied" "APPLIED" "$(last_code)"
echo "$review" | produce
sent_one
assert_eq "the same bytes again: DUPLICATE" "DUPLICATE" "$(last_code)"
echo "$review" | sed 's/"APPROVED"/"REJECTED"/' | produce
sent_one
assert_eq "the same event id with other bytes: EVENT_ID_REUSED" "EVENT_ID_REUSED" "$(last_code)"
echo "$review" | sed "s/$E2/${E2^^}/" | produce
sent_one
assert_eq "the id in upper case is the same id (canonical form), other bytes: EVENT_ID_REUSED" "EVENT_ID_REUSED" \
  "$(last_code)"
N4=GFN-2026-320000-70004
rec NeedSubmitted "$N4" 'r["factory"]["province"] = "320000"; r["factory"]["city"] = "南京市"; r["factory"]["district"] = "玄武区"; r["project"]["location_region"] = "320102"' | produce
sent_one
rec NeedReviewed "$N4" "r['meta']['event_id'] = '$E2'; r['meta']['sender'] = 'prov-320000'" | produce
sent_one
assert_eq "another sender's record with the same event id is not a duplicate" "APPLIED" "$(last_code)"
assert_eq "both reviews applied, the reused ones changed nothing" "APPROVED APPROVED" \
  "$(psql_q "SELECT string_agg(status, ' ') FROM intake.need WHERE need_id IN ('$N', '$N4')")"
assert_eq "inbound_event keyed by (sender, event_id)" "2" \
  "$(psql_q "SELECT count(*) FROM intake.inbound_event WHERE event_id = '$E2'")"

# --- 11: one key rule, strict UTF-8 keys, receipts for INVALID_META -------------------------
scratch() { # scratch NAME < jsonl: the encoded value of one record, via a scratch topic
  broker_create_topic "gfdx.scratch-$1"
  produce --topic "gfdx.scratch-$1"
  kcat -C -b "$GFDX_KAFKA_BOOTSTRAP" -t "gfdx.scratch-$1" -o 0 -c 1 -e -q -f '%s' >"$GFDX_TEST_DIR/$1.bin"
}
N5=GFN-2026-310000-70005
rec NeedSubmitted "$N5" | produce
sent_one
# signed records (proof of origin comes first), with keys kcat alone can send
signed_review() { # signed_review NAME KEY_HEX: a signed NeedReviewed of N5 from prov-310000
  local try st
  for try in 1 2 3 4 5 6 7 8; do
    rec NeedReviewed "$N5" "r['meta']['sender'] = 'prov-310000'" | scratch "$1-$try"
    st=0; kcat_signed prov-310000 "$2" "$GFDX_TEST_DIR/$1-$try.bin" || st=$?
    [ "$st" = 3 ] || return "$st"
  done
  return 1
}
signed_review nokey ""
sent_one
assert_eq "a NeedReviewed without a Kafka key is refused KEY_MISMATCH" "KEY_MISMATCH" "$(last_code)"
signed_review badkey c0afeda080
sent_one
assert_eq "an overlong / surrogate UTF-8 key is refused KEY_MISMATCH, not a STORE_ERROR dead letter" \
  "KEY_MISMATCH" "$(last_code)"
assert_ok "with a clear reason" grep -q "is not valid UTF-8" <<<"$(last_reason)"
assert_eq "neither changed the need" "SUBMITTED" "$(psql_q "SELECT status FROM intake.need WHERE need_id = '$N5'")"
rec NeedReviewed "$N" "r['meta']['sender'] = 'prov-310000'" | produce --key-field reviewer
sent_one
assert_eq "a key that is not the need id: KEY_MISMATCH" "KEY_MISMATCH" "$(last_code)"
assert_eq "the need is still APPROVED" "APPROVED" "$(psql_q "SELECT status FROM intake.need WHERE need_id = '$N'")"
rec NeedReviewed "$N" "r['meta']['sender'] = 'prov-310000'; r['meta']['event_id'] = 'not-a-uuid'" | produce
sent_one
assert_eq "INVALID_META" "INVALID_META" "$(last_code)"

# --- 2: receipts keyed only by a registered participant id ---------------------------------
big=$(printf 'x%.0s' $(seq 1 100000))
rec NeedReviewed "$N" "r['meta']['sender'] = '$big'" | produce
sent_one
assert_eq "a 100 KB sender is not authenticated: refused UNSIGNED before its limits" "UNSIGNED" "$(last_code)"
wait_sql_eq "SELECT count(*) FROM intake.outbox WHERE published_at IS NULL" 0 30
receipt_keys() { receipts_read '%k\n'; }
assert_eq "receipts go to registered participants only" "miit pboc prov-310000 prov-320000" \
  "$(receipt_keys | sort -u | tr '\n' ' ' | sed 's/ $//')"
assert_eq "the INVALID_META record from prov-310000 got a receipt" "1" \
  "$(receipts_read '%s\n' | grep -ac INVALID_META)"
assert_eq "no receipt for the unknown or oversized senders (their records are still logged)" \
  "$(psql_q "SELECT count(*) FROM intake.message_log WHERE sender IN ('miit', 'pboc', 'prov-310000', 'prov-320000')")" \
  "$(receipt_keys | grep -c .)"
finish
