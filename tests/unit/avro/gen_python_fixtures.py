#!/usr/bin/python3
"""Generates python_fixtures.jsonl: single-object messages made by an INDEPENDENT Avro
implementation (Debian's python3-avro, avro.io.DatumWriter), for test_avro_serde.c.

Run with the system Python (python3-avro is a Debian package):
    /usr/bin/python3 tests/unit/avro/gen_python_fixtures.py > tests/unit/avro/python_fixtures.jsonl

Each line is one of
  {"kind": "schema", "file": F, "canonical": C, "fingerprint": "0x..."}
      python-avro's Parsing Canonical Form of F and its CRC-64-AVRO, computed here;
  {"kind": "datum", "schema": F, "json": J, "hex": H}
      H = C3 01 + little-endian fingerprint + DatumWriter's body for the datum, and J the
      same datum in gfdx's JSON convention (bytes/fixed as code points 0-255).
The C test decodes H and compares with J, and encodes J and compares with H.
"""
import io
import json
import os
import re
import sys
import warnings

import datetime

import avro.io
import avro.schema

HERE = os.path.dirname(os.path.abspath(__file__))
EMPTY = 0xC15D213AA4D7A795


def crc64_avro(data: bytes) -> int:
    """The Avro spec's Rabin fingerprint, written from the spec independently of the C."""
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (EMPTY & -(fp & 1))
        table.append(fp)
    fp = EMPTY
    for b in data:
        fp = (fp >> 8) ^ table[(fp ^ b) & 0xFF]
    return fp


EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def ts(ms: int) -> datetime.datetime:
    """A timestamp-millis value: python-avro writes only datetimes for that logical type."""
    return EPOCH + datetime.timedelta(milliseconds=ms)


INNER = {"name": "内层", "tags": ["a", "绿色"], "score": 0.5}

DATUMS = [
    ("all_types.v1.avsc", {
        "n": None, "b": True, "i": -123456, "l": 9007199254740993, "ts": ts(1767225600123),
        "f": 1.5, "d": 3.141592653589793, "by": b"\x00\x01\x7f\x80\xff",
        "s": "绿色金融 green finance ✓", "e": "GREEN", "fx": b"\xde\xad\xbe\xef",
        "arr": ["一", "two", ""], "m": {"上海": 310000, "neg": -1},
        "opt": "重庆沙坪坝", "inner": INNER, "choice": INNER,
        "inners": [INNER, {"name": "second", "tags": [], "score": None}],
        "nested_map": {"x": [1, 2, 3], "y": []}, "color_opt": "BLUE",
    }),
    ("all_types.v1.avsc", {
        "n": None, "b": False, "i": -2147483648, "l": -9223372036854775808, "ts": ts(0),
        "f": -0.25, "d": -1e-300, "by": b"", "s": "", "e": "RED", "fx": b"\x00\x00\x00\x00",
        "arr": [], "m": {}, "opt": None, "inner": {"name": "", "tags": [], "score": None},
        "choice": 9223372036854775807, "inners": [], "nested_map": {}, "color_opt": None,
    }),
    ("all_types.v1.avsc", {
        "n": None, "b": True, "i": 2147483647, "l": 0, "ts": ts(1), "f": 0.0, "d": 1e300,
        "by": b"abc", "s": "x", "e": "BLUE", "fx": b"1234", "arr": ["only"],
        "m": {"k": 0}, "opt": "", "inner": {"name": "n", "tags": ["t"], "score": -2.0},
        "choice": "a string branch", "inners": [], "nested_map": {"e": [-1]}, "color_opt": "RED",
    }),
    ("sample_need.v1.avsc", {
        "meta": {"event_id": "0b9c4c1e-6f1a-4f57-9a5e-3c2f6a1d2e01", "sender": "prov-310000",
                 "occurred_at": ts(1767225600000), "correlation_id": None},
        "need_id": "N-2026-0001", "amount": 123456789, "stage": "APPROVED", "channel": "BATCH",
        "old_note": "旧备注", "title": "零碳工厂改造",
    }),
    ("sample_need.v2.avsc", {
        "meta": {"event_id": "0b9c4c1e-6f1a-4f57-9a5e-3c2f6a1d2e02", "sender": "prov-500000",
                 "occurred_at": ts(1767225600001), "correlation_id": "corr-1"},
        "need_id": "N-2026-0002", "amount": 50000000, "stage": "APPROVED", "channel": "API",
        "heading": "绿色数据中心", "location": {"province": "500000", "city": "500106"},
        "tags": ["专精特新"], "note": "备注", "level": "NATIONAL", "ratio": 0.75,
        "raw": b"\x01\x02", "counts": {"a": 1},
    }),
    ("promo.v1.avsc", {
        "i2l": 7, "i2f": -3, "i2d": 16777217, "l2f": 1099511627776, "l2d": -5, "f2d": 0.3125,
        "s2b": "é", "b2s": "绿".encode("utf-8"), "u": 42, "w": -9, "x": "present",
    }),
]


def to_convention(value):
    """Python datum -> gfdx JSON convention (bytes become code points 0-255)."""
    if isinstance(value, datetime.datetime):
        return (value - EPOCH) // datetime.timedelta(milliseconds=1)
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, dict):
        return {k: to_convention(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_convention(v) for v in value]
    return value


def main():
    warnings.simplefilter("ignore")
    out = sys.stdout
    schemas = {}
    for name in sorted({d[0] for d in DATUMS}):
        with open(os.path.join(HERE, name), encoding="utf-8") as f:
            schema = avro.schema.parse(f.read())
        # python-avro 1.11.1 leaves a primitive with a logical type as {"type":"long"};
        # the spec's PRIMITIVES rule (and Java) reduce it to "long". Apply that rule here.
        canonical = re.sub(r'\{"type":"(null|boolean|int|long|float|double|bytes|string)"\}',
                           r'"\1"', schema.canonical_form)
        fp = crc64_avro(canonical.encode("utf-8"))
        schemas[name] = (schema, fp)
        out.write(json.dumps({"kind": "schema", "file": name, "canonical": canonical,
                              "fingerprint": "0x%016x" % fp}, ensure_ascii=False) + "\n")
    for name, datum in DATUMS:
        schema, fp = schemas[name]
        buf = io.BytesIO()
        buf.write(b"\xc3\x01" + fp.to_bytes(8, "little"))
        avro.io.DatumWriter(schema).write(datum, avro.io.BinaryEncoder(buf))
        out.write(json.dumps({"kind": "datum", "schema": name, "json": to_convention(datum),
                              "hex": buf.getvalue().hex()}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
