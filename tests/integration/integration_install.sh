#!/usr/bin/env bash
# `cmake --install` (issue 8, item 17): into a DESTDIR, the binaries land in
# /usr/local/bin, the Avro schemas and SQL migrations in /usr/local/share/gfdx/schemas, the
# configuration in /etc/gfdx (where the systemd units read it) and the units in
# /usr/local/lib/systemd/system; each installed daemon, started as its unit starts it
# (--check-config on /etc/gfdx/<svc>.cfg), takes its defaults from the installed files, none
# from the build or source tree; a second install keeps an edited configuration.
source "$(dirname "$0")/lib.sh"
GFDX_TEST_DIR=$(mktemp -d "/tmp/gfdx-$_T_NAME.XXXXXX")
d=$GFDX_TEST_DIR
root=$d/root
status_of() { local rc=0; "$@" >"$d/out" 2>"$d/err" || rc=$?; echo "$rc"; }

prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$GFDX_BUILD_DIR/CMakeCache.txt")
assert_eq "test set-up: the build installs into /usr/local (as the units expect)" /usr/local "$prefix"
assert_eq "cmake --install with DESTDIR succeeds" 0 "$(DESTDIR=$root status_of cmake --install "$GFDX_BUILD_DIR")"
for b in gfdx gfdx-intake gfdx-push gfdx-feedback gfdx-namelist gfdx-devbroker; do
  assert_ok "binary $b in /usr/local/bin" test -x "$root/usr/local/bin/$b"
done
n_avsc=$(ls "$GFDX_SOURCE_DIR"/schemas/avro/*.avsc | wc -l)
assert_eq "every Avro schema installed" "$n_avsc" "$(ls "$root"/usr/local/share/gfdx/schemas/avro/*.avsc | wc -l)"
n_sql=$(find "$GFDX_SOURCE_DIR/schemas/sql" -name '*.sql' | wc -l)
assert_eq "every SQL migration installed" "$n_sql" "$(find "$root/usr/local/share/gfdx/schemas/sql" -name '*.sql' | wc -l)"
for c in intake push feedback namelist participants calendar routing topics; do
  assert_ok "configuration $c.cfg in /etc/gfdx" cmp -s "$GFDX_SOURCE_DIR/deploy/$c.cfg" "$root/etc/gfdx/$c.cfg"
done
for svc in intake push feedback namelist; do
  unit=$root/usr/local/lib/systemd/system/gfdx-$svc.service
  assert_ok "unit gfdx-$svc.service installed" test -f "$unit"
  start_pre=$(sed -n 's/^ExecStartPre=//p' "$unit" 2>/dev/null || true)
  # the unit's own command, run inside the DESTDIR tree
  read -r -a cmd <<<"$start_pre"
  assert_eq "the unit's ExecStartPre names installed files" \
    "/usr/local/bin/gfdx-$svc --config /etc/gfdx/$svc.cfg --check-config" "$start_pre"
  assert_eq "installed gfdx-$svc --check-config on the installed config: valid" 0 \
    "$(status_of "$root${cmd[0]}" "${cmd[1]}" "$root${cmd[2]}" "${cmd[3]}")"
  assert_ok "... schemas from /usr/local/share/gfdx" \
    grep -qF "paths.schemas = \"$root/usr/local/share/gfdx/schemas/avro\";" "$d/out"
  assert_ok "... migrations from /usr/local/share/gfdx" \
    grep -qF "paths.migrations = \"$root/usr/local/share/gfdx/schemas/sql\";" "$d/out"
  assert_ok "... participants and calendar from /etc/gfdx" \
    grep -qF "paths.participants = \"$root/etc/gfdx/participants.cfg\";" "$d/out"
  assert_ok "... calendar from /etc/gfdx" grep -qF "paths.calendar = \"$root/etc/gfdx/calendar.cfg\";" "$d/out"
  assert_fails "... nothing from the source or build tree" grep -qE "$GFDX_SOURCE_DIR|$GFDX_BUILD_DIR" "$d/out"
done
assert_ok "push: the routing table from /etc/gfdx" \
  grep -qF "push.routing = \"$root/etc/gfdx/routing.cfg\";" <("$root/usr/local/bin/gfdx-push" --config "$root/etc/gfdx/push.cfg" --check-config)

# The build tree's own binary keeps the source tree (tests and the demo need no install).
assert_ok "the build tree's gfdx-intake still uses the source tree" grep -qF "paths.schemas = \"$GFDX_SOURCE_DIR/schemas/avro\";" \
  <("$GFDX_BUILD_DIR/services/intake/gfdx-intake" --config "$GFDX_SOURCE_DIR/deploy/intake.cfg" --check-config)

echo '# edited by the operator' >>"$root/etc/gfdx/intake.cfg"
assert_eq "a second install succeeds" 0 "$(DESTDIR=$root status_of cmake --install "$GFDX_BUILD_DIR")"
assert_ok "... and keeps the operator's edited configuration" grep -q 'edited by the operator' "$root/etc/gfdx/intake.cfg"
rm -rf "$d"
finish
