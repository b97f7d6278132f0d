#!/usr/bin/env bash
# Proof of origin (issue 10, DESIGN §4, §5) through gfdx-intake and gfdx-push on the dev
# broker and a real PostgreSQL: every record's gfdx-kid / gfdx-sig must verify under a current
# key of meta.sender before anything trusts it. Impersonations (a province reviewing as
# another province, a province pushing as MIIT), a flipped byte in the value, the key or the
# signature, an unknown kid, an expired key and an unsigned record are each refused with
# their code, change nothing, get no receipt and burn no event id; a rotation (two current
# keys, Ed25519 and SM2 side by side) is accepted; what intake emits is signed with MIIT's key
# and accepted by gfdx-push; security.require_signatures = false accepts an unsigned record
# and counts it, and still refuses a bad signature.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_sign.sh"
source "$(dirname "$0")/lib_pboc.sh"
PY=/usr/bin/python3
uuid() { $PY -c "import uuid; print(uuid.uuid4())"; }
stack_up
T=$GFDX_TEST_DIR

# prov-310000 rotates: a second current key (SM2) and an old one past its not_after.
extra=$("$GFDX_CLI" keys generate --participant prov-310000 --alg sm2 --kid 'prov-310000#2027sm2' \
          --out "$T/p310-sm2.pem" 2>/dev/null)
old=$("$GFDX_CLI" keys generate --participant prov-310000 --alg ed25519 --kid 'prov-310000#2020a' \
        --not-before 2020-01-01 --not-after 2020-12-31 --out "$T/p310-old.pem" 2>/dev/null)
sed -i "s|^\(.*{ id = \"prov-310000\"; keys = ( [^)]*}\) );|\1, $extra, $old );|" "$GFDX_PARTICIPANTS"
assert_ok "the registry holds the rotation" grep -q 'prov-310000#2027sm2' "$GFDX_PARTICIPANTS"

base=$T/base.jsonl
$PY "$GFDX_SOURCE_DIR/deploy/sample/make_needs.py" --seed 3 --count 3 --out "$base" 2>/dev/null
rec() { need_record "$base" "$@"; } # TYPE NEED_ID [python statements on r]
sent=0
sent_one() { sent=$((sent + 1)); wait_sql_eq "SELECT count(*) FROM intake.message_log" "$sent" 30; }
last() { psql_q "SELECT outcome || ' ' || coalesce(reason_code, '-') || ' ' || coalesce(authn, '-') FROM intake.message_log
  ORDER BY received_at DESC, \"offset\" DESC LIMIT 1"; }
status() { psql_q "SELECT status FROM intake.need WHERE need_id = '$1'"; }
receipts() { psql_q "SELECT count(*) FROM intake.outbox WHERE record_type = 'Receipt'"; }
review() { rec NeedReviewed "$1" "r['meta']['sender'] = '${2:-prov-310000}'; r['meta']['event_id'] = '${3:-$(uuid)}'"; }

# --- the service key: refused if others can read it; never printed ------------------------
cfg=$(daemon_config intake miit gfdx.needs gfdx.matching-status)
"$GFDX_BUILD_DIR/services/intake/gfdx-intake" --config "$cfg" --check-config >"$T/check.out" 2>&1
assert_ok "--check-config names the key file" grep -q "security.signing_key = \"$GFDX_KEYS_DIR/miit.pem\"" "$T/check.out"
body=$(sed -n '/BEGIN/{n;p}' "$GFDX_KEYS_DIR/miit.pem")
assert_fails "and never prints the key" grep -qF -e "$body" -e "PRIVATE KEY" "$T/check.out"
cp "$GFDX_KEYS_DIR/miit.pem" "$T/open.pem" && chmod 644 "$T/open.pem"
sed "s|signing_key = \"[^\"]*\"|signing_key = \"$T/open.pem\"|" "$cfg" >"$T/open.cfg"
assert_fails "a signing key readable by others is refused at start" \
  "$GFDX_BUILD_DIR/services/intake/gfdx-intake" --config "$T/open.cfg" --check-config

start_intake
N=GFN-2026-310000-80001
rec NeedSubmitted "$N" | produce
sent_one
assert_eq "a need submitted by MIIT (signed through GFDX_KEYS_DIR) is applied" "APPLIED - OK" "$(last)"
assert_eq "SUBMITTED" "SUBMITTED" "$(status "$N")"
r0=$(receipts)

