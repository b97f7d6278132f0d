#!/usr/bin/env bash
# Operating gfdx-intake: --check-config (secrets masked, errors named, exit codes), --version,
# the /metrics endpoint, SIGHUP reload (a broken registry keeps the old one), SIGTERM exit 0.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
stack_up
INTAKE=$GFDX_BUILD_DIR/services/intake/gfdx-intake
cfg=$(daemon_config intake miit gfdx.needs gfdx.matching-status)

# --check-config: effective configuration with the password masked.
secret_cfg=$GFDX_TEST_DIR/secret.cfg
sed 's/conninfo = "\(.*\)"/conninfo = "\1 password=TopSecret42"/' "$cfg" >"$secret_cfg"
out=$("$INTAKE" --config "$secret_cfg" --check-config 2>&1) && rc=0 || rc=$?
assert_eq "--check-config on a valid file exits 0" 0 "$rc"
assert_ok "--check-config prints the effective batch size" grep -q "batch.max_records = 200;" <<<"$out"
assert_ok "--check-config masks the password" grep -q "password=\*\*\*\*" <<<"$out"
assert_fails "--check-config never prints the password" grep -q TopSecret42 <<<"$out"
bad_cfg=$GFDX_TEST_DIR/bad.cfg
sed 's/max_records = [0-9]*/max_records = 0/' "$cfg" >"$bad_cfg"
out=$("$INTAKE" --config "$bad_cfg" --check-config 2>&1) && rc=0 || rc=$?
assert_eq "--check-config on an invalid file exits 1" 1 "$rc"
assert_ok "the error names the setting" grep -q "batch.max_records" <<<"$out"
"$INTAKE" --config "$bad_cfg" >/dev/null 2>&1 && rc=0 || rc=$?
assert_eq "starting with an invalid config exits 2" 2 "$rc"
assert_ok "--version" "$INTAKE" --version
"$INTAKE" --bogus >/dev/null 2>&1 && rc=0 || rc=$?
assert_eq "unknown option exits 2" 2 "$rc"

# A running daemon with metrics and its own copy of the participant registry.
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cp "$GFDX_PARTICIPANTS" "$GFDX_TEST_DIR/participants.cfg" # with the stack's keys
run_cfg=$GFDX_TEST_DIR/run.cfg
sed "s#participants = \".*\";#participants = \"$GFDX_TEST_DIR/participants.cfg\";#" "$cfg" >"$run_cfg"
echo "metrics: { port = $port; };" >>"$run_cfg"
spawn intake "$INTAKE" --config "$run_cfg"
stream=$GFDX_TEST_DIR/stream.jsonl
/usr/bin/python3 "$GFDX_SOURCE_DIR/deploy/sample/make_needs.py" --seed 3 --count 10 --out "$stream"
produce <"$stream"
total=$(grep -c . "$stream")
wait_sql_eq "SELECT count(*) FROM intake.message_log" "$total" 60
metrics() { /usr/bin/python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$port/metrics').read().decode())"; }
metric_is() { metrics | grep -q "^$1{service=\"intake\"} $2\$"; }
wait_for "metrics count every consumed record" 10 metric_is gfdx_records_consumed_total "$total"
assert_ok "metrics expose the lag gauge" grep -q '^gfdx_consumer_lag{' <<<"$(metrics)"

# SIGHUP with a broken registry: the old one stays, the daemon goes on.
echo "this is not libconfig" >"$GFDX_TEST_DIR/participants.cfg"
kill -HUP "$(spawn_pid intake)"
wait_for "failed reload is reported" 10 grep -q "participant registry not reloaded" "$GFDX_TEST_DIR/intake.log"
echo '{"need_id":"NONE-1","decision":"APPROVED","reviewer":"x","comment":null}' | produce --type NeedReviewed --sender prov-310000
wait_sql_eq "SELECT reason_code FROM intake.rejection WHERE entity_id = 'NONE-1'" UNAUTHORIZED_SENDER 30
cp "$GFDX_PARTICIPANTS" "$GFDX_TEST_DIR/participants.cfg" # with the stack's keys
kill -HUP "$(spawn_pid intake)"
wait_for "good reload is reported" 10 grep -q "SIGHUP: reloaded" "$GFDX_TEST_DIR/intake.log"

kill_proc intake TERM
assert_eq "SIGTERM exits 0" 0 "$KILL_STATUS"
assert_ok "left the group cleanly" grep -q "stopped" "$GFDX_TEST_DIR/intake.log"
finish
