#!/usr/bin/env bash
# gfdx produce --sign-key FILE (DESIGN §4): every record reaches the broker with the headers
# gfdx-kid (as registered) and gfdx-sig, a signature over M(exact Kafka key, exact value)
# that gfdx_sign_verify (`gfdx keys verify`) and Python's cryptography both accept; sender
# defaults to the key file's participant; unsigned runs carry no such headers; a key file
# readable by others is refused before anything is sent.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"

PY=/usr/bin/python3
stack_up
d=$GFDX_TEST_DIR
"$GFDX_CLI" keys generate --participant miit --alg ed25519 --kid 'miit#2026t' --out "$d/miit.pem" >"$d/miit.entry" 2>/dev/null
PUB=$(sed -n 's/.*public_key = "\([^"]*\)".*/\1/p' "$d/miit.entry")
$PY "$GFDX_SOURCE_DIR/deploy/sample/make_needs.py" --seed 5 --count 3 --v1-share 0 2>/dev/null |
    grep '"NeedSubmitted"' | $PY -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    r["meta"].pop("sender", None)   # the key file names the sender
    print(json.dumps(r, ensure_ascii=False))' >"$d/needs.jsonl"
n=$(grep -c . "$d/needs.jsonl")
assert_ge "the sample has NeedSubmitted records" 2 "$n"

produce --sign-key "$d/miit.pem" <"$d/needs.jsonl"
assert_eq "every record reached the broker" "$n" "$(kafka_count gfdx.needs)"

# Each record's key, value and headers, as raw bytes: kcat -J writes them as JSON strings
# (escaping NUL and control bytes, other bytes as they are), so the text is read back with
# surrogateescape; kcat's -f '%h' would cut a signature at its first zero byte.
kcat -C -b "$GFDX_KAFKA_BOOTSTRAP" -t gfdx.needs -o beginning -e -q -J >"$d/records.json" 2>/dev/null
$PY - "$d/records.json" "$d" <<'PY'
import base64, json, sys
raw = lambda s: s.encode("utf-8", "surrogateescape")
for i, line in enumerate(open(sys.argv[1], "rb").read().decode("utf-8", "surrogateescape").splitlines()):
    r = json.loads(line)
    h = dict(zip(r["headers"][0::2], r["headers"][1::2]))
    open(f"{sys.argv[2]}/r{i}.key", "wb").write(raw(r["key"]))
    open(f"{sys.argv[2]}/r{i}.value", "wb").write(raw(r["payload"]))
    open(f"{sys.argv[2]}/r{i}.kid", "wb").write(raw(h.get("gfdx-kid", "")))
    open(f"{sys.argv[2]}/r{i}.sig", "w").write(base64.b64encode(raw(h.get("gfdx-sig", ""))).decode())
PY
ok=0 bad=0 kids=0 senders=0 flipped=0
for f in "$d"/r*.key; do
    r=${f%.key} key=$(cat "$f") sig=$(cat "${f%.key}.sig")
    [ "$(cat "$r.kid")" = 'miit#2026t' ] && kids=$((kids + 1))
    grep -q miit "$r.value" && senders=$((senders + 1))
    if "$GFDX_CLI" keys verify --alg ed25519 --public-key "$PUB" --key "$key" --sig "$sig" <"$r.value" >/dev/null &&
        $PY "$GFDX_SOURCE_DIR/tests/interop/sign.py" verify "$PUB" "$key" "$r.value" "$sig" >/dev/null; then
        ok=$((ok + 1))
    else
        bad=$((bad + 1))
    fi
    printf 'x' >>"$r.value" # one byte more: the signature no longer holds
    "$GFDX_CLI" keys verify --alg ed25519 --public-key "$PUB" --key "$key" --sig "$sig" <"$r.value" >/dev/null ||
        flipped=$((flipped + 1))
done
assert_eq "every record carries gfdx-kid = the key file's kid" "$n" "$kids"
assert_eq "every record's gfdx-sig verifies (gfdx and Python) over its exact key and value" "$n/0" "$ok/$bad"
assert_eq "a value changed after signing no longer verifies" "$n" "$flipped"
assert_eq "meta.sender defaults to the key file's participant" "$n" "$senders"

# Unsigned: no gfdx headers at all.
head -1 "$d/needs.jsonl" | GFDX_KEYS_DIR= produce --sender miit -T gfdx.matching-status --type NeedSubmitted # not the stack's keys
assert_eq "an unsigned run sends no gfdx-kid / gfdx-sig" "" \
    "$(kcat -C -b "$GFDX_KAFKA_BOOTSTRAP" -t gfdx.matching-status -o beginning -e -q -f '%h' 2>/dev/null | tr -d '\n')"

# A key file readable by others: refused, nothing sent, the key never printed.
chmod 640 "$d/miit.pem"
out=$("$GFDX_CLI" produce --brokers "$GFDX_KAFKA_BOOTSTRAP" --sign-key "$d/miit.pem" <"$d/needs.jsonl" 2>&1) && st=0 || st=$?
assert_eq "a group-readable key file is refused (exit 1)" 1 "$st"
assert_eq "... saying why" 1 "$(grep -c 'readable or writable by group or others (mode 0640)' <<<"$out")"
assert_eq "... and nothing was sent" "$n" "$(kafka_count gfdx.needs)"
chmod 600 "$d/miit.pem"
"$GFDX_CLI" keys generate --participant miit --alg ed25519 --out "$d/bare.pem" >/dev/null 2>&1
sed -i '/^gfdx-kid:/d' "$d/bare.pem"
assert_eq "a key file without a kid needs --kid (exit 2)" 2 \
    "$("$GFDX_CLI" produce --dry-run --sign-key "$d/bare.pem" <"$d/needs.jsonl" >/dev/null 2>&1; echo $?)"
assert_eq "... and --kid supplies it" 0 \
    "$("$GFDX_CLI" produce --dry-run --sign-key "$d/bare.pem" --kid 'miit#2026u' <"$d/needs.jsonl" >/dev/null 2>&1; echo $?)"
finish
