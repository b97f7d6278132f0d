#!/usr/bin/env bash
# gfdx kafka apply on Apache Kafka (KRaft, SCRAM, StandardAuthorizer; lib_kafka.sh): every
# topic with its partitions and configs (LogAppendTime on the inputs), the addressed topics of
# the shipped registry, the ACLs enforced by the broker (a bank cannot write gfdx.needs, a
# province cannot read another's receipts or a branch's dispatches, only gfdx-intake writes
# gfdx.miit-pushes), a second run that changes nothing, a drifted config set back, and one
# clear line when the caller may not, cannot log in or cannot connect. `gfdx produce` as a
# principal without the ACL says so once and exits 1. Kafka only (the _kafka suffix).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_kafka.sh"

TOPICS_CFG=$GFDX_SOURCE_DIR/deploy/topics.cfg
REGISTRY=$GFDX_SOURCE_DIR/deploy/participants.cfg
# A fresh Apache Kafka of its own (the first run must find nothing); the stack's broker is
# not used, so it is the cheap dev broker whatever GFDX_TEST_BROKER says.
GFDX_TEST_BROKER=devbroker stack_up
kafka_up bank-icbc-310000 prov-310000 prov-320000 pboc gfdx-intake
B=$KAFKA_BOOTSTRAP
mapfile -t ADMIN < <(kafka_props admin)
T=$GFDX_TEST_DIR

apply() { "$GFDX_CLI" kafka apply --brokers "$B" "$@"; }
produces() { printf 'k\tv\n' | kafka_kcat "$1" -P -t "$2" -K $'\t'; } # USER TOPIC

# --- A dry run against the empty cluster says everything, changes nothing ---------------
planned=$(env -u GFDX_KAFKA_BOOTSTRAP "$GFDX_CLI" kafka apply --dry-run 2>/dev/null | grep -c '^would create topic')
planned_acls=$(env -u GFDX_KAFKA_BOOTSTRAP "$GFDX_CLI" kafka apply --dry-run 2>/dev/null | grep -c '^would create ACL')
apply "${ADMIN[@]}" --dry-run >"$T/dry.out"
assert_eq "a dry run lists every topic it would create" "$planned" "$(grep -c '^would create topic ' "$T/dry.out")"
assert_eq "... and every ACL" "$planned_acls" "$(grep -c '^would create ACL: ' "$T/dry.out")"
assert_eq "... and creates no topic" 0 "$(kafka_kcat admin -L -m 10 | grep -c '^  topic "gfdx\.' || true)"

# --- First run: everything is created -------------------------------------------------
t0=$(date +%s%3N)
apply "${ADMIN[@]}" >"$T/run1.out" 2>"$T/run1.err"
echo "# first apply: $(($(date +%s%3N) - t0)) ms: $(tail -n 1 "$T/run1.out")"
assert_eq "one 'created topic' line per planned topic" "$planned" "$(grep -c '^created topic ' "$T/run1.out")"
assert_eq "one 'created ACL' line per planned ACL" "$planned_acls" "$(grep -c '^created ACL: ' "$T/run1.out")"
assert_ok "the summary counts them" grep -qE "^gfdx kafka apply: $planned topics created, 0 topic configs altered, $planned_acls ACLs created" "$T/run1.out"

# Independently of the plan: the topics of topics.cfg and one receipts topic per participant.
kafka_kcat admin -L -m 10 >"$T/md.txt"
actual=$(sed -n 's/^  topic "\([^"]*\)" with \([0-9]*\) partitions:$/\1 \2/p' "$T/md.txt" | sort)
expected=$(grep -o 'name = "[^"]*"; *partitions = [0-9]*' "$TOPICS_CFG" |
    sed 's/name = "\([^"]*\)"; *partitions = \([0-9]*\)/\1 \2/' | sort)
assert_eq "every topic of topics.cfg exists with its partition count" "" \
    "$(comm -23 <(echo "$expected") <(echo "$actual"))"
