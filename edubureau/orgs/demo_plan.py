"""The plan of the demo organisation: a pure function of ``(scale, seed, schools)``.

:func:`plan_organisation` decides, in memory and with nothing but
``random.Random(seed)``, the tree of bureaus, their departments, the townships,
every school (identifier, name, kind, ownership, locality, founding year,
principal, phone) and the demo accounts of each bureau; ``demo.py`` writes the
plan. Names and proportions follow real counties and cities.

The tree, at each scale (``SCALES``):

* ``county``: 示例省教育厅 (510000) → 示例市教育局 (510900) → 示例县教育局 (510921), 15
  townships and 150 schools. The province and the city are bare nodes (no
  schools, no accounts): the county sits in a real tree and the demo stays small.
* ``city``: 示例市教育局 under the bare 示例省教育厅, 8 counties and districts of 15
  townships each (示例县 among them), 40 市直 schools, 2,000 schools in all.
* ``province``: 示例省教育厅 with 20 省直 schools, 14 cities (示例市 among them) with
  about 43 市直 schools each, 100 counties and districts, 1,500 townships, 30,000
  schools in all.

Codes are 6-digit administrative division codes: the province ``510000``, its cities
``51CC00``, a city's districts ``51CC02``, ``51CC03`` and its counties ``51CC21``…;
a township's is its county's and three digits (街道 001…, 镇 101…, 乡 201…). A
school's 10-digit 学校标识码 is ``2`` + its bureau's code + a 3-digit serial.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from edubureau.orgs.models import (
    Bureau,
    BureauLevel,
    Locality,
    Ownership,
    Role,
    SchoolKind,
    SchoolPosition,
)
from edubureau.orgs.services.bureaus import STANDARD_DEPARTMENTS, standard_departments

# The seed of the demo: the same organisation (identifiers, names, phones) every run.
DEMO_SEED = 20260901


# --------------------------------------------------------------------------- scales


@dataclass(frozen=True)
class Scale:
    """A size of demo. ``bureau_name`` is its *focus*: the highest bureau with schools
    (the county, the city or the province); ``schools`` and ``townships`` count the
    whole tree below it."""

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
    cities: int = 1  # at province scale: how many cities the counties are grouped in


SCALES: dict[str, Scale] = {
    "county": Scale(
        "county", "县级", 150, 15, "示例县教育局", "示例县", "示教发", "510921",
        "0825-5621001", "股",
    ),
    "city": Scale(
        "city", "市级", 2000, 120, "示例市教育局", "示例市", "示市教发", "510900",
        "0825-2221001", "科",
    ),
    "province": Scale(
        "province", "省级", 30000, 1500, "示例省教育厅", "示例省教育厅", "示教厅发", "510000",
        "028-86121001", "处", cities=14,
    ),
}  # fmt: skip
TOWNSHIPS_PER_COUNTY = 15
# A city runs one school in fifty itself (市直), a province one in 1,500 (省直).
SCHOOLS_PER_CITY_SCHOOL = 50
SCHOOLS_PER_PROVINCE_SCHOOL = 1500
# The city of the demo county sits at this place among a province's cities (5109).
FLAGSHIP_CITY_INDEX = 9
# Kept for callers of the former planner: the department table lives with the services.
DEPARTMENTS = STANDARD_DEPARTMENTS


def demo_bureau_names() -> list[str]:
    return [s.bureau_name for s in SCALES.values()]


def scale_of(bureau: Bureau) -> Scale | None:
    return next((s for s in SCALES.values() if s.bureau_name == bureau.name), None)


def department_names(scale: Scale) -> list[tuple[str, str]]:
    level = {"province": BureauLevel.PROVINCE, "city": BureauLevel.CITY}.get(
        scale.name, BureauLevel.COUNTY
    )
    return standard_departments(level)


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
class BureauPlan:
    code: str  # 6-digit administrative division code: the key of the plan
    name: str
    short_name: str
    level: str
    parent: str  # the parent's code, "" for the top
    issuer_code: str
    phone: str
    address: str
    # Empty for a bare node (the parents of the county demo): no departments,
    # school years or accounts.
    departments: tuple[tuple[str, str], ...] = ()

    @property
    def has_content(self) -> bool:
        return bool(self.departments)


@dataclass(frozen=True)
class TownshipPlan:
    name: str
    code: str
    type: str  # seat / street / town / rural
    county: str
    bureau: str = ""  # the county's code


@dataclass(frozen=True)
class SchoolPlan:
    identifier: str
    name: str
    kind: str
    ownership: str
    locality: str
    township: str  # "" for a school a city or the province runs itself
    address: str
    principal: str
    phone: str
    founded_year: int
    bureau: str = ""  # the code of the bureau that runs it


@dataclass(frozen=True)
class AccountPlan:
    # leader / safety / jichu / principal / safety_officer / teacher / inspector / admin /
    # township / auditor
    key: str
    username: str
    role: str
    full_name: str
    phone: str
    department: str = ""  # department code
    school: str = ""  # school identifier
    school_position: str = ""
    read_only: bool = False
    assigned: tuple[str, ...] = ()  # identifiers of an inspector's schools
    bureau: str = ""  # the code of the account's bureau
    township: str = ""  # township staff: the township's name
    listed: bool = True  # printed in the table of demo logins


@dataclass(frozen=True)
class OrgPlan:
    scale: Scale
    departments: list[tuple[str, str]]  # of the focus bureau
    townships: list[TownshipPlan]
    schools: list[SchoolPlan]
    accounts: list[AccountPlan]
    bureaus: list[BureauPlan] = field(default_factory=list)  # top down
    focus: str = ""  # the code of the scale's bureau

    @property
    def demo_school(self) -> SchoolPlan:
        """The school of the focus bureau's demo school accounts."""
        return self.demo_school_of(self.focus)

    def demo_school_of(self, bureau: str) -> SchoolPlan:
        identifier = next(
            a.school for a in self.accounts if a.key == "principal" and a.bureau == bureau
        )
        return next(s for s in self.schools if s.identifier == identifier)

    def bureau(self, code: str) -> BureauPlan:
        return next(b for b in self.bureaus if b.code == code)


