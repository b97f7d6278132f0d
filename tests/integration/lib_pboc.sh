# shellcheck shell=bash
# lib_pboc.sh: gfdx-push (and PBoC-side) helpers for integration tests (source after lib.sh
# and lib_daemons.sh).
#
#   start_push [NAME]               gfdx-push with the standard test config (participant pboc,
#                                   consuming gfdx.miit-pushes and gfdx.dispatch-assignments;
#                                   the registry without head offices unless PUSH_HEAD_OFFICES=1)
#   make_pushes COUNT SEED          $GFDX_TEST_DIR/pushes.jsonl: one NeedPushed per need of a
#                                   make_needs.py stream, and pushes.expect.json (sets PUSHES, NPUSH)
#   push_expect EXPR                a value of pushes.expect.json, e.g. push_expect '["dispatch_rows"]'
#   pushed_line NEED_ID             the NeedPushed line of that need (for variants)
#   dispatch_records TOPIC          the records on a gfdx.dispatch.<branch> topic, decoded with
#                                   python3-avro from schemas/avro (one JSON object a line,
#                                   "$type" and "$key" added)
#   dispatch_count TOPIC TYPE N     at least N records of TYPE on TOPIC (for wait_for)
#   topic_ends TOPIC...             "TOPIC END_OFFSET" per one-partition topic, one kcat query
#                                   (the record count: the dev broker keeps them all)

PY=/usr/bin/python3

# start_push [NAME]: the registry the daemon reads is the stack's without its national head
# offices (branches = ["national"]), unless PUSH_HEAD_OFFICES=1: the flows' tests count the
# dispatches of the branches' own banks, and 26 head offices would add 26 to every need
# (head offices and BanksAssigned are tested by integration_push_assign.sh).
start_push() {
  local name=${1:-push}
  local cfg reg=${GFDX_PARTICIPANTS:-$GFDX_SOURCE_DIR/deploy/participants.cfg}
  if [ "${PUSH_HEAD_OFFICES:-0}" != 1 ]; then
    grep -v '^[[:space:]]*{.*branches = \["national"\]' "$reg" >"$GFDX_TEST_DIR/participants-branch-banks.cfg"
    reg=$GFDX_TEST_DIR/participants-branch-banks.cfg
  fi
  cfg=$(GFDX_PARTICIPANTS=$reg daemon_config push pboc gfdx.miit-pushes gfdx.dispatch-assignments)
  spawn "$name" "$GFDX_BUILD_DIR/services/push/gfdx-push" --config "$cfg"
}

# make_pushes COUNT SEED: NeedPushed lines as gfdx-intake would write them, built from the
# NeedSubmitted lines of deploy/sample/make_needs.py. The expectation is computed here from
# DESIGN §6.2 (not from routing.cfg): branch of each need, dispatch rows from the banks listed
# in deploy/participants.cfg, NeedDispatched records per branch topic.
make_pushes() {
  local count=$1 seed=$2
  PUSHES=$GFDX_TEST_DIR/pushes.jsonl
  $PY "$GFDX_SOURCE_DIR/deploy/sample/make_needs.py" --seed "$seed" --count "$count" \
    --out "$GFDX_TEST_DIR/needs.jsonl" 2>/dev/null
  $PY - "$GFDX_TEST_DIR/needs.jsonl" "$GFDX_SOURCE_DIR/deploy/participants.cfg" "$PUSHES" \
    "$GFDX_TEST_DIR/pushes.expect.json" <<'PYEOF'
import collections, json, re, sys
needs_path, participants_path, out_path, expect_path = sys.argv[1:]
PLAN_CITIES = {"2102", "3302", "3502", "3702", "4403"}  # 大连 宁波 厦门 青岛 深圳

def branch_of(province, location):
    if location[:4] in PLAN_CITIES:
        return "pbc-" + location[:4] + "00"
    return "pbc-hq-sh" if province == "310000" else "pbc-" + province

banks = collections.defaultdict(list)  # branch -> banks, file order
for line in open(participants_path, encoding="utf-8"):
    line = line.split("#", 1)[0]
    m = re.search(r'id\s*=\s*"([^"]+)";.*kind\s*=\s*"bank".*branches\s*=\s*\[([^\]]*)\]', line)
    if m:
        for b in re.findall(r'"([^"]+)"', m.group(2)):
            banks[b].append(m.group(1))

pushes, routes, per_branch = [], {}, collections.Counter()
for i, line in enumerate(open(needs_path, encoding="utf-8")):
    r = json.loads(line)
    if r["$type"] != "NeedSubmitted":
        continue
    f, p = r["factory"], r["project"]
    rec = {"$type": "NeedPushed", "meta": {"sender": "miit", "occurred_at": r["meta"]["occurred_at"] + 86400000},
           "need_id": r["need_id"], "quarter": "2026Q1", "late": len(pushes) % 7 == 3,
           "is_major": r["is_major"], "priority_tags": ["GREEN_FACTORY"] if len(pushes) % 3 == 0 else [],
           "recommended_by": "prov-" + f["province"], "batch_id": f"B-{f['province']}-2026Q1-01",
           "factory": f, "project": {k: v for k, v in p.items()}, "contact": r["contact"]}
    pushes.append(rec)
    routes[r["need_id"]] = branch_of(f["province"], p["location_region"])
    per_branch[routes[r["need_id"]]] += 1
with open(out_path, "w", encoding="utf-8") as out:
    for rec in pushes:
        out.write(json.dumps(rec, ensure_ascii=False) + "\n")
expect = {"needs": len(pushes), "routes": routes, "per_branch": per_branch,
          "dispatch_rows": sum(len(banks[b]) for b in routes.values()),
          "banks": {b: banks[b] for b in per_branch},
          "no_bank_needs": sum(1 for b in routes.values() if not banks[b])}
json.dump(expect, open(expect_path, "w"), ensure_ascii=False)
PYEOF
  # shellcheck disable=SC2034 # read by the test
  NPUSH=$(grep -c . "$PUSHES")
}

