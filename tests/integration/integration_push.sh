#!/usr/bin/env bash
# gfdx-push on the dev broker and a real PostgreSQL: a quarter of NeedPushed records (from
# the sample needs) recorded, routed and dispatched — pboc.need rows, one pboc.dispatch row
# per registered bank, NeedDispatched on the right gfdx.dispatch.<branch> topic (decoded
# with python3-avro), branches without a bank; withdrawals cancel and forward; a second push,
# a second withdrawal, an unknown need, a non-MIIT sender, a province without a branch and a
# wrong key are refused with rejection rows and receipts.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_pboc.sh"
stack_up

make_pushes 60 5
start_push
produce <"$PUSHES"
wait_sql_eq "SELECT count(*) FROM pboc.message_log" "$NPUSH" 60
assert_eq "every push applied" "$NPUSH" "$(psql_q "SELECT count(*) FROM pboc.message_log WHERE outcome = 'APPLIED'")"
assert_eq "one pboc.need per push, all DISPATCHED" "$NPUSH DISPATCHED" \
  "$(psql_q "SELECT count(*) || ' ' || string_agg(DISTINCT status, ',') FROM pboc.need")"

# Routing: every need on the branch DESIGN §6.2 names (expectation computed in lib_pboc.sh).
$PY -c "
import json; r = json.load(open('$GFDX_TEST_DIR/pushes.expect.json'))['routes']
print('\n'.join(f'{k} {v}' for k, v in sorted(r.items())))" >"$GFDX_TEST_DIR/expected_routes.txt"
psql_q "SELECT need_id || ' ' || branch_id FROM pboc.need ORDER BY need_id COLLATE \"C\"" >"$GFDX_TEST_DIR/routes.txt"
if diff "$GFDX_TEST_DIR/expected_routes.txt" "$GFDX_TEST_DIR/routes.txt" >"$GFDX_TEST_DIR/routes.diff"; then
  pass "every need routed to its branch ($(wc -l <"$GFDX_TEST_DIR/routes.txt") needs)"
else
  fail "routes differ: $(head -5 "$GFDX_TEST_DIR/routes.diff" | tr '\n' ' ')"
fi
assert_ge "计划单列市 branches used (宁波, 深圳, 青岛)" 3 \
  "$(psql_q "SELECT count(DISTINCT branch_id) FROM pboc.need WHERE branch_id IN ('pbc-330200','pbc-440300','pbc-370200')")"
assert_ge "上海总部 used" 1 "$(psql_q "SELECT count(*) FROM pboc.need WHERE branch_id = 'pbc-hq-sh'")"

# Dispatch: one ACTIVE row per (need, registered bank of its branch).
assert_eq "dispatch rows = banks of each need's branch" "$(push_expect '["dispatch_rows"]')" \
  "$(psql_q "SELECT count(*) FROM pboc.dispatch WHERE status = 'ACTIVE'")"
assert_eq "dispatch rows carry the need's branch" 0 \
  "$(psql_q "SELECT count(*) FROM pboc.dispatch d JOIN pboc.need n USING (need_id) WHERE d.branch_id <> n.branch_id")"
assert_eq "上海总部 needs go to its 3 banks" \
  "$(psql_q "SELECT 3 * count(*) FROM pboc.need WHERE branch_id = 'pbc-hq-sh'")" \
  "$(psql_q "SELECT count(*) FROM pboc.dispatch WHERE branch_id = 'pbc-hq-sh' AND bank_id IN
             ('bank-icbc-310000','bank-ccb-310000','bank-bocom-310000')")"

# Snapshot and figures.
nid=$(psql_q "SELECT need_id FROM pboc.need WHERE branch_id = 'pbc-330200' ORDER BY need_id LIMIT 1")
line=$(pushed_line "$nid")
field() { echo "$line" | $PY -c "import json,sys; r = json.load(sys.stdin); print($1)"; }
assert_eq "snapshot keeps the project (Chinese text exact)" "$(field 'r["project"]["name"]')" \
  "$(psql_q "SELECT snapshot->'project'->>'name' FROM pboc.need WHERE need_id = '$nid'")"
assert_eq "columns from the snapshot" \
  "$(field '" ".join([r["factory"]["uscc"], str(r["project"]["financing_amount"]), r["project"]["catalogue_code"], r["quarter"]])')" \
  "$(psql_q "SELECT uscc || ' ' || financing_amount || ' ' || catalogue_code || ' ' || quarter FROM pboc.need WHERE need_id = '$nid'")"
assert_eq "no meta in the snapshot" "f" "$(psql_q "SELECT snapshot ? 'meta' FROM pboc.need WHERE need_id = '$nid'")"
assert_eq "priority tags and late flags stored" \
  "$(grep -c '"priority_tags": \["GREEN_FACTORY"\]' "$PUSHES") $(grep -c '"late": true' "$PUSHES")" \
  "$(psql_q "SELECT count(*) FILTER (WHERE priority_tags = '{GREEN_FACTORY}') || ' ' || count(*) FILTER (WHERE late) FROM pboc.need")"

