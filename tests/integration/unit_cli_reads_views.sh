#!/usr/bin/env bash
# The CLI reads views, not private tables (issue 13; DESIGN §7): every <schema>.<name> that
# tools/cli/ names, in SQL, probes, help texts or comments, is a view (or a read-only
# function such as district.list_diff) that the schema's own migrations create
# (schemas/sql/<schema>/*.sql), or one of the tables every schema has by contract
# (rejection, dead_letter, message_log, outbox, kafka_offset); and every view has
# its COMMENT ON VIEW (the documented contract of its columns). Needs no database:
# the test reads the sources, so a private table slipped into a report fails here at once.
source "$(dirname "$0")/lib.sh"
out=$(/usr/bin/python3 - "$GFDX_SOURCE_DIR" <<'PY'
import glob, os, re, sys
top = sys.argv[1]
schemas = ("intake", "pboc", "feedback", "platform", "district")
contract = {"rejection", "dead_letter", "message_log", "outbox", "kafka_offset"}
views, tables, undocumented = {}, {}, []
for s in schemas:
    sql = "".join(open(f, encoding="utf-8").read() for f in glob.glob(os.path.join(top, "schemas/sql", s, "*.sql")))
    views[s] = set(re.findall(r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:VIEW|FUNCTION)\s+([a-z_]+)", sql, re.I))
    tables[s] = set(re.findall(r"CREATE\s+TABLE\s+([a-z_]+)", sql, re.I))
    commented = set(re.findall(r"COMMENT\s+ON\s+VIEW\s+([a-z_]+)", sql, re.I))
    for v in sorted(set(re.findall(r"CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+([a-z_]+)", sql, re.I)) - commented):
        undocumented.append("%s.%s" % (s, v))
name = re.compile(r"\b(" + "|".join(schemas) + r")\.([a-z_]+)\b")
named = bad = 0
for f in sorted(glob.glob(os.path.join(top, "tools/cli/*.[ch]"))):
    for no, line in enumerate(open(f, encoding="utf-8"), 1):
        for s, n in name.findall(line):
            if n == "c" or n == "h":          # a file name such as intake.c
                continue
            named += 1
            if n in views[s] or n in contract:
                continue
            bad += 1
            kind = "a private table" if n in tables[s] else "not a view of its migrations"
            print("%s:%d: %s.%s is %s" % (os.path.relpath(f, top), no, s, n, kind))
print("named %d" % named)
print("views %d" % sum(len(v) for v in views.values()))
print("bad %d" % bad)
for v in undocumented:
    print("undocumented view %s (no COMMENT ON VIEW in its migrations)" % v)
print("undocumented %d" % len(undocumented))
PY
)
{ echo "$out" | grep -v '^named\|^views\|^bad\|^undocumented [0-9]' || true; } | sed 's/^/# /'
assert_ge "the CLI names schema objects (the scan sees them)" 40 "$(echo "$out" | sed -n 's/^named //p')"
assert_ge "the migrations define views (the scan sees them)" 25 "$(echo "$out" | sed -n 's/^views //p')"
assert_eq "no private table or unknown relation named by the CLI" 0 "$(echo "$out" | sed -n 's/^bad //p')"
# Every view is documented: its column contract is a COMMENT ON VIEW in its migrations.
assert_eq "every view of every schema has a COMMENT ON VIEW" 0 "$(echo "$out" | sed -n 's/^undocumented //p')"
finish
