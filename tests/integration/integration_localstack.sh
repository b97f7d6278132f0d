#!/usr/bin/env bash
# deploy/localstack.sh: the private PostgreSQL (UTF-8, free port, outage and recovery on the
# same port) and the broker of GFDX_TEST_BROKER (gfdx-devbroker or Apache Kafka; its own
# features: integration_localstack_kafka.sh); `stop` leaves no process of the stack behind.
source "$(dirname "$0")/lib.sh"

LS=$GFDX_LOCALSTACK

# Running (not zombie) processes whose command line mentions $1, space-separated.
live_pids_matching() {
    local p out=
    for p in $(pgrep -f "$1" || true); do pid_alive "$p" && out="$out$p "; done
    echo "$out"
}
stack_up
S=$GFDX_STACK_DIR

# --- env ----------------------------------------------------------------------------------
assert_eq "env: GFDX_STACK_DIR" "$GFDX_TEST_DIR/stack" "$S"
assert_eq "env: conninfo uses the unix socket and the port" \
    "host=$S/pg/sock port=$GFDX_PG_PORT dbname=gfdx user=gfdx" "$GFDX_PG_CONNINFO"
assert_eq "env: GFDX_PG_HOST is the socket directory" "$S/pg/sock" "$GFDX_PG_HOST"
assert_eq "env: GFDX_BROKER" "${GFDX_TEST_BROKER:-devbroker}" "$GFDX_BROKER"
if [ "$GFDX_BROKER" = kafka ]; then
    assert_eq "env: GFDX_KAFKA_BOOTSTRAP is the harness listener" "127.0.0.1:$(cut -d' ' -f2 "$S/kafka/ports")" "$GFDX_KAFKA_BOOTSTRAP"
    br_pidfile=$S/kafka/kafka.pid
else
    assert_eq "env: GFDX_KAFKA_BOOTSTRAP is the broker's address" "$(cat "$S/broker.addr")" "$GFDX_KAFKA_BOOTSTRAP"
    br_pidfile=$S/devbroker.pid
fi
assert_ok "the broker serves metadata" kcat -L -b "$GFDX_KAFKA_BOOTSTRAP" -t gfdx.needs -m 5
assert_eq "localstack.sh env prints DIR/env" "$(cat "$S/env")" "$(bash "$LS" env "$S")"

# --- PostgreSQL ---------------------------------------------------------------------------
assert_eq "psql works" 1 "$(psql_q 'SELECT 1')"
assert_eq "server_encoding is UTF8" UTF8 "$(psql_q 'SHOW server_encoding')"
assert_eq "connected as gfdx to gfdx" "gfdx gfdx" "$(psql_q "SELECT current_user || ' ' || current_database()")"
assert_eq "fsync is off (throwaway cluster)" off "$(psql_q 'SHOW fsync')"
assert_eq "listens on 127.0.0.1 only" 127.0.0.1 "$(psql_q 'SHOW listen_addresses')"
assert_eq "TCP on 127.0.0.1 works too" 1 \
    "$(psql -X -A -t "host=127.0.0.1 port=$GFDX_PG_PORT dbname=gfdx user=gfdx" -c 'SELECT 1')"
psql_q "CREATE TABLE t (name text)" >/dev/null
psql_q "INSERT INTO t VALUES ('沙坪坝区')" >/dev/null
assert_eq "a Chinese string round-trips" 沙坪坝区 "$(psql_q 'SELECT name FROM t')"
assert_eq "its length is 4 characters" 4 "$(psql_q 'SELECT length(name) FROM t')"
if [ "$(id -u)" -eq 0 ]; then
    assert_eq "as root, the server runs as user postgres" postgres \
        "$(ps -o user= -p "$(head -n 1 "$S/pg/data/postmaster.pid")" | tr -d ' ')"
fi

# --- start is idempotent ------------------------------------------------------------------
pm_pid=$(head -n 1 "$S/pg/data/postmaster.pid")
br_pid=$(cat "$br_pidfile")
out=$(bash "$LS" start "$S" 2>&1)
assert_eq "a second start prints nothing" "" "$out"
assert_eq "a second start keeps the same PostgreSQL" "$pm_pid" "$(head -n 1 "$S/pg/data/postmaster.pid")"
assert_eq "a second start keeps the same broker" "$br_pid" "$(cat "$br_pidfile")"

# --- outage: pg-stop / pg-start -----------------------------------------------------------
port=$GFDX_PG_PORT
bash "$LS" pg-stop "$S"
assert_fails "after pg-stop, psql fails" psql_q 'SELECT 1'
assert_fails "after pg-stop, the postmaster is gone" pid_alive "$pm_pid"
assert_ok "after pg-stop, the broker still runs" pid_alive "$br_pid"
bash "$LS" pg-start "$S"
assert_eq "after pg-start, psql works again" 1 "$(psql_q 'SELECT 1')"
assert_eq "on the same port" "$port" "$(psql_q "SELECT current_setting('port')")"
assert_eq "and the data survived" 沙坪坝区 "$(psql_q 'SELECT name FROM t')"

# --- stop leaves nothing behind -----------------------------------------------------------
pm_pid=$(head -n 1 "$S/pg/data/postmaster.pid")
pg_children=$(pgrep -P "$pm_pid" | tr '\n' ' ')
assert_ge "postgres has its background processes" 3 "$(echo "$pg_children" | wc -w)"
bash "$LS" stop "$S"
assert_fails "after stop, psql fails" psql_q 'SELECT 1'
assert_fails "after stop, the postmaster is gone" pid_alive "$pm_pid"
left=
for p in $pg_children; do pid_alive "$p" && left="$left $p"; done
assert_eq "after stop, no postgres child process is left" "" "$left"
assert_fails "after stop, the broker is gone" pid_alive "$br_pid"
assert_eq "after stop, no process mentions the stack directory" "" "$(live_pids_matching "$S")"
assert_fails "after stop, no bootstrap file" test -e "$S/broker.addr"
assert_fails "after stop, no broker pid file" test -e "$br_pidfile"
assert_fails "after stop, no env file" test -e "$S/env"

# Start again after a stop (the cluster is kept), then let stack_down stop it.
bash "$LS" start "$S"
# shellcheck source=/dev/null
source "$S/env"
assert_eq "start after stop works" 沙坪坝区 "$(psql_q 'SELECT name FROM t')"
assert_eq "start after stop keeps the broker kind" "${GFDX_TEST_BROKER:-devbroker}" "$GFDX_BROKER"
assert_ok "start after stop: the broker serves metadata" kcat -L -b "$GFDX_KAFKA_BOOTSTRAP" -t gfdx.needs -m 5

# --- errors are clear ---------------------------------------------------------------------
err=$(GFDX_BUILD_DIR=/nonexistent bash "$LS" start "$GFDX_TEST_DIR/other" --broker "$GFDX_BROKER" 2>&1 >/dev/null) || true
if [ "$GFDX_BROKER" = kafka ]; then
    assert_ok "a missing gfdx (kafka apply) is reported with a hint" grep -q "tools/cli/gfdx not found: build first" <<<"$err"
else
    assert_ok "a missing broker binary is reported with a hint" grep -q "gfdx-devbroker not found: build first" <<<"$err"
fi
assert_eq "the failed start stopped the postgres it had started" "" "$(live_pids_matching "$GFDX_TEST_DIR/other")"
assert_fails "an unknown command is refused" bash "$LS" frobnicate "$S"
assert_fails "an unknown broker is refused" bash "$LS" start "$GFDX_TEST_DIR/other" --broker rabbitmq

finish
