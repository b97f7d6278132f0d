#!/usr/bin/env python3
"""A generated gfdx.feedback stream for gfdx-feedback's fault tests.

Writes
  --sql FILE     rows of pboc.need and pboc.dispatch (as gfdx-push would have written them);
  --out FILE     JSON lines for `gfdx produce`: MatchingFeedback, ObstacleRaised and
                 ObstacleResolved of the banks each need was dispatched to, every bank's
                 records in a legal order, the banks of one need interleaved at random;
  --expect FILE  {"records", "applied", "refused", "refused_by_reason": {...}}, known by
                 construction: every record is legal except the ones inserted to be refused
                 (a repeated CONTACTED, a disbursement beyond the approval, a stage advanced
                 while an obstacle is open, a bank the need was not dispatched to). Each
                 bank's path is judged on its own (stages, amounts and obstacles are per
                 bank), so the verdicts do not depend on how the banks are interleaved.

Deterministic for a given --seed. Amounts are fen. Banks, branches and authorities are those
of deploy/participants.cfg.
"""
import argparse
import json
import random
import uuid

# province, location region, branch, banks, province authority
BRANCHES = [
    ("310000", "310115", "pbc-hq-sh", ["bank-icbc-310000", "bank-ccb-310000", "bank-bocom-310000"], "prov-310000"),
    ("320000", "320500", "pbc-320000", ["bank-abc-320000", "bank-boc-320000", "bank-jsb-320000"], "prov-320000"),
    ("330000", "330200", "pbc-330200", ["bank-nbcb-330200", "bank-icbc-330200", "bank-ccb-330200"], "prov-330000"),
    ("500000", "500106", "pbc-500000", ["bank-ccb-500000", "bank-cqrcb-500000", "bank-cqcb-500000"], "prov-500000"),
    ("440000", "440300", "pbc-440300", ["bank-cmb-440300", "bank-pab-440300"], "prov-440000"),
]
GREEN_CODES = ["1.3.1", "1.3.2", "2.2.1", "3.1.1", "4.1.2", "4.5.1", "6.3.1", "7.1.1"]
OTHER_CODES = ["8.1.1", "9.2.3"]
PRODUCTS = ["PROJECT_LOAN", "WORKING_CAPITAL_LOAN", "CREDIT_LOAN", "MEDIUM_LONG_TERM_LOAN",
            "RENEWAL_WITHOUT_REPAYMENT", "LEASING", "GUARANTEE"]
DECLINES = ["CREDIT_RISK", "INSUFFICIENT_COLLATERAL", "PROJECT_NOT_READY", "ENTERPRISE_DECLINED", "OTHER"]
CATEGORIES = ["COLLATERAL", "CREDIT_RATING", "COMPLIANCE", "INFORMATION", "POLICY", "OTHER"]


