"""The statistics dashboard (统计看板) and its drill-down, as plain selectors.

:func:`board` gathers, for a scope and a census year, the indicator cards (value, 比上年,
the target in force and the gap, the traffic light with its word), the key counts with
their year-over-year change, a trend of one indicator over the last census years that
have returns, and that indicator compared by area (a county by township, a city or a
province by child bureau, a township or 直属 schools by school) and by school kind,
ownership and locality. :func:`drill` lists the schools behind any figure with their
numerator and denominator contributions: they add up to the figure (the same sums of
the same returns, grouped by school).

Every figure comes from :mod:`edubureau.stats.indicators` (``compute``, ``compute_by``,
``compute_by_child``, ``sum_fields``, ``sum_fields_by``); the phrasing from
:func:`edubureau.stats.facts.change_text`; the targets from
:func:`edubureau.stats.targets.targets_in_force`. The number of queries does not grow
with the number of schools, townships or bureaus: one aggregate per year and grouping
(the trend reads at most :data:`TREND_YEARS` years).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.urls import reverse

from edubureau.core import phrasing
from edubureau.core.facts import Fact, link
from edubureau.orgs.models import (
    DIRECT_LABELS,
    BureauLevel,
    Locality,
    Ownership,
    SchoolKind,
    Township,
)
from edubureau.orgs.scoping import SchoolScope
from edubureau.stats import indicators as ind
from edubureau.stats.facts import change_text, returns_link
from edubureau.stats.models import StatReturn
from edubureau.stats.services import census_date
from edubureau.stats.targets import (
    LIGHT_WORDS,
    Target,
    TargetChain,
    targets_in_force,
    traffic_light,
)

TREND_YEARS = 5
DEFAULT_INDICATOR = "consolidation_9"

# The key counts: (key, label, the fields summed).
LEVELS = ("kg", "primary", "junior", "senior", "vocational", "special")
KEY_COUNTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "students": ("在校生（含在园幼儿）", tuple(f"{lv}.enrolled" for lv in LEVELS)),
    "entrants": ("招生（含入园幼儿）", tuple(f"{lv}.entrants" for lv in LEVELS)),
    "teachers": ("专任教师", tuple(f"{lv}.teachers" for lv in LEVELS)),
}
COUNT_FIELDS = tuple(code for _, codes in KEY_COUNTS.values() for code in codes)

# The groupings a drill-down may take (``group``): the area ones and compute_by's.
CHILD, TOWNSHIP, SCHOOL = "child", "township", "school"
KIND, OWNERSHIP, LOCALITY = "kind", "ownership", "locality"
ATTRIBUTE_GROUPS: dict[str, tuple[str, dict[str, str]]] = {
    KIND: ("办学类型", dict(SchoolKind.choices)),
    OWNERSHIP: ("举办者", dict(Ownership.choices)),
    LOCALITY: ("城乡分类", dict(Locality.choices)),
}
DRILL_GROUPS = ("", CHILD, TOWNSHIP, SCHOOL, *ATTRIBUTE_GROUPS)
NO_TOWNSHIP = "none"  # the key of schools without a township


class NotFound(LookupError):
    """A drill-down asked for a group, key, indicator or count that does not exist."""


# Values ------------------------------------------------------------------------------


def dashboard_url(scope: SchoolScope, **params: Any) -> str:
    return link(reverse("stats:dashboard"), {**scope.params, **params})


def drill_url(scope: SchoolScope, **params: Any) -> str:
    return link(reverse("stats:dashboard-schools"), {**scope.params, **params})


def _chart_number(value: Decimal | None) -> float | None:
    # Charts only: the figures a reader reads are the texts, rounded once, half up.
    return None if value is None else float(value)


@dataclass(frozen=True)
class Judged:
    """A value against the target in force: the gap's text, the light and its word."""

    target: Target | None
    gap: str
    light: str

    @property
    def light_word(self) -> str:
        return LIGHT_WORDS.get(self.light, "无目标" if self.target is None else "")


