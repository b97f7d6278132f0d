#!/usr/bin/env bash
# The README's first command: install what is missing, build, start a private local stack
# (PostgreSQL cluster + dev broker), run the exchange on a realistic quarter of sample needs
# from several provinces, print what happened, and stop everything cleanly.
#   --keep    leave the stack and daemons running and print how to connect kcat and psql
#   --count N number of sample needs (default 120)
#   --broker devbroker|kafka  the broker (default devbroker; kafka: Apache Kafka, each daemon
#             connecting as its own SCRAM principal gfdx-<service>, see deploy/localstack.sh)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
keep=0
count=120
broker=devbroker
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1 ;;
    --count) count=$2; shift ;;
    --broker) broker=$2; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
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
"$top/deploy/localstack.sh" start "$stack" --broker "$broker"
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

# Daemon configs: the shipped deploy/<service>.cfg, pointed at this stack (metrics off), the
# daemon connecting as gfdx-<service> (on Apache Kafka with its password: the file is 0600).
daemon_cfg() { # SERVICE
  local props
  props=$("$top/deploy/localstack.sh" kafka-props "$stack" "gfdx-$1" | tr -d '\n')
  (umask 077; : >"$stack/$1.cfg")
  sed -e "s|conninfo = \".*\";|conninfo = \"$GFDX_PG_CONNINFO\";|" \
      -e "s|(\"bootstrap.servers\", \"[^\"]*\")|$props|" \
      -e "s|port = [0-9]*;|port = 0;|" "$top/deploy/$1.cfg" >"$stack/$1.cfg"
  # the stack's registry with every participant's key, and this service's own key (keys.sh)
  local who; who=$(sed -n 's/^[[:space:]]*participant = "\([^"]*\)".*/\1/p' "$stack/$1.cfg" | head -n 1)
  printf 'paths: { participants = "%s"; };\nsecurity: { signing_key = "%s/%s.pem"; };\n' \
    "$GFDX_PARTICIPANTS" "$GFDX_KEYS_DIR" "$who" >>"$stack/$1.cfg"
  if [ -n "${GFDX_DEMO_KAFKA_DEBUG:-}" ]; then  # librdkafka debug contexts, for diagnosis
    sed -i -e "s|^kafka = (|kafka = ( (\"debug\", \"$GFDX_DEMO_KAFKA_DEBUG\"),|" -e "s|log_level = \"[a-z]*\"|log_level = \"debug\"|" "$stack/$1.cfg"
  fi
}
start_daemon() { # SERVICE
  daemon_cfg "$1"
  "$build/services/$1/gfdx-$1" --config "$stack/$1.cfg" >"$stack/$1.log" 2>&1 &
  pids+=($!)
}
for svc in intake push feedback namelist platform; do start_daemon "$svc"; done

q() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$GFDX_PG_CONNINFO" -c "$1" 2>/dev/null || echo 0; }
# wait_until "what" "SQL" N: polls until the query's number reaches N (at most 90 s).
wait_until() {
  local n=0
  for _ in $(seq 1 450); do
    n=$(q "$2")
    [ "${n:-0}" -ge "$3" ] && { echo "demo:   $1 caught up at $(( $(date +%s) - started )) s"; return 0; }
    sleep 0.2
  done
  echo "demo: $1: $n of $3 after 90 s; see the logs in $stack" >&2
  return 1
}
produce() { "$build/tools/cli/gfdx" produce -q --brokers "$GFDX_KAFKA_BOOTSTRAP"; }
PY=/usr/bin/python3

needs=$stack/sample-needs.jsonl lists=$stack/sample-namelists.jsonl fb=$stack/sample-feedback.jsonl
$PY "$top/deploy/sample/make_needs.py" --seed 2026 --count "$count" --bad 5 --out "$needs" 2>/dev/null
$PY "$top/deploy/sample/make_namelists.py" --seed 2026 --needs "$needs" --out "$lists" 2>/dev/null

echo "demo: 1/3 district name lists of 沙坪坝区 (500106): $(grep -c . "$lists") records to gfdx.namelists"
produce <"$lists"
wait_until "gfdx-namelist" "SELECT count(*) FROM district.message_log" "$(grep -c . "$lists")"

echo "demo: 2/3 a quarter of needs (2026Q1, $count needs, 5 invalid): $(grep -c . "$needs") records to gfdx.needs"
produce <"$needs"
wait_until "gfdx-intake" "SELECT count(*) FROM intake.message_log WHERE topic = 'gfdx.needs'" "$(grep -c . "$needs")"
wait_until "intake outbox" "SELECT (count(*) FILTER (WHERE published_at IS NULL) = 0 AND count(*) > 0)::int FROM intake.outbox" 1
pushes=$(q "SELECT count(*) FROM intake.outbox WHERE topic = 'gfdx.miit-pushes'")
wait_until "gfdx-push" "SELECT count(*) FROM pboc.message_log" "$pushes"