# NeedDispatched on the branch topics: one per need, decoded independently.
wait_sql_eq "SELECT count(*) FROM pboc.outbox WHERE published_at IS NULL" 0 30
$PY -c "
import json; e = json.load(open('$GFDX_TEST_DIR/pushes.expect.json'))['per_branch']
print('\n'.join(f'gfdx.dispatch.{b} {n}' for b, n in e.items()))" | LC_ALL=C sort >"$GFDX_TEST_DIR/expected_topics.txt"
# shellcheck disable=SC2046 # one word per topic
topic_ends $(cut -d' ' -f1 "$GFDX_TEST_DIR/expected_topics.txt") | LC_ALL=C sort >"$GFDX_TEST_DIR/topics.txt"
assert_eq "one NeedDispatched per need on each gfdx.dispatch.<branch> ($(wc -l <"$GFDX_TEST_DIR/topics.txt") topics)" \
  "$(cat "$GFDX_TEST_DIR/expected_topics.txt")" "$(cat "$GFDX_TEST_DIR/topics.txt")"
assert_eq "nothing on the branches no need was routed to" 0 \
  "$(topic_ends gfdx.dispatch.pbc-110000 gfdx.dispatch.pbc-210200 gfdx.dispatch.pbc-650000 | awk '{ s += $2 } END { print s }')"
dispatch_records gfdx.dispatch.pbc-330200 >"$GFDX_TEST_DIR/ningbo.jsonl"
rec=$(grep -m1 "\"\$key\": \"$nid\"" "$GFDX_TEST_DIR/ningbo.jsonl")
got() { echo "$rec" | $PY -c "import json,sys; r = json.load(sys.stdin); print($1)"; }
assert_eq "NeedDispatched keyed by need id, from pboc" "NeedDispatched pboc pbc-330200" \
  "$(got '" ".join([r["$type"], r["meta"]["sender"], r["branch_id"]])')"
assert_eq "NeedDispatched names the branch's banks" \
  "$(psql_q "SELECT string_agg(bank_id, ',' ORDER BY bank_id) FROM pboc.dispatch WHERE need_id = '$nid'")" \
  "$(got '",".join(sorted(r["bank_ids"]))')"
assert_eq "NeedDispatched carries the snapshot, quarter and tags" \
  "$(field 'json.dumps([r["project"]["location_region"], r["factory"]["uscc"], r["quarter"], r["priority_tags"], r["contact"]["name"]], ensure_ascii=False)')" \
  "$(got 'json.dumps([r["project"]["location_region"], r["factory"]["uscc"], r["quarter"], r["priority_tags"], r["contact"]["name"]], ensure_ascii=False)')"
assert_eq "correlation id is the NeedPushed event" \
  "$(psql_q "SELECT push_event_id FROM pboc.need WHERE need_id = '$nid'")" "$(got 'r["meta"]["correlation_id"]')"
receipts_to() { [ "$(kcat -C -b "$GFDX_KAFKA_BOOTSTRAP" -t "gfdx.receipts.$1" -e -q -f '%k\n' 2>/dev/null | grep -cx "$1")" -ge "$2" ]; }
wait_for "a receipt per push back to miit" 30 receipts_to miit "$NPUSH"

