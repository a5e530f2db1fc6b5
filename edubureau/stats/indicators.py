"""The education indicators (教育监测评价指标), each defined once as data, and their
computation for any scope and census year, in the database.

An :class:`Indicator` is a numerator and a denominator, each a sum of
:class:`Term` s: a return field summed over the scope's returns (optionally only the
kindergartens of some categories, optionally of an earlier census year — the dropout
rate divides by last year's enrolment, the consolidation rate by a cohort's first grade
years ago) or the population of an age band. The value is ``scale × numerator ÷
denominator`` in exact ``Decimal`` (scale 100 for a percentage, 10 for 职普比's share
of ten, 1 for 生师比's "per one"), rounded only for display, half up, at the
indicator's one declared precision.

What the definitions follow (the MOE's 《中国教育监测与评价统计指标体系（2020年版）》,
see each indicator's ``source``), and where the return forces an approximation:

- a return is the school's 基层表 at the census date (学年初, 1 September of
  ``start_year``): enrolment, classes and teachers as of that day, entrants of the year
  just begun, graduates, dropouts and transfers of the school year just ended;
- *dropout rate* = dropouts reported this year ÷ enrolment reported last year (学年内
  辍学 ÷ 上学年初在校生): the return's ``dropouts`` field stands for the 两基 movement
  aggregate (休学+退学+死亡+转出+其他减少 − 转入 − 其他增加), which the return does not
  split; no value without last year's returns;
- *consolidation rate* (巩固率): :class:`Options.consolidation` picks the variant (the
  graduating class, or the graduates, over the cohort's first grade); six-year primary
  and three-year junior school (六三制) are assumed; the county supervision variant
  (denominator adjusted by the cohort's transfers and deaths) is not computable: the
  return's transfers are not by cohort;
- *gross ratios* divide by the population of the scope's bureau's area
  (:func:`population_by_age`); a township, a school kind or a bureau's own schools have
  no population of their own, so their gross ratios are None;
- 高中阶段 = 普通高中 + 中等职业教育 of the returns: 技工学校 and 成人高中 file no return
  here (the MOE tables since 2021 also leave 技工学校 out);
- 随迁子女在公办学校就读比例 counts purchased places in private schools as public (the
  newer definition, as the return's field does) and divides by migrant children
  enrolled, not by all eligible migrant children;
- not computed (:data:`NOT_COMPUTED`): the primary *net* enrolment rate (the return
  has no enrolment by age) and the disabled children's enrolment rate (no count of
  school-age children with disabilities); their numerators are key counts in
  :mod:`edubureau.stats.facts`.

Which returns count: accepted and locked ones (:data:`FINAL`); ``provisional=True``
adds submitted ones, for a view before the bureau has reviewed everything.

One aggregate query over every census year the indicators read (this year, last year,
the cohorts' years: each sum filtered to its year) plus two for the population, whatever
the number of schools; a
breakdown (:func:`compute_by`: by township, school kind, ownership, locality, bureau or
school) is the same query grouped, and :func:`compute_by_child` rolls the groups by
bureau up to a city's counties or a province's cities (with their populations). A
scope's rate is always its summed numerator over its summed denominator —
never a mean of its parts' rates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from django.db.models import Count, IntegerField, Q, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce

from edubureau.core import phrasing
from edubureau.core.facts import rounded
from edubureau.orgs.scoping import SchoolScope
from edubureau.stats.dictionary import FIELDS, Level, final_grade
from edubureau.stats.models import KgCategory, Population, ReturnStatus, StatReturn

# The value forms: how the quotient is scaled and written.
PERCENT = "percent"  # 100 × n ÷ d, "94.12%"
PER_ONE = "per_one"  # n ÷ d, "12.70:1" (生师比)
SPLIT_OF_TEN = "split_of_ten"  # 10 × n ÷ d with d = n + the other part, "3.1:6.9" (职普比)

SCALES = {PERCENT: Decimal(100), PER_ONE: Decimal(1), SPLIT_OF_TEN: Decimal(10)}

# Returns whose figures count; a provisional view adds the submitted ones.
FINAL = (ReturnStatus.ACCEPTED, ReturnStatus.LOCKED)
PROVISIONAL = (ReturnStatus.SUBMITTED, *FINAL)

MOE_2020 = "《中国教育监测与评价统计指标体系（2020年版）》"

# The consolidation-rate variants (INDICATORS.md marks the point unconfirmed).
GRADUATING_CLASS = "graduating_class"  # 初中毕业班学生数 (final grade at the census)
GRADUATES = "graduates"  # 初中毕业生数 (reported the year after they leave)


@dataclass(frozen=True)
class Options:
    """The points the definitions leave open, as parameters.

    - ``junior_ages``: the 初中 age band, 12–14 by default, 13–15 in older documents;
    - ``consolidation``: :data:`GRADUATING_CLASS` (final grade at this census over the
      cohort's first grade 8 years, or for 初中三年 2 years, earlier) or
      :data:`GRADUATES` (graduates reported this year over the first grade 9, or 3,
      years earlier);
    - ``large_class_includes_66``: whether 大班额 (56 and more) counts the 66-and-more
      classes too (the default, "≥ 56"), or only 56–65;
    - ``kg_places``: 学前三年毛入园率's precision, 1 (the 2020 indicator system) or 2
      (recent MOE bulletins)."""

    kg_ages: tuple[int, int] = (3, 5)
    primary_ages: tuple[int, int] = (6, 11)
    junior_ages: tuple[int, int] = (12, 14)
    senior_ages: tuple[int, int] = (15, 17)
    consolidation: str = GRADUATING_CLASS
    large_class_includes_66: bool = True
    kg_places: int = 1

    def __post_init__(self) -> None:
        if self.consolidation not in (GRADUATING_CLASS, GRADUATES):
            raise ValueError(f"unknown consolidation variant {self.consolidation!r}")
        for lo, hi in (self.kg_ages, self.primary_ages, self.junior_ages, self.senior_ages):
            if not 0 <= lo <= hi <= 25:
                raise ValueError(f"age band {lo}–{hi} outside 0–25")


DEFAULT_OPTIONS = Options()


@dataclass(frozen=True)
class Term:
    """One sum: of return ``codes`` over the scope's returns of the census year
    ``years_back`` years before the one asked for (restricted to kindergartens of
    ``kg_categories`` when given), or — with ``ages`` — of the population of that age
    band."""

    codes: tuple[str, ...] = ()
    kg_categories: tuple[str, ...] = ()
    years_back: int = 0
    ages: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        unknown = [code for code in self.codes if code not in FIELDS]
        if unknown:
            raise ValueError(f"not in the data dictionary: {unknown}")
        if bool(self.codes) == bool(self.ages):
            raise ValueError("a term sums either return fields or a population age band")

    @property
    def is_population(self) -> bool:
        return self.ages is not None

    @property
    def key(self) -> str:
        """The name of the term's sum in the aggregate query."""
        if self.ages is not None:
            return f"pop_{self.ages[0]}_{self.ages[1]}"
        # A SQL alias: no dots, no "__" (Django reads that as a lookup).
        categories = "_".join(self.kg_categories)
        return "_x_".join(code.replace(".", "_") for code in self.codes) + (
            f"_k_{categories}" if categories else ""
        )


def fields(*codes: str, kg: Sequence[str] = (), years_back: int = 0) -> Term:
    return Term(codes=tuple(codes), kg_categories=tuple(kg), years_back=years_back)


def population(ages: tuple[int, int]) -> Term:
    return Term(ages=ages)


@dataclass(frozen=True)
class Indicator:
    """One indicator: ``numerator`` and ``denominator`` are sums of :class:`Term` s."""

    code: str
    name: str
    numerator: tuple[Term, ...]
    denominator: tuple[Term, ...]
    places: int
    form: str = PERCENT
    higher_is_better: bool | None = True
    source: str = MOE_2020
    note: str = ""

    @property
    def unit(self) -> str:
        return "%" if self.form == PERCENT else ""

    @property
    def terms(self) -> tuple[Term, ...]:
        return self.numerator + self.denominator

    @property
    def uses_population(self) -> bool:
        return any(term.is_population for term in self.terms)


def _sum_codes(level_names: Iterable[tuple[Level, str]]) -> tuple[str, ...]:
    return tuple(f"{level.value}.{name}" for level, name in level_names)


COMPULSORY = (Level.PRIMARY, Level.JUNIOR)
UPPER_SECONDARY = (Level.SENIOR, Level.VOCATIONAL)
TEACHING_LEVELS = (
    Level.KG,
    Level.PRIMARY,
    Level.JUNIOR,
    Level.SENIOR,
    Level.VOCATIONAL,
    Level.SPECIAL,
)
RATIO_LEVELS = (Level.PRIMARY, Level.JUNIOR, Level.SENIOR, Level.VOCATIONAL, Level.SPECIAL)


def _of(levels: Iterable[Level], name: str) -> tuple[str, ...]:
    return _sum_codes((level, name) for level in levels)


def definitions(options: Options = DEFAULT_OPTIONS) -> tuple[Indicator, ...]:
    """Every indicator, with the open points set by ``options``."""
    kg = Level.KG.value
    cohort_gap = 8 if options.consolidation == GRADUATING_CLASS else 9
    junior_gap = 2 if options.consolidation == GRADUATING_CLASS else 3
    leaving = (
        final_grade(Level.JUNIOR)
        if options.consolidation == GRADUATING_CLASS
        else f"{Level.JUNIOR.value}.graduates"
    )
    variant = (
        "初中毕业班学生数（学年初三年级在校生）"
        if options.consolidation == GRADUATING_CLASS
        else "初中毕业生数"
    )
    large = (
        ("classes_56_65", "classes_66") if options.large_class_includes_66 else ("classes_56_65",)
    )
    out: list[Indicator] = [
        Indicator(
            "kg_gross",
            "学前三年毛入园率",
            (fields(f"{kg}.enrolled"),),
            (population(options.kg_ages),),
            options.kg_places,
            note=f"在园幼儿（不分年龄）÷ {options.kg_ages[0]}—{options.kg_ages[1]}岁人口",
        ),
        Indicator(
            "kg_affordable",
            "普惠性幼儿园覆盖率（普惠率）",
            (fields(f"{kg}.enrolled", kg=(KgCategory.PUBLIC, KgCategory.AFFORDABLE)),),
            (fields(f"{kg}.enrolled"),),
            2,
            note="按在园幼儿计，不按园数计：（公办园＋普惠性民办园在园幼儿）÷ 在园幼儿总数",
        ),
        Indicator(
            "kg_public",
            "公办园在园幼儿占比",
            (fields(f"{kg}.enrolled", kg=(KgCategory.PUBLIC,)),),
            (fields(f"{kg}.enrolled"),),
            2,
        ),
        Indicator(
            "primary_gross",
            "小学毛入学率",
            (fields("primary.enrolled"),),
            (population(options.primary_ages),),
            1,
            note="报表无分年龄在校生，不能计算净入学率；毛入学率可超过100%",
        ),
        Indicator(
            "junior_gross",
            "初中毛入学率",
            (fields("junior.enrolled"),),
            (population(options.junior_ages),),
            1,
            note=f"初中在校生（不分年龄）÷ {options.junior_ages[0]}—{options.junior_ages[1]}岁人口",
        ),
        Indicator(
            "consolidation_9",
            "九年义务教育巩固率",
            (fields(leaving),),
            (fields("primary.grade1", years_back=cohort_gap),),
            1,
            note=f"{variant} ÷ 该届学生{cohort_gap}年前的小学一年级在校生",
        ),
        Indicator(
            "consolidation_junior",
            "初中三年巩固率",
            (fields(leaving),),
            (fields("junior.grade1", years_back=junior_gap),),
            1,
            note=f"{variant} ÷ 该届学生{junior_gap}年前的初中一年级在校生",
            source="县域义务教育优质均衡发展督导评估办法（2017）",
        ),
    ]
    for level in COMPULSORY:
        out.append(
            Indicator(
                f"{level.value}_dropout",
                f"{level.label}年辍学率",
                (fields(f"{level.value}.dropouts"),),
                (fields(f"{level.value}.enrolled", years_back=1),),
                2,
                higher_is_better=False,
                note="本年报表的学年内辍学学生数 ÷ 上年报表的在校生数",
            )
        )
    out += [
        Indicator(
            "primary_progression",
            "小学毕业升学率",
            (fields("junior.entrants"),),
            (fields("primary.graduates"),),
            2,
            note="初中招生数 ÷ 小学毕业生数；招生含往届生和外地生源，可超过100%",
        ),
        Indicator(
            "junior_progression",
            "初中毕业升学率",
            (fields(*_of(UPPER_SECONDARY, "entrants")),),
            (fields("junior.graduates"),),
            2,
            note="高中阶段招生数（普通高中＋中职）÷ 初中毕业生数，可超过100%",
        ),
        Indicator(
            "senior_gross",
            "高中阶段毛入学率",
            (fields(*_of(UPPER_SECONDARY, "enrolled")),),
            (population(options.senior_ages),),
            1,
            note="普通高中＋中职在校生 ÷ 15—17岁人口；不含技工学校、成人高中",
        ),
        Indicator(
            "vocational_share",
            "职普比",
            (fields("vocational.entrants"),),
            (fields(*_of(UPPER_SECONDARY, "entrants")),),
            1,
            form=SPLIT_OF_TEN,
            higher_is_better=None,
            note="中职招生与普通高中招生之比，两者合计为10",
        ),
    ]
    for level in RATIO_LEVELS:
        out.append(
            Indicator(
                f"{level.value}_pupil_teacher",
                f"{level.label}生师比",
                (fields(f"{level.value}.enrolled"),),
                (fields(f"{level.value}.teachers"),),
                2,
                form=PER_ONE,
                higher_is_better=False,
                note="在校生 ÷ 专任教师（不是按教职工计的编制标准）",
            )
        )
    out += [
        Indicator(
            "teachers_qualified",
            "专任教师学历合格率",
            (fields(*_of(TEACHING_LEVELS, "teachers_qualified")),),
            (fields(*_of(TEACHING_LEVELS, "teachers")),),
            2,
            note="《教师法》第十一条规定的最低学历：幼儿园幼师、小学中师、初中专科、高中和中职本科",
            source=f"{MOE_2020}；《中华人民共和国教师法》第十一条",
        ),
        Indicator(
            "large_classes",
            "义务教育大班额比例",
            (fields(*_sum_codes((lv, name) for lv in COMPULSORY for name in large)),),
            (fields(*_of(COMPULSORY, "classes")),),
            2,
            higher_is_better=False,
            note="56人及以上的班" if options.large_class_includes_66 else "56—65人的班",
        ),
        Indicator(
            "huge_classes",
            "义务教育超大班额比例",
            (fields(*_of(COMPULSORY, "classes_66")),),
            (fields(*_of(COMPULSORY, "classes")),),
            2,
            higher_is_better=False,
            note="66人及以上的班",
        ),
        Indicator(
            "migrant_public",
            "随迁子女在公办学校就读比例",
            (fields(*_of(COMPULSORY, "migrant_public")),),
            (fields(*_of(COMPULSORY, "migrant")),),
            2,
            note="公办学校＋政府购买学位的民办学校 ÷ 在校随迁子女",
            source="县域义务教育优质均衡发展督导评估办法（2017）",
        ),
    ]
    return tuple(out)


INDICATORS: tuple[Indicator, ...] = definitions()
BY_CODE: dict[str, Indicator] = {indicator.code: indicator for indicator in INDICATORS}

# Indicators the issue lists that the return cannot support, and why.
NOT_COMPUTED: dict[str, str] = {
    "primary_net": "小学学龄儿童净入学率：报表没有分年龄的在校生数，只能计算毛入学率",
    "disabled_enrolment": "残疾儿童少年义务教育入学率：没有适龄残疾儿童少年数（分母）",
}


# Values ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """An indicator over one scope and year: its summed numerator and denominator
    (None when a term has no data: no returns that year, no population) and the exact
    value."""

    indicator: Indicator
    numerator: int | None
    denominator: int | None

    @property
    def value(self) -> Decimal | None:
        if self.numerator is None or not self.denominator:
            return None
        scale = SCALES[self.indicator.form]
        return scale * Decimal(self.numerator) / Decimal(self.denominator)

    @property
    def rounded(self) -> Decimal | None:
        result = rounded(self.value, self.indicator.places)
        assert result is None or isinstance(result, Decimal)
        return result

    @property
    def text(self) -> str:
        """As written in a report: "94.12%", "12.70:1", "3.1:6.9"; "—" without a value."""
        return indicator_text(self.indicator, self.numerator, self.denominator)

    def __add__(self, other: Measure) -> Measure:
        """The measure of the union of two disjoint scopes: sums, never means."""
        if other.indicator.code != self.indicator.code:
            raise ValueError("cannot add measures of different indicators")
        return Measure(
            self.indicator,
            _add(self.numerator, other.numerator),
            _add(self.denominator, other.denominator),
        )


def _add(a: int | None, b: int | None) -> int | None:
    # None is "no returns of that year in this part": it adds nothing, as in the
    # database's sum over the union; both None stays None.
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def indicator_text(indicator: Indicator, numerator: int | None, denominator: int | None) -> str:
    if numerator is None or not denominator:
        return phrasing.EMPTY
    if indicator.form == PER_ONE:
        return phrasing.per_one(numerator, denominator, indicator.places)
    if indicator.form == SPLIT_OF_TEN:
        return phrasing.ratio_text(numerator, denominator - numerator, places=indicator.places)
    return phrasing.share_text(numerator, denominator, indicator.places)


# Queries -----------------------------------------------------------------------------

GROUPS: dict[str, str] = {
    "township": "school__township_id",
    "kind": "school__kind",
    "ownership": "school__ownership",
    "locality": "school__locality",
    "bureau": "school__bureau_id",
    "school": "school_id",
}

RETURNS = "_returns"  # the count of returns behind the sums, in every aggregate

Sums = dict[str, int | None]


def field_sum(code: str, *, kg_categories: Sequence[str] = (), when: Q | None = None) -> Coalesce:
    """SUM of one integer field of ``values`` (0 when no return has it), on SQLite and
    PostgreSQL alike (``values ->> 'code'`` cast to integer), over the returns matching
    ``when`` (a census year) and of kindergartens of ``kg_categories`` when given."""
    figure = Cast(KeyTextTransform(code, "values"), IntegerField())
    condition = when
    if kg_categories:
        kg = Q(kg_category__in=list(kg_categories))
        condition = kg if condition is None else condition & kg
    return Coalesce(Sum(figure, filter=condition), 0)


@cache
def _components(term: Term) -> tuple[str, ...]:
    """The aliases of the single-field sums a term adds up (``primary_enrolled``; with
    kindergarten categories ``kg_enrolled_k_public``). Cached: a breakdown asks for
    them once per group and term (1,500 townships × 30 terms)."""
    return tuple(Term(codes=(code,), kg_categories=term.kg_categories).key for code in term.codes)


def returns_of(scope: SchoolScope, year: int, *, provisional: bool = False) -> Any:
    """The scope's returns of census year ``year`` whose figures count: a moved school's
    under the bureau it belonged to when the school year began (orgs.moves)."""
    return (
        scope.by_record_date()
        .rows(StatReturn)
        .filter(school_year__start_year=year, status__in=PROVISIONAL if provisional else FINAL)
        .order_by()
    )


def _group_key(scope: SchoolScope, column: str) -> Any:
    """What to group returns by for ``column`` of :data:`GROUPS`: a moved school's
    returns under the bureau or township of their school year."""
    return scope.by_record_date().part_key(StatReturn, column)


def _terms_by_year(indicators: Iterable[Indicator]) -> dict[int, dict[str, Term]]:
    # This year is always read (its count of returns says whether there is data).
    out: dict[int, dict[str, Term]] = defaultdict(dict, {0: {}})
    for indicator in indicators:
        for term in indicator.terms:
            if not term.is_population:
                out[term.years_back][term.key] = term
    return out


def returns_in(scope: SchoolScope, years: Iterable[int], *, provisional: bool = False) -> Any:
    """The scope's returns of several census years whose figures count (as
    :func:`returns_of`)."""
    return (
        scope.by_record_date()
        .rows(StatReturn)
        .filter(
            school_year__start_year__in=sorted(set(years)),
            status__in=PROVISIONAL if provisional else FINAL,
        )
        .order_by()
    )


def _prefix(back: int) -> str:
    return f"y{back}_"


def _year_aggregates(by_year: Mapping[int, Mapping[str, Term]], year: int) -> dict[str, Any]:
    """The aggregates of every census year the terms read, in one query: each year's
    sums filtered to that year's returns (``SUM(…) FILTER (WHERE start_year = …)``), so
    the returns are scanned once, not once a year."""
    out: dict[str, Any] = {}
    for back, terms in by_year.items():
        when = Q(school_year__start_year=year - back)
        for term in terms.values():
            for code, alias in zip(term.codes, _components(term), strict=True):
                name = _prefix(back) + alias
                if name not in out:
                    out[name] = field_sum(code, kg_categories=term.kg_categories, when=when)
        out[_prefix(back) + RETURNS] = Count("pk", filter=when)
    return out


def _year_sums(
    row: Mapping[str, Any], by_year: Mapping[int, Mapping[str, Term]]
) -> dict[int, Sums]:
    return {back: _sums(row, terms, prefix=_prefix(back)) for back, terms in by_year.items()}


def _aggregates(terms: Mapping[str, Term]) -> dict[str, Any]:
    """One SUM per distinct field (and kindergarten filter) the terms read, however
    many terms share it (在校生 is in 毛入学率 and 生师比): every JSON extraction is paid
    once per return; :func:`_sums` adds them up into the terms."""
    out: dict[str, Any] = {}
    for term in terms.values():
        for code, alias in zip(term.codes, _components(term), strict=True):
            if alias not in out:
                out[alias] = field_sum(code, kg_categories=term.kg_categories)
    out[RETURNS] = Count("pk")
    return out


def _sums(row: Mapping[str, Any], terms: Mapping[str, Term], *, prefix: str = "") -> Sums:
    """A row of the aggregate as term sums; every sum None when no return was counted
    (no data is not zero)."""
    if not row.get(prefix + RETURNS):
        return dict.fromkeys(terms)
    return {
        key: sum(int(row[prefix + alias]) for alias in _components(term))
        for key, term in terms.items()
    }


def _resolve(
    indicators: Sequence[Indicator], sums: Mapping[int, Sums], people: Mapping[str, int | None]
) -> dict[str, Measure]:
    def total(terms: tuple[Term, ...]) -> int | None:
        result = 0
        for term in terms:
            part = (
                people.get(term.key) if term.is_population else sums[term.years_back].get(term.key)
            )
            if part is None:
                return None
            result += part
        return result

    return {
        ind.code: Measure(ind, total(ind.numerator), total(ind.denominator)) for ind in indicators
    }


def compute(
    scope: SchoolScope,
    year: int,
    *,
    indicators: Sequence[Indicator] = INDICATORS,
    provisional: bool = False,
) -> dict[str, Measure]:
    """Every indicator of ``indicators`` for the scope's returns of census ``year``: one
    aggregate query over every census year read, two for the population."""
    by_year = _terms_by_year(indicators)
    years = [year - back for back in by_year]
    row = returns_in(scope, years, provisional=provisional).aggregate(
        **_year_aggregates(by_year, year)
    )
    people = _population_terms(scope, year, indicators)
    return _resolve(indicators, _year_sums(row, by_year), people)


def compute_by(
    scope: SchoolScope,
    year: int,
    group: str,
    *,
    indicators: Sequence[Indicator] = INDICATORS,
    provisional: bool = False,
) -> dict[Any, dict[str, Measure]]:
    """The indicators of each group of the scope's schools (``group`` one of
    :data:`GROUPS`: township, kind, ownership, locality, bureau, school), by the group's
    key (a township id, a kind value, …; None for schools without a township). One
    grouped query; gross ratios are None (a group has no population of its own). A
    group with no return this year is left out."""
    column = GROUPS[group]
    by_year = _terms_by_year(indicators)
    rows = (
        returns_in(scope, [year - back for back in by_year], provisional=provisional)
        .values(unit=_group_key(scope, column))
        .annotate(**_year_aggregates(by_year, year))
    )
    return {
        row["unit"]: _resolve(indicators, _year_sums(row, by_year), {})
        for row in rows
        if row[_prefix(0) + RETURNS]
    }


DIRECT = "direct"  # compute_by_child's key for a bureau's own schools (市直, 省直)


def compute_by_child(
    scope: SchoolScope,
    year: int,
    *,
    indicators: Sequence[Indicator] = INDICATORS,
    provisional: bool = False,
) -> dict[Any, dict[str, Measure]]:
    """For a bureau's subtree: the indicators of each child bureau's subtree, keyed by
    the child's id, and of the bureau's own schools, keyed :data:`DIRECT` — a city by
    county and 市直, a province by city and 省直.

    The returns are grouped by their school's bureau (one query) and
    rolled up to the child on the bureau's path: sums, so exact. A child's gross ratios
    divide by its area's population (:meth:`PopulationTree.of`); the direct schools have
    no area of their own. A part with no return this year is left out."""
    bureau = scope.bureau
    if scope.kind != "bureau" or bureau is None:
        raise ValueError("only a bureau's subtree has child bureaus")
    paths = dict(scope.bureaus().values_list("pk", "path"))
    depth = len(bureau.path.strip("/").split("/"))

    def child_of(bureau_id: int) -> Any:
        if bureau_id == bureau.pk:
            return DIRECT
        return int(paths[bureau_id].strip("/").split("/")[depth])

    by_year = _terms_by_year(indicators)
    rows = (
        returns_in(scope, [year - back for back in by_year], provisional=provisional)
        .values(unit=_group_key(scope, "school__bureau_id"))
        .annotate(**_year_aggregates(by_year, year))
    )
    rolled: dict[Any, dict[int, Sums]] = {}
    counted: dict[Any, int] = defaultdict(int)  # this year's returns of each part
    for row in rows:
        key, part = child_of(row["unit"]), _year_sums(row, by_year)
        counted[key] += row[_prefix(0) + RETURNS]
        if key in rolled:
            part = {
                back: {name: _add(rolled[key][back][name], value) for name, value in sums.items()}
                for back, sums in part.items()
            }
        rolled[key] = part
    tree = population_tree(scope, year) if any(i.uses_population for i in indicators) else None
    out: dict[Any, dict[str, Measure]] = {}
    for key, of_years in rolled.items():
        if not counted[key]:
            continue  # no return this year: left out, like compute_by's groups
        people: dict[str, int | None] = {}
        if tree is not None:
            people = _band_sums(None if key == DIRECT else tree.of(key), indicators)
        out[key] = _resolve(indicators, of_years, people)
    return out


def sum_fields(
    scope: SchoolScope,
    year: int,
    codes: Sequence[str],
    *,
    provisional: bool = False,
    with_returns: bool = False,
) -> dict[str, int | None]:
    """Each field of ``codes`` summed over the scope's returns of ``year`` (one query);
    every sum None when no return counts that year. ``with_returns`` adds the number of
    returns counted under :data:`RETURNS` (one per school: the schools filing)."""
    terms = {fields(code).key: fields(code) for code in codes}
    row = returns_of(scope, year, provisional=provisional).aggregate(**_aggregates(terms))
    sums = _sums(row, terms)
    out = {code: sums[fields(code).key] for code in codes}
    if with_returns:
        out[RETURNS] = int(row[RETURNS])
    return out


def sum_fields_by(
    scope: SchoolScope,
    year: int,
    codes: Sequence[str],
    group: str,
    *,
    provisional: bool = False,
) -> dict[Any, dict[str, int]]:
    """Each field of ``codes`` summed by ``group`` (one of :data:`GROUPS`), for tables
    by township or school kind: one grouped query; groups without a return are left
    out."""
    column = GROUPS[group]
    terms = {fields(code).key: fields(code) for code in codes}
    rows = (
        returns_of(scope, year, provisional=provisional)
        .values(unit=_group_key(scope, column))
        .annotate(**_aggregates(terms))
    )
    return {row["unit"]: {code: int(row[fields(code).key]) for code in codes} for row in rows}


def returns_counted(scope: SchoolScope, year: int, *, provisional: bool = False) -> int:
    return int(returns_of(scope, year, provisional=provisional).count())


# Population --------------------------------------------------------------------------


@dataclass(frozen=True)
class PopulationTree:
    """The population rows of a subtree for one year, by bureau and age, and the tree
    (children of each bureau), to resolve any bureau's area (:meth:`of`)."""

    recorded: dict[int, dict[int, int]]
    children: dict[int, list[int]]

    def of(self, bureau_id: int) -> dict[int, int] | None:
        """A bureau's population: the one it recorded; without one, the sum of its
        child bureaus' when every child has one (a city that records nothing is the sum
        of its counties); otherwise None — a partial sum would inflate every gross
        ratio."""
        if bureau_id in self.recorded:
            return self.recorded[bureau_id]
        below = self.children.get(bureau_id)
        if not below:
            return None
        total: dict[int, int] = defaultdict(int)
        for child_id in below:
            ages = self.of(child_id)
            if ages is None:
                return None
            for age, count in ages.items():
                total[age] += count
        return dict(total)