ids=$(grep -o '{ id = "[^"]*"' "$REGISTRY" | sed 's/{ id = "\(.*\)"/\1/')
missing=0
for id in $ids; do grep -qx "gfdx.receipts.$id 1" <<<"$actual" || missing=$((missing + 1)); done
assert_eq "gfdx.receipts.<id> (1 partition) for each of the $(wc -w <<<"$ids") participants" 0 "$missing"
assert_ok "gfdx.coordination.310000 exists" grep -qx 'gfdx.coordination.310000 1' <<<"$actual"
assert_ok "gfdx.audit exists" grep -qx 'gfdx.audit 1' <<<"$actual"

# LogAppendTime on an input topic: the broker stamps what it appends.
printf 'need-1\tv\n' | kafka_kcat prov-310000 -P -t gfdx.needs -K $'\t'
assert_ok "gfdx.needs records carry the log-append time (kcat -J tstype)" \
    grep -q '"tstype":"logappend"' <(kafka_kcat admin -C -t gfdx.needs -J -o beginning -e -q)
printf 'r-1\tv\n' | kafka_kcat admin -P -t gfdx.receipts.prov-310000 -K $'\t'
assert_ok "an addressed topic keeps CreateTime" \
    grep -q '"tstype":"create"' <(kafka_kcat admin -C -t gfdx.receipts.prov-310000 -J -o beginning -e -q)

# --- The broker enforces the ACLs -------------------------------------------------------
st=0
printf 'k\tv\n' | kafka_kcat bank-icbc-310000 -P -t gfdx.needs -K $'\t' 2>"$T/bank.err" || st=$?
assert_ok "a bank cannot produce to gfdx.needs (exit $st)" test "$st" -ne 0
assert_ok "... TOPIC_AUTHORIZATION_FAILED" grep -q 'Topic authorization failed' "$T/bank.err"
assert_ok "a bank can produce to gfdx.feedback" produces bank-icbc-310000 gfdx.feedback
kafka_kcat prov-310000 -C -t gfdx.receipts.prov-320000 -o beginning -e -q 2>"$T/prov.err" || true
assert_ok "a province cannot read another province's receipts" grep -q 'Topic authorization failed' "$T/prov.err"
assert_eq "a province reads its own receipts" "r-1" \
    "$(kafka_kcat prov-310000 -C -t gfdx.receipts.prov-310000 -o beginning -e -q -f '%k\n')"
kafka_kcat prov-310000 -C -t gfdx.dispatch.pbc-hq-sh -o beginning -e -q 2>"$T/disp.err" || true
assert_ok "a province cannot read a branch's dispatches" grep -q 'Topic authorization failed' "$T/disp.err"
assert_ok "a bank reads its branch's dispatches" kafka_kcat bank-icbc-310000 -C -t gfdx.dispatch.pbc-hq-sh -o beginning -e -q
printf 'k\tv\n' | kafka_kcat prov-310000 -P -t gfdx.miit-pushes -K $'\t' 2>"$T/push.err" || true
assert_ok "a province cannot write what gfdx-intake emits" grep -q 'Topic authorization failed' "$T/push.err"
assert_ok "gfdx-intake writes gfdx.miit-pushes" produces gfdx-intake gfdx.miit-pushes

# gfdx produce as a principal without the ACL: one clear line, exit 1.
python3 "$GFDX_SOURCE_DIR/deploy/sample/make_needs.py" 2>/dev/null | sed -n 1,3p >"$T/needs.jsonl"
mapfile -t BANK < <(kafka_props bank-icbc-310000)
st=0
"$GFDX_CLI" produce --brokers "$B" "${BANK[@]}" <"$T/needs.jsonl" 2>"$T/produce.err" || st=$?
assert_eq "gfdx produce as a bank to gfdx.needs exits 1" 1 "$st"
assert_eq "... and says so in one line for its 3 records" 1 \
    "$(grep -c '^gfdx produce: not authorized to write gfdx.needs (Broker: Topic authorization failed)' "$T/produce.err")"
