#!/usr/bin/env bash
# Issue 12, the bank side, end to end (gfdx-feedback on the broker and a real PostgreSQL, pboc
# rows from a fixture): an obstacle acknowledged by the province, resolved by the branch,
# reopened by its bank (BLOCKED again), resolved, confirmed (CLOSED), with its history and the
# illegal steps refused; an alert published to gfdx.alerts.<branch>, handled by its branch,
# refused for another branch and for a second verdict; then the daemon restarted with the
# watch's clock 30 days on (GFDX_TEST_WATCH_CLOCK_MS): NO_FEEDBACK for the bank that never
# answered and OBSTACLE_OVERDUE for the obstacle left open, each raised once over several
# rounds, escalated to gfdx.coordination.<province> and published to the branch.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_feedback.sh"
stack_up

pboc_fixture
psql_q "INSERT INTO pboc.need (need_id, province, location_region, branch_id, quarter, late, is_major,
          financing_amount, catalogue_code, uscc, factory_name, project_name, status, snapshot)
        VALUES ('DU-SH-0001', '310000', '310115', 'pbc-hq-sh', '2026Q4', false, false, 200000000, '9.1.1',
                '91350100M000100Y43', '上海恒瑞新材料科技有限公司', '高效电机产业化项目', 'DISPATCHED', '{}');
        INSERT INTO pboc.dispatch (need_id, bank_id, branch_id, status) VALUES
          ('DU-SH-0001', 'bank-icbc-310000', 'pbc-hq-sh', 'ACTIVE'),
          ('DU-SH-0001', 'bank-ccb-310000', 'pbc-hq-sh', 'ACTIVE'),
          ('DU-SH-0001', 'bank-bocom-310000', 'pbc-hq-sh', 'ACTIVE')" >/dev/null

start_duties_feedback() { # NAME: feedback with the watch every second (its clock from the env)
  local cfg
  cfg=$(feedback_config "$1")
  echo 'watch: { interval_s = 1; };' >>"$cfg"
  spawn "$1" "$GFDX_BUILD_DIR/services/feedback/gfdx-feedback" --config "$cfg"
}
start_duties_feedback feedback

O1=d0000000-0000-4000-8000-000000000002 # icbc's obstacle: its whole life
O2=d0000000-0000-4000-8000-000000000003 # bocom's obstacle: left open
FLOW=$GFDX_TEST_DIR/duties.jsonl
line() { # N TYPE SENDER EXPECT FIELDS
  printf '{"$type": "%s", "_expect": "%s", "meta": {"event_id": "d0000000-0000-4000-8000-%012d", "sender": "%s"}, "need_id": "DU-SH-0001", %s}\n' \
    "$2" "$4" "$1" "$3" "$5"
}
{
  line 1 MatchingFeedback bank-icbc-310000 APPLIED '"stage": "CONTACTED"'
  line 2 ObstacleRaised bank-icbc-310000 APPLIED '"category": "COLLATERAL", "description": "缺少可抵押资产"'
  line 3 ObstacleRaised bank-bocom-310000 APPLIED '"category": "COMPLIANCE", "description": "环评未批复"'
  line 4 ObstacleConfirmed bank-icbc-310000 OBSTACLE_NOT_RESOLVED "\"obstacle_id\": \"$O1\", \"comment\": null"
  line 5 ObstacleAcknowledged prov-320000 UNAUTHORIZED_SENDER "\"obstacle_id\": \"$O1\", \"comment\": null, \"acknowledged_by\": null"
  line 6 ObstacleAcknowledged prov-310000 APPLIED "\"obstacle_id\": \"$O1\", \"comment\": \"已受理\", \"acknowledged_by\": \"李明\""
  line 7 ObstacleResolved pbc-hq-sh APPLIED "\"obstacle_id\": \"$O1\", \"resolution\": \"引入政府性融资担保\", \"resolved_by\": \"王芳\""
  line 8 ObstacleReopened bank-ccb-310000 UNKNOWN_OBSTACLE "\"obstacle_id\": \"$O1\", \"reason\": \"x\""
  line 9 ObstacleReopened bank-icbc-310000 APPLIED "\"obstacle_id\": \"$O1\", \"reason\": \"担保机构撤回\""
  line 10 MatchingFeedback bank-icbc-310000 MATCHING_BLOCKED '"stage": "DUE_DILIGENCE"'
  line 11 ObstacleResolved prov-310000 APPLIED "\"obstacle_id\": \"$O1\", \"resolution\": \"更换担保机构\", \"resolved_by\": null"
  line 12 ObstacleConfirmed bank-icbc-310000 APPLIED "\"obstacle_id\": \"$O1\", \"comment\": \"确认已解决\""
  line 13 ObstacleReopened bank-icbc-310000 OBSTACLE_NOT_RESOLVED "\"obstacle_id\": \"$O1\", \"reason\": \"again\""
  line 14 MatchingFeedback bank-icbc-310000 APPLIED '"stage": "DUE_DILIGENCE"'
} >"$FLOW"
produce --topic gfdx.feedback <"$FLOW" # (gfdx produce has no default topic for the new types)
wait_sql_eq "SELECT count(*) FROM feedback.message_log" 14 60
assert_eq "every obstacle record got its outcome" "" "$(outcome_mismatches "$FLOW")"
assert_eq "icbc's obstacle: closed, resolved by the province after its reopening" "CLOSED|prov-310000|t|prov-310000" \
  "$(psql_q "SELECT status, resolved_by, closed_at IS NOT NULL, acknowledged_by FROM feedback.obstacle WHERE obstacle_id = '$O1'")"
