# shellcheck shell=bash
# localstack-kafka.sh: the Apache Kafka broker of deploy/localstack.sh (sourced by it; uses its
# die, show_log, pid_alive, wait_gone, pick_ports, port_in_use and paths). See localstack.sh's
# header for the listeners, principals and layout.

KAFKA_WAIT_S=90       # first start: format + JVM start + metadata; a loaded 2-core machine
KAFKA_STOP_WAIT_S=30  # a clean shutdown writes its snapshots first
KAFKA_HEAP=${GFDX_KAFKA_HEAP:--Xmx512m}
# The daemons of gfdx when the topics file names none (`daemons = ( { service = ...;
# principal = "User:..."; } )`): principal User:gfdx-<service>.
KAFKA_DAEMONS="intake push feedback namelist platform"

kafka_paths() {
    KPROPS=$KDIR/server.properties
    KPORTS=$KDIR/ports
    KDATA=$KDIR/data
    KPID=$KDIR/kafka.pid
    KLOG=$KDIR/kafka.log
    KCREDS=$KDIR/credentials
}

# The Kafka home (fetched if missing; a no-op once fetched). A stack keeps the version it
# was created with (kafka/version).
kafka_home() {
    if [ -s "$KDIR/version" ]; then GFDX_KAFKA_VERSION=$(cat "$KDIR/version"); fi
    export GFDX_KAFKA_VERSION=${GFDX_KAFKA_VERSION:-3.9.1}
    KHOME=$(bash "$top/deploy/kafka-fetch.sh" --home) || die "cannot fetch Apache Kafka $GFDX_KAFKA_VERSION (deploy/kafka-fetch.sh)"
    echo "$GFDX_KAFKA_VERSION" >"$KDIR/version"
}

# The daemons' principals (without User:), one a line: those of the topics file, else
# gfdx-<service> of KAFKA_DAEMONS.
kafka_daemon_principals() {
    local found
    found=$(sed -n 's/^[[:space:]]*{[[:space:]]*service[[:space:]]*=.*principal[[:space:]]*=[[:space:]]*"User:\([^"]*\)".*$/\1/p' "$TOPICS_FILE")
    if [ -n "$found" ]; then
        echo "$found"
    else
        for d in $KAFKA_DAEMONS; do echo "gfdx-$d"; done
    fi
}

# Prints the SCRAM user names: admin, every participant (its `principal = "User:X"` if the
# registry names one, else its id) and every daemon. One a line.
kafka_principals() {
    echo admin
    sed -n 's/^[[:space:]]*{[[:space:]]*id[[:space:]]*=[[:space:]]*"\([^"]*\)".*$/\1 &/p' "$PARTICIPANTS_FILE" |
        while read -r id line; do
            case $line in
            *'principal = "User:'*) line=${line#*principal = \"User:}; echo "${line%%\"*}" ;;
            *) echo "$id" ;;
            esac
        done
    kafka_daemon_principals
}

# Writes kafka/credentials/NAME (mode 0600) for every principal, with a random password.
kafka_write_credentials() {
    local name
    mkdir -p "$KCREDS"
    chmod 700 "$KCREDS"
    for name in $(kafka_principals); do
        [[ $name =~ ^[A-Za-z0-9._-]+$ ]] || die "principal '$name' (participants.cfg): only [A-Za-z0-9._-]"
        (
            umask 077
            printf 'security.protocol=SASL_PLAINTEXT\nsasl.mechanisms=SCRAM-SHA-512\nsasl.username=%s\nsasl.password=%s\n' \
                "$name" "$(od -An -N18 -tx1 /dev/urandom | tr -d ' \n')" >"$KCREDS/$name"
        )
    done
}

cred_get() { sed -n "s/^$2=//p" "$KCREDS/$1"; }

kafka_write_config() {
    local sasl=$1 harness=$2 ctl=$3 admin_pw
    admin_pw=$(cred_get admin sasl.password)
    echo "$sasl $harness $ctl" >"$KPORTS"
    (
        umask 077 # holds the admin password
        cat >"$KPROPS" <<EOF
# localstack.sh: a throwaway single-node test broker (see localstack.sh's header).
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$ctl
listeners=SASL_PLAINTEXT://127.0.0.1:$sasl,HARNESS://127.0.0.1:$harness,CONTROLLER://127.0.0.1:$ctl
advertised.listeners=SASL_PLAINTEXT://127.0.0.1:$sasl,HARNESS://127.0.0.1:$harness
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,HARNESS:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$admin_pw";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
# ANONYMOUS: the HARNESS and CONTROLLER listeners (loopback, this test stack only).
super.users=User:admin;User:ANONYMOUS
allow.everyone.if.no.acl.found=false
log.dirs=$KDATA
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
# A SIGKILLed broker's registration expires after this before its restart is unfenced (9 s
# by default: every restart of the fault tests would wait that long).
broker.session.timeout.ms=3000
broker.heartbeat.interval.ms=750
auto.create.topics.enable=false
# Retention is checked every second (default 5 min): tests set retention.bytes on a topic
# and see the oldest segments go (fault_intake_offset_gap).
log.retention.check.interval.ms=1000
num.network.threads=2
num.io.threads=2
background.threads=2
log.cleaner.threads=1
EOF
    )
    cat >"$KDIR/log4j.properties" <<'EOF'
log4j.rootLogger=WARN, stdout
log4j.logger.kafka.server.KafkaRaftServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
    cat >"$KDIR/log4j2.properties" <<'EOF'
rootLogger.level=WARN
rootLogger.appenderRef.out.ref=out
appender.out.type=Console
appender.out.name=out
appender.out.layout.type=PatternLayout
appender.out.layout.pattern=[%d] %p %m (%c)%n
logger.raft.name=kafka.server.KafkaRaftServer
logger.raft.level=INFO
logger.broker.name=kafka.server.BrokerServer
logger.broker.level=INFO
EOF
}

