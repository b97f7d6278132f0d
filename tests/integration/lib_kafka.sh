# shellcheck shell=bash
# lib_kafka.sh: a private single-node Apache Kafka for the tests that need the real broker
# (ACLs, LogAppendTime, SASL). Source it after lib.sh; call kafka_up after stack_up.
#
#   kafka_up [USER...]        KRaft combined broker+controller, one JVM (-Xmx512m), on free
#                             loopback ports: a SASL_PLAINTEXT listener with SCRAM-SHA-512
#                             users admin (a super user) and each USER, StandardAuthorizer,
#                             no auto-creation of topics. Exports KAFKA_BOOTSTRAP. Stopped
#                             at exit with the spawned processes (spawn name "kafka").
#   kafka_props USER          prints the -X arguments of USER for gfdx (one per line)
#   kafka_kcat USER ARGS...   kcat as USER against KAFKA_BOOTSTRAP
#   kafka_down                stops it now
#
# A user's password is "<user>-secret" (test credentials only; never printed by gfdx).
# Jars: $GFDX_KAFKA_LIBS, else libs/ of the Kafka home deploy/kafka-fetch.sh prints (where the
# project's install step fetched them), else /tmp/kf/libs.
# deploy/localstack.sh --broker kafka may replace this with the project's own broker: keep
# the four functions' contracts.

_kafka_default_libs() {
    local fetch=$GFDX_SOURCE_DIR/deploy/kafka-fetch.sh home
    if [ -f "$fetch" ] && home=$(bash "$fetch" --home 2>/dev/null) && [ -d "$home/libs" ]; then
        echo "$home/libs"
    else
        echo /tmp/kf/libs
    fi
}
KAFKA_ADMIN=admin

_kafka_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

_kafka_java() {
    java -Xmx512m -cp "$GFDX_KAFKA_LIBS/*" -Dlog4j.configuration="file:$KAFKA_DIR/log4j.properties" "$@"
}

_kafka_write_config() {
    local port=$1 cport=$2
    cat >"$KAFKA_DIR/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=SASL_PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=SASL_PLAINTEXT://127.0.0.1:$port
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$KAFKA_ADMIN" password="$KAFKA_ADMIN-secret";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:$KAFKA_ADMIN;User:ANONYMOUS
allow.everyone.if.no.acl.found=false
log.dirs=$KAFKA_DIR/data
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
EOF
    printf 'log4j.rootLogger=WARN, stdout\nlog4j.appender.stdout=org.apache.log4j.ConsoleAppender\n'`
        `'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout\n'`
        `'log4j.appender.stdout.layout.ConversionPattern=[%%d] %%p %%m (%%c)%%n\n' >"$KAFKA_DIR/log4j.properties"
}

kafka_up() {
    GFDX_KAFKA_LIBS=${GFDX_KAFKA_LIBS:-$(_kafka_default_libs)}
    [ -d "$GFDX_KAFKA_LIBS" ] && compgen -G "$GFDX_KAFKA_LIBS/kafka_2.13-*.jar" >/dev/null || {
        fail "kafka_up: no Kafka jars in $GFDX_KAFKA_LIBS (set GFDX_KAFKA_LIBS)"
        _T_ABORT_REPORTED=1
        return 1
    }
    KAFKA_DIR=$GFDX_TEST_DIR/kafka
    mkdir -p "$KAFKA_DIR"
    local port cport id u scram=()
    port=$(_kafka_free_port)
    cport=$(_kafka_free_port)
    _kafka_write_config "$port" "$cport"
    # a base64 id may start with "-": passed as --cluster-id=ID, never as a separate argument
    id=$(python3 -c 'import base64, uuid; print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))')
    for u in "$KAFKA_ADMIN" "$@"; do scram+=(--add-scram "SCRAM-SHA-512=[name=$u,password=$u-secret]"); done
    _kafka_java kafka.tools.StorageTool format --cluster-id="$id" -c "$KAFKA_DIR/server.properties" "${scram[@]}" \
        >"$KAFKA_DIR/format.log" 2>&1 || { fail "kafka_up: storage format failed"; cat "$KAFKA_DIR/format.log"; return 1; }
    export KAFKA_BOOTSTRAP=127.0.0.1:$port
    spawn kafka java -Xmx512m -cp "$GFDX_KAFKA_LIBS/*" -Dlog4j.configuration="file:$KAFKA_DIR/log4j.properties" \
        kafka.Kafka "$KAFKA_DIR/server.properties"
    wait_for "Apache Kafka answers on $KAFKA_BOOTSTRAP" 60 kafka_kcat "$KAFKA_ADMIN" -L -m 2
}

kafka_props() {
    printf '%s\n' -X security.protocol=SASL_PLAINTEXT -X sasl.mechanism=SCRAM-SHA-512 \
        -X "sasl.username=$1" -X "sasl.password=$1-secret"
}

kafka_kcat() {
    local user=$1
    shift
    kcat -b "$KAFKA_BOOTSTRAP" -X security.protocol=SASL_PLAINTEXT -X sasl.mechanism=SCRAM-SHA-512 \
        -X "sasl.username=$user" -X "sasl.password=$user-secret" "$@"
}

kafka_down() {
    kill_proc kafka TERM
}
