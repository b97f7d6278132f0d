# lib_sign.sh: records signed outside gfdx (after lib.sh; needs the stack's GFDX_KEYS_DIR).
#
# kcat_signed SENDER KEY_HEX FILE [TOPIC]: produces FILE (a value) with the Kafka key given as
# hex bytes (any bytes, even invalid UTF-8; "" for no key) on TOPIC (default gfdx.needs),
# signed as SENDER with $GFDX_KEYS_DIR/SENDER.pem by Python's `cryptography` (DESIGN §4's M,
# computed here independently of gfdx), through kcat's -H headers. kcat takes headers from
# its arguments, which cannot hold a NUL byte: status 3 when the signature has one (1 in 4
# Ed25519 signatures do): the caller makes another record (fresh event id) and tries again.
# GFDX_FLIP=value|key|sig flips one bit of that part after signing (a tampered record; in the
# value, the last byte of the entity id when the value holds the key, so it still decodes).
kcat_signed() {
  /usr/bin/python3 - "$GFDX_KEYS_DIR/$1.pem" "$2" "$3" "${4:-gfdx.needs}" "$GFDX_KAFKA_BOOTSTRAP" "${GFDX_FLIP:-}" <<'PY'
import re, struct, subprocess, sys
from cryptography.hazmat.primitives.serialization import load_pem_private_key
pem, key_hex, path, topic, brokers, flip = sys.argv[1:]
text = open(pem).read()
kid = re.search(r"^gfdx-kid: (.+)$", text, re.M).group(1)
block = text[text.index("-----BEGIN"):].encode()
key, value = bytes.fromhex(key_hex), open(path, "rb").read()
m = b"gfdx-sig-v1\x00" + struct.pack(">I", len(key)) + key + value
sig = load_pem_private_key(block, password=None).sign(m)  # Ed25519
def f(b, i=None):  # one bit flipped, at i (default: the middle)
    i = len(b) // 2 if i is None else i
    return b[:i] + bytes([b[i] ^ 0x04]) + b[i + 1:]
if flip == "value":  # inside the entity id when the value holds the key: it still decodes
    value = f(value, value.find(key) + len(key) - 1 if key and key in value else None)
    path = path + ".flipped"
    open(path, "wb").write(value)
key = f(key) if flip == "key" else key
sig = f(sig) if flip == "sig" else sig
if b"\x00" in sig or b"\x00" in key:
    sys.exit(3)
args = ["kcat", "-P", "-b", brokers, "-t", topic, "-H", b"gfdx-kid=" + kid.encode(), "-H", b"gfdx-sig=" + sig]
if key:
    args += ["-k", key]
sys.exit(subprocess.run(args + [path]).returncode)
PY
}