def population_tree(scope: SchoolScope, year: int) -> PopulationTree:
    """The population recorded in the scope's subtree for ``year`` (two queries: the
    rows, the bureaus)."""
    bureau = scope.bureau
    if bureau is None:
        return PopulationTree({}, {})
    rows = (
        _population_rows(scope)
        .filter(year=year, bureau__path__startswith=bureau.path)
        .values("bureau_id", "age")
        .annotate(people=Sum("count"))
        .order_by()
    )
    recorded: dict[int, dict[int, int]] = defaultdict(dict)
    for row in rows:
        recorded[row["bureau_id"]][row["age"]] = int(row["people"])
    children: dict[int, list[int]] = defaultdict(list)
    for child in scope.bureaus().filter(parent__isnull=False).values("pk", "parent_id"):
        children[child["parent_id"]].append(child["pk"])
    return PopulationTree(dict(recorded), dict(children))


def population_by_age(scope: SchoolScope, year: int) -> dict[int, int] | None:
    """The population of the scope's area by age, or None when it has none.

    Only a subtree scope (a bureau and everything below it) has an area; its population
    is resolved by :meth:`PopulationTree.of`."""
    bureau = scope.bureau
    if scope.kind != "bureau" or bureau is None:
        return None
    return population_tree(scope, year).of(bureau.pk)