# The JVM's command (KJAVA, an array): a modest heap, the serial GC, C1 only (a fast start
# and little CPU on 2 cores).
kafka_java_cmd() {
    KJAVA=(java "$KAFKA_HEAP" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
        -Dlog4j.configuration="file:$KDIR/log4j.properties"
        -Dlog4j2.configurationFile="$KDIR/log4j2.properties"
        -cp "$KHOME/libs/*")
}

# Formats kafka/data: a random cluster id (given as --cluster-id=ID: a base64 id may start
# with '-') and a SCRAM-SHA-512 user per principal.
kafka_format() {
    local args=() name id
    for name in $(kafka_principals); do
        args+=(--add-scram "SCRAM-SHA-512=[name=$name,password=$(cred_get "$name" sasl.password)]")
    done
    id=$(python3 -c 'import base64, uuid; print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))')
    kafka_java_cmd
    if ! "${KJAVA[@]}" kafka.tools.StorageTool format --cluster-id="$id" -c "$KPROPS" "${args[@]}" \
        >"$KDIR/format.log" 2>&1; then
        show_log "$KDIR/format.log"
        die "kafka-storage format failed (log: $KDIR/format.log)"
    fi
}

kafka_pid_alive() {
    local pid
    pid=$(cat "$KPID" 2>/dev/null || true)
    [ -n "$pid" ] && pid_alive "$pid" && grep -q kafka.Kafka "/proc/$pid/cmdline" 2>/dev/null
}

kafka_harness() { echo "127.0.0.1:$(cut -d' ' -f2 "$KPORTS")"; }
kafka_sasl() { echo "127.0.0.1:$(cut -d' ' -f1 "$KPORTS")"; }

# Does the broker serve metadata on the harness listener?
kafka_serves() {
    kcat -L -b "$(kafka_harness)" -m 2 -t __none 2>/dev/null | grep -q ' 1 brokers:'
}

# First start: does SCRAM-SHA-512 work on the SASL listener (admin)? Kafka 4.x refuses the
# SCRAM proof of librdkafka before 2.6.1 (it repeats the client nonce: librdkafka#4895), so
# Debian 12's librdkafka 2.0.2 cannot log in there; GFDX_KAFKA_DAEMON_LISTENER=harness then
# lets the daemons use the harness listener (no authentication, no ACLs: to test the rest of
# the protocol only).
kafka_check_sasl() {
    local out
    [ "$(cat "$KDIR/daemon.listener")" = sasl ] || return 0
    for _ in 1 2 3; do
        out=$(kcat -L -F "$KCREDS/admin" -b "$(kafka_sasl)" -m 3 -t __none 2>&1) && grep -q ' 1 brokers:' <<<"$out" && return 0
    done
    echo "localstack: $(grep -m1 -o 'SASL authentication error.*' <<<"$out" || echo "no metadata on $(kafka_sasl)")" >&2
    die "SCRAM-SHA-512 login as admin refused by Apache Kafka $GFDX_KAFKA_VERSION on the SASL listener (librdkafka before 2.6.1 cannot log in to Kafka 4.x; GFDX_KAFKA_DAEMON_LISTENER=harness runs the daemons without SASL)"
}

# Starts the JVM on the ports of kafka/ports and waits until it serves metadata. Returns 1
# (log kept) if it died or did not serve in time; 2 if a port was taken.
kafka_launch() {
    kafka_java_cmd
    "${KJAVA[@]}" kafka.Kafka "$KPROPS" </dev/null >>"$KLOG" 2>&1 &
    local pid=$! deadline=$((SECONDS + KAFKA_WAIT_S))
    echo "$pid" >"$KPID"
    while [ "$SECONDS" -lt "$deadline" ]; do
        kafka_serves && return 0
        pid_alive "$pid" || break
        sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 5 || true
    grep -q "Address already in use" "$KLOG" 2>/dev/null && return 2
    return 1
}

