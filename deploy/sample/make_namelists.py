#!/usr/bin/env python3
"""make_namelists.py: the district name-list exchange (名单互推) of 重庆市沙坪坝区 (500106)
for gfdx.namelists: list versions, carbon-benefit and financing-support feedback.

Writes JSON lines in stream order, one record per line: {"$type": "NameListPublished",
"meta": {"sender": ..., "occurred_at": ...}, <fields>}, shaped by schemas/avro/*.avsc
(no event_id: the producer fills it; keys starting with "_" are hints for tests). Every
line is run through an independent model of gfdx-namelist's rules (class Ledger below:
versions, parts, ownership, the publisher matrix of deploy/namelist.cfg, reports) and the
generator refuses to write a stream whose records do not get the outcome they were made
for. --expect writes what the ledger must hold afterwards. Deterministic for a --seed.
Standard library only (make_needs.py, next to it, supplies the USCC and name helpers).

Modes:
  default   seven district lists (green projects of the DRC and of the housing bureau,
            green enterprises, green factories, 专精特新, 小巨人, clean-production audits),
            three versions each (FULL, DELTA, FULL or DELTA) from 2025-10 to 2026-03,
            carbon-benefit (ecology bureau) and financing-support (finance bureau) reports
            for 2025H2 and 2026H1, corrections; --bad appends records that must be refused.
  --large N one green-enterprise directory of N entries, --large-versions FULL versions
            (each changing ~5 % of the entries), split into parts of --part-size entries.

  make_namelists.py --seed 1 --bad --part-size 15 --out /tmp/lists.jsonl --expect /tmp/lists.expect.json
  make_namelists.py --large 50000 --part-size 2000 --out /tmp/big.jsonl --expect /tmp/big.expect.json
  make_namelists.py --needs /tmp/needs.jsonl ...   # put those factories on the national lists
"""
import argparse
import datetime as dt
import hashlib
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_needs as mn  # noqa: E402  (USCC / organisation codes, brand characters, people)

DISTRICT = "500106"
NEIGHBOUR = "500107"  # 九龙坡区: its bureaus may not speak about Shapingba's lists
SENDER = {"drc": "d500106-drc", "eit": "d500106-eit", "housing": "d500106-housing",
          "ecology": "d500106-eco", "finance": "d500106-fin"}
# participant id -> (bureau, region), as in deploy/participants.cfg
BUREAUS = {"d500106-drc": ("drc", DISTRICT), "d500106-eit": ("eit", DISTRICT),
           "d500106-housing": ("housing", DISTRICT), "d500106-eco": ("ecology", DISTRICT),
           "d500106-fin": ("finance", DISTRICT), "d500107-eit": ("eit", NEIGHBOUR),
           "d500107-eco": ("ecology", NEIGHBOUR), "miit": ("miit", "100000"),
           "prov-500000": ("province", "500000")}
# The publisher matrix of deploy/namelist.cfg (namelist.publishers).
PUBLISHERS = {
    "drc": {"GREEN_PROJECT", "GREEN_ENTERPRISE", "KEY_GREEN_PROJECT", "TRANSITION_PROJECT"},
    "eit": {"GREEN_PROJECT", "GREEN_ENTERPRISE", "GREEN_FACTORY", "EFFICIENCY_LEADER",
            "WATER_EFFICIENCY_LEADER", "GREEN_PARK", "GREEN_SUPPLY_CHAIN", "GREEN_PRODUCT",
            "GREEN_DESIGN", "SPECIALIZED_SME", "LITTLE_GIANT", "CLEAN_PRODUCTION_AUDIT"},
    "housing": {"GREEN_PROJECT", "GREEN_ENTERPRISE", "GREEN_BUILDING"},
    "ecology": set(), "finance": set(),
    # national (region 100000) and provincial/municipal (own region) industry lists
    "miit": {"GREEN_FACTORY", "EFFICIENCY_LEADER", "WATER_EFFICIENCY_LEADER", "GREEN_PARK", "GREEN_SUPPLY_CHAIN",
             "GREEN_PRODUCT", "GREEN_DESIGN", "LITTLE_GIANT", "NATIONAL_FUND_INVESTED", "DEPARTMENT_RECOMMENDED"},
    "province": {"GREEN_FACTORY", "EFFICIENCY_LEADER", "WATER_EFFICIENCY_LEADER", "GREEN_PARK",
                 "GREEN_SUPPLY_CHAIN", "GREEN_PRODUCT", "GREEN_DESIGN", "SPECIALIZED_SME",
                 "CLEAN_PRODUCTION_AUDIT", "DEPARTMENT_RECOMMENDED"}}


def covers(list_region, region):
    """Whether a list of list_region tags an enterprise of region (gfdx-intake, intake_priority.h)."""
    if list_region == "100000":
        return True
    n = 2 if list_region.endswith("0000") else 4 if list_region.endswith("00") else 6
    return list_region[:n] == region[:n]

CST = mn.CST


def at(y, mo, d, h=10, mi=0, s=0):
    """Unix ms of a China-time wall clock."""
    return mn.at(dt.date(y, mo, d), h, mi, s)


def period_bounds(p):
    """'2026H1' -> [start, end) in Unix ms, China time."""
    y, h = int(p[:4]), p[5]
    return (at(y, 1, 1, 0) if h == "1" else at(y, 7, 1, 0)), (at(y, 7, 1, 0) if h == "1" else at(y + 1, 1, 1, 0))


# ---------------------------------------------------------------------------
# Vocabulary of Shapingba: places, industries, projects, institutions
# ---------------------------------------------------------------------------

