"""National targets for the indicators, with their year and source, and the gap to each.

The national targets are code data (they change once a planning period); a bureau's
provincial or local targets are rows (:class:`~edubureau.stats.models.LocalTarget`),
read with the national ones by :func:`targets_in_force` (see :class:`TargetChain` for
which one a traffic light compares with). Whether a target is
met compares the *unrounded* value (84.999% does not meet 85%); the gap is phrased in
百分点 by :func:`edubureau.core.phrasing.gap_to_target` ("高出国家2020目标14.59个百分点").

Targets whose value INDICATORS.md marks unconfirmed carry ``confirmed=False``: shown,
but a page or report should say so rather than present them as settled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from edubureau.core import phrasing
from edubureau.core.facts import Number

AT_LEAST = ">="
ABOVE = ">"
AT_MOST = "<="

NATIONAL = "national"
SUPERVISION = "supervision"  # county supervision standards (督导评估), standing
# A bureau's own targets (LocalTarget.kind: models.TargetKind's values).
PROVINCIAL = "provincial"
LOCAL = "local"

PLAN_2010 = "《国家中长期教育改革和发展规划纲要（2010—2020年）》"
KG_2017 = (
    "《第三期学前教育行动计划》（2017）；"
    "《中共中央 国务院关于学前教育深化改革规范发展的若干意见》（2018）"
)
SECONDARY_2017 = f"{PLAN_2010}；《高中阶段教育普及攻坚计划（2017—2020年）》"
PLAN_14TH = "“十四五”学前教育发展提升行动计划"
PUBLIC_SERVICES_14TH = "《“十四五”公共服务规划》"
SPECIAL_14TH = "《“十四五”特殊教育发展提升行动计划》"
KG_SUPERVISION = "《县域学前教育普及普惠督导评估办法》（2020）"
COMPULSORY_SUPERVISION = "《县域义务教育优质均衡发展督导评估办法》（2017）"


@dataclass(frozen=True)
class Target:
    """A target for indicator ``indicator`` (an :data:`~edubureau.stats.indicators.BY_CODE`
    code): ``value`` in the indicator's unit, for ``year`` (None: a standing standard),
    met when the value compares to it by ``comparison``; ``label`` is how reports name
    it ("国家2020目标")."""

    indicator: str
    value: Decimal
    year: int | None
    label: str
    source: str
    comparison: str = AT_LEAST
    kind: str = NATIONAL
    confirmed: bool = True
    # A later document raised the same year's target (2010's 70% 毛入园率 by 2017's 85%).
    superseded: bool = False
    # A bureau's own target (PROVINCIAL or LOCAL): the row and the bureau that set it.
    pk: int | None = None
    bureau_id: int | None = None
    bureau_name: str = ""

    @property
    def comparison_text(self) -> str:
        """ "不低于", "高于", "不高于"."""
        return COMPARISON_WORDS.get(self.comparison, self.comparison)

    def stricter_than(self, other: Target) -> bool:
        """Whether meeting this target is harder than meeting ``other`` (the same
        indicator and sense): a higher floor, a lower ceiling; "高于" beats "不低于" at
        the same value."""
        if self.comparison == AT_MOST:
            return self.value < other.value
        if self.value != other.value:
            return self.value > other.value
        return self.comparison == ABOVE and other.comparison != ABOVE

    def met_by(self, value: Number | None) -> bool | None:
        """Whether ``value`` (unrounded) meets the target; None without a value."""
        if value is None:
            return None
        exact = Decimal(value)
        if self.comparison == ABOVE:
            return exact > self.value
        if self.comparison == AT_MOST:
            return exact <= self.value
        return exact >= self.value

    def gap(self, value: Number | None) -> Decimal | None:
        """value − target, unrounded, in the indicator's unit (百分点 for a rate)."""
        if value is None:
            return None
        return Decimal(value) - self.value

    def gap_text(self, value: Number | None, *, places: int) -> str:
        """ "高出国家2020目标14.59个百分点", "低于…", "达到…"; "" without a value."""
        if value is None:
            return ""
        return phrasing.gap_to_target(value, self.value, places=places, target_label=self.label)


