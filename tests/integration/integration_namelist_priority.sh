#!/usr/bin/env bash
# Priority-support tagging across services (DESIGN §6.1, §7): gfdx-namelist publishes the
# district lists, with the factories of a quarter of needs on the national lists (every 2nd
# on the green-factory list, every 3rd 专精特新, every 5th 小巨人); then gfdx-intake takes the
# needs and must tag each with exactly the kinds of the lists its factory is on now
# (district.current_entry), store them on intake.need and carry them in NeedPushed. A DELTA
# that takes a factory off a list changes the tags of its next submission only.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_daemons.sh"
source "$(dirname "$0")/lib_namelist.sh"
stack_up

needs=$GFDX_TEST_DIR/needs.jsonl lists=$GFDX_TEST_DIR/lists.jsonl expect=$GFDX_TEST_DIR/lists.expect.json
$PY "$GFDX_SOURCE_DIR/deploy/sample/make_needs.py" --seed 5 --count 40 --out "$needs"
$PY "$NL_MAKE" --seed 5 --needs "$needs" --part-size 20 --out "$lists" --expect "$expect"
tags_json=$GFDX_TEST_DIR/tags.json
$PY -c "import json; json.dump(json.load(open('$expect'))['tags'], open('$tags_json', 'w'))"
assert_ge "the needs' factories are on lists (tagged factories)" 10 \
  "$($PY -c "import json; print(sum(1 for t in json.load(open('$tags_json')).values() if t))")"
assert_ge "some factories are on several lists" 2 \
  "$($PY -c "import json; print(sum(1 for t in json.load(open('$tags_json')).values() if len(t) > 1))")"
assert_ge "and some on none" 5 "$($PY -c "import json; print(sum(1 for t in json.load(open('$tags_json')).values() if not t))")"

start_namelist
start_intake
nl_produce "$lists"
wait_sql_eq "SELECT count(*) FROM district.message_log" "$(grep -c . "$lists")" 90
assert_eq "every list record accepted" 0 "$(psql_q "SELECT count(*) FROM district.rejection")"

produce <"$needs"
wait_sql_eq "SELECT count(*) FROM intake.message_log" "$(grep -c . "$needs")" 90
wait_sql_eq "SELECT count(*) FROM intake.outbox WHERE published_at IS NULL" 0 30

# intake.need.priority_tags of every need against the model's lists.
psql_q "SELECT coalesce(json_object_agg(need_id, json_build_object('uscc', uscc, 'tags', to_json(priority_tags))), '{}')
        FROM intake.need" >"$GFDX_TEST_DIR/need_tags.json"
$PY - "$tags_json" "$GFDX_TEST_DIR/need_tags.json" >"$GFDX_TEST_DIR/tag_check.txt" <<'PY'
import json, sys
tags, needs = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
bad = [f"{n}: {v['tags']} != {tags.get(v['uscc'])}" for n, v in needs.items() if v["tags"] != tags.get(v["uscc"], [])]
print(len(needs), sum(1 for v in needs.values() if v["tags"]), "; ".join(bad[:3]) or "-")
PY
read -r n tagged bad <"$GFDX_TEST_DIR/tag_check.txt"
assert_eq "intake.need.priority_tags equals the kinds of the lists each factory is on ($n needs)" "-" "$bad"
assert_ge "needs carry tags" 10 "$tagged"

# NeedPushed as written to intake.outbox (decoded): the same tags.
psql_q "SELECT coalesce(json_agg(encode(value, 'hex')), '[]') FROM intake.outbox WHERE record_type = 'NeedPushed'" \
  >"$GFDX_TEST_DIR/pushed.json"
$PY - "$tags_json" "$GFDX_TEST_DIR/pushed.json" "$GFDX_SOURCE_DIR/schemas/avro/need_pushed.v1.avsc" \
  >"$GFDX_TEST_DIR/pushed_check.txt" <<'PY'
