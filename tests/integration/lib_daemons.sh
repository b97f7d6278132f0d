# lib_daemons.sh: daemon configs and helpers for integration tests (source after lib.sh).

# daemon_config SERVICE PARTICIPANT TOPICS... : writes $GFDX_TEST_DIR/SERVICE.cfg (mode 0600:
# it may hold a password) pointing at the running stack, and prints its path. The daemon
# connects as $DAEMON_PRINCIPAL, default gfdx-SERVICE without trailing digits (intake2 is
# gfdx-intake): on Apache Kafka its SCRAM principal (kafka_props, lib.sh). The stack's
# registry with its keys and the participant's own signing key (deploy/keys.sh); more
# security settings from $GFDX_TEST_SECURITY (e.g. "require_signatures = false;").
daemon_config() {
  local svc=$1 participant=$2; shift 2
  local topics="" t principal=${DAEMON_PRINCIPAL:-gfdx-${svc%%[0-9]*}}
  for t in "$@"; do topics="$topics${topics:+, }\"$t\""; done
  local cfg="$GFDX_TEST_DIR/$svc.cfg" props
  props=$(kafka_props "$principal") || { echo "daemon_config: no Kafka properties for $principal" >&2; return 1; }
  (umask 077; : >"$cfg")
  cat >"$cfg" <<CFG
service: { name = "$svc"; participant = "$participant"; log_level = "${GFDX_TEST_LOG_LEVEL:-info}"; };
postgres: { conninfo = "$GFDX_PG_CONNINFO"; };
paths: {
  schemas = "$GFDX_SOURCE_DIR/schemas/avro";
  migrations = "$GFDX_SOURCE_DIR/schemas/sql";
  participants = "${GFDX_PARTICIPANTS:-$GFDX_SOURCE_DIR/deploy/participants.cfg}";
  calendar = "$GFDX_SOURCE_DIR/deploy/calendar.cfg";
};
security: { signing_key = "$GFDX_KEYS_DIR/$participant.pem"; ${GFDX_TEST_SECURITY:-} };
topics: { consume = [ $topics ]; };
batch: { max_records = ${GFDX_TEST_BATCH:-200}; max_ms = 100; };
retry: { max_backoff_ms = 1000; };
kafka = (
  $props,
  ("session.timeout.ms", "6000"),
  ("heartbeat.interval.ms", "500"),
  ("topic.metadata.refresh.interval.ms", "2000")
);
CFG
  echo "$cfg"
}

GFDX_CLI="$GFDX_BUILD_DIR/tools/cli/gfdx"

# start_intake [NAME]: starts gfdx-intake with the standard test config.
start_intake() {
  local name=${1:-intake}
  local cfg
  cfg=$(daemon_config intake miit gfdx.needs gfdx.matching-status)
  spawn "$name" "$GFDX_BUILD_DIR/services/intake/gfdx-intake" --config "$cfg"
}

# produce ARGS... < jsonl : the CLI against the stack's broker.
produce() {
  "$GFDX_CLI" produce --brokers "$GFDX_KAFKA_BOOTSTRAP" -q "$@"
}

# kafka_count TOPIC: number of messages on a topic (all partitions).
kafka_count() {
  kcat -C -b "$GFDX_KAFKA_BOOTSTRAP" -t "$1" -e -q -f '%o\n' 2>/dev/null | wc -l
}

# sql_ge "SQL" N: the query's single number is >= N (for wait_for, which re-runs it).
sql_ge() { [ "$(psql_q "$1" 2>/dev/null || echo -1)" -ge "$2" ]; }

# receipts_for ID: participant ID's topic gfdx.receipts.ID holds at least one receipt keyed
# ID (for wait_for).
receipts_for() { kcat -C -b "$GFDX_KAFKA_BOOTSTRAP" -t "gfdx.receipts.$1" -e -q -f '%k\n' 2>/dev/null | grep -qx "$1"; }

# topics_matching TOPIC: TOPIC itself, or for "PREFIX*" (an addressed family such as
# gfdx.receipts.* or gfdx.coordination.*) every topic on the broker whose name starts so and
# that holds a record: the empty ones are left out after one offset query (kcat -Q) for all
# of them, since reading a topic costs a kcat of about a second and the registry has some 120
# participants, most of whom get nothing in a test (all are listed if the query fails).
topics_matching() {
  case $1 in
    *\*) _topics_nonempty "${1%\*}" ;;
    *) echo "$1" ;;
  esac
}

# _topics_nonempty PREFIX: see topics_matching.
_topics_nonempty() {
  local meta t n p q args=()
  meta=$(kcat -L -b "$GFDX_KAFKA_BOOTSTRAP" 2>/dev/null |
         sed -n 's/^  topic "\([^"]*\)" with \([0-9]*\) partitions.*/\1 \2/p' |
         while read -r t n; do [ "${t#"$1"}" != "$t" ] && echo "$t $n"; done)
  [ -n "$meta" ] || return 0
  while read -r t n; do
    for ((p = 0; p < n; p++)); do args+=(-t "$t:$p:-1"); done
  done <<<"$meta"
  if [ ${#args[@]} -eq 0 ] || ! q=$(kcat -Q -b "$GFDX_KAFKA_BOOTSTRAP" "${args[@]}" 2>/dev/null); then
    echo "$meta" | cut -d' ' -f1
    return 0
  fi
  q=$(echo "$q" | awk '$(NF - 1) == "offset" && $NF > 0 {print $1}' | sort -u)
  echo "$meta" | cut -d' ' -f1 | grep -Fxf <(echo "$q") || true
}

# receipts_read FORMAT: every receipt of every participant's topic, printed with kcat -f FORMAT.
# The topics are read eight at a time (one kcat each costs about a second to connect and
# reach the end; 44 participants' topics one after another made every call 45 s), each into
# its own file, so that lines of different topics never interleave.
receipts_read() {
  local dir
  dir=$(mktemp -d "$GFDX_TEST_DIR/receipts.XXXXXX")
  topics_matching 'gfdx.receipts.*' | xargs -r -P 8 -I{} sh -c \
    'kcat -C -b "$1" -t "$2" -e -q -f "$3" >"$4/$2" 2>/dev/null || true' _ "$GFDX_KAFKA_BOOTSTRAP" {} "$1" "$dir"
  cat "$dir"/* 2>/dev/null || true
  rm -rf "$dir"
}

# receipts_count: number of receipts over every participant's topic.
receipts_count() { receipts_read '%o\n' | wc -l; }

# need_record BASE TYPE NEED_ID [PYTHON]: the first record of TYPE in the JSON lines file BASE
# (a sample from deploy/sample/make_needs.py), re-aimed at NEED_ID, meta.occurred_at now, then
# the Python statements run on it as `r` (e.g. 'r["meta"]["sender"] = "prov-320000"').
need_record() {
  /usr/bin/python3 - "$1" "$2" "$3" "${4:-pass}" <<'PY'
import json, sys, time
base, rtype, nid, code = sys.argv[1:]
r = next(json.loads(l) for l in open(base) if json.loads(l)["$type"] == rtype)
r = {k: v for k, v in r.items() if not k.startswith("_")}
r["need_id"] = nid
r["meta"]["occurred_at"] = int(time.time() * 1000)
exec(code)
print(json.dumps(r, ensure_ascii=False))
PY
}