# A branch with no registered bank: need recorded, NeedDispatched with an empty list, warning.
nobank=$(push_expect '["no_bank_needs"]')
assert_ge "the sample reaches branches without banks" 1 "$nobank"
nb_branch=$(psql_q "SELECT n.branch_id FROM pboc.need n WHERE NOT EXISTS
                    (SELECT 1 FROM pboc.dispatch d WHERE d.need_id = n.need_id) ORDER BY 1 LIMIT 1")
assert_eq "needs without a dispatch row = needs on bankless branches" "$nobank" \
  "$(psql_q "SELECT count(*) FROM pboc.need n WHERE NOT EXISTS (SELECT 1 FROM pboc.dispatch d WHERE d.need_id = n.need_id)")"
assert_eq "NeedDispatched records on gfdx.dispatch.$nb_branch all have an empty bank list" "[] $(push_expect "[\"per_branch\"][\"$nb_branch\"]")" \
  "$(dispatch_records "gfdx.dispatch.$nb_branch" | $PY -c '
import json, sys; recs = [json.loads(l) for l in sys.stdin]
print(" ".join(sorted({json.dumps(r["bank_ids"]) for r in recs})), len(recs))')"
assert_ok "warning logged for the bankless branch" grep -q "routed to $nb_branch.*no bank is registered" "$GFDX_TEST_DIR/push.log"

# Withdrawal: need WITHDRAWN, dispatches CANCELLED, NeedDispatchWithdrawn on the same topic.
nbanks=$(psql_q "SELECT count(*) FROM pboc.dispatch WHERE need_id = '$nid'")
echo "{\"need_id\": \"$nid\", \"reason\": \"企业已获其他融资\"}" | produce --type NeedPushWithdrawn --sender miit
wait_sql_eq "SELECT status FROM pboc.need WHERE need_id = '$nid'" WITHDRAWN 30
assert_eq "every dispatch of the need cancelled" "$nbanks CANCELLED" \
  "$(psql_q "SELECT count(*) || ' ' || string_agg(DISTINCT status, ',') FROM pboc.dispatch WHERE need_id = '$nid' AND cancelled_at IS NOT NULL")"
assert_eq "withdrawal reason kept" "企业已获其他融资" "$(psql_q "SELECT withdrawn_reason FROM pboc.need WHERE need_id = '$nid'")"
wait_for "NeedDispatchWithdrawn forwarded to gfdx.dispatch.pbc-330200" 30 \
  dispatch_count gfdx.dispatch.pbc-330200 NeedDispatchWithdrawn 1
w=$(dispatch_records gfdx.dispatch.pbc-330200 | grep NeedDispatchWithdrawn)
assert_eq "NeedDispatchWithdrawn names the cancelled banks and the reason" \
  "$nid $(psql_q "SELECT string_agg(bank_id, ',' ORDER BY bank_id) FROM pboc.dispatch WHERE need_id = '$nid'") 企业已获其他融资" \
  "$(echo "$w" | $PY -c 'import json,sys; r = json.load(sys.stdin); print(r["$key"], ",".join(r["bank_ids"]), r["reason"])')"

# Refusals: each kept in pboc.rejection with its reason, nothing changed.
other=$(psql_q "SELECT need_id FROM pboc.need WHERE status = 'DISPATCHED' AND branch_id = 'pbc-hq-sh' ORDER BY need_id LIMIT 1")
pushed_line "$other" | produce                                                          # second push, new event id
echo "{\"need_id\": \"$nid\", \"reason\": \"again\"}" | produce --type NeedPushWithdrawn --sender miit
echo '{"need_id": "T-NEVER-PUSHED", "reason": "x"}' | produce --type NeedPushWithdrawn --sender miit
pushed_line "$other" | $PY -c '
import json, sys; r = json.load(sys.stdin); r["need_id"] = "T-FROM-PROVINCE"; r["meta"]["sender"] = "prov-310000"
print(json.dumps(r, ensure_ascii=False))' | produce
pushed_line "$other" | $PY -c '
import json, sys; r = json.load(sys.stdin); r["need_id"] = "T-TAIWAN"
r["factory"]["province"] = "710000"; r["project"]["location_region"] = "710100"; print(json.dumps(r, ensure_ascii=False))' | produce
pushed_line "$other" | $PY -c '
import json, sys; r = json.load(sys.stdin); r["need_id"] = "T-KEY"; print(json.dumps(r, ensure_ascii=False))' |
  produce --key-field batch_id
wait_sql_eq "SELECT count(*) FROM pboc.rejection" 6 30
assert_eq "refusal reasons" \
  "$other=ILLEGAL_TRANSITION $nid=ILLEGAL_TRANSITION T-FROM-PROVINCE=UNAUTHORIZED_SENDER T-KEY=KEY_MISMATCH T-NEVER-PUSHED=UNKNOWN_NEED T-TAIWAN=NO_BRANCH" \
  "$(psql_q "SELECT string_agg(coalesce(record->>'need_id', entity_id) || '=' || reason_code, ' '
             ORDER BY coalesce(record->>'need_id', entity_id) COLLATE \"C\") FROM pboc.rejection")"
assert_eq "refused records changed nothing" "$NPUSH 0 1" \
  "$(psql_q "SELECT count(*) || ' ' || count(*) FILTER (WHERE need_id LIKE 'T-%') || ' '
             || count(*) FILTER (WHERE status = 'WITHDRAWN') FROM pboc.need")"
assert_eq "second push left the first dispatch alone" 3 \
  "$(psql_q "SELECT count(*) FROM pboc.dispatch WHERE need_id = '$other' AND status = 'ACTIVE'")"
wait_for "refusal receipt to the province that pretended to push" 30 receipts_for prov-310000
assert_eq "only one NeedDispatchWithdrawn forwarded" 1 \
  "$(psql_q "SELECT count(*) FROM pboc.outbox WHERE record_type = 'NeedDispatchWithdrawn'")"

assert_ok "gfdx-push still running" proc_alive push
kill_proc push TERM
assert_eq "SIGTERM: clean exit 0" 0 "$KILL_STATUS"
finish
