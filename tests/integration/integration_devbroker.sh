#!/usr/bin/env bash
# gfdx-devbroker: options, topics from deploy/topics.cfg, produce/consume round trip with
# kcat, consumer groups, and a clean stop on SIGTERM.
source "$(dirname "$0")/lib.sh"

TOPICS_CFG=$GFDX_SOURCE_DIR/deploy/topics.cfg

# --- Options, without a running broker -------------------------------------------------
assert_eq "--version prints the version" "gfdx-devbroker $(sed -n 's/^project(gfdx VERSION \([0-9.]*\).*/\1/p' "$GFDX_SOURCE_DIR/CMakeLists.txt")" \
    "$("$GFDX_DEVBROKER" --version)"
assert_ok "--help exits 0" "$GFDX_DEVBROKER" --help
status=0
"$GFDX_DEVBROKER" --brokers 0 2>/dev/null || status=$?
assert_eq "--brokers 0 is a usage error" 2 "$status"

stack_up

bad=$GFDX_TEST_DIR/bad-topics.cfg
printf 'topics = ( { name = "a b"; partitions = 1; } );\n' >"$bad"
status=0
"$GFDX_DEVBROKER" --topics "$bad" --bootstrap-file "$GFDX_TEST_DIR/never.addr" 2>"$GFDX_TEST_DIR/bad.err" || status=$?
assert_eq "an invalid topic name is refused with exit 1" 1 "$status"
assert_ok "the refusal names the file, line and topic" grep -qF 'bad-topics.cfg:1: topic \"a b\"' "$GFDX_TEST_DIR/bad.err"
assert_fails "no bootstrap file after a refusal" test -e "$GFDX_TEST_DIR/never.addr"
printf 'topics = ( { name = "x"; partitions = 1; }, { name = "x"; partitions = 2; } );\n' >"$bad"
assert_fails "a topic listed twice is refused" "$GFDX_DEVBROKER" --topics "$bad" --check-config

# Independent reading of topics.cfg (a regex, not the C parser) vs --check-config.
expected_topics=$(grep -o 'name = "[^"]*"; *partitions = [0-9]*' "$TOPICS_CFG" |
    sed 's/name = "\([^"]*\)"; *partitions = \([0-9]*\)/\1 \2/' | sort)
assert_eq "topics.cfg lists 8 flow topics (gfdx.audit and gfdx.platform-filings included) + 36 dispatch topics" 44 "$(echo "$expected_topics" | wc -l)"
assert_eq "--check-config reads the same topics as the file says" "$expected_topics" \
    "$("$GFDX_DEVBROKER" --topics "$TOPICS_CFG" --check-config 2>/dev/null | sort)"

# --- The stack's broker -----------------------------------------------------------------
B=$GFDX_KAFKA_BOOTSTRAP
assert_ok "bootstrap address is 127.0.0.1:PORT" grep -qE '^127\.0\.0\.1:[0-9]+$' <<<"$B"
assert_ok "the log is logfmt with service=devbroker" \
    grep -qE '^ts=[0-9T:.-]+Z level=info service=devbroker .*msg="ready"' "$GFDX_STACK_DIR/devbroker.log"

# Every topic of topics.cfg exists with its partition count.
kcat -L -b "$B" -m 10 >"$GFDX_TEST_DIR/metadata.txt"
# (the stack's gfdx kafka apply adds the addressed ones, gfdx.receipts.<participant>, ...)
actual_topics=$(sed -n 's/^  topic "\([^"]*\)" with \([0-9]*\) partitions:$/\1 \2/p' "$GFDX_TEST_DIR/metadata.txt" | sort)
named=$(awk 'NR == FNR { want[$1] = 1; next } $1 in want' <(echo "$expected_topics") <(echo "$actual_topics"))
assert_eq "every topic exists with its partition count (kcat -L)" "$expected_topics" "$named"
assert_ok "the addressed topics exist too (gfdx kafka apply at start)" \
  grep -qE '^gfdx\.receipts\.miit [0-9]+$' <<<"$actual_topics"