COMPARISON_WORDS = {AT_LEAST: "不低于", ABOVE: "高于", AT_MOST: "不高于"}


def _t(
    indicator: str,
    value: str,
    year: int | None,
    source: str,
    *,
    comparison: str = AT_LEAST,
    kind: str = NATIONAL,
    confirmed: bool = True,
    superseded: bool = False,
    label: str = "",
) -> Target:
    if not label:
        label = f"国家{year}目标" if kind == NATIONAL else "县域督导评估标准"
    return Target(
        indicator,
        Decimal(value),
        year,
        label,
        source,
        comparison,
        kind,
        confirmed=confirmed,
        superseded=superseded,
    )


TARGETS: tuple[Target, ...] = (
    # 2020 — the "国家2020目标" the bureaus' summaries measure themselves against.
    _t("kg_gross", "70", 2020, PLAN_2010, superseded=True),
    _t("kg_gross", "85", 2020, KG_2017),
    _t("kg_affordable", "80", 2020, KG_2017),
    _t("kg_public", "50", 2020, KG_2017),
    _t("consolidation_9", "95", 2020, PLAN_2010),
    _t("senior_gross", "90", 2020, SECONDARY_2017),
    # 2025 — the 十四五 plans.
    _t("kg_gross", "90", 2025, PLAN_14TH, comparison=ABOVE),
    _t("kg_affordable", "85", 2025, PLAN_14TH, confirmed=False),
    _t("kg_public", "50", 2025, PLAN_14TH, confirmed=False),
    _t("consolidation_9", "96", 2025, PUBLIC_SERVICES_14TH),
    _t("senior_gross", "92", 2025, PUBLIC_SERVICES_14TH, comparison=ABOVE),
    _t("disabled_enrolment", "97", 2025, SPECIAL_14TH),
    # Standing county supervision standards.
    _t("kg_gross", "85", None, KG_SUPERVISION, kind=SUPERVISION),
    _t("kg_affordable", "80", None, KG_SUPERVISION, kind=SUPERVISION),
    _t("kg_public", "50", None, KG_SUPERVISION, kind=SUPERVISION),
    _t("consolidation_junior", "95", None, COMPULSORY_SUPERVISION, kind=SUPERVISION),
    _t("disabled_enrolment", "95", None, COMPULSORY_SUPERVISION, kind=SUPERVISION),
    _t("migrant_public", "85", None, COMPULSORY_SUPERVISION, kind=SUPERVISION),
)


def targets_for(
    indicator: str, *, year: int | None = None, kind: str | None = None
) -> list[Target]:
    """The targets of ``indicator`` (of one ``year`` and/or ``kind`` when given), latest
    year first, standing standards last."""
    found = [
        t
        for t in TARGETS
        if t.indicator == indicator
        and (year is None or t.year == year)
        and (kind is None or t.kind == kind)
    ]
    return sorted(found, key=lambda t: (t.year is None, -(t.year or 0)))


def target_for(indicator: str, year: int, *, kind: str = NATIONAL) -> Target | None:
    """The target in force for census ``year``: the national target of the first
    planning year at or after it (2019's figures answer to the 2020 target, 2024's to
    2025's), the latest one past every planning year; for ``kind`` SUPERVISION the
    standing standard. For 学前三年毛入园率 in 2020 the 85% of the 2017 action plan,
    (the one seed 000 quotes), not the superseded 70% of the 2010 outline."""
    candidates = [
        t for t in TARGETS if t.indicator == indicator and t.kind == kind and not t.superseded
    ]
    if kind != NATIONAL:
        return candidates[0] if candidates else None
    return _in_force((t for t in candidates if t.year is not None), year)


def _in_force(dated: Iterable[Target], year: int) -> Target | None:
    """The target of the first planning year at or after ``year``, else the latest."""
    ordered = sorted(dated, key=lambda t: t.year or 0)
    for target in ordered:
        if target.year is not None and target.year >= year:
            return target
    return ordered[-1] if ordered else None


# A bureau's own targets --------------------------------------------------------------


