# shellcheck shell=bash
# lib.sh: sourced by every integration and fault test (tests/integration/<label>_<name>.sh).
#
#   source "$(dirname "$0")/lib.sh"
#   stack_up                          # private PostgreSQL + broker, env exported
#   spawn intake "$(service_bin intake)" --config "$GFDX_TEST_DIR/intake.cfg"
#   wait_sql_eq "SELECT count(*) FROM intake.need" 1 20
#   assert_eq "need is approved" APPROVED "$(psql_q "SELECT status FROM intake.need")"
#   finish                            # prints "N passed, N failed"; non-zero on failures
#
# Reporting: every check prints "ok - DESC" or "not ok - DESC ..." and is counted. The
# script runs with `set -Eeuo pipefail`; a command that fails unexpectedly is reported as
# "not ok - unexpected failure ... at line N" (never a silent death), and whatever way the
# script ends, the EXIT trap stops what the test started (spawned daemons, then the stack),
# prints the "N passed, N failed" line if `finish` did not, and exits non-zero on failures.
# wait_for and wait_sql_eq report and then return 1: under `set -e` the test stops there,
# since what follows depends on it. assert_* and fail report and return 0: the test goes on.
#
# Functions: stack_up, stack_down, kafka_props PRINCIPAL, broker_outage_begin,
# broker_outage_end, broker_kill9, broker_create_topic TOPIC [N], broker_topic_configs
# TOPIC K=V..., broker_retain_bytes TOPIC BYTES, spawn NAME CMD..., spawn_pid NAME, proc_alive NAME,
# kill_proc NAME [SIG] (sets KILL_STATUS), pid_alive PID / pid_gone PID (zombies count as
# gone), psql_q SQL, wait_for DESC TIMEOUT_S CMD..., wait_sql_eq SQL EXPECTED TIMEOUT_S,
# pass DESC, fail MSG, assert_eq DESC EXPECTED ACTUAL, assert_ge DESC MIN ACTUAL,
# assert_ok DESC CMD..., assert_fails DESC CMD..., dump_logs, finish.
#
# Environment (set by ctest): GFDX_BUILD_DIR, GFDX_SOURCE_DIR (defaults: the repository
# holding this file, and its build/), GFDX_TEST_BROKER (devbroker, the default, or kafka:
# Apache Kafka from deploy/localstack.sh). GFDX_KEEP_TEST_DIR=1 keeps $GFDX_TEST_DIR afterwards.
#
# Both brokers: GFDX_KAFKA_BOOTSTRAP is a listener without authentication whose principal is
# a super user on Apache Kafka (the harness's kcat and gfdx produce); daemons connect with
# `kafka_props gfdx-<service>` (their own SCRAM principal on Apache Kafka).
#
# Binaries: GFDX_CLI (tools/cli/gfdx), GFDX_DEVBROKER (tools/devbroker/gfdx-devbroker),
# `service_bin NAME` (services/NAME/gfdx-NAME), all under $GFDX_BIN (= $GFDX_BUILD_DIR).

set -Eeuo pipefail