@dataclass
class _County:
    name: str  # "示例县", "青阳县", …
    region_code: str  # 6 digits
    area_code: str  # telephone area code
    prefix: str  # prefix of township names: "" for the demo county, else the county name
    townships: list[TownshipPlan] = field(default_factory=list)
    schools: list[SchoolPlan] = field(default_factory=list)
    flagship: bool = False  # 示例县: the plain demo usernames


@dataclass
class _City:
    name: str  # "示例市", "青山市", …
    region_code: str
    area_code: str
    counties: list[_County] = field(default_factory=list)
    schools: list[SchoolPlan] = field(default_factory=list)  # 市直
    flagship: bool = False


@dataclass
class _Draft:
    kind: str
    township: TownshipPlan
    base: bool
    ownership: str = Ownership.PUBLIC
    name: str = ""
    village: str = ""
    seq: int = 0  # naming order, kept for the identifier order (第二 before 第三)


# Schools a city or the province runs itself: mostly secondary, vocational and
# special schools, a few primary schools and kindergartens.
DIRECT_SHARES: tuple[tuple[str, float], ...] = (
    (SchoolKind.SENIOR, 0.25),
    (SchoolKind.COMPLETE_SECONDARY, 0.10),
    (SchoolKind.JUNIOR, 0.12),
    (SchoolKind.NINE_YEAR, 0.05),
    (SchoolKind.PRIMARY, 0.15),
    (SchoolKind.KINDERGARTEN, 0.15),
    (SchoolKind.VOCATIONAL, 0.15),
    (SchoolKind.SPECIAL, 0.03),
)
DIRECT_FIRST_NAMES: dict[str, tuple[str, ...]] = {
    SchoolKind.COMPLETE_SECONDARY: ("实验中学", "外国语学校"),
    SchoolKind.NINE_YEAR: ("实验学校",),
    SchoolKind.PRIMARY: ("实验小学",),
    SchoolKind.KINDERGARTEN: ("机关幼儿园", "实验幼儿园"),
    SchoolKind.VOCATIONAL: (
        "职业技术学校", "卫生学校", "工业学校", "商贸学校", "农业学校", "艺术学校",
        "体育运动学校", "交通技工学校", "财经学校", "机电学校",
    ),
    SchoolKind.SPECIAL: ("特殊教育学校",),
}  # fmt: skip
DIRECT_NUMBERED: dict[str, tuple[str, str]] = {
    # kind: (counter, name pattern after the first names)
    SchoolKind.SENIOR: ("middle", "第{n}中学"),
    SchoolKind.COMPLETE_SECONDARY: ("middle", "第{n}中学"),
    SchoolKind.JUNIOR: ("middle", "第{n}中学"),
    SchoolKind.NINE_YEAR: ("nine_year", "第{n}实验学校"),
    SchoolKind.PRIMARY: ("primary", "第{n}小学"),
    SchoolKind.KINDERGARTEN: ("kindergarten", "第{n}幼儿园"),
    SchoolKind.VOCATIONAL: ("vocational", "第{n}职业中学"),
    SchoolKind.SPECIAL: ("special", "第{n}特殊教育学校"),
}