# 100 keyed records to gfdx.needs, consumed back from the beginning.
for i in $(seq 1 100); do printf 'need-%03d\tpayload %d 沙坪坝区\n' "$i" "$i"; done >"$GFDX_TEST_DIR/sent.txt"
kcat -P -b "$B" -t gfdx.needs -K $'\t' -X enable.idempotence=true <"$GFDX_TEST_DIR/sent.txt"
kcat -C -b "$B" -t gfdx.needs -o beginning -e -q -f '%k\t%s\n' >"$GFDX_TEST_DIR/got.txt"
assert_eq "100 records consumed back" 100 "$(wc -l <"$GFDX_TEST_DIR/got.txt")"
assert_eq "keys and values round-trip (UTF-8 included)" "$(sort "$GFDX_TEST_DIR/sent.txt")" \
    "$(sort "$GFDX_TEST_DIR/got.txt")"
parts=$(kcat -C -b "$B" -t gfdx.needs -o beginning -e -q -f '%p\n' | sort -u | wc -l)
assert_ge "keys spread over several of the 6 partitions" 3 "$parts"
# Same key, same partition: need-007 produced twice lands where it was.
p1=$(kcat -C -b "$B" -t gfdx.needs -o beginning -e -q -f '%k %p\n' | awk '$1 == "need-007" { print $2 }')
printf 'need-007\tagain\n' | kcat -P -b "$B" -t gfdx.needs -K $'\t'
p2=$(kcat -C -b "$B" -t gfdx.needs -o beginning -e -q -f '%k %p %s\n' | awk '$1 == "need-007" && $3 == "again" { print $2 }')
assert_eq "a key always maps to the same partition" "$p1" "$p2"

# A consumer group (session.timeout.ms=6000, as the mock cluster needs) gets every record.
timeout 30 kcat -b "$B" -G devbroker-test -X session.timeout.ms=6000 -X auto.offset.reset=earliest \
    -e -q -f '%k\n' gfdx.needs >"$GFDX_TEST_DIR/group.txt" 2>"$GFDX_TEST_DIR/group.log" || true
assert_eq "a consumer group reads all 101 records" 101 "$(wc -l <"$GFDX_TEST_DIR/group.txt")"

# --- SIGTERM: a second broker, spawned here ---------------------------------------------
addr=$GFDX_TEST_DIR/second.addr
spawn devbroker2 "$GFDX_DEVBROKER" --topics "$TOPICS_CFG" --bootstrap-file "$addr" --brokers 3
wait_for "second broker (3 brokers) publishes its bootstrap file" 20 test -s "$addr"
assert_eq "bootstrap file lists 3 brokers" 3 "$(tr ',' '\n' <"$addr" | grep -cE '^127\.0\.0\.1:[0-9]+$')"
assert_eq "bootstrap file is one line ending with a newline" "1 0a" \
    "$(wc -l <"$addr") $(tail -c 1 "$addr" | od -An -tx1 | tr -d ' ')"
assert_ok "no temporary file is left beside it" test -z "$(ls "$addr".tmp.* 2>/dev/null)"
B2=$(cat "$addr")
printf 'k\tv\n' | kcat -P -b "$B2" -t gfdx.feedback -K $'\t'
assert_eq "second broker serves records" "k v" "$(kcat -C -b "$B2" -t gfdx.feedback -o beginning -e -q -f '%k %s\n')"
pid=$(spawn_pid devbroker2)
t0=$(date +%s%3N)
kill -TERM "$pid"
wait_for "SIGTERM stops the broker within 5 s" 5 pid_gone "$pid"
elapsed=$(($(date +%s%3N) - t0))
echo "# stopped in ${elapsed} ms"
kill_proc devbroker2
assert_eq "exit status 0 after SIGTERM" 0 "$KILL_STATUS"
assert_fails "bootstrap file removed" test -e "$addr"
assert_ok "stop is logged" grep -q 'msg="stopped"' "$GFDX_TEST_DIR/devbroker2.log"

finish
