#!/usr/bin/env bash
# The deadline clock (DESIGN §8, issue 9): the quarter of a NeedRecommended is decided by the
# record's broker time (LogAppendTime on Apache Kafka's input topics; on the dev broker, or a
# CreateTime topic, the time gfdx received it) in China time, never by meta.occurred_at.
#  - backdated: quarter = the previous quarter, occurred_at in the middle of it (the old code
#    kept it, not late); it lands in the quarter of today and is marked late;
#  - on time: quarter = today's quarter, occurred_at = now: kept, not late;
#  - major, backdated: the named quarter is kept, not late (a major need is exempt).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
PY=/usr/bin/python3
stack_up

# prev, cur, next quarter of today in China time, and the ms of the previous quarter's middle;
# within the last 10 days of a quarter the quarter of today may already be the next one (its
# last working day passed), so "cur" is then either.
read -r prev cur next mid_prev tail_days <<<"$($PY -c '
import datetime as dt
cn = dt.timezone(dt.timedelta(hours=8)); d = dt.datetime.now(cn).date()
q = (d.month - 1) // 3 + 1
def qs(y, q): return "%dQ%d" % (y, q)
py, pq = (d.year, q - 1) if q > 1 else (d.year - 1, 4)
ny, nq = (d.year, q + 1) if q < 4 else (d.year + 1, 1)
mid = dt.datetime(py, 3 * pq - 1, 15, 12, tzinfo=cn)
end = dt.date(ny, 3 * nq - 2, 1) - dt.timedelta(days=1)
print(qs(py, pq), qs(d.year, q), qs(ny, nq), int(mid.timestamp() * 1000), (end - d).days)')"
echo "# requested $prev, occurred_at $mid_prev (middle of $prev); today in $cur, $tail_days days before its end"

$PY "$GFDX_SOURCE_DIR/deploy/sample/make_needs.py" --seed 13 --count 1 --out "$GFDX_TEST_DIR/t.jsonl" >/dev/null
template=$(grep -m1 '"NeedSubmitted"' "$GFDX_TEST_DIR/t.jsonl")
need() { # ID MAJOR
  echo "$template" | $PY -c '
import json, sys
r = json.load(sys.stdin); r["need_id"] = sys.argv[1]; r["is_major"] = sys.argv[2] == "true"
r["factory"]["province"], r["project"]["location_region"] = "310000", "310115"
r["meta"] = {"sender": "miit"}
print(json.dumps(r, ensure_ascii=False))' "$@"
}
start_intake
for n in "T-BACK false" "T-NOW false" "T-MAJOR true"; do
  set -- $n
  need "$1" "$2" | produce
  echo "{\"need_id\":\"$1\",\"decision\":\"APPROVED\",\"reviewer\":\"审核人\",\"comment\":null}" |
    produce --type NeedReviewed --sender prov-310000
done
wait_sql_eq "SELECT count(*) FROM intake.need WHERE status = 'APPROVED'" 3 60
recommend() { # ID QUARTER [OCCURRED_AT_MS]
  local meta=""
  [ -n "${3:-}" ] && meta=",\"meta\":{\"occurred_at\":$3}"
  echo "{\"need_id\":\"$1\",\"quarter\":\"$2\",\"batch_id\":\"B-DL\"$meta}" |
    produce --type NeedRecommended --sender prov-310000
}
recommend T-BACK "$prev" "$mid_prev"
recommend T-NOW "$cur"
recommend T-MAJOR "$prev" "$mid_prev"
wait_sql_eq "SELECT count(*) FROM intake.need WHERE status IN ('RECOMMENDED', 'PUSHED')" 3 60
row() { psql_q "SELECT quarter || ' ' || late FROM intake.need WHERE need_id = '$1'"; }
back=$(row T-BACK)
if [ "$tail_days" -ge 10 ]; then
  assert_eq "backdated into $prev: lands in today's quarter, late" "$cur true" "$back"
else
  assert_ok "backdated into $prev: lands in today's quarter (or the next one), late" \
    grep -qx "\\($cur\\|$next\\) true" <<<"$back"
fi
assert_eq "the requested quarter is kept beside it" "$prev" \
  "$(psql_q "SELECT requested_quarter FROM intake.need WHERE need_id = 'T-BACK'")"
if [ "$tail_days" -ge 10 ]; then
  assert_eq "on time: today's quarter, not late" "$cur false" "$(row T-NOW)"
fi
assert_eq "major, backdated: the named quarter, not late" "$prev false" "$(row T-MAJOR)"
finish
