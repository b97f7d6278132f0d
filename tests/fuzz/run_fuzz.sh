#!/usr/bin/env bash
# run_fuzz.sh FUZZER: runs the libFuzzer target for GFDX_FUZZ_SECONDS (default 60) under
# ASan/UBSan (ctest label fuzz). Fails on any crash, leak, sanitizer report or broken
# round-trip property (libFuzzer exits non-zero and leaves crash-* in the work directory),
# and when the fuzzer did not run at all.
#
# Catalogue: tests/unit/avro (every Avro type, promotions, two versions of a record).
# Seed corpus, made here: the single-object messages of tests/unit/avro/python_fixtures.jsonl
# (written by python3-avro, an independent implementation) and the schemas of the Avro spec
# vectors (tests/data/avro) as raw inputs. New inputs go to $work/corpus, kept between runs
# of the same build directory.
set -euo pipefail
fuzzer=$1
src=${GFDX_SOURCE_DIR:?}
work=$(dirname "$fuzzer")/fuzz-work
mkdir -p "$work/corpus" "$work/seeds" "$work/artifacts"
/usr/bin/python3 - "$src" "$work/seeds" <<'PY'
import json, os, sys
src, out = sys.argv[1], sys.argv[2]
n = 0
for line in open(os.path.join(src, "tests/unit/avro/python_fixtures.jsonl"), encoding="utf-8"):
    rec = json.loads(line)
    if rec.get("kind") == "datum":
        open(os.path.join(out, "datum-%02d" % n), "wb").write(bytes.fromhex(rec["hex"]))
        n += 1
for name in ("canonical-form.jsonl", "fingerprints.jsonl"):
    for i, line in enumerate(open(os.path.join(src, "tests/data/avro", name), encoding="utf-8")):
        open(os.path.join(out, "%s-%02d" % (name.split("-")[0], i)), "wb").write(json.loads(line)["schema"].encode())
        n += 1
print("run_fuzz: %d seeds" % n)
PY
seconds=${GFDX_FUZZ_SECONDS:-60}
log=$work/fuzz.log
rc=0
GFDX_FUZZ_SCHEMAS=$src/tests/unit/avro "$fuzzer" -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=10 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" "$work/seeds" >"$log" 2>&1 || rc=$?
tail -n 25 "$log"
if [ "$rc" -ne 0 ]; then
  echo "run_fuzz: FAILED (exit $rc); reproducer(s): $(ls "$work/artifacts" | tr '\n' ' ')"
  exit 1
fi
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
if [ -z "$runs" ] || [ "$runs" -lt 1000 ]; then
  echo "run_fuzz: FAILED: only ${runs:-0} inputs executed"
  exit 1
fi
echo "run_fuzz: $runs inputs in ${seconds} s, no crash"
