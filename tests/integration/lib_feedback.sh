# shellcheck shell=bash
# lib_feedback.sh: helpers for gfdx-feedback's integration and fault tests (source after
# lib.sh and lib_daemons.sh).
#
#   pboc_fixture [CONNINFO]          create pboc.need / pboc.dispatch (tests/integration/data/
#                                    pboc_fixture.sql) where gfdx-push is not running
#   pboc_sql_file FILE [CONNINFO]    run a SQL file (fixture rows)
#   pboc_withdraw NEED               what gfdx-push does on NeedPushWithdrawn: need WITHDRAWN,
#                                    its dispatches CANCELLED
#   feedback_config NAME [CONNINFO] [GROUP]  write $GFDX_TEST_DIR/NAME.cfg (participant pboc,
#                                    topic gfdx.feedback, the `feedback` settings below)
#   start_feedback [NAME] [CONNINFO] [GROUP] spawn gfdx-feedback with that config
#   produce_phase FILE PHASE         produce the lines of FILE whose "_phase" is PHASE
#   outcome_mismatches FILE [CONNINFO] print "event_id expected got" for every line of FILE
#                                    whose "_expect" (APPLIED or a reason code) differs from
#                                    feedback.message_log; nothing when all agree
#   topic_records TOPIC TYPE         the records on TOPIC decoded with schemas/avro/<type>.v1
#                                    as JSON lines {"key": ..., "value": {...}}
#   topic_event_ids TOPIC TYPE       meta.event_id of every record on TOPIC, one a line
#   outbox_unpublished_on_topic TOPIC TYPE [CONNINFO]  outbox rows of feedback (TYPE) whose
#                                    event id is not on TOPIC: one a line, nothing when none

# FIRST_ROUND: with librdkafka 2.0.2 and the dev broker, the records a fresh producer is
# given before it has the topic's metadata (the outbox relay's first round after start-up)
# can reach a partition out of order: seen as NeedMatchingStatus of one need published in
# an order other than the outbox's (a consumer then keeps a stale status). Tests that need
# per-key order on gfdx.matching-status let one status through first; the flow test compares
# statuses through meta.correlation_id instead. Reported for the outbox relay (common/).

PY=/usr/bin/python3
FB_DATA=$GFDX_SOURCE_DIR/tests/integration/data

# The green-washing settings every feedback test runs with (the configure hook).
FB_SETTINGS='feedback: { approved_margin_percent = 15; green_eligible_groups = ["1", "2", "3", "4", "5", "6", "7"]; green_catalogue = ""; };'

pboc_sql_file() {
  psql -X -q -v ON_ERROR_STOP=1 "${2:-$GFDX_PG_CONNINFO}" -f "$1" >/dev/null
}

pboc_fixture() { pboc_sql_file "$FB_DATA/pboc_fixture.sql" "${1:-$GFDX_PG_CONNINFO}"; }

pboc_withdraw() {
  psql_q "UPDATE pboc.need SET status = 'WITHDRAWN', updated_at = now() WHERE need_id = '$1';
          UPDATE pboc.dispatch SET status = 'CANCELLED', cancelled_at = now() WHERE need_id = '$1'" >/dev/null
}

feedback_config() {
  local name=$1 conninfo=${2:-$GFDX_PG_CONNINFO} group=${3:-}
  local cfg
  cfg=$(DAEMON_PRINCIPAL=gfdx-feedback daemon_config "$name" pboc gfdx.feedback)
  # daemon_config names the service after its first argument: keep "feedback" in logs and
  # receipts, point this instance at its own database and group when asked.
  sed -i "s/name = \"$name\";/name = \"feedback\";/" "$cfg"
  sed -i "s|conninfo = \"$GFDX_PG_CONNINFO\";|conninfo = \"$conninfo\";|" "$cfg"
  echo "$FB_SETTINGS" >>"$cfg"
  [ -z "$group" ] || echo "kafka_group = \"$group\";" >>"$cfg"
  echo "$cfg"
}

start_feedback() {
  local name=${1:-feedback} cfg
  cfg=$(feedback_config "$name" "${2:-}" "${3:-}")
  spawn "$name" "$GFDX_BUILD_DIR/services/feedback/gfdx-feedback" --config "$cfg"
}

produce_phase() {
  $PY -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    if line.strip() and json.loads(line).get("_phase", 1) == int(sys.argv[2]):
        sys.stdout.write(line)' "$1" "$2" | produce
}

