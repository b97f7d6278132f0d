#!/usr/bin/env bash
# The README's first command, end to end: all four daemons on the broker of GFDX_TEST_BROKER
# (demo.sh --broker; default the dev broker) and a private
# PostgreSQL, name lists -> needs -> pushes and dispatches -> banks' feedback (each need's
# records produced in one go) -> outcome back in intake. Checks what it prints and leaves.
source "$(dirname "$0")/lib.sh"
GFDX_TEST_DIR=$(mktemp -d /tmp/gfdx-demo-test.XXXXXX)
chmod 755 "$GFDX_TEST_DIR"
export GFDX_DEMO_DIR=$GFDX_TEST_DIR/demo
out=$GFDX_TEST_DIR/demo.out
bash "$GFDX_SOURCE_DIR/deploy/demo.sh" --count 60 --broker "${GFDX_TEST_BROKER:-devbroker}" >"$out" 2>&1 && rc=0 || rc=$?
assert_eq "demo exits 0" 0 "$rc"
[ "$rc" = 0 ] || tail -40 "$out" | sed 's/^/#   /'
line=$(grep "financing outcome in intake.need equals" "$out" || true)
n=$(sed -n 's/.* for \([0-9]*\) of \([0-9]*\) needs/\1 \2/p' <<<"$line")
assert_ok "outcome checked on some needs ($line)" test "${n#* }" -gt 0
assert_eq "every need's outcome travelled back intact" "${n#* }" "${n% *}"
assert_eq "each need's records arrive in the order written (outbox -> next agency)" 0 \
  "$(sed -n 's/^demo: records of one need received out of the order written: //p' "$out")"
assert_ok "quarterly report printed" grep -q "total     合计" "$out"
html=$(sed -n 's/^HTML report (open in a browser): //p' "$out")
assert_ok "HTML report written" test -s "$html"
assert_ok "every daemon caught up" test "$(grep -c 'caught up' "$out")" -ge 6
assert_fails "no daemon left running" pgrep -f "gfdx-(intake|push|feedback|namelist) --config $GFDX_DEMO_DIR"
assert_fails "no PostgreSQL of the demo left running" pgrep -f "$GFDX_DEMO_DIR/pg"
assert_fails "no broker of the demo left running" pgrep -f "gfdx-devbroker.*$GFDX_DEMO_DIR|$GFDX_DEMO_DIR/kafka"
rm -rf "$GFDX_TEST_DIR"
finish