PLACES = ["西永微电园", "井口工业园", "土主镇", "青木关镇", "回龙坝镇", "陈家桥街道", "曾家镇",
          "虎溪街道", "凤凰镇", "中梁镇", "歌乐山街道", "覃家岗街道", "双碑街道", "童家桥街道",
          "丰文街道", "西永街道", "重庆国际物流枢纽园区", "大学城"]
INDUSTRIES = ["电子信息", "智能终端", "集成电路", "汽车零部件", "摩托车配件", "装备制造", "新材料",
              "生物医药", "物流", "环保科技", "新能源科技", "精密机械", "轨道交通装备", "建材",
              "食品", "光电科技", "检测技术", "软件"]
# (name template, catalogue code of the 2024 green/low-carbon transition industry catalogue;
# plausible codes, not an authoritative mapping)
DRC_PROJECTS = [("{b}厂房屋顶分布式光伏发电项目", "4.1.2"), ("{p}污水处理厂提标改造工程", "2.2.1"),
                ("{b}余热余压回收节能改造项目", "1.3.1"), ("{p}海绵城市建设项目", "6.2.1"),
                ("{b}废旧电子产品回收利用项目", "3.2.1"), ("{p}公交充换电站建设项目", "6.1.2"),
                ("{b}智能工厂能效提升项目", "1.3.5"), ("{b}VOCs综合治理项目", "2.1.1"),
                ("{p}生态修复工程", "5.1.1"), ("{b}储能电站建设项目", "4.5.1"),
                ("{b}工业固废综合利用项目", "3.1.1"), ("{p}再生水利用工程", "2.2.3")]
HOUSING_PROJECTS = [("{b}绿色建筑二星级住宅项目", "6.2.1"), ("{p}超低能耗建筑示范项目", "6.2.2"),
                    ("{b}装配式建筑产业化基地项目", "6.2.3"), ("{p}既有公共建筑节能改造项目", "6.2.4"),
                    ("{p}绿色社区改造项目", "6.2.1")]
STAGES = ["前期", "在建", "竣工"]
INSTITUTIONS = ["中国建设银行重庆沙坪坝支行", "中国工商银行重庆沙坪坝支行", "重庆农村商业银行沙坪坝支行",
                "重庆银行沙坪坝支行", "中国农业银行重庆沙坪坝支行", "兴业银行重庆分行",
                "重庆三峡融资担保集团股份有限公司", "重庆市沙坪坝区融资担保有限公司"]
PRODUCTS = [("LOAN", "绿色流动资金贷款"), ("MEDIUM_LONG_TERM_LOAN", "绿色技改中长期贷款"),
            ("CREDIT_LOAN", "绿色信用贷"), ("RENEWAL_WITHOUT_PRINCIPAL", "无还本续贷"),
            ("LEASING", "绿色融资租赁"), ("GUARANTEE", "绿色融资担保"), ("GREEN_BOND", "绿色债券")]
CLIMATE_NOTES = ["入库重庆市气候投融资项目库", "获得碳减排支持工具再贷款支持", "发行碳中和债券",
                 "开展碳排放权质押融资", None]


def wan(x):
    return mn.wan(x)


class Pool:
    """Shapingba enterprises: unique USCCs (91 500106 <organisation code> <check>) and names."""

    def __init__(self, rng):
        self.rng, self.usccs, self.names, self.items = rng, set(), set(), []

    def new(self):
        rng = self.rng
        uscc = mn.make_uscc(rng, DISTRICT)
        while uscc in self.usccs:
            uscc = mn.make_uscc(rng, DISTRICT)
        industry = rng.choice(INDUSTRIES)
        for tries in range(1000):  # a big directory runs out of two-character brands
            brand = "".join(rng.sample(mn.BRAND_CHARS, 2 if tries < 20 else 3))
            name = f"重庆{brand}{industry}{rng.choice(mn.ORG_FORMS)}"
            if name not in self.names:
                break
        self.usccs.add(uscc)
        self.names.add(name)
        e = {"uscc": uscc, "name": name, "industry": industry}
        self.items.append(e)
        return e


# ---------------------------------------------------------------------------
# The model of gfdx-namelist: an independent implementation of its rules
# ---------------------------------------------------------------------------

def jsonb_text(obj):
    """PostgreSQL's jsonb output of a flat object of strings: keys ordered by byte length,
    then bytewise; ", " and ": " separators."""
    items = sorted(obj.items(), key=lambda kv: (len(kv[0].encode()), kv[0].encode()))
    return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}"
                           for k, v in items) + "}"


def entry_digest(e):
    """district.entry_digest()."""
    parts = [e["uscc"], e["name"], e.get("project_name") or "\x1e", e.get("category_code") or "\x1e",
             jsonb_text(e.get("attributes") or {})]
    return hashlib.md5("\x1f".join(parts).encode()).hexdigest()


def list_digest(entries):
    """district.list_digest(): md5 over key \\x1f digest, joined by \\x1e, in key order."""
    return hashlib.md5("\x1e".join(k + "\x1f" + entry_digest(entries[k]) for k in sorted(entries)).encode()).hexdigest()


def content(e):
    return {"uscc": e["uscc"], "name": e["name"], "project_name": e.get("project_name"),
            "category_code": e.get("category_code"), "attributes": e.get("attributes") or {}}


class Refused(Exception):
    def __init__(self, code, why):
        super().__init__(why)
        self.code = code


