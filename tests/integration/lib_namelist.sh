# shellcheck shell=bash
# lib_namelist.sh: gfdx-namelist helpers for integration and fault tests (source after lib.sh
# and lib_daemons.sh).
#
#   namelist_config NAME [EXTRA]   writes $GFDX_TEST_DIR/nl-NAME.cfg (EXTRA: libconfig text appended,
#                                  e.g. 'namelist: { apply_pause_ms = 3000; };'), prints its path
#   start_namelist [NAME] [EXTRA]  spawns gfdx-namelist with that config
#   nl_make_large SEED ENTRIES PART_SIZE  a directory of ENTRIES entries, two FULL versions in
#                                  parts: $NL_EXPECT, $NL_TOTAL records, $NL_PARTS per version,
#                                  $GFDX_TEST_DIR/v1.jsonl and v2.jsonl
#   nl_produce FILE                produces a make_namelists.py stream (lz4: the dev broker keeps
#                                  about 5 MiB per partition and a large list is one partition)
#   nl_versions LIST               number of applied versions of a list
#   nl_check_ledger EXPECT MODE    compares the ledger with make_namelists.py --expect, one
#                                  check per line; MODE content (every entry of every version,
#                                  diffs, reports) or digest (large lists: digests and counts)
#   nl_check_changed EXPECT        decodes every NameListChanged in district.outbox and compares
#                                  the keys with the versions the model applied
PY=/usr/bin/python3
NL_MAKE="$GFDX_SOURCE_DIR/deploy/sample/make_namelists.py"

namelist_config() {
  local name=$1 extra=${2:-} cfg out="$GFDX_TEST_DIR/nl-$1.cfg"
  cfg=$(daemon_config namelist d500106-fin gfdx.namelists)
  cp "$cfg" "$out"
  printf '%s\n' "$extra" >>"$out"
  echo "$out"
}

start_namelist() {
  local name=${1:-namelist} cfg
  cfg=$(namelist_config "$name" "${2:-}")
  spawn "$name" "$(service_bin namelist)" --config "$cfg"
}

nl_make_large() {
  local big=$GFDX_TEST_DIR/big.jsonl
  NL_EXPECT=$GFDX_TEST_DIR/big.expect.json
  $PY "$NL_MAKE" --seed "$1" --large "$2" --large-versions 2 --part-size "$3" --out "$big" --expect "$NL_EXPECT"
  NL_TOTAL=$(grep -c . "$big")
  NL_PARTS=$((NL_TOTAL / 2))
  head -n "$NL_PARTS" "$big" >"$GFDX_TEST_DIR/v1.jsonl"
  tail -n "+$((NL_PARTS + 1))" "$big" >"$GFDX_TEST_DIR/v2.jsonl"
}

nl_produce() { produce -X compression.codec=lz4 <"$1"; }

nl_versions() { psql_q "SELECT count(*) FROM district.list_version WHERE list_id = '$1'"; }

# Runs a Python checker (stdin: its source, args: its arguments) that prints "ok<TAB>desc" /
# "fail<TAB>desc" lines, and reports each in this shell (no pipe: the counters must survive).
_nl_checker() {
  local out=$GFDX_TEST_DIR/checker.out st msg
  if ! $PY - "$@" >"$out" 2>"$out.err"; then
    fail "checker failed: $(tail -3 "$out.err" | tr '\n' ' ')"
  fi
  while IFS=$'\t' read -r st msg; do
    if [ "$st" = ok ]; then pass "$msg"; else fail "$msg"; fi
  done <"$out"
}

