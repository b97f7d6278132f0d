#!/usr/bin/env bash
# Benchmark: records/s applied by gfdx-intake on this machine (not part of the test suite).
#   bash bench/bench_intake.sh [NEEDS]   (default 2000 needs, about 6000 records)
# Produces a generated stream first, then starts gfdx-intake and measures, from
# intake.message_log's received_at, the time between the first and the last record applied
# (the consumer-group join is excluded). Baseline, measured in the same run on the same
# topic: kcat reading every record of gfdx.needs (Kafka fetch alone, no decode, no
# PostgreSQL). Prints both rates and their ratio.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
needs=${1:-2000}
bench_stack_up intake
/usr/bin/python3 "$top/deploy/sample/make_needs.py" --seed 99 --count "$needs" --out "$dir/stream.jsonl" 2>/dev/null
total=$(grep -c . "$dir/stream.jsonl")
"$GFDX_BUILD_DIR/tools/cli/gfdx" produce -q --brokers "$GFDX_KAFKA_BOOTSTRAP" <"$dir/stream.jsonl"

t0=$(date +%s.%N)
read_n=$(kcat -C -b "$GFDX_KAFKA_BOOTSTRAP" -t gfdx.needs -o beginning -e -q -f '%o\n' | wc -l)
t1=$(date +%s.%N)
baseline=$(echo "$read_n / ($t1 - $t0)" | /usr/bin/python3 -c 'print(round(eval(input())))')

cat >"$dir/intake.cfg" <<CFG
service: { name = "intake"; participant = "miit"; log_level = "${GFDX_BENCH_LOG:-warn}"; };
postgres: { conninfo = "$GFDX_PG_CONNINFO"; };
paths: { schemas = "$top/schemas/avro"; migrations = "$top/schemas/sql";
         participants = "$GFDX_PARTICIPANTS"; calendar = "$top/deploy/calendar.cfg"; };
security: { signing_key = "$GFDX_KEYS_DIR/miit.pem"; };
topics: { consume = ["gfdx.needs", "gfdx.matching-status"]; };
kafka = ( ("bootstrap.servers", "$GFDX_KAFKA_BOOTSTRAP"), ("session.timeout.ms", "6000") );
CFG
${GFDX_BENCH_WRAP:-} "$GFDX_BUILD_DIR/services/intake/gfdx-intake" --config "$dir/intake.cfg" 2>"${GFDX_BENCH_LOGFILE:-$dir/intake.log}" &
pid=$!
q() { psql -X -q -A -t "$GFDX_PG_CONNINFO" -c "$1" 2>/dev/null || echo 0; }
for _ in $(seq 1 1200); do
  [ "$(q "SELECT count(*) FROM intake.message_log")" -ge "$total" ] && break
  sleep 0.25
done
secs=$(q "SELECT extract(epoch FROM max(received_at) - min(received_at)) FROM intake.message_log")
applied=$(q "SELECT count(*) FROM intake.message_log")
rate=$(/usr/bin/python3 -c "print(round(($applied - 1) / $secs))")
echo "records:            $applied of $total (gfdx.needs, $needs needs)"
echo "gfdx-intake:        $rate records/s applied (decode, validate, state, history, receipt, message log, offsets; batch.max_records 500)"
echo "baseline (kcat):    $baseline records/s read from the same topic"
echo "ratio intake/kcat:  $(/usr/bin/python3 -c "print(round($rate / $baseline, 3))")"
