#!/usr/bin/env bash
# Benchmark: applying a large FULL name list with gfdx-namelist (not part of the test suite).
#   bash bench/bench_namelist.sh [ENTRIES] [PART_SIZE]   (default 50000 entries, 2000 per part)
# Generates a green-enterprise directory of ENTRIES entries (deploy/sample/make_namelists.py
# --large) with two FULL versions (the second removes, updates and adds 5 % each), prints
# the size of the version encoded as ONE record (against Kafka's default message.max.bytes,
# 1,000,000 bytes) and of the parts it is published in, then for each version produces the
# parts (lz4) to a private stack and measures:
#   end to end  from the first byte produced to the version's district.list_version row
#               (Kafka, decoding, validation, staging of every part, apply, commit);
#   apply       district.list_version.apply_ms: the apply of the complete version inside the
#               last part's transaction (load, diff, close/insert rows, checks, NameListChanged).
# The consumer-group join happens before the first version is produced and is not counted.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
entries=${1:-50000} part_size=${2:-2000}
bench_stack_up namelist
$PY "$top/deploy/sample/make_namelists.py" --seed 3 --large "$entries" --large-versions 2 --part-size "$part_size" \
  --out "$dir/big.jsonl" --expect "$dir/big.expect.json" 2>/dev/null
parts=$(($(grep -c . "$dir/big.jsonl") / 2))
head -n "$parts" "$dir/big.jsonl" >"$dir/v1.jsonl"
tail -n "+$((parts + 1))" "$dir/big.jsonl" >"$dir/v2.jsonl"

# Encoded sizes: the whole version as one record, and the parts as published.
$PY - "$dir/v1.jsonl" "$top/schemas/avro/name_list_published.v1.avsc" <<'PY'
import datetime as dt, io, json, sys
import avro.io, avro.schema
schema = avro.schema.parse(open(sys.argv[2]).read())
def size(r):
    r = dict(r)
    r.pop("$type")
    r["meta"] = dict(r["meta"], event_id="00000000-0000-4000-8000-000000000000",
                     occurred_at=dt.datetime.fromtimestamp(r["meta"]["occurred_at"] / 1000, dt.timezone.utc))
    buf = io.BytesIO()
    avro.io.DatumWriter(schema).write(r, avro.io.BinaryEncoder(buf))
    return len(buf.getvalue()) + 10  # single-object header
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
whole = dict(recs[0], entries=[e for r in recs for e in r["entries"]], part=1, part_count=1)
n, one, biggest = len(whole["entries"]), size(whole), max(size(r) for r in recs)
print(f"one record:  {n} entries encode to {one:,} bytes ({one / n:.0f} bytes/entry): "
      f"{one / 1_000_000:.1f} x Kafka's default message.max.bytes (1,000,000)")
print(f"as published: {len(recs)} parts of at most {max(len(r['entries']) for r in recs)} entries, "
      f"the largest {biggest:,} bytes")
PY

cat >"$dir/namelist.cfg" <<CFG
service: { name = "namelist"; participant = "d500106-fin"; log_level = "${GFDX_BENCH_LOG:-warn}"; };
postgres: { conninfo = "$GFDX_PG_CONNINFO"; };
paths: { schemas = "$top/schemas/avro"; migrations = "$top/schemas/sql";
         participants = "$GFDX_PARTICIPANTS"; calendar = "$top/deploy/calendar.cfg"; };
security: { signing_key = "$GFDX_KEYS_DIR/d500106-fin.pem"; };
topics: { consume = ["gfdx.namelists"]; };
kafka = ( ("bootstrap.servers", "$GFDX_KAFKA_BOOTSTRAP"), ("session.timeout.ms", "6000") );
CFG
"$GFDX_BUILD_DIR/services/namelist/gfdx-namelist" --config "$dir/namelist.cfg" 2>"$dir/namelist.log" &
pid=$!
q() { psql -X -q -A -t "$GFDX_PG_CONNINFO" -c "$1" 2>/dev/null || echo 0; }
for _ in $(seq 1 200); do # joined the group and assigned: offsets read at assignment
  grep -q "resuming at offset" "$dir/namelist.log" 2>/dev/null && break
  sleep 0.1
done
for v in 1 2; do
  t0=$(date +%s%N)
  "$GFDX_BUILD_DIR/tools/cli/gfdx" produce -q --brokers "$GFDX_KAFKA_BOOTSTRAP" -X compression.codec=lz4 <"$dir/v$v.jsonl"
  for _ in $(seq 1 3000); do
    [ "$(q "SELECT count(*) FROM district.list_version WHERE version = $v")" -ge 1 ] && break
    sleep 0.05
  done
  t1=$(date +%s%N)
  row=$(q "SELECT added || ' added, ' || updated || ' updated, ' || removed || ' removed, ' || entry_count
           || ' entries; apply ' || apply_ms || ' ms; digest ' || CASE WHEN content_md5 = district.list_digest(list_id,
           version) THEN 'rebuilt = published' ELSE 'MISMATCH' END FROM district.list_version WHERE version = $v")
  want=$($PY -c "import json; print(json.load(open('$dir/big.expect.json'))['lists']['500106-EIT-ENT']['versions']['$v']['digest'])")
  got=$(q "SELECT content_md5 FROM district.list_version WHERE version = $v")
  echo "FULL version $v ($parts parts): end to end $(((t1 - t0) / 1000000)) ms; $row;" \
       "$([ "$want" = "$got" ] && echo "equals the generator's model" || echo "DIFFERS from the model")"
done
# Baseline, same run, same server: the least PostgreSQL can do for a 50,000-entry version —
# one INSERT ... SELECT of as many rows of the same width into a fresh table, in one transaction.
entries=$(q "SELECT entry_count FROM district.list_version WHERE version = 1")
base_ms=$(psql -X -q -A -t "$GFDX_PG_CONNINFO" <<SQL | tail -1
CREATE TEMP TABLE bench_base (list_id text, entry_key text, uscc text, name text, attributes jsonb, valid_from int);
\\timing on
INSERT INTO bench_base SELECT '500106-EIT-ENT', 'E' || i, '91500106MA5U' || lpad(i::text, 6, '0'),
       '重庆市沙坪坝区绿色企业' || i || '有限公司', jsonb_build_object('category', '1.1.' || (i % 9)), 1
  FROM generate_series(1, $entries) i;
SQL
)
base_ms=$(echo "$base_ms" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
apply_ms=$(q "SELECT apply_ms FROM district.list_version WHERE version = 1")
echo "baseline: plain INSERT of $entries rows of the same width: ${base_ms} ms"
echo "ratio apply(version 1) / baseline: $($PY -c "print(round($apply_ms / $base_ms, 2))")"
