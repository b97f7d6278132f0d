#!/usr/bin/python3
"""Banks' matching feedback (对接反馈) for needs that gfdx-push dispatched: reads the dispatches
as tab-separated lines "need_id bank_id province financing_amount_fen" on stdin (e.g. from
pboc.dispatch joined with pboc.need) and writes JSON lines for `gfdx produce` on stdout, in
stream order, every bank's records in a legal order (services/feedback/feedback_fsm.h):

  ~45 %  CONTACTED -> DUE_DILIGENCE -> CREDIT_APPROVED -> DISBURSED (part) -> DISBURSED (rest)
  ~10 %  CONTACTED -> obstacle raised -> resolved by the province authority -> DUE_DILIGENCE
         -> CREDIT_APPROVED
  ~20 %  CONTACTED -> DUE_DILIGENCE -> DECLINED (reason)
  ~15 %  CONTACTED only; the rest nothing yet.

Deterministic for --seed. Amounts in fen; an approval is a share of the requested amount.
Standard library only."""
import argparse
import json
import random
import sys
import uuid

PRODUCTS = ["PROJECT_LOAN", "MEDIUM_LONG_TERM_LOAN", "CREDIT_LOAN", "RENEWAL_WITHOUT_REPAYMENT",
            "WORKING_CAPITAL_LOAN", "LEASING"]
DECLINES = ["CREDIT_RISK", "INSUFFICIENT_COLLATERAL", "PROJECT_NOT_READY", "ENTERPRISE_DECLINED"]
OBSTACLES = [("COLLATERAL", "企业厂房为租赁，缺少可抵押资产，需政府性融资担保机构介入"),
             ("CREDIT_RATING", "企业近三年有逾期记录，内部评级不足，需增信措施"),
             ("COMPLIANCE", "项目环评批复尚未取得，待生态环境部门出具意见"),
             ("INFORMATION", "企业碳排放核算数据缺失，无法认定绿色属性")]


def records(rows, rnd, start_ms):
    t = [start_ms]

    def rec(kind, sender, need, **fields):
        t[0] += rnd.randint(60_000, 3_600_000)
        r = {"$type": kind, "meta": {"sender": sender, "occurred_at": t[0]}, "need_id": need}
        r.update(fields)
        return r

    for need, bank, province, amount in rows:
        amount = int(amount)
        path = rnd.random()
        product = rnd.choice(PRODUCTS)
        if path > 0.90:
            continue
        yield rec("MatchingFeedback", bank, need, stage="CONTACTED", product=product)
        if path > 0.75:
            continue
        if 0.65 < path <= 0.75:
            oid = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
            cat, text = rnd.choice(OBSTACLES)
            raised = rec("ObstacleRaised", bank, need, category=cat, description=text)
            raised["meta"]["event_id"] = oid
            yield raised
            yield rec("ObstacleResolved", "prov-" + province, need, obstacle_id=oid,
                      resolution="已协调解决：" + text[:12], resolved_by="省工信厅融资服务处")
        yield rec("MatchingFeedback", bank, need, stage="DUE_DILIGENCE")
        if 0.45 < path <= 0.65:
            yield rec("MatchingFeedback", bank, need, stage="DECLINED", decline_reason=rnd.choice(DECLINES),
                      comment="尽职调查后不予授信")
            continue
        approved = amount * rnd.choice([30, 40, 50]) // 100
        yield rec("MatchingFeedback", bank, need, stage="CREDIT_APPROVED", product=product,
                  approved_amount=approved, rate_bp=rnd.choice([310, 335, 345, 365, 385]),
                  term_months=rnd.choice([36, 60, 84]))
        if path > 0.45:
            continue
        first = approved * rnd.choice([40, 60]) // 100
        yield rec("MatchingFeedback", bank, need, stage="DISBURSED", disbursed_amount=first)
        yield rec("MatchingFeedback", bank, need, stage="DISBURSED", disbursed_amount=approved - first)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start-ms", type=int, default=1775001600000, help="first timestamp (2026-04-01 UTC)")
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    rows = [line.rstrip("\n").split("\t") for line in sys.stdin if line.strip()]
    for r in records(rows, rnd, args.start_ms):
        print(json.dumps(r, ensure_ascii=False))


if __name__ == "__main__":
    main()
