#!/usr/bin/env bash
# gfdx-feedback hardening (issue 8 items 8 and 9), on the dev broker and a real PostgreSQL,
# with pboc.need / pboc.dispatch from a fixture. tests/integration/data/
# feedback_hardening.jsonl says each record's outcome ("_expect"):
#  - authorization before state: a bank the need was not dispatched to, and another
#    province's authority resolving an obstacle, get UNAUTHORIZED_SENDER alike for a need
#    that is open, that does not exist and that was withdrawn (final), for MatchingFeedback,
#    ObstacleRaised and ObstacleResolved; the refusals name no state of the need;
#  - ObstacleResolved: the resolver stored is the sender; resolved_by is only the official's
#    display name, refused LIMIT_EXCEEDED beyond 200 characters, INVALID_FIELD with control characters;
#  - overflow: an approval of INT64_MAX fen (two of them used to wrap
#    feedback.need_status.approved_total to -2) is refused LIMIT_EXCEEDED by the money bound
#    (10^15 fen) before the handler; approvals within the bound add up past it, checked
#    (the sum's own overflow check is unit-tested in test_feedback_overflow).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_feedback.sh"
stack_up

FLOW=$FB_DATA/feedback_hardening.jsonl
total=$(grep -c . "$FLOW")
phase1=$($PY -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["_phase"] == 1))' "$FLOW")
pboc_fixture
pboc_sql_file "$FB_DATA/feedback_hardening_pboc.sql"

start_feedback
produce_phase "$FLOW" 1
wait_sql_eq "SELECT count(*) FROM feedback.message_log" "$phase1" 60
pboc_withdraw FH-FINAL # gfdx-push received NeedPushWithdrawn: need WITHDRAWN, dispatch CANCELLED
produce_phase "$FLOW" 2
wait_sql_eq "SELECT count(*) FROM feedback.message_log" "$total" 60

assert_eq "every record got the outcome the scenario expects ($total records)" "" "$(outcome_mismatches "$FLOW")"
assert_eq "refusals of forgers name no state or province of the need" "" \
  "$(psql_q "SELECT string_agg(reason, ' | ') FROM feedback.rejection WHERE reason_code = 'UNAUTHORIZED_SENDER'
             AND (reason LIKE '%WITHDRAWN%' OR reason LIKE '%310000%' OR reason LIKE '%pbc-hq-sh%'
                  OR reason LIKE '%withdrawn%' OR reason LIKE '%cancelled%')")"
assert_eq "FH-BIG: the approvals within the money bound add up, INT64_MAX refused" \
  "APPROVED 2 1000000000000001" \
  "$(psql_q "SELECT overall || ' ' || banks_approved || ' ' || approved_total FROM feedback.need_status
             WHERE need_id = 'FH-BIG'")"
assert_eq "no negative total anywhere" 0 \
  "$(psql_q "SELECT count(*) FROM feedback.need_status WHERE approved_total < 0 OR disbursed_total < 0")"
assert_eq "the resolver is the sender; resolved_by is the official's name only" \
  "f0000000-0000-4000-8000-000000000002 prov-310000 王芳|f0000000-0000-4000-8000-000000000004 prov-310000 李明" \
  "$(psql_q "SELECT string_agg(obstacle_id || ' ' || resolved_by || ' ' || resolved_by_official, '|' ORDER BY obstacle_id)
             FROM feedback.obstacle WHERE status = 'RESOLVED'")"
assert_ok "gfdx-feedback still running" proc_alive feedback
finish