class Gen:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.expect = {"records": 0, "applied": 0, "refused": 0, "refused_by_reason": {}}

    def eid(self):
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def rec(self, typ, sender, need_id, expect, **body):
        r = {"$type": typ, "meta": {"event_id": self.eid(), "sender": sender}, "need_id": need_id, "_expect": expect}
        r.update(body)
        self.expect["records"] += 1
        if expect == "APPLIED":
            self.expect["applied"] += 1
        else:
            self.expect["refused"] += 1
            self.expect["refused_by_reason"][expect] = self.expect["refused_by_reason"].get(expect, 0) + 1
        return r

    def mf(self, bank, need_id, stage, expect="APPLIED", **kw):
        return self.rec("MatchingFeedback", bank, need_id, expect, stage=stage, **kw)

    def obstacle(self, bank, need, branch, authority, seq):
        """An obstacle raised now, maybe a refused advance while blocked, then its resolution."""
        g = self.rng
        raised = self.rec("ObstacleRaised", bank, need, "APPLIED", category=g.choice(CATEGORIES),
                          description=g.choice(["缺少可抵押资产", "环评手续未齐", "企业信用评级偏低", "碳核算数据缺失"]))
        seq.append(raised)
        if g.random() < 0.3:
            seq.append(self.mf(bank, need, "DUE_DILIGENCE", "MATCHING_BLOCKED"))
        return self.rec("ObstacleResolved", g.choice([authority, branch]), need, "APPLIED",
                        obstacle_id=raised["meta"]["event_id"], resolution="已协调解决",
                        resolved_by=g.choice([None, "张伟", "李娜"]))

    def bank_path(self, bank, need, amount, branch, authority):
        """One bank's records on one need, in order."""
        g, seq = self.rng, []
        if g.random() < 0.1:
            return [self.mf(bank, need, "DECLINED", decline_reason=g.choice(DECLINES))]
        seq.append(self.mf(bank, need, "CONTACTED", product=g.choice([None] + PRODUCTS)))
        if g.random() < 0.1:
            seq.append(self.mf(bank, need, "CONTACTED", "ILLEGAL_TRANSITION"))
        if g.random() < 0.3:
            seq.append(self.obstacle(bank, need, branch, authority, seq))
        if g.random() < 0.15:
            seq.append(self.mf(bank, need, "DECLINED", decline_reason=g.choice(DECLINES)))
            return seq
        if g.random() < 0.7:
            seq.append(self.mf(bank, need, "DUE_DILIGENCE"))
        if g.random() < 0.2:
            return seq  # still at work
        approved = amount * g.randint(3, 9) // 10
        seq.append(self.mf(bank, need, "CREDIT_APPROVED", product=g.choice(PRODUCTS), approved_amount=approved,
                           rate_bp=g.randint(250, 450), term_months=g.choice([12, 36, 60])))
        if g.random() < 0.15:
            seq.append(self.mf(bank, need, "DECLINED", decline_reason="ENTERPRISE_DECLINED"))
            return seq
        left = approved
        for _ in range(g.randint(0, 3)):
            if left <= 0:
                break
            part = left if g.random() < 0.3 else g.randint(1, max(1, left // 2))
            seq.append(self.mf(bank, need, "DISBURSED", disbursed_amount=part))
            left -= part
            if g.random() < 0.15:
                seq.append(self.mf(bank, need, "DISBURSED", "AMOUNT_EXCEEDS_APPROVED", disbursed_amount=left + 1))
        return seq

    def need(self, i):
        g = self.rng
        province, region, branch, banks, authority = g.choice(BRANCHES)
        need_id = "FS-%s-%04d" % (province[:2], i)
        amount = g.randint(10, 500) * 1000000  # 10 .. 500 万元
        code = g.choice(OTHER_CODES) if g.random() < 0.1 else g.choice(GREEN_CODES)
        dispatched = banks if g.random() < 0.8 else banks[:1]
        paths = [self.bank_path(b, need_id, amount, branch, authority) for b in dispatched]
        if g.random() < 0.1:
            stranger = g.choice([b for br in BRANCHES if br[2] != branch for b in br[3]])
            paths.append([self.mf(stranger, need_id, "CONTACTED", "UNAUTHORIZED_SENDER")])
        return (need_id, province, region, branch, amount, code, dispatched), self.interleave(paths)

    def interleave(self, paths):
        out, paths = [], [list(p) for p in paths if p]
        while paths:
            p = self.rng.choice(paths)
            out.append(p.pop(0))
            if not p:
                paths.remove(p)
        return out


def sql_rows(needs):
    lines = ["INSERT INTO pboc.need (need_id, province, location_region, branch_id, quarter, late, is_major,"
             " financing_amount, catalogue_code, uscc, factory_name, project_name, status, snapshot) VALUES"]
    vals = ["  ('%s', '%s', '%s', '%s', '2026Q2', false, false, %d, '%s', '91350100M000100Y43',"
            " '测试工厂%s', '节能降碳改造项目', 'DISPATCHED', '{}')" % (n, p, r, b, a, c, n)
            for n, p, r, b, a, c, _ in needs]
    lines.append(",\n".join(vals) + ";")
    lines.append("INSERT INTO pboc.dispatch (need_id, bank_id, branch_id, status) VALUES")
    vals = ["  ('%s', '%s', '%s', 'ACTIVE')" % (n, bank, b) for n, _, _, b, _, _, banks in needs for bank in banks]
    lines.append(",\n".join(vals) + ";")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--needs", type=int, default=60)
    ap.add_argument("--out", required=True)
    ap.add_argument("--sql", required=True)
    ap.add_argument("--expect", required=True)
    a = ap.parse_args()
    gen, needs, records = Gen(a.seed), [], []
    for i in range(1, a.needs + 1):
        need, recs = gen.need(i)
        needs.append(need)
        records.extend(recs)
    # needs are independent (one key each): shuffle them together, keeping each need's order
    order = [r["need_id"] for r in records]
    gen.rng.shuffle(order)
    by_need = {}
    for r in records:
        by_need.setdefault(r["need_id"], []).append(r)
    with open(a.out, "w", encoding="utf-8") as f:
        for need_id in order:
            f.write(json.dumps(by_need[need_id].pop(0), ensure_ascii=False) + "\n")
    with open(a.sql, "w", encoding="utf-8") as f:
        f.write(sql_rows(needs))
    with open(a.expect, "w") as f:
        json.dump(gen.expect, f, indent=1)


if __name__ == "__main__":
    main()