def judge(measure: ind.Measure, target: Target | None) -> Judged:
    """The gap to ``target`` ("高出本县2025目标1.50个百分点"; for 生师比, which has no
    百分点, "达到/未达到…目标（不高于17.00:1）") and the traffic light."""
    value = measure.value
    if target is None or value is None:
        return Judged(target, "", traffic_light(value, target))
    indicator = measure.indicator
    if indicator.form == ind.PERCENT:
        gap = target.gap_text(value, places=indicator.places)
    else:
        met = "达到" if target.met_by(value) else "未达到"
        gap = f"{met}{target.label}（{target.comparison_text}{target_value_text(target)}）"
    return Judged(target, gap, traffic_light(value, target))


def target_value_text(target: Target) -> str:
    """The target's value as its indicator is written: "95%", "17:1"."""
    indicator = ind.BY_CODE.get(target.indicator)
    number = format(target.value.normalize(), "f")
    if indicator is not None and indicator.form == ind.PER_ONE:
        return f"{number}:1"
    return f"{number}%"


@dataclass(frozen=True)
class Card:
    """One indicator of the scope: its value, change and target."""

    measure: ind.Measure
    change: str
    judged: Judged
    url: str

    @property
    def code(self) -> str:
        return self.measure.indicator.code

    @property
    def name(self) -> str:
        return self.measure.indicator.name

    @property
    def text(self) -> str:
        return self.measure.text


@dataclass(frozen=True)
class CountCard:
    key: str
    label: str
    value: int | None
    previous: int | None
    change: str
    url: str
    unit: str = "人"

    @property
    def display(self) -> str:
        return phrasing.EMPTY if self.value is None else str(self.value)


@dataclass(frozen=True)
class Line:
    """One group of a comparison: its name and the chosen indicator's measure."""

    key: str
    name: str
    measure: ind.Measure | None
    judged: Judged
    url: str

    @property
    def text(self) -> str:
        return phrasing.EMPTY if self.measure is None else self.measure.text


@dataclass(frozen=True)
class Comparison:
    group: str
    title: str
    heading: str
    lines: list[Line]
    total: Line
    chart: dict[str, Any]


@dataclass(frozen=True)
class TrendPoint:
    year: int
    measure: ind.Measure
    target: Target | None
    url: str


@dataclass
class Board:
    scope: SchoolScope
    year: int
    years: list[int]
    provisional: bool
    indicator: ind.Indicator
    cards: list[Card]
    counts: list[CountCard]
    schools_counted: int
    schools_in_scope: int
    schools_previous: int | None
    schools_url: str
    trend: list[TrendPoint]
    trend_chart: dict[str, Any]
    comparisons: list[Comparison]
    chain: TargetChain
    not_computed: dict[str, str] = field(default_factory=dict)

    @property
    def schools_change(self) -> str:
        return phrasing.count_change(self.schools_counted, self.schools_previous, unit="所")


# The board -----------------------------------------------------------------------------


def years_with_returns(scope: SchoolScope, *, provisional: bool = False) -> list[int]:
    """The census years that have counted returns in the scope, latest first (one
    query)."""
    statuses = ind.PROVISIONAL if provisional else ind.FINAL
    years = (
        scope.by_record_date()
        .rows(StatReturn)
        .filter(status__in=statuses)
        .order_by("-school_year__start_year")
        .values_list("school_year__start_year", flat=True)
        .distinct()
    )
    return [int(y) for y in years]


def choose_indicator(code: str | None) -> ind.Indicator:
    return ind.BY_CODE.get(code or "") or ind.BY_CODE[DEFAULT_INDICATOR]