# The ledger as one JSON document (district.list, list_version with rebuilt digests, reports,
# leftovers); with content, every version rebuilt by district.list_at and the diffs between
# consecutive versions and between the first and the last by district.list_diff.
_nl_dump() {
  local content=$1
  psql_q "SELECT json_build_object(
    'lists', (SELECT json_object_agg(list_id, json_build_object('kind', kind, 'region', region,
               'publisher', publisher, 'version', current_version, 'entry_count', entry_count))
              FROM district.list),
    'versions', (SELECT json_agg(json_build_object('list_id', list_id, 'version', version, 'mode', mode,
               'title', title, 'parts', part_count, 'prev', previous_version, 'added', added,
               'updated', updated, 'removed', removed, 'entry_count', entry_count, 'digest', content_md5,
               'rebuilt', district.list_digest(list_id, version), 'events', cardinality(event_ids),
               'eff', (extract(epoch FROM effective_at) * 1000)::bigint,
               'entries', CASE WHEN $content THEN (SELECT coalesce(json_object_agg(a.entry_key, json_build_object(
                   'uscc', a.uscc, 'name', a.name, 'project_name', a.project_name,
                   'category_code', a.category_code, 'attributes', a.attributes)), '{}')
                 FROM district.list_at(v.list_id, v.version) a) END,
               'diff_prev', CASE WHEN $content AND previous_version IS NOT NULL THEN (SELECT json_object_agg(d.change,
                   d.keys) FROM (SELECT change, json_agg(entry_key ORDER BY entry_key COLLATE \"C\") AS keys
                   FROM district.list_diff(v.list_id, v.previous_version, v.version) GROUP BY change) d) END)
               ORDER BY list_id, version) FROM district.list_version v),
    'first_last', CASE WHEN $content THEN (SELECT json_object_agg(l.list_id, (SELECT coalesce(json_object_agg(
                   d.change, d.n), '{}') FROM (SELECT change, count(*) AS n FROM district.list_diff(l.list_id,
                   (SELECT min(version) FROM district.list_version WHERE list_id = l.list_id), l.current_version)
                   GROUP BY change) d)) FROM district.list l) END,
    'carbon', (SELECT coalesce(json_agg(row_to_json(c) ORDER BY list_id, entry_key, period), '[]') FROM
               (SELECT list_id, entry_key, period, uscc, co2_reduction_t, energy_saving_tce, climate_finance,
                climate_finance_note, reported_by, revision FROM district.carbon_report) c),
    'financing', (SELECT coalesce(json_agg(row_to_json(f) ORDER BY list_id, entry_key, period, institution, product),
               '[]') FROM (SELECT list_id, entry_key, period, institution, product, product_name, uscc, amount,
               balance, rate_bp, reported_by, revision FROM district.financing_report) f),
    'abandoned', (SELECT coalesce(json_agg(json_build_object('list_id', list_id, 'version', version,
               'parts_received', parts_received, 'part_count', part_count, 'superseded_by', superseded_by)), '[]')
               FROM district.abandoned_version),
    'current', (SELECT count(*) FROM district.current_entry),
    'history_rows', (SELECT count(*) FROM district.entry_version),
    'staged', (SELECT count(*) FROM district.staged_part) + (SELECT count(*) FROM district.staged_entry)
              + (SELECT count(*) FROM district.staged_removal) + (SELECT count(*) FROM district.change_key))"
}

nl_check_ledger() {
  local expect=$1 mode=${2:-content} content=false
  [ "$mode" = content ] && content=true
  _nl_dump "$content" >"$GFDX_TEST_DIR/ledger.json"
  _nl_checker "$expect" "$GFDX_TEST_DIR/ledger.json" "$mode" <<'PY'
import json, sys
exp, act, mode = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]

def check(ok, desc, detail=""):
    print(("ok" if ok else "fail") + "\t" + desc + ("" if ok else ": " + str(detail)[:400]))

lists = exp["lists"]
check(sorted(act["lists"] or {}) == sorted(lists), f"the ledger holds the {len(lists)} expected lists",
      sorted(act["lists"] or {}))
for lid, e in sorted(lists.items()):
    a = (act["lists"] or {}).get(lid, {})
    check((a.get("kind"), a.get("region"), a.get("publisher"), a.get("version")) ==
          (e["kind"], e["region"], e["publisher"], e["version"]), f"{lid}: kind, region, owner and version", a)
vers = {(v["list_id"], str(v["version"])): v for v in act["versions"] or []}
nvers = sum(len(e["versions"]) for e in lists.values())
check(len(vers) == nvers, f"{nvers} applied versions recorded", len(vers))
bad = []
for lid, e in sorted(lists.items()):
    for v, ev in sorted(e["versions"].items(), key=lambda kv: int(kv[0])):
        av = vers.get((lid, v))
        if not av:
            bad.append(f"{lid} v{v} missing")
            continue
        counts = lambda d: [len(d[k]) if isinstance(d[k], list) else d[k] for k in ("added", "updated", "removed")]
        want = (ev["mode"], ev["title"], ev["parts"], ev["prev"], counts(ev), ev["entry_count"], ev["digest"], ev["eff"])
        got = (av["mode"], av["title"], av["parts"], av["prev"], counts(av), av["entry_count"], av["digest"], av["eff"])
        if want != got:
            bad.append(f"{lid} v{v}: want {want}, got {got}")
        if av["rebuilt"] != ev["digest"]:
            bad.append(f"{lid} v{v}: list_digest(rebuilt) {av['rebuilt']} != published {ev['digest']}")
        if av["events"] != ev["parts"]:
            bad.append(f"{lid} v{v}: {av['events']} event ids for {ev['parts']} parts")
        if mode == "content":
            if av["entries"] != ev["entries"]:
                diff = sorted(set(av["entries"] or {}) ^ set(ev["entries"]))[:3] or [
                    k for k in ev["entries"] if av["entries"].get(k) != ev["entries"][k]][:2]
                bad.append(f"{lid} v{v}: list_at differs from what was published ({diff})")
            if ev["prev"] is not None:
                d = av["diff_prev"] or {}
                got = (d.get("ADDED", []), d.get("UPDATED", []), d.get("REMOVED", []))
                if got != (ev["added"], ev["updated"], ev["removed"]):
                    bad.append(f"{lid} v{ev['prev']}->v{v}: list_diff {got} != {ev['added'], ev['updated'], ev['removed']}")
check(not bad, f"every version (counts, digest, time{', content, diff' if mode == 'content' else ''}) equals the model",
      "; ".join(bad[:4]))
check(all(v["rebuilt"] == v["digest"] for v in act["versions"] or []),
      "district.list_digest of every rebuilt version equals the digest recorded when it was applied")