# --- impersonation: another province reviews as 上海 (its own key, 上海's name) ------------
E=$(uuid)
review "$N" prov-310000 "$E" | produce --sign-key "$GFDX_KEYS_DIR/prov-320000.pem" --sender prov-310000
sent_one
assert_eq "signed by prov-320000, meta.sender prov-310000: KEY_NOT_OF_SENDER" \
  "REFUSED KEY_NOT_OF_SENDER KEY_NOT_OF_SENDER" "$(last)"
# --- the same, naming 上海's kid: the signature does not verify -------------------------------
kid310=$(sed -n 's/^gfdx-kid: //p' "$GFDX_KEYS_DIR/prov-310000.pem")
review "$N" prov-310000 "$E" | produce --sign-key "$GFDX_KEYS_DIR/prov-320000.pem" --kid "$kid310"
sent_one
assert_eq "上海's kid, another key: BAD_SIGNATURE" "REFUSED BAD_SIGNATURE BAD_SIGNATURE" "$(last)"
review "$N" prov-310000 "$E" | produce --sign-key "$GFDX_KEYS_DIR/prov-310000.pem" --kid 'prov-310000#2099z'
sent_one
assert_eq "an unregistered kid: UNKNOWN_KEY" "REFUSED UNKNOWN_KEY UNKNOWN_KEY" "$(last)"
review "$N" prov-310000 "$E" | produce --sign-key "$T/p310-old.pem"
sent_one
assert_eq "a key past its not_after: KEY_EXPIRED" "REFUSED KEY_EXPIRED KEY_EXPIRED" "$(last)"
review "$N" prov-310000 "$E" | GFDX_KEYS_DIR= produce
sent_one
assert_eq "no signature: UNSIGNED" "REFUSED UNSIGNED UNSIGNED" "$(last)"

# --- tampering: a bit flipped after signing, in the value, the key, the signature ----------
scratch() { # scratch NAME < jsonl: the encoded value of one record, via a scratch topic
  broker_create_topic "gfdx.scratch-$1"
  GFDX_KEYS_DIR= produce --topic "gfdx.scratch-$1"
  kcat -C -b "$GFDX_KAFKA_BOOTSTRAP" -t "gfdx.scratch-$1" -o 0 -c 1 -e -q -f '%s' >"$T/$1.bin"
}
tampered() { # tampered PART: a review of N signed by prov-310000 (by Python), PART flipped
  local try st
  for try in 1 2 3 4 5 6 7 8; do
    review "$N" prov-310000 "$E" | scratch "$1-$try"
    st=0; GFDX_FLIP=$1 kcat_signed prov-310000 "$(printf %s "$N" | od -An -tx1 | tr -d ' \n')" "$T/$1-$try.bin" || st=$?
    [ "$st" = 3 ] || return "$st"
  done
  return 1
}
for part in value key sig; do
  tampered $part
  sent_one
  assert_eq "a flipped bit in the $part: BAD_SIGNATURE" "REFUSED BAD_SIGNATURE BAD_SIGNATURE" "$(last)"
done
assert_eq "none of the refused records changed the need" "SUBMITTED" "$(status "$N")"
assert_eq "none got a receipt (their sender is not authenticated)" "$r0" "$(receipts)"
assert_eq "none burnt the event id" 0 "$(psql_q "SELECT count(*) FROM intake.inbound_event WHERE event_id = '$E'")"
assert_eq "all kept as rejections with their signature headers" 8 \
  "$(psql_q "SELECT count(*) FROM intake.rejection WHERE event_id = '$E' AND (sig IS NOT NULL OR reason_code = 'UNSIGNED')")"
assert_eq "and in the message log with their kid" 7 \
  "$(psql_q "SELECT count(*) FROM intake.message_log WHERE event_id = '$E' AND sig_kid IS NOT NULL")"

# --- the genuine record, same event id: accepted (Python's signature, independent of gfdx) --
tampered none
sent_one
assert_eq "the review signed by 上海's own key (by Python) is applied" "APPLIED - OK" "$(last)"
assert_eq "APPROVED" "APPROVED" "$(status "$N")"
assert_eq "and answered with a receipt" "$((r0 + 1))" "$(receipts)"

