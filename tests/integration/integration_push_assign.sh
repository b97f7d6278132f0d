#!/usr/bin/env bash
# gfdx-push, issue 12, on a real PostgreSQL and a broker: BanksAssigned end to end and the
# NO_BANK watch. Needs pushed while their branch has no bank (the stack's registry) are
# dispatched with no bank; a bank assigning and another branch assigning are refused
# (UNAUTHORIZED_SENDER, NOT_NEEDS_BRANCH) as are a bank of another branch, an unknown bank
# and a withdrawn need; after a SIGHUP with a bank registered for the branch and a national
# head office, the need's branch assigns them: two ACTIVE dispatches and one NeedDispatched
# listing them on gfdx.dispatch.<branch>; the same assignment again is a no-op. Then
# gfdx-push restarted with the watch's clock (GFDX_TEST_WATCH_CLOCK_MS) ten days ahead raises
# one NO_BANK alert (pboc.alert OPEN, AlertRaised on gfdx.alerts.<branch>) per need still
# without a bank, and only once over many rounds; an assignment closes it, and so does a
# withdrawal.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_pboc.sh"
stack_up

# The push daemon with its own copy of the registry (the stack's, with its keys, first without
# its national head offices so that needs reach branches without a bank), consuming both
# topics, the watch every second.
reg=$GFDX_TEST_DIR/participants.cfg
grep -v 'branches = \["national"\]' "$GFDX_PARTICIPANTS" >"$reg"
cfg=$GFDX_TEST_DIR/push-assign.cfg
sed "s#participants = \".*\";#participants = \"$reg\";#" \
  "$(daemon_config push pboc gfdx.miit-pushes gfdx.dispatch-assignments)" >"$cfg"
echo 'watch: { interval_s = 1; };' >>"$cfg"
echo 'push: { no_bank_alert_days = 3; };' >>"$cfg"
spawn push "$GFDX_BUILD_DIR/services/push/gfdx-push" --config "$cfg"

make_pushes 30 7
produce <"$PUSHES"
wait_sql_eq "SELECT count(*) FROM pboc.message_log" "$NPUSH" 60
nobank="SELECT count(*) FROM pboc.need n WHERE status = 'DISPATCHED' AND NOT EXISTS
        (SELECT 1 FROM pboc.dispatch d WHERE d.need_id = n.need_id AND d.status = 'ACTIVE')"
stranded=$(psql_q "$nobank")
assert_ge "needs pushed to branches without a bank" 3 "$stranded"
# Two of them on one branch B (not Ningbo): N1 gets banks, N2 is withdrawn.
read -r branch n1 n2 <<<"$(psql_q "SELECT branch_id || ' ' || min(need_id) || ' ' || max(need_id) FROM pboc.need n
  WHERE branch_id <> 'pbc-330200' AND NOT EXISTS (SELECT 1 FROM pboc.dispatch d WHERE d.need_id = n.need_id)
  GROUP BY branch_id HAVING count(*) >= 2 ORDER BY count(*) DESC, branch_id LIMIT 1")"
assert_ok "a bankless branch with two needs ($branch: $n1, $n2)" test -n "$n2" -a "$n1" != "$n2"
sleep 3 # three watch rounds on needs received just now
assert_eq "no alert for needs received today" 0 "$(psql_q "SELECT count(*) FROM pboc.alert")"

assign() { # SENDER NEED BANK... : one BanksAssigned, signed by SENDER
  local sender=$1 need=$2; shift 2
  $PY -c 'import json, sys; print(json.dumps({"need_id": sys.argv[1], "bank_ids": sys.argv[2:], "comment": "对接"},
          ensure_ascii=False))' "$need" "$@" | produce --type BanksAssigned --topic gfdx.dispatch-assignments --sender "$sender"
}