assert_eq "its history: every step with who took it" \
  "-:OPEN:bank-icbc-310000,OPEN:ACKNOWLEDGED:prov-310000,ACKNOWLEDGED:RESOLVED:pbc-hq-sh,RESOLVED:OPEN:bank-icbc-310000,OPEN:RESOLVED:prov-310000,RESOLVED:CLOSED:bank-icbc-310000" \
  "$(psql_q "SELECT string_agg(coalesce(from_status, '-') || ':' || to_status || ':' || sender, ',' ORDER BY id)
             FROM feedback.obstacle_event WHERE obstacle_id = '$O1'")"
assert_eq "the need: BLOCKED by bocom's open obstacle only" "BLOCKED|1" \
  "$(psql_q "SELECT overall, open_obstacles FROM feedback.need_status WHERE need_id = 'DU-SH-0001'")"
assert_eq "icbc moved on once its obstacle was resolved" "DUE_DILIGENCE|0" \
  "$(psql_q "SELECT stage, open_obstacles FROM feedback.matching WHERE need_id = 'DU-SH-0001' AND bank_id = 'bank-icbc-310000'")"

# The alert (NOT_GREEN_ELIGIBLE: group 9) on the branch's own topic, then handled.
# (each bank's first record on the need).
alert=$(psql_q "SELECT alert_id FROM feedback.alert WHERE need_id = 'DU-SH-0001' AND kind = 'NOT_GREEN_ELIGIBLE'
                AND bank_id = 'bank-icbc-310000'")
assert_eq "two alerts, addressed to pbc-hq-sh" "2|pbc-hq-sh|pbc-hq-sh" \
  "$(psql_q "SELECT count(*), min(branch_id), max(branch_id) FROM feedback.alert WHERE need_id = 'DU-SH-0001'")"
wait_sql_eq "SELECT count(*) FROM feedback.outbox WHERE record_type = 'AlertRaised' AND published_at IS NOT NULL" 2 30
assert_eq "AlertRaised on gfdx.alerts.pbc-hq-sh, keyed by the alert id" "$alert NOT_GREEN_ELIGIBLE pbc-hq-sh bank-icbc-310000" \
  "$(topic_records gfdx.alerts.pbc-hq-sh AlertRaised | $PY -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l); v = r["value"]
    if v["bank_id"] == "bank-icbc-310000":
        print(r["key"], v["kind"], v["branch"], v["bank_id"])')"
HANDLE=$GFDX_TEST_DIR/handled.jsonl
{
  line 21 AlertHandled pbc-330200 UNAUTHORIZED_SENDER "\"alert_id\": \"$alert\", \"outcome\": \"DISMISSED\", \"comment\": \"越权\""
  line 22 AlertHandled pbc-330200 UNAUTHORIZED_SENDER '"alert_id": "al-nope", "outcome": "DISMISSED", "comment": "越权"'
  line 23 AlertHandled pbc-hq-sh APPLIED "\"alert_id\": \"$alert\", \"outcome\": \"CONFIRMED\", \"comment\": \"已约谈银行核实项目归类\""
  line 24 AlertHandled pbc-hq-sh ALERT_ALREADY_HANDLED "\"alert_id\": \"$alert\", \"outcome\": \"DISMISSED\", \"comment\": \"改判\""
} >"$HANDLE"
produce --topic gfdx.feedback <"$HANDLE"
wait_sql_eq "SELECT count(*) FROM feedback.message_log" 18 60
assert_eq "every AlertHandled got its outcome" "" "$(outcome_mismatches "$HANDLE")"
assert_eq "another branch learns nothing: the same reason for a real and a made-up alert" 1 \
  "$(psql_q "SELECT count(DISTINCT reason) FROM feedback.rejection WHERE event_id IN
             ('d0000000-0000-4000-8000-000000000021', 'd0000000-0000-4000-8000-000000000022')")"
assert_eq "the alert keeps its first verdict" "pbc-hq-sh|CONFIRMED|已约谈银行核实项目归类|t" \
  "$(psql_q "SELECT handled_by, outcome, comment, handled_at IS NOT NULL FROM feedback.alert WHERE alert_id = '$alert'")"
assert_eq "alert_status counts it handled" "NOT_GREEN_ELIGIBLE|1|1|1" \
  "$(psql_q "SELECT kind, open, handled, confirmed FROM feedback.alert_status WHERE branch_id = 'pbc-hq-sh'")"

# The watch, 30 days on: ccb never answered, bocom's obstacle is still open.
kill_proc feedback
assert_eq "no watch alert at the real clock" 0 "$(psql_q "SELECT count(*) FROM feedback.alert WHERE event_id IS NULL")"
GFDX_TEST_WATCH_CLOCK_MS=$(( $(date +%s%3N) + 30 * 86400000 )) start_duties_feedback feedback2
wait_sql_eq "SELECT count(*) FROM feedback.alert WHERE kind IN ('NO_FEEDBACK', 'OBSTACLE_OVERDUE')" 2 60
sleep 4 # watch.interval_s = 1: three rounds or more, which must find nothing new
assert_eq "raised once each, after several rounds" "NO_FEEDBACK|bank-ccb-310000|pbc-hq-sh;OBSTACLE_OVERDUE|bank-bocom-310000|pbc-hq-sh" \
  "$(psql_q "SELECT string_agg(kind || '|' || bank_id || '|' || branch_id, ';' ORDER BY kind) FROM feedback.alert
             WHERE kind IN ('NO_FEEDBACK', 'OBSTACLE_OVERDUE')")"
assert_eq "the overdue alert names the obstacle" "$O2" \
  "$(psql_q "SELECT facts->>'obstacle_id' FROM feedback.alert WHERE kind = 'OBSTACLE_OVERDUE'")"
wait_sql_eq "SELECT count(*) FROM feedback.outbox WHERE record_type IN ('Escalation', 'AlertRaised') AND published_at IS NULL" 0 30
# The coordination topic carries ObstacleCoordination too: keep the records whose single-object
# fingerprint is Escalation's (as the outbox wrote it), then decode them.
escalations() {
  local fp
  fp=$(psql_q "SELECT encode(substring(value FROM 3 FOR 8), 'hex') FROM feedback.outbox
               WHERE record_type = 'Escalation' LIMIT 1")
  kcat -C -b "$GFDX_KAFKA_BOOTSTRAP" -t gfdx.coordination.310000 -e -q -f '%K:%k%R%s' 2>/dev/null | $PY -c '
import struct, sys
fp = bytes.fromhex(sys.argv[1]); data = sys.stdin.buffer.read(); i = 0; out = sys.stdout.buffer
while i < len(data):
    colon = data.index(b":", i); klen = int(data[i:colon]); start = i; i = colon + 1 + max(klen, 0)
    (vlen,) = struct.unpack(">i", data[i:i + 4]); i += 4 + vlen
    if data[i - vlen + 2:i - vlen + 10] == fp:
        out.write(data[start:i])' "$fp" | $PY -c "$_FB_DECODE" "$GFDX_SOURCE_DIR/schemas/avro/escalation.v1.avsc"
}
assert_eq "escalated to the province: one Escalation per watch alert on gfdx.coordination.310000" \
  "310000 NO_FEEDBACK bank-ccb-310000 pbc-hq-sh;310000 OBSTACLE_OVERDUE bank-bocom-310000 pbc-hq-sh" \
  "$(escalations | $PY -c '
import json, sys
rows = sorted("%s %s %s %s" % (r["key"], r["value"]["kind"], r["value"]["bank_id"], r["value"]["branch_id"])
              for r in map(json.loads, sys.stdin))
print(";".join(rows))')"
assert_eq "and published to the branch: four AlertRaised on gfdx.alerts.pbc-hq-sh" \
  "NOT_GREEN_ELIGIBLE,NOT_GREEN_ELIGIBLE,NO_FEEDBACK,OBSTACLE_OVERDUE" \
  "$(topic_records gfdx.alerts.pbc-hq-sh AlertRaised | $PY -c '
import json, sys
print(",".join(sorted(json.loads(l)["value"]["kind"] for l in sys.stdin)))')"
assert_eq "alert_status: two open watch alerts" "NO_FEEDBACK|1|0;OBSTACLE_OVERDUE|1|0" \
  "$(psql_q "SELECT string_agg(kind || '|' || open || '|' || handled, ';' ORDER BY kind) FROM feedback.alert_status
             WHERE kind IN ('NO_FEEDBACK', 'OBSTACLE_OVERDUE')")"
finish