def first_with_value(measures: Mapping[str, ind.Measure]) -> ind.Indicator:
    """The indicator a board opens on when none is asked for: 九年义务教育巩固率 where the
    scope has it (it needs returns from eight years back), else the first with a value —
    never an empty trend on a scope's first years."""
    preferred = measures.get(DEFAULT_INDICATOR)
    if preferred is not None and preferred.value is not None:
        return preferred.indicator
    found = next((m.indicator for m in measures.values() if m.value is not None), None)
    return found or ind.BY_CODE[DEFAULT_INDICATOR]


def board(
    scope: SchoolScope,
    year: int,
    *,
    indicator: ind.Indicator | None,
    provisional: bool = False,
    years: Sequence[int] | None = None,
) -> Board:
    """The dashboard of ``scope`` for census ``year`` (``years``: the census years with
    returns, latest first, when the caller has read them already); ``indicator`` None:
    :func:`first_with_value`."""
    available = list(years) if years is not None else years_with_returns(scope)
    extra = {"provisional": "1"} if provisional else {}
    chain = targets_in_force(scope.bureau)
    measures = ind.compute(scope, year, provisional=provisional)
    indicator = indicator or first_with_value(measures)
    has_previous = (year - 1) in available
    previous = ind.compute(scope, year - 1, provisional=provisional) if has_previous else {}
    cards = []
    for code, measure in measures.items():
        if measure.value is None:
            continue
        indicator_ = measure.indicator
        before = previous.get(code)
        fact = Fact(
            f"indicator.{code}",
            indicator_.name,
            measure.value,
            indicator_.unit,
            places=indicator_.places,
            previous=before.value if before is not None else None,
        )
        cards.append(
            Card(
                measure,
                change_text(fact),
                judge(measure, chain.in_force(code, year)),
                drill_url(scope, indicator=code, year=year, **extra),
            )
        )
    sums = ind.sum_fields(scope, year, COUNT_FIELDS, provisional=provisional, with_returns=True)
    last = (
        ind.sum_fields(scope, year - 1, COUNT_FIELDS, provisional=provisional, with_returns=True)
        if has_previous
        else None
    )
    counts = []
    for key, (label, codes) in KEY_COUNTS.items():
        value = _total(sums, codes)
        before_total = _total(last, codes) if last is not None else None
        fact = Fact(f"count.{key}", label, value, "人", places=0, previous=before_total)
        counts.append(
            CountCard(
                key,
                label,
                value,
                before_total,
                change_text(fact),
                drill_url(scope, count=key, year=year, **extra),
            )
        )
    trend = _trend(scope, indicator, year, available, measures, previous, chain, provisional)
    comparisons = _comparisons(scope, year, indicator, measures[indicator.code], chain, provisional)
    return Board(
        scope=scope,
        year=year,
        years=available,
        provisional=provisional,
        indicator=indicator,
        cards=cards,
        counts=counts,
        schools_counted=int(sums[ind.RETURNS] or 0),
        schools_in_scope=scope.by_record_date()
        .schools_on(census_date(year))
        .filter(is_active=True)
        .count(),
        schools_previous=int(last[ind.RETURNS] or 0) if last is not None else None,
        schools_url=returns_link(scope, year),
        trend=trend,
        trend_chart=_trend_chart(indicator, trend),
        comparisons=comparisons,
        chain=chain,
        not_computed=dict(ind.NOT_COMPUTED),
    )


def _total(sums: Mapping[str, int | None] | None, codes: Sequence[str]) -> int | None:
    if sums is None or not sums.get(ind.RETURNS):
        return None
    return sum(sums[code] or 0 for code in codes)


