#!/usr/bin/env python3
"""make_needs.py: a realistic quarter of green-factory financing needs for gfdx.needs.

Writes JSON lines in stream order, one record per line: {"$type": "NeedSubmitted",
"meta": {...}, <fields of the record>}. Field names and shapes follow
schemas/avro/*.avsc; meta carries sender and occurred_at (Unix ms) but no event_id
(the producer fills it). Keys starting with "_" are hints for tests and are ignored
by the producer. Deterministic for a given --seed. Standard library only.

See deploy/sample/README.md for the scenario and the conventions.
"""
import argparse
import datetime as dt
import json
import os
import random
import re
import sys

# ---------------------------------------------------------------------------
# Codes: USCC (GB 32100), organisation code (GB 11714), regions (GB/T 2260)
# ---------------------------------------------------------------------------

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 3^(i-1) mod 31 for i = 1..17


def uscc_check_char(first17):
    """GB 32100 check character of the first 17 characters."""
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    check = 31 - total % 31
    return USCC_CHARSET[0 if check == 31 else check]


def uscc_is_valid(s):
    return (isinstance(s, str) and len(s) == 18 and all(c in USCC_CHARSET for c in s)
            and uscc_check_char(s[:17]) == s[17])


def org_code(rng):
    """A 9-character organisation code (GB 11714): 8 body characters + check."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    if rng.random() < 0.3:  # some codes carry letters; stay inside the USCC alphabet
        pos = rng.randrange(8)
        body = body[:pos] + rng.choice("ABCDEFGHJKLMNPQRTUWXY") + body[pos + 1:]
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    val = [int(c) if c.isdigit() else ord(c) - 55 for c in body]
    c9 = 11 - sum(v * w for v, w in zip(val, weights)) % 11
    return body + ("X" if c9 == 10 else "0" if c9 == 11 else str(c9))


def make_uscc(rng, region_code):
    """9 (registered by market regulation) 1 (enterprise) + region + org code + check."""
    first17 = "91" + region_code + org_code(rng)
    return first17 + uscc_check_char(first17)


# Province -> places. A place is (location_region, city name, district name). For the
# municipalities the region is the district code; elsewhere it is the prefecture city code.
def _cities(*rows):
    return [(code, city, d) for code, city, districts in rows for d in districts]


PROVINCES = {
    "310000": dict(name="上海市", short="上海", weight=12,
                   authority="上海市经济和信息化委员会", places=[
                       ("310115", "上海市", "浦东新区"), ("310112", "上海市", "闵行区"),
                       ("310113", "上海市", "宝山区"), ("310114", "上海市", "嘉定区"),
                       ("310116", "上海市", "金山区"), ("310117", "上海市", "松江区"),
                       ("310118", "上海市", "青浦区"), ("310120", "上海市", "奉贤区")]),
    "320000": dict(name="江苏省", short="江苏", weight=22,
                   authority="江苏省工业和信息化厅", places=_cities(
                       ("320100", "南京市", ["江宁区", "六合区", "浦口区"]),
                       ("320200", "无锡市", ["江阴市", "宜兴市", "锡山区", "新吴区"]),
                       ("320300", "徐州市", ["铜山区", "邳州市"]),
                       ("320400", "常州市", ["武进区", "新北区", "溧阳市"]),
                       ("320500", "苏州市", ["昆山市", "张家港市", "常熟市", "吴江区"]),
                       ("320600", "南通市", ["如皋市", "海门区", "通州区"]),
                       ("320900", "盐城市", ["大丰区", "东台市"]),
                       ("321000", "扬州市", ["仪征市", "江都区"]),
                       ("321100", "镇江市", ["丹阳市", "句容市"]),
                       ("321200", "泰州市", ["靖江市", "泰兴市"]))),
    "330000": dict(name="浙江省", short="浙江", weight=20,
                   authority="浙江省经济和信息化厅", places=_cities(
                       ("330100", "杭州市", ["萧山区", "余杭区", "临平区", "富阳区"]),
                       ("330200", "宁波市", ["北仑区", "镇海区", "慈溪市", "余姚市", "鄞州区"]),
                       ("330300", "温州市", ["瑞安市", "乐清市", "龙湾区"]),
                       ("330400", "嘉兴市", ["海宁市", "桐乡市", "平湖市"]),
                       ("330500", "湖州市", ["长兴县", "德清县", "吴兴区"]),
                       ("330600", "绍兴市", ["柯桥区", "上虞区", "诸暨市"]),
                       ("330700", "金华市", ["义乌市", "永康市", "东阳市"]),
                       ("331000", "台州市", ["温岭市", "黄岩区", "玉环市"]))),
    "440000": dict(name="广东省", short="广东", weight=20,
                   authority="广东省工业和信息化厅", places=_cities(
                       ("440100", "广州市", ["黄埔区", "番禺区", "南沙区", "花都区"]),
                       ("440300", "深圳市", ["宝安区", "龙岗区", "光明区", "坪山区", "南山区"]),
                       ("440400", "珠海市", ["金湾区", "斗门区"]),
                       ("440600", "佛山市", ["顺德区", "南海区", "三水区"]),
                       ("440700", "江门市", ["新会区", "鹤山市"]),
                       ("441200", "肇庆市", ["高要区", "四会市"]),
                       ("441300", "惠州市", ["惠阳区", "博罗县"]),
                       ("441900", "东莞市", ["长安镇", "虎门镇", "塘厦镇"]),
                       ("442000", "中山市", ["小榄镇", "三角镇"]))),
    "500000": dict(name="重庆市", short="重庆", weight=10,
                   authority="重庆市经济和信息化委员会", places=[
                       ("500106", "重庆市", "沙坪坝区"), ("500107", "重庆市", "九龙坡区"),
                       ("500112", "重庆市", "渝北区"), ("500113", "重庆市", "巴南区"),
                       ("500109", "重庆市", "北碚区"), ("500116", "重庆市", "江津区"),
                       ("500118", "重庆市", "永川区"), ("500120", "重庆市", "璧山区"),
                       ("500115", "重庆市", "长寿区"), ("500102", "重庆市", "涪陵区")]),
    "370000": dict(name="山东省", short="山东", weight=16,
                   authority="山东省工业和信息化厅", places=_cities(
                       ("370100", "济南市", ["历城区", "章丘区", "莱芜区"]),
                       ("370200", "青岛市", ["黄岛区", "城阳区", "即墨区", "胶州市", "平度市"]),
                       ("370300", "淄博市", ["张店区", "临淄区", "桓台县"]),
                       ("370500", "东营市", ["东营区", "广饶县"]),
                       ("370600", "烟台市", ["福山区", "龙口市", "莱州市"]),
                       ("370700", "潍坊市", ["寿光市", "诸城市", "高密市"]),
                       ("370800", "济宁市", ["兖州区", "邹城市"]),
                       ("371000", "威海市", ["文登区", "荣成市"]),
                       ("371300", "临沂市", ["兰山区", "罗庄区"]),
                       ("371600", "滨州市", ["邹平市", "博兴县"]))),
}
# Share of a province's projects located in its named city or district (routing cases:
# 计划单列市 branches 宁波/深圳/青岛, and Shapingba's district green-finance plan).
SPECIAL_PLACES = {"330000": ("330200", 0.35), "440000": ("440300", 0.35),
                  "370000": ("370200", 0.30), "500000": ("500106", 0.40)}
UNKNOWN_REGION = "990000"  # no province 99 in GB/T 2260
# 计划单列市 authorities: they, not the province's, review and recommend the needs whose project
# lies in their city (deploy/participants.cfg; gfdx-intake authorizes by the project's area).
PLAN_CITY_AUTHORITIES = {"210200": "大连市工业和信息化局", "330200": "宁波市经济和信息化局",
                         "350200": "厦门市工业和信息化局", "370200": "青岛市工业和信息化局",
                         "440300": "深圳市工业和信息化局"}


def authority_code(need):
    """The code of the authority that reviews and recommends need: its project's 计划单列市,
    or its province (sender "prov-<code>")."""
    city = need["project"]["location_region"][:4] + "00"
    return city if city in PLAN_CITY_AUTHORITIES else need["province"]


def authority_name(code):
    return PLAN_CITY_AUTHORITIES.get(code) or PROVINCES[code]["authority"]

# ---------------------------------------------------------------------------
# Working-day calendar (deploy/calendar.cfg) and China time
# ---------------------------------------------------------------------------

CST = dt.timezone(dt.timedelta(hours=8))
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


class Calendar:
    """Working days: Mon-Fri not in holidays, plus the make-up days (调休)."""

    def __init__(self, path):
        self.holidays, self.workdays, self.years = set(), set(), []
        if path and os.path.exists(path):
            self._load(path)
        else:
            print(f"make_needs: warning: no calendar at {path}; weekends only", file=sys.stderr)

    def _load(self, path):
        with open(path, encoding="utf-8") as f:
            text = "\n".join(line.split("#", 1)[0] for line in f)
        for key, target in (("holidays", self.holidays), ("workdays", self.workdays)):
            m = re.search(key + r"\s*=\s*\[(.*?)\]", text, re.S)
            for s in re.findall(r'"(\d{4}-\d{2}-\d{2})"', m.group(1) if m else ""):
                target.add(dt.date.fromisoformat(s))
        m = re.search(r"years\s*=\s*\[(.*?)\]", text, re.S)
        self.years = [int(y) for y in re.findall(r"\d{4}", m.group(1))] if m else []

    def covers(self, year):
        return year in self.years

    def is_working(self, d):
        if d in self.workdays:
            return True
        return d.weekday() < 5 and d not in self.holidays

    def next_working(self, d, k=1):
        """The k-th working day strictly after d."""
        while k > 0:
            d += dt.timedelta(days=1)
            if self.is_working(d):
                k -= 1
        return d


def at(d, hour, minute, second=0, milli=0):
    """Unix ms of a China-time wall clock."""
    t = dt.datetime(d.year, d.month, d.day, hour, minute, second, milli * 1000, tzinfo=CST)
    return (t - EPOCH) // dt.timedelta(milliseconds=1)


def office_time(rng, d):
    """An official's working hours, 09:00-17:29."""
    minute = rng.randrange(8 * 60 + 30)
    return at(d, 9 + minute // 60, minute % 60, rng.randint(0, 59), rng.randint(0, 999))


def any_time(rng, d):
    """A factory on the online platform: 08:00-22:59, any day."""
    return at(d, rng.choice([8, 9, 10, 10, 11, 14, 15, 15, 16, 17, 19, 20, 21, 22]),
              rng.randint(0, 59), rng.randint(0, 59), rng.randint(0, 999))


def day_of(ms):
    return (EPOCH + dt.timedelta(milliseconds=ms)).astimezone(CST).date()


# ---------------------------------------------------------------------------
# Vocabulary: factories, projects, people
# ---------------------------------------------------------------------------

BRAND_CHARS = "恒瑞华鑫宏远创达兴正联盛博泰新源立德金安永信隆凯美嘉力天中海丰广汇昌和润"
# (industry in the name, heavy industry?, product word for R&D projects)
INDUSTRIES = [
    ("新材料科技", False, "生物基可降解材料"), ("化工", True, "高性能工程塑料"),
    ("印染", False, "无水染色装备"), ("纺织", False, "再生纤维"),
    ("汽车零部件", False, "新能源汽车轻量化铝合金部件"), ("精密机械", False, "高效节能空压机"),
    ("电子科技", False, "低功耗功率半导体器件"), ("特钢", True, "短流程电炉特种钢"),
    ("铝业", True, "再生铝合金"), ("造纸", True, "绿色包装纸"), ("食品", False, "植物基蛋白"),
    ("制药", False, "连续流绿色原料药"), ("新能源科技", False, "高效光伏组件"),
    ("电池", False, "磷酸铁锂储能电池"), ("建材", True, "低碳胶凝材料"), ("玻璃", True, "光伏压延玻璃"),
    ("陶瓷", True, "薄型节能陶瓷板"), ("电机", False, "高效节能永磁电机"),
    ("线缆", False, "环保型中压电缆"), ("轮胎", True, "低滚阻绿色轮胎"),
    ("环保设备", False, "高效除尘脱硝装备"), ("装备制造", False, "氢燃料电池关键部件"),
]
ORG_FORMS = ["有限公司", "有限公司", "有限公司", "股份有限公司", "集团有限公司"]

# Primary measure -> (project name templates, plausible catalogue codes, tce per 万元 invested)
MEASURES = {
    "ENERGY_SAVING_CARBON": (["余热余压回收利用节能改造项目", "高效电机及空压系统节能改造项目",
                              "生产线节能降碳技术改造项目", "工业窑炉节能降碳改造项目"],
                             ["1.3.1", "1.3.2", "1.3.3"], (0.3, 1.0)),
    "WATER_SAVING_POLLUTION": (["工业废水深度处理及中水回用项目", "废水近零排放改造项目",
                                "节水型循环冷却系统改造项目"], ["2.2.1", "2.2.2", "2.3.1"], (0.02, 0.1)),
    "RESOURCE_RECYCLING": (["工业固废资源化综合利用项目", "废旧动力电池回收利用项目",
                            "边角废料再生利用生产线项目"], ["3.1.1", "3.2.1", "3.3.2"], (0.1, 0.4)),
    "CLEAN_FUEL_SUBSTITUTION": (["燃煤锅炉清洁能源替代项目", "天然气分布式能源站项目",
                                 "工业窑炉电能替代改造项目"], ["4.2.3", "1.3.4"], (0.15, 0.5)),
    "ENVIRONMENTAL_EQUIPMENT": (["VOCs治理设施提标改造项目", "高效除尘脱硝设施升级项目"],
                                ["2.1.1", "2.1.3"], (0.02, 0.1)),
    "DIGITAL_GREEN_SYNERGY": (["数字化绿色化协同转型智能工厂项目", "生产过程智能化能效管控改造项目"],
                              ["1.3.5", "7.1.2"], (0.1, 0.3)),
    "INDUSTRIAL_GREEN_MICROGRID": (["厂房屋顶分布式光伏及储能工业绿色微电网项目",
                                    "源网荷储一体化绿色微电网项目"], ["4.1.2", "4.5.1"], (0.15, 0.5)),
    "ENERGY_CARBON_CENTRE": (["企业能碳管理中心建设项目", "能源管控及碳排放管理平台项目"],
                             ["7.1.1", "1.3.6"], (0.1, 0.3)),
    "GREEN_DATA_CENTRE": (["绿色数据中心液冷节能改造项目", "工业互联网绿色算力中心项目"],
                          ["6.3.1"], (0.2, 0.6)),
}
TECH_UPGRADE_MEASURES = list(MEASURES)
ZERO_CARBON_CODES = ["1.3.1", "4.5.1"]
RD_CODES = ["1.1.1", "1.1.2", "2.1.1", "3.2.2", "4.1.1"]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN1 = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚华文斌鹏辉婷晨宇浩凯琳雪波宁健峰亮"
GIVEN2 = ["秀英", "桂英", "建华", "志强", "海燕", "晓东", "国平", "建军", "丽娟", "春梅", "志刚",
          "玉兰", "文博", "思远", "梓涵", "浩然", "雨萱", "子轩", "晓峰", "永强"]
MOBILE_PREFIXES = ["133", "135", "136", "137", "138", "139", "153", "158", "159", "177",
                   "180", "181", "186", "187", "188", "189", "191", "199"]
GUARANTEES = ["土地及厂房抵押", "机器设备抵押", "母公司连带责任保证", "政府性融资担保机构担保",
              "碳排放权质押", "应收账款质押", "排污权质押", "知识产权质押"]

RETURN_COMMENTS = [
    ("项目节能量测算依据不足，请补充第三方节能评估报告", "已补充第三方节能评估报告，修正年节能量测算", "tce"),
    ("资本金与投资概算不一致，请核实后重新提交", "已核实并更正项目资本金金额", "equity"),
    ("项目所属目录代码选择有误，请对照《绿色金融支持项目目录（2025年版）》核对", "已更正项目目录代码", "code"),
]
REJECT_COMMENTS = ["企业不在有效期内的绿色工厂名单中", "项目不属于绿色金融支持范围",
                   "企业近三年存在较大及以上环境违法行为", "项目已获同类财政资金及信贷支持，存在重复融资风险"]
APPROVE_COMMENTS = ["符合绿色工厂项目融资需求征集条件，同意", "材料齐全，项目绿色属性明确", None, None, None]
WITHDRAW_REASONS = ["企业已通过自有资金解决融资需求", "项目投资计划调整，暂缓实施",
                    "已通过其他渠道获得融资", "项目选址变更，拟调整后重新申报"]
EARLY_REVISIONS = [("更正联系人电话", "phone"), ("补充融资担保方式", "guarantee"),
                   ("更正项目计划开工日期", "start")]

# ---------------------------------------------------------------------------
# Building the records
# ---------------------------------------------------------------------------


def wan(x):
    """万元 -> fen."""
    return int(round(x * 1_000_000))


def person_name(rng):
    x = rng.random()
    given = rng.choice(GIVEN1) if x < 0.45 else rng.choice(GIVEN2) if x < 0.75 else \
        rng.choice(GIVEN1) + rng.choice(GIVEN1)
    return rng.choice(SURNAMES) + given


def make_factory(rng, prov_code, place, used_usccs):
    prov = PROVINCES[prov_code]
    region, city, district = place
    industry, heavy, product = rng.choice(INDUSTRIES)
    prefix = city[:-1] if rng.random() < 0.7 and len(city) > 2 else prov["short"]
    brand = "".join(rng.sample(BRAND_CHARS, 2))
    while True:
        uscc = make_uscc(rng, region)
        if uscc not in used_usccs:
            used_usccs.add(uscc)
            break
    size = rng.choices(["LARGE", "MEDIUM", "SMALL", "MICRO"], [25, 35, 30, 10])[0]
    grade_p = 0.8 if prov_code == "330000" else 0.1  # 企业绿码 is mostly a Zhejiang practice
    return {
        "uscc": uscc,
        "name": f"{prefix}{brand}{industry}{rng.choice(ORG_FORMS)}",
        "province": prov_code,
        "city": city,
        "district": district,
        "green_level": rng.choices(["NATIONAL", "PROVINCIAL", "MUNICIPAL"], [50, 35, 15])[0],
        "green_code_grade": rng.choice(["A_PLUS", "A", "A", "B"]) if rng.random() < grade_p else None,
        "size": size,
    }, (heavy, product)


def financing_amount_wan(rng, size, is_major):
    lo, hi = {"LARGE": (5000, 50000), "MEDIUM": (1000, 20000), "SMALL": (500, 5000),
              "MICRO": (500, 1500)}[size]
    if is_major:
        lo, hi = 20000, 50000
    x = lo * (hi / lo) ** rng.random()  # log-uniform
    step = 500 if x >= 10000 else 100 if x >= 2000 else 50
    return min(50000, max(500, int(round(x / step)) * step))


def financing_types(rng, size, heavy, amount_wan):
    # Short-term working-capital loans are for small amounts; big projects borrow long.
    pool = [("MEDIUM_LONG_TERM_LOAN", 45), ("LOAN", 15 if amount_wan < 10000 else 3),
            ("LEASING", 10), ("OTHER", 2)]
    if size in ("SMALL", "MICRO"):
        pool += [("CREDIT_LOAN", 15), ("RENEWAL_WITHOUT_REPAYMENT", 8)]
    if size == "LARGE" and amount_wan >= 20000:
        pool += [("GREEN_BOND", 12)] + ([("TRANSITION_BOND", 10)] if heavy else [])
    names, weights = zip(*pool)
    first = rng.choices(names, weights)[0]
    types = [first]
    if rng.random() < 0.3:
        second = rng.choices(names, weights)[0]
        if second != first:
            types.append(second)
    return types


def term_for(rng, ftype):
    return rng.choice({"MEDIUM_LONG_TERM_LOAN": [36, 60, 84, 96, 120], "GREEN_BOND": [36, 60],
                       "TRANSITION_BOND": [36, 60], "LEASING": [36, 48, 60]}.get(ftype, [12, 24, 36]))


def make_project(rng, factory, traits, place, q_start, is_major):
    heavy, product = traits
    kind = rng.choices(["TECH_UPGRADE", "RD_INDUSTRIALIZATION", "ZERO_CARBON_FACTORY"], [60, 20, 20])[0]
    if kind == "ZERO_CARBON_FACTORY":
        measures = ["INDUSTRIAL_GREEN_MICROGRID", "ENERGY_SAVING_CARBON", "ENERGY_CARBON_CENTRE"]
        name, code, rate = "零碳工厂建设项目", rng.choice(ZERO_CARBON_CODES), (0.3, 0.8)
        months = rng.randint(12, 30)
    elif kind == "RD_INDUSTRIALIZATION":
        measures = [rng.choice(["ENVIRONMENTAL_EQUIPMENT", "ENERGY_SAVING_CARBON", "RESOURCE_RECYCLING"])]
        name, code, rate = f"{product}研发及产业化项目", rng.choice(RD_CODES), (0.05, 0.2)
        months = rng.randint(18, 36)
    else:
        primary = rng.choice(TECH_UPGRADE_MEASURES)
        templates, codes, rate = MEASURES[primary]
        measures = [primary]
        name, code = rng.choice(templates), rng.choice(codes)
        months = rng.randint(8, 24)
    for extra in rng.sample(TECH_UPGRADE_MEASURES, rng.choice([0, 0, 1, 2])):
        if extra not in measures:
            measures.append(extra)
    region, city, district = place
    fin = financing_amount_wan(rng, factory["size"], is_major)
    debt_share = rng.uniform(0.5, 0.8)
    total = round(fin / debt_share, 2)
    equity = min(round(total * rng.uniform(0.2, 1 - debt_share), 2), round(total - fin, 2))
    tce = round(total * rng.uniform(*rate), 1)
    water = "WATER_SAVING_POLLUTION" in measures
    start = q_start + dt.timedelta(days=rng.randint(-60, 200))
    ftypes = financing_types(rng, factory["size"], heavy, fin)
    return {
        "name": name if rng.random() < 0.5 else f"{factory['name'][:-4].rstrip('有限股份集团')}{name}",
        "kind": kind,
        "measures": measures,
        "catalogue_code": code,
        "location_region": region,
        "location": f"{PROVINCES[factory['province']]['name']}"
                    f"{city if city != PROVINCES[factory['province']]['name'] else ''}{district}"
                    f"{rng.choice(['经济技术开发区', '高新技术产业开发区', '工业园区', '产业园'])}",
        "start_date": start.isoformat(),
        "end_date": (start + dt.timedelta(days=round(months * 30.4))).isoformat(),
        "total_investment": wan(total),
        "equity": wan(equity),
        "financing_amount": wan(fin),
        "financing_types": ftypes,
        "term_months": term_for(rng, ftypes[0]),
        "guarantee": rng.choice(GUARANTEES) if rng.random() < 0.7 else None,
        "energy_saving_tce": tce,
        "co2_reduction_t": round(tce * rng.uniform(2.4, 2.8), 1),
        "water_saving_t": round(total * rng.uniform(5, 40), 1) if water
        else (round(total * rng.uniform(0.1, 2), 1) if rng.random() < 0.3 else 0.0),
        "digital_maturity": rng.choice([1, 2, 2, 3, 3, 3, 4, 5]) if rng.random() < 0.7 else None,
    }


def make_contact(rng, uscc):
    return {"name": person_name(rng),
            "phone": rng.choice(MOBILE_PREFIXES) + "".join(rng.choice("0123456789") for _ in range(8)),
            "email": f"finance.{uscc[8:14].lower()}@example.com" if rng.random() < 0.6 else None}


# ---------------------------------------------------------------------------
# The intake state machine (DESIGN §6.1), mirrored to check what we generate
# ---------------------------------------------------------------------------

FSM = {("NONE", "SUBMIT"): "SUBMITTED", ("SUBMITTED", "REVISE"): "SUBMITTED",
       ("RETURNED", "REVISE"): "SUBMITTED", ("SUBMITTED", "APPROVE"): "APPROVED",
       ("SUBMITTED", "REJECT"): "REJECTED", ("SUBMITTED", "RETURN"): "RETURNED",
       ("APPROVED", "RECOMMEND"): "RECOMMENDED", ("RECOMMENDED", "PUSHED"): "PUSHED"}
for _s in ("SUBMITTED", "APPROVED", "RETURNED", "RECOMMENDED", "PUSHED"):
    FSM[(_s, "WITHDRAW")] = "WITHDRAWN"


def fsm_event(rec):
    t = rec["$type"]
    if t == "NeedReviewed":
        return {"APPROVED": "APPROVE", "REJECTED": "REJECT", "RETURNED": "RETURN"}[rec["decision"]]
    return {"NeedSubmitted": "SUBMIT", "NeedRevised": "REVISE", "NeedRecommended": "RECOMMEND",
            "NeedWithdrawn": "WITHDRAW"}[t]


def fsm_apply(status, rec):
    """New status after rec, or None when intake must refuse it as an illegal transition.
    A recommendation is pushed at once (RECOMMENDED -PUSHED-> PUSHED)."""
    nxt = FSM.get((status, fsm_event(rec)))
    if nxt == "RECOMMENDED":
        nxt = FSM[(nxt, "PUSHED")]
    return nxt


# ---------------------------------------------------------------------------
# The quarter's scenario
# ---------------------------------------------------------------------------

# (case, share of --count, minimum when --count >= 40). Whatever is left is ON_TIME:
# approved and recommended within the quarter.
CASES = [
    ("late_major", 0.0, 1),           # approved late, recommended next quarter, major: not late
    ("late", 0.02, 2),                # approved late, recommended next quarter: late
    ("rejected", 0.07, 2),
    ("returned_ok", 0.09, 2),         # returned, revised, approved, recommended (one twice returned)
    ("returned_open", 0.02, 1),       # returned near quarter end, not revised yet
    ("revised_early", 0.03, 1),       # revised while SUBMITTED, then approved and recommended
    ("withdrawn_submitted", 0.02, 1),
    ("withdrawn_approved", 0.01, 1),
    ("withdrawn_pushed", 0.03, 2),    # withdrawn after recommendation: NeedPushWithdrawn
    ("pending", 0.04, 2),             # submitted in the last days, not reviewed yet
    ("waiting", 0.01, 1),             # approved after the last batch, not recommended
]


def plan_cases(count):
    plan = []
    for case, share, minimum in CASES:
        n = round(share * count)
        if count >= 40:
            n = max(n, minimum)
        elif case == "late_major" and count >= 4:
            n = 1
        plan.append([case, n])
    while sum(n for _, n in plan) > count:  # tiny counts: drop from the end
        for item in reversed(plan):
            if item[1] > 0:
                item[1] -= 1
                break
    plan.append(["on_time", count - sum(n for _, n in plan)])
    return [case for case, n in plan for _ in range(n)]


def parse_quarter(s):
    m = re.fullmatch(r"(\d{4})Q([1-4])", s)
    if not m:
        raise ValueError(f"quarter must look like 2026Q1, not {s!r}")
    year, q = int(m.group(1)), int(m.group(2))
    start = dt.date(year, 3 * q - 2, 1)
    nxt = dt.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
    return start, nxt - dt.timedelta(days=1), f"{nxt.year}Q{(nxt.month - 1) // 3 + 1}"


class Scenario:
    def __init__(self, rng, cal, quarter, count, v1_share):
        self.rng, self.cal, self.quarter, self.v1_share = rng, cal, quarter, v1_share
        self.start, self.end, self.next_quarter = parse_quarter(quarter)
        days = (self.end - self.start).days + 1
        self.days = [self.start + dt.timedelta(days=i) for i in range(days)]
        self.W = [d for d in self.days if cal.is_working(d)]
        self.last_wd = self.W[-1]
        self.next_wds = [cal.next_working(self.end, k) for k in (1, 2, 3)]
        for year in sorted({self.start.year, self.next_wds[-1].year}):
            if not cal.covers(year):
                print(f"make_needs: warning: calendar has no holidays for {year}; "
                      "using weekends only there", file=sys.stderr)
        self.batches = {p: self._batch_days() for p in PROVINCES}
        self.batch_fill = {}
        self.used_usccs, self.factories = set(), {p: [] for p in PROVINCES}
        self.count = count
        self.needs = []

    def wd(self, i):
        """Working day by index, negative from the end, clamped to the quarter."""
        n = len(self.W)
        return self.W[min(n - 1, max(0, i if i >= 0 else n + i))]

    def _batch_days(self):
        n, rng = len(self.W), self.rng
        return [self.W[int(0.45 * n) + rng.randint(-3, 3)],
                self.W[int(0.75 * n) + rng.randint(-3, 3)],
                self.wd(-1 - rng.randint(1, 3))]

    def pick_day(self, lo, hi):
        """A day in [lo, hi], working days four times as likely (the platform is always open)."""
        cands = [d for d in self.days if lo <= d <= hi] or [lo]
        return self.rng.choices(cands, [4 if self.cal.is_working(d) else 1 for d in cands])[0]

    # --- needs -------------------------------------------------------------

    def pick_place(self, prov_code):
        places = PROVINCES[prov_code]["places"]
        special = SPECIAL_PLACES.get(prov_code)
        if special and self.rng.random() < special[1]:
            return self.rng.choice([p for p in places if p[0] == special[0]])
        return self.rng.choice([p for p in places if not special or p[0] != special[0]])

    def new_need(self, case, is_major, prov_code=None):
        rng = self.rng
        if prov_code is None:
            codes = list(PROVINCES)
            prov_code = rng.choices(codes, [PROVINCES[c]["weight"] for c in codes])[0]
        place = self.pick_place(prov_code)
        known = self.factories[prov_code]
        if known and rng.random() < 0.08 and not is_major:  # a factory filing a second project
            factory, traits = known[rng.randrange(len(known))]
        else:
            fplace = place if rng.random() < 0.9 else rng.choice(PROVINCES[prov_code]["places"])
            factory, traits = make_factory(rng, prov_code, fplace, self.used_usccs)
            if is_major:
                factory["size"] = "LARGE"
            known.append((factory, traits))
        need = {"id": None, "province": prov_code, "case": case, "is_major": is_major,
                "factory": factory, "project": make_project(rng, factory, traits, place,
                                                            self.start, is_major),
                "contact": make_contact(rng, factory["uscc"]),
                "channel": "MIIT_PLATFORM" if rng.random() < 0.85 else "PROVINCIAL_PLATFORM",
                "v1": rng.random() < self.v1_share, "records": [], "submitted_at": None}
        return need

    # --- records -----------------------------------------------------------

    def emit(self, need, rtype, sender, ms, fields, corr=None):
        rec = {"$type": rtype, "meta": {"sender": sender, "occurred_at": ms, "correlation_id": corr},
               "need_id": need["id"]}
        rec.update(fields)
        need["records"].append(rec)
        return rec

    def need_body(self, need, v1):
        project = json.loads(json.dumps(need["project"]))
        if v1:
            del project["digital_maturity"]
        body = {"factory": json.loads(json.dumps(need["factory"])), "project": project,
                "is_major": need["is_major"], "contact": dict(need["contact"])}
        if not v1:
            body["submission_channel"] = need["channel"]
        return body

    def submit(self, need, day):
        ms = any_time(self.rng, day)
        need["submitted_at"] = ms
        rec = self.emit(need, "NeedSubmitted", "miit", ms, self.need_body(need, need["v1"]))
        if need["v1"]:
            rec["_schema"] = "need_submitted.v1"
        return ms

    def revise(self, need, day, note, change):
        rng, p = self.rng, need["project"]
        if change == "tce":
            p["energy_saving_tce"] = round(p["energy_saving_tce"] * rng.uniform(0.7, 0.9), 1)
            p["co2_reduction_t"] = round(p["energy_saving_tce"] * rng.uniform(2.4, 2.8), 1)
        elif change == "equity":
            p["equity"] = min(p["total_investment"] - p["financing_amount"],
                              (p["total_investment"] * rng.randint(22, 30) // 100) // 10000 * 10000)
        elif change == "code":
            p["catalogue_code"] = rng.choice([c for c in RD_CODES + ZERO_CARBON_CODES
                                              if c != p["catalogue_code"]])
        elif change == "phone":
            need["contact"]["phone"] = rng.choice(MOBILE_PREFIXES) + "".join(
                rng.choice("0123456789") for _ in range(8))
        elif change == "guarantee":
            p["guarantee"] = rng.choice(GUARANTEES)
        elif change == "start":
            start = dt.date.fromisoformat(p["start_date"]) + dt.timedelta(days=rng.randint(20, 60))
            end = dt.date.fromisoformat(p["end_date"]) + dt.timedelta(days=rng.randint(20, 60))
            p["start_date"], p["end_date"] = start.isoformat(), end.isoformat()
        body = self.need_body(need, False)
        body["revision_note"] = note
        return self.emit(need, "NeedRevised", "miit", any_time(rng, day), body)["meta"]["occurred_at"]

    def review(self, need, day, decision, comment):
        prov = need["province"]
        reviewer = f"{authority_name(authority_code(need))} {self.reviewers[prov][self.rng.randrange(2)]}"
        self.emit(need, "NeedReviewed", f"prov-{authority_code(need)}", office_time(self.rng, day),
                  {"decision": decision, "comment": comment, "reviewer": reviewer})
        return day

    def recommend(self, need, ms, batch_id, late, case=None):
        rec = self.emit(need, "NeedRecommended", f"prov-{authority_code(need)}", ms,
                        {"quarter": self.quarter, "batch_id": batch_id}, corr=batch_id)
        rec["_expect_quarter"] = self.next_quarter if late else self.quarter
        rec["_expect_late"] = late
        if case:
            rec["_case"] = case
        need["recommended"] = (rec["_expect_quarter"], late)
        return ms

    def withdraw(self, need, day):
        return self.emit(need, "NeedWithdrawn", "miit", any_time(self.rng, day),
                         {"reason": self.rng.choice(WITHDRAW_REASONS)})["meta"]["occurred_at"]

    # --- life cycles -------------------------------------------------------

    def approve(self, need, day):
        comment = "重大项目，建议优先推荐" if need["is_major"] else self.rng.choice(APPROVE_COMMENTS)
        return self.review(need, day, "APPROVED", comment)

    def recommend_in_quarter(self, need, approved_day):
        """A major need is recommended on its own within days; others in the next batch."""
        rng, prov = self.rng, need["province"]
        if need["is_major"]:  # batch "…-M" is numbered in time order by assign_ids()
            day = self.cal.next_working(approved_day, rng.randint(1, 3))
            return self.recommend(need, office_time(rng, day), f"{prov}-{self.quarter}-M", False)
        earliest = self.cal.next_working(approved_day)
        k = next(i for i, d in enumerate(self.batches[prov]) if d >= earliest)
        slot = self.batch_fill.get((prov, k), 0)
        self.batch_fill[(prov, k)] = slot + 1
        d = self.batches[prov][k]
        ms = at(d, 10 + k % 2 * 4, 30) + slot * 9000 + rng.randint(0, 8000)
        return self.recommend(need, ms, f"{prov}-{self.quarter}-B{k + 1:02d}", False)

    # --- life cycles, one method per case; all schedule strictly later days ---

    def later(self, day, lo, hi):
        return day + dt.timedelta(days=self.rng.randint(lo, hi))

    def after_working(self, need, lo, hi):
        """A working day lo..hi working days after the need's submission."""
        return self.cal.next_working(day_of(need["submitted_at"]), self.rng.randint(lo, hi))

    def case_on_time(self, need):
        self.submit(need, self.pick_day(self.start, self.wd(-16)))
        a = self.approve(need, self.after_working(need, 2, 10))
        if need["case"] == "boundary":  # last-minute recommendation on the last working day, 21:10 CST
            ms = self.recommend(need, at(self.last_wd, 21, 10, 12), f"{need['province']}-{self.quarter}-S01",
                                False, "last_working_day_evening")
        else:
            ms = self.recommend_in_quarter(need, a)
        if need["case"] == "withdrawn_pushed":  # within the quarter, or the day after it
            day = day_of(ms)
            self.withdraw(need, self.later(day, 1, max(1, min(25, (self.end - day).days))))

    def case_rejected(self, need):
        self.submit(need, self.pick_day(self.start, self.wd(-11)))
        self.review(need, self.after_working(need, 2, 10), "REJECTED", self.rng.choice(REJECT_COMMENTS))

    def case_returned(self, need):
        twice = need["case"] == "returned_twice"
        self.submit(need, self.pick_day(self.start, self.wd(-40 if twice else -28)))
        day = day_of(need["submitted_at"])
        for _ in range(2 if twice else 1):
            comment, note, change = self.rng.choice(RETURN_COMMENTS)
            ret = self.review(need, self.cal.next_working(day, self.rng.randint(2, 6)), "RETURNED", comment)
            day = day_of(self.revise(need, self.later(ret, 2, 8), note, change))
        self.recommend_in_quarter(need, self.approve(need, self.cal.next_working(day, self.rng.randint(2, 5))))

    def case_returned_open(self, need):
        self.submit(need, self.pick_day(self.wd(-16), self.wd(-9)))
        self.review(need, self.after_working(need, 2, 6), "RETURNED", self.rng.choice(RETURN_COMMENTS)[0])

    def case_revised_early(self, need):
        self.submit(need, self.pick_day(self.start, self.wd(-20)))
        note, change = self.rng.choice(EARLY_REVISIONS)
        day = day_of(self.revise(need, self.later(day_of(need["submitted_at"]), 1, 3), note, change))
        self.recommend_in_quarter(need, self.approve(need, self.cal.next_working(day, self.rng.randint(2, 8))))

    def case_withdrawn_submitted(self, need):
        self.submit(need, self.pick_day(self.start, self.wd(-15)))
        self.withdraw(need, self.later(day_of(need["submitted_at"]), 1, 10))

    def case_withdrawn_approved(self, need):
        self.submit(need, self.pick_day(self.start, self.wd(-20)))
        self.withdraw(need, self.later(self.approve(need, self.after_working(need, 2, 8)), 1, 3))

    def case_pending(self, need):
        self.submit(need, self.pick_day(self.wd(-6), self.end))

    def case_after_last_batch(self, need):
        """Approved after the province's last batch: waiting, or recommended next quarter."""
        rng, case, prov = self.rng, need["case"], need["province"]
        self.submit(need, self.pick_day(self.wd(-22), self.wd(-14)))
        self.approve(need, rng.choice([d for d in self.W if d > self.batches[prov][2]]))
        if case == "late_first":  # 07:45 China time is still the previous day in UTC
            self.recommend(need, at(self.next_wds[0], 7, 45, 3), f"{prov}-{self.quarter}-L01",
                           True, "late_before_8am_cst")
        elif case == "late":
            self.recommend(need, office_time(rng, rng.choice(self.next_wds)), f"{prov}-{self.quarter}-L01", True)
        elif case == "late_major":
            self.recommend(need, office_time(rng, rng.choice(self.next_wds)), f"{prov}-{self.quarter}-M",
                           False, "late_major")

    CASE_RUNNERS = {
        "on_time": case_on_time, "boundary": case_on_time, "withdrawn_pushed": case_on_time,
        "rejected": case_rejected, "returned_ok": case_returned, "returned_twice": case_returned,
        "returned_open": case_returned_open, "revised_early": case_revised_early,
        "withdrawn_submitted": case_withdrawn_submitted, "withdrawn_approved": case_withdrawn_approved,
        "pending": case_pending, "waiting": case_after_last_batch, "late": case_after_last_batch,
        "late_first": case_after_last_batch, "late_major": case_after_last_batch,
    }

    def build(self):
        rng = self.rng
        self.reviewers = {p: [person_name(rng), person_name(rng)] for p in PROVINCES}
        cases = plan_cases(self.count)
        # The first of some cases gets a variant that exercises an edge.
        for plain, variant in (("on_time", "boundary"), ("returned_ok", "returned_twice"),
                               ("late", "late_first")):
            if plain in cases and (plain != "on_time" or cases.count("on_time") >= 10):
                cases[cases.index(plain)] = variant
        rng.shuffle(cases)
        for case in cases:
            major = case == "late_major" or (case == "on_time" and rng.random() < 0.05)
            need = self.new_need(case, major)
            self.CASE_RUNNERS[case](self, need)
            self.needs.append(need)
        self.assign_ids()

    def assign_ids(self):
        """Need ids per province in submission order; major batches "…-M" become M01, M02…
        in recommendation order."""
        year, seq, majors = self.start.year, {p: 0 for p in PROVINCES}, {p: 0 for p in PROVINCES}
        for need in sorted(self.needs, key=lambda n: n["submitted_at"]):
            seq[need["province"]] += 1
            need["id"] = f"GFN-{year}-{need['province']}-{seq[need['province']]:05d}"
            for rec in need["records"]:
                rec["need_id"] = need["id"]
        recs = [r for n in self.needs for r in n["records"]
                if r["$type"] == "NeedRecommended" and r["batch_id"].endswith("-M")]
        for rec in sorted(recs, key=lambda r: r["meta"]["occurred_at"]):
            prov = rec["batch_id"][:6]  # the province of the batch, whichever authority sent it
            majors[prov] += 1
            rec["batch_id"] += f"{majors[prov]:02d}"
            rec["meta"]["correlation_id"] = rec["batch_id"]

    def stream(self):
        """All records in occurred_at order; ties broken by need, then per-need order.
        Makes occurred_at strictly increasing (a tie moves the later record by 1 ms)."""
        keyed = [(r["meta"]["occurred_at"], ni, ri, r) for ni, n in enumerate(self.needs)
                 for ri, r in enumerate(n["records"])]
        keyed.sort(key=lambda k: k[:3])
        out, last = [], None
        for _, _, _, rec in keyed:
            if last is not None and rec["meta"]["occurred_at"] <= last:
                rec["meta"]["occurred_at"] = last + 1
            last = rec["meta"]["occurred_at"]
            out.append(rec)
        return out


# ---------------------------------------------------------------------------
# Invalid records for the demo (--bad N)
# ---------------------------------------------------------------------------


class BadRecords:
    """Records intake must refuse, each marked "_expect": "REFUSED" and "_fault": <kind>.
    Built against the final state of the valid stream, so each one fails for its own
    reason: a foreign-province review targets a need that could otherwise be reviewed."""

    def __init__(self, sc, status):
        self.sc, self.rng, self.status = sc, sc.rng, status
        self.seq = 0
        self.makers = [self.bad_uscc_check, self.unknown_region, self.negative_amount,
                       self.foreign_review, self.illegal_recommend, self.bad_uscc_charset,
                       self.unknown_location, self.negative_equity, self.foreign_recommend,
                       self.resubmit_existing, self.review_withdrawn]

    def with_status(self, *wanted):
        return [n for n in self.sc.needs if self.status[n["id"]] in wanted]

    def pick(self, round_, *wanted):
        found = self.with_status(*wanted)
        return found[round_ % len(found)] if found else None

    def other_province(self, prov):
        codes = list(PROVINCES)
        return codes[(codes.index(prov) + 1) % len(codes)]

    def fresh_need(self):
        """A new, otherwise valid need with an id outside the valid stream's series."""
        self.seq += 1
        need = self.sc.new_need("bad", False)
        # The factory may be shared with a valid need (a second project): spoil a copy only.
        need["factory"] = dict(need["factory"])
        need["id"] = f"GFN-{self.sc.start.year}-{need['province']}-9{self.seq:04d}"
        need["v1"] = False
        return need

    def submitted(self, need):
        return {"$type": "NeedSubmitted", "meta": {"sender": "miit", "occurred_at": 0,
                                                   "correlation_id": None},
                "need_id": need["id"], **self.sc.need_body(need, False)}

    def as_revision(self, need):
        rec = self.submitted(need)
        rec["$type"] = "NeedRevised"
        rec["revision_note"] = "补充项目材料"
        return rec

    def review(self, need, sender, decision="APPROVED"):
        return {"$type": "NeedReviewed", "meta": {"sender": sender, "occurred_at": 0, "correlation_id": None},
                "need_id": need["id"], "decision": decision, "comment": None,
                "reviewer": f"{authority_name(sender[5:])} "
                            f"{self.sc.reviewers.get(sender[5:], self.sc.reviewers[need['province']])[0]}"}

    def recommendation(self, need, sender):
        batch = f"{sender[5:]}-{self.sc.quarter}-B09"
        return {"$type": "NeedRecommended", "meta": {"sender": sender, "occurred_at": 0, "correlation_id": batch},
                "need_id": need["id"], "quarter": self.sc.quarter, "batch_id": batch}

    # --- one maker per fault: (round) -> (fault, record) ---------------------

    def bad_uscc_check(self, r):
        need = self.fresh_need()
        u = need["factory"]["uscc"]
        need["factory"]["uscc"] = u[:17] + USCC_CHARSET[(USCC_CHARSET.index(u[17]) + 1 + r) % 31]
        return "bad_uscc", self.submitted(need)

    def bad_uscc_charset(self, r):
        need = self.fresh_need()
        u = need["factory"]["uscc"]
        need["factory"]["uscc"] = u[:10] + "IOSVZ"[r % 5] + u[11:]  # letters GB 32100 excludes
        return "bad_uscc", self.submitted(need)

    def unknown_region(self, r):
        need = self.fresh_need()
        need["factory"]["province"] = UNKNOWN_REGION
        return "unknown_region", self.submitted(need)

    def unknown_location(self, r):
        need = self.fresh_need()
        need["project"]["location_region"] = "99" + need["project"]["location_region"][2:]
        return "unknown_region", self.submitted(need)

    def negative_amount(self, r):
        need = self.fresh_need()
        need["project"]["financing_amount"] = -need["project"]["financing_amount"]
        return "negative_amount", self.submitted(need)

    def negative_equity(self, r):
        need = self.fresh_need()
        need["project"]["equity"] = -need["project"]["equity"]
        return "negative_amount", self.submitted(need)

    def foreign_review(self, r):
        need = self.pick(r, "SUBMITTED") or self.pick(r, "RETURNED", "APPROVED", "PUSHED")
        return "foreign_province", self.review(need, f"prov-{self.other_province(need['province'])}")

    def foreign_recommend(self, r):
        need = self.pick(r, "APPROVED") or self.pick(r + 1, "SUBMITTED", "PUSHED")
        return "foreign_province", self.recommendation(need, f"prov-{self.other_province(need['province'])}")

    def illegal_recommend(self, r):
        need = self.pick(r, "REJECTED")
        if need is None:  # revising a need that was never submitted
            return "illegal_transition", self.as_revision(self.fresh_need())
        return "illegal_transition", self.recommendation(need, f"prov-{authority_code(need)}")

    def resubmit_existing(self, r):
        need = self.pick(r, "PUSHED") or self.pick(r, "SUBMITTED", "APPROVED", "REJECTED")
        return "illegal_transition", self.submitted(need)

    def review_withdrawn(self, r):
        need = self.pick(r, "WITHDRAWN", "REJECTED")
        if need is None:
            return self.resubmit_existing(r)
        return "illegal_transition", self.review(need, f"prov-{authority_code(need)}")

    def make(self, n, after_ms):
        out, ms = [], after_ms
        for i in range(n):
            fault, rec = self.makers[i % len(self.makers)](i // len(self.makers))
            ms += self.rng.randint(2, 20) * 60_000 + self.rng.randint(0, 59_999)
            rec["meta"]["occurred_at"] = ms
            rec["_expect"], rec["_fault"] = "REFUSED", fault
            out.append(rec)
        return out


# ---------------------------------------------------------------------------
# Self-checks: the generator refuses to write a stream that is not what it claims
# ---------------------------------------------------------------------------


def check_valid_need_record(rec):
    if rec["$type"] in ("NeedSubmitted", "NeedRevised"):
        f, p = rec["factory"], rec["project"]
        assert uscc_is_valid(f["uscc"]), f["uscc"]
        assert f["province"] in PROVINCES and p["location_region"][:2] == f["province"][:2]
        assert 0 < p["equity"] and 0 < p["financing_amount"] <= 50_000 * 1_000_000
        assert p["financing_amount"] >= 500 * 1_000_000
        assert p["equity"] + p["financing_amount"] <= p["total_investment"]
        assert p["start_date"] < p["end_date"] and p["measures"] and p["financing_types"]


def simulate(stream, needs_by_id, check):
    """Runs the intake state machine over stream; returns need id -> final status."""
    status, last = {}, None
    for rec in stream:
        nid = rec["need_id"]
        cur = status.get(nid, "NONE")
        nxt = fsm_apply(cur, rec)
        if check:
            assert nxt is not None, f"illegal {rec['$type']} on {cur} for {nid}"
            assert last is None or rec["meta"]["occurred_at"] > last, "occurred_at not increasing"
            last = rec["meta"]["occurred_at"]
            sender = rec["meta"]["sender"]
            if rec["$type"] in ("NeedReviewed", "NeedRecommended"):
                assert sender == f"prov-{authority_code(needs_by_id[nid])}", (sender, nid)
            else:
                assert sender == "miit"
            check_valid_need_record(rec)
        status[nid] = nxt
    return status


def check_recommendations(sc, stream, needs_by_id):
    """The "_expect_late" hints agree with the calendar: late iff recommended after the
    quarter's last working day (China date) and not major."""
    for rec in stream:
        if rec["$type"] == "NeedRecommended":
            after = day_of(rec["meta"]["occurred_at"]) > sc.last_wd
            late = after and not needs_by_id[rec["need_id"]]["is_major"]
            assert rec["_expect_late"] == late, rec["need_id"]
            assert rec["_expect_quarter"] == (sc.next_quarter if late else sc.quarter)


def check_bad(bad, status, needs_by_id):
    for rec in bad:
        fault, nid = rec["_fault"], rec["need_id"]
        if fault == "bad_uscc":
            assert not uscc_is_valid(rec["factory"]["uscc"])
        elif fault == "illegal_transition":
            assert fsm_apply(status.get(nid, "NONE"), rec) is None, nid
        elif fault == "foreign_province":
            assert rec["meta"]["sender"] != f"prov-{authority_code(needs_by_id[nid])}"
        elif fault == "negative_amount":
            assert rec["project"]["financing_amount"] < 0 or rec["project"]["equity"] < 0
        elif fault == "unknown_region":
            assert rec["factory"]["province"][:2] == "99" or rec["project"]["location_region"][:2] == "99"


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------


def expectations(sc, status):
    needs = {}
    for n in sorted(sc.needs, key=lambda n: n["id"]):
        e = {"province": n["province"], "case": n["case"], "is_major": n["is_major"],
             "status": status[n["id"]], "location_region": n["project"]["location_region"]}
        if "recommended" in n:
            e["quarter"], e["late"] = n["recommended"]
        needs[n["id"]] = e
    return {"quarter": sc.quarter, "next_quarter": sc.next_quarter,
            "last_working_day": sc.last_wd.isoformat(), "needs": needs}


def parse_args(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description="Generate a realistic quarter of gfdx.needs records "
                                             "as JSON lines (see deploy/sample/README.md).")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--count", type=int, default=120, help="number of needs (default 120)")
    ap.add_argument("--quarter", default="2026Q1", help="quarter, e.g. 2026Q1 (default)")
    ap.add_argument("--out", help="output file (default: standard output)")
    ap.add_argument("--bad", type=int, default=0, metavar="N",
                    help="append N invalid records marked \"_expect\": \"REFUSED\"")
    ap.add_argument("--v1-share", type=float, default=0.2, metavar="P",
                    help="share of NeedSubmitted written in the v1 shape (default 0.2)")
    ap.add_argument("--calendar", default=os.path.join(here, "..", "calendar.cfg"),
                    help="working-day calendar (default: deploy/calendar.cfg)")
    ap.add_argument("--expect", metavar="FILE",
                    help="also write a JSON file with each need's expected final state")
    args = ap.parse_args(argv)
    if not 1 <= args.count <= 100_000:
        ap.error("--count must be 1..100000")
    if args.bad < 0 or not 0.0 <= args.v1_share <= 1.0:
        ap.error("--bad must be >= 0 and --v1-share within 0..1")
    try:
        parse_quarter(args.quarter)
    except ValueError as e:
        ap.error(str(e))
    return args


def main(argv):
    args = parse_args(argv)
    rng = random.Random(args.seed)
    sc = Scenario(rng, Calendar(args.calendar), args.quarter, args.count, args.v1_share)
    sc.build()
    stream = sc.stream()
    by_id = {n["id"]: n for n in sc.needs}
    status = simulate(stream, by_id, check=True)
    check_recommendations(sc, stream, by_id)
    bad = BadRecords(sc, status).make(args.bad, stream[-1]["meta"]["occurred_at"])
    check_bad(bad, status, by_id)

    out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout
    try:
        for rec in stream + bad:
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    finally:
        if args.out:
            out.close()
    if args.expect:
        with open(args.expect, "w", encoding="utf-8") as f:
            json.dump(expectations(sc, status), f, ensure_ascii=False, indent=1)
            f.write("\n")

    types, finals = {}, {}
    for rec in stream:
        types[rec["$type"]] = types.get(rec["$type"], 0) + 1
    for s in status.values():
        finals[s] = finals.get(s, 0) + 1
    print(f"make_needs: {args.quarter}: {len(sc.needs)} needs, {len(stream)} records "
          f"({', '.join(f'{k} {v}' for k, v in types.items())}), {len(bad)} invalid; "
          f"final: {', '.join(f'{k} {v}' for k, v in sorted(finals.items()))}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    sys.exit(main(sys.argv[1:]))
