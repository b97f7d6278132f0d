#!/usr/bin/env bash
# deploy/localstack.sh --broker kafka: Apache Kafka's own features of the test stack (Kafka
# only; what both brokers share is integration_localstack.sh): a SCRAM-SHA-512 user per
# participant and daemon with a 0600 credentials file whose password is printed nowhere, the
# SASL listener refusing a wrong or missing password, kafka-props, kafka-stop / kafka-start
# and a SIGKILL restart from the log directory on the same ports with the data kept, and
# `stop` leaving no JVM behind.
source "$(dirname "$0")/lib.sh"
LS=$GFDX_LOCALSTACK
stack_up
S=$GFDX_STACK_DIR C=$GFDX_KAFKA_CREDENTIALS

# --- principals and credentials -------------------------------------------------------------
ids=$(sed -n 's/^[[:space:]]*{[[:space:]]*id[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$GFDX_SOURCE_DIR/deploy/participants.cfg")
missing=
for p in admin $ids gfdx-intake gfdx-push gfdx-feedback gfdx-namelist; do
    [ -f "$C/$p" ] || missing="$missing $p"
done
assert_eq "a credentials file per participant, per daemon and for admin" "" "$missing"
assert_eq "every credentials file is mode 0600" "" "$(find "$C" -type f ! -perm 600)"
assert_eq "the credentials directory is mode 0700" 700 "$(stat -c %a "$C")"
assert_eq "server.properties (admin password) is mode 0600" 600 "$(stat -c %a "$S/kafka/server.properties")"
pw=$(sed -n 's/^sasl.password=//p' "$C/gfdx-intake")
assert_ok "a password is long and random (36 hex digits)" grep -qE '^[0-9a-f]{36}$' <<<"$pw"
assert_fails "two principals do not share a password" test "$pw" = "$(sed -n 's/^sasl.password=//p' "$C/gfdx-push")"
leaks=$(grep -rlF -e "$pw" "$S/env" "$S/kafka/kafka.log" "$S/kafka/format.log" "$S/kafka/apply.log" "$GFDX_TEST_DIR/localstack.log" 2>/dev/null || true)
assert_eq "the password is in no env file or log" "" "$leaks"

# --- SASL listener ----------------------------------------------------------------------------
B=$GFDX_KAFKA_SASL_BOOTSTRAP
assert_ok "SCRAM-SHA-512 as gfdx-intake: metadata" kcat -L -F "$C/gfdx-intake" -b "$B" -m 10
sed 's/^sasl.password=.*/sasl.password=wrong/' "$C/gfdx-intake" >"$GFDX_TEST_DIR/wrong.props"
out=$(kcat -L -F "$GFDX_TEST_DIR/wrong.props" -b "$B" -m 5 2>&1 || true)
assert_ok "a wrong password is refused (authentication)" grep -qi "authenticat" <<<"$out"
assert_fails "no credentials: the SASL listener serves nothing" kcat -L -b "$B" -m 3
props=$(bash "$LS" kafka-props "$S" User:gfdx-intake)
assert_eq "kafka-props: five libconfig pairs" 5 "$(grep -c '^("[a-z.]*", "[^"]*")' <<<"$props")"
assert_ok "kafka-props: the SASL listener" grep -qF "(\"bootstrap.servers\", \"$B\")" <<<"$props"
assert_ok "kafka-props: the principal's name" grep -qF '("sasl.username", "gfdx-intake")' <<<"$props"
assert_fails "kafka-props: an unknown principal is refused" bash "$LS" kafka-props "$S" nobody

# --- restarts from the log directory, same ports -----------------------------------------------
ports=$(cat "$S/kafka/ports")
echo kept-1 | kcat -P -b "$GFDX_KAFKA_BOOTSTRAP" -t gfdx.needs -p 0 -k K1
bash "$LS" kafka-stop "$S"
assert_fails "kafka-stop: the JVM is gone" test -e "$S/kafka/kafka.pid"
assert_fails "kafka-stop: the harness listener refuses" kcat -L -b "$GFDX_KAFKA_BOOTSTRAP" -m 2
assert_ok "kafka-stop: PostgreSQL still runs" psql_q 'SELECT 1'
bash "$LS" kafka-start "$S"
assert_eq "kafka-start: the same ports" "$ports" "$(cat "$S/kafka/ports")"
assert_eq "kafka-start: the record survived a clean restart" kept-1 \
    "$(kcat -C -b "$GFDX_KAFKA_BOOTSTRAP" -t gfdx.needs -p 0 -e -q -f '%s\n')"
echo kept-2 | kcat -P -b "$GFDX_KAFKA_BOOTSTRAP" -t gfdx.needs -p 0 -k K2
jvm=$(cat "$S/kafka/kafka.pid")
kill -KILL "$jvm"
wait_for "SIGKILL: the JVM is gone" 10 pid_gone "$jvm"
started=$(_t_now_ms)
bash "$LS" kafka-start "$S"
echo "# restart after SIGKILL served metadata after $(($(_t_now_ms) - started)) ms"
assert_eq "after SIGKILL: both records survived" "kept-1 kept-2" \
    "$(kcat -C -b "$GFDX_KAFKA_BOOTSTRAP" -t gfdx.needs -p 0 -e -q -f '%s\n' | tr '\n' ' ' | sed 's/ $//')"
assert_ok "after SIGKILL: SCRAM still works" kcat -L -F "$C/gfdx-intake" -b "$B" -m 10

# --- stop -------------------------------------------------------------------------------------
jvm=$(cat "$S/kafka/kafka.pid")
bash "$LS" stop "$S"
assert_fails "stop: the JVM is gone" pid_alive "$jvm"
assert_eq "stop: no process mentions the stack directory" "" "$(pgrep -f "$S/" || true)"
bash "$LS" start "$S"
finish
