#!/usr/bin/env bash
# kill -9 of gfdx-namelist while a large FULL list (20,000 entries in 20 parts per version)
# is being staged, and twice in the middle of applying a complete version (the daemon is
# configured to pause inside the apply, after closing the replaced rows and before inserting
# the new ones: namelist.apply_pause_ms). After each crash the ledger must still be exactly
# the last committed version; after the last restart it must be exactly what an
# uninterrupted run gives (the independent model's digests, counts and history rows), every
# record applied once and every NameListChanged emitted once.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_namelist.sh"
stack_up

nl_make_large 11 20000 1000
expect=$NL_EXPECT total=$NL_TOTAL parts=$NL_PARTS
digest() { $PY -c "import json; print(json.load(open('$expect'))['lists']['500106-EIT-ENT']['versions']['$1']['digest'])"; }
LIST=500106-EIT-ENT PAUSE='namelist: { apply_pause_ms = 2000; };'
# shellcheck disable=SC2034 # read by daemon_config (lib_daemons.sh)
GFDX_TEST_BATCH=2 # two parts per transaction: a crash finds some parts committed, some not
applying() { # applying NAME VERSION: daemon NAME is pausing in the batch that applies VERSION
  grep -q "fault injection: pausing [0-9]* ms in the batch that applies list $LIST version $2\"" "$GFDX_TEST_DIR/$1.log"; }
ledger_is() { # ledger_is V: the current list is exactly version V of the model
  assert_eq "$2: the current list is exactly version $1 as published" "$(digest "$1")" \
    "$(psql_q "SELECT md5(coalesce(string_agg(entry_key || E'\\x1f' || digest, E'\\x1e' ORDER BY entry_key COLLATE \"C\"), ''))
               FROM district.entry_version WHERE list_id = '$LIST' AND valid_to IS NULL")"
}

# 1. Crash while the parts of version 1 are being staged.
start_namelist nl1 "$PAUSE"
nl_produce "$GFDX_TEST_DIR/v1.jsonl"
wait_for "version 1 partly staged" 60 sql_ge "SELECT count(*) FROM district.staged_part" 4
kill_proc nl1 KILL
assert_eq "gfdx-namelist killed by SIGKILL" 137 "$KILL_STATUS"
staged=$(psql_q "SELECT count(*) FROM district.staged_part")
assert_ok "crash left version 1 incomplete ($staged of $parts parts staged)" test "$staged" -lt "$parts"
assert_eq "... and nothing applied" 0 "$(nl_versions $LIST)"

# 2. Crash in the middle of applying version 1 (all parts staged, first rows written).
start_namelist nl2 "$PAUSE"
wait_for "version 1 being applied" 90 applying nl2 1
kill_proc nl2 KILL
assert_eq "crash during the apply: version 1 not applied" 0 "$(nl_versions $LIST)"
assert_eq "... no entry written" 0 "$(psql_q "SELECT count(*) FROM district.entry_version")"

# 3. Restart: version 1 applies; crash in the middle of applying version 2 (a FULL that
#    closes 1,000 rows and updates 1,000: the old rows are closed when the crash comes).
start_namelist nl3 "$PAUSE"
wait_sql_eq "SELECT count(*) FROM district.list_version WHERE list_id = '$LIST'" 1 90
ledger_is 1 "after the restart"
nl_produce "$GFDX_TEST_DIR/v2.jsonl"
wait_for "version 2 being applied" 90 applying nl3 2
kill_proc nl3 KILL
assert_eq "crash during the apply of version 2: still at version 1" 1 "$(nl_versions $LIST)"
ledger_is 1 "after the crash"

# 4. Restart without the pause: the ledger ends exactly as an uninterrupted run.
start_namelist nl4
wait_sql_eq "SELECT count(*) FROM district.list_version WHERE list_id = '$LIST'" 2 90
ledger_is 2 "at the end"
wait_sql_eq "SELECT count(*) FROM district.message_log" "$total" 60
wait_sql_eq "SELECT count(*) FROM district.outbox WHERE published_at IS NULL" 0 60
nl_check_ledger "$expect" digest
nl_check_changed "$expect"
assert_eq "every record logged once" "$total" \
  "$(psql_q "SELECT count(DISTINCT (partition, \"offset\")) FROM district.message_log")"
assert_eq "every record applied once" "$total" \
  "$(psql_q "SELECT count(*) FROM district.message_log WHERE outcome = 'APPLIED'")"
assert_eq "one receipt per record" "$total" "$(psql_q "SELECT count(*) FROM district.outbox WHERE record_type = 'Receipt'")"
assert_eq "each part of each version staged and applied once" "$total" \
  "$(psql_q "SELECT sum(cardinality(event_ids)) FROM district.list_version")"
kill_proc nl4 TERM
assert_eq "SIGTERM: clean exit 0" 0 "$KILL_STATUS"
finish
