#!/usr/bin/env bash
# A poison record in a batch (issue 11): a batch of 500 NeedSubmitted records in which
# PostgreSQL refuses one row (a trigger on intake.need raises for one need id, as a CHECK or
# a type PostgreSQL cannot store would) fails as a whole; the daemon bisects it, each half in
# its own transaction, down to that one record, which is kept as a dead letter STORE_ERROR
# with the server's message; the other 499 apply and are answered, exactly once.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
PY=/usr/bin/python3
stack_up

# The schema first (the daemon migrates at start), then the trigger, then the stream.
GFDX_TEST_BATCH=500
cfg=$(daemon_config intake miit gfdx.needs gfdx.matching-status)
sed -i 's/max_ms = 100;/max_ms = 3000;/' "$cfg"
spawn intake "$GFDX_BUILD_DIR/services/intake/gfdx-intake" --config "$cfg"
wait_sql_eq "SELECT to_regclass('intake.need') IS NOT NULL" t 60
kill_proc intake TERM
$PY "$GFDX_SOURCE_DIR/deploy/sample/make_needs.py" --seed 5 --count 500 --v1-share 0 2>/dev/null | $PY -c '
import json, sys, time
n = 0
for l in sys.stdin:
    r = json.loads(l)
    if r["$type"] != "NeedSubmitted":
        continue
    n += 1
    r = {k: v for k, v in r.items() if not k.startswith("_")}
    r["meta"]["occurred_at"] = int(time.time() * 1000)
    print(json.dumps(r, ensure_ascii=False))
    if n == 500:
        break' >"$GFDX_TEST_DIR/stream.jsonl"
POISON=$($PY -c 'import json, sys; print(json.loads(open(sys.argv[1]).readlines()[249])["need_id"])' "$GFDX_TEST_DIR/stream.jsonl")
psql_q "CREATE FUNCTION intake.test_poison() RETURNS trigger LANGUAGE plpgsql AS \$\$
        BEGIN IF NEW.need_id = '$POISON' THEN RAISE EXCEPTION 'test poison: need % refused by a trigger', NEW.need_id; END IF;
        RETURN NEW; END \$\$;
        CREATE TRIGGER test_poison BEFORE INSERT OR UPDATE ON intake.need FOR EACH ROW EXECUTE FUNCTION intake.test_poison();" >/dev/null

assert_eq "500 NeedSubmitted records, one of them the poison" "500 1" \
  "$(wc -l <"$GFDX_TEST_DIR/stream.jsonl") $(grep -c "$POISON" "$GFDX_TEST_DIR/stream.jsonl")"
produce <"$GFDX_TEST_DIR/stream.jsonl"
spawn intake2 "$GFDX_BUILD_DIR/services/intake/gfdx-intake" --config "$cfg"

wait_sql_eq "SELECT count(*) FROM intake.message_log" 500 120
assert_eq "the other 499 needs are filed" "499" "$(psql_q "SELECT count(*) FROM intake.need")"
assert_eq "the poison is a dead letter STORE_ERROR, and only it" "1 STORE_ERROR" \
  "$(psql_q "SELECT count(*), min(reason_code) FROM intake.dead_letter")"
assert_ok "its reason is the server's message" grep -q "test poison: need $POISON refused by a trigger" \
  <<<"$(psql_q "SELECT reason FROM intake.dead_letter")"
assert_ok "its raw record is kept" grep -q "$POISON" \
  <<<"$(psql_q "SELECT convert_from(key, 'UTF8') FROM intake.dead_letter")"
assert_eq "message log: 499 APPLIED, 1 DEAD_LETTER" "APPLIED 499,DEAD_LETTER 1" \
  "$(psql_q "SELECT string_agg(outcome || ' ' || n, ',' ORDER BY outcome) FROM (SELECT outcome, count(*) n FROM intake.message_log GROUP BY 1) x")"
assert_eq "the poison's offset is the dead letter's" \
  "$(psql_q "SELECT \"offset\" FROM intake.dead_letter")" \
  "$(psql_q "SELECT \"offset\" FROM intake.message_log WHERE outcome = 'DEAD_LETTER'")"
assert_ok "the daemon said it bisected the batch" grep -q "bisecting to find the record it fails on" "$GFDX_TEST_DIR/intake2.log"
wait_sql_eq "SELECT count(*) FROM intake.outbox WHERE published_at IS NULL" 0 60
assert_eq "499 receipts on the topics (a dead letter has no trusted sender)" "499" "$(receipts_count)"
assert_eq "no refusal" "0" "$(psql_q "SELECT count(*) FROM intake.rejection")"
assert_eq "offsets stored past the whole batch" "500" \
  "$(psql_q "SELECT sum(next_offset) FROM intake.kafka_offset WHERE topic = 'gfdx.needs'")"
finish
