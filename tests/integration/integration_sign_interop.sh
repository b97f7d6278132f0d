#!/usr/bin/env bash
# Proof of origin across implementations (DESIGN §4): records signed by a Java signer (JDK 17's
# own Ed25519, tests/interop/Sign.java), a Python signer (python3-cryptography,
# tests/interop/sign.py) and the openssl command line (Ed25519, and SM2 with SM3 and the
# signer id 1234567812345678), each building M itself, are accepted by gfdx_sign_verify
# (`gfdx keys verify`), and a flipped byte in the Kafka key, the value or the signature is
# refused BAD_SIGNATURE. The other way: what gfdx signs, Python, Java and openssl verify.
# Keys both ways: the PEM file `gfdx keys generate` writes is read by Java, Python and
# openssl; the public keys Java and Python generate are read by gfdx. No stack needed.
source "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
INTEROP=$GFDX_SOURCE_DIR/tests/interop
GFDX_TEST_DIR=$(mktemp -d "/tmp/gfdx-$_T_NAME.XXXXXX")
d=$GFDX_TEST_DIR
java_sign() { java "$INTEROP/Sign.java" "$@"; }
py_sign() { $PY "$INTEROP/sign.py" "$@"; }
gfdx_verify() { # ALG PUBLIC KEY VALUEFILE SIG: prints ok / BAD_SIGNATURE, exit 0 / 1
    "$GFDX_CLI" keys verify --alg "$1" --public-key "$2" --key "$3" --sig "$4" <"$5" 2>&1
}
public_of() { sed -n 's/.*public_key = "\([^"]*\)".*/\1/p'; }
# flip_value IN OUT OFFSET: a copy of IN with one bit of byte OFFSET flipped.
flip_value() { $PY -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[int(sys.argv[3])] ^= 1; open(sys.argv[2], "wb").write(b)' "$@"; }
# flip_sig SIG OFFSET: the base64 signature with one bit of byte OFFSET flipped.
flip_sig() { $PY -c 'import base64, sys; b = bytearray(base64.b64decode(sys.argv[1])); b[int(sys.argv[2])] ^= 1; print(base64.b64encode(b).decode())' "$@"; }
# message KEY VALUEFILE OUT: M built by the shell: "gfdx-sig-v1" 0x00, uint32_be(len(key)) (bytes), key, value.
message() {
    local n
    n=$(printf '%s' "$1" | wc -c)
    { printf 'gfdx-sig-v1\0'; printf "\\x$(printf %02x $((n >> 24 & 255)))\\x$(printf %02x $((n >> 16 & 255)))"
      printf "\\x$(printf %02x $((n >> 8 & 255)))\\x$(printf %02x $((n & 255)))"; printf '%s' "$1"; cat "$2"; } >"$3"
}

# Inputs: a 2 KB binary value (zero bytes included) and a UTF-8 key whose byte length is not
# its character count.
KEY="需求-2026-0001"
head -c 2048 /dev/urandom >"$d/value"
printf '\0\0' >>"$d/value"
flip_value "$d/value" "$d/value.flipped" 1000

# checks_for WHO ALG PUBLIC SIG: gfdx accepts SIG over (KEY, value) and refuses each flip.
checks_for() {
    local who=$1 alg=$2 pub=$3 sig=$4 last
    assert_eq "$who: gfdx accepts the signature" ok "$(gfdx_verify "$alg" "$pub" "$KEY" "$sig" "$d/value")"
    assert_eq "$who: a flipped value byte is refused" BAD_SIGNATURE \
        "$(gfdx_verify "$alg" "$pub" "$KEY" "$sig" "$d/value.flipped" || true)"
    assert_eq "$who: a flipped key byte is refused" BAD_SIGNATURE \
        "$(gfdx_verify "$alg" "$pub" "需求-2026-0002" "$sig" "$d/value" || true)"
    last=$(($(printf '%s' "$sig" | base64 -d | wc -c) - 1))
    assert_eq "$who: a flipped first signature byte is refused" BAD_SIGNATURE \
        "$(gfdx_verify "$alg" "$pub" "$KEY" "$(flip_sig "$sig" 0)" "$d/value" || true)"
    assert_eq "$who: a flipped last signature byte is refused" BAD_SIGNATURE \
        "$(gfdx_verify "$alg" "$pub" "$KEY" "$(flip_sig "$sig" "$last")" "$d/value" || true)"
}

# ---- a key made by gfdx keys generate, used by Java, Python and openssl ----
"$GFDX_CLI" keys generate --participant bank-icbc-310000 --alg ed25519 --out "$d/ed.pem" >"$d/ed.entry" 2>/dev/null
ED_PUB=$(public_of <"$d/ed.entry")
assert_eq "the key file is the owner's only" 600 "$(stat -c %a "$d/ed.pem")"
assert_eq "openssl reads the key file and derives the registered public key" "$ED_PUB" \
    "$(openssl pkey -in "$d/ed.pem" -pubout -outform DER | base64 -w0)"
assert_eq "Python reads the key file and derives the registered public key" "$ED_PUB" "$(py_sign public "$d/ed.pem")"

java_sig=$(java_sign sign "$d/ed.pem" "$KEY" "$d/value")
checks_for "Java (gfdx key)" ed25519 "$ED_PUB" "$java_sig"
py_sig=$(py_sign sign "$d/ed.pem" "$KEY" "$d/value")
checks_for "Python (gfdx key)" ed25519 "$ED_PUB" "$py_sig"
message "$KEY" "$d/value" "$d/m"
assert_eq "M is 16 + len(key) + len(value) bytes" $((16 + $(printf '%s' "$KEY" | wc -c) + 2050)) "$(wc -c <"$d/m")"
openssl pkeyutl -sign -rawin -inkey "$d/ed.pem" -in "$d/m" -out "$d/m.ossl.sig"
checks_for "openssl (gfdx key)" ed25519 "$ED_PUB" "$(base64 -w0 "$d/m.ossl.sig")"
gfdx_sig=$("$GFDX_CLI" keys sign "$d/ed.pem" --key "$KEY" <"$d/value")
assert_eq "Ed25519 is deterministic: Java, Python, openssl and gfdx give the same bytes" \
    "$gfdx_sig $gfdx_sig $gfdx_sig" "$java_sig $py_sig $(base64 -w0 "$d/m.ossl.sig")"

# ---- keys the integrators generate themselves: their public key text is gfdx's ----
java_pub=$(java_sign generate "$d/java.pem")
checks_for "Java (own key)" ed25519 "$java_pub" "$(java_sign sign "$d/java.pem" "$KEY" "$d/value")"
py_pub=$(py_sign generate "$d/py.pem")
checks_for "Python (own key)" ed25519 "$py_pub" "$(py_sign sign "$d/py.pem" "$KEY" "$d/value")"
assert_eq "a key of another participant is refused" BAD_SIGNATURE \
    "$(gfdx_verify ed25519 "$java_pub" "$KEY" "$py_sig" "$d/value" || true)"

# ---- the other way: what gfdx signs, the others verify ----
assert_eq "Python verifies gfdx's signature" ok "$(py_sign verify "$ED_PUB" "$KEY" "$d/value" "$gfdx_sig")"
assert_eq "Python refuses it over a flipped value" BAD_SIGNATURE \
    "$(py_sign verify "$ED_PUB" "$KEY" "$d/value.flipped" "$gfdx_sig" || true)"
assert_eq "Java verifies gfdx's signature" ok "$(java_sign verify "$ED_PUB" "$KEY" "$d/value" "$gfdx_sig")"
printf '%s' "$gfdx_sig" | base64 -d >"$d/gfdx.sig"
assert_ok "openssl verifies gfdx's signature" openssl pkeyutl -verify -rawin -inkey "$d/ed.pem" -in "$d/m" -sigfile "$d/gfdx.sig"

# ---- SM2 (SM3, signer id 1234567812345678): openssl is the independent implementation ----
"$GFDX_CLI" keys generate --participant prov-310000 --alg sm2 --out "$d/sm2.pem" >"$d/sm2.entry" 2>/dev/null
SM2_PUB=$(public_of <"$d/sm2.entry")
assert_eq "openssl derives the registered SM2 public key" "$SM2_PUB" \
    "$(openssl pkey -in "$d/sm2.pem" -pubout -outform DER | base64 -w0)"
sm2_sign() { openssl pkeyutl -sign -rawin -digest sm3 -inkey "$d/sm2.pem" -in "$d/m" "$@"; }
sm2_sign -pkeyopt distid:1234567812345678 -out "$d/m.sm2.sig"
checks_for "openssl SM2" sm2 "$SM2_PUB" "$(base64 -w0 "$d/m.sm2.sig")"
sm2_sign -pkeyopt distid:1234567812345679 -out "$d/m.sm2.otherid.sig"
assert_eq "an SM2 signature made with another signer id is refused" BAD_SIGNATURE \
    "$(gfdx_verify sm2 "$SM2_PUB" "$KEY" "$(base64 -w0 "$d/m.sm2.otherid.sig")" "$d/value" || true)"
"$GFDX_CLI" keys sign "$d/sm2.pem" --key "$KEY" <"$d/value" | base64 -d >"$d/gfdx.sm2.sig"
assert_ok "openssl verifies gfdx's SM2 signature with signer id 1234567812345678" \
    openssl pkeyutl -verify -rawin -digest sm3 -inkey "$d/sm2.pem" -pkeyopt distid:1234567812345678 -in "$d/m" -sigfile "$d/gfdx.sm2.sig"
assert_fails "... and not with another signer id" \
    openssl pkeyutl -verify -rawin -digest sm3 -inkey "$d/sm2.pem" -pkeyopt distid:1234567812345679 -in "$d/m" -sigfile "$d/gfdx.sm2.sig"
assert_eq "an SM2 signature offered for the Ed25519 key is refused" BAD_SIGNATURE \
    "$(gfdx_verify ed25519 "$ED_PUB" "$KEY" "$(base64 -w0 "$d/m.sm2.sig")" "$d/value" || true)"
assert_fails "an SM2 public key registered as ed25519 is refused" \
    "$GFDX_CLI" keys verify --alg ed25519 --public-key "$SM2_PUB" --key "$KEY" --sig "$gfdx_sig" <"$d/value"

# ---- the key file and the registry entry ----
chmod 644 "$d/ed.pem"
out=$("$GFDX_CLI" keys show "$d/ed.pem" 2>&1 || true)
assert_eq "a key file readable by others is refused, saying so" 1 "$(grep -c 'readable or writable by group or others (mode 0644)' <<<"$out")"
assert_eq "... without a byte of the key" 0 "$(grep -c "$(sed -n 2p "$d/ed.pem" | cut -c1-20)" <<<"$out" || true)"
chmod 600 "$d/ed.pem"
assert_eq "keys show prints the entry generate printed" "$(cat "$d/ed.entry")" "$("$GFDX_CLI" keys show "$d/ed.pem")"
assert_fails "generate never overwrites a key file" \
    "$GFDX_CLI" keys generate --participant bank-icbc-310000 --alg ed25519 --out "$d/ed.pem"
assert_eq "the entry's default kid and dates" 1 "$(grep -cE '^\{ kid = "bank-icbc-310000#20[0-9]{2}a"; alg = "ed25519"; public_key = "[A-Za-z0-9+/=]+"; not_before = "20[0-9]{2}-[0-9]{2}-[0-9]{2}"; not_after = "20[0-9]{2}-12-31"; \}$' "$d/ed.entry")"

rm -rf "$d"
finish
