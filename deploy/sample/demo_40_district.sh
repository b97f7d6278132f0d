# shellcheck shell=bash
# demo step 40 (issue 12, the district side, gfdx-namelist): sourced by deploy/demo.sh after
# the four flows. Shows the district bureaus' reports forwarded to the recipients the
# Shapingba plan names (ReportForwarded on gfdx.namelist-changes.500106), NameListChanged v2
# carrying the entries, the national lists MIIT published, and the priority tags by list
# region (a 沙坪坝 list tags only 沙坪坝 enterprises, MIIT's national lists every one).
wait_until "district outbox" "SELECT (count(*) FILTER (WHERE published_at IS NULL) = 0)::int FROM district.outbox" 1
echo "demo: district: $(q "SELECT count(*) FROM district.outbox WHERE record_type = 'ReportForwarded'") ReportForwarded records" \
  "on gfdx.namelist-changes.500106 (reports stored: $(q "SELECT count(*) FROM district.carbon_report") carbon, $(q "SELECT count(*) FROM district.financing_report") financing)"
q "SELECT encode(value, 'hex') FROM district.outbox WHERE record_type = 'ReportForwarded' ORDER BY id" |
  $PY -c '
import io, sys, collections
import avro.io, avro.schema
reader = avro.io.DatumReader(avro.schema.parse(open(sys.argv[1]).read()))
by = collections.Counter()
co2 = fin = 0.0
first = None
for h in sys.stdin:
    v = reader.read(avro.io.BinaryDecoder(io.BytesIO(bytes.fromhex(h.strip())[10:])))
    by[(v["record_type"], ",".join(v["recipients"]))] += 1
    co2 += v["co2_reduction_t"] or 0
    fin += (v["amount"] or 0) / 100
    first = first or (v["record_type"] == "CarbonBenefitReported" and v)
for (t, to), n in sorted(by.items()):
    print(f"demo: district: {n} {t} forwarded to {to}")
print(f"demo: district: forwarded figures: CO2 reduction {co2:,.1f} t, financing granted {fin / 1e4:,.0f} 万元")
if first:
    to = ",".join(first["recipients"])
    what = " ".join([first["list_id"], first["entry_key"], first["period"]])
    co = first["co2_reduction_t"]
    print(f"demo: district: e.g. {what}: CO2 reduction {co:,.1f} t -> {to}")
' "$top/schemas/avro/report_forwarded.v1.avsc"
echo "demo: district: NameListChanged v2: $(q "SELECT count(*) FROM district.outbox WHERE record_type = 'NameListChanged'") records," \
  "lists by level: $(q "SELECT string_agg(level || ' ' || n, ', ' ORDER BY level) FROM (SELECT level, count(*) AS n FROM district.list GROUP BY 1) l")"
# Priority tags by the list's region (gfdx-intake, intake_priority.h): entries whose list does
# not cover the enterprise's USCC region give no tag.
echo "demo: district: priority tags by list region: $(q "SELECT count(*) FILTER (WHERE covers) || ' entries of needs'
  || chr(39) || ' factories tag (' || count(*) FILTER (WHERE covers AND region = '100000') || ' from national lists), '
  || count(*) FILTER (WHERE NOT covers) || ' do not (a list of another region)'
  FROM (SELECT e.region, (e.region = '100000' OR (e.region LIKE '__0000' AND substr(e.uscc, 3, 2) = substr(e.region, 1, 2))
               OR (e.region NOT LIKE '__0000' AND e.region LIKE '____00' AND substr(e.uscc, 3, 4) = substr(e.region, 1, 4))
               OR substr(e.uscc, 3, 6) = e.region) AS covers
          FROM district.current_entry e WHERE e.uscc IN (SELECT uscc FROM intake.need)) x")"
echo "demo: district: needs tagged: $(q "SELECT count(*) FILTER (WHERE cardinality(priority_tags) > 0) || ' of ' || count(*)
  || ' (Chongqing ' || count(*) FILTER (WHERE cardinality(priority_tags) > 0 AND province = '500000') || ', elsewhere '
  || count(*) FILTER (WHERE cardinality(priority_tags) > 0 AND province <> '500000') || ')' FROM intake.need")"
echo "demo: district: e.g. $(q "SELECT n.factory_name || ' (USCC region ' || substr(n.uscc, 3, 6) || ') is on ' || e.list_id
  || ' (region ' || e.region || '): tags {' || array_to_string(n.priority_tags, ',') || '}, no ' || e.kind
  FROM intake.need n JOIN district.current_entry e USING (uscc)
  WHERE e.list_id = '500106-EIT-GF' AND substr(n.uscc, 3, 6) <> '500106' ORDER BY n.need_id LIMIT 1")"