def _trend(
    scope: SchoolScope,
    indicator: ind.Indicator,
    year: int,
    available: Sequence[int],
    this_year: Mapping[str, ind.Measure],
    last_year: Mapping[str, ind.Measure],
    chain: TargetChain,
    provisional: bool,
) -> list[TrendPoint]:
    """The indicator over the latest :data:`TREND_YEARS` census years up to ``year``
    that have returns, oldest first (this year's and last year's measures reused)."""
    extra = {"provisional": "1"} if provisional else {}
    known = {year: this_year, year - 1: last_year}
    points = []
    for y in sorted(y for y in available if y <= year)[-TREND_YEARS:]:
        measures = known.get(y) or ind.compute(
            scope, y, indicators=(indicator,), provisional=provisional
        )
        measure = measures[indicator.code]
        points.append(
            TrendPoint(
                y,
                measure,
                chain.in_force(indicator.code, y),
                drill_url(scope, indicator=indicator.code, year=y, **extra),
            )
        )
    return points


def _trend_chart(indicator: ind.Indicator, trend: Sequence[TrendPoint]) -> dict[str, Any]:
    series: list[dict[str, Any]] = [
        {
            "name": indicator.name,
            "data": [_chart_number(p.measure.rounded) for p in trend],
            "links": [p.url for p in trend],
        }
    ]
    if any(p.target is not None for p in trend):
        series.append(
            {
                "name": "目标",
                "data": [_chart_number(p.target.value) if p.target else None for p in trend],
            }
        )
    return {
        "type": "line",
        "title": indicator.name,
        "categories": [f"{p.year}年" for p in trend],
        "series": series,
    }


def area_group(scope: SchoolScope) -> str | None:
    """How the scope's area divides: a city or a province by child bureau, a county by
    township, a township or 直属 schools by school; one school not at all."""
    bureau = scope.bureau
    if scope.kind == "bureau" and bureau is not None:
        return CHILD if bureau.level != "county" else TOWNSHIP
    if scope.kind == "school":
        return None
    return SCHOOL


def _comparisons(
    scope: SchoolScope,
    year: int,
    indicator: ind.Indicator,
    whole: ind.Measure,
    chain: TargetChain,
    provisional: bool,
) -> list[Comparison]:
    target = chain.in_force(indicator.code, year)
    extra = {"provisional": "1"} if provisional else {}
    out = []
    area = area_group(scope)
    groups: list[str] = ([area] if area else []) + list(ATTRIBUTE_GROUPS)
    total_line = Line(
        "",
        "合计",
        whole,
        judge(whole, target),
        drill_url(scope, indicator=indicator.code, year=year, **extra),
    )
    for group in groups:
        named = _grouped(scope, year, group, indicator, provisional)
        title, heading = _titles(scope, group)
        lines = [
            Line(
                key,
                name,
                measure,
                judge(measure, target) if measure is not None else Judged(target, "", ""),
                drill_url(scope, indicator=indicator.code, year=year, group=group, key=key, **extra)
                if measure is not None
                else "",
            )
            for key, name, measure in named
        ]
        chart = {
            "type": "hbar-stacked",
            "title": f"{indicator.name}（{title}）",
            "categories": [line.name for line in lines if line.measure is not None],
            "series": [
                {
                    "name": indicator.name,
                    "data": [_chart_number(line.measure.rounded) for line in lines if line.measure],
                    "links": [line.url for line in lines if line.measure is not None],
                }
            ],
        }
        out.append(Comparison(group, title, heading, lines, total_line, chart))
    return out


def _titles(scope: SchoolScope, group: str) -> tuple[str, str]:
    if group == CHILD:
        bureau = scope.bureau
        below = "各县（市、区）" if bureau is not None and bureau.level == "city" else "各市"
        return f"按{below}", "单位"
    if group == TOWNSHIP:
        return "按乡镇（街道）", "乡镇（街道）"
    if group == SCHOOL:
        return "按学校", "学校"
    heading = ATTRIBUTE_GROUPS[group][0]
    return f"按{heading}", heading


