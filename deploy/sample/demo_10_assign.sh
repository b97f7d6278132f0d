# shellcheck shell=bash
# Demo step (sourced by deploy/demo.sh, issue 12, gfdx-push): no pushed need is left without
# a bank. A need reaches the banks registered for its branch and, for their information, every
# national head office (branches = ["national"]: pboc.dispatch.via HEAD_OFFICE); a need whose
# branch has no bank of its own has no bank organised for it yet. Its branch assigns banks with
# a signed BanksAssigned on gfdx.dispatch-assignments: the branch's own banks if the registry
# now has any, else three head offices (whose copies become assigned dispatches). Whatever
# cannot be assigned is left to the NO_BANK watch (push.no_bank_alert_days), which raises an
# AlertRaised to the branch. In scope: q, wait_until, PY, build, stack, env.

organised="SELECT 1 FROM pboc.dispatch d WHERE d.need_id = n.need_id AND d.status = 'ACTIVE' AND d.via <> 'HEAD_OFFICE'"
nobank_sql="SELECT count(*) FROM pboc.need n WHERE n.status = 'DISPATCHED' AND NOT EXISTS ($organised)"
stranded_sql="$nobank_sql AND NOT EXISTS (SELECT 1 FROM pboc.alert a WHERE a.need_id = n.need_id AND a.status = 'OPEN')"
demo_before=$(q "$nobank_sql")
demo_disp0=$(q "SELECT count(*) FROM pboc.dispatch")
demo_nd0=$(q "SELECT count(*) FROM pboc.outbox WHERE record_type = 'NeedDispatched'")
echo "demo: pushed needs with no bank before assignment: $demo_before"
echo "demo:   needs also sent to the national head offices (for their information): $(q "SELECT count(DISTINCT need_id)
  FROM pboc.dispatch WHERE via = 'HEAD_OFFICE' AND status = 'ACTIVE'") of $(q "SELECT count(*) FROM pboc.need WHERE status = 'DISPATCHED'")"

# One BanksAssigned per need without a bank, from its branch (signed with the branch's key of
# $GFDX_KEYS_DIR by gfdx produce).
assignments=$stack/sample-assignments.jsonl
q "SELECT n.need_id || ' ' || n.branch_id FROM pboc.need n WHERE n.status = 'DISPATCHED' AND NOT EXISTS ($organised)
   ORDER BY 1" |
  $PY -c '
import collections, json, re, sys
banks, heads = collections.defaultdict(list), []
for line in open(sys.argv[1], encoding="utf-8"):
    line = re.sub(r"(^|\s)#.*$", "", line)  # comments; the # of a key id (prov-310000#2026a) is not one
    m = re.search(r"id\s*=\s*\"([^\"]+)\";.*kind\s*=\s*\"bank\".*branches\s*=\s*\[([^\]]*)\]", line)
    for b in re.findall(r"\"([^\"]+)\"", m.group(2)) if m else []:
        (heads if b == "national" else banks[b]).append(m.group(1))
for line in sys.stdin:
    if not line.strip():
        continue
    need, branch = line.split()
    chosen = banks[branch] or heads[:3]
    if chosen:
        print(json.dumps({"$type": "BanksAssigned", "meta": {"sender": branch}, "need_id": need,
                          "bank_ids": chosen, "comment": "分行组织对接：本辖区银行，或全国性银行总行"}, ensure_ascii=False))
' "$GFDX_PARTICIPANTS" >"$assignments"
demo_assigned=$(grep -c . "$assignments" || true)
if [ "$demo_assigned" -gt 0 ]; then
  "$build/tools/cli/gfdx" produce -q --brokers "$GFDX_KAFKA_BOOTSTRAP" --topic gfdx.dispatch-assignments <"$assignments"
  wait_until "gfdx-push (BanksAssigned)" \
    "SELECT count(*) FROM pboc.message_log WHERE record_type = 'BanksAssigned'" "$demo_assigned"
  wait_until "pboc outbox" "SELECT (count(*) FILTER (WHERE published_at IS NULL) = 0)::int FROM pboc.outbox" 1
fi
echo "demo:   BanksAssigned sent by the branches: $demo_assigned (accepted $(q "SELECT count(*) FROM pboc.message_log
  WHERE record_type = 'BanksAssigned' AND outcome = 'APPLIED'"), refused $(q "SELECT count(*) FROM pboc.rejection
  WHERE record_type = 'BanksAssigned'"))"
echo "demo:   dispatches organised by assignment: $(q "SELECT count(*) FROM pboc.dispatch WHERE via = 'ASSIGNED'")\
 (new $(( $(q "SELECT count(*) FROM pboc.dispatch") - demo_disp0 )), head offices' copies taken up $(q "SELECT count(*)
  FROM pboc.dispatch WHERE via = 'ASSIGNED' AND bank_id LIKE '%-hq'")),\
 NeedDispatched forwarded to the branches: $(( $(q "SELECT count(*) FROM pboc.outbox WHERE record_type = 'NeedDispatched'") - demo_nd0 ))"
echo "demo: pushed needs with no bank after assignment: $(q "$nobank_sql"), of them with an open NO_BANK alert: $(q "SELECT count(*)
  FROM pboc.alert WHERE kind = 'NO_BANK' AND status = 'OPEN'"), silently stranded: $(q "$stranded_sql")"
