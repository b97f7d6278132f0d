#!/usr/bin/env bash
# gfdx-namelist's agency duties (issue 12), on the dev broker and a real PostgreSQL:
#  - a carbon report of the ecology bureau is forwarded (ReportForwarded) on the district's
#    addressed topic gfdx.namelist-changes.500106 to the recipients the Shapingba plan names
#    (drc, finance), a financing report to drc and ecology; the same report from the housing
#    bureau is refused UNAUTHORIZED_SENDER and forwards nothing;
#  - NameListChanged v2 carries the added and updated entries themselves (name, industry type);
#  - MIIT publishes a national list (region 100000, level NATIONAL) on
#    gfdx.namelist-changes.100000; the same national list from a district bureau is refused;
#  - the watch (GFDX_TEST_WATCH_CLOCK_MS: 2027-03-01, after 2026H2 and its 20 working days of
#    grace): the green project entry without a 2026H2 carbon report is flagged once
#    (district.missing_report, ReportMissing), the one with a report is not; more rounds flag
#    nothing more.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_namelist.sh"
stack_up

eid() { printf 'c1200000-0000-4000-8000-%012d' "$1"; }
outcome() { psql_q "SELECT outcome || ' ' || coalesce(reason_code, '-') FROM district.message_log WHERE event_id = '$(eid "$1")'"; }
logged() {
  local ids="" n
  for n in "$@"; do ids="$ids${ids:+,}'$(eid "$n")'"; done
  wait_sql_eq "SELECT count(*) FROM district.message_log WHERE event_id IN ($ids)" $# 60
}
# rec EVENT SENDER TYPE JSON-FIELDS: one record
rec() {
  $PY - "$@" <<'PY'
import json, sys
ev, sender, typ, fields = sys.argv[1:]
r = {"$type": typ, "meta": {"sender": sender, "event_id": "c1200000-0000-4000-8000-%012d" % int(ev)}}
r.update(json.loads(fields))
print(json.dumps(r, ensure_ascii=False))
PY
}
ENTRIES='[{"entry_key": "SPB-GP-0001", "uscc": "91500106069056643N", "name": "重庆远恒电子信息股份有限公司",
  "project_name": "远恒智能工厂能效提升项目", "category_code": "1.3.5", "attributes": {"批次": "2026年第一批"},
  "industry_type": "LOW_CARBON_CLEAN"},
 {"entry_key": "SPB-GP-0002", "uscc": "91500106069056643N", "name": "重庆远恒电子信息股份有限公司",
  "project_name": "远恒余热回收项目", "category_code": "1.3.6", "attributes": {}, "industry_type": "CIRCULAR_EFFICIENT"}]'
GP="{\"list_id\": \"500106-DRC-GP\", \"kind\": \"GREEN_PROJECT\", \"title\": \"沙坪坝区绿色项目清单\",
  \"region\": \"500106\", \"version\": 1, \"mode\": \"FULL\", \"entries\": $ENTRIES}"
CARBON='{"list_id": "500106-DRC-GP", "entry_key": "SPB-GP-0001", "period": "2026H2", "co2_reduction_t": 1820.5,
  "energy_saving_tce": 640.0, "climate_finance": 3500000000, "climate_finance_note": "碳减排支持工具"}'
FIN='{"list_id": "500106-DRC-GP", "entry_key": "SPB-GP-0002", "period": "2026H2",
  "institution": "中国建设银行重庆沙坪坝支行", "product": "LOAN", "amount": 5000000000, "balance": 4200000000}'
NATIONAL="{\"list_id\": \"MIIT-GF-2026\", \"kind\": \"GREEN_FACTORY\", \"title\": \"国家级绿色工厂名单（2026年度）\",
  \"region\": \"100000\", \"version\": 1, \"mode\": \"FULL\", \"entries\": [{\"entry_key\": \"913101157000000002\",
  \"uscc\": \"91310115MA1K000003\", \"name\": \"上海某绿色制造有限公司\", \"attributes\": {\"级别\": \"国家级\"}}]}"

start_namelist
rec 1 d500106-drc NameListPublished "$GP" | nl_produce /dev/stdin
logged 1
rec 2 d500106-eco CarbonBenefitReported "$CARBON" | nl_produce /dev/stdin
rec 3 d500106-housing CarbonBenefitReported "$CARBON" | nl_produce /dev/stdin
rec 4 d500106-fin FinancingSupportReported "$FIN" | nl_produce /dev/stdin
rec 5 miit NameListPublished "$NATIONAL" | nl_produce /dev/stdin
rec 6 d500106-eit NameListPublished "$(echo "$NATIONAL" | sed 's/MIIT-GF-2026/EIT-NATIONAL/')" | nl_produce /dev/stdin
logged 2 3 4 5 6
assert_eq "the ecology bureau's carbon report accepted" "APPLIED -" "$(outcome 2)"
assert_eq "the same report from the housing bureau refused" "REFUSED UNAUTHORIZED_SENDER" "$(outcome 3)"
assert_eq "the finance bureau's financing report accepted" "APPLIED -" "$(outcome 4)"
assert_eq "MIIT's national list applied" "APPLIED -" "$(outcome 5)"
assert_eq "a national list from a district bureau refused" "REFUSED UNAUTHORIZED_SENDER" "$(outcome 6)"
assert_eq "the national list's level" "NATIONAL 100000" \
  "$(psql_q "SELECT level || ' ' || region FROM district.list WHERE list_id = 'MIIT-GF-2026'")"
assert_eq "the district list's level and the entries' industry types" "DISTRICT CIRCULAR_EFFICIENT,LOW_CARBON_CLEAN" \
  "$(psql_q "SELECT l.level || ' ' || string_agg(e.industry_type, ',' ORDER BY e.industry_type)
             FROM district.list l JOIN district.current_entry e USING (list_id)
             WHERE list_id = '500106-DRC-GP' GROUP BY l.level")"
