"""The statistics' facts for dashboards and reports: ``stat_facts(scope, year)``.

A :class:`~edubureau.core.facts.FactSet` over the school year ``year``—``year + 1``
(the census of 1 September ``year``), holding

- the key counts (``count.<field code>``: 普通高中招生, 中职在校生, 专任教师, …, and
  ``count.schools``, the schools whose returns count), ints;
- every computable indicator (``indicator.<code>``), its exact ``Decimal`` value in the
  indicator's form (a percentage, 生师比's students per teacher, 职普比's vocational
  share of ten) with its declared ``places``, and as breakdown its ``.numerator`` and
  ``.denominator`` counts (so a report writes "3.1:6.9" from 20800 and 67408 with
  :func:`edubureau.stats.indicators.indicator_text`, and a reader can recount), for
  职普比 the ``.rest`` of ten as displayed (a template writes ``{{x}}:{{x.rest}}``; a
  生师比 reads ``{{x}}:1``) and, where one applies, the ``.target`` in force for the
  scope's bureau (:meth:`edubureau.stats.targets.TargetChain.in_force`: its own or a
  provincial target, else the national one). The ratio forms have unit "" but are
  not counts: phrase their change by hand, not as a count change.

``previous`` is the previous census year's value, only when that year has returns in
the scope (never 0 for "no data"); for an indicator it is None when last year's value
cannot be computed. Counts add up the tree (a city's are the sums of its counties' and
its 市直 schools'); indicators are recomputed from the summed numerators and
denominators.

``source`` is the list of returns behind a figure: the returns list route with the
census year and the scope's filters (``/stats/?year=2025&township=7``, the names
``scope_from_params`` reads). Should the route be renamed or removed, the source is ""
rather than a broken link or an error (:func:`returns_link`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from django.urls import NoReverseMatch, reverse

from edubureau.core import phrasing
from edubureau.core.facts import Fact, FactSet, Period, link
from edubureau.orgs.scoping import SchoolScope
from edubureau.stats import indicators as ind
from edubureau.stats.dictionary import FIELDS, Level
from edubureau.stats.targets import Target, TargetChain, targets_in_force, traffic_light

# The list of returns a figure counts (/stats/, reading ``year`` and the scope's
# filters); tried in order, the first that resolves.
RETURN_LIST_ROUTES = ("stats:return-list",)

# How reports name a level's counts: "普通高中招生", "中职在校生", "小学毕业生".
LEVEL_NAMES: dict[str, str] = {
    Level.KG: "",
    Level.PRIMARY: "小学",
    Level.JUNIOR: "初中",
    Level.SENIOR: "普通高中",
    Level.VOCATIONAL: "中职",
    Level.SPECIAL: "特殊教育",
}

# The key counts, in the order a bulletin quotes them.
COUNT_CODES: tuple[str, ...] = (
    "kg.entrants",
    "kg.enrolled",
    "primary.entrants",
    "primary.enrolled",
    "primary.graduates",
    "junior.entrants",
    "junior.enrolled",
    "junior.graduates",
    "senior.entrants",
    "senior.enrolled",
    "senior.graduates",
    "vocational.entrants",
    "vocational.enrolled",
    "vocational.graduates",
    "special.entrants",
    "special.enrolled",
    "kg.teachers",
    "primary.teachers",
    "junior.teachers",
    "senior.teachers",
    "vocational.teachers",
    "special.teachers",
    "primary.migrant",
    "junior.migrant",
    "primary.disabled",
    "junior.disabled",
)

# Totals over levels (sums of the counts above, in the same query).
TOTALS: dict[str, tuple[str, tuple[str, ...]]] = {
    "count.teachers": ("专任教师", tuple(f"{lv.value}.teachers" for lv in Level)),
    "count.migrant": ("义务教育阶段随迁子女", ("primary.migrant", "junior.migrant")),
    "count.disabled": (
        "残疾学生在校生（特殊教育学校及随班就读等）",
        ("special.enrolled", "primary.disabled", "junior.disabled"),
    ),
}


def count_label(code: str) -> str:
    """ "普通高中招生", "在园幼儿", "中职在校生"."""
    spec = FIELDS[code]
    prefix = LEVEL_NAMES.get(spec.level or "", "")
    return f"{prefix}{spec.label}"


def returns_link(
    scope: SchoolScope, year: int, *, routes: Sequence[str] = RETURN_LIST_ROUTES
) -> str:
    """The returns list behind a figure (census ``year``, the scope's filters), or ""
    when no returns list route exists."""
    for name in routes:
        try:
            path = reverse(name)
        except NoReverseMatch:
            continue
        return link(path, {"year": year, **scope.params})
    return ""


def _count_facts(scope: SchoolScope, year: int, source: str, *, provisional: bool) -> list[Fact]:
    codes = sorted({*COUNT_CODES, *(c for _, parts in TOTALS.values() for c in parts)})
    sums = ind.sum_fields(scope, year, codes, provisional=provisional, with_returns=True)
    # One return per school and year: the schools whose figures count (a nine-year school
    # is one school). None, not 0, without returns, like every other count.
    schools = sums[ind.RETURNS] or None
    facts = [Fact("count.schools", "学校", schools, "所", source, places=0)]
    facts += [
        Fact(f"count.{code}", count_label(code), sums[code], "人", source, places=0)
        for code in COUNT_CODES
    ]
    for key, (label, parts) in TOTALS.items():
        values = [sums[code] for code in parts]
        total = None if any(v is None for v in values) else sum(v or 0 for v in values)
        facts.append(Fact(key, label, total, "人", source, places=0))
    return facts


def _indicator_facts(
    measures: dict[str, ind.Measure], year: int, source: str, targets: TargetChain
) -> list[Fact]:
    facts = []
    for code, measure in measures.items():
        indicator = measure.indicator
        key = f"indicator.{code}"
        parts = [
            Fact(f"{key}.numerator", "分子", measure.numerator, "", source, places=0),
            Fact(f"{key}.denominator", "分母", measure.denominator, "", source, places=0),
        ]
        if indicator.form == ind.SPLIT_OF_TEN:
            # The other side of "3.1:6.9", as phrasing.ratio_text writes it: ten minus the
            # first side as displayed, so a sentence "{{x}}:{{x.rest}}" always sums to 10.
            shown = measure.rounded
            rest = None if shown is None else ind.SCALES[ind.SPLIT_OF_TEN] - shown
            parts.append(Fact(f"{key}.rest", "另一方", rest, "", source, places=indicator.places))
        target = targets.in_force(code, year)
        if target is not None:
            parts.append(
                Fact(
                    f"{key}.target",
                    target.label,
                    target.value,
                    indicator.unit,
                    places=indicator.places,
                )
            )
            met = target.met_by(measure.value)
            if met is not None:
                # 1 met, 0 not: a report's 存在的问题 names the indicators short of theirs.
                parts.append(Fact(f"{key}.met", "达到目标", int(met), "", places=0))
        facts.append(
            Fact(
                key,
                indicator.name,
                measure.value,
                indicator.unit,
                source,
                breakdown=tuple(parts),
                places=indicator.places,
            )
        )
    return facts


def _facts_of_year(
    scope: SchoolScope,
    year: int,
    *,
    indicators: Sequence[ind.Indicator],
    provisional: bool,
    targets: TargetChain,
) -> list[Fact]:
    source = returns_link(scope, year)
    measures = ind.compute(scope, year, indicators=indicators, provisional=provisional)
    return _count_facts(scope, year, source, provisional=provisional) + _indicator_facts(
        measures, year, source, targets
    )


def stat_facts(
    scope: SchoolScope,
    year: int,
    *,
    options: ind.Options = ind.DEFAULT_OPTIONS,
    provisional: bool = False,
    as_of: date | None = None,
) -> FactSet:
    """The counts and indicators of the scope's returns of census ``year``, each with
    last year's value where last year has returns, and the target in force for the
    scope's bureau (its own, provincial or national: ``targets.TargetChain.in_force``,
    the rule the dashboard's lights use)."""
    indicators = ind.INDICATORS if options == ind.DEFAULT_OPTIONS else ind.definitions(options)
    period = Period.school_year(year)
    targets = targets_in_force(scope.bureau)
    current = _facts_of_year(
        scope, year, indicators=indicators, provisional=provisional, targets=targets
    )
    previous = None
    if ind.returns_counted(scope, year - 1, provisional=provisional):
        earlier = _facts_of_year(
            scope, year - 1, indicators=indicators, provisional=provisional, targets=targets
        )
        # The target of this year stays this year's; last year's is not a "previous".
        earlier = [_without_target(fact) for fact in earlier]
        previous = FactSet(period=Period.school_year(year - 1), facts=tuple(earlier))
    return FactSet.combine(period, current, previous, as_of=as_of)


def _without_target(fact: Fact) -> Fact:
    if not fact.breakdown:
        return fact
    kept = tuple(item for item in fact.breakdown if not item.key.endswith((".target", ".met")))
    return replace(fact, breakdown=kept)


# Phrasing one fact (dashboards' cards, the bulletin) ---------------------------------


def change_text(fact: Fact) -> str:
    """Year over year in the official register: a count "比上年增加8301人，增长21.67%",
    a percentage "比上年提高7.27个百分点" (the difference of the displayed rates); "" without
    last year's value, and for the ratio forms (生师比, 职普比), which have no set phrase."""
    if fact.value is None or fact.previous is None:
        return ""
    if fact.key.startswith("count.") and isinstance(fact.value, int):
        assert isinstance(fact.previous, int)
        return phrasing.count_change(fact.value, fact.previous, unit=fact.unit)
    if fact.unit == "%":
        return phrasing.rate_change(fact.value, fact.previous, places=fact.places)
    return ""


def target_of(facts: FactSet, key: str, *, bureau: Any = None) -> Target | None:
    """The target in force for an indicator fact of :func:`stat_facts` for ``bureau``'s
    area (None: the national one); the census year is the facts' period's."""
    if not key.startswith("indicator."):
        return None
    return targets_in_force(bureau).in_force(
        key.removeprefix("indicator."), facts.period.start.year
    )


def target_text(facts: FactSet, key: str, *, bureau: Any = None) -> str:
    """ "高出国家2020目标14.59个百分点", "低于…", "达到…" at the indicator's precision; ""
    without a target or a value."""
    target, fact = target_of(facts, key, bureau=bureau), facts[key]
    if target is None or fact.value is None:
        return ""
    return target.gap_text(fact.value, places=fact.places)


def light(facts: FactSet, key: str, *, bureau: Any = None) -> str:
    """The indicator's traffic light against its target: green, amber, red, or "".
    Compares the unrounded value (:func:`~edubureau.stats.targets.traffic_light`)."""
    return traffic_light(facts[key].value, target_of(facts, key, bureau=bureau))
