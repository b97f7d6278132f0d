#!/usr/bin/python3
"""worklist_check.py CALENDAR AS_OF REPORT.json: the ageing of every row of a `gfdx report
worklist AS_OF --format json` checked against an independent count of working days: the
days after the row's `since` date up to AS_OF, Monday-Friday unless a listed holiday, or a
listed make-up working day (deploy/calendar.cfg, read here with a small parser of its own).
Prints "ok - ..." / "not ok - ..." lines; exit 1 if any failed."""
import datetime as dt
import json
import re
import sys

cal_text = open(sys.argv[1], encoding="utf-8").read()
def dates(name):
    m = re.search(name + r"\s*=\s*\[(.*?)\]", cal_text, re.S)
    body = re.sub(r"#[^\n]*", "", m.group(1)) if m else ""
    return {dt.date.fromisoformat(d) for d in re.findall(r'"(\d{4}-\d{2}-\d{2})"', body)}
holidays, workdays = dates("holidays"), dates("workdays")

def working(d):
    return d in workdays or (d.weekday() < 5 and d not in holidays)

def ageing(since, as_of):
    d, n = since + dt.timedelta(days=1), 0
    while d <= as_of:
        n += working(d)
        d += dt.timedelta(days=1)
    return n

as_of = dt.date.fromisoformat(sys.argv[2])
report = json.load(open(sys.argv[3], encoding="utf-8"))
bad, rows = [], 0
for tid, t in report["tables"].items():
    for r in t["rows"]:
        rows += 1
        want = ageing(dt.date.fromisoformat(r["since"]), as_of)
        if r["ageing_days"] != want:
            bad.append((tid, r.get("need_id"), r["since"], r["ageing_days"], want))
print(("ok" if not bad else "not ok") + f" - {rows} rows aged in working days as counted independently {bad[:3]}")
nr = report["tables"]["not_recommended"]["rows"]
if nr:
    m, y = as_of.month, as_of.year
    end = dt.date(y + (m > 9), (3 * ((m - 1) // 3 + 1)) % 12 + 1, 1) - dt.timedelta(days=1)
    while not working(end):
        end -= dt.timedelta(days=1)
    ok = all(r["deadline"] == end.isoformat() and r["days_left"] == ageing(as_of, end) for r in nr)
    print(("ok" if ok else "not ok") + f" - deadline {end} and the working days left ({ageing(as_of, end)})")
    bad += [] if ok else ["deadline"]
sys.exit(1 if bad else 0)