class Ledger:
    """What gfdx-namelist must do with each record, and what the ledger holds after."""

    def __init__(self):
        self.lists, self.pending, self.abandoned = {}, {}, []
        self.carbon, self.financing = {}, {}

    def apply(self, rec):
        """('ACCEPTED', None) or ('REFUSED', code)."""
        try:
            {"NameListPublished": self.publish, "CarbonBenefitReported": self.report,
             "FinancingSupportReported": self.report}[rec["$type"]](rec)
            return "ACCEPTED", None
        except Refused as r:
            return "REFUSED", r.code

    @staticmethod
    def authorize(sender, what, kind, region):
        bureau, own = BUREAUS.get(sender, (None, None))
        if bureau is None or (bureau in ("miit", "province") and what != "publish"):
            raise Refused("UNAUTHORIZED_SENDER", f"{sender} is not a district bureau")
        if what == "publish" and kind not in PUBLISHERS[bureau]:
            raise Refused("UNAUTHORIZED_SENDER", f"{bureau} may not publish {kind}")
        if what in ("carbon", "financing") and bureau != {"carbon": "ecology", "financing": "finance"}[what]:
            raise Refused("UNAUTHORIZED_SENDER", f"{bureau} may not report {what}")
        if region != own:
            raise Refused("UNAUTHORIZED_SENDER", f"{sender} may not speak for region {region}")

    @staticmethod
    def validate(rec):
        keys = [e["entry_key"] for e in rec["entries"]] + list(rec.get("removed_keys", []))
        if rec["mode"] == "FULL" and rec.get("removed_keys"):
            raise Refused("INVALID_FIELD", "FULL with removals")
        for e in rec["entries"]:
            if not mn.uscc_is_valid(e["uscc"]):
                raise Refused("BAD_USCC", e["uscc"])
        if len(keys) != len(set(keys)):
            raise Refused("DUPLICATE_ENTRY", "a key twice in the record")

    def publish(self, r):
        self.validate(r)
        lid, sender = r["list_id"], r["meta"]["sender"]
        self.authorize(sender, "publish", r["kind"], r["region"])
        cur = self.lists.get(lid)
        if cur and cur["publisher"] != sender:
            raise Refused("UNAUTHORIZED_SENDER", "not the list's publisher")
        if cur and (cur["kind"], cur["region"]) != (r["kind"], r["region"]):
            raise Refused("LIST_MISMATCH", "kind or region changed")
        current = cur["version"] if cur else 0
        v, part, count = r["version"], r.get("part", 1), r.get("part_count", 1)
        if v <= current:
            raise Refused("STALE_VERSION", f"{v} <= {current}")
        if r["mode"] == "DELTA" and v != current + 1:
            raise Refused("VERSION_GAP", f"DELTA {v} after {current}")
        pend = self.pending.get(lid)
        header = (r["mode"], count, r["kind"], r["region"], r["title"], sender)
        if pend and v < pend["version"]:
            raise Refused("STALE_VERSION", "older than the pending version")
        if pend and v == pend["version"]:
            if header != pend["header"]:
                raise Refused("PART_MISMATCH", "parts disagree")
            if part in pend["parts"]:
                raise Refused("DUPLICATE_PART", f"part {part} again")
        superseded = pend if pend and v > pend["version"] else None
        if not pend or superseded:
            pend = {"version": v, "header": header, "parts": {}}
        staged = {k for p in pend["parts"].values() for k in p["keys"]}
        mine = [e["entry_key"] for e in r["entries"]] + list(r.get("removed_keys", []))
        if staged & set(mine):
            raise Refused("DUPLICATE_ENTRY", "key already in an earlier part")
        now = cur["entries"] if cur else {}
        for k in r.get("removed_keys", []):
            if k not in now:
                raise Refused("UNKNOWN_ENTRY", f"removed key {k} not on the list")
        # accepted: from here on the ledger changes
        if superseded:
            self.abandoned.append({"list_id": lid, "version": superseded["version"],
                                   "parts_received": len(superseded["parts"]),
                                   "part_count": superseded["header"][1], "superseded_by": v})
        self.pending[lid] = pend
        pend["parts"][part] = {"keys": mine, "entries": r["entries"], "removed": r.get("removed_keys", []),
                               "at": r["meta"]["occurred_at"]}
        if len(pend["parts"]) == count:
            del self.pending[lid]
            self.complete(r, pend, cur)

    def complete(self, r, pend, cur):
        lid, v, mode = r["list_id"], r["version"], r["mode"]
        before = dict(cur["entries"]) if cur else {}
        upserts = {e["entry_key"]: content(e) for p in pend["parts"].values() for e in p["entries"]}
        removals = [k for p in pend["parts"].values() for k in p["removed"]]
        after = dict(upserts) if mode == "FULL" else {**{k: e for k, e in before.items() if k not in removals},
                                                      **upserts}
        added = sorted(k for k in after if k not in before)
        removed = sorted(k for k in before if k not in after)
        updated = sorted(k for k in after if k in before and entry_digest(after[k]) != entry_digest(before[k]))
        eff = max([p["at"] for p in pend["parts"].values()] + ([cur["eff"]] if cur else []))
        if not cur:
            cur = self.lists[lid] = {"kind": r["kind"], "region": r["region"], "publisher": r["meta"]["sender"],
                                     "versions": {}, "version": 0, "entries": {}}
        cur["versions"][v] = {"mode": mode, "title": r["title"], "eff": eff, "parts": len(pend["parts"]),
                              "prev": cur["version"] or None, "entries": after, "added": added,
                              "updated": updated, "removed": removed, "digest": list_digest(after)}
        cur.update(version=v, entries=after, eff=eff)

    def listed(self, lid, key, start, end):
        """The entry was on the list at some time in [start, end)."""
        vs = sorted(self.lists[lid]["versions"].items())
        for i, (v, ver) in enumerate(vs):
            until = vs[i + 1][1]["eff"] if i + 1 < len(vs) else None
            if key in ver["entries"] and ver["eff"] < end and (until is None or until > start):
                return ver["entries"][key]
        return None

    def report(self, r):
        what = "carbon" if r["$type"] == "CarbonBenefitReported" else "financing"
        lid, sender, t = r["list_id"], r["meta"]["sender"], r["meta"]["occurred_at"]
        if len(r["period"]) != 6 or r["period"][4] != "H" or r["period"][5] not in "12":
            raise Refused("INVALID_PERIOD", r["period"])
        for f in ("amount", "balance", "climate_finance", "co2_reduction_t"):
            if r.get(f, 0) < 0:
                raise Refused("NEGATIVE_AMOUNT", f)
        cur = self.lists.get(lid)
        self.authorize(sender, what, None, cur["region"] if cur else BUREAUS.get(sender, (0, None))[1])
        if not cur:  # an unknown list covers nobody: the same refusal as another region's list
            raise Refused("UNAUTHORIZED_SENDER", lid)
        start, end = period_bounds(r["period"])
        if start > t:
            raise Refused("INVALID_PERIOD", "period not begun")
        e = self.listed(lid, r["entry_key"], start, min(end, t))
        if not e:
            raise Refused("NOT_LISTED", r["entry_key"])
        row = {k: v for k, v in r.items() if k not in ("$type", "meta") and not k.startswith("_")}
        row.update(uscc=e["uscc"], reported_by=sender)
        if what == "carbon":
            key = (lid, r["entry_key"], r["period"])
            row["revision"] = self.carbon[key]["revision"] + 1 if key in self.carbon else 0
            self.carbon[key] = row
        else:
            key = (lid, r["entry_key"], r["period"], r["institution"], r["product"])
            row["revision"] = self.financing[key]["revision"] + 1 if key in self.financing else 0
            self.financing[key] = row


