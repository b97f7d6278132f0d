#!/usr/bin/env bash
# meta.occurred_at's allowed clock skew is a setting (limits.occurred_at_ahead_s,
# limits.occurred_at_behind_days): a record ten minutes ahead of our clock is accepted with
# the default (one day) and refused INVALID_FIELD when the daemon allows 60 s; a record from
# 40 days ago is refused when the daemon allows 30 days.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
PY=/usr/bin/python3
stack_up

base=$GFDX_TEST_DIR/base.jsonl
$PY "$GFDX_SOURCE_DIR/deploy/sample/make_needs.py" --seed 5 --count 3 --out "$base" 2>/dev/null
# submitted N OFFSET_MS: the generator's first NeedSubmitted as need GFN-2026-310000-7100N,
# event id ...N, occurred_at now + OFFSET_MS.
submitted() {
  $PY - "$base" "$1" "$2" <<'PY'
import json, sys, time
base, n, off = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
r = next(json.loads(l) for l in open(base) if json.loads(l)["$type"] == "NeedSubmitted")
r = {k: v for k, v in r.items() if not k.startswith("_")}
r["need_id"] = "GFN-2026-310000-7100%d" % n
r["meta"]["event_id"] = "7100000%d-0000-4000-8000-000000000000" % n
r["meta"]["occurred_at"] = int(time.time() * 1000) + off
print(json.dumps(r, ensure_ascii=False))
PY
}
code_of() { psql_q "SELECT CASE outcome WHEN 'REFUSED' THEN reason_code ELSE outcome END FROM intake.message_log
                    WHERE event_id = '7100000$1-0000-4000-8000-000000000000'"; }

cfg=$(daemon_config intake miit gfdx.needs gfdx.matching-status)
spawn intake "$GFDX_BUILD_DIR/services/intake/gfdx-intake" --config "$cfg"
submitted 1 600000 | produce
wait_sql_eq "SELECT count(*) FROM intake.message_log" 1 30
assert_eq "ten minutes ahead: accepted with the default skew (one day)" APPLIED "$(code_of 1)"
kill_proc intake TERM

strict=$GFDX_TEST_DIR/intake-strict.cfg
cp "$cfg" "$strict"
echo 'limits: { occurred_at_ahead_s = 60; occurred_at_behind_days = 30; };' >>"$strict"
assert_ok "the limits settings are valid settings" \
  "$GFDX_BUILD_DIR/services/intake/gfdx-intake" --config "$strict" --check-config
spawn intake2 "$GFDX_BUILD_DIR/services/intake/gfdx-intake" --config "$strict"
submitted 2 600000 | produce
submitted 3 $((-40 * 86400000)) | produce
submitted 4 0 | produce
wait_sql_eq "SELECT count(*) FROM intake.message_log" 4 30
assert_eq "ten minutes ahead with 60 s allowed: INVALID_FIELD" INVALID_FIELD "$(code_of 2)"
assert_eq "40 days old with 30 days allowed: INVALID_FIELD" INVALID_FIELD "$(code_of 3)"
assert_eq "now: accepted" APPLIED "$(code_of 4)"
assert_ok "the reason names meta.occurred_at" \
  grep -q "meta.occurred_at" <<<"$(psql_q "SELECT string_agg(reason, ' ') FROM intake.rejection")"
finish
