#!/usr/bin/env bash
# bench/run.sh: the figures of issue 11, measured in one run on this machine, as one table
# (not part of the test suite).
#   bash bench/run.sh [--quick] [--broker devbroker|kafka] [SERVICE...]
# SERVICE: push intake feedback namelist (default all four, always run in this order). --quick: smaller streams and a
# 5 s latency load (about 3 min instead of about 10).
#
# One private stack (bench/lib.sh) whose PostgreSQL preloads pg_stat_statements; each
# service has its own database bench_<service>, reached as role bench_daemon (so that the
# harness's own queries, made as gfdx, are not counted). Per service:
#   1. a generated stream (deploy/sample/, tests/integration/data/) is signed by `gfdx produce`
#      ($GFDX_KEYS_DIR) into two staging topics: the throughput part and the latency part;
#   2. the daemon starts once on the empty topic (migrations, group join), then stops;
#   3. throughput: the first part is copied to the service's topic (bench_pump), statistics
#      are reset, the daemon starts; records/s = records committed after its first commit /
#      time from its first commit to its last (commits seen by offsets_poll); signatures are
#      verified (security.require_signatures defaults to true); statements per record =
#      pg_stat_statements calls of bench_daemon in bench_<service> / records;
#   4. baselines on the same topic and PostgreSQL (database bench_base): a raw binary COPY of
#      the records' key and value bytes into one table, and naive_consumer (per record: an
#      upsert, a message-log insert, an event-id insert, each autocommitted);
#   5. latency: the daemon restarts, the second part is produced at a steady RATE (1,000/s);
#      each record's latency = the first time offsets_poll saw its offset committed minus its
#      Kafka CreateTime (set when bench_pump handed it to librdkafka); RSS = the daemon's
#      VmHWM during this phase.
# batch.max_records = 500, batch.max_ms at its default. Environment: GFDX_BUILD_DIR (default
# <repo>/build), GFDX_BENCH_KEEP=1 keeps the run directory (logs, poll files),
# GFDX_BENCH_LAT_LOG=debug logs every batch of the latency run (its log in the kept directory).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

quick=0 broker=devbroker services=()
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --broker) broker=$2; shift ;;
    intake | push | feedback | namelist) services+=("$1") ;;
    *) echo "usage: bench/run.sh [--quick] [--broker devbroker|kafka] [intake|push|feedback|namelist...]" >&2; exit 2 ;;
  esac
  shift
