#!/usr/bin/env bash
# Secrets in a daemon's configuration (issue 8, item 14). A conninfo libpq cannot parse is
# refused at start-up (exit 2) with an error that names postgres.conninfo and not the
# password (it used to be retried, and logged with its password, forever); the CLI says
# the same; --check-config (which a systemd ExecStartPre puts in the journal) prints no
# secret: neither libpq's dispchar-"*" options (password, sslpassword) nor librdkafka's
# sensitive properties. No PostgreSQL or broker is needed: nothing gets that far.
source "$(dirname "$0")/lib.sh"
GFDX_TEST_DIR=$(mktemp -d "/tmp/gfdx-$_T_NAME.XXXXXX")
d=$GFDX_TEST_DIR
intake=$(service_bin intake)
SECRET=Zq9-s3cret-value

# config CONNINFO [KAFKA_PAIRS]: a complete intake config with that conninfo.
config() {
  cat <<CFG
service: { name = "intake"; participant = "miit"; };
postgres: { conninfo = "$1"; };
paths: {
  schemas = "$GFDX_SOURCE_DIR/schemas/avro";
  migrations = "$GFDX_SOURCE_DIR/schemas/sql";
  participants = "$GFDX_SOURCE_DIR/deploy/participants.cfg";
  calendar = "$GFDX_SOURCE_DIR/deploy/calendar.cfg";
};
topics: { consume = ["gfdx.needs", "gfdx.matching-status"]; };
retry: { max_backoff_ms = 100; };
kafka = ( ("bootstrap.servers", "127.0.0.1:1")${2:-} );
CFG
}
status_of() { local rc=0; "$@" >"$d/out" 2>"$d/err" || rc=$?; echo "$rc"; }

for conninfo in "postgresql://gfdx:$SECRET@[::1/gfdx" "postgresql://gfdx:$SECRET@localhost/gfdx?nosuch=1" \
                "host=/tmp password='$SECRET"; do
  config "$conninfo" >"$d/bad.cfg"
  assert_eq "start-up with a malformed conninfo exits 2 at once ($conninfo)" 2 \
    "$(status_of timeout 20 "$intake" --config "$d/bad.cfg")"
  assert_ok "... says postgres.conninfo is the problem" grep -q 'postgres.conninfo: not a libpq connection string' "$d/err"
  assert_fails "... and its stderr holds no password" grep -qF "$SECRET" "$d/err" "$d/out"
  assert_eq "--check-config: invalid (exit 1)" 1 "$(status_of timeout 20 "$intake" --config "$d/bad.cfg" --check-config)"
  assert_fails "--check-config: no password in its output" grep -qF "$SECRET" "$d/err" "$d/out"
  assert_eq "gfdx --config with that file: a failure" 1 \
    "$(GFDX_PG_CONNINFO= status_of timeout 20 "$GFDX_CLI" rejections list --config "$d/bad.cfg")"
  assert_ok "... naming postgres.conninfo" grep -q 'postgres.conninfo' "$d/err"
  assert_fails "... without the password" grep -qF "$SECRET" "$d/err" "$d/out"
  assert_eq "gfdx --db with that conninfo: a failure" 1 "$(status_of timeout 20 "$GFDX_CLI" rejections list --db "$conninfo")"
  assert_fails "... without the password" grep -qF "$SECRET" "$d/err" "$d/out"
done

# A valid conninfo holding both libpq secrets, and every sensitive librdkafka property.
config "host=/tmp dbname=gfdx user=gfdx password=${SECRET}1 sslpassword=${SECRET}2" ",
  (\"security.protocol\", \"sasl_ssl\"), (\"sasl.mechanisms\", \"SCRAM-SHA-512\"),
  (\"sasl.username\", \"${SECRET}3\"), (\"sasl.password\", \"${SECRET}4\"),
  (\"sasl.oauthbearer.config\", \"principal=admin ${SECRET}5\"), (\"ssl.key.password\", \"${SECRET}6\"),
  (\"ssl.keystore.password\", \"${SECRET}7\"), (\"ssl.key.pem\", \"${SECRET}8\")" >"$d/good.cfg"
assert_eq "--check-config of a valid file: exit 0" 0 "$(status_of "$intake" --config "$d/good.cfg" --check-config)"
assert_ok "... configuration valid" grep -q 'configuration valid' "$d/out"
assert_fails "... no secret printed" grep -qF "$SECRET" "$d/out" "$d/err"
assert_ok "... password and sslpassword shown masked" grep -q 'password=\*\*\*\* .*sslpassword=\*\*\*\*' "$d/out"
assert_ok "... sasl.oauthbearer.config masked" grep -qF '("sasl.oauthbearer.config", "****")' "$d/out"
assert_ok "... what is not secret is shown" grep -qF '("sasl.mechanisms", "SCRAM-SHA-512")' "$d/out"
rm -rf "$d"
finish