# First start: fresh credentials, config, format; ports retried on a collision.
kafka_first_start() {
    local rc=0 ports
    kafka_write_credentials
    case ${GFDX_KAFKA_DAEMON_LISTENER:-sasl} in
    sasl | harness) echo "${GFDX_KAFKA_DAEMON_LISTENER:-sasl}" >"$KDIR/daemon.listener" ;;
    *) die "GFDX_KAFKA_DAEMON_LISTENER: sasl or harness" ;;
    esac
    for _ in 1 2 3; do
        rm -rf "$KDATA"
        : >"$KLOG"
        ports=$(pick_ports 3) # the assignment stops the script if none are free
        # shellcheck disable=SC2086 # three ports, one a word
        kafka_write_config $ports
        kafka_format
        rc=0
        kafka_launch || rc=$?
        [ "$rc" -eq 2 ] || break
    done
    if [ "$rc" -ne 0 ]; then
        show_log "$KLOG"
        die "Apache Kafka did not serve metadata within ${KAFKA_WAIT_S}s (log: $KLOG)"
    fi
    kafka_check_sasl
}

# Creates the topics and ACLs of the registry (idempotent; `gfdx kafka apply`). 30 s for each
# admin step: a loaded test machine once took longer than the default 10 s to put ACLs in force.
kafka_apply() {
    [ -x "$GFDX" ] || die "$GFDX not found: build first (deploy/build.sh, or set GFDX_BUILD_DIR)"
    if ! "$GFDX" kafka apply --brokers "$(kafka_harness)" --topics "$TOPICS_FILE" \
        --participants "$PARTICIPANTS_FILE" --timeout-ms 30000 >"$KDIR/apply.log" 2>&1; then
        show_log "$KDIR/apply.log"
        die "gfdx kafka apply failed (log: $KDIR/apply.log)"
    fi
}

kafka_start() {
    kafka_paths
    mkdir -p "$KDIR"
    kafka_home
    if kafka_pid_alive && kafka_serves; then return 0; fi
    if [ -f "$KDATA/meta.properties" ] && [ -s "$KPORTS" ]; then
        kafka_restart
    else
        kafka_first_start
    fi
    kafka_apply
}

# kafka-start: the JVM again, from its own log directory, on the same ports.
kafka_restart() {
    kafka_paths
    [ -f "$KDATA/meta.properties" ] && [ -s "$KPORTS" ] || die "$DIR: no Apache Kafka here (run start --broker kafka first)"
    [ -n "${KHOME:-}" ] || kafka_home
    if kafka_pid_alive && kafka_serves; then return 0; fi
    echo "--- kafka-start $(date -u +%FT%TZ) ---" >>"$KLOG"
    if ! kafka_launch; then
        show_log "$KLOG"
        die "Apache Kafka did not serve metadata again within ${KAFKA_WAIT_S}s (log: $KLOG)"
    fi
}

# kafka-stop: SIGTERM (a clean shutdown), SIGKILL after KAFKA_STOP_WAIT_S.
kafka_stop() {
    kafka_paths
    local pid
    pid=$(cat "$KPID" 2>/dev/null || true)
    if [ -n "$pid" ] && kafka_pid_alive; then
        kill -TERM "$pid" 2>/dev/null || true
        if ! wait_gone "$pid" "$KAFKA_STOP_WAIT_S"; then
            echo "localstack: Apache Kafka did not stop in ${KAFKA_STOP_WAIT_S}s, killing it (log: $KLOG)" >&2
            kill -KILL "$pid" 2>/dev/null || true
            wait_gone "$pid" 5 || true
        fi
    fi
    rm -f "$KPID"
}

# kafka-props PRINCIPAL: libconfig pairs for a daemon's `kafka = ( ... )` list.
kafka_props() {
    local name=${1#User:} kind
    [ -n "$name" ] || die "usage: localstack.sh kafka-props DIR PRINCIPAL"
    kind=$(cat "$BROKER_KIND" 2>/dev/null || echo devbroker)
    if [ "$kind" != kafka ]; then
        printf '("bootstrap.servers", "%s")\n' "$(head -n 1 "$BROKER_ADDR")"
        return 0
    fi
    kafka_paths
    [ -f "$KCREDS/$name" ] || die "no credentials for principal '$name' in $KCREDS"
    if [ "$(cat "$KDIR/daemon.listener" 2>/dev/null)" = harness ]; then
        printf '("bootstrap.servers", "%s")\n' "$(kafka_harness)"
        return 0
    fi
    printf '("bootstrap.servers", "%s"),\n' "$(kafka_sasl)"
    printf '("security.protocol", "SASL_PLAINTEXT"),\n("sasl.mechanisms", "SCRAM-SHA-512"),\n'
    printf '("sasl.username", "%s"),\n("sasl.password", "%s")\n' "$name" "$(cred_get "$name" sasl.password)"
}

kafka_env_lines() {
    kafka_paths
    echo "export GFDX_KAFKA_BOOTSTRAP=$(shq "$(kafka_harness)")"
    echo "export GFDX_KAFKA_SASL_BOOTSTRAP=$(shq "$(kafka_sasl)")"
    echo "export GFDX_KAFKA_CREDENTIALS=$(shq "$KCREDS")"
    echo "export GFDX_KAFKA_VERSION=$(shq "$(cat "$KDIR/version")")"
}