if mode == "content":
    bad = []
    for lid, e in lists.items():
        vs = sorted(e["versions"], key=int)
        first, last = e["versions"][vs[0]]["entries"], e["versions"][vs[-1]]["entries"]
        want = {"ADDED": sum(k not in first for k in last), "REMOVED": sum(k not in last for k in first),
                "UPDATED": sum(k in first and first[k] != last[k] for k in last)}
        got = {k: (act["first_last"] or {}).get(lid, {}).get(k, 0) for k in want}
        if got != want:
            bad.append(f"{lid}: {got} != {want}")
    check(not bad, "list_diff between the first and the last version of every list equals the model", bad[:3])
current = sum(e["versions"][str(e["version"])]["entry_count"] for e in lists.values())
check(act["current"] == current, f"district.current_entry holds the {current} entries valid now", act["current"])
if mode == "digest":
    rows = sum(v["added"] + v["updated"] for e in lists.values() for v in e["versions"].values())
    check(act["history_rows"] == rows, f"entry_version holds exactly {rows} rows (no duplicate, no loss)",
          act["history_rows"])
check(act["staged"] == 0 if not exp["pending"] else act["staged"] > 0,
      "no staged parts or change keys left behind" if not exp["pending"] else "the pending version is staged",
      act["staged"])
def norm(rows, drop):
    key = lambda r: tuple(str(r.get(k)) for k in ("list_id", "entry_key", "period", "institution", "product"))
    return sorted(({k: v for k, v in r.items() if k not in drop} for r in rows), key=key)
check(norm(act["carbon"], ()) == norm(exp["carbon"], ("meta",)),
      f"district.carbon_report equals the model ({len(exp['carbon'])} rows)",
      next((f"{a} != {b}" for a, b in zip(act["carbon"], exp["carbon"]) if a != b), len(act["carbon"])))
check(norm(act["financing"], ()) == norm(exp["financing"], ("meta",)),
      f"district.financing_report equals the model ({len(exp['financing'])} rows)",
      next((f"{a} != {b}" for a, b in zip(act["financing"], exp["financing"]) if a != b), len(act["financing"])))
check(act["abandoned"] == exp["abandoned"], "abandoned (superseded incomplete) versions equal the model",
      act["abandoned"])
PY
}

nl_check_changed() {
  local expect=$1
  psql_q "SELECT coalesce(json_agg(encode(value, 'hex') ORDER BY id), '[]') FROM district.outbox
          WHERE record_type = 'NameListChanged'" >"$GFDX_TEST_DIR/changed.json"
  _nl_checker "$expect" "$GFDX_TEST_DIR/changed.json" "$GFDX_SOURCE_DIR/schemas/avro/name_list_changed.v1.avsc" <<'PY'
import io, json, sys
import avro.io, avro.schema
exp, values = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
schema = avro.schema.parse(open(sys.argv[3]).read())
reader = avro.io.DatumReader(schema)
got = {}
for h in values:
    raw = bytes.fromhex(h)
    r = reader.read(avro.io.BinaryDecoder(io.BytesIO(raw[10:])))
    g = got.setdefault((r["list_id"], str(r["version"])), {"parts": [], "added": [], "updated": [], "removed": []})
    g["parts"].append((r["part"], r["part_count"]))
    for k in ("added", "updated", "removed"):
        g[k] += r[k]
    g["head"] = (r["kind"], r["mode"], r["previous_version"], r["entry_count"], r["added_count"],
                 r["updated_count"], r["removed_count"], r["publisher"])
bad = []
want_n = 0
for lid, e in exp["lists"].items():
    for v, ev in e["versions"].items():
        want_n += 1
        g = got.get((lid, v))
        if not g:
            bad.append(f"{lid} v{v}: no NameListChanged")
            continue
        n = len(g["parts"])
        if sorted(g["parts"]) != [(i, n) for i in range(1, n + 1)]:
            bad.append(f"{lid} v{v}: parts {sorted(g['parts'])}")
        cnt = lambda x: x if isinstance(x, int) else len(x)
        head = (e["kind"], ev["mode"], ev["prev"], ev["entry_count"], cnt(ev["added"]), cnt(ev["updated"]),
                cnt(ev["removed"]), e["publisher"])
        if g["head"] != head:
            bad.append(f"{lid} v{v}: {g['head']} != {head}")
        for k in ("added", "updated", "removed"):
            if isinstance(ev[k], list) and sorted(g[k]) != ev[k]:
                bad.append(f"{lid} v{v}: {k} keys differ")
            if len(g[k]) != cnt(ev[k]) or len(set(g[k])) != len(g[k]):
                bad.append(f"{lid} v{v}: {len(g[k])} {k} keys carried, {cnt(ev[k])} expected, each once")
print(("ok" if len(got) == want_n else "fail") + f"\tone NameListChanged (in parts) per applied version: {want_n}"
      + ("" if len(got) == want_n else f": got {len(got)}"))
print(("ok" if not bad else "fail") + "\tNameListChanged carries exactly the added, updated and removed keys"
      + ("" if not bad else ": " + "; ".join(bad[:4])))
PY
}
