#!/usr/bin/env bash
# localstack.sh: a private, throwaway gfdx stack (PostgreSQL 15 + a Kafka broker: the
# embedded gfdx-devbroker or a single-node Apache Kafka) in one directory, for development
# and the integration tests.
#
#   localstack.sh start DIR [--broker devbroker|kafka]
#                                create DIR if missing, start PostgreSQL and the broker (default
#                                devbroker), write DIR/env; prints nothing but errors. Running
#                                it on a stack that is already up only rewrites DIR/env. Also a
#                                signing key per participant (deploy/keys.sh): DIR/keys/,
#                                DIR/participants.cfg (env: GFDX_KEYS_DIR, GFDX_PARTICIPANTS).
#   localstack.sh stop DIR       stop the broker and PostgreSQL; leaves no process behind
#   localstack.sh pg-stop DIR    stop only PostgreSQL (outage tests)
#   localstack.sh pg-start DIR   start PostgreSQL again, on the same port
#   localstack.sh kafka-stop DIR   stop only Apache Kafka (SIGTERM; outage tests)
#   localstack.sh kafka-start DIR  start it again from its own log directory, on the same ports
#   localstack.sh kafka-props DIR PRINCIPAL
#                                print the librdkafka properties of a daemon connecting as
#                                PRINCIPAL (User:NAME or NAME), as libconfig pairs for a
#                                daemon's `kafka = ( ... )` list: on Apache Kafka the SASL
#                                listener and NAME's SCRAM credentials, on the dev broker only
#                                bootstrap.servers
#   localstack.sh env DIR        print DIR/env
#
# DIR/env holds `export` lines: GFDX_STACK_DIR, GFDX_PG_CONNINFO (unix socket),
# GFDX_PG_TCP_CONNINFO (127.0.0.1), GFDX_PG_HOST (the socket directory), GFDX_PG_PORT,
# GFDX_BROKER (devbroker|kafka), GFDX_KAFKA_BOOTSTRAP; on Apache Kafka also
# GFDX_KAFKA_SASL_BOOTSTRAP, GFDX_KAFKA_CREDENTIALS (the credentials directory) and
# GFDX_KAFKA_VERSION.
#
# Layout of DIR: pg/data (cluster), pg/sock (unix socket), pg/port, pg/postgres.log,
# broker.kind, env; dev broker: broker.addr, devbroker.pid, devbroker.log, apply.log; Apache Kafka:
# kafka/server.properties, kafka/ports, kafka/data (the log directory), kafka/kafka.pid,
# kafka/kafka.log, kafka/apply.log, kafka/credentials/NAME.
#
# Apache Kafka (jars from deploy/kafka-fetch.sh, GFDX_KAFKA_VERSION, default 3.9.1): one JVM
# (-Xmx512m), KRaft broker and controller combined, StandardAuthorizer,
# allow.everyone.if.no.acl.found=false. Listeners, all on 127.0.0.1 on free ports:
#   SASL_PLAINTEXT (GFDX_KAFKA_SASL_BOOTSTRAP): SCRAM-SHA-512, one user per principal: admin
#     (a super user), every participant of the registry (User:<id>, or its `principal`) and
#     every daemon (User:gfdx-<service>). Each user's random password is in
#     kafka/credentials/NAME (mode 0600; librdkafka properties, e.g. kcat -F FILE), never
#     printed but by kafka-props. Daemons connect here, each as its own principal.
#   HARNESS (GFDX_KAFKA_BOOTSTRAP): PLAINTEXT, principal ANONYMOUS, which is a super user.
#     It is the harness and admin listener of a throwaway test stack only (kcat, gfdx produce
#     and gfdx kafka apply in the tests); no real cluster may have such a listener.
#   CONTROLLER: PLAINTEXT, the KRaft controller (ANONYMOUS as well).
# After the broker serves metadata, `gfdx kafka apply` creates the topics and ACLs of
# deploy/topics.cfg and deploy/participants.cfg (on the dev broker too: its addressed topics,
# gfdx.receipts.<participant> and the rest; the dev broker itself creates the named ones).
#
# PostgreSQL runs with fsync, synchronous_commit and full_page_writes off: fast, and a crash
# of the machine can lose or corrupt the data. That is fine for a throwaway test stack and
# never right for anything else. Authentication is `trust` for user gfdx, on the socket and
# on 127.0.0.1 only.
#
# initdb and postgres refuse to run as root. As root, they run as the `postgres` system
# user (created by Debian's postgresql package), DIR/pg is owned by it and DIR must be
# traversable by it (e.g. mode 755, and so must every parent directory). As another user
# they run as that user.
#
# Environment: GFDX_BUILD_DIR (default: <repo>/build) locates
# tools/devbroker/gfdx-devbroker and tools/cli/gfdx; GFDX_TOPICS_FILE (default:
# <repo>/deploy/topics.cfg); GFDX_PARTICIPANTS_FILE (default: <repo>/deploy/participants.cfg);
# GFDX_KAFKA_VERSION, GFDX_KAFKA_HOME (deploy/kafka-fetch.sh); GFDX_KAFKA_HEAP (default
# -Xmx512m); GFDX_KAFKA_DAEMON_LISTENER (sasl, the default, or harness: kafka-props gives the
# daemons the harness listener, without SASL: for Kafka 4.x, whose SCRAM librdkafka before
# 2.6.1 cannot do, to test the rest of the protocol; kept in kafka/daemon.listener).
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${GFDX_BUILD_DIR:-$top/build}
DEVBROKER=$BUILD_DIR/tools/devbroker/gfdx-devbroker
TOPICS_FILE=${GFDX_TOPICS_FILE:-$top/deploy/topics.cfg}
PARTICIPANTS_FILE=${GFDX_PARTICIPANTS_FILE:-$top/deploy/participants.cfg}
GFDX=$BUILD_DIR/tools/cli/gfdx
BROKER_WAIT_S=20
BROKER_STOP_WAIT_S=10
PG_WAIT_S=30