q "SELECT d.need_id, d.bank_id, n.province, n.financing_amount FROM pboc.dispatch d JOIN pboc.need n USING (need_id)
   WHERE d.status = 'ACTIVE' ORDER BY d.need_id, d.bank_id" | tr '|' '\t' |
  $PY "$top/deploy/sample/make_feedback.py" --seed 2026 >"$fb"
echo "demo: 3/3 banks' matching feedback on $(q "SELECT count(*) FROM pboc.dispatch WHERE status = 'ACTIVE'") dispatches: $(grep -c . "$fb") records to gfdx.feedback"
produce <"$fb"
wait_until "gfdx-feedback" "SELECT count(*) FROM feedback.message_log" "$(grep -c . "$fb")"
wait_until "feedback outbox" "SELECT (count(*) FILTER (WHERE published_at IS NULL) = 0)::int FROM feedback.outbox" 1
statuses=$(q "SELECT count(*) FROM feedback.outbox WHERE record_type = 'NeedMatchingStatus'")
wait_until "matching status back in intake" "SELECT count(*) FROM intake.message_log WHERE topic = 'gfdx.matching-status'" "$statuses"

# Proof that the outcome travelled back: every need's financing figures in intake equal
# gfdx-feedback's aggregate (they only meet through gfdx.matching-status).
consistent=$(q "SELECT count(*) FILTER (WHERE i.financing_outcome = f.overall AND i.approved_total = f.approved_total
                 AND i.disbursed_total = f.disbursed_total AND i.banks_contacted = f.banks_contacted
                 AND i.banks_declined = f.banks_declined AND i.open_obstacles = f.open_obstacles) || ' of ' || count(*)
               FROM feedback.need_status f JOIN intake.need i USING (need_id)")
echo "demo: financing outcome in intake.need equals feedback.need_status for $consistent needs"
# And each need's records reached the next agency in the order they were written (outbox id
# order = offset order per key), for both hops through an outbox.
order_breaks=$(q "SELECT count(*) FILTER (WHERE off < prev) FROM (
    SELECT m.\"offset\" AS off, lag(m.\"offset\") OVER (PARTITION BY o.key, o.topic ORDER BY o.id) AS prev
      FROM feedback.outbox o JOIN intake.message_log m ON m.event_id = o.event_id::text
    UNION ALL
    SELECT m.\"offset\", lag(m.\"offset\") OVER (PARTITION BY o.key, o.topic ORDER BY o.id)
      FROM intake.outbox o JOIN pboc.message_log m ON m.event_id = o.event_id::text) r")
echo "demo: records of one need received out of the order written: $order_breaks"

# The agencies' duties beyond the four flows (issue 12), one step file each, in name order:
# deploy/sample/demo_<NN>_<duty>.sh, sourced here with q, wait_until, produce, PY, top, build,
# stack and the stack's env in scope. Each prints what it showed ("demo: ...") and its figures.
for step in "$top"/deploy/sample/demo_[0-9]*.sh; do
  [ -e "$step" ] || continue
  # shellcheck disable=SC1090
  source "$step"
done
echo
"$build/tools/cli/gfdx" report quarter 2026Q1 --db "$GFDX_PG_CONNINFO"
report_html=$stack/report-2026Q1.html
"$build/tools/cli/gfdx" report quarter 2026Q1 --db "$GFDX_PG_CONNINFO" --format html --out "$report_html"
echo
echo "== Every consumed record, by service and outcome (the message logs) =="
psql -X -q "$GFDX_PG_CONNINFO" -c "
  SELECT 'intake' AS service, outcome, count(*) FROM intake.message_log GROUP BY 2
  UNION ALL SELECT 'push', outcome, count(*) FROM pboc.message_log GROUP BY 2
  UNION ALL SELECT 'feedback', outcome, count(*) FROM feedback.message_log GROUP BY 2
  UNION ALL SELECT 'namelist', outcome, count(*) FROM district.message_log GROUP BY 2 ORDER BY 1, 2"
echo "== District ledger (台账) =="
psql -X -q "$GFDX_PG_CONNINFO" -c "SELECT list_id, kind, current_version AS version, entry_count AS entries, publisher FROM district.list ORDER BY list_id"
echo "HTML report (open in a browser): $report_html"
echo "demo: finished in $(( $(date +%s) - started )) s"
if [ "$keep" = 1 ]; then
  cat <<MSG

The stack keeps running ($broker: $([ "$broker" = kafka ] && echo "data in $stack/kafka/data" || echo "data in memory"); $stack/pg for PostgreSQL):
  psql "$GFDX_PG_CONNINFO"
  kcat -b $GFDX_KAFKA_BOOTSTRAP -L
  kcat -b $GFDX_KAFKA_BOOTSTRAP -C -t gfdx.receipts.miit -e -f '%k %o %S bytes\n'   # miit's receipts
Stop it with: kill ${pids[*]}; $top/deploy/localstack.sh stop $stack
MSG
fi
