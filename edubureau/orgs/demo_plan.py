"""The plan of the demo organisation: a pure function of ``(scale, seed)``.

:func:`plan_organisation` decides, in memory and with nothing but
``random.Random(seed)``, the bureau, its departments, the townships, every school
(identifier, name, kind, ownership, locality, founding year, principal, phone) and
one account per role; ``demo.py`` writes the plan. Names and proportions follow a
real county (see ``demo.py`` for the scales).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from edubureau.orgs.models import (
    Bureau,
    Locality,
    Ownership,
    Role,
    SchoolKind,
    SchoolPosition,
)

# The seed of the demo: the same organisation (identifiers, names, phones) every run.
DEMO_SEED = 20260901


# --------------------------------------------------------------------------- scales


@dataclass(frozen=True)
class Scale:
    name: str
    label: str
    schools: int
    townships: int
    bureau_name: str
    short_name: str
    issuer_code: str
    region_code: str
    bureau_phone: str
    department_suffix: str  # 股 in a county, 科 in a city, 处 in a province


SCALES: dict[str, Scale] = {
    "county": Scale(
        "county", "县级", 150, 15, "示例县教育局", "县教育局", "示教发", "510921",
        "0825-5621001", "股",
    ),
    "city": Scale(
        "city", "市级", 2000, 120, "示例市教育局", "市教育局", "示市教发", "510900",
        "0825-2221001", "科",
    ),
    "province": Scale(
        "province", "省级", 30000, 1500, "示例省教育厅", "省教育厅", "示教厅发", "510000",
        "028-86121001", "处",
    ),
}  # fmt: skip
TOWNSHIPS_PER_COUNTY = 15
COUNTIES_PER_CITY = 5  # at province scale: counties grouped under cities (region codes)


def demo_bureau_names() -> list[str]:
    return [s.bureau_name for s in SCALES.values()]


def scale_of(bureau: Bureau) -> Scale | None:
    return next((s for s in SCALES.values() if s.bureau_name == bureau.name), None)


# ---------------------------------------------------------------------- departments

# (code, name in a county, in a city, in a province); "{}" takes 股/科/处.
DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("office", "办公室", "办公室"),
    ("safety", "安全{}", "安全稳定工作处"),
    ("basic_education", "基础教育{}", "基础教育处"),
    ("personnel", "人事{}", "人事处"),
    ("finance", "计划财务{}", "财务处"),
    ("supervision", "督导室", "督导办公室"),
    ("research", "教研室", "教学研究室"),
    ("student_aid", "学生资助管理中心", "学生资助管理中心"),
    ("preschool", "学前教育{}", "学前教育处"),
    ("vocational", "职成教{}", "职业教育与成人教育处"),
    ("policy", "政策法规{}", "政策法规处"),
    ("facilities", "装备与基建{}", "装备与基建处"),
)


def department_names(scale: Scale) -> list[tuple[str, str]]:
    if scale.name == "province":
        return [(code, province) for code, _, province in DEPARTMENTS]
    return [(code, name.format(scale.department_suffix)) for code, name, _ in DEPARTMENTS]


# ---------------------------------------------------------------------------- names

COUNTY_TOWNSHIPS: tuple[tuple[str, str], ...] = (
    ("城关镇", "seat"),
    ("城东街道", "street"),
    ("城西街道", "street"),
    ("青山镇", "town"),
    ("白马镇", "town"),
    ("石桥镇", "town"),
    ("龙泉镇", "town"),
    ("柳林镇", "town"),
    ("新华镇", "town"),
    ("双河镇", "town"),
    ("永安镇", "town"),
    ("黄花乡", "rural"),
    ("桃源乡", "rural"),
    ("河口乡", "rural"),
    ("高坪乡", "rural"),
)
STREET_BASES = ("城东", "城西", "城南", "城北", "东城", "西城", "南城", "北城", "河东", "河西")
PLACE_FIRST = (
    "青白石龙黄柳桃新双永金银红大小上平安长太古云松梅兴和凤马鹤杨高东西南北三五七九花竹枫茶"
)
PLACE_SECOND = "山水河桥泉坪溪口林湾田坝岭源阳塘店庙寨沟坡场冲滩洲岩湖园庄铺"
PLACE_BASES = tuple(a + b for a in PLACE_FIRST for b in PLACE_SECOND if a != b)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
# Common surnames are much more common: weight by rank.
SURNAME_WEIGHTS = tuple(1 / (rank + 8) for rank in range(len(SURNAMES)))
GIVEN_FIRST = "建志国文晓春海玉秀明丽红小永德俊雪思子宇佳家天雨欣"
GIVEN_SECOND = "华平强军伟英兰梅芳敏静杰涛斌峰霞燕琴勇洁娟林辉波刚婷颖慧鹏飞"
ROADS = (
    "人民路", "解放路", "建设路", "中山路", "新华路", "文化路", "健康路", "滨江路", "学府路",
    "育才路", "东大街", "西大街", "迎宾大道", "幸福路", "和平路", "光明路", "团结路", "胜利路",
)  # fmt: skip
KINDERGARTEN_BRANDS = (
    "阳光", "小天使", "童心", "金色摇篮", "博雅", "蓝天", "七彩", "启蒙", "贝贝", "春蕾",
    "爱心", "快乐", "小太阳", "童乐", "新苗", "晨曦", "未来星", "智慧树", "彩虹", "小博士",
    "金太阳", "好孩子", "星星", "小精灵", "乐乐", "东方娃娃", "亲亲", "苗苗", "小树苗",
    "天天", "童话", "百灵鸟", "小海豚", "巧巧", "小红帽", "育苗", "爱弥儿", "蒲公英",
)  # fmt: skip
SCHOOL_BRANDS = (
    "育才", "博文", "英才", "明德", "启航", "华英", "树人", "求实", "弘毅", "致远", "新星",
    "育英", "精英", "立德", "文博", "德才", "卓越", "思源", "正德", "翰林", "远航", "光华",
    "启明",
)  # fmt: skip
PRIVATE_SUFFIX: dict[str, str] = {
    SchoolKind.KINDERGARTEN: "幼儿园",
    SchoolKind.PRIMARY: "小学",
    SchoolKind.JUNIOR: "中学",
    SchoolKind.NINE_YEAR: "学校",
    SchoolKind.COMPLETE_SECONDARY: "中学",
    SchoolKind.SENIOR: "高级中学",
    SchoolKind.VOCATIONAL: "职业学校",
}
DIGITS = "零一二三四五六七八九"


def chinese_ordinal(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (school names up to 第九十九)."""
    if not 1 <= n <= 99:
        raise ValueError(n)
    tens, units = divmod(n, 10)
    if tens == 0:
        return DIGITS[units]
    head = "" if tens == 1 else DIGITS[tens]
    return f"{head}十{DIGITS[units] if units else ''}"


