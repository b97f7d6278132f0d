#!/usr/bin/env bash
# 1,100 idle half-requests to /metrics (a slowloris) while the daemon runs with 1,024 file
# descriptors (ulimit -n, what many hosts give a service without LimitNOFILE): libmicrohttpd's
# connection limit, per-IP limit and timeout keep descriptors for the daemon's own work, so
# after its PostgreSQL connection is cut it reconnects and goes on applying records, and
# the endpoint serves scrapes again once the idle connections time out.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
stack_up
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cfg=$(daemon_config intake miit gfdx.needs gfdx.matching-status)
echo "metrics: { port = $port; };" >>"$cfg"
spawn intake bash -c "ulimit -n 1024 && exec '$GFDX_BUILD_DIR/services/intake/gfdx-intake' --config '$cfg'"
scrape() { /usr/bin/python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$port/metrics', timeout=5).read().decode())"; }
wait_for "/metrics answers" 30 scrape
wait_for "schema migrated" 30 psql_q "SELECT count(*) FROM intake.outbox"

# The flood: 1,100 connections, each with a request line and no end of headers, held 45 s.
/usr/bin/python3 - "$port" >"$GFDX_TEST_DIR/flood.log" 2>&1 <<'PY' &
import resource, socket, sys, time
resource.setrlimit(resource.RLIMIT_NOFILE, (4096, max(4096, resource.getrlimit(resource.RLIMIT_NOFILE)[1])))
held = []
for _ in range(1100):
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect(("127.0.0.1", int(sys.argv[1])))
    except BlockingIOError:
        pass
    held.append(s)
time.sleep(1)
for s in held:
    try:
        s.send(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
    except OSError:
        pass
print("holding", len(held), flush=True)
time.sleep(45)
PY
flood=$!
wait_for "1,100 connections opened" 20 grep -q "holding 1100" "$GFDX_TEST_DIR/flood.log"
sleep 2
fds=$(ls /proc/"$(spawn_pid intake)"/fd 2>/dev/null | wc -l)
echo "# daemon holds $fds descriptors during the flood"

# Cut the daemon's PostgreSQL connection: reconnecting needs a new descriptor.
psql_q "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'intake'" >/dev/null
stream=$GFDX_TEST_DIR/stream.jsonl
/usr/bin/python3 "$GFDX_SOURCE_DIR/deploy/sample/make_needs.py" --seed 7 --count 10 --out "$stream"
produce <"$stream"
total=$(grep -c . "$stream")
wait_sql_eq "SELECT count(*) FROM intake.message_log" "$total" 40
wait_sql_eq "SELECT count(*) FROM intake.outbox WHERE published_at IS NULL" 0 30
assert_ok "daemon alive" proc_alive intake
assert_fails "no descriptor starvation in the log" grep -q "Too many open files" "$GFDX_TEST_DIR/intake.log"
wait_for "/metrics serves a scrape again (idle connections timed out)" 60 scrape
kill "$flood" 2>/dev/null || true
kill_proc intake TERM
assert_eq "SIGTERM: clean exit 0" 0 "$KILL_STATUS"
finish