# ---------------------------------------------------------------------------
# Building the records
# ---------------------------------------------------------------------------

def published(spec, version, mode, entries, removed, when, part_size, title, sender=None, kind=None,
              region=DISTRICT):
    """NameListPublished records of one version: one per part of at most part_size entries."""
    chunks = [entries[i:i + part_size] for i in range(0, len(entries), part_size)] or [[]]
    recs = []
    for i, chunk in enumerate(chunks):
        recs.append({"$type": "NameListPublished",
                     "meta": {"sender": sender or SENDER[spec["bureau"]], "occurred_at": when + i * 1000,
                              "correlation_id": None},
                     "list_id": spec["list_id"], "kind": kind or spec["kind"], "title": title, "region": region,
                     "version": version, "mode": mode, "part": i + 1, "part_count": len(chunks),
                     "entries": chunk, "removed_keys": removed if i == 0 else []})
    return recs


class District:
    """The default scenario: seven lists of Shapingba, three versions each, and feedback."""

    LISTS = [
        dict(list_id="500106-DRC-GP", kind="GREEN_PROJECT", bureau="drc", size=40, projects=DRC_PROJECTS,
             title="沙坪坝区绿色项目清单", modes=["FULL", "DELTA", "FULL"]),
        dict(list_id="500106-HOUSING-GP", kind="GREEN_PROJECT", bureau="housing", size=18,
             projects=HOUSING_PROJECTS, title="沙坪坝区绿色建筑项目清单", modes=["FULL", "DELTA", "FULL"]),
        dict(list_id="500106-DRC-GE", kind="GREEN_ENTERPRISE", bureau="drc", size=30,
             title="沙坪坝区绿色企业名单", modes=["FULL", "DELTA", "FULL"]),
        dict(list_id="500106-EIT-GF", kind="GREEN_FACTORY", bureau="eit", size=22,
             title="沙坪坝区绿色工厂名单（国家级、市级）", modes=["FULL", "DELTA", "FULL"]),
        dict(list_id="500106-EIT-SME", kind="SPECIALIZED_SME", bureau="eit", size=34,
             title="沙坪坝区专精特新中小企业名单", modes=["FULL", "DELTA", "FULL"]),
        dict(list_id="500106-EIT-LG", kind="LITTLE_GIANT", bureau="eit", size=10,
             title="沙坪坝区专精特新“小巨人”企业名单", modes=["FULL", "DELTA", "DELTA"]),
        dict(list_id="500106-EIT-CPA", kind="CLEAN_PRODUCTION_AUDIT", bureau="eit", size=14,
             title="沙坪坝区清洁生产审核企业名单", modes=["FULL", "DELTA", "FULL"]),
    ]
    # National lists (issue 12): MIIT's, region 100000; they carry the needs' factories (--needs)
    NATIONAL = [
        dict(list_id="MIIT-LG-2025", kind="LITTLE_GIANT", bureau="miit", size=6, region="100000",
             title="国家级专精特新“小巨人”企业名单（第七批）"),
        dict(list_id="MIIT-EL-2025", kind="EFFICIENCY_LEADER", bureau="miit", size=6, region="100000",
             title="重点行业能效“领跑者”企业名单（2025年度）"),
    ]
    # version number -> (batch label, publication day)
    VERSIONS = {1: ("2025年第一批", (2025, 10, 15)), 2: ("2025年第二批", (2025, 12, 18)),
                3: ("2026年第一批", (2026, 3, 20))}

    def __init__(self, rng, part_size, needs_factories):
        self.rng, self.part_size = rng, part_size
        self.pool = Pool(rng)
        for _ in range(140):
            self.pool.new()
        self.needs_factories = needs_factories
        self.serial = {}
        self.stream = []

    # -- entries --
    def project(self, spec, owner, batch):
        rng = self.rng
        n = self.serial[spec["list_id"]] = self.serial.get(spec["list_id"], 0) + 1
        tmpl, code = rng.choice(spec["projects"])
        brand = owner["name"][2:4]
        name = tmpl.format(b=f"{brand}", p=f"沙坪坝区{rng.choice(PLACES)}")
        prefix = "SPB-GP" if spec["bureau"] == "drc" else "SPB-JZ"
        return {"entry_key": f"{prefix}-{n:04d}", "uscc": owner["uscc"], "name": owner["name"],
                "project_name": name, "category_code": code,
                "attributes": {"批次": batch, "建设地点": rng.choice(PLACES),
                               "总投资（万元）": str(rng.choice([800, 1500, 3200, 5000, 12000, 26000, 48000])),
                               "建设阶段": rng.choice(STAGES[:2])}}

    def enterprise(self, spec, ent, batch):
        rng, kind = self.rng, spec["kind"]
        year = str(rng.choice([2021, 2022, 2023, 2024, 2025]))
        attrs = {"GREEN_ENTERPRISE": {"评价等级": rng.choice(["A", "AA", "AAA"]), "所属行业": ent["industry"]},
                 "GREEN_FACTORY": {"级别": rng.choice(["国家级", "市级", "市级"]), "认定年度": year},
                 "SPECIALIZED_SME": {"认定年度": year, "有效期至": f"{int(year) + 3}-12-31",
                                     "细分领域": ent["industry"]},
                 "LITTLE_GIANT": {"批次": rng.choice(["第三批", "第四批", "第五批"]), "认定年度": year},
                 "EFFICIENCY_LEADER": {"行业": ent["industry"], "年度": year},
                 "CLEAN_PRODUCTION_AUDIT": {"审核类型": rng.choice(["强制性", "自愿性"]), "审核年度": "2025",
                                            "状态": "审核中"}}[kind]
        attrs["入选批次"] = batch
        return {"entry_key": ent["uscc"], "uscc": ent["uscc"], "name": ent["name"], "project_name": None,
                "category_code": None, "attributes": attrs}

    def new_entry(self, spec, used, batch):
        while True:
            ent = self.rng.choice(self.pool.items)
            if spec.get("projects") or ent["uscc"] not in used:
                break
        e = self.project(spec, ent, batch) if spec.get("projects") else self.enterprise(spec, ent, batch)
        used.add(e["entry_key"])
        return e

    def changed(self, e):
        """An update the publisher would make: a stage, a grade, a rename."""
        rng, e = self.rng, json.loads(json.dumps(e))
        a = e["attributes"]
        if "建设阶段" in a:
            a["建设阶段"] = STAGES[min(STAGES.index(a["建设阶段"]) + 1, 2)] if a["建设阶段"] != "竣工" else "竣工"
            a["总投资（万元）"] = str(int(a["总投资（万元）"]) + rng.choice([100, 300, 800]))
        elif "级别" in a:
            a["级别"] = "国家级"
        elif "状态" in a:
            a["状态"] = "已通过验收"
        elif "评价等级" in a:
            a["评价等级"] = {"A": "AA", "AA": "AAA", "AAA": "AAA"}[a["评价等级"]]
            e["name"] = e["name"].replace("有限公司", "股份有限公司", 1) if "股份" not in e["name"] else e["name"]
        else:
            a["备注"] = "信息更正"
        return e

    # -- versions --
    def build(self):
        for i, spec in enumerate(self.LISTS):
            state, used = {}, set()
            for v, mode in enumerate(spec["modes"], start=1):
                batch, (y, mo, d) = self.VERSIONS[v]
                when = at(y, mo, d, 9 + i, 5 * v)
                title = f"{spec['title']}（{batch}）"
                if v == 1:
                    for _ in range(spec["size"]):
                        e = self.new_entry(spec, used, batch)
                        state[e["entry_key"]] = e
                    self.add_needs_factories(spec, state, used, batch)
                    entries, removed = list(state.values()), []
                else:
                    entries, removed = self.evolve(spec, state, used, batch, mode)
                self.stream += published(spec, v, mode, entries, removed, when, self.part_size, title)
        if self.needs_factories:
            self.build_national()
        self.stream.sort(key=lambda r: r["meta"]["occurred_at"])

    def build_national(self):
        """One FULL version of each national list: a few enterprises and the needs' factories."""
        for i, spec in enumerate(self.NATIONAL):
            state, used = {}, set()
            batch, (y, mo, d) = self.VERSIONS[1]
            for _ in range(spec["size"]):
                e = self.new_entry(spec, used, batch)
                state[e["entry_key"]] = e
            self.add_needs_factories(spec, state, used, batch)
            self.stream += published(spec, 1, "FULL", list(state.values()), [], at(y, mo, d, 8, 10 * i),
                                     self.part_size, spec["title"], sender="miit", region=spec["region"])

    def add_needs_factories(self, spec, state, used, batch):
        """Factories of a gfdx.needs stream: every 2nd on the green factory list, every 3rd on
        the 专精特新 list, every 5th on the 小巨人 list (priority-support tagging)."""
        every = {"GREEN_FACTORY": 2, "SPECIALIZED_SME": 3, "LITTLE_GIANT": 5}.get(spec["kind"])
        national = spec.get("region", DISTRICT) != DISTRICT
        if national:
            every = {"LITTLE_GIANT": 5, "EFFICIENCY_LEADER": 3}.get(spec["kind"])
        for n, f in enumerate(self.needs_factories):
            here = f["uscc"][2:8] == DISTRICT  # a district list tags only its own enterprises
            if not national and here and spec["kind"] in ("GREEN_FACTORY", "SPECIALIZED_SME"):
                every = 1
            # the district green factory list also names some factories registered elsewhere
            # (relocated plants): on the list, but a 沙坪坝 list tags only 沙坪坝 enterprises
            elsewhere = not national and not here and spec["kind"] == "GREEN_FACTORY" and n % 4 == 1
            if every and (n % every == 0 or elsewhere) and f["uscc"] not in used and (national or here or elsewhere):
                e = self.enterprise(spec, {"uscc": f["uscc"], "name": f["name"], "industry": "制造"}, batch)
                state[e["entry_key"]] = e
                used.add(e["entry_key"])

    def evolve(self, spec, state, used, batch, mode):
        rng = self.rng
        keys = sorted(k for k in state if k not in {f["uscc"] for f in self.needs_factories})
        gone = rng.sample(keys, max(1, len(keys) // 8))
        touched = rng.sample([k for k in keys if k not in gone], max(1, len(keys) // 6))
        for k in gone:
            del state[k]
        changed = []
        for k in touched:
            state[k] = self.changed(state[k])
            changed.append(state[k])
        fresh = [self.new_entry(spec, used, batch) for _ in range(max(1, len(keys) // 7))]
        for e in fresh:
            state[e["entry_key"]] = e
        if mode == "DELTA":
            return changed + fresh, sorted(gone)
        return list(state.values()), []

    # -- feedback --
    def reports(self, ledger):
        """Carbon benefits (ecology) for project lists and green factories; financing support
        (finance) for project lists; 2025H2 (reported in January) and 2026H1 (in July)."""
        rng, recs = self.rng, []
        for period, when in (("2025H2", at(2026, 1, 20, 9)), ("2026H1", at(2026, 7, 15, 9))):
            start, end = period_bounds(period)
            for spec in self.LISTS:
                lid = spec["list_id"]
                if spec["kind"] not in ("GREEN_PROJECT", "GREEN_FACTORY"):
                    continue
                for n, key in enumerate(sorted(self.keys_ever(ledger, lid))):
                    if not ledger.listed(lid, key, start, min(end, when)) or rng.random() < 0.25:
                        continue
                    t = when + n * 60000
                    recs.append(self.carbon(lid, key, period, t))
                    if spec.get("projects") and rng.random() < 0.7:
                        for m in range(rng.choice([1, 1, 2])):
                            recs.append(self.financing(lid, key, period, t + 30000 + m * 1000, m))
        # corrections of two carbon reports, a week later
        for r in [r for r in recs if r["$type"] == "CarbonBenefitReported"][:2]:
            c = json.loads(json.dumps(r))
            c["meta"]["occurred_at"] += 7 * 86400000
            c["co2_reduction_t"] = round(c["co2_reduction_t"] * 1.1, 3)
            c["climate_finance_note"] = "数据更正：按第三方核查报告调整"
            recs.append(c)
        return recs

    @staticmethod
    def keys_ever(ledger, lid):
        return {k for v in ledger.lists[lid]["versions"].values() for k in v["entries"]}

    def carbon(self, lid, key, period, t):
        rng = self.rng
        co2 = round(rng.uniform(50, 12000), 3)
        return {"$type": "CarbonBenefitReported", "meta": {"sender": SENDER["ecology"], "occurred_at": t,
                                                           "correlation_id": None},
                "list_id": lid, "entry_key": key, "period": period, "co2_reduction_t": co2,
                "energy_saving_tce": round(co2 / rng.uniform(2.2, 2.8), 3) if rng.random() < 0.8 else None,
                "climate_finance": wan(rng.choice([0, 0, 200, 500, 1200, 3000])),
                "climate_finance_note": rng.choice(CLIMATE_NOTES)}

    def financing(self, lid, key, period, t, m):
        rng = self.rng
        product, pname = rng.choice(PRODUCTS)
        amount = rng.choice([300, 500, 800, 1500, 3000, 6000])
        return {"$type": "FinancingSupportReported", "meta": {"sender": SENDER["finance"], "occurred_at": t,
                                                              "correlation_id": None},
                "list_id": lid, "entry_key": key, "period": period, "institution": rng.choice(INSTITUTIONS),
                "product": product, "product_name": pname,
                "amount": wan(amount), "balance": wan(amount * rng.uniform(0.6, 1.0)),
                "rate_bp": rng.choice([285, 305, 320, 345, 365]) if product not in ("GUARANTEE", "GREEN_BOND")
                else None}


class BadRecords:
    """One record per way of being refused, after the valid stream (each fails for one reason)."""

    def __init__(self, district, ledger, t0):
        self.d, self.ledger, self.t = district, ledger, t0

    def next_t(self):
        self.t += 60000
        return self.t

    def spec(self, lid):
        return next(s for s in District.LISTS if s["list_id"] == lid)

    def entries(self, lid):
        """The list's current entries as records carry them (key first), in key order."""
        return [dict(entry_key=k, **e) for k, e in sorted(self.ledger.lists[lid]["entries"].items())]

    def version(self, lid, v=None):
        lst = self.ledger.lists[lid]
        return lst["versions"][v or lst["version"]]

    def make(self):
        gp, ge, gf = self.spec("500106-DRC-GP"), self.spec("500106-DRC-GE"), self.spec("500106-EIT-GF")
        sme, cpa = self.spec("500106-EIT-SME"), self.spec("500106-EIT-CPA")
        one = self.entries(ge["list_id"])[:1]
        bad = []

        def add(recs, code, fault):
            for r in recs:
                r["_expect"], r["_fault"] = code, fault
            bad.extend(recs)

        def pub(spec, v, mode, entries, removed=(), **kw):
            return published(spec, v, mode, entries, list(removed), self.next_t(), 10 ** 6,
                             f"{spec['title']}（补充）", **kw)

        add(pub(ge, 2, "DELTA", one), "STALE_VERSION", "older_version")
        add(pub(gf, 3, "FULL", self.entries(gf["list_id"])), "STALE_VERSION", "repeat_version")
        add(pub(sme, 5, "DELTA", one), "VERSION_GAP", "delta_skips_version")
        hous_gf = dict(gf, list_id="500106-HOUSING-GF", bureau="housing")
        add(pub(hous_gf, 1, "FULL", one), "UNAUTHORIZED_SENDER", "kind_not_in_matrix")
        add(pub(dict(gp, list_id="500106-ECO-GP"), 1, "FULL", one, sender=SENDER["ecology"]),
            "UNAUTHORIZED_SENDER", "receiver_publishes")
        add(pub(dict(gf, list_id="500106-JLP-GF"), 1, "FULL", one, sender="d500107-eit"),
            "UNAUTHORIZED_SENDER", "other_district")
        add(pub(gp, 4, "FULL", self.entries(gp["list_id"]), sender=SENDER["eit"]),
            "UNAUTHORIZED_SENDER", "not_the_owner")
        add(pub(gf, 4, "FULL", one, kind="GREEN_PARK"), "LIST_MISMATCH", "kind_changed")
        bad_uscc = dict(one[0], entry_key="SPB-BAD-1", uscc=one[0]["uscc"][:17] + ("0" if one[0]["uscc"][17] != "0"
                                                                                   else "1"))
        add(pub(ge, 4, "DELTA", [bad_uscc]), "BAD_USCC", "check_character")
        add(pub(ge, 4, "DELTA", [], ["91500106NOTLISTED"]), "UNKNOWN_ENTRY", "remove_unknown_key")
        add(pub(ge, 4, "FULL", one + one), "DUPLICATE_ENTRY", "key_twice")
        self.reports_bad(add, gp)
        self.parts_bad(add, cpa)
        return bad

    def reports_bad(self, add, gp):
        lid = gp["list_id"]
        v2, v3 = self.version(lid, 2), self.version(lid, 3)
        removed_v2 = v2["removed"][0]          # off the list since December 2025
        added_v3 = v3["added"][0]              # on the list since March 2026
        live = sorted(v3["entries"])[0]
        c = self.d.carbon(lid, live, "2026H1", self.next_t())
        f = self.d.financing(lid, live, "2026H1", self.next_t(), 0)
        add([dict(c, meta=dict(c["meta"], sender=SENDER["finance"]))], "UNAUTHORIZED_SENDER", "carbon_by_finance")
        add([dict(f, meta=dict(f["meta"], sender=SENDER["ecology"]))], "UNAUTHORIZED_SENDER", "financing_by_ecology")
        add([dict(c, meta=dict(c["meta"], sender="d500107-eco"))], "UNAUTHORIZED_SENDER", "other_district_reports")
        add([self.d.carbon(lid, removed_v2, "2026H1", self.next_t())], "NOT_LISTED", "removed_before_period")
        add([self.d.financing(lid, added_v3, "2025H2", self.next_t(), 0)], "NOT_LISTED", "listed_after_period")
        add([self.d.carbon("500106-NOPE", live, "2026H1", self.next_t())], "UNAUTHORIZED_SENDER", "no_such_list")
        add([dict(self.d.carbon(lid, live, "2026H1", self.next_t()), period="2026Q1")], "INVALID_PERIOD",
            "quarter_not_half_year")
        add([self.d.carbon(lid, live, "2027H1", self.next_t())], "INVALID_PERIOD", "period_not_begun")
        add([dict(self.d.financing(lid, live, "2026H1", self.next_t(), 0), amount=-wan(100))], "NEGATIVE_AMOUNT",
            "negative_amount")

    def parts_bad(self, add, cpa):
        """A version in two parts whose second part disagrees, a repeated part, then a newer
        FULL version that supersedes the incomplete one (accepted: the list goes on)."""
        lid = cpa["list_id"]
        cur = self.entries(lid)
        v = self.ledger.lists[lid]["version"] + 1
        p = published(cpa, v, "FULL", cur, [], self.next_t(), (len(cur) + 1) // 2, f"{cpa['title']}（2026年第二批）")
        add([p[0]], "ACCEPTED", "part_1_of_incomplete_version")
        bad2 = dict(p[1], part_count=3)
        add([bad2], "PART_MISMATCH", "part_count_differs")
        again = json.loads(json.dumps(p[0]))
        again["meta"]["occurred_at"] = self.next_t()
        add([again], "DUPLICATE_PART", "part_sent_twice")
        newer = [self.d.changed(e) if i % 3 == 0 else e for i, e in enumerate(cur[1:])]
        add(published(cpa, v + 1, "FULL", newer, [], self.next_t(), 10 ** 6, f"{cpa['title']}（2026年第二批修订）"),
            "ACCEPTED", "supersedes_incomplete_version")


class Large:
    """One green-enterprise directory of n entries, FULL versions changing ~5 % each."""

    SPEC = dict(list_id="500106-EIT-ENT", kind="GREEN_ENTERPRISE", bureau="eit", title="沙坪坝区绿色企业名录（全量）")

    def __init__(self, rng, n, versions, part_size):
        self.rng, self.n, self.versions, self.part_size = rng, n, versions, part_size
        self.pool, self.stream = Pool(rng), []

    def entry(self, seq):
        ent = self.pool.new()
        rng = self.rng
        return {"entry_key": f"SPB-E-{seq:06d}", "uscc": ent["uscc"], "name": ent["name"], "project_name": None,
                "category_code": rng.choice([None, "1.3.1", "3.2.1", "4.1.2", "7.1.1"]),
                "attributes": {"所属行业": ent["industry"], "评价等级": rng.choice(["A", "AA", "AAA"]),
                               "所在镇街": rng.choice(PLACES)}}

    def build(self):
        rng, seq = self.rng, 0
        state = {}
        for _ in range(self.n):
            seq += 1
            e = self.entry(seq)
            state[e["entry_key"]] = e
        for v in range(1, self.versions + 1):
            if v > 1:
                keys = sorted(state)
                k = max(1, len(keys) // 20)
                for key in rng.sample(keys, 2 * k)[:k]:
                    del state[key]
                for key in rng.sample(sorted(state), k):
                    e = json.loads(json.dumps(state[key]))
                    e["attributes"]["评价等级"] = "AAA" if e["attributes"]["评价等级"] != "AAA" else "AA"
                    state[key] = e
                for _ in range(k):
                    seq += 1
                    e = self.entry(seq)
                    state[e["entry_key"]] = e
            self.stream += published(self.SPEC, v, "FULL", list(state.values()), [],
                                     at(2026, 3 + v, 10, 10), self.part_size,
                                     f"{self.SPEC['title']}（2026年第{v}版）")


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------

def run_model(stream, ledger):
    """Applies every record to the model; checks each gets the outcome it was made for."""
    outcomes = {"ACCEPTED": 0, "REFUSED": 0}
    codes = {}
    for n, r in enumerate(stream):
        status, code = ledger.apply(r)
        want = r.get("_expect", "ACCEPTED")
        got = code or status
        if got != want:
            raise SystemExit(f"make_namelists: record {n + 1} ({r['$type']} {r.get('_fault', '')}): "
                             f"the model says {got}, it was made to be {want}")
        outcomes[status] += 1
        if code:
            codes[code] = codes.get(code, 0) + 1
    return outcomes, codes


def expectations(ledger, outcomes, codes, with_content, needs_usccs):
    lists = {}
    for lid, lst in ledger.lists.items():
        vs = {}
        for v, ver in lst["versions"].items():
            d = {k: ver[k] for k in ("mode", "title", "eff", "parts", "prev", "added", "updated", "removed", "digest")}
            d["entry_count"] = len(ver["entries"])
            if with_content:
                d["entries"] = {k: content(e) for k, e in sorted(ver["entries"].items())}
            else:
                d["added"], d["updated"], d["removed"] = len(d["added"]), len(d["updated"]), len(d["removed"])
            vs[str(v)] = d
        lists[lid] = {"kind": lst["kind"], "region": lst["region"], "publisher": lst["publisher"],
                      "version": lst["version"], "versions": vs}
    tags = {}
    for u in needs_usccs:
        tags[u] = sorted({lst["kind"] for lst in ledger.lists.values() if covers(lst["region"], u[2:8])
                          and any(e["uscc"] == u for e in lst["entries"].values())})
    return {"records": outcomes, "refused": codes, "lists": lists,
            "carbon": sorted(ledger.carbon.values(), key=lambda r: (r["list_id"], r["entry_key"], r["period"])),
            "financing": sorted(ledger.financing.values(),
                                key=lambda r: (r["list_id"], r["entry_key"], r["period"], r["institution"],
                                               r["product"])),
            "abandoned": ledger.abandoned, "pending": {k: v["version"] for k, v in ledger.pending.items()},
            "tags": tags}


def needs_factories(path):
    """Factories of a make_needs.py stream, Chongqing ones first, each once."""
    seen, out = set(), []
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            fac = r.get("factory") if r.get("$type") == "NeedSubmitted" and not r.get("_expect") else None
            if fac and fac["uscc"] not in seen and mn.uscc_is_valid(fac["uscc"]):
                seen.add(fac["uscc"])
                out.append({"uscc": fac["uscc"], "name": fac["name"], "cq": fac["province"] == "500000"})
    return sorted(out, key=lambda f: not f["cq"])


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", help="output file (default stdout)")
    p.add_argument("--expect", help="also write the expected ledger as JSON")
    p.add_argument("--part-size", type=int, default=2000, help="most entries per NameListPublished record")
    p.add_argument("--bad", action="store_true", help="append records gfdx-namelist must refuse")
    p.add_argument("--needs", help="a make_needs.py stream whose factories go on the national lists")
    p.add_argument("--large", type=int, default=0, help="N: one directory of N entries instead of the district")
    p.add_argument("--large-versions", type=int, default=1, help="FULL versions of the directory")
    a = p.parse_args(argv)
    if a.part_size < 1 or a.large < 0 or a.large_versions < 1:
        p.error("--part-size, --large and --large-versions must be positive")
    return a


def main(argv):
    args = parse_args(argv)
    rng = random.Random(args.seed)
    ledger = Ledger()
    factories = needs_factories(args.needs) if args.needs else []
    if args.large:
        sc = Large(rng, args.large, args.large_versions, args.part_size)
        sc.build()
        stream = sc.stream
    else:
        sc = District(rng, args.part_size, factories)
        sc.build()
        # in time order: reports of January 2026 come between the December and March versions
        stream = sorted(sc.stream + sc.reports(_replay(sc.stream)), key=lambda r: r["meta"]["occurred_at"])
        if args.bad:
            stream += BadRecords(sc, _replay(stream), stream[-1]["meta"]["occurred_at"]).make()
    outcomes, codes = run_model(stream, ledger)
    out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout
    try:
        for r in stream:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
    finally:
        if args.out:
            out.close()
    if args.expect:
        with open(args.expect, "w", encoding="utf-8") as f:
            json.dump(expectations(ledger, outcomes, codes, not args.large, [x["uscc"] for x in factories]), f,
                      ensure_ascii=False, indent=1)
            f.write("\n")
    types = {}
    for r in stream:
        types[r["$type"]] = types.get(r["$type"], 0) + 1
    versions = sum(len(x["versions"]) for x in ledger.lists.values())
    entries = sum(len(x["entries"]) for x in ledger.lists.values())
    print(f"make_namelists: {len(ledger.lists)} lists, {versions} versions, {entries} current entries; "
          f"{len(stream)} records ({', '.join(f'{k} {v}' for k, v in types.items())}); "
          f"accepted {outcomes['ACCEPTED']}, refused {outcomes['REFUSED']}", file=sys.stderr)
    return 0


def _replay(stream):
    led = Ledger()
    for r in stream:
        led.apply(r)
    return led


if __name__ == "__main__":
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    sys.exit(main(sys.argv[1:]))