# ------------------------------------------------------------------- kinds and mix

# Share of each kind among a county's schools other than vocational and special
# (which are counted apart). Roughly the mix of a real Chinese county.
KIND_SHARES: tuple[tuple[str, float], ...] = (
    (SchoolKind.KINDERGARTEN, 0.42),
    (SchoolKind.PRIMARY, 0.30),
    (SchoolKind.TEACHING_POINT, 0.12),
    (SchoolKind.JUNIOR, 0.07),
    (SchoolKind.NINE_YEAR, 0.05),
    (SchoolKind.SENIOR, 0.015),
    (SchoolKind.COMPLETE_SECONDARY, 0.015),
)
# Kinds are placed and named in this order (so that 第一中学 is a senior school).
KIND_ORDER = (
    SchoolKind.SENIOR,
    SchoolKind.COMPLETE_SECONDARY,
    SchoolKind.VOCATIONAL,
    SchoolKind.SPECIAL,
    SchoolKind.JUNIOR,
    SchoolKind.NINE_YEAR,
    SchoolKind.PRIMARY,
    SchoolKind.KINDERGARTEN,
    SchoolKind.TEACHING_POINT,
)
# Township types: seat (城关镇) and street (街道) are urban; town (镇); rural (乡).
# Which townships get one school of the kind before the rest is spread by weight.
BASE_TYPES: dict[str, tuple[str, ...]] = {
    SchoolKind.JUNIOR: ("seat", "town"),
    SchoolKind.NINE_YEAR: ("rural",),
    SchoolKind.PRIMARY: ("seat", "town", "rural"),
    SchoolKind.KINDERGARTEN: ("seat", "street", "town", "rural"),
}
WEIGHTS: dict[str, dict[str, float]] = {
    SchoolKind.SENIOR: {"seat": 1, "street": 1},
    SchoolKind.COMPLETE_SECONDARY: {"seat": 1, "street": 1, "town": 1},
    SchoolKind.VOCATIONAL: {"seat": 1, "street": 1},
    SchoolKind.SPECIAL: {"seat": 1, "street": 1},
    SchoolKind.JUNIOR: {"seat": 2, "street": 2, "town": 1, "rural": 0.3},
    SchoolKind.NINE_YEAR: {"street": 0.5, "town": 1, "rural": 1},
    SchoolKind.PRIMARY: {"seat": 3, "street": 3, "town": 1.5, "rural": 1},
    SchoolKind.KINDERGARTEN: {"seat": 4, "street": 4, "town": 1.5, "rural": 0.7},
    SchoolKind.TEACHING_POINT: {"town": 1, "rural": 2},
}
# Probability that a school beyond the township's base ones is private, by kind and
# whether its township is urban / town / rural.
PRIVATE_SHARE: dict[str, tuple[float, float, float]] = {
    SchoolKind.KINDERGARTEN: (0.75, 0.6, 0.35),
    SchoolKind.PRIMARY: (0.12, 0.03, 0.0),
    SchoolKind.JUNIOR: (0.12, 0.05, 0.0),
    SchoolKind.NINE_YEAR: (0.3, 0.1, 0.0),
    SchoolKind.SENIOR: (0.2, 0.0, 0.0),
    SchoolKind.COMPLETE_SECONDARY: (0.15, 0.05, 0.0),
}
FOUNDED: dict[str, tuple[int, int]] = {
    SchoolKind.KINDERGARTEN: (1980, 2021),
    SchoolKind.PRIMARY: (1950, 2012),
    SchoolKind.TEACHING_POINT: (1955, 1998),
    SchoolKind.JUNIOR: (1956, 2006),
    SchoolKind.NINE_YEAR: (1996, 2019),
    SchoolKind.SENIOR: (1940, 1992),
    SchoolKind.COMPLETE_SECONDARY: (1958, 2002),
    SchoolKind.VOCATIONAL: (1980, 2008),
    SchoolKind.SPECIAL: (1990, 2016),
}