def _grouped(
    scope: SchoolScope,
    year: int,
    group: str,
    indicator: ind.Indicator,
    provisional: bool,
) -> list[tuple[str, str, ind.Measure | None]]:
    """(key, name, measure) of each group, in the group's natural order."""
    only = (indicator,)
    if group == CHILD:
        measures = ind.compute_by_child(scope, year, indicators=only, provisional=provisional)
        bureau = scope.bureau
        assert bureau is not None
        children = scope.bureaus().filter(parent_id=bureau.pk).order_by("path")
        out: list[tuple[str, str, ind.Measure | None]] = [
            (str(b.pk), b.display_name, measures.get(b.pk, {}).get(indicator.code))
            for b in children
        ]
        if ind.DIRECT in measures:
            label = DIRECT_LABELS.get(BureauLevel(bureau.level), "直属")
            out.append((ind.DIRECT, f"{label}学校", measures[ind.DIRECT][indicator.code]))
        return out
    if group == TOWNSHIP:
        measures = ind.compute_by(scope, year, "township", indicators=only, provisional=provisional)
        names = dict(
            Township.objects.filter(pk__in=[k for k in measures if k is not None])
            .order_by("sort_order", "pk")
            .values_list("pk", "name")
        )
        out = [(str(pk), name, measures[pk][indicator.code]) for pk, name in names.items()]
        if None in measures:
            out.append((NO_TOWNSHIP, "未分乡镇", measures[None][indicator.code]))
        return out
    if group == SCHOOL:
        measures = ind.compute_by(scope, year, "school", indicators=only, provisional=provisional)
        schools = scope.schools().filter(pk__in=list(measures)).order_by("name")
        return [(str(s.pk), s.name, measures[s.pk][indicator.code]) for s in schools]
    measures = ind.compute_by(scope, year, group, indicators=only, provisional=provisional)
    labels = ATTRIBUTE_GROUPS[group][1]
    return [
        (key, label, measures[key][indicator.code])
        for key, label in labels.items()
        if key in measures
    ]


# The drill-down ------------------------------------------------------------------------


@dataclass(frozen=True)
class DrillRow:
    school_id: int
    school: str
    township: str
    return_id: int
    status: str
    numerator: int | None
    denominator: int | None
    text: str


@dataclass
class Drill:
    """The schools behind one figure: ``rows`` (each school's contribution), the
    ``figure`` they add up to, and ``rest`` — the part of the figure that no listed
    school carries (an indicator reading last year's returns counts the returns of
    schools that filed none this year), shown as its own line."""

    scope: SchoolScope
    year: int
    title: str
    indicator: ind.Indicator | None
    count_key: str
    count_label: str
    group: str
    key: str
    slice_label: str
    rows: list[DrillRow]
    numerator: int | None
    denominator: int | None
    figure_text: str
    rest: tuple[int, int] | None
    population_denominator: bool