GFDX_SOURCE_DIR=${GFDX_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
GFDX_BUILD_DIR=${GFDX_BUILD_DIR:-$GFDX_SOURCE_DIR/build}
GFDX_BIN=$GFDX_BUILD_DIR
GFDX_CLI=$GFDX_BIN/tools/cli/gfdx
GFDX_DEVBROKER=$GFDX_BIN/tools/devbroker/gfdx-devbroker
GFDX_LOCALSTACK=$GFDX_SOURCE_DIR/deploy/localstack.sh
export GFDX_SOURCE_DIR GFDX_BUILD_DIR GFDX_BIN GFDX_CLI GFDX_DEVBROKER

_T_PASSED=0
_T_FAILED=0
_T_FINISHED=0
_T_STACK_UP=0
_T_ABORT_REPORTED=0 # set by checks that report and then return 1 (no double count)
_T_SPAWNED=()       # names given to spawn, in order
_T_NAME=$(basename "$0" .sh)

service_bin() { echo "$GFDX_BIN/services/$1/gfdx-$1"; }

_t_now_ms() { date +%s%3N; }

# Prints "ok - DESC" and counts it.
pass() {
    _T_ABORT_REPORTED=0
    _T_PASSED=$((_T_PASSED + 1))
    echo "ok - $*"
}

# Prints "not ok - MSG" and counts it. Returns 0: the test goes on.
fail() {
    _T_ABORT_REPORTED=0
    _T_FAILED=$((_T_FAILED + 1))
    echo "not ok - $*"
}

assert_eq() {
    local desc=$1 expected=$2 actual=$3
    if [ "$expected" == "$actual" ]; then
        pass "$desc"
    else
        fail "$desc: expected '$expected', got '$actual'"
    fi
}

# assert_ge DESC MIN ACTUAL: integers, ACTUAL >= MIN.
assert_ge() {
    local desc=$1 min=$2 actual=$3
    if [[ $actual =~ ^-?[0-9]+$ ]] && [ "$actual" -ge "$min" ]; then
        pass "$desc"
    else
        fail "$desc: expected >= $min, got '$actual'"
    fi
}

# assert_ok DESC CMD...: CMD succeeds (its output is discarded).
assert_ok() {
    local desc=$1
    shift
    if "$@" >/dev/null 2>&1; then pass "$desc"; else fail "$desc: command failed: $*"; fi
}

# assert_fails DESC CMD...: CMD exits non-zero.
assert_fails() {
    local desc=$1
    shift
    if "$@" >/dev/null 2>&1; then fail "$desc: command succeeded: $*"; else pass "$desc"; fi
}

# Prints the last lines of every *.log in $GFDX_TEST_DIR (and the stack's own logs).
dump_logs() {
    local f
    [ -n "${GFDX_TEST_DIR:-}" ] || return 0
    for f in "$GFDX_TEST_DIR"/*.log "$GFDX_TEST_DIR"/stack/*.log "$GFDX_TEST_DIR"/stack/pg/*.log; do
        [ -f "$f" ] || continue
        echo "# --- tail of $f ---"
        tail -n 30 "$f" | sed 's/^/#   /'
    done
}

# wait_for DESC TIMEOUT_S CMD...: runs CMD every 0.2 s until it succeeds. On timeout
# reports DESC as failed, dumps the logs and returns 1.
wait_for() {
    local desc=$1 timeout=$2
    shift 2
    local deadline
    deadline=$(($(_t_now_ms) + ${timeout%.*} * 1000))
    while :; do
        if "$@" >/dev/null 2>&1; then
            pass "$desc"
            return 0
        fi
        if [ "$(_t_now_ms)" -gt "$deadline" ]; then
            fail "$desc: timed out after ${timeout}s"
            dump_logs
            _T_ABORT_REPORTED=1
            return 1
        fi
        sleep 0.2
    done
}

# psql_q "SQL": runs SQL on the stack's database; prints the unaligned, tuples-only result
# with surrounding blank space trimmed. Returns psql's exit status.
psql_q() {
    local out
    out=$(psql -X -q -A -t -v ON_ERROR_STOP=1 "$GFDX_PG_CONNINFO" -c "$1") || return $?
    out=${out#"${out%%[![:space:]]*}"}
    out=${out%"${out##*[![:space:]]}"}
    printf '%s\n' "$out"
}

_t_sql_eq() {
    _T_LAST_SQL=$(psql_q "$1" 2>&1) || true
    [ "$_T_LAST_SQL" == "$2" ]
}

# wait_sql_eq "SQL" EXPECTED TIMEOUT_S: polls until SQL returns EXPECTED.
wait_sql_eq() {
    local sql=$1 expected=$2 timeout=$3
    _T_LAST_SQL=
    if wait_for "$sql = $expected" "$timeout" _t_sql_eq "$sql" "$expected"; then
        return 0
    fi
    echo "#   last result: '$_T_LAST_SQL'"
    return 1
}

# spawn NAME CMD...: starts CMD in the background; stdout and stderr go to
# $GFDX_TEST_DIR/NAME.log, its pid to $GFDX_TEST_DIR/NAME.pid. Stopped at exit.
spawn() {
    local name=$1
    shift
    [ -n "${GFDX_TEST_DIR:-}" ] || { fail "spawn $name: call stack_up (or set GFDX_TEST_DIR) first"; return 1; }
    "$@" </dev/null >"$GFDX_TEST_DIR/$name.log" 2>&1 &
    echo $! >"$GFDX_TEST_DIR/$name.pid"
    _T_SPAWNED+=("$name")
}

spawn_pid() { cat "$GFDX_TEST_DIR/$1.pid" 2>/dev/null; }

# pid_alive PID: the process exists and is not a zombie (an exited child not yet waited
# for, or a daemon that PID 1 has not reaped yet).
pid_alive() {
    local st
    st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "${st:0:1}" != Z ]
}

pid_gone() { ! pid_alive "$1"; }

# proc_alive NAME: the spawned process is still running.
proc_alive() {
    local pid
    pid=$(spawn_pid "$1") && [ -n "$pid" ] && pid_alive "$pid"
}

# kill_proc NAME [SIG]: sends SIG (default TERM) to a spawned process and waits for it,
# up to 10 s, then KILLs it. Sets KILL_STATUS to its exit status (128+n if killed by
# signal n). Always returns 0.
# shellcheck disable=SC2034 # KILL_STATUS is read by the test
kill_proc() {
    local name=$1 sig=${2:-TERM} pid i
    KILL_STATUS=
    pid=$(spawn_pid "$name") || return 0
    [ -n "$pid" ] || return 0
    kill -"$sig" "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
        pid_alive "$pid" || break
        sleep 0.1
    done
    if pid_alive "$pid"; then
        echo "# $name (pid $pid) still running 10 s after SIG$sig: killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    KILL_STATUS=0
    wait "$pid" 2>/dev/null || KILL_STATUS=$?
    rm -f "$GFDX_TEST_DIR/$name.pid"
    return 0
}

_t_kill_spawned() {
    local i name
    for ((i = ${#_T_SPAWNED[@]} - 1; i >= 0; i--)); do
        name=${_T_SPAWNED[$i]}
        proc_alive "$name" && kill_proc "$name" TERM
    done
    _T_SPAWNED=()
}

# stack_up: a fresh test directory (exported as GFDX_TEST_DIR) and a private stack in
# $GFDX_TEST_DIR/stack on broker $GFDX_TEST_BROKER; sources its env (GFDX_PG_CONNINFO,
# GFDX_BROKER, GFDX_KAFKA_BOOTSTRAP, ...).
stack_up() {
    GFDX_TEST_DIR=$(mktemp -d "/tmp/gfdx-$_T_NAME.XXXXXX")
    chmod 755 "$GFDX_TEST_DIR" # the postgres user must traverse it when we run as root
    export GFDX_TEST_DIR
    _T_STACK_UP=1
    if ! bash "$GFDX_LOCALSTACK" start "$GFDX_TEST_DIR/stack" --broker "${GFDX_TEST_BROKER:-devbroker}" \
        2>"$GFDX_TEST_DIR/localstack.log"; then
        sed 's/^/# /' "$GFDX_TEST_DIR/localstack.log"
        fail "stack_up: deploy/localstack.sh start failed"
        _T_ABORT_REPORTED=1
        return 1
    fi
    # shellcheck disable=SC1091
    source "$GFDX_TEST_DIR/stack/env"
}

# kafka_props PRINCIPAL: the libconfig pairs of a daemon's `kafka = ( ... )` list connecting
# as PRINCIPAL (gfdx-<service>, or a participant id): its SCRAM credentials on Apache Kafka,
# the bootstrap address alone on the dev broker.
kafka_props() { bash "$GFDX_LOCALSTACK" kafka-props "$GFDX_STACK_DIR" "$1"; }

# broker_outage_begin / broker_outage_end: every broker goes away (connections refused), then
# comes back with its data: gfdx-devbroker SIGUSR1 / SIGUSR2 (each reported as a check once
# its log says it acted); Apache Kafka kafka-stop (a clean shutdown, the JVM gone) /
# kafka-start (a restart from its log directory on the same ports, serving metadata).
broker_outage_begin() {
    if [ "$GFDX_BROKER" = kafka ]; then
        bash "$GFDX_LOCALSTACK" kafka-stop "$GFDX_STACK_DIR"
        assert_fails "broker outage: Apache Kafka refuses metadata" kcat -L -b "$GFDX_KAFKA_BOOTSTRAP" -m 2
    else
        kill -USR1 "$(cat "$GFDX_STACK_DIR/devbroker.pid")"
        wait_for "broker outage: the dev broker took its brokers down" 10 \
            grep -q "took down all" "$GFDX_STACK_DIR/devbroker.log"
    fi
}
broker_outage_end() {
    if [ "$GFDX_BROKER" = kafka ]; then
        bash "$GFDX_LOCALSTACK" kafka-start "$GFDX_STACK_DIR"
        pass "broker outage over: Apache Kafka serves metadata again"
    else
        kill -USR2 "$(cat "$GFDX_STACK_DIR/devbroker.pid")"
        wait_for "broker outage over: the dev broker brought its brokers up" 10 \
            grep -q "brought up all" "$GFDX_STACK_DIR/devbroker.log"
    fi
}

# _t_apply_topics SED_SCRIPT: Apache Kafka: gfdx kafka apply with a copy of deploy/topics.cfg
# edited by SED_SCRIPT (its daemons' configs beside it, as symlinks).
_t_apply_topics() {
    local dir=$GFDX_TEST_DIR/topics-apply f
    mkdir -p "$dir"
    for f in "$GFDX_SOURCE_DIR"/deploy/*.cfg; do ln -sf "$f" "$dir/"; done
    rm -f "$dir/topics.cfg"
    sed "$1" "$GFDX_SOURCE_DIR/deploy/topics.cfg" >"$dir/topics.cfg"
    "$GFDX_CLI" kafka apply --brokers "$GFDX_KAFKA_BOOTSTRAP" --topics "$dir/topics.cfg" \
        --participants "$GFDX_SOURCE_DIR/deploy/participants.cfg" >>"$GFDX_TEST_DIR/topics-apply.log" 2>&1
}

# broker_create_topic TOPIC [PARTITIONS]: a topic outside deploy/topics.cfg (default 1
# partition). Apache Kafka creates no topic by itself (auto.create.topics.enable=false); the
# dev broker creates one on first use, so there it does nothing.
broker_create_topic() {
    [ "$GFDX_BROKER" = kafka ] || return 0
    _t_apply_topics "s/^topics = (/&\\n  { name = \"$1\"; partitions = ${2:-1}; },/"
}

# broker_topic_configs TOPIC KEY=VALUE...: on Apache Kafka, sets these configs on TOPIC (an
# entry of deploy/topics.cfg) with gfdx kafka apply; on the dev broker, nothing (it has no
# topic configs: no message size limit of its own, retention a fixed cap of about 5 MiB per
# partition).
broker_topic_configs() {
    local topic=$1 kv pairs=""
    shift
    [ "$GFDX_BROKER" = kafka ] || return 0
    grep -q "^ *{ name = \"$topic\";" "$GFDX_SOURCE_DIR/deploy/topics.cfg" || { fail "broker_topic_configs: $topic not in topics.cfg"; return 1; }
    for kv in "$@"; do pairs="$pairs${pairs:+, }(\"${kv%%=*}\", \"${kv#*=}\")"; done
    _t_apply_topics "s/^\\( *{ name = \"$topic\"; *partitions = [0-9]*;\\)/\\1 configs = ($pairs);/"
}

# broker_retain_bytes TOPIC BYTES: the oldest records of TOPIC's partitions are deleted once
# a partition holds more than about BYTES, as retention does. Apache Kafka: real retention
# (segment.bytes and retention.bytes = BYTES; the test stack checks retention every second),
# whole closed segments a moment later; the dev broker: its fixed cap of about 5 MiB per
# partition (BYTES unused), at once. Wait for the low watermark after producing.
broker_retain_bytes() { broker_topic_configs "$1" "segment.bytes=$2" "retention.bytes=$2"; }

# broker_kill9: SIGKILL of the Apache Kafka JVM (waits until it is gone); kafka-start
# (broker_outage_end) brings it back.
broker_kill9() {
    local pid
    pid=$(cat "$GFDX_STACK_DIR/kafka/kafka.pid")
    kill -KILL "$pid"
    wait_for "Kafka JVM (pid $pid) gone after SIGKILL" 10 pid_gone "$pid"
}

# stack_down: stops spawned daemons and the stack, removes the test directory (unless
# GFDX_KEEP_TEST_DIR=1). Safe to call twice.
stack_down() {
    _t_kill_spawned
    [ "$_T_STACK_UP" = 1 ] || return 0
    _T_STACK_UP=0
    bash "$GFDX_LOCALSTACK" stop "$GFDX_TEST_DIR/stack" || echo "# localstack stop failed"
    if [ "${GFDX_KEEP_TEST_DIR:-0}" = 1 ]; then
        echo "# kept $GFDX_TEST_DIR"
    else
        rm -rf "$GFDX_TEST_DIR"
    fi
}

_t_summary() {
    echo "$_T_PASSED passed, $_T_FAILED failed"
}

# finish: prints "N passed, N failed"; exits 1 if anything failed or nothing was checked.
finish() {
    _T_FINISHED=1
    stack_down
    _t_summary
    if [ "$_T_FAILED" -gt 0 ] || [ "$_T_PASSED" -eq 0 ]; then exit 1; fi
    exit 0
}

_t_on_err() {
    local status=$1 line=$2 cmd=$3
    # In a subshell or command substitution the parent sees the status and decides.
    [ "$BASHPID" = "$$" ] || return 0
    if [ "$_T_ABORT_REPORTED" = 1 ]; then
        echo "# stopping at line $line after the failure above"
        _T_ABORT_REPORTED=0
    else
        fail "unexpected failure (exit $status) at $_T_NAME.sh line $line: $cmd"
        dump_logs
    fi
}

_t_on_exit() {
    local status=$?
    trap - ERR
    set +e
    [ "$_T_FINISHED" = 1 ] && return
    stack_down
    [ "$status" -ne 0 ] && [ "$_T_FAILED" -eq 0 ] && fail "test script exited with status $status"
    _t_summary
    [ "$_T_FAILED" -gt 0 ] || [ "$_T_PASSED" -eq 0 ] && exit 1
    exit "$status"
}

trap '_t_on_err $? $LINENO "$BASH_COMMAND"' ERR
trap _t_on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
