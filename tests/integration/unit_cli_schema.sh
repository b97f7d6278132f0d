#!/usr/bin/env bash
# gfdx schema canonical|fingerprint against every vector of the Avro specification's own tests
# (tests/data/avro), through the CLI as an operator runs it; plus exit codes.
source "$(dirname "$0")/lib.sh"
vectors=$GFDX_SOURCE_DIR/tests/data/avro
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' RETURN
# One folder per vector: s.avsc, canonical (may be absent), fingerprint.
/usr/bin/python3 -c '
import json, os, sys
n = 0
for f in ("canonical-form.jsonl", "fingerprints.jsonl"):
    for line in open(sys.argv[1] + "/" + f):
        v = json.loads(line); n += 1; d = os.path.join(sys.argv[2], "%03d" % n); os.mkdir(d)
        open(d + "/s.avsc", "w").write(v["schema"])
        open(d + "/fingerprint", "w").write(v["fingerprint"])
        if "canonical" in v: open(d + "/canonical", "w").write(v["canonical"])' "$vectors" "$tmp"
n=0
for d in "$tmp"/[0-9]*; do
  n=$((n + 1))
  if [ -f "$d/canonical" ]; then
    assert_eq "canonical form of vector $n" "$(cat "$d/canonical")" "$("$GFDX_CLI" schema canonical "$d/s.avsc")"
  fi
  assert_eq "fingerprint of vector $n" "$(cat "$d/fingerprint")" "$("$GFDX_CLI" schema fingerprint "$d/s.avsc")"
done
assert_ge "all vectors read" 35 "$n"
echo '{"type": "record"' >"$tmp/bad.avsc"
"$GFDX_CLI" schema fingerprint "$tmp/bad.avsc" >/dev/null 2>&1 && rc=0 || rc=$?
assert_eq "malformed schema exits 1" 1 "$rc"
"$GFDX_CLI" schema >/dev/null 2>&1 && rc=0 || rc=$?
assert_eq "missing arguments exit 2" 2 "$rc"
assert_eq "fingerprint of the shipped Receipt schema is stable across runs" \
  "$("$GFDX_CLI" schema fingerprint "$GFDX_SOURCE_DIR/schemas/avro/receipt.v1.avsc")" \
  "$("$GFDX_CLI" schema fingerprint "$GFDX_SOURCE_DIR/schemas/avro/receipt.v1.avsc")"
finish
