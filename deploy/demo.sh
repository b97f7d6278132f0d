#!/usr/bin/env bash
# The README's first command: install what is missing, build, start a private local stack
# (PostgreSQL cluster + dev broker), run the exchange on a realistic quarter of sample needs
# from several provinces, print what happened, and stop everything cleanly.
#   --keep    leave the stack and daemons running and print how to connect kcat and psql
#   --count N number of sample needs (default 120)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
keep=0
count=120
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1 ;;
    --count) count=$2; shift ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "demo: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
started=$(date +%s)
bash "$top/deploy/install-deps.sh"
bash "$top/deploy/build.sh"
build=${GFDX_BUILD_DIR:-$top/build}
export GFDX_BUILD_DIR=$build

stack=${GFDX_DEMO_DIR:-$top/.gfdx/demo}
"$top/deploy/localstack.sh" stop "$stack" >/dev/null 2>&1 || true
rm -rf "$stack"
mkdir -p "$stack"
chmod 755 "$stack" "$(dirname "$stack")"
"$top/deploy/localstack.sh" start "$stack"
# shellcheck disable=SC1091
source "$stack/env"

pids=()
cleanup() {
  if [ "$keep" = 0 ]; then
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    "$top/deploy/localstack.sh" stop "$stack" || true
  fi
}
trap cleanup EXIT

# Daemon configs: the shipped ones, pointed at this stack.
daemon_cfg() { # SERVICE PARTICIPANT TOPICS...
  local svc=$1 participant=$2; shift 2
  local topics="" t
  for t in "$@"; do topics="$topics${topics:+, }\"$t\""; done
  cat >"$stack/$svc.cfg" <<CFG
service: { name = "$svc"; participant = "$participant"; };
postgres: { conninfo = "$GFDX_PG_CONNINFO"; };
paths: { schemas = "$top/schemas/avro"; migrations = "$top/schemas/sql";
         participants = "$top/deploy/participants.cfg"; calendar = "$top/deploy/calendar.cfg"; };
topics: { consume = [ $topics ]; };
kafka = ( ("bootstrap.servers", "$GFDX_KAFKA_BOOTSTRAP"), ("session.timeout.ms", "6000") );
CFG
}
daemon_cfg intake miit gfdx.needs gfdx.matching-status
"$build/services/intake/gfdx-intake" --config "$stack/intake.cfg" 2>"$stack/intake.log" &
pids+=($!)

sample=$stack/sample-needs.jsonl
/usr/bin/python3 "$top/deploy/sample/make_needs.py" --seed 2026 --count "$count" --bad 5 --out "$sample"
total=$(grep -c . "$sample")
echo "demo: producing $total records ($count needs of 2026Q1 with reviews, recommendations, withdrawals, 5 invalid) to gfdx.needs"
"$build/tools/cli/gfdx" produce --brokers "$GFDX_KAFKA_BOOTSTRAP" <"$sample"

q() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$GFDX_PG_CONNINFO" -c "$1"; }
for _ in $(seq 1 600); do
  done_n=$(q "SELECT count(*) FROM intake.message_log" 2>/dev/null || echo 0)
  pending=$(q "SELECT count(*) FROM intake.outbox WHERE published_at IS NULL" 2>/dev/null || echo 1)
  [ "$done_n" -ge "$total" ] && [ "$pending" = 0 ] && break
  sleep 0.2
done
echo "demo: gfdx-intake processed $done_n of $total records"
echo
echo "== Needs by province and state (amounts in 万元) =="
psql -X -q "$GFDX_PG_CONNINFO" -c "
  SELECT province AS 省份, count(*) AS 需求,
         count(*) FILTER (WHERE status = 'PUSHED') AS 已推送,
         count(*) FILTER (WHERE status = 'REJECTED') AS 未通过,
         count(*) FILTER (WHERE status IN ('SUBMITTED','RETURNED','APPROVED')) AS 审核中,
         count(*) FILTER (WHERE status = 'WITHDRAWN') AS 撤回,
         count(*) FILTER (WHERE late) AS 逾期,
         count(*) FILTER (WHERE is_major) AS 重大,
         round(sum(financing_amount) FILTER (WHERE status = 'PUSHED') / 1000000.0, 1) AS 推送融资额_万元
  FROM intake.need GROUP BY province ORDER BY province"
echo "== Outcome of every consumed record (intake.message_log) =="
psql -X -q "$GFDX_PG_CONNINFO" -c "SELECT outcome, coalesce(reason_code, '') AS reason, count(*) FROM intake.message_log GROUP BY 1, 2 ORDER BY 1, 2"
echo "== Published through the outbox =="
psql -X -q "$GFDX_PG_CONNINFO" -c "SELECT topic, record_type, count(*), count(published_at) AS published FROM intake.outbox GROUP BY 1, 2 ORDER BY 1, 2"
echo "demo: finished in $(( $(date +%s) - started )) s"
if [ "$keep" = 1 ]; then
  cat <<MSG

The stack keeps running (data in memory for Kafka, in $stack/pg for PostgreSQL):
  psql "$GFDX_PG_CONNINFO"
  kcat -b $GFDX_KAFKA_BOOTSTRAP -L
  kcat -b $GFDX_KAFKA_BOOTSTRAP -C -t gfdx.receipts -e -f '%k %o %S bytes\n'
Stop it with: kill ${pids[*]}; $top/deploy/localstack.sh stop $stack
MSG
fi