def from_row(row: Any) -> Target:
    """A :class:`~edubureau.stats.models.LocalTarget` as a :class:`Target`."""
    return Target(
        indicator=row.indicator,
        value=Decimal(row.value),
        year=int(row.year),
        label=row.label,
        source=row.source,
        comparison=row.comparison,
        kind=row.kind,
        pk=row.pk,
        bureau_id=row.bureau_id,
        bureau_name=row.bureau.display_name if row.bureau_id else "",
    )


@dataclass(frozen=True)
class TargetChain:
    """The targets that apply to one bureau's area: the national ones (code data) and
    the provincial and local ones set by the bureau and its ancestors
    (``own``, set by the bureau itself; ``inherited``, by the bureaus above; for the
    same indicator, kind and year the nearest bureau's wins).

    **The target in force** (:meth:`in_force`, what a traffic light compares with):
    of each kind, the target of the first planning year at or after the census year
    (the latest past every planning year), as for the national targets; then the
    *strictest* of the provincial and local ones so found (a county that sets itself
    95% where the province asks 92% answers to 95%; one that sets 90% still answers to
    the province's 92%); without any, the national target."""

    bureau_id: int | None
    rows: tuple[Target, ...] = field(default=())

    @property
    def own(self) -> list[Target]:
        return [t for t in self.rows if t.bureau_id == self.bureau_id]

    @property
    def inherited(self) -> list[Target]:
        return [t for t in self.rows if t.bureau_id != self.bureau_id]

    def candidates(self, indicator: str, year: int) -> list[Target]:
        """The provincial and the local target of ``indicator`` in force for census
        ``year`` (each kind's planning year at or after it), nearest bureau's first."""
        out = []
        for kind in (LOCAL, PROVINCIAL):
            found = _in_force(
                (t for t in self.rows if t.indicator == indicator and t.kind == kind), year
            )
            if found is not None:
                out.append(found)
        return out

    def in_force(self, indicator: str, year: int) -> Target | None:
        """The one target a traffic light compares with (see the class docstring)."""
        strictest: Target | None = None
        for target in self.candidates(indicator, year):
            if strictest is None or target.stricter_than(strictest):
                strictest = target
        return strictest if strictest is not None else target_for(indicator, year)


def targets_in_force(bureau: Any) -> TargetChain:
    """The targets of ``bureau``'s area (one query): its own and its ancestors'
    :class:`~edubureau.stats.models.LocalTarget` s, nearest bureau first for the same
    indicator, kind and year. A target set by a bureau applies to the bureaus below
    it, so the bureaus above are read by the bureau's path, not through the viewer's
    door (which never looks upward): they are policy handed down, not records.
    ``None`` (no bureau): the national targets alone."""
    from edubureau.stats.models import LocalTarget

    if bureau is None or not getattr(bureau, "path", ""):
        return TargetChain(None)
    chain = [*bureau.ancestor_ids, bureau.pk]
    depth = {pk: i for i, pk in enumerate(chain)}
    rows = LocalTarget.objects.filter(bureau_id__in=chain).select_related("bureau")
    nearest: dict[tuple[str, str, int], Any] = {}
    for row in sorted(rows, key=lambda r: depth[r.bureau_id]):
        nearest[(row.indicator, row.kind, row.year)] = row  # deeper overwrites
    found = sorted(
        (from_row(row) for row in nearest.values()),
        key=lambda t: (t.indicator, t.kind, t.year or 0),
    )
    return TargetChain(bureau.pk, tuple(found))


GREEN, AMBER, RED = "green", "amber", "red"

# How far short of a target still reads amber (百分点), on dashboards' traffic lights.
AMBER_WITHIN = Decimal(5)


def traffic_light(
    value: Number | None, target: Target | None, *, amber_within: Decimal = AMBER_WITHIN
) -> str:
    """green when the unrounded value meets the target, amber when it falls short by
    less than ``amber_within`` points (a target of "at most" by exceeding it), red
    otherwise; "" without a value or a target."""
    if value is None or target is None:
        return ""
    if target.met_by(value):
        return GREEN
    gap = target.gap(value)
    assert gap is not None
    return AMBER if abs(gap) < amber_within else RED


# The words beside a light's colour, so that it is never told by colour alone.
LIGHT_WORDS = {GREEN: "达标", AMBER: "接近目标", RED: "未达标"}