assert_fails "... with no librdkafka log lines" grep -q '^%' "$T/produce.err"
mapfile -t PBOC < <(kafka_props pboc)
st=0
"$GFDX_CLI" produce --brokers "$B" "${PBOC[@]}" <"$T/needs.jsonl" 2>"$T/produce2.err" || st=$?
assert_eq "gfdx produce as a principal with no Write ACL at all exits 1" 1 "$st"
assert_ok "... naming the refusal" grep -q 'not authorized' "$T/produce2.err"

# --- Second run: nothing changes ---------------------------------------------------------
apply "${ADMIN[@]}" >"$T/run2.out" 2>"$T/run2.err"
assert_ok "the second run says nothing changed" grep -qE '^gfdx kafka apply: nothing changed' "$T/run2.out"
assert_eq "... and prints no change" 0 "$(grep -cE '^(created|altered)' "$T/run2.out" || true)"
kafka_kcat admin -L -m 10 | sed -n 's/^  topic "\([^"]*\)" with \([0-9]*\) partitions:$/\1 \2/p' | sort >"$T/md2.txt"
assert_eq "... and creates no topic" "$actual" "$(cat "$T/md2.txt")"

# --- A drifted config is set back, the topic's other configs kept -------------------------
printf 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="admin-secret";\n' >"$T/admin.properties"
configs() {
    java -Xmx256m -cp "$GFDX_KAFKA_LIBS/*" -Dlog4j.configuration="file:$KAFKA_DIR/log4j.properties" kafka.admin.ConfigCommand \
        --bootstrap-server "$B" --command-config "$T/admin.properties" --entity-type topics --entity-name gfdx.needs "$@"
}
configs --alter --add-config message.timestamp.type=CreateTime,retention.ms=123456789 >/dev/null
apply "${ADMIN[@]}" >"$T/run3.out" 2>&1
assert_ok "a drifted input topic is altered back" \
    grep -qx 'altered topic gfdx.needs: message.timestamp.type=LogAppendTime (was CreateTime)' "$T/run3.out"
configs --describe >"$T/needs.cfg"
assert_ok "... to LogAppendTime" grep -q '^  message.timestamp.type=LogAppendTime' "$T/needs.cfg"
assert_ok "... keeping its retention.ms" grep -q '^  retention.ms=123456789' "$T/needs.cfg"

# --- Failures: one line, exit 1 ---------------------------------------------------------
st=0
apply "${BANK[@]}" >"$T/bank.out" 2>"$T/bank-apply.err" || st=$?
assert_eq "apply as a bank exits 1" 1 "$st"
assert_eq "... with one line" 1 "$(wc -l <"$T/bank-apply.err")"
assert_ok "... saying it is not authorized" grep -q 'not authorized to' "$T/bank-apply.err"
st=0
apply -X security.protocol=SASL_PLAINTEXT -X sasl.mechanism=SCRAM-SHA-512 -X sasl.username=admin \
    -X sasl.password=wrong >/dev/null 2>"$T/auth.err" || st=$?
assert_eq "a wrong password exits 1" 1 "$st"
assert_ok "... with one line: authentication failed" grep -q '^gfdx kafka apply: .*authentication failed' "$T/auth.err"
assert_fails "... never echoing the password" grep -q wrong "$T/auth.err"
st=0
"$GFDX_CLI" kafka apply --brokers 127.0.0.1:1 --timeout-ms 2000 >/dev/null 2>"$T/conn.err" || st=$?
assert_eq "no broker: exit 1" 1 "$st"
assert_ok "... with one line: cannot reach the brokers" grep -q '^gfdx kafka apply: 127.0.0.1:1: cannot reach the brokers' "$T/conn.err"

finish