done
# Always in this order: a daemon's outbox feeds another's input (intake's NeedPushed go to
# gfdx.miit-pushes, push's input; feedback's NeedMatchingStatus to gfdx.matching-status,
# intake's), so each runs before the service that writes to its topics.
[ ${#services[@]} -gt 0 ] || services=(push intake feedback namelist)
order=()
for s in push intake feedback namelist; do [[ " ${services[*]} " == *" $s "* ]] && order+=("$s"); done
services=("${order[@]}")
RATE=1000
if [ "$quick" = 1 ]; then TPUT=4000 LAT_S=5 NL_VERSIONS=4; else TPUT=15000 LAT_S=20 NL_VERSIONS=8; fi
LAT=$((RATE * LAT_S))
CLI=$GFDX_BUILD_DIR/tools/cli/gfdx
BB=$GFDX_BUILD_DIR/bench
for b in "$CLI" "$BB/naive_consumer" "$BB/bench_pump" "$BB/offsets_poll"; do
  [ -x "$b" ] || { echo "bench/run.sh: $b missing: build first (deploy/build.sh)" >&2; exit 1; }
done

log() { echo "# $(date +%T) $*" >&2; }
sq() { psql -X -q -A -t -v ON_ERROR_STOP=1 "host=$GFDX_PG_HOST port=$GFDX_PG_PORT dbname=${2:-gfdx} user=gfdx" -c "$1"; }
py() { $PY -c "$@"; }

# --- the stack: pg_stat_statements preloaded, the daemons' role, the staging topics ---
stack_prepare() {
  bench_stack_up run --broker "$broker"
  sq "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" >/dev/null
  "$top/deploy/localstack.sh" pg-stop "$dir/stack"
  "$top/deploy/localstack.sh" pg-start "$dir/stack"
  sq "CREATE EXTENSION pg_stat_statements" >/dev/null
  sq "CREATE ROLE bench_daemon LOGIN SUPERUSER" >/dev/null
  sq "CREATE DATABASE bench_base" >/dev/null
  local d=$dir/topics f
  mkdir -p "$d"
  for f in "$top"/deploy/*.cfg; do ln -sf "$f" "$d/"; done
  rm -f "$d/topics.cfg"
  local extra="" s
  for s in "${services[@]}"; do
    extra="$extra\\n  { name = \"bench.stage.$s.t\"; partitions = 12; },\\n  { name = \"bench.stage.$s.l\"; partitions = 12; },"
  done
  sed "s/^topics = (/&$extra/" "$top/deploy/topics.cfg" >"$d/topics.cfg"
  "$CLI" kafka apply --brokers "$GFDX_KAFKA_BOOTSTRAP" --topics "$d/topics.cfg" \
    --participants "$top/deploy/participants.cfg" >"$dir/topics-apply.log" 2>&1 ||
    { tail "$dir/topics-apply.log" >&2; exit 1; }
}

# --- the streams: JSON lines, the first $TPUT for throughput, then $LAT for latency ---
gen_intake() {
  $PY "$top/deploy/sample/make_needs.py" --seed 11 --count $(((TPUT + LAT) * 10 / 30 + 50)) --out "$1" 2>/dev/null
}

# NeedPushed as gfdx-intake writes them (tests/integration/lib_pboc.sh make_pushes), one per need.
gen_push() {
  $PY "$top/deploy/sample/make_needs.py" --seed 12 --count $((TPUT + LAT + 10)) --v1-share 0 --out "$1.needs" 2>/dev/null
  $PY - "$1.needs" "$1" <<'PYEOF'
import json, sys
with open(sys.argv[2], "w", encoding="utf-8") as out:
    n = 0
    for line in open(sys.argv[1], encoding="utf-8"):
        r = json.loads(line)
        if r["$type"] != "NeedSubmitted":
            continue
        f, p = r["factory"], r["project"]
        rec = {"$type": "NeedPushed", "meta": {"sender": "miit", "occurred_at": r["meta"]["occurred_at"] + 86400000},
               "need_id": r["need_id"], "quarter": "2026Q1", "late": n % 7 == 3, "is_major": r["is_major"],
               "priority_tags": ["GREEN_FACTORY"] if n % 3 == 0 else [], "recommended_by": "prov-" + f["province"],
               "batch_id": f"B-{f['province']}-2026Q1-01", "factory": f, "project": p, "contact": r["contact"]}
        out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        n += 1
PYEOF
}

# MatchingFeedback / ObstacleRaised / ObstacleResolved of dispatched needs; pboc.need and
# pboc.dispatch rows in $1.sql (loaded before the daemon starts). ~8 % are refusals by
# construction: they are committed (message log, rejection) like the rest.
gen_feedback() {
  $PY "$top/tests/integration/data/make_feedback_stream.py" --seed 13 --needs $(((TPUT + LAT) / 9 + 20)) \
    --out "$1" --sql "$1.sql" --expect "$1.expect"
}

# One directory (one list, one key, one partition) of FULL versions in parts of 5 entries:
# versions 1..3 (1,000 parts each) for throughput, the rest for latency (5 s at 1,000/s in
# the full run: a list has at most 8 versions in make_namelists.py).
gen_namelist() {
  $PY "$top/deploy/sample/make_namelists.py" --seed 14 --large 5000 --large-versions "$NL_VERSIONS" \
    --part-size 5 --out "$1" 2>/dev/null
}

svc_topic() { case $1 in intake) echo gfdx.needs ;; push) echo gfdx.miit-pushes ;; feedback) echo gfdx.feedback ;; namelist) echo gfdx.namelists ;; esac; }
svc_schema() { case $1 in intake) echo intake ;; push) echo pboc ;; feedback) echo feedback ;; namelist) echo district ;; esac; }
svc_participant() { case $1 in intake) echo miit ;; push | feedback) echo pboc ;; namelist) echo d500106-fin ;; esac; }
svc_consumes() { case $1 in intake) echo '"gfdx.needs", "gfdx.matching-status"' ;; push) echo '"gfdx.miit-pushes", "gfdx.dispatch-assignments"' ;; *) echo "\"$(svc_topic "$1")\"" ;; esac; }

# The dev broker (librdkafka's mock cluster) answers a fetch that finds no data only after
# the consumer's whole fetch.wait.max.ms (500 ms by default), even if records arrive
# meanwhile (rdkafka_mock_handlers.c: "we should cut the wait short ... too much of a
# hassle"); Apache Kafka answers as soon as fetch.min.bytes (1) arrived. So on the dev broker
# each record would wait up to 500 ms before the daemon even saw it: the daemons' consumers
# ask for at most 10 ms there (idle, 100 empty fetches a second). Not set on Apache Kafka.
dev_fetch=""
[ "$broker" != devbroker ] || dev_fetch=', ("fetch.wait.max.ms", "10")'

# svc_config SVC LOGLEVEL: the daemon's config file (as tests/integration/lib_daemons.sh).
svc_config() {
  local s=$1 cfg=$dir/$1.cfg props
  props=$("$top/deploy/localstack.sh" kafka-props "$dir/stack" "gfdx-$s")
  (umask 077; cat >"$cfg" <<CFG
service: { name = "$s"; participant = "$(svc_participant "$s")"; log_level = "$2"; };
postgres: { conninfo = "host=$GFDX_PG_HOST port=$GFDX_PG_PORT dbname=bench_$s user=bench_daemon"; };
paths: { schemas = "$top/schemas/avro"; migrations = "$top/schemas/sql";
         participants = "$GFDX_PARTICIPANTS"; calendar = "$top/deploy/calendar.cfg"; };
security: { signing_key = "$GFDX_KEYS_DIR/$(svc_participant "$s").pem"; };
topics: { consume = [ $(svc_consumes "$s") ]; };
batch: { max_records = 500; };
metrics: { port = ${metrics_port:-0}; };
kafka = ( $props, ("session.timeout.ms", "6000"), ("heartbeat.interval.ms", "500")$dev_fetch );
CFG
  )
  [ "$s" != feedback ] || echo 'feedback: { approved_margin_percent = 15; green_eligible_groups = ["1", "2", "3", "4", "5", "6", "7"]; };' >>"$cfg"
  echo "$cfg"
}

# daemon_start SVC LOGLEVEL PHASE: starts the daemon (pid in $pid), log $dir/SVC.PHASE.log.
daemon_start() {
  "$GFDX_BUILD_DIR/services/$1/gfdx-$1" --config "$(svc_config "$1" "$2")" </dev/null >"$dir/$1.$3.log" 2>&1 &
  pid=$!
}

daemon_stop() {
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=
}

# wait_assigned SVC PHASE: until the daemon resumed every partition of its topic (info log).
wait_assigned() {
  local topic n i got
  topic=$(svc_topic "$1")
  n=$(kcat -L -b "$GFDX_KAFKA_BOOTSTRAP" -t "$topic" 2>/dev/null | grep -c "partition [0-9]*,")
  for i in $(seq 1 600); do
    got=$(grep -c "assigned $topic\[[0-9]*\], resuming at offset" "$dir/$1.$2.log" 2>/dev/null || true)
    [ "${got:-0}" -ge "$n" ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench/run.sh: gfdx-$1 did not resume its $n partitions of $topic ($dir/$1.$2.log):" >&2
  tail -5 "$dir/$1.$2.log" >&2
  return 1
}

# Records of the service's topic committed so far (0 before the daemon created its tables).
committed() {
  sq "SELECT coalesce(sum(next_offset), 0) FROM $(svc_schema "$1").kafka_offset WHERE topic = '$(svc_topic "$1")'" \
    "bench_$1" 2>/dev/null || echo 0
}

# wait_committed SVC N TIMEOUT_S: until N records of the topic are committed.
wait_committed() {
  local i
  for i in $(seq 1 $(($3 * 5))); do
    [ "$(committed "$1")" -ge "$2" ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "bench/run.sh: gfdx-$1 committed $(committed "$1") of $2 records within $3 s" >&2
  return 1
}

# GFDX_BENCH_PERF=1: perf record of the daemon during the throughput run ($dir/SVC.perf.data,
# with GFDX_BENCH_KEEP=1: perf report -i ... --no-children).
perf_pid=
perf_start() {
  [ "${GFDX_BENCH_PERF:-0}" = 1 ] || return 0
  perf record -q -F 999 -g -o "$dir/$1.perf.data" -p "$pid" >/dev/null 2>&1 & perf_pid=$!
}
perf_stop() {
  [ -n "$perf_pid" ] || return 0
  kill -INT "$perf_pid" 2>/dev/null || true
  wait "$perf_pid" 2>/dev/null || true
  perf_pid=
}
poll_start() { "$BB/offsets_poll" "host=$GFDX_PG_HOST port=$GFDX_PG_PORT dbname=bench_$1 user=gfdx" "$(svc_schema "$1")" "$(svc_topic "$1")" 5 >"$2" & poll_pid=$!; }
poll_stop() { kill -TERM "$poll_pid" 2>/dev/null || true; wait "$poll_pid" 2>/dev/null || true; }
hwm_mb() { awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status"; }

# Records/s from the poll file $1: records committed after the first commit / the time
# from the first commit to the one reaching $2 records in all.
tput_rate() {
  py '
import sys
path, total = sys.argv[1], int(sys.argv[2])
cur, first, last = {}, None, None
for line in open(path):
    ms, p, off = map(int, line.split())
    cur[p] = off
    s = sum(cur.values())
    if first is None:
        first = (ms, s)
    if s >= total:
        last = (ms, s)
        break
if not first or not last or last[0] == first[0]:
    print("n/a")
else:
    print(round((last[1] - first[1]) * 1000 / (last[0] - first[0])))' "$1" "$2"
}

# p50 and p99 latency (ms) of the records produced after the start offsets $3 ("p:o ..."):
# CreateTime ($2: kcat "%p %o %T") to the first poll line ($1) committing them.
latency() {
  py '
import bisect, sys
polls, created, start = sys.argv[1], sys.argv[2], dict(map(int, x.split(":")) for x in sys.argv[3].split())
seen = {}
for line in open(polls):
    ms, p, off = map(int, line.split())
    seen.setdefault(p, ([], []))
    seen[p][0].append(off); seen[p][1].append(ms)
lat, lost = [], 0
for line in open(created):
    p, o, t = map(int, line.split())
    if o < start.get(p, 0):
        continue
    offs, times = seen.get(p, ([], []))
    i = bisect.bisect_right(offs, o)  # first stored next_offset > o
    if i == len(offs):
        lost += 1
    else:
        lat.append(times[i] - t)
lat.sort()
q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))] if lat else "n/a"
print(q(0.50), q(0.99), len(lat), lost)' "$1" "$2" "$3"
}

# batch_profile PORT N BASE: where the batches' time went (gfdx_batch_phase_us_total of the
# daemon's /metrics on PORT, common/metrics.h) since the metrics saved in file BASE (taken at
# the first commit, so that start-up and the group join are not counted), in microseconds per
# record of the N records committed since; "-" on the per-record path, which has no such counter.
batch_profile() {
  curl -s -m 2 "http://127.0.0.1:$1/metrics" 2>/dev/null | py '
import re, sys
n, base = int(sys.argv[1]), sys.argv[2]
rx = r"gfdx_batch_phase_us_total\{[^}]*phase=\"(\w+)\"\} (\d+)"
before = {m.group(1): int(m.group(2)) for m in re.finditer(rx, open(base).read())}
ph = [(m.group(1), int(m.group(2)) - before.get(m.group(1), 0)) for m in re.finditer(rx, sys.stdin.read())]
print(", ".join(f"{p} {us / n:.0f}" for p, us in ph) + f" (sum {sum(us for _, us in ph) / n:.0f})" if ph and n > 0 else "-")' "$2" "$3"
}

# crypto_costs: microseconds per operation on one core of this machine, measured now by
# bench/bench_sign.sh (1 s per figure, the sample's largest NeedSubmitted as it is), into
# $dir/crypto as "ALG OP US" lines (ALG ed25519|sm2, OP verify|sign).
crypto_costs() {
  log "crypto: signing and verifying on one core (bench/bench_sign.sh)"
  bash "$top/bench/bench_sign.sh" 1 | awk '/^value/ { if (++blk > 1) exit } $1 ~ /^(ed25519|sm2)$/ && ($2 == "verify" || $2 == "sign") && $3 ~ /^[0-9]/ { print $1, $2, $5 }' >"$dir/crypto"
}

# key_alg PARTICIPANT: the algorithm of its key in $GFDX_KEYS_DIR (ed25519|sm2).
key_alg() { case $(openssl pkey -in "$GFDX_KEYS_DIR/$1.pem" -noout -text 2>/dev/null) in *SM2*) echo sm2 ;; *) echo ed25519 ;; esac; }

# crypto_bound SVC N OUTBOX0: the CPU that signatures alone cost a record of the throughput
# run (each of its N records verified under its sender's algorithm, each outbox row written
# since OUTBOX0 signed under the service's) and the records/s that cost allows on all cores
# with nothing else running: "us_per_record bound_records_per_s".
crypto_bound() {
  local s=$1 n=$2 o0=$3 sc senders rows alg
  sc=$(svc_schema "$s")
  senders=$(sq "SELECT sender || ' ' || count(*) FROM $sc.message_log WHERE sender IS NOT NULL GROUP BY sender" "bench_$s" |
    while read -r who cnt; do echo "$(key_alg "$who") $cnt"; done)
  rows=$(($(sq "SELECT count(*) FROM $sc.outbox" "bench_$s") - o0))
  alg=$(key_alg "$(svc_participant "$s")")
  py '
import sys
cost = {(a, op): float(us) for a, op, us in (l.split() for l in open(sys.argv[1]) if l.strip())}
n, rows, alg, cores = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
us = rows * cost[(alg, "sign")]
for line in sys.argv[6].splitlines():
    a, cnt = line.split()
    us += int(cnt) * cost[(a, "verify")]
per = us / n if n else 0
print(f"{per:.0f} {cores * 1e6 / per:.0f} {rows / n:.2f} {alg}" if per else "n/a n/a n/a n/a")' "$dir/crypto" "$n" "$rows" "$alg" "$(nproc)" "$senders"
}

# bench_service SVC: measures one service; appends its row to $dir/rows.
bench_service() {
  local s=$1 c0 topic sc stream n_t n_l rate stmts copy naive lat_start p50 p99 nlat hwm_t hwm_l outcomes mport o0 bound
  topic=$(svc_topic "$s") sc=$(svc_schema "$s")
  stream=$dir/$s.jsonl
  log "$s: generating the stream"
  "gen_$s" "$stream"
  n_t=$TPUT
  if [ "$s" = namelist ]; then n_t=3000; fi # versions 1..3
  head -n "$n_t" "$stream" >"$stream.t"
  sed -n "$((n_t + 1)),$((n_t + LAT))p" "$stream" >"$stream.l"
  n_t=$(grep -c . "$stream.t") n_l=$(grep -c . "$stream.l")
  sq "CREATE DATABASE bench_$s" >/dev/null
  if [ "$s" = feedback ]; then
    psql -X -q -v ON_ERROR_STOP=1 "host=$GFDX_PG_HOST port=$GFDX_PG_PORT dbname=bench_feedback user=bench_daemon" \
      -f "$top/tests/integration/data/pboc_fixture.sql" -f "$stream.sql" >/dev/null
  fi
  log "$s: signing and producing $n_t + $n_l records to the staging topics"
  "$CLI" produce -q --brokers "$GFDX_KAFKA_BOOTSTRAP" --topic "bench.stage.$s.t" -X compression.codec=lz4 <"$stream.t"
  "$CLI" produce -q --brokers "$GFDX_KAFKA_BOOTSTRAP" --topic "bench.stage.$s.l" -X compression.codec=lz4 <"$stream.l"

  log "$s: migrating (first start on the empty topic)"
  daemon_start "$s" info migrate
  wait_assigned "$s" migrate
  daemon_stop
  o0=$(sq "SELECT count(*) FROM $sc.outbox" "bench_$s")
  "$BB/bench_pump" "$GFDX_KAFKA_BOOTSTRAP" "bench.stage.$s.t" "$topic" >/dev/null

  log "$s: throughput, $n_t records"
  sq "SELECT pg_stat_statements_reset()" >/dev/null
  sq "SELECT pg_stat_reset()" "bench_$s" >/dev/null
  poll_start "$s" "$dir/$s.tput.poll"
  mport=$(py 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  metrics_port=$mport daemon_start "$s" warn tput
  perf_start "$s"
  wait_committed "$s" 1 600 || true
  c0=$(committed "$s")
  curl -s -m 2 "http://127.0.0.1:$mport/metrics" >"$dir/$s.metrics0" 2>/dev/null || true
  wait_committed "$s" "$n_t" 600 || true
  perf_stop
  poll_stop
  batch_profile "$mport" "$((n_t - c0))" "$dir/$s.metrics0" >"$dir/$s.profile"
  hwm_t=$(hwm_mb)
  daemon_stop
  stmts=$(sq "SELECT round(coalesce(sum(calls), 0)::numeric / $n_t, 2) FROM pg_stat_statements s
              JOIN pg_database d ON d.oid = s.dbid JOIN pg_roles r ON r.oid = s.userid
              WHERE d.datname = 'bench_$s' AND r.rolname = 'bench_daemon'")
  sq "SELECT calls, round(total_exec_time::numeric, 1) AS ms, rows, left(regexp_replace(query, '\s+', ' ', 'g'), 110)
      FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid JOIN pg_roles r ON r.oid = s.userid
      WHERE d.datname = 'bench_$s' AND r.rolname = 'bench_daemon' ORDER BY total_exec_time DESC LIMIT 12" >"$dir/$s.statements"
  rate=$(tput_rate "$dir/$s.tput.poll" "$n_t")
  sq "SELECT coalesce(string_agg(relname || ' ' || round(n_tup_ins::numeric / $n_t, 2), ', ' ORDER BY n_tup_ins DESC), '-')
      FROM pg_stat_user_tables WHERE n_tup_ins > 0" "bench_$s" >"$dir/$s.inserts"
  bound=$(crypto_bound "$s" "$n_t" "$o0")

  log "$s: baselines on $topic (COPY, naive consumer)"
  local base="host=$GFDX_PG_HOST port=$GFDX_PG_PORT dbname=bench_base user=gfdx"
  copy=$("$BB/naive_consumer" copy "$GFDX_KAFKA_BOOTSTRAP" "$topic" "$base" | awk '{ print $4 }')
  naive=$("$BB/naive_consumer" naive "$GFDX_KAFKA_BOOTSTRAP" "$topic" "$base" | awk '{ print $4 }')

  log "$s: latency, $n_l records at $RATE/s"
  lat_start=$(sq "SELECT string_agg(partition || ':' || next_offset, ' ') FROM $(svc_schema "$s").kafka_offset
                  WHERE topic = '$topic'" "bench_$s")
  daemon_start "$s" "${GFDX_BENCH_LAT_LOG:-info}" lat
  wait_assigned "$s" lat
  poll_start "$s" "$dir/$s.lat.poll"
  "$BB/bench_pump" "$GFDX_KAFKA_BOOTSTRAP" "bench.stage.$s.l" "$topic" "$RATE" >/dev/null
  wait_committed "$s" "$((n_t + n_l))" 300 || true
  sleep 0.05
  poll_stop
  hwm_l=$(hwm_mb)
  daemon_stop
  kcat -C -b "$GFDX_KAFKA_BOOTSTRAP" -t "$topic" -e -q -f '%p %o %T\n' >"$dir/$s.created" 2>/dev/null
  read -r p50 p99 nlat _ <<<"$(latency "$dir/$s.lat.poll" "$dir/$s.created" "$lat_start")"
  outcomes=$(sq "SELECT string_agg(outcome || ' ' || n, ', ') || '; dead letters ' || (SELECT count(*) FROM $sc.dead_letter)
                 FROM (SELECT outcome, count(*) n FROM $sc.message_log GROUP BY 1 ORDER BY 1) o" "bench_$s")
  echo "$s $rate $copy $naive $stmts $p50 $p99 $hwm_l $hwm_t $n_t $nlat $bound $outcomes" >>"$dir/rows"
}

print_table() {
  py '
import sys
def ratio(a, b):
    try:
        return f"{float(a) / float(b):.3f}"
    except (ValueError, ZeroDivisionError):
        return "n/a"
hdr = ["daemon", "records/s", "COPY rows/s", "naive rec/s", "d/COPY", "d/naive", "sig bound", "d/bound", "stmts/rec",
       "p50 ms", "p99 ms", "RSS MB"]
rows = []
for line in open(sys.argv[1]):
    s, rate, copy, naive, stmts, p50, p99, hwm, hwm_t, n_t, nlat, sig_us, bound = line.split()[:13]
    rows.append(["gfdx-" + s, rate, copy, naive, ratio(rate, copy), ratio(rate, naive), bound, ratio(rate, bound), stmts,
                 p50, p99, hwm])
w = [max(len(str(r[i])) for r in rows + [hdr]) for i in range(len(hdr))]
fmt = lambda r: "  ".join(str(c).rjust(w[i]) if i else str(c).ljust(w[i]) for i, c in enumerate(r))
print(fmt(hdr)); print("  ".join("-" * x for x in w))
for r in rows: print(fmt(r))' "$dir/rows"
}

stack_prepare
crypto_costs
: >"$dir/rows"
for s in "${services[@]}"; do bench_service "$s"; done
echo "gfdx bench/run.sh, $(date -u +%FT%TZ), $(git -C "$top" log -1 --format='%h %s' | cut -c1-72), broker $broker$([ "$quick" = 1 ] && echo ", --quick")"
print_table
costs=$(awk '{ printf "%s%s %s %s us", (NR > 1 ? ", " : ""), $1, $2, $3 }' "$dir/crypto")
cat <<EOF
records/s: end to end, signed records (verified), from the daemon's first commit to
  its last, commits seen in <schema>.kafka_offset every 5 ms; $TPUT records (namelist: 3 FULL
  versions of 5,000 entries in parts of 5 entries, 3,000 records). batch.max_records = 500.
COPY: one binary COPY (best of 3) of the same records' key and value bytes into one table
  (read from Kafka first, not timed). naive: bench/naive_consumer.c, three autocommitted
  statements a record (upsert ON CONFLICT, message-log insert, event-id insert), no
  verification.
sig bound: the records/s that the signatures alone allow on all $(nproc) cores, nothing else
  running: every record verified under its sender's algorithm, every outbox row it caused
  signed under the service's (sm2 for the PBoC's daemons), at the costs bench/bench_sign.sh
  measured in this run ($costs).
stmts/rec: pg_stat_statements calls (top level, utility included: BEGIN, SAVEPOINT, COMMIT)
  of the daemon's role in its database during the throughput run, / records.
p50/p99: produce (Kafka CreateTime, set by the paced producer bench_pump) to committed (the
  first 5 ms poll of <schema>.kafka_offset showing the record's offset stored: up to 5 ms
  late), $RATE records/s for $LAT_S s (namelist: its remaining versions). RSS: VmHWM of the
  daemon under that load (restarted for it). Batch phases: gfdx_batch_phase_us_total of
  the daemon's /metrics from its first commit to the end of the throughput run, per record
  committed meanwhile ("-": no such counter); relay: the relay thread's busy time, off the
  consume path; collect: polling Kafka for the batches, waits included.
EOF
while read -r s _ _ _ _ _ _ _ hwm_t _ nlat sig_us _ signs alg outcomes; do
  echo "  gfdx-$s: message_log $outcomes; $nlat latency samples; VmHWM in the throughput run $hwm_t MB"
  echo "    signatures: $sig_us us of CPU a record ($signs outbox rows a record signed $alg, one verification)"
  echo "    batch phases, us/record: $(cat "$dir/$s.profile")"
  echo "    rows inserted a record: $(cat "$dir/$s.inserts")"
done <"$dir/rows"
if [ "${GFDX_BENCH_KEEP:-0}" = 1 ]; then
  trap - EXIT
  daemon_stop
  "$top/deploy/localstack.sh" stop "$dir/stack" >/dev/null 2>&1 || true
  echo "kept $dir (statements: $dir/<service>.statements)"
fi
