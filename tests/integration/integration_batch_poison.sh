#!/usr/bin/env bash
# Poison records in a batch (issue 11): a batch of 500 NeedSubmitted records in which
# PostgreSQL refuses the rows of two needs (triggers raise, as a CHECK or a value PostgreSQL
# cannot store would) fails as a whole; the daemon bisects it, each half in its own
# transaction, down to each of the two records. The first is refused STORE_ERROR with the
# server's message (rejection row, receipt). The second cannot even be refused (its rejection
# row fails too) and is kept as a dead letter STORE_ERROR. The other 498 apply and are
# answered, exactly once.
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
    if n <= 500:  # read to the end: a reader that stops early breaks the writer'"'"'s pipe (pipefail)
        print(json.dumps(r, ensure_ascii=False))' >"$GFDX_TEST_DIR/stream.jsonl"
nth() { $PY -c 'import json, sys; print(json.loads(open(sys.argv[1]).readlines()[int(sys.argv[2])])["need_id"])' "$GFDX_TEST_DIR/stream.jsonl" "$1"; }
POISON=$(nth 249) DEAD=$(nth 400)
psql_q "CREATE FUNCTION intake.test_poison() RETURNS trigger LANGUAGE plpgsql AS \$\$
        BEGIN IF NEW.need_id IN ('$POISON', '$DEAD') THEN
          RAISE EXCEPTION 'test poison: need % refused by a trigger', NEW.need_id; END IF;
        RETURN NEW; END \$\$;
        CREATE TRIGGER test_poison BEFORE INSERT OR UPDATE ON intake.need FOR EACH ROW EXECUTE FUNCTION intake.test_poison();
        CREATE FUNCTION intake.test_poison_rejection() RETURNS trigger LANGUAGE plpgsql AS \$\$
        BEGIN IF NEW.entity_id = '$DEAD' THEN RAISE EXCEPTION 'test poison: rejection of % refused', NEW.entity_id; END IF;
        RETURN NEW; END \$\$;
        CREATE TRIGGER test_poison_rejection BEFORE INSERT ON intake.rejection FOR EACH ROW
          EXECUTE FUNCTION intake.test_poison_rejection();" >/dev/null

assert_eq "500 NeedSubmitted records, one of them the poison" "500 1" \
  "$(wc -l <"$GFDX_TEST_DIR/stream.jsonl") $(grep -c "$POISON" "$GFDX_TEST_DIR/stream.jsonl")"
produce <"$GFDX_TEST_DIR/stream.jsonl"
spawn intake2 "$GFDX_BUILD_DIR/services/intake/gfdx-intake" --config "$cfg"

wait_sql_eq "SELECT count(*) FROM intake.message_log" 500 120
assert_eq "the other 498 needs are filed" "498" "$(psql_q "SELECT count(*) FROM intake.need")"
assert_eq "the first poison is refused STORE_ERROR, and only it" "$POISON STORE_ERROR" \
  "$(psql_q "SELECT string_agg(entity_id || ' ' || reason_code, ',') FROM intake.rejection")"
assert_ok "its reason is the server's message" grep -q "test poison: need $POISON refused by a trigger" \
  <<<"$(psql_q "SELECT reason FROM intake.rejection")"
assert_eq "the second, whose refusal cannot be stored either, is the one dead letter STORE_ERROR" "1 STORE_ERROR" \
  "$(psql_q "SELECT count(*) || ' ' || min(reason_code) FROM intake.dead_letter")"
assert_ok "its reason is the server's message" grep -q "test poison: rejection of $DEAD refused" \
  <<<"$(psql_q "SELECT reason FROM intake.dead_letter")"
assert_ok "its raw record is kept" grep -q "$DEAD" <<<"$(psql_q "SELECT convert_from(key, 'UTF8') FROM intake.dead_letter")"
assert_eq "message log: 498 APPLIED, 1 REFUSED, 1 DEAD_LETTER" "APPLIED 498,DEAD_LETTER 1,REFUSED 1" \
  "$(psql_q "SELECT string_agg(outcome || ' ' || n, ',' ORDER BY outcome) FROM (SELECT outcome, count(*) n FROM intake.message_log GROUP BY 1) x")"
assert_eq "the refused poison is remembered (a resend is a DUPLICATE)" "REFUSED STORE_ERROR" \
  "$(psql_q "SELECT outcome || ' ' || reason_code FROM intake.inbound_event WHERE outcome <> 'APPLIED'")"
assert_ok "the daemon said it bisected the batch" grep -q "bisecting to find the record it fails on" "$GFDX_TEST_DIR/intake2.log"
wait_sql_eq "SELECT count(*) FROM intake.outbox WHERE published_at IS NULL" 0 60
assert_eq "499 receipts (498 accepted, the refusal's; a dead letter has no trusted sender)" "499" "$(receipts_count)"
assert_eq "offsets stored past the whole batch" "500" \
  "$(psql_q "SELECT sum(next_offset) FROM intake.kafka_offset WHERE topic = 'gfdx.needs'")"
finish