def _shares(n: int, shares: tuple[tuple[str, float], ...]) -> dict[str, int]:
    """Split ``n`` by ``shares`` (largest remainder: the counts add up exactly)."""
    total = sum(s for _, s in shares)
    exact = [(kind, n * s / total) for kind, s in shares]
    quotas = {kind: int(value) for kind, value in exact}
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i][1] - int(exact[i][1])), i))
    for i in order[: n - sum(quotas.values())]:
        quotas[exact[i][0]] += 1
    return quotas


class _Planner:
    def __init__(self, scale: Scale, seed: int) -> None:
        self.scale = scale
        self.seed = seed
        self.rng = random.Random(f"{seed}:{scale.name}")
        self.names: set[str] = set()

    # -- people and contacts
    def person(self, rng: random.Random | None = None) -> str:
        rng = rng or self.rng
        surname = rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]
        if rng.random() < 0.3:
            return surname + rng.choice(GIVEN_SECOND)
        return surname + rng.choice(GIVEN_FIRST) + rng.choice(GIVEN_SECOND)

    def mobile(self, rng: random.Random | None = None) -> str:
        rng = rng or self.rng
        return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"

    def landline(self, area: str) -> str:
        return f"{area}-{self.rng.randrange(2_000_000, 9_000_000)}"

    # -- geography
    def cities(self, counties: int) -> list[_City]:
        """The cities and their counties (named, coded, not yet filled)."""
        if self.scale.name == "county":
            demo = _County("示例县", "510921", "0825", "", flagship=True)
            return [_City("示例市", "510900", "0825", [demo], flagship=True)]
        n_cities = 1 if self.scale.name == "city" else max(1, min(self.scale.cities, counties))
        flagship = FLAGSHIP_CITY_INDEX if n_cities >= FLAGSHIP_CITY_INDEX else 1
        if n_cities == 1:
            flagship = FLAGSHIP_CITY_INDEX
        per_city, extra = divmod(counties, n_cities)
        # The demo city takes one of the extra counties first, then the cities in order.
        order = [flagship] + [i for i in range(1, n_cities + 1) if i != flagship]
        sizes = {i: per_city + (1 if rank < extra else 0) for rank, i in enumerate(order)}
        indices = [flagship] if n_cities == 1 else list(range(1, n_cities + 1))
        bases = iter(self.rng.sample(PLACE_BASES, counties + n_cities))
        cities = []
        for index in indices:
            is_demo = index == flagship
            area = f"08{index + 16:02d}"
            code = f"51{index:02d}00"
            city = _City("示例市" if is_demo else f"{next(bases)}市", code, area, flagship=is_demo)
            demo_position = min(2, sizes[index] - 1)
            for position in range(sizes[index]):
                # The first two of a city are urban districts (区), the rest counties (县).
                district = position < 2
                county_code = f"{code[:4]}{position + 2 if district else position + 19:02d}"
                if is_demo and position == demo_position:
                    city.counties.append(_County("示例县", county_code, area, "", flagship=True))
                    continue
                name = f"{next(bases)}{'区' if district else '县'}"
                city.counties.append(_County(name, county_code, area, name))
            cities.append(city)
        return cities

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
            plans.append(
                TownshipPlan(county.prefix + name, code, kind, county.name, county.region_code)
            )
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
                    bureau=county.region_code,
                )
            )
        return plans

    def direct_schools(self, prefix: str, code: str, area: str, n: int) -> list[SchoolPlan]:
        """The ``n`` schools a city or the province runs itself (市直、省直): named for
        the city or province, urban, no township."""
        quotas = _shares(n, DIRECT_SHARES)
        if n >= 10 and quotas[SchoolKind.SPECIAL] == 0:
            quotas[SchoolKind.SPECIAL], quotas[SchoolKind.SENIOR] = 1, quotas[SchoolKind.SENIOR] - 1
        counters: dict[str, int] = {}
        plans = []
        serial = 0
        for kind, _ in DIRECT_SHARES:
            firsts = DIRECT_FIRST_NAMES.get(kind, ())
            counter, pattern = DIRECT_NUMBERED[kind]
            for i in range(quotas[kind]):
                ownership = Ownership.PUBLIC
                if i < len(firsts):
                    name = f"{prefix}{firsts[i]}"
                elif (
                    kind in (SchoolKind.KINDERGARTEN, SchoolKind.NINE_YEAR)
                    and self.rng.random() < 0.3
                ):
                    ownership = Ownership.PRIVATE
                    pool = KINDERGARTEN_BRANDS if kind == SchoolKind.KINDERGARTEN else SCHOOL_BRANDS
                    name = next(
                        f"{prefix}{b}{PRIVATE_SUFFIX[kind]}"
                        for b in self.rng.sample(pool, len(pool))
                        if f"{prefix}{b}{PRIVATE_SUFFIX[kind]}" not in self.names
                    )
                else:
                    counters[counter] = counters.get(counter, 0) + 1
                    name = f"{prefix}{pattern.format(n=chinese_ordinal(counters[counter]))}"
                if name in self.names:
                    raise RuntimeError(f"duplicate school name {name}")
                self.names.add(name)
                serial += 1
                low, high = FOUNDED[kind]
                if ownership == Ownership.PRIVATE:
                    low = max(low, 1998)
                plans.append(
                    SchoolPlan(
                        identifier=f"2{code}{serial:03d}",
                        name=name,
                        kind=str(kind),
                        ownership=str(ownership),
                        locality=str(Locality.URBAN),
                        township="",
                        address=f"{prefix}{self.rng.choice(ROADS)}{self.rng.randint(1, 300)}号",
                        principal=self.person(),
                        phone=self.landline(area),
                        founded_year=self.rng.randint(low, max(low, high)),
                        bureau=code,
                    )
                )
        return plans

    # -- accounts
    def county_accounts(
        self, county: _County, user_prefix: str, *, listed: bool
    ) -> list[AccountPlan]:
        townships, schools = county.townships, county.schools
        seat = townships[0]
        demo_school = next(
            s for s in schools if s.township == seat.name and s.name == f"{seat.name}中心小学"
        )
        # The inspector looks after the first four schools of two towns.
        towns = [t.name for t in townships if t.type == "town"][:2]
        assigned = tuple(
            s.identifier for town in towns for s in [s for s in schools if s.township == town][:4]
        )
        accounts = self.bureau_accounts(
            county.region_code,
            user_prefix,
            demo_school,
            assigned,
            listed=listed,
            school_listed=listed,
        )
        # The staff of a town's central school (中心校): read and chase its schools.
        accounts.append(
            AccountPlan(
                "township", f"{user_prefix}zhongxin", Role.TOWNSHIP_STAFF, self.person(),
                self.mobile(), bureau=county.region_code, township=towns[0], listed=listed,
            )
        )  # fmt: skip
        # The audit administrator (三员分立), whom the platform operator sets up in
        # production (``edubureau auditor_account``). Drawn from a generator of its own,
        # so that adding it changed no other name or number of the demo.
        own = random.Random(f"{self.seed}:auditor:{county.region_code}")
        accounts.append(
            AccountPlan(
                "auditor", f"{user_prefix}shenji", Role.AUDITOR, self.person(own),
                self.mobile(own), bureau=county.region_code, listed=listed,
            )
        )  # fmt: skip
        accounts.append(self.office_account(county.region_code, user_prefix, listed=listed))
        return accounts

    def office_account(self, code: str, user_prefix: str, *, listed: bool) -> AccountPlan:
        """办公室's staff member, who keeps the work plan, issues it and drafts the
        work summaries: in the bureaus whose plan the demo writes (every county, and
        the city at city scale). Drawn from a generator of its own, as the auditor."""
        own = random.Random(f"{self.seed}:office:{code}")
        return AccountPlan(
            "office", f"{user_prefix}bangong", Role.DEPARTMENT_STAFF, self.person(own),
            self.mobile(own), department="office", bureau=code, listed=listed,
        )  # fmt: skip

    def direct_accounts(
        self, code: str, schools: list[SchoolPlan], user_prefix: str, *, listed: bool
    ) -> list[AccountPlan]:
        primary = [s for s in schools if s.kind == SchoolKind.PRIMARY] or schools
        assigned = tuple(s.identifier for s in schools[:4])
        return self.bureau_accounts(
            code, user_prefix, primary[0], assigned, listed=listed, school_listed=False
        )

    def bureau_accounts(
        self,
        code: str,
        user_prefix: str,
        demo_school: SchoolPlan,
        assigned: tuple[str, ...],
        *,
        listed: bool,
        school_listed: bool,
    ) -> list[AccountPlan]:
        """One account per role of a bureau. In a county, all are printed; in a city
        or the province, the leader, the safety department and the administrator."""
        sid = demo_school.identifier
        p = user_prefix
        common: dict[str, Any] = {"bureau": code}
        school_user: dict[str, Any] = {
            "role": Role.SCHOOL_USER, "school": sid, "listed": school_listed, **common
        }  # fmt: skip
        return [
            AccountPlan(
                "leader", f"{p}leader", Role.BUREAU_LEADER, self.person(), self.mobile(),
                listed=listed, **common,
            ),
            AccountPlan(
                "safety", f"{p}safety", Role.DEPARTMENT_STAFF, self.person(), self.mobile(),
                department="safety", listed=listed, **common,
            ),
            AccountPlan(
                "jichu", f"{p}jichu", Role.DEPARTMENT_STAFF, self.person(), self.mobile(),
                department="basic_education", listed=school_listed, **common,
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
                "inspector", f"{p}dudao", Role.INSPECTOR, self.person(), self.mobile(),
                assigned=assigned, listed=school_listed, **common,
            ),
            AccountPlan(
                "admin", f"{p}admin", Role.ADMINISTRATOR, self.person(), self.mobile(),
                listed=listed, **common,
            ),
        ]  # fmt: skip