def kind_quotas(n: int, *, vocational: int, special: int) -> dict[str, int]:
    """Split ``n`` schools by :data:`KIND_SHARES` (largest remainder, so the counts
    add up exactly), after setting aside the vocational and special schools."""
    rest = n - vocational - special
    total_share = sum(share for _, share in KIND_SHARES)
    exact = [(kind, rest * share / total_share) for kind, share in KIND_SHARES]
    quotas = {kind: int(value) for kind, value in exact}
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i][1] - int(exact[i][1])), i))
    for i in by_remainder[: rest - sum(quotas.values())]:
        quotas[exact[i][0]] += 1
    quotas[SchoolKind.VOCATIONAL] = vocational
    quotas[SchoolKind.SPECIAL] = special
    return quotas


# ---------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class TownshipPlan:
    name: str
    code: str
    type: str  # seat / street / town / rural
    county: str


@dataclass(frozen=True)
class SchoolPlan:
    identifier: str
    name: str
    kind: str
    ownership: str
    locality: str
    township: str
    address: str
    principal: str
    phone: str
    founded_year: int


@dataclass(frozen=True)
class AccountPlan:
    key: str  # leader / safety / jichu / principal / safety_officer / teacher / inspector / admin
    username: str
    role: str
    full_name: str
    phone: str
    department: str = ""  # department code
    school: str = ""  # school identifier
    school_position: str = ""
    read_only: bool = False
    assigned: tuple[str, ...] = ()  # identifiers of an inspector's schools


@dataclass(frozen=True)
class OrgPlan:
    scale: Scale
    departments: list[tuple[str, str]]
    townships: list[TownshipPlan]
    schools: list[SchoolPlan]
    accounts: list[AccountPlan]

    @property
    def demo_school(self) -> SchoolPlan:
        identifier = next(a.school for a in self.accounts if a.key == "principal")
        return next(s for s in self.schools if s.identifier == identifier)


@dataclass
class _County:
    name: str  # "示例县", "青阳县", …
    region_code: str  # 6 digits
    area_code: str  # telephone area code
    prefix: str  # prefix of township names: "" for the county demo, else the county name
    townships: list[TownshipPlan] = field(default_factory=list)


@dataclass
class _Draft:
    kind: str
    township: TownshipPlan
    base: bool
    ownership: str = Ownership.PUBLIC
    name: str = ""
    village: str = ""
    seq: int = 0  # naming order, kept for the identifier order (第二 before 第三)


