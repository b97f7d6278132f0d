#!/usr/bin/python3
"""xlsx_vs_csv.py WORKBOOK REPORT.json DIR: checks a gfdx XLSX report with an independent
reader (openpyxl) against the same report's CSV (DIR/<table id>.csv, one per table) and JSON.

For every table of the JSON form, in order, the workbook has a sheet (in the same order)
whose heading row (row 4) holds the columns' labels and whose rows below hold the CSV's
cells: numbers of INT/DEC columns as numeric cells equal to the CSV's numbers, text as text;
the total row in bold; the heading rows frozen (pane at A5). Prints one line per check
("ok - ..." / "not ok - ...") and exits 1 if any failed."""
import csv
import json
import sys

import openpyxl

failed = 0


def check(ok, what):
    global failed
    print(("ok - " if ok else "not ok - ") + what)
    if not ok:
        failed += 1


def number(cell):
    return float(cell) if cell not in ("", None) else None


def main():
    book, report_json, csv_dir = sys.argv[1:4]
    wb = openpyxl.load_workbook(book)
    report = json.load(open(report_json, encoding="utf-8"))
    tables = list(report["tables"].items())
    check(len(wb.sheetnames) == len(tables), f"one sheet per table ({len(tables)})")
    for (tid, t), ws in zip(tables, wb.worksheets):
        check(len(ws.title) <= 31, f"{tid}: sheet name {ws.title!r} within Excel's 31 characters")
        check(report["title"] in (ws["A1"].value or ""), f"{tid}: the report's title in A1")
        if t.get("deployed") is False:
            check(ws["A4"].value == t.get("note"), f"{tid}: not available: its note in A4")
            continue
        check(ws.freeze_panes == "A5", f"{tid}: heading rows frozen (pane {ws.freeze_panes})")
        rows = list(csv.reader(open(f"{csv_dir}/{tid}.csv", encoding="utf-8", newline="")))
        keys, body = rows[0], rows[1:]
        cols = t["columns"]
        labels = [ws.cell(row=4, column=c + 1).value for c in range(len(cols))]
        check(labels == [c.get("label") or c["key"] for c in cols], f"{tid}: headings are the labels")
        check(keys == [c["key"] for c in cols], f"{tid}: the CSV's header is the keys")
        mismatches = []
        for r, line in enumerate(body):
            for c, col in enumerate(cols):
                v = ws.cell(row=5 + r, column=c + 1).value
                if col["kind"] in ("integer", "decimal") and line[c] != "":
                    if not isinstance(v, (int, float)) or abs(v - float(line[c])) > 1e-9:
                        mismatches.append((r, col["key"], v, line[c]))
                elif (v or "") != line[c]:
                    mismatches.append((r, col["key"], v, line[c]))
        check(not mismatches, f"{tid}: {len(body)} rows equal the CSV's cells {mismatches[:3]}")
        if t.get("total"):
            last = ws.cell(row=4 + len(body), column=1)
            check(bool(last.font and last.font.b), f"{tid}: the total row is bold")
    sys.exit(1 if failed else 0)


main()