import io, json, sys
import avro.io, avro.schema
tags, values = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
reader = avro.io.DatumReader(avro.schema.parse(open(sys.argv[3]).read()))
recs = [reader.read(avro.io.BinaryDecoder(io.BytesIO(bytes.fromhex(h)[10:]))) for h in values]
bad = [f"{r['need_id']}: {r['priority_tags']}" for r in recs if r["priority_tags"] != tags.get(r["factory"]["uscc"], [])]
print(len(recs), sum(1 for r in recs if r["priority_tags"]), "; ".join(bad[:3]) or "-")
PY
read -r pushed ptagged pbad <"$GFDX_TEST_DIR/pushed_check.txt"
assert_ge "NeedPushed records written" 20 "$pushed"
assert_eq "every NeedPushed carries its factory's priority tags" "-" "$pbad"
assert_ge "NeedPushed records with tags" 5 "$ptagged"

# Take a tagged factory off the green-factory list (DELTA 4), then it files a new need.
uscc=$($PY -c "
import json; t = json.load(open('$tags_json'))
print(next(u for u, k in sorted(t.items()) if 'GREEN_FACTORY' in k))")
before=$(psql_q "SELECT array_to_string(priority_tags, ',') FROM intake.need WHERE uscc = '$uscc' LIMIT 1")
$PY - "$uscc" <<'PY' | produce
import json, sys
print(json.dumps({"$type": "NameListPublished", "meta": {"sender": "d500106-eit"}, "list_id": "500106-EIT-GF",
                  "kind": "GREEN_FACTORY", "title": "沙坪坝区绿色工厂名单（2026年第二批调整）", "region": "500106",
                  "version": 4, "mode": "DELTA", "entries": [], "removed_keys": [sys.argv[1]]}, ensure_ascii=False))
PY
wait_sql_eq "SELECT current_version FROM district.list WHERE list_id = '500106-EIT-GF'" 4 30
$PY - "$needs" "$uscc" <<'PY' | produce
import json, sys
r = next(r for r in map(json.loads, open(sys.argv[1], encoding="utf-8"))
         if r["$type"] == "NeedSubmitted" and r["factory"]["uscc"] == sys.argv[2])
r["need_id"], r["meta"] = "T-TAGS-AFTER-DELTA", {"sender": "miit"}
print(json.dumps(r, ensure_ascii=False))
PY
wait_sql_eq "SELECT count(*) FROM intake.need WHERE need_id = 'T-TAGS-AFTER-DELTA'" 1 30
after=$(psql_q "SELECT array_to_string(priority_tags, ',') FROM intake.need WHERE need_id = 'T-TAGS-AFTER-DELTA'")
assert_eq "the new need's tags lose GREEN_FACTORY" "$(echo "$before" | tr ',' '\n' | grep -vx GREEN_FACTORY | paste -sd,)" "$after"
assert_eq "the earlier need keeps the tags it was filed with" "$before" \
  "$(psql_q "SELECT array_to_string(priority_tags, ',') FROM intake.need WHERE uscc = '$uscc'
             AND need_id <> 'T-TAGS-AFTER-DELTA' ORDER BY submitted_at LIMIT 1")"
assert_ok "... and they included GREEN_FACTORY ($before)" grep -qw GREEN_FACTORY <<<"$before"
psql_q "SELECT encode(value, 'hex') FROM district.outbox WHERE record_type = 'NameListChanged'
        AND convert_from(key, 'UTF8') = '500106-EIT-GF' ORDER BY id DESC LIMIT 1" >"$GFDX_TEST_DIR/changed4.hex"
assert_eq "NameListChanged of version 4 tells the receivers which key left" "4 [] [] ['$uscc']" \
  "$($PY -c "
import io, avro.io, avro.schema
r = avro.io.DatumReader(avro.schema.parse(open('$GFDX_SOURCE_DIR/schemas/avro/name_list_changed.v1.avsc').read()))
v = r.read(avro.io.BinaryDecoder(io.BytesIO(bytes.fromhex(open('$GFDX_TEST_DIR/changed4.hex').read().strip())[10:])))
print(v['version'], v['added'], v['updated'], v['removed'])")"
assert_ok "both daemons still running" proc_alive namelist
assert_ok "gfdx-intake still running" proc_alive intake
finish