outcome_mismatches() {
  psql -X -q -A -t -F ' ' "${2:-$GFDX_PG_CONNINFO}" \
    -c "SELECT event_id, CASE outcome WHEN 'APPLIED' THEN 'APPLIED' ELSE coalesce(reason_code, outcome) END
        FROM feedback.message_log" >"$GFDX_TEST_DIR/outcomes.txt"
  $PY -c '
import json, sys
got = dict(l.split() for l in open(sys.argv[2]) if l.strip())
for line in open(sys.argv[1], encoding="utf-8"):
    if not line.strip():
        continue
    r = json.loads(line)
    eid = r["meta"]["event_id"]
    if got.get(eid) != r["_expect"]:
        print(eid, r["_expect"], got.get(eid, "(not consumed)"))' "$1" "$GFDX_TEST_DIR/outcomes.txt"
}

# Decodes single-object Avro values (C3 01, fingerprint, body) read with kcat's
# '%K:%k%R%s' framing: key length as text, key, value length as 4 bytes big endian, value.
_FB_DECODE='
import io, json, struct, sys
import avro.io, avro.schema
schema = avro.schema.parse(open(sys.argv[1], encoding="utf-8").read())
reader = avro.io.DatumReader(schema)
data = sys.stdin.buffer.read()
i = 0
while i < len(data):
    colon = data.index(b":", i)
    klen = int(data[i:colon]); i = colon + 1
    key = data[i:i + max(klen, 0)].decode() if klen >= 0 else None; i += max(klen, 0)
    (vlen,) = struct.unpack(">i", data[i:i + 4]); i += 4
    value = data[i:i + vlen]; i += vlen
    if value[:2] != b"\xc3\x01":
        print(json.dumps({"key": key, "error": "not single-object encoded"})); continue
    rec = reader.read(avro.io.BinaryDecoder(io.BytesIO(value[10:])))
    print(json.dumps({"key": key, "value": rec}, ensure_ascii=False, default=str))
'

topic_records() {
  local schema
  schema="$GFDX_SOURCE_DIR/schemas/avro/$($PY -c 'import re,sys; print(re.sub(r"(?<!^)([A-Z])", r"_\1", sys.argv[1]).lower())' "$2").v1.avsc"
  local t
  for t in $(topics_matching "$1"); do # TOPIC or an addressed family "gfdx.coordination.*"
    kcat -C -b "$GFDX_KAFKA_BOOTSTRAP" -t "$t" -e -q -f '%K:%k%R%s' 2>/dev/null
  done | $PY -c "$_FB_DECODE" "$schema"
}

topic_event_ids() {
  topic_records "$1" "$2" | $PY -c '
import json, sys
for l in sys.stdin:
    print(json.loads(l)["value"]["meta"]["event_id"])'
}

outbox_unpublished_on_topic() {
  topic_event_ids "$1" "$2" | sort -u >"$GFDX_TEST_DIR/on_topic.txt"
  psql -X -q -A -t "${3:-$GFDX_PG_CONNINFO}" \
    -c "SELECT event_id FROM feedback.outbox WHERE topic LIKE '${1//\*/%}' AND record_type = '$2'" | sort -u \
    >"$GFDX_TEST_DIR/in_outbox.txt"
  comm -23 "$GFDX_TEST_DIR/in_outbox.txt" "$GFDX_TEST_DIR/on_topic.txt"
}

# feedback_state [CONNINFO]: the whole feedback state in a canonical text form (no times, no
# serial ids, no audit checkpoints: they follow the clock), for comparing a run against a
# reference run of the same stream.
feedback_state() {
  psql -X -q -A -t -v ON_ERROR_STOP=1 "${1:-$GFDX_PG_CONNINFO}" <<'SQL'
SELECT 'matching', need_id, bank_id, stage, contacted, product, approved_amount, rate_bp, term_months,
       disbursed_total, disbursements, decline_reason, open_obstacles, last_event_id
  FROM feedback.matching ORDER BY need_id, bank_id;
SELECT 'need_status', need_id, overall, banks_dispatched, banks_contacted, banks_approved, banks_declined,
       approved_total, disbursed_total, open_obstacles, status_changes, last_event_id
  FROM feedback.need_status ORDER BY need_id;
SELECT 'obstacle', obstacle_id, need_id, bank_id, category, status, resolved_by, resolved_event_id
  FROM feedback.obstacle ORDER BY obstacle_id;
SELECT 'alert', kind, need_id, bank_id, event_id, facts FROM feedback.alert ORDER BY event_id, kind;
SELECT 'history', event_id, need_id, bank_id, record_type, from_stage, to_stage, amount, obstacle_id
  FROM feedback.matching_event ORDER BY event_id;
SELECT 'log', partition, "offset", event_id, outcome, reason_code FROM feedback.message_log
  ORDER BY partition, "offset";
SELECT 'outbox', record_type, topic, convert_from(key, 'UTF8'), count(*) FROM feedback.outbox
  WHERE record_type <> 'AuditCheckpoint' -- written by the clock (audit.checkpoint_interval_s), not by records
  GROUP BY 2, 3, 4 ORDER BY 2, 3, 4;
SQL
}