class _Planner:
    def __init__(self, scale: Scale, seed: int) -> None:
        self.scale = scale
        self.rng = random.Random(f"{seed}:{scale.name}")
        self.names: set[str] = set()

    # -- people and contacts
    def person(self) -> str:
        surname = self.rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]
        if self.rng.random() < 0.3:
            return surname + self.rng.choice(GIVEN_SECOND)
        return surname + self.rng.choice(GIVEN_FIRST) + self.rng.choice(GIVEN_SECOND)

    def mobile(self) -> str:
        return f"1{self.rng.choice('3589')}{self.rng.randrange(10**9):09d}"

    def landline(self, area: str) -> str:
        return f"{area}-{self.rng.randrange(2_000_000, 9_000_000)}"

    # -- geography
    def counties(self) -> list[_County]:
        n = self.scale.townships // TOWNSHIPS_PER_COUNTY
        if self.scale.name == "county":
            return [_County("示例县", self.scale.region_code, "0825", "")]
        bases = self.rng.sample(PLACE_BASES, n)
        counties = []
        for i, base in enumerate(bases):
            if self.scale.name == "city":
                city, position = 9, i
            else:
                city, position = divmod(i, COUNTIES_PER_CITY)
                city += 1
            # The first two of a city are urban districts (区), the rest counties (县).
            district = position < 2
            code = f"51{city:02d}{position + 2 if district else position + 19:02d}"
            name = f"{base}{'区' if district else '县'}"
            area = f"08{city + 16:02d}" if self.scale.name == "province" else "0825"
            counties.append(_County(name, code, area, name))
        return counties

    def townships(self, county: _County) -> list[TownshipPlan]:
        if not county.prefix:
            named = list(COUNTY_TOWNSHIPS)
        else:
            streets = self.rng.sample(STREET_BASES, 2)
            places = self.rng.sample(PLACE_BASES, 12)
            named = [("城关镇", "seat")]
            named += [(f"{s}街道", "street") for s in streets]
            named += [(f"{p}镇", "town") for p in places[:8]]
            named += [(f"{p}乡", "rural") for p in places[8:]]
        # 乡级区划代码: 街道 001…, 镇 101…, 乡 201… after the county's six digits.
        serials = {"street": 0, "town": 100, "rural": 200}
        plans = []
        for name, kind in named:
            series = "town" if kind == "seat" else kind
            serials[series] += 1
            code = f"{county.region_code}{serials[series]:03d}"
            plans.append(TownshipPlan(county.prefix + name, code, kind, county.name))
        return plans

    def villages(self, count: int) -> Iterator[str]:
        yield from self.rng.sample(PLACE_BASES, min(count, len(PLACE_BASES)))

    # -- schools
    def place(self, county: _County, n: int) -> list[_Draft]:
        county_scale = self.scale.name == "county"
        vocational = 1 if county_scale else max(1, round(n * 0.008))
        special = 1 if county_scale else max(1, round(n * 0.005))
        quotas = kind_quotas(n, vocational=vocational, special=special)
        drafts: list[_Draft] = []
        for kind in KIND_ORDER:
            quota = quotas[kind]
            base_types = BASE_TYPES.get(kind, ())
            base = [t for t in county.townships if t.type in base_types][:quota]
            drafts += [_Draft(kind, t, base=True) for t in base]
            weights = [WEIGHTS[kind].get(t.type, 0) for t in county.townships]
            for t in self.rng.choices(county.townships, weights=weights, k=quota - len(base)):
                drafts.append(_Draft(kind, t, base=False))
        for d in drafts:
            shares = PRIVATE_SHARE.get(d.kind)
            if d.base or shares is None:
                continue
            if d.kind == SchoolKind.VOCATIONAL and not county_scale:
                shares = (0.2, 0.2, 0.2)
            urban_town_rural = {"seat": 0, "street": 0, "town": 1, "rural": 2}[d.township.type]
            if self.rng.random() < shares[urban_town_rural]:
                d.ownership = Ownership.PRIVATE
        return drafts

    def name_all(self, county: _County, drafts: list[_Draft]) -> None:
        county_counters: dict[str, int] = {}
        township_counters: dict[tuple[str, str], int] = {}
        village_pools = {t.name: self.villages(60) for t in county.townships}
        brands: dict[tuple[str, str], list[str]] = {}

        def next_count(key: str) -> int:
            county_counters[key] = county_counters.get(key, 0) + 1
            return county_counters[key]

        def next_in_township(t: TownshipPlan, key: str) -> int:
            township_counters[(t.name, key)] = township_counters.get((t.name, key), 0) + 1
            return township_counters[(t.name, key)]

        def village_name(d: _Draft, pattern: str) -> str:
            for village in village_pools[d.township.name]:
                name = pattern.format(t=d.township.name, v=village)
                if name not in self.names:
                    d.village = village
                    return name
            raise RuntimeError(f"ran out of village names in {d.township.name}")

        ordered = sorted(
            drafts,
            key=lambda d: (
                KIND_ORDER.index(d.kind),
                d.ownership != Ownership.PUBLIC,
                not d.base,
            ),
        )
        for seq, d in enumerate(ordered):
            d.seq = seq
            d.name = (
                self.public_name(d, county, next_count, next_in_township, village_name)
                if d.ownership == Ownership.PUBLIC
                else self.private_name(d, county, brands)
            )
            if d.name in self.names:
                raise RuntimeError(f"duplicate school name {d.name}")
            self.names.add(d.name)

    def public_name(
        self,
        d: _Draft,
        county: _County,
        next_count: Callable[[str], int],
        next_in_township: Callable[[TownshipPlan, str], int],
        village_name: Callable[[_Draft, str], str],
    ) -> str:
        c, t, kind = county.name, d.township, d.kind
        urban_street = t.type == "street"
        if kind in (SchoolKind.SENIOR, SchoolKind.VOCATIONAL, SchoolKind.SPECIAL) or (
            kind == SchoolKind.COMPLETE_SECONDARY and t.type in ("seat", "street")
        ):
            if kind == SchoolKind.VOCATIONAL:
                k = next_count("vocational")
                return (
                    [f"{c}职业中学", f"{c}职业技术学校"][k - 1]
                    if k <= 2
                    else (f"{c}第{chinese_ordinal(k - 1)}职业中学")
                )
            if kind == SchoolKind.SPECIAL:
                k = next_count("special")
                return f"{c}特殊教育学校" if k == 1 else f"{c}第{chinese_ordinal(k)}特殊教育学校"
            return f"{c}第{chinese_ordinal(next_count('middle'))}中学"
        if kind in (SchoolKind.JUNIOR, SchoolKind.COMPLETE_SECONDARY):
            if urban_street:
                return f"{c}第{chinese_ordinal(next_count('middle'))}中学"
            k = next_in_township(t, "middle")
            return f"{t.name}中学" if k == 1 else f"{t.name}第{chinese_ordinal(k)}中学"
        if kind == SchoolKind.NINE_YEAR:
            if urban_street:
                k = next_count("nine_year")
                return f"{c}实验学校" if k == 1 else f"{c}第{chinese_ordinal(k)}实验学校"
            if next_in_township(t, "nine_year") == 1:
                return f"{t.name}九年一贯制学校"
            return village_name(d, "{t}{v}学校")
        if kind == SchoolKind.TEACHING_POINT:
            return village_name(d, "{t}{v}村教学点")
        noun = "小学" if kind == SchoolKind.PRIMARY else "幼儿园"
        if urban_street:
            k = next_count(kind) - 1
            return f"{c}实验{noun}" if k == 0 else f"{c}第{chinese_ordinal(k)}{noun}"
        k = next_in_township(t, kind)
        if k == 1:
            return f"{t.name}中心{noun}"
        if t.type == "seat" or (t.type == "town" and kind == SchoolKind.KINDERGARTEN):
            return f"{t.name}第{chinese_ordinal(k)}{noun}"
        return village_name(d, "{t}{v}" + noun)

    def private_name(
        self, d: _Draft, county: _County, brands: dict[tuple[str, str], list[str]]
    ) -> str:
        prefix = county.name if d.township.type in ("seat", "street") else d.township.name
        suffix = PRIVATE_SUFFIX[d.kind]
        pool = KINDERGARTEN_BRANDS if d.kind == SchoolKind.KINDERGARTEN else SCHOOL_BRANDS
        key = (prefix, suffix)
        if key not in brands:
            brands[key] = self.rng.sample(pool, len(pool))
        while brands[key]:
            name = f"{prefix}{brands[key].pop()}{suffix}"
            if name not in self.names:
                return name
        # Every brand taken here: a chain opens a branch (分园 / 分校).
        branch = "分园" if d.kind == SchoolKind.KINDERGARTEN else "分校"
        for k in range(2, 100):
            for brand in pool:
                name = f"{prefix}{brand}{suffix}第{chinese_ordinal(k)}{branch}"
                if name not in self.names:
                    return name
        raise RuntimeError(f"ran out of private school names for {prefix}")

    def finish(self, county: _County, drafts: list[_Draft], first_serial: int) -> list[SchoolPlan]:
        order = {t.name: i for i, t in enumerate(county.townships)}
        drafts = sorted(
            drafts,
            key=lambda d: (
                order[d.township.name],
                KIND_ORDER.index(d.kind),
                d.ownership != Ownership.PUBLIC,
                d.seq,
            ),
        )
        if first_serial + len(drafts) - 1 > 999:
            raise ValueError("a county holds at most 999 schools (3-digit serial)")
        plans = []
        for serial, d in enumerate(drafts, start=first_serial):
            t = d.township
            if t.type in ("seat", "street"):
                locality = Locality.URBAN
                address = f"{t.name}{self.rng.choice(ROADS)}{self.rng.randint(1, 300)}号"
            elif d.village:
                locality = Locality.RURAL
                address = f"{t.name}{d.village}村"
                if d.kind == SchoolKind.TEACHING_POINT:
                    address += f"{self.rng.randint(1, 9)}组"
            else:
                locality = Locality.TOWN if t.type == "town" else Locality.RURAL
                address = f"{t.name}{self.rng.choice(ROADS[:12])}{self.rng.randint(1, 120)}号"
            low, high = FOUNDED[d.kind]
            if d.ownership == Ownership.PRIVATE:
                low = max(low, 1998)
            plans.append(
                SchoolPlan(
                    identifier=f"2{county.region_code}{serial:03d}",
                    name=d.name,
                    kind=str(d.kind),
                    ownership=str(d.ownership),
                    locality=str(locality),
                    township=t.name,
                    address=address,
                    principal=self.person(),
                    phone=self.landline(county.area_code),
                    founded_year=self.rng.randint(low, max(low, high)),
                )
            )
        return plans

    def accounts(
        self, townships: list[TownshipPlan], schools: list[SchoolPlan]
    ) -> list[AccountPlan]:
        seat = townships[0]
        demo_school = next(
            s for s in schools if s.township == seat.name and s.name == f"{seat.name}中心小学"
        )
        sid = demo_school.identifier
        # The inspector looks after the first four schools of two towns.
        towns = [t.name for t in townships if t.type == "town"][:2]
        assigned = tuple(
            s.identifier for town in towns for s in [s for s in schools if s.township == town][:4]
        )
        school_user: dict[str, Any] = {"role": Role.SCHOOL_USER, "school": sid}
        return [
            AccountPlan("leader", "leader", Role.BUREAU_LEADER, self.person(), self.mobile()),
            AccountPlan(
                "safety", "safety", Role.DEPARTMENT_STAFF, self.person(), self.mobile(),
                department="safety",
            ),
            AccountPlan(
                "jichu", "jichu", Role.DEPARTMENT_STAFF, self.person(), self.mobile(),
                department="basic_education",
            ),
            AccountPlan(
                "principal", f"{sid}xz", full_name=demo_school.principal, phone=self.mobile(),
                school_position=SchoolPosition.PRINCIPAL, **school_user,
            ),
            AccountPlan(
                "safety_officer", f"{sid}aq", full_name=self.person(), phone=self.mobile(),
                school_position=SchoolPosition.SAFETY_OFFICER, **school_user,
            ),
            AccountPlan(
                "teacher", f"{sid}js", full_name=self.person(), phone=self.mobile(),
                school_position=SchoolPosition.STAFF, read_only=True, **school_user,
            ),
            AccountPlan(
                "inspector", "dudao", Role.INSPECTOR, self.person(), self.mobile(),
                assigned=assigned,
            ),
            AccountPlan("admin", "admin", Role.ADMINISTRATOR, self.person(), self.mobile()),
        ]  # fmt: skip


def plan_organisation(*, scale: str = "county", seed: int = DEMO_SEED) -> OrgPlan:
    """The whole demo organisation, in memory: a pure function of ``(scale, seed)``."""
    spec = SCALES[scale]
    planner = _Planner(spec, seed)
    counties = planner.counties()
    for county in counties:
        county.townships = planner.townships(county)
    per_county, extra = divmod(spec.schools, len(counties))
    schools: list[SchoolPlan] = []
    for i, county in enumerate(counties):
        drafts = planner.place(county, per_county + (1 if i < extra else 0))
        planner.name_all(county, drafts)
        schools += planner.finish(county, drafts, first_serial=1)
    townships = [t for county in counties for t in county.townships]
    return OrgPlan(
        scale=spec,
        departments=department_names(spec),
        townships=townships,
        schools=schools,
        accounts=planner.accounts(townships, schools),
    )
