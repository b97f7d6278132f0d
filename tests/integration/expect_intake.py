#!/usr/bin/python3
"""Independent expectation for an intake stream: replays a JSON-lines stream (as produced by
deploy/sample/make_needs.py) through DESIGN §6.1's state machine, written here again on
purpose, and prints what gfdx-intake must end with, as JSON:
  {"status": {need_id: final status}, "applied": N, "refused": N,
   "need_pushed": N, "push_withdrawn": N}
Records marked "_expect": "REFUSED" are counted as refused without touching state (they are
invalid by content or sender); anything the state machine forbids is refused as well."""
import json
import sys

LEGAL = {
    (None, "SUBMIT"): "SUBMITTED",
    ("SUBMITTED", "REVISE"): "SUBMITTED", ("RETURNED", "REVISE"): "SUBMITTED",
    ("SUBMITTED", "APPROVED"): "APPROVED", ("SUBMITTED", "REJECTED"): "REJECTED",
    ("SUBMITTED", "RETURNED"): "RETURNED", ("APPROVED", "RECOMMEND"): "RECOMMENDED",
}
NON_FINAL = {"SUBMITTED", "APPROVED", "RETURNED", "RECOMMENDED", "PUSHED"}


def event_of(rec):
    t = rec["$type"]
    return {"NeedSubmitted": "SUBMIT", "NeedRevised": "REVISE", "NeedRecommended": "RECOMMEND",
            "NeedWithdrawn": "WITHDRAW"}.get(t) or (rec["decision"] if t == "NeedReviewed" else None)


def main(path):
    status, out = {}, {"applied": 0, "refused": 0, "need_pushed": 0, "push_withdrawn": 0}
    for line in open(path, encoding="utf-8"):
        if not line.strip():
            continue
        rec = json.loads(line)
        need, ev, cur = rec.get("need_id"), event_of(rec), status.get(rec.get("need_id"))
        if rec.get("_expect") == "REFUSED" or ev is None:
            out["refused"] += 1
            continue
        nxt = LEGAL.get((cur, ev))
        if ev == "WITHDRAW" and cur in NON_FINAL:
            nxt = "WITHDRAWN"
        if nxt is None:
            out["refused"] += 1
            continue
        out["applied"] += 1
        if nxt == "RECOMMENDED":
            out["need_pushed"] += 1
            nxt = "PUSHED"  # once NeedPushed is delivered
        if nxt == "WITHDRAWN" and cur in ("RECOMMENDED", "PUSHED"):
            out["push_withdrawn"] += 1
        status[need] = nxt
    out["status"] = status
    json.dump(out, sys.stdout, ensure_ascii=False, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1])