def drill(
    scope: SchoolScope,
    year: int,
    *,
    indicator: ind.Indicator | None = None,
    count: str = "",
    group: str = "",
    key: str = "",
    provisional: bool = False,
) -> Drill:
    """The schools behind an indicator (``indicator``) or a key count (``count``, a
    :data:`KEY_COUNTS` key) of the slice ``group`` = ``key`` of ``scope`` (no group:
    the whole scope). An unseen township, bureau or school answers 404 through the
    door (``scope.narrow``); an unknown group or key raises :class:`NotFound`."""
    if indicator is None and count not in KEY_COUNTS:
        raise NotFound("未知的指标")
    if group not in DRILL_GROUPS:
        raise NotFound("未知的分组")
    part, attribute, slice_label = _slice(scope, group, key)
    returns = list(
        ind.returns_of(part, year, provisional=provisional)
        .values(
            "pk",
            "school_id",
            "status",
            "school__name",
            "school__township__name",
            "school__township_id",
            "school__kind",
            "school__ownership",
            "school__locality",
        )
        .order_by("school__township__sort_order", "school__township_id", "school__name")
    )
    if attribute is not None:
        column, wanted = GROUP_COLUMNS[attribute[0]], attribute[1]
        returns = [r for r in returns if r[column] == wanted]
    if indicator is not None:
        per_school = ind.compute_by(
            part, year, "school", indicators=(indicator,), provisional=provisional
        )
        if attribute is not None:
            figure = ind.compute_by(
                scope, year, attribute[0], indicators=(indicator,), provisional=provisional
            ).get(attribute[1], {})
        else:
            figure = ind.compute(part, year, indicators=(indicator,), provisional=provisional)
        total = figure.get(indicator.code) or ind.Measure(indicator, None, None)
        rows = []
        for r in returns:
            measure = per_school.get(r["school_id"], {}).get(indicator.code)
            numerator = measure.numerator if measure is not None else None
            denominator = measure.denominator if measure is not None else None
            rows.append(_row(r, numerator, denominator, measure.text if measure else ""))
        population = indicator.uses_population
        listed_n = sum(r.numerator or 0 for r in rows)
        listed_d = sum(r.denominator or 0 for r in rows)
        rest = None
        if total.numerator is not None and total.denominator is not None:
            rest_n = total.numerator - listed_n
            rest_d = 0 if population else total.denominator - listed_d
            rest = (rest_n, rest_d) if rest_n or rest_d else None
        return Drill(
            scope,
            year,
            indicator.name,
            indicator,
            "",
            "",
            group,
            key,
            slice_label,
            rows,
            total.numerator,
            total.denominator,
            total.text,
            rest,
            population,
        )
    label, codes = KEY_COUNTS[count]
    by_school = ind.sum_fields_by(part, year, codes, "school", provisional=provisional)
    rows = []
    for r in returns:
        figures = by_school.get(r["school_id"])
        value = sum(figures.values()) if figures is not None else None
        rows.append(_row(r, value, None, "" if value is None else str(value)))
    listed = sum(r.numerator or 0 for r in rows) if returns else None
    return Drill(
        scope,
        year,
        label,
        None,
        count,
        label,
        group,
        key,
        slice_label,
        rows,
        listed,
        None,
        phrasing.EMPTY if listed is None else str(listed),
        None,
        False,
    )


def _row(
    r: Mapping[str, Any], numerator: int | None, denominator: int | None, text: str
) -> DrillRow:
    return DrillRow(
        school_id=r["school_id"],
        school=r["school__name"],
        township=r["school__township__name"] or "",
        return_id=r["pk"],
        status=r["status"],
        numerator=numerator,
        denominator=denominator,
        text=text,
    )


# The returns' columns (in the drill-down's query) of the groups kept in Python.
GROUP_COLUMNS = {
    KIND: "school__kind",
    OWNERSHIP: "school__ownership",
    LOCALITY: "school__locality",
    TOWNSHIP: "school__township_id",
}


def _slice(
    scope: SchoolScope, group: str, key: str
) -> tuple[SchoolScope, tuple[str, str | None] | None, str]:
    """The scope of a group's slice (narrowed through the door), or the scope and an
    attribute to keep (kind, ownership, locality), and the slice's name."""
    if not group:
        return scope, None, scope.label
    if group in ATTRIBUTE_GROUPS:
        labels = ATTRIBUTE_GROUPS[group][1]
        if key not in labels:
            raise NotFound("未知的分组")
        return scope, (group, key), f"{scope.label} · {labels[key]}"
    if group == TOWNSHIP and key == NO_TOWNSHIP:
        return scope, (TOWNSHIP, None), f"{scope.label} · 未分乡镇"
    if group == CHILD and key == ind.DIRECT:
        bureau = scope.bureau
        if bureau is None:
            raise NotFound("未知的分组")
        part = scope.narrow(bureau=bureau.pk, direct=True)
        return part, None, part.label
    from edubureau.core.params import param_id

    pk = param_id(key)
    if pk is None:
        raise NotFound("未知的分组")
    if group == TOWNSHIP:
        part = scope.narrow(township=pk)
    elif group == CHILD:
        part = scope.narrow(bureau=pk)
    else:
        part = scope.narrow(school=pk)
    return part, None, part.label