push_expect() {
  $PY -c "import json; print(json.load(open('$GFDX_TEST_DIR/pushes.expect.json'))$1)"
}

pushed_line() { grep -m1 "\"need_id\": \"$1\"" "$PUSHES"; }

# dispatch_records TOPIC: decodes every record on TOPIC with python3-avro, independently of
# our C decoder: the writer schema is the one of schemas/avro whose CRC-64-AVRO fingerprint
# (Python's, from tests/unit/avro/gen_python_fixtures.py) is in the single-object header.
# An unknown fingerprint prints null.
dispatch_records() {
  kcat -C -b "$GFDX_KAFKA_BOOTSTRAP" -t "$1" -e -q -f '%K:%k%R%s' 2>/dev/null |
    $PY -c '
import glob, io, json, struct, subprocess, sys
import avro.io, avro.schema
sys.path.insert(0, sys.argv[3])
from gen_python_fixtures import crc64_avro  # the spec fingerprint, written once in Python
schemas = {}  # python3-avro 1.11 writes {"type":"long"} for logical types: canonical form from our CLI
for path in glob.glob(sys.argv[1] + "/*.avsc"):
    canon = subprocess.run([sys.argv[2], "schema", "canonical", path], capture_output=True, check=True).stdout
    schemas[crc64_avro(canon.strip())] = avro.schema.parse(open(path, encoding="utf-8").read())
data = sys.stdin.buffer.read()
pos = 0
while pos < len(data):
    colon = data.index(b":", pos)
    klen = int(data[pos:colon]); pos = colon + 1
    key = data[pos:pos + max(klen, 0)].decode(); pos += max(klen, 0)
    (vlen,) = struct.unpack(">i", data[pos:pos + 4]); pos += 4
    value = data[pos:pos + vlen]; pos += vlen
    s = schemas.get(struct.unpack("<Q", value[2:10])[0]) if value[:2] == b"\xc3\x01" else None
    rec = avro.io.DatumReader(s).read(avro.io.BinaryDecoder(io.BytesIO(value[10:]))) if s else None
    print(json.dumps(dict(rec, **{"$type": s.name, "$key": key}) if rec else None, ensure_ascii=False,
                     default=lambda t: round(t.timestamp() * 1000)))  # timestamp-millis: datetime
' "$GFDX_SOURCE_DIR/schemas/avro" "$GFDX_CLI" "$GFDX_SOURCE_DIR/tests/unit/avro"
}

# dispatch_count TOPIC TYPE N: at least N records of TYPE on TOPIC.
dispatch_count() {
  [ "$(dispatch_records "$1" | grep -c "\"\\\$type\": \"$2\"")" -ge "$3" ]
}

# topic_ends TOPIC...: end offsets of partition 0 (the gfdx.dispatch.* topics have one).
topic_ends() {
  local args=() t
  for t in "$@"; do args+=(-t "$t:0:-1"); done
  kcat -Q -b "$GFDX_KAFKA_BOOTSTRAP" "${args[@]}" 2>/dev/null | awk '{ print $1, $4 }'
}