# --- rotation: the second current key (SM2) is accepted too --------------------------------
N2=GFN-2026-310000-80002
rec NeedSubmitted "$N2" | produce
sent_one
review "$N2" | produce --sign-key "$T/p310-sm2.pem"
sent_one
assert_eq "a review signed with 上海's SM2 key (rotation) is applied" "APPLIED - OK" "$(last)"
assert_eq "APPROVED" "APPROVED" "$(status "$N2")"

# --- what intake emits is signed with MIIT's key; gfdx-push accepts it ----------------------
wait_sql_eq "SELECT count(*) FROM intake.outbox WHERE published_at IS NULL" 0 30
miit_kid=$(sed -n 's/^gfdx-kid: //p' "$GFDX_KEYS_DIR/miit.pem")
assert_eq "every outbox row signed with MIIT's kid" "0" \
  "$(psql_q "SELECT count(*) FROM intake.outbox WHERE sig_kid IS DISTINCT FROM '$miit_kid' OR sig IS NULL")"
assert_eq "receipts on gfdx.receipts.<participant> carry MIIT's gfdx-kid" "$(receipts_count)" \
  "$(receipts_read '%h\n' | grep -c "gfdx-kid=$miit_kid")"

# --- gfdx-push: a NeedPushed claiming MIIT signed by a province is refused ------------------
make_pushes 3 7
start_push
psent=0
psent_one() { psent=$((psent + 1)); wait_sql_eq "SELECT count(*) FROM pboc.message_log" "$psent" 30; }
plast() { psql_q "SELECT outcome || ' ' || coalesce(reason_code, '-') FROM pboc.message_log ORDER BY received_at DESC, \"offset\" DESC LIMIT 1"; }
head -n 1 "$PUSHES" | produce --sign-key "$GFDX_KEYS_DIR/prov-310000.pem" --sender miit
psent_one
assert_eq "a NeedPushed claiming MIIT signed by a province: KEY_NOT_OF_SENDER" "REFUSED KEY_NOT_OF_SENDER" "$(plast)"
head -n 1 "$PUSHES" | GFDX_KEYS_DIR= produce
psent_one
assert_eq "an unsigned NeedPushed: UNSIGNED" "REFUSED UNSIGNED" "$(plast)"
assert_eq "nothing recorded, nothing dispatched" "0 0" \
  "$(psql_q "SELECT (SELECT count(*) FROM pboc.need) || ' ' || (SELECT count(*) FROM pboc.dispatch)")"
head -n 1 "$PUSHES" | produce
psent_one
assert_eq "the NeedPushed signed by MIIT's key is applied" "APPLIED -" "$(plast)"
assert_eq "and dispatched" 1 "$(psql_q "SELECT count(*) FROM pboc.need")"
kill_proc push TERM

# --- security.require_signatures = false: unsigned accepted and counted, bad still refused --
kill_proc intake TERM
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cfg=$(GFDX_TEST_SECURITY="require_signatures = false;" daemon_config intake miit gfdx.needs gfdx.matching-status)
echo "metrics: { port = $port; };" >>"$cfg"
spawn intake "$GFDX_BUILD_DIR/services/intake/gfdx-intake" --config "$cfg"
N3=GFN-2026-310000-80003
rec NeedSubmitted "$N3" | GFDX_KEYS_DIR= produce
sent_one
assert_eq "an unsigned record is accepted while signatures are not required, marked UNSIGNED" \
  "APPLIED - UNSIGNED" "$(last)"
metrics() { $PY -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$port/metrics').read().decode())"; }
unsigned_counted() { metrics | grep -q '^gfdx_unsigned_accepted_total{service="intake"} 1$'; }
wait_for "gfdx_unsigned_accepted_total counts it" 20 unsigned_counted
E3=$(uuid)
review "$N3" prov-310000 "$E3" | produce --sign-key "$GFDX_KEYS_DIR/prov-320000.pem" --kid "$kid310"
sent_one
assert_eq "a signature that does not verify is refused even then" "REFUSED BAD_SIGNATURE BAD_SIGNATURE" "$(last)"
assert_eq "SUBMITTED" "SUBMITTED" "$(status "$N3")"
finish
