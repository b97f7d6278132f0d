#!/usr/bin/env bash
# What reaches an operator's screen (issue 8, item 13). Text that came from outside — a
# Kafka key from any writer, a name a sender filed — is shown by the CLI's table and text
# forms with every control character (C0, DEL, C1) and bidi control escaped visibly (\x1b,
# \u202e), never obeyed by the terminal; a CSV cell a spreadsheet would run as a formula
# (= + - @ tab CR first) gets a leading single quote. JSON keeps its own escaping.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_cli.sh"
stack_up
d=$GFDX_TEST_DIR
ESC=$'\e'
# no_raw FILE: FILE holds no raw ESC, BEL, C1 (UTF-8 C2 80..9F) or bidi override/isolate.
no_raw() {
  ! LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$1" &&
    ! LC_ALL=C grep -qP '\xc2[\x80-\x9f]|\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]' "$1"
}

start_intake
# An unregistered writer's garbage with a key that would set the terminal title and clear
# the screen: a dead letter, its key kept as received.
printf 'not an avro record' | kcat -P -b "$GFDX_KAFKA_BOOTSTRAP" -t gfdx.needs -p 0 \
  -k "X${ESC}]0;pwned"$'\a'"${ESC}[2J"$'\xc2\x9b'"Y"
# A review of a need that does not exist, keyed and named with an ESC sequence and a
# right-to-left override: refused, kept in intake.rejection.
printf '{"need_id": "R%s]0;owned%s%s", "decision": "APPROVED", "comment": null, "reviewer": "x"}\n' \
  '\u001b' '\u0007' '\u202e' | produce --type NeedReviewed --sender prov-310000
# A review whose need id is a spreadsheet formula.
echo '{"need_id": "=cmd|'"'"' /C calc'"'"'!A0", "decision": "APPROVED", "comment": null, "reviewer": "x"}' |
  produce --type NeedReviewed --sender prov-310000
wait_sql_eq "SELECT count(*) FROM intake.dead_letter" 1 30
wait_sql_eq "SELECT count(*) FROM intake.rejection" 2 30

# ---- table form -------------------------------------------------------------------------
gfdx dead-letters list >"$d/dl.txt"
assert_ok "dead-letters list: no raw control or bidi character reaches the terminal" no_raw "$d/dl.txt"
assert_ok "dead-letters list: a key that is not printable is shown in hex" grep -qF '0x581b5d303b70776e6564071b' "$d/dl.txt"
gfdx dead-letters show "$(psql_q "SELECT id FROM intake.dead_letter")" >"$d/dl-show.txt"
assert_ok "dead-letters show: escaped too" no_raw "$d/dl-show.txt"

# The inbound pipeline refuses the id (a control character in an id) and keeps a key that is
# not clean in hex; rows written before that rule (or by an older version) may hold the raw
# characters: make this one such a row, for what the CLI shows.
assert_eq "the review is refused INVALID_FIELD, its entity id kept in hex" \
  'INVALID_FIELD \x521b5d303b6f776e656407e280ae' \
  "$(psql_q "SELECT reason_code || ' ' || entity_id FROM intake.rejection WHERE left(entity_id, 4) = '\x52'")"
psql_q "UPDATE intake.rejection SET entity_id = E'R\\x1b]0;owned\\x07' || U&'\\202E'
         WHERE left(entity_id, 4) = '\x52'" >/dev/null
gfdx rejections list >"$d/rj.txt"
assert_ok "rejections list: no raw control or bidi character" no_raw "$d/rj.txt"
assert_ok "rejections list: the entity id shown as R\\x1b]0;owned\\x07\\u202e" \
  grep -qF 'R\x1b]0;owned\x07\u202e' "$d/rj.txt"
rid=$(psql_q "SELECT id FROM intake.rejection WHERE entity_id LIKE 'R%'")
gfdx rejections show "$rid" >"$d/rj-show.txt"
assert_ok "rejections show: no raw control or bidi character" no_raw "$d/rj-show.txt"
assert_ok "rejections show: the entity line escaped" grep -qF 'R\x1b]0;owned\x07\u202e' "$d/rj-show.txt"

# A name stored before names were checked (or by an older version): trace prints it escaped.
cli_scenario 1 | grep '"CLI-SH-5"' | produce
wait_sql_eq "SELECT status FROM intake.need WHERE need_id = 'CLI-SH-5'" SUBMITTED 60
psql_q "UPDATE intake.need SET factory_name = E'上海\\x1b]2;pwned\\x07\\x1b[H\\x1b[2J' || U&'\\202Eevil'
         WHERE need_id = 'CLI-SH-5'" >/dev/null
gfdx trace CLI-SH-5 >"$d/trace.txt"
assert_ok "trace: no raw control or bidi character" no_raw "$d/trace.txt"
assert_ok "trace: the factory name with visible escapes" \
  grep -qF '上海\x1b]2;pwned\x07\x1b[H\x1b[2J\u202eevil' "$d/trace.txt"
assert_ok "trace: Chinese text is untouched" grep -q '时间线 Timeline' "$d/trace.txt"

# ---- CSV: formulas neutralised; JSON: its own escaping ---------------------------------------
gfdx rejections list --format csv | tr -d '\r' >"$d/rj.csv"
assert_ok "rejections CSV: the formula cell starts with a single quote" \
  grep -qF ",\"'=cmd|' /C calc'!A0\"," "$d/rj.csv"
assert_fails "rejections CSV: no cell starts with =" grep -qE '(^|,)"?=' "$d/rj.csv"
assert_ok "rejections CSV: numbers are not quoted (partition, offset)" grep -qE ',gfdx\.needs,[0-9]+,[0-9]+,' "$d/rj.csv"
assert_eq "rejections JSON: the id as sent (JSON escapes it)" "R${ESC}]0;owned"$'\a'$'\u202e' \
  "$(gfdx rejections list --format json | $GFDX_CLI_PY -c '
import json, sys
rows = json.load(sys.stdin)["tables"]["rejections"]["rows"]
print([r["entity_id"] for r in rows if r["entity_id"].startswith("R")][0])')"
assert_ok "gfdx-intake still running" proc_alive intake
finish