PROVINCE_NAME, PROVINCE_SHORT, PROVINCE_CODE = "示例省教育厅", "示例省教育厅", "510000"


def _user_prefix(code: str, *, flagship_county: bool, flagship_city: bool) -> str:
    """Demo usernames: plain (leader, safety, …) in the demo county, ``shi.`` in its
    city, ``sheng.`` in the province, the division code elsewhere (510302.safety)."""
    if flagship_county:
        return ""
    if flagship_city:
        return "shi."
    if code == PROVINCE_CODE:
        return "sheng."
    return f"{code}."


def plan_organisation(
    *, scale: str = "county", seed: int = DEMO_SEED, schools: int | None = None
) -> OrgPlan:
    """The whole demo organisation, in memory: a pure function of its arguments.

    ``schools`` replaces the scale's number of schools and keeps its tree (the same
    counties and cities, fewer schools in each): a smaller city for a test."""
    spec = SCALES[scale]
    total = schools or spec.schools
    planner = _Planner(spec, seed)
    cities = planner.cities(max(1, spec.townships // TOWNSHIPS_PER_COUNTY))
    counties = [c for city in cities for c in city.counties]
    for county in counties:
        county.townships = planner.townships(county)
    tree = spec.name != "county"
    per_city = round(total / SCHOOLS_PER_CITY_SCHOOL / len(cities)) if tree else 0
    per_province = round(total / SCHOOLS_PER_PROVINCE_SCHOOL) if spec.name == "province" else 0
    per_city, per_province = max(per_city, 1 if tree else 0), max(per_province, 0)
    in_counties = total - per_city * len(cities) - per_province
    per_county, extra = divmod(in_counties, len(counties))
    for i, county in enumerate(counties):
        drafts = planner.place(county, per_county + (1 if i < extra else 0))
        planner.name_all(county, drafts)
        county.schools = planner.finish(county, drafts, first_serial=1)
    for city in cities:
        if per_city:
            city.schools = planner.direct_schools(
                city.name, city.region_code, city.area_code, per_city
            )
    province_schools = (
        planner.direct_schools("示例省", PROVINCE_CODE, "028", per_province) if per_province else []
    )

    def departments(level: str, content: bool) -> tuple[tuple[str, str], ...]:
        return tuple(standard_departments(level)) if content else ()

    province_content = spec.name == "province"
    bureaus = [
        BureauPlan(
            PROVINCE_CODE, PROVINCE_NAME, PROVINCE_SHORT, BureauLevel.PROVINCE, "",
            "示教厅发", "028-86121001", "示例省锦城大道88号",
            departments(BureauLevel.PROVINCE, province_content),
        )
    ]  # fmt: skip
    accounts: list[AccountPlan] = []
    if province_content:
        accounts += planner.direct_accounts(PROVINCE_CODE, province_schools, "sheng.", listed=True)
    for city in cities:
        content = tree  # at county scale, the city is a bare node
        bureaus.append(
            BureauPlan(
                city.region_code, f"{city.name}教育局", city.name, BureauLevel.CITY,
                PROVINCE_CODE,
                "示市教发" if city.flagship else f"{city.name}教发",
                "0825-2221001" if city.flagship else planner.landline(city.area_code),
                f"{city.name}人民路88号",
                departments(BureauLevel.CITY, content),
            )
        )  # fmt: skip
        if content:
            prefix = _user_prefix(
                city.region_code, flagship_county=False, flagship_city=city.flagship
            )
            accounts += planner.direct_accounts(
                city.region_code, city.schools, prefix, listed=city.flagship
            )
            if city.flagship and spec.name == "city":
                accounts.append(planner.office_account(city.region_code, prefix, listed=True))
        for county in city.counties:
            bureaus.append(
                BureauPlan(
                    county.region_code, f"{county.name}教育局", county.name, BureauLevel.COUNTY,
                    city.region_code,
                    "示教发" if county.flagship else f"{county.name}教发",
                    "0825-5621001" if county.flagship else planner.landline(county.area_code),
                    f"{county.prefix}{county.townships[0].name.removeprefix(county.prefix)}"
                    "人民路88号",
                    departments(BureauLevel.COUNTY, True),
                )
            )  # fmt: skip
            prefix = _user_prefix(
                county.region_code, flagship_county=county.flagship, flagship_city=False
            )
            accounts += planner.county_accounts(county, prefix, listed=county.flagship)
    focus = {
        "county": next(c.region_code for c in counties if c.flagship),
        "city": next(c.region_code for c in cities if c.flagship),
    }.get(spec.name, PROVINCE_CODE)
    schools_planned = (
        province_schools
        + [s for city in cities for s in city.schools]
        + [s for c in counties for s in c.schools]
    )
    return OrgPlan(
        scale=spec,
        departments=list(next(b for b in bureaus if b.code == focus).departments),
        townships=[t for county in counties for t in county.townships],
        schools=schools_planned,
        accounts=accounts,
        bureaus=bureaus,
        focus=focus,
    )
