#!/usr/bin/env bash
# gfdx-namelist end to end on the dev broker and a real PostgreSQL: the name-list exchange of
# 重庆市沙坪坝区 (deploy/sample/make_namelists.py): seven lists of four bureaus, three versions
# each (FULL, DELTA, FULL/DELTA, in parts of at most 6 entries, so that FULL and DELTA
# versions both arrive in several parts), carbon-benefit and financing-support feedback for
# 2025H2 and 2026H1 with corrections, and one record for every
# way of being refused (stale and repeated versions, a gap, the publisher matrix, a foreign
# district, a list's owner, reports from the wrong bureau or about entries not listed then,
# mismatching and repeated parts and a newer version superseding an incomplete one).
# Every version rebuilt with district.list_at and every diff with district.list_diff must
# equal what the independent model in make_namelists.py says was published.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_namelist.sh"
stack_up

stream=$GFDX_TEST_DIR/lists.jsonl expect=$GFDX_TEST_DIR/lists.expect.json
$PY "$NL_MAKE" --seed 7 --bad --part-size 6 --out "$stream" --expect "$expect"
total=$(grep -c . "$stream")
ev() { $PY -c "import json,sys; print(json.load(open('$expect'))$1)"; }

start_namelist
nl_produce "$stream"
wait_sql_eq "SELECT count(*) FROM district.message_log" "$total" 90
assert_eq "accepted records" "$(ev '["records"]["ACCEPTED"]')" \
  "$(psql_q "SELECT count(*) FROM district.message_log WHERE outcome = 'APPLIED'")"
assert_eq "refusals by reason code" \
  "$(ev '["refused"]' | $PY -c "import ast,sys; d=ast.literal_eval(sys.stdin.read()); print(' '.join(f'{k}={v}' for k, v in sorted(d.items())))")" \
  "$(psql_q "SELECT string_agg(reason_code || '=' || n, ' ' ORDER BY reason_code) FROM
             (SELECT reason_code, count(*) AS n FROM district.rejection GROUP BY 1) r")"
assert_eq "every refusal logged as REFUSED" "$(ev '["records"]["REFUSED"]')" \
  "$(psql_q "SELECT count(*) FROM district.message_log WHERE outcome = 'REFUSED'")"
assert_eq "each refused record refused for the reason it was made for" "" \
  "$(psql_q "SELECT string_agg(r.record->>'list_id' || ':' || r.reason_code, ' ') FROM district.rejection r
             WHERE r.reason_code NOT IN ('STALE_VERSION', 'VERSION_GAP', 'UNAUTHORIZED_SENDER', 'LIST_MISMATCH',
               'BAD_USCC', 'UNKNOWN_ENTRY', 'DUPLICATE_ENTRY', 'NOT_LISTED', 'UNKNOWN_LIST', 'INVALID_PERIOD',
               'NEGATIVE_AMOUNT', 'PART_MISMATCH', 'DUPLICATE_PART')")"

nl_check_ledger "$expect" content
wait_sql_eq "SELECT count(*) FROM district.outbox WHERE published_at IS NULL" 0 30
nl_check_changed "$expect"
assert_eq "NameListChanged and ReportForwarded on the district topic gfdx.namelist-changes.500106" \
  "$(psql_q "SELECT count(*) FROM district.outbox WHERE topic = 'gfdx.namelist-changes.500106'")" \
  "$(kafka_count gfdx.namelist-changes.500106)"
assert_eq "a receipt for every record" "$total" "$(receipts_count)"
wait_for "refusal receipts reach the neighbouring district's bureau" 30 receipts_for d500107-eit

# Chinese text round-trips exactly, through the ledger and the rebuild.
line=$(grep -m1 '"500106-EIT-GF"' "$stream")
key=$(echo "$line" | $PY -c 'import json,sys; print(json.load(sys.stdin)["entries"][0]["entry_key"])')
name=$(echo "$line" | $PY -c 'import json,sys; print(json.load(sys.stdin)["entries"][0]["name"])')
assert_eq "Chinese enterprise name stored and rebuilt exactly" "$name" \
  "$(psql_q "SELECT name FROM district.list_at('500106-EIT-GF', 1) WHERE entry_key = '$key'")"
assert_eq "the title as published" "$(echo "$line" | $PY -c 'import json,sys; print(json.load(sys.stdin)["title"])')" \
  "$(psql_q "SELECT title FROM district.list_version WHERE list_id = '500106-EIT-GF' AND version = 1")"

# The view gfdx-intake relies on, and the ledger's own guards.
assert_eq "current_entry: one row per entry valid now" 0 \
  "$(psql_q "SELECT count(*) FROM (SELECT list_id, entry_key FROM district.current_entry GROUP BY 1, 2
             HAVING count(*) > 1) d")"
assert_eq "current_entry: each row with its list's kind and applied version" 0 \
  "$(psql_q "SELECT count(*) FROM district.current_entry c JOIN district.list l USING (list_id)
             WHERE c.kind <> l.kind OR c.version <> l.current_version")"
assert_eq "current_entry kinds are list kinds" "GREEN_ENTERPRISE GREEN_FACTORY GREEN_PROJECT LITTLE_GIANT SPECIALIZED_SME CLEAN_PRODUCTION_AUDIT" \
  "$(psql_q "SELECT string_agg(kind, ' ' ORDER BY kind = 'CLEAN_PRODUCTION_AUDIT', kind) FROM
             (SELECT DISTINCT kind FROM district.current_entry) k")"
assert_fails "entry_version history cannot be rewritten" \
  psql_q "UPDATE district.entry_version SET name = 'x' WHERE list_id = '500106-EIT-GF'"
assert_fails "entry_version history cannot be deleted" psql_q "DELETE FROM district.entry_version"
assert_fails "a version never applied cannot be rebuilt" psql_q "SELECT * FROM district.list_at('500106-EIT-CPA', 4)"
assert_eq "report ledger: carbon and financing per entry and half-year (万元)" \
  "$(psql_q "SELECT round(sum(amount) / 1e6, 2) FROM district.financing_report")" \
  "$(psql_q "SELECT round(sum(financing_wan), 2) FROM district.report_ledger")"

# Replaying the whole stream (a publisher resending everything with fresh event ids) changes
# nothing: every version is stale now, every report a correction of itself.
before=$(psql_q "SELECT md5(string_agg(list_id || version || content_md5, ',' ORDER BY list_id, version))
                 FROM district.list_version")
published=$(psql_q "SELECT count(*) FROM district.message_log WHERE outcome = 'APPLIED'
                    AND record_type = 'NameListPublished'")
nl_produce "$stream"
wait_sql_eq "SELECT count(*) FROM district.message_log" "$((2 * total))" 90
assert_eq "replay: the ledger is unchanged" "$before" \
  "$(psql_q "SELECT md5(string_agg(list_id || version || content_md5, ',' ORDER BY list_id, version))
             FROM district.list_version")"
assert_eq "replay: no list record accepted again (all stale or duplicate parts)" "$published" \
  "$(psql_q "SELECT count(*) FROM district.message_log WHERE outcome = 'APPLIED' AND record_type = 'NameListPublished'")"
assert_eq "replay: every report counted as a correction of itself" 0 \
  "$(psql_q "SELECT count(*) FROM district.carbon_report WHERE revision < 1")"
assert_ok "gfdx-namelist still running" proc_alive namelist
finish