def _population_rows(scope: SchoolScope) -> Any:
    # Bureau-owned rows: what the viewer may read (its subtree), not narrowed; the
    # caller narrows by path.
    return scope.rows(Population)


def _population_terms(
    scope: SchoolScope, year: int, indicators: Iterable[Indicator]
) -> dict[str, int | None]:
    if not any(ind.uses_population for ind in indicators):
        return {}
    return _band_sums(population_by_age(scope, year), indicators)


def _band_sums(
    ages: Mapping[int, int] | None, indicators: Iterable[Indicator]
) -> dict[str, int | None]:
    bands = {term.key: term.ages for ind in indicators for term in ind.terms if term.ages}
    out: dict[str, int | None] = {}
    for key, band in bands.items():
        assert band is not None
        lo, hi = band
        out[key] = None if ages is None else sum(ages.get(age, 0) for age in range(lo, hi + 1))
        if out[key] == 0:
            out[key] = None  # an area without anyone of that age recorded has no ratio
    return out


__all__ = [
    "BY_CODE",
    "DEFAULT_OPTIONS",
    "DIRECT",
    "FINAL",
    "GRADUATES",
    "GRADUATING_CLASS",
    "GROUPS",
    "INDICATORS",
    "NOT_COMPUTED",
    "PERCENT",
    "PER_ONE",
    "PROVISIONAL",
    "RETURNS",
    "SPLIT_OF_TEN",
    "Indicator",
    "Measure",
    "Options",
    "PopulationTree",
    "Term",
    "compute",
    "compute_by",
    "compute_by_child",
    "definitions",
    "field_sum",
    "indicator_text",
    "population_by_age",
    "population_tree",
    "returns_counted",
    "returns_in",
    "returns_of",
    "sum_fields",
    "sum_fields_by",
]
