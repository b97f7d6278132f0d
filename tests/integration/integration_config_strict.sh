#!/usr/bin/env bash
# Strict configuration (issue 8, item 16), as pgbouncer: an unknown setting in a daemon's
# file is an error naming its path, at start-up (exit 2) and in --check-config (exit 1),
# whether it is a daemon setting (batch.max_recrods used to pass with "configuration
# valid") or one of the service's own groups (feedback.*, push.*, namelist.*); every
# shipped deploy/*.cfg is valid; --check-config marks as reloadable only what SIGHUP
# re-reads. Nothing gets as far as PostgreSQL or Kafka.
source "$(dirname "$0")/lib.sh"
GFDX_TEST_DIR=$(mktemp -d "/tmp/gfdx-$_T_NAME.XXXXXX")
d=$GFDX_TEST_DIR
status_of() { local rc=0; "$@" >"$d/out" 2>"$d/err" || rc=$?; echo "$rc"; }

# shipped SVC EXTRA [SED]: deploy/SVC.cfg edited by SED (e.g. a line added inside a group),
# plus EXTRA at the end.
shipped() {
  { sed "${3:-}" "$GFDX_SOURCE_DIR/deploy/$1.cfg"; printf '%s\n' "$2"; } >"$d/$1.cfg"
  echo "$d/$1.cfg"
}

for svc in intake push feedback namelist; do
  assert_eq "deploy/$svc.cfg is valid" 0 "$(status_of "$(service_bin "$svc")" --config "$(shipped $svc "")" --check-config)"
done
assert_eq "--check-config marks exactly the participant registry and the calendar reloadable" \
  "paths.participants paths.calendar" "$(grep -v '^#' "$d/out" | grep '(reloadable)' | cut -d' ' -f1 | xargs)"

# typo SVC EXTRA SETTING [SED]: the daemon refuses the file at start-up and in --check-config.
typo() {
  local bin cfg
  bin=$(service_bin "$1")
  cfg=$(shipped "$1" "$2" "${4:-}")
  assert_ok "test set-up: ${3##*.} is in the file" grep -q "${3##*.}" "$cfg"
  assert_eq "$1 with $3: start-up exits 2" 2 "$(status_of timeout 20 "$bin" --config "$cfg")"
  assert_ok "... naming the unknown setting $3" grep -qF "unknown setting $3" "$d/err"
  assert_eq "$1 with $3: --check-config exits 1" 1 "$(status_of timeout 20 "$bin" --config "$cfg" --check-config)"
  assert_fails "... and does not say valid" grep -q 'configuration valid' "$d/out"
  assert_ok "... naming it" grep -qF "unknown setting $3" "$d/err"
}
typo intake 'outbox: { max_rows = 10; flush_timout_ms = 100; };' outbox.flush_timout_ms
typo intake 'max_backoff_ms = 100;' max_backoff_ms
typo feedback 'retry: { max_backof_ms = 100; };' retry.max_backof_ms
typo push '' push.routng 's|^push: {|push: { routng = "/etc/gfdx/routing.cfg";|'
typo namelist '' namelist.publishers.ecologie 's|^  publishers: {|  publishers: { ecologie = ["GREEN_PROJECT"];|' 
typo feedback 'bacth: { max_records = 10; };' bacth
typo intake 'intak: { matching_status_sender = "pboc"; };' intak
typo intake 'intake: { matching_status_sendr = "pboc"; };' intake.matching_status_sendr
# The case of the issue: batch.max_recrods in intake's own file.
sed 's/batch: { max_records = 500;/batch: { max_recrods = 500;/' "$GFDX_SOURCE_DIR/deploy/intake.cfg" >"$d/typo.cfg"
assert_ok "test set-up: the typo is in the file" grep -q max_recrods "$d/typo.cfg"
assert_eq "intake with batch.max_recrods: start-up exits 2" 2 \
  "$(status_of timeout 20 "$(service_bin intake)" --config "$d/typo.cfg")"
assert_ok "... naming batch.max_recrods" grep -qF 'unknown setting batch.max_recrods' "$d/err"
assert_eq "... and --check-config says invalid" 1 \
  "$(status_of timeout 20 "$(service_bin intake)" --config "$d/typo.cfg" --check-config)"
rm -rf "$d"
finish