# Refusals, each with its reason; nothing changes.
assign bank-nbcb-330200 "$n1" bank-nbcb-330200     # a bank assigning
assign pbc-330200 "$n1" bank-nbcb-330200           # another branch assigning its own bank to B's need
assign "$branch" "$n1" bank-nbcb-330200            # a bank of another branch
assign "$branch" "$n1" bank-nope-000000            # not a registered bank
echo "{\"need_id\": \"$n2\", \"reason\": \"企业撤回\"}" | produce --type NeedPushWithdrawn --sender miit
wait_sql_eq "SELECT status FROM pboc.need WHERE need_id = '$n2'" WITHDRAWN 30
assign "$branch" "$n2" bank-icbc-hq-none           # a withdrawn need: refused on its state before its banks
wait_sql_eq "SELECT count(*) FROM pboc.rejection" 5 30
assert_eq "refusal reasons" \
  "bank-nbcb-330200=UNAUTHORIZED_SENDER pbc-330200=NOT_NEEDS_BRANCH $branch=BANK_NOT_OF_BRANCH $branch=UNKNOWN_BANK $branch=NEED_WITHDRAWN" \
  "$(psql_q "SELECT string_agg(sender || '=' || reason_code, ' ' ORDER BY id) FROM pboc.rejection")"
assert_eq "refused assignments opened no dispatch" 0 \
  "$(psql_q "SELECT count(*) FROM pboc.dispatch WHERE need_id IN ('$n1', '$n2')")"

# The registry reloaded: the stack's whole registry (its national head offices, among them
# bank-icbc-hq) and a bank registered for B; then B assigns that bank and a head office.
$PY - "$GFDX_PARTICIPANTS" "$reg" "$branch" <<'PYEOF'
import sys
src, path, branch = sys.argv[1:]
text = open(src, encoding="utf-8").read()
end = text.rindex(")")
text = text[:end].rstrip() + """,
  { id = "bank-late-test"; kind = "bank"; region = "%s"; name = "后注册的银行"; branches = ["%s"]; }
""" % (branch[4:] if branch[4:].isdigit() else "310000", branch) + text[end:]
open(path, "w", encoding="utf-8").write(text)
PYEOF
kill -HUP "$(spawn_pid push)"
wait_for "registry reloaded" 10 grep -q "SIGHUP: reloaded" "$GFDX_TEST_DIR/push.log"
assign "$branch" "$n1" bank-late-test bank-icbc-hq bank-late-test
wait_sql_eq "SELECT count(*) FROM pboc.dispatch WHERE need_id = '$n1' AND status = 'ACTIVE'" 2 30
assert_eq "one ACTIVE dispatch per assigned bank, on the need's branch" "bank-icbc-hq,bank-late-test $branch" \
  "$(psql_q "SELECT string_agg(bank_id, ',' ORDER BY bank_id) || ' ' || string_agg(DISTINCT branch_id, ',')
             FROM pboc.dispatch WHERE need_id = '$n1'")"
assign "$branch" "$n1" bank-icbc-hq                 # again: a no-op, accepted
wait_sql_eq "SELECT count(*) FROM pboc.message_log WHERE outcome = 'APPLIED' AND record_type = 'BanksAssigned'" 2 30
wait_sql_eq "SELECT count(*) FROM pboc.outbox WHERE published_at IS NULL" 0 30
nd() { dispatch_records "gfdx.dispatch.$branch" | grep "\"\$key\": \"$n1\"" | grep '"NeedDispatched"'; }
assert_eq "NeedDispatched of the push (no bank) and of the assignment (its two banks), nothing for the repeat" \
  "[] bank-late-test,bank-icbc-hq" \
  "$(nd | $PY -c 'import json, sys; print(" ".join(",".join(json.loads(l)["bank_ids"]) or "[]" for l in sys.stdin))')"
assert_eq "the assignment's NeedDispatched carries the stored snapshot" \
  "$(psql_q "SELECT snapshot->'project'->>'name' FROM pboc.need WHERE need_id = '$n1'") $branch" \
  "$(nd | tail -1 | $PY -c 'import json, sys; r = json.load(sys.stdin); print(r["project"]["name"], r["branch_id"])')"

# A need pushed now goes to B's bank and every national head office (the notice's 各金融机构).
heads=$(grep -c '^[[:space:]]*{.*branches = \["national"\]' "$GFDX_PARTICIPANTS")
assert_ge "the stack's registry has national head offices" 2 "$heads"
pushed_line "$n1" | $PY -c '
import json, sys; r = json.load(sys.stdin); r["need_id"] = "T-AFTER-RELOAD"; print(json.dumps(r, ensure_ascii=False))' | produce
wait_sql_eq "SELECT count(*) FROM pboc.dispatch WHERE need_id = 'T-AFTER-RELOAD'" "$((heads + 1))" 30
assert_eq "dispatched to B's bank and the head offices" "1 $heads" \
  "$(psql_q "SELECT count(*) FILTER (WHERE bank_id = 'bank-late-test') || ' ' || count(*) FILTER (WHERE bank_id LIKE '%-hq')
             FROM pboc.dispatch WHERE need_id = 'T-AFTER-RELOAD' AND status = 'ACTIVE' AND branch_id = '$branch'")"

