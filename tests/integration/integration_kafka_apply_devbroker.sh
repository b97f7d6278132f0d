#!/usr/bin/env bash
# gfdx kafka apply against the dev broker (librdkafka's mock cluster: no CreateTopics,
# DescribeConfigs or ACL APIs): the topics the dev broker lacks (the addressed ones) are
# created by its auto-creation, one line says ACLs are not enforced there, exit 0; a second
# run changes nothing. Without brokers, --dry-run prints the whole plan.
source "$(dirname "$0")/lib.sh"

stack_up
B=$GFDX_KAFKA_BOOTSTRAP
T=$GFDX_TEST_DIR
REGISTRY=$GFDX_SOURCE_DIR/deploy/participants.cfg

env -u GFDX_KAFKA_BOOTSTRAP "$GFDX_CLI" kafka apply --dry-run >"$T/plan.out"
planned=$(grep -c '^would create topic ' "$T/plan.out")
assert_ok "a dry run without brokers lists every ACL" grep -q '^would create ACL: User:bank-icbc-310000 Write topic gfdx.feedback$' "$T/plan.out"
assert_ok "... and says nothing was changed" grep -qE "^gfdx kafka apply: $planned topics would be created" "$T/plan.out"

kcat -L -b "$B" -m 10 | sed -n 's/^  topic "\([^"]*\)" with .*/\1/p' | sort >"$T/before.txt"
st=0
"$GFDX_CLI" kafka apply --brokers "$B" >"$T/run1.out" 2>"$T/run1.err" || st=$?
assert_eq "apply on the dev broker exits 0" 0 "$st"
assert_ok "... saying ACLs are not enforced there" grep -q '^ACLs are not enforced by this broker' "$T/run1.out"
assert_eq "... creating no ACL" 0 "$(grep -c '^created ACL' "$T/run1.out" || true)"
kcat -L -b "$B" -m 10 | sed -n 's/^  topic "\([^"]*\)" with .*/\1/p' | sort >"$T/after.txt"
new=$(comm -13 "$T/before.txt" "$T/after.txt" | wc -l)
assert_eq "one 'created topic' line per topic the dev broker lacked" "$new" "$(grep -c '^created topic ' "$T/run1.out")"
ids=$(grep -o '{ id = "[^"]*"' "$REGISTRY" | sed 's/{ id = "\(.*\)"/\1/')
missing=0
for id in $ids; do grep -qx "gfdx.receipts.$id" "$T/after.txt" || missing=$((missing + 1)); done
assert_eq "every participant's receipts topic exists" 0 "$missing"
assert_ok "the coordination topic of 500000 exists" grep -qx gfdx.coordination.500000 "$T/after.txt"

st=0
"$GFDX_CLI" kafka apply --brokers "$B" >"$T/run2.out" 2>"$T/run2.err" || st=$?
assert_eq "a second run exits 0" 0 "$st"
assert_ok "... and says nothing changed" grep -q '^gfdx kafka apply: nothing changed' "$T/run2.out"
assert_eq "... printing no change" 0 "$(grep -cE '^(created|altered)' "$T/run2.out" || true)"
assert_eq "... with one line for the dev broker's partition counts" 1 "$(wc -l <"$T/run2.err")"
finish
