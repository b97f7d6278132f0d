#!/usr/bin/env bash
# The message log as proof (DESIGN §8, issue 10): gfdx-intake logs every record with its raw
# key, value and signature headers in a hash chain and publishes checkpoints to gfdx.audit;
# `gfdx audit verify` passes on the untouched log and finds, naming the row, each tampering
# done in SQL: a value byte of a middle row, an outcome, the last row deleted (also when
# the chain head is rewound to hide it, through a checkpoint that covered it).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
PY=/usr/bin/python3
stack_up
d=$GFDX_TEST_DIR

$PY "$GFDX_SOURCE_DIR/deploy/sample/make_needs.py" --seed 7 --count 4 --v1-share 0 2>/dev/null |
    grep '"NeedSubmitted"' >"$d/needs.jsonl"
n=$(grep -c . "$d/needs.jsonl")
assert_ge "the sample has at least 4 NeedSubmitted records" 4 "$n"

cfg=$(daemon_config intake miit gfdx.needs gfdx.matching-status)
echo 'audit: { checkpoint_interval_s = 1; };' >>"$cfg"
spawn intake "$GFDX_BUILD_DIR/services/intake/gfdx-intake" --config "$cfg"
produce <"$d/needs.jsonl" # signed by each sender's key of the stack ($GFDX_KEYS_DIR)
wait_sql_eq "SELECT count(*) FROM intake.message_log" "$n" 30
assert_eq "every row is chained, with its raw key, value and signature headers" "$n" \
  "$(psql_q "SELECT count(*) FROM intake.message_log WHERE chain_seq IS NOT NULL AND row_hash IS NOT NULL
             AND key IS NOT NULL AND length(value) > 0 AND sig_kid IS NOT NULL AND length(sig) > 0
             AND authn = 'OK'")"
assert_eq "chain_seq numbers the rows 1..n" "1 $n" \
  "$(psql_q "SELECT min(chain_seq) || ' ' || max(chain_seq) FROM intake.message_log")"

verify() { "$GFDX_CLI" audit verify --service intake --brokers "$GFDX_KAFKA_BOOTSTRAP" --timeout-ms 10000; }
covered() { verify 2>/dev/null | grep -q "(latest at row $n)"; }
wait_for "a checkpoint on gfdx.audit covers all $n rows" 30 covered
kill_proc intake TERM

out=$(verify 2>&1) && st=0 || st=$?
assert_eq "the untouched log verifies (exit 0)" 0 "$st"
assert_ok "the summary names the rows and the checkpoints matched: $out" \
  grep -Eq "^intake.message_log: $n rows verified, $n signatures verified again, head hash [0-9a-f]{64}, [1-9][0-9]* of [1-9][0-9]* checkpoints matched" <<<"$out"

# expect_tamper DESC ROW PATTERN: verify exits 1 and its report names chain_seq ROW and PATTERN.
expect_tamper() {
  local out st
  out=$(verify 2>&1) && st=0 || st=$?
  assert_eq "$1: verify exits 1" 1 "$st"
  assert_ok "$1: the report names the row ($out)" grep -q "chain_seq $2\b.*$3" <<<"$out"
}
assert_ok "every stored signature was verified again against the registry" \
  grep -q "$n signatures verified again" <<<"$out"
# A registry in which the first row's signer has another key under the same kid (the key
# an auditor trusts is not the key that signed): verify names the row.
kid1=$(psql_q "SELECT sig_kid FROM intake.message_log WHERE chain_seq = 1")
$PY - "$GFDX_PARTICIPANTS" "$kid1" "$d/swapped.cfg" <<'PY'
import re, sys
src, kid, out = sys.argv[1:]
text = open(src, encoding="utf-8").read()
keys = re.findall(r'kid = "([^"]+)"; alg = "ed25519"; public_key = "([A-Za-z0-9+/=]+)"', text)
other = next(pk for k, pk in keys if k != kid)
text = re.sub(r'(kid = "%s"; alg = "ed25519"; public_key = ")[^"]+' % re.escape(kid), lambda m: m.group(1) + other, text)
open(out, "w", encoding="utf-8").write(text)
PY
out=$("$GFDX_CLI" audit verify --service intake --brokers "$GFDX_KAFKA_BOOTSTRAP" --timeout-ms 10000 \
      --participants "$d/swapped.cfg" 2>&1) && st=0 || st=$?
assert_eq "a registry whose key for $kid1 differs: verify exits 1" 1 "$st"
assert_ok "... naming row 1 and BAD_SIGNATURE ($out)" grep -q "chain_seq 1\b.*BAD_SIGNATURE" <<<"$out"
mid=$((n / 2))
flip="UPDATE intake.message_log SET value = set_byte(value, 10, get_byte(value, 10) # 1) WHERE chain_seq = $mid"
psql_q "$flip" >/dev/null
expect_tamper "a value byte of row $mid changed" "$mid" "value"
psql_q "$flip" >/dev/null
# the value and its logged SHA-256 changed together: the row hash still tells
psql_q "UPDATE intake.message_log SET value = set_byte(value, 10, get_byte(value, 10) # 1),
          value_sha256 = encode(sha256(set_byte(value, 10, get_byte(value, 10) # 1)), 'hex') WHERE chain_seq = $mid" >/dev/null
expect_tamper "value and value_sha256 of row $mid changed" "$mid" "row_hash"
psql_q "$flip" >/dev/null
psql_q "UPDATE intake.message_log SET value_sha256 = encode(sha256(value), 'hex') WHERE chain_seq = $mid" >/dev/null
out=$(verify 2>&1) && st=0 || st=$?
assert_eq "restored: verifies again ($out)" 0 "$st"

psql_q "UPDATE intake.message_log SET outcome = 'REFUSED', reason_code = 'BAD_USCC' WHERE chain_seq = 2" >/dev/null
expect_tamper "an outcome changed" 2 "row_hash"
psql_q "UPDATE intake.message_log SET outcome = 'APPLIED', reason_code = NULL WHERE chain_seq = 2" >/dev/null

psql_q "DELETE FROM intake.message_log WHERE chain_seq = $n" >/dev/null
expect_tamper "the last row deleted" "$((n - 1))" "chain head says $n rows"
psql_q "UPDATE intake.message_log_chain SET row_count = $((n - 1)),
          head_hash = (SELECT row_hash FROM intake.message_log WHERE chain_seq = $((n - 1)))" >/dev/null
expect_tamper "the last row deleted and the chain head rewound" "$n" "is missing: a checkpoint on gfdx.audit covered $n rows"

psql_q "DELETE FROM intake.message_log WHERE chain_seq = 1" >/dev/null
expect_tamper "the first row deleted" 2 "missing before it"
finish