# The watch, ten days on: one NO_BANK alert per need still without a bank, once.
kill_proc push TERM
assert_eq "SIGTERM: clean exit 0" 0 "$KILL_STATUS"
left=$(psql_q "$nobank")
assert_eq "needs still without a bank: the stranded ones less the assigned and the withdrawn" "$((stranded - 2))" "$left"
GFDX_TEST_WATCH_CLOCK_MS=$(( $(date +%s) * 1000 + 10 * 86400000 )) \
  spawn push2 "$GFDX_BUILD_DIR/services/push/gfdx-push" --config "$cfg"
wait_sql_eq "SELECT count(*) FROM pboc.alert WHERE kind = 'NO_BANK' AND status = 'OPEN'" "$left" 30
assert_eq "every need without a bank has an open NO_BANK alert" 0 \
  "$(psql_q "$nobank AND NOT EXISTS (SELECT 1 FROM pboc.alert a WHERE a.need_id = n.need_id AND a.status = 'OPEN')")"
assert_eq "alerts only for needs without a bank" 0 \
  "$(psql_q "SELECT count(*) FROM pboc.alert a WHERE EXISTS
             (SELECT 1 FROM pboc.dispatch d WHERE d.need_id = a.need_id AND d.status = 'ACTIVE') OR a.need_id IN ('$n1', '$n2')")"
sleep 4 # four more rounds
assert_eq "raised once: alerts and AlertRaised outbox rows after more rounds" "$left $left" \
  "$(psql_q "SELECT (SELECT count(*) FROM pboc.alert) || ' ' || (SELECT count(*) FROM pboc.outbox WHERE record_type = 'AlertRaised')")"
a_need=$(psql_q "SELECT need_id FROM pboc.alert ORDER BY need_id LIMIT 1")
a_branch=$(psql_q "SELECT branch_id FROM pboc.need WHERE need_id = '$a_need'")
wait_sql_eq "SELECT count(*) FROM pboc.outbox WHERE published_at IS NULL" 0 30
assert_eq "AlertRaised on gfdx.alerts.$a_branch, keyed by its alert id, kind NO_BANK, facts" \
  "$(psql_q "SELECT alert_id || ' NO_BANK $a_need $a_branch ' || (facts->>'working_days')::int FROM pboc.alert WHERE need_id = '$a_need'")" \
  "$(dispatch_records "gfdx.alerts.$a_branch" | $PY -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if r and r["need_id"] == sys.argv[1]:
        print(r["$key"], r["kind"], r["need_id"], r["branch"], json.loads(r["facts"])["working_days"])' "$a_need")"
assert_ge "aged at least the limit in working days" 3 \
  "$(psql_q "SELECT min((facts->>'working_days')::int) FROM pboc.alert")"

# Banks assigned to an alerted need close its alert; no new alert follows.
ho_or_own=$(psql_q "SELECT CASE WHEN '$a_branch' = '$branch' THEN 'bank-late-test' ELSE 'bank-icbc-hq' END")
assign "$a_branch" "$a_need" "$ho_or_own"
wait_sql_eq "SELECT status FROM pboc.alert WHERE need_id = '$a_need'" CLOSED 30
sleep 2
assert_eq "closed, not raised again" "CLOSED 1" \
  "$(psql_q "SELECT string_agg(status, ',') || ' ' || count(*) FROM pboc.alert WHERE need_id = '$a_need'")"
w_need=$(psql_q "SELECT need_id FROM pboc.alert WHERE status = 'OPEN' ORDER BY need_id LIMIT 1")
echo "{\"need_id\": \"$w_need\", \"reason\": \"企业撤回\"}" | produce --type NeedPushWithdrawn --sender miit
wait_sql_eq "SELECT status FROM pboc.alert WHERE need_id = '$w_need'" CLOSED 30
assert_ok "gfdx-push still running" proc_alive push2
kill_proc push2 TERM
assert_eq "SIGTERM: clean exit 0" 0 "$KILL_STATUS"
finish