die() {
    echo "localstack: $*" >&2
    exit 1
}

# Last lines of a log file, on stderr, to explain a failure.
show_log() {
    local f=$1
    if [ -s "$f" ]; then
        echo "localstack: --- last lines of $f ---" >&2
        tail -n 20 "$f" >&2
        echo "localstack: ---" >&2
    fi
}

pg_bindir() {
    local d
    d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    if [ ! -x "$d/initdb" ]; then
        die "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (run deploy/install-deps.sh)"
    fi
    echo "$d"
}

# Runs a PostgreSQL server program as the user that owns the cluster.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd "$PGDIR" && runuser -u postgres -- "$@")
    else
        (cd "$PGDIR" && "$@")
    fi
}

# Sets the paths of the stack in DIR (made absolute).
set_paths() {
    [ -n "${1:-}" ] || die "missing DIR (usage: localstack.sh start|stop|pg-stop|pg-start|kafka-stop|kafka-start|kafka-props|env DIR)"
    DIR=$1
    case $DIR in /*) ;; *) DIR=$PWD/$DIR ;; esac
    DIR=${DIR%/}
    PGDIR=$DIR/pg
    PGDATA_DIR=$PGDIR/data
    SOCKDIR=$PGDIR/sock
    PORTFILE=$PGDIR/port
    PGLOG=$PGDIR/postgres.log
    BROKER_ADDR=$DIR/broker.addr
    BROKER_PID=$DIR/devbroker.pid
    BROKER_LOG=$DIR/devbroker.log
    BROKER_KIND=$DIR/broker.kind
    ENVFILE=$DIR/env
    KDIR=$DIR/kafka
}

# Is process $1 running? A zombie is not: PID 1 here may reap exited daemons late.
pid_alive() {
    local st
    st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "${st:0:1}" != Z ]
}

# Waits up to $2 seconds for process $1 to end. Returns 0 once it has.
wait_gone() {
    for _ in $(seq 1 $(($2 * 10))); do
        pid_alive "$1" || return 0
        sleep 0.1
    done
    ! pid_alive "$1"
}

pg_running() {
    [ -f "$PGDATA_DIR/postmaster.pid" ] && as_pg "$BINDIR/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1
}

# Is something listening on TCP port $1 (any address)? ss if present, else /proc/net/tcp*.
port_in_use() {
    if command -v ss >/dev/null 2>&1; then
        [ -n "$(ss -ltnH "sport = :$1" 2>/dev/null)" ]
    else
        local hex
        hex=$(printf ':%04X' "$1")
        awk -v p="$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { found = 1 }
            END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
    fi
}

# A random port of 20000..31999: below the kernel's ephemeral range (where the dev broker's
# ports come from). Its own function so that a test can replace the random source.
random_port() {
    echo $((20000 + RANDOM % 12000))
}

# N (default 1) distinct TCP ports that nothing listens on, one a line. Distinct matters: a
# stack's listeners are picked together before any of them listens, so "not in use" alone
# let two of them draw the same port (Kafka then refuses its own configuration).
pick_ports() {
    local n=${1:-1} picked=" " p
    for _ in $(seq 1 $((50 * n))); do
        [ "$n" -gt 0 ] || return 0
        p=$(random_port)
        case $picked in *" $p "*) continue ;; esac
        port_in_use "$p" && continue
        picked="$picked$p "
        echo "$p"
        n=$((n - 1))
    done
    [ "$n" -eq 0 ] || die "no free TCP port found in 20000..31999"
}

pg_prepare_dir() {
    mkdir -p "$PGDIR"
    if [ "$(id -u)" -eq 0 ]; then
        getent passwd postgres >/dev/null ||
            die "running as root needs the 'postgres' system user (install Debian's postgresql package)"
        chown postgres: "$PGDIR"
        runuser -u postgres -- test -x "$DIR" -a -w "$PGDIR" ||
            die "user postgres cannot reach $PGDIR: make $DIR and its parents traversable (chmod 755)"
    fi
    # A unix socket path is limited to 107 bytes.
    [ ${#SOCKDIR} -le 80 ] || die "$DIR is too deep for a unix socket path ($SOCKDIR); use a shorter DIR"
}

pg_initdb() {
    [ -f "$PGDATA_DIR/PG_VERSION" ] && return 0
    local locale=C
    if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then locale=C.UTF-8; fi
    rm -rf "$PGDATA_DIR"
    if ! as_pg "$BINDIR/initdb" -D "$PGDATA_DIR" -E UTF8 --locale="$locale" -U gfdx -A trust \
        --no-sync >"$PGDIR/initdb.log" 2>&1; then
        show_log "$PGDIR/initdb.log"
        die "initdb failed (log: $PGDIR/initdb.log)"
    fi
    as_pg mkdir -p "$SOCKDIR"
    # Appended by the invoking user (root may write the postgres-owned file; ownership stays).
    cat >>"$PGDATA_DIR/postgresql.conf" <<EOF

# --- localstack.sh: a throwaway test cluster. fsync off: fast, and not crash-safe. ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$SOCKDIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
log_line_prefix = '%m [%p] %q%u@%d '
EOF
}

# Starts the server on port $1. Returns non-zero (and leaves the log) if it did not start.
pg_start_on() {
    as_pg "$BINDIR/pg_ctl" -D "$PGDATA_DIR" -l "$PGLOG" -w -t "$PG_WAIT_S" \
        -o "-p $1" start >/dev/null 2>&1
}

# First start: a free port, retried on a collision with another starting stack.
pg_first_start() {
    local port
    for _ in 1 2 3 4 5; do
        port=$(pick_ports 1)
        if pg_start_on "$port"; then
            echo "$port" >"$PORTFILE"
            return 0
        fi
        grep -q "could not bind\|could not create any TCP/IP sockets\|Address already in use" \
            "$PGLOG" 2>/dev/null || break
    done
    show_log "$PGLOG"
    die "PostgreSQL did not start (log: $PGLOG)"
}

pg_start() {
    if pg_running; then return 0; fi
    if [ -s "$PORTFILE" ]; then
        local port
        port=$(cat "$PORTFILE")
        if ! pg_start_on "$port"; then
            show_log "$PGLOG"
            die "PostgreSQL did not start on port $port (log: $PGLOG)"
        fi
    else
        pg_first_start
    fi
}

pg_create_db() {
    local port have
    port=$(cat "$PORTFILE")
    have=$(psql -X -A -t -h "$SOCKDIR" -p "$port" -U gfdx -d postgres \
        -c "SELECT 1 FROM pg_database WHERE datname = 'gfdx'" 2>>"$PGLOG") ||
        die "cannot connect to PostgreSQL on $SOCKDIR port $port (log: $PGLOG)"
    if [ "$have" != 1 ]; then
        psql -X -q -h "$SOCKDIR" -p "$port" -U gfdx -d postgres -v ON_ERROR_STOP=1 \
            -c "CREATE DATABASE gfdx" >/dev/null 2>>"$PGLOG" ||
            die "cannot create database gfdx (log: $PGLOG)"
    fi
}

pg_stop() {
    [ -d "$PGDATA_DIR" ] || return 0
    local pid
    pid=$(head -n 1 "$PGDATA_DIR/postmaster.pid" 2>/dev/null || true)
    if pg_running; then
        as_pg "$BINDIR/pg_ctl" -D "$PGDATA_DIR" -m fast -w -t "$PG_WAIT_S" stop >/dev/null 2>&1 || true
    fi
    # pg_ctl returns once postmaster.pid is gone, a moment before the process ends; and if
    # pg_ctl gave up, make sure the postmaster is gone all the same.
    [ -n "$pid" ] || return 0
    wait_gone "$pid" 5 && return 0
    grep -q "$PGDATA_DIR" "/proc/$pid/cmdline" 2>/dev/null || return 0
    echo "localstack: PostgreSQL (pid $pid) did not stop; sending SIGQUIT, then SIGKILL (log: $PGLOG)" >&2
    kill -QUIT "$pid" 2>/dev/null || true
    wait_gone "$pid" 3 || kill -KILL "$pid" 2>/dev/null || true
}

broker_pid_alive() {
    local pid
    pid=$(cat "$BROKER_PID" 2>/dev/null || true)
    [ -n "$pid" ] && pid_alive "$pid" && grep -q gfdx-devbroker "/proc/$pid/cmdline" 2>/dev/null
}

# The addressed topics (gfdx.receipts.<participant>, gfdx.coordination.<province>, ...) of
# the topics file and the registry, created with their partitions before any daemon produces
# to them: the dev broker itself creates only the topics file's named topics.
devbroker_apply() {
    local log=$DIR/apply.log
    [ -x "$GFDX" ] || die "$GFDX not found: build first (deploy/build.sh, or set GFDX_BUILD_DIR)"
    if ! "$GFDX" kafka apply --brokers "$(head -1 "$BROKER_ADDR")" --topics "$TOPICS_FILE" \
        --participants "$PARTICIPANTS_FILE" >"$log" 2>&1; then
        show_log "$log"
        die "gfdx kafka apply failed (log: $log)"
    fi
}

broker_start() {
    if broker_pid_alive && [ -s "$BROKER_ADDR" ]; then return 0; fi
    [ -x "$DEVBROKER" ] || die "$DEVBROKER not found: build first (deploy/build.sh, or set GFDX_BUILD_DIR)"
    rm -f "$BROKER_ADDR"
    "$DEVBROKER" --topics "$TOPICS_FILE" --bootstrap-file "$BROKER_ADDR" \
        </dev/null >"$BROKER_LOG" 2>&1 &
    local pid=$!
    echo "$pid" >"$BROKER_PID"
    for _ in $(seq 1 $((BROKER_WAIT_S * 10))); do
        [ -s "$BROKER_ADDR" ] && { devbroker_apply; return 0; }
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -TERM "$pid" 2>/dev/null || true
    show_log "$BROKER_LOG"
    die "gfdx-devbroker did not publish $BROKER_ADDR within ${BROKER_WAIT_S}s (log: $BROKER_LOG)"
}

broker_stop() {
    local pid
    pid=$(cat "$BROKER_PID" 2>/dev/null || true)
    if [ -n "$pid" ] && broker_pid_alive; then
        kill -TERM "$pid" 2>/dev/null || true
        if ! wait_gone "$pid" "$BROKER_STOP_WAIT_S"; then
            echo "localstack: gfdx-devbroker did not stop in ${BROKER_STOP_WAIT_S}s, killing it (log: $BROKER_LOG)" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$BROKER_PID" "$BROKER_ADDR"
}

# Single-quotes $1 for a shell (any ' inside becomes '\'').
shq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

write_env() {
    local port
    port=$(cat "$PORTFILE")
    {
        echo "export GFDX_STACK_DIR=$(shq "$DIR")"
        echo "export GFDX_PG_CONNINFO=$(shq "host=$SOCKDIR port=$port dbname=gfdx user=gfdx")"
        echo "export GFDX_PG_TCP_CONNINFO=$(shq "host=127.0.0.1 port=$port dbname=gfdx user=gfdx")"
        echo "export GFDX_PG_HOST=$(shq "$SOCKDIR")"
        echo "export GFDX_PG_PORT=$port"
        echo "export GFDX_BROKER=$KIND"
        if [ "$KIND" = kafka ]; then
            kafka_env_lines
        else
            echo "export GFDX_KAFKA_BOOTSTRAP=$(shq "$(head -n 1 "$BROKER_ADDR")")"
        fi
        echo "export GFDX_KEYS_DIR=$(shq "$DIR/keys")"                 # deploy/keys.sh
        echo "export GFDX_PARTICIPANTS=$(shq "$DIR/participants.cfg")" # with those keys
    } >"$ENVFILE.tmp"
    mv "$ENVFILE.tmp" "$ENVFILE"
}

# On a failed start, stop what this run started (not what was already running).
start_cleanup() {
    local status=$?
    [ "$status" -eq 0 ] && return 0
    [ "${BROKER_STARTED_HERE:-0}" = 1 ] && broker_stop
    [ "${KAFKA_STARTED_HERE:-0}" = 1 ] && kafka_stop
    [ "${PG_STARTED_HERE:-0}" = 1 ] && pg_stop
    exit "$status"
}

# start DIR [--broker devbroker|kafka]: a stack keeps its broker kind (broker.kind).
cmd_start() {
    KIND=devbroker
    [ -s "$BROKER_KIND" ] && KIND=$(cat "$BROKER_KIND")
    case "${1:-}:${2:-}" in
    : ) ;;
    --broker:devbroker | --broker:kafka) KIND=$2 ;;
    *) die "usage: localstack.sh start DIR [--broker devbroker|kafka]" ;;
    esac
    mkdir -p "$DIR"
    trap start_cleanup EXIT
    pg_prepare_dir
    pg_initdb
    pg_running || PG_STARTED_HERE=1
    pg_start
    pg_create_db
    echo "$KIND" >"$BROKER_KIND"
    if [ "$KIND" = kafka ]; then
        kafka_paths
        kafka_pid_alive || KAFKA_STARTED_HERE=1
        kafka_start
    else
        broker_pid_alive || BROKER_STARTED_HERE=1
        broker_start
    fi
    GFDX_BUILD_DIR=$BUILD_DIR bash "$top/deploy/keys.sh" "$DIR" # a key per participant, never committed
    write_env
    trap - EXIT
}

cmd_stop() {
    [ -d "$DIR" ] || die "$DIR: no such stack directory"
    broker_stop
    kafka_stop
    pg_stop
    rm -f "$ENVFILE"
}

main() {
    local cmd=${1:-}
    [ $# -ge 1 ] && shift
    case $cmd in
    start | stop | pg-stop | pg-start | kafka-stop | kafka-start | kafka-props | env) ;;
    -h | --help | help)
        sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
        return 0
        ;;
    *) die "usage: localstack.sh start|stop|pg-stop|pg-start|kafka-stop|kafka-start|kafka-props|env DIR" ;;
    esac
    set_paths "${1:-}"
    [ $# -ge 1 ] && shift
    BINDIR=$(pg_bindir)
    case $cmd in
    start) cmd_start "$@" ;;
    kafka-stop) kafka_stop ;;
    kafka-start) kafka_restart ;;
    kafka-props) kafka_props "${1:-}" ;;
    stop) cmd_stop ;;
    pg-stop) pg_stop ;;
    pg-start)
        [ -f "$PGDATA_DIR/PG_VERSION" ] || die "$DIR: no PostgreSQL cluster here (run start first)"
        pg_start
        ;;
    env)
        [ -f "$ENVFILE" ] || die "$ENVFILE not found (is the stack started?)"
        cat "$ENVFILE"
        ;;
    esac
}

# shellcheck source=deploy/localstack-kafka.sh
source "$top/deploy/localstack-kafka.sh"
# Sourced (by tests/integration/unit_localstack_ports.sh) it only defines its functions.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    main "$@"
fi