wait_sql_eq "SELECT count(*) FROM district.outbox WHERE published_at IS NULL" 0 30
assert_eq "one ReportForwarded per accepted report, none for the refused one" 2 \
  "$(psql_q "SELECT count(*) FROM district.outbox WHERE record_type = 'ReportForwarded'")"
assert_eq "on the district topic" "gfdx.namelist-changes.500106" \
  "$(psql_q "SELECT string_agg(DISTINCT topic, ',') FROM district.outbox WHERE record_type = 'ReportForwarded'")"
assert_eq "the district topic carries NameListChanged and both forwards" 3 "$(kafka_count gfdx.namelist-changes.500106)"
assert_eq "the national topic carries the national list's NameListChanged" 1 "$(kafka_count gfdx.namelist-changes.100000)"

# Decode what was emitted (the outbox bytes: 10-byte header, then Avro of the latest schema).
psql_q "SELECT json_agg(json_build_object('type', record_type, 'hex', encode(value, 'hex')) ORDER BY id)
        FROM district.outbox WHERE record_type IN ('ReportForwarded', 'NameListChanged')" >"$GFDX_TEST_DIR/emitted.json"
$PY - "$GFDX_TEST_DIR/emitted.json" "$GFDX_SOURCE_DIR/schemas/avro" >"$GFDX_TEST_DIR/decoded.txt" <<'PY'
import io, json, sys
import avro.io, avro.schema
rows, d = json.load(open(sys.argv[1])), sys.argv[2]
sch = {"ReportForwarded": "report_forwarded.v1.avsc", "NameListChanged": "name_list_changed.v2.avsc"}
for r in rows:
    reader = avro.io.DatumReader(avro.schema.parse(open(f"{d}/{sch[r['type']]}").read()))
    v = reader.read(avro.io.BinaryDecoder(io.BytesIO(bytes.fromhex(r["hex"])[10:])))
    if r["type"] == "ReportForwarded":
        print("forward", v["record_type"], ",".join(v["recipients"]), v["co2_reduction_t"], v["amount"])
    else:
        print("changed", v["list_id"], v["level"], len(v["entries"]),
              ",".join(sorted((e["industry_type"] or "-") for e in v["entries"])), v["entries"][0]["name"])
PY
assert_eq "carbon forwarded to drc and finance with its figures" \
  "forward CarbonBenefitReported d500106-drc,d500106-fin 1820.5 None" "$(grep 'forward CarbonBenefitReported' "$GFDX_TEST_DIR/decoded.txt")"
assert_eq "financing forwarded to drc and ecology with its figures" \
  "forward FinancingSupportReported d500106-drc,d500106-eco None 5000000000" \
  "$(grep 'forward FinancingSupportReported' "$GFDX_TEST_DIR/decoded.txt")"
assert_eq "NameListChanged v2 carries the entries themselves" \
  "changed 500106-DRC-GP DISTRICT 2 CIRCULAR_EFFICIENT,LOW_CARBON_CLEAN 重庆远恒电子信息股份有限公司" \
  "$(grep 'changed 500106-DRC-GP' "$GFDX_TEST_DIR/decoded.txt")"
assert_eq "the national list's NameListChanged" "changed MIIT-GF-2026 NATIONAL 1 - 上海某绿色制造有限公司" \
  "$(grep 'changed MIIT-GF-2026' "$GFDX_TEST_DIR/decoded.txt")"
assert_eq "before the half-year ends nothing is flagged" 0 "$(psql_q "SELECT count(*) FROM district.missing_report")"

# ---- the watch: three months later -------------------------------------------------------
kill_proc namelist
GFDX_TEST_WATCH_CLOCK_MS=1803859200000 start_namelist watch 'watch: { interval_s = 1; };'  # 2027-03-01 00:00 UTC
wait_sql_eq "SELECT count(*) FROM district.missing_report" 1 30
assert_eq "the entry without a 2026H2 report flagged, the reported one not" "SPB-GP-0002 2026H2 91500106069056643N" \
  "$(psql_q "SELECT entry_key || ' ' || period || ' ' || uscc FROM district.missing_report")"
sleep 3 # three more rounds
assert_eq "flagged once: later rounds flag nothing more" "1 1" \
  "$(psql_q "SELECT (SELECT count(*) FROM district.missing_report) || ' ' ||
             (SELECT count(*) FROM district.outbox WHERE record_type = 'ReportMissing')")"
wait_sql_eq "SELECT count(*) FROM district.outbox WHERE published_at IS NULL" 0 30
psql_q "SELECT encode(value, 'hex') FROM district.outbox WHERE record_type = 'ReportMissing'" >"$GFDX_TEST_DIR/missing.hex"
assert_eq "ReportMissing to the ecology bureau and the report's recipients, on the district topic" \
  "SPB-GP-0002 2026H2 d500106-drc,d500106-eco,d500106-fin" "$($PY -c "
import io, avro.io, avro.schema
r = avro.io.DatumReader(avro.schema.parse(open('$GFDX_SOURCE_DIR/schemas/avro/report_missing.v1.avsc').read()))
v = r.read(avro.io.BinaryDecoder(io.BytesIO(bytes.fromhex(open('$GFDX_TEST_DIR/missing.hex').read().strip())[10:])))
print(v['entry_key'], v['period'], ','.join(v['recipients']))")"
assert_eq "the district topic carries it" 4 "$(kafka_count gfdx.namelist-changes.500106)"
assert_ok "gfdx-namelist still running" proc_alive watch
finish
