"""The numbers of an annual (or half-year, school-year, monthly) safety summary.

``safety_facts(schools=…, period=…)`` returns a :class:`~edubureau.core.facts.FactSet`:
every figure the summaries of seed 004 quote, each with the list URL of the rows
it counts and, where the figure belongs to a period, last year's value. The
``reports`` module phrases them; the dashboards show some of them.

Definitions (the same on the dashboard, in circulars and in reports):

- *found*: hazards reported in the period (``reported_on``);
- *closed* (整改销号): of those, the ones closed by the end of the period, so a
  past year's figure does not change later; *rectification rate* = closed ÷ found;
- *overdue*: of those, the ones still reported/planned whose deadline has passed
  (as of ``today``, the rule of the hazard list's ``overdue=1``);
- *median days to close*: over hazards closed in the period, calendar days from
  ``reported_on`` to the (local) date of ``closed_at``;
- *closed late*: hazards closed in the period whose rectification was done after
  the deadline (``rectified_on > deadline``), by township;
- *repeats*: hazards found in the period flagged as a repeat (``repeat_of``), by item;
- *self-inspections due*: one per active school per month of the period that has
  begun; *on time*: submitted no later than ``due_on``;
- ledgers: drills and education activities held in the period; responsibility
  letters of the school year in force at the end of the period; vehicles,
  canteens, guards and cameras as registered now (no year-over-year value).

Every aggregate runs in the database (``values().annotate()``); the number of
queries does not depend on the number of schools.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import (
    Aggregate,
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from edubureau.core.facts import Fact, FactSet, Period, link, median, percent
from edubureau.orgs.models import School, SchoolYear
from edubureau.rectification.models import Severity, Status
from edubureau.safety.models import (
    Campaign,
    Canteen,
    CanteenGrade,
    Drill,
    DrillKind,
    EducationActivity,
    Hazard,
    Inspection,
    InspectionKind,
    InspectionStatus,
    LetterTier,
    ResponsibilityLetter,
    SecurityResources,
    Vehicle,
    VehicleKind,
)
from edubureau.safety.selectors.hazards import overdue_q

EXPIRY_DAYS = 30


# Links -------------------------------------------------------------------------


@dataclass(frozen=True)
class Links:
    """List URLs with their filters (docs: the list filter names shared by the safety
    pages). ``scope`` is added to every link (e.g. ``{"school": 12}`` for one school)."""

    scope: Mapping[str, object]
    # One reverse() per URL name and instance: pages build thousands of links.
    _paths: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def _to(self, name: str, params: Mapping[str, object]) -> str:
        path = self._paths.get(name)
        if path is None:
            path = self._paths[name] = reverse(name)
        return link(path, {**self.scope, **params})

    def hazards(self, **params: object) -> str:
        return self._to("safety:hazard-list", params)

    def inspections(self, **params: object) -> str:
        return self._to("safety:inspection-list", params)

    def missing(self, **params: object) -> str:
        return self._to("safety:self-inspection-missing", params)

    def ledger(self, key: str, **params: object) -> str:
        return self._to(f"safety:{key}-list", params)


def _found_params(period: Period) -> dict[str, object]:
    return {"since": period.start.isoformat(), "until": period.end.isoformat()}


def _closed_params(period: Period) -> dict[str, object]:
    return {"closed_since": period.start.isoformat(), "closed_until": period.end.isoformat()}


def _school_ids(schools: QuerySet[School]) -> QuerySet[School]:
    # A subquery: the scope costs no extra query and no IN list of 30,000 ids.
    return schools.order_by().values("pk")


def closed_between(start: date, end: date) -> Q:
    """Closed (``closed_at``) on a local date from ``start`` to ``end``: the same rows as
    ``closed_at__date`` between them, as a range on the column itself, which an index on
    ``closed_at`` serves and which needs no time-zone conversion of every row."""
    return Q(closed_at__gte=_local_midnight(start), closed_at__lt=_local_midnight(end, 1))


def closed_by(end: date) -> Q:
    """Closed on or before the local date ``end`` (``closed_at__date__lte=end``)."""
    return Q(closed_at__lt=_local_midnight(end, 1))


def _local_midnight(day: date, days_after: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=days_after), time.min))


# Hazards -------------------------------------------------------------------------


@dataclass(frozen=True)
class HazardCell:
    """Hazards found in the period for one (category, severity)."""

    category_key: str
    category_name: str
    severity: str
    found: int
    closed: int
    overdue: int


def hazard_cells(*, schools: QuerySet[School], period: Period, today: date) -> list[HazardCell]:
    """Found / closed (by the period's end) / overdue, per category and severity: one query."""
    rows = (
        Hazard.objects.filter(
            school__in=_school_ids(schools),
            reported_on__gte=period.start,
            reported_on__lte=period.end,
        )
        .values("category_key", "severity")
        .annotate(
            category_name=Max("category__name"),
            found=Count("pk"),
            closed=Count("pk", filter=Q(status=Status.CLOSED) & closed_by(period.end)),
            overdue=Count("pk", filter=overdue_q(today)),
        )
        .order_by()
    )
    return [
        HazardCell(
            category_key=row["category_key"],
            category_name=row["category_name"] or row["category_key"],
            severity=row["severity"],
            found=row["found"],
            closed=row["closed"],
            overdue=row["overdue"],
        )
        for row in rows
    ]


def _closed_in(*, schools: QuerySet[School], period: Period) -> QuerySet[Hazard]:
    return Hazard.objects.filter(
        closed_between(period.start, period.end),
        school__in=_school_ids(schools),
        status=Status.CLOSED,
    ).order_by()


def days_to_close(*, schools: QuerySet[School], period: Period) -> list[int]:
    """Calendar days from report to close-out of each hazard closed in the period (one query)."""
    rows = _closed_in(schools=schools, period=period).values_list("reported_on", "closed_at")
    return [(timezone.localdate(closed_at) - reported_on).days for reported_on, closed_at in rows]


class _DaysBetween(Func):
    """``end - start`` of two dates in whole days (PostgreSQL: date - date is an integer)."""

    template = "(%(expressions)s)"
    arg_joiner = " - "
    output_field = IntegerField()


class _Median(Aggregate):
    """PostgreSQL's continuous median: the mean of the middle two for an even count."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


@dataclass(frozen=True)
class CloseDays:
    """Hazards closed in the period and the median of their days to close."""

    count: int
    median: Decimal | None


def close_days(*, schools: QuerySet[School], period: Period) -> CloseDays:
    """Count and median days to close (report to the local date of close-out) of the
    hazards closed in the period: one row from PostgreSQL, else the rows' days in Python."""
    closed = _closed_in(schools=schools, period=period)
    if connections[closed.db].vendor != "postgresql":
        days = days_to_close(schools=schools, period=period)
        return CloseDays(count=len(days), median=median(days))
    row = closed.aggregate(
        n=Count("pk"),
        median=_Median(_DaysBetween(TruncDate("closed_at"), F("reported_on"))),
    )
    value = row["median"]
    if value is None:
        return CloseDays(count=row["n"], median=None)
    # Whole or half days: the same Decimal as ``median`` over the Python rows.
    exact = Decimal(int(value)) if float(value).is_integer() else Decimal(str(value))
    return CloseDays(count=row["n"], median=exact)


def hazard_facts(
    *, schools: QuerySet[School], period: Period, today: date, links: Links
) -> list[Fact]:
    cells = hazard_cells(schools=schools, period=period, today=today)
    found_q = _found_params(period)
    severities = list(Severity)

    def by_severity(measure: str, key: str, extra: dict[str, object]) -> tuple[Fact, ...]:
        return tuple(
            Fact(
                key=f"{key}.{sev.value}",
                label=sev.label,
                value=sum(getattr(c, measure) for c in cells if c.severity == sev.value),
                unit="个",
                source=links.hazards(**found_q, **extra, severity=sev.value),
            )
            for sev in severities
        )

    def by_category(measure: str, key: str, extra: dict[str, object]) -> tuple[Fact, ...]:
        totals: dict[str, int] = defaultdict(int)
        names: dict[str, str] = {}
        for c in cells:
            totals[c.category_key] += getattr(c, measure)
            names[c.category_key] = c.category_name
        ordered = sorted(totals, key=lambda k: (-totals[k], names[k]))
        return tuple(
            Fact(
                key=f"{key}.{cat}",
                label=names[cat],
                value=totals[cat],
                unit="个",
                source=links.hazards(**found_q, **extra, category=cat),
            )
            for cat in ordered
            if totals[cat]
        )

    measures = (
        ("found", "hazards.found", "排查发现隐患", {}),
        (
            "closed",
            "hazards.closed",
            "已整改销号",
            {"status": Status.CLOSED.value, "closed_until": period.end.isoformat()},
        ),
        ("overdue", "hazards.overdue", "逾期未整改", {"overdue": "1"}),
    )
    facts: list[Fact] = []
    totals = {}
    for measure, key, label, extra in measures:
        total = sum(getattr(c, measure) for c in cells)
        totals[measure] = total
        source = links.hazards(**found_q, **extra)
        facts.append(Fact(key, label, total, "个", source, by_severity(measure, key, extra)))
        facts.append(
            Fact(
                f"{key}_by_category",
                f"{label}(按类别)",
                total,
                "个",
                source,
                by_category(measure, f"{key}_by_category", extra),
            )
        )
    facts.append(
        Fact(
            "hazards.rectification_rate",
            "隐患整改率",
            percent(totals["closed"], totals["found"]),
            "%",
            links.hazards(
                **found_q, status=Status.CLOSED.value, closed_until=period.end.isoformat()
            ),
        )
    )
    closed_days = close_days(schools=schools, period=period)
    facts.append(
        Fact(
            "hazards.median_days_to_close",
            "隐患整改销号用时(中位数)",
            closed_days.median,
            "天",
            links.hazards(status=Status.CLOSED.value, **_closed_params(period)),
        )
    )
    facts.append(
        Fact(
            "hazards.closed_count_in_period",
            "期间销号隐患",
            closed_days.count,
            "个",
            links.hazards(status=Status.CLOSED.value, **_closed_params(period)),
        )
    )
    facts.append(repeat_fact(schools=schools, period=period, links=links))
    facts.append(late_fact(schools=schools, period=period, links=links))
    return facts


@dataclass(frozen=True)
class RepeatItem:
    item_key: str
    text: str
    hazards: int
    schools: int


def repeat_items(
    *, schools: QuerySet[School], period: Period, limit: int | None = None
) -> list[RepeatItem]:
    """Repeat hazards found in the period, grouped by checklist item, most first (one query)."""
    rows = (
        Hazard.objects.filter(
            school__in=_school_ids(schools),
            reported_on__gte=period.start,
            reported_on__lte=period.end,
            repeat_of__isnull=False,
        )
        .values("item_key")
        .annotate(
            n=Count("pk"),
            school_count=Count("school_id", distinct=True),
            text=Max("item__text"),
            category_name=Max("category__name"),
        )
        .order_by("-n", "item_key")
    )
    if limit is not None:
        rows = rows[:limit]
    return [
        RepeatItem(
            item_key=row["item_key"],
            text=row["text"] or f"{row['category_name'] or ''}(其他事项)",
            hazards=row["n"],
            schools=row["school_count"],
        )
        for row in rows
    ]


def repeat_fact(*, schools: QuerySet[School], period: Period, links: Links) -> Fact:
    items = repeat_items(schools=schools, period=period)
    params = {**_found_params(period), "repeat": "1"}
    return Fact(
        "hazards.repeats",
        "重复出现的隐患",
        sum(i.hazards for i in items),
        "个",
        links.hazards(**params),
        tuple(
            Fact(
                f"hazards.repeats.{i.item_key or 'other'}",
                i.text,
                i.hazards,
                "个",
                # ``item`` (the stable item key) narrows the list to this item.
                links.hazards(**params, item=i.item_key),
            )
            for i in items
        ),
    )


def late_fact(*, schools: QuerySet[School], period: Period, links: Links) -> Fact:
    """Hazards closed in the period but rectified after their deadline, by township."""
    rows = (
        Hazard.objects.filter(
            closed_between(period.start, period.end),
            school__in=_school_ids(schools),
            status=Status.CLOSED,
            rectified_on__gt=F("deadline"),
        )
        .values("school__township_id")
        .annotate(n=Count("pk"), name=Max("school__township__name"))
        .order_by("-n", "name")
    )
    params = {"status": Status.CLOSED.value, **_closed_params(period), "late": "1"}
    source = links.hazards(**params)

    def township_link(township_id: int | None) -> str:
        # A province has ~1,500 townships: encode the shared filters once. An integer
        # id needs no escaping; a scope that sets the township itself goes the long way.
        if township_id is None or "township" in links.scope:
            return links.hazards(**params, township=township_id)
        return f"{source}&township={int(township_id)}"

    return Fact(
        "hazards.closed_late",
        "超期整改",
        sum(r["n"] for r in rows),
        "个",
        source,
        tuple(
            Fact(
                f"hazards.closed_late.{r['school__township_id']}",
                r["name"],
                r["n"],
                "个",
                township_link(r["school__township_id"]),
            )
            for r in rows
        ),
    )


# Inspections -----------------------------------------------------------------


def due_months(period: Period, today: date) -> list[date]:
    """Months of the period for which a self-inspection is due (those begun by ``today``)."""
    return [m for m in period.months() if m <= today]


@dataclass(frozen=True)
class SelfInspectionMonth:
    month: date
    due: int
    submitted: int
    on_time: int

    @property
    def missing(self) -> int:
        return max(self.due - self.submitted, 0)


def self_inspection_months(
    *, schools: QuerySet[School], period: Period, today: date
) -> list[SelfInspectionMonth]:
    """Per due month: active schools (due), submitted self-inspections, on time (two queries)."""
    months = due_months(period, today)
    if not months:
        return []
    active = schools.filter(is_active=True)
    due = active.count()
    rows = {
        row["period"]: row
        for row in Inspection.objects.filter(
            school__in=_school_ids(active),
            kind=InspectionKind.SELF,
            status=InspectionStatus.SUBMITTED,
            period__gte=months[0],
            period__lte=months[-1],
        )
        .values("period")
        .annotate(
            submitted=Count("pk"),
            on_time=Count("pk", filter=Q(submitted_at__date__lte=F("due_on"))),
        )
        .order_by()
    }
    return [
        SelfInspectionMonth(
            month=m,
            due=due,
            submitted=rows[m]["submitted"] if m in rows else 0,
            on_time=rows[m]["on_time"] if m in rows else 0,
        )
        for m in months
    ]


def inspection_facts(
    *, schools: QuerySet[School], period: Period, today: date, links: Links
) -> list[Fact]:
    months = self_inspection_months(schools=schools, period=period, today=today)
    due = sum(m.due for m in months)
    submitted = sum(m.submitted for m in months)
    on_time = sum(m.on_time for m in months)
    self_q: dict[str, object] = {"kind": InspectionKind.SELF.value}
    if period.kind == "month":
        self_q["period"] = f"{period.start:%Y-%m}"
    else:
        self_q.update(_found_params(period))

    def per_month(measure: str, key: str, **extra: object) -> tuple[Fact, ...]:
        return tuple(
            Fact(
                f"{key}.{m.month:%Y-%m}",
                f"{m.month.year}年{m.month.month}月",
                getattr(m, measure),
                "次",
                links.missing(period=f"{m.month:%Y-%m}")
                if measure == "missing"
                else links.inspections(kind="self", period=f"{m.month:%Y-%m}", **extra),
            )
            for m in months
        )

    submitted_q = {**self_q, "status": InspectionStatus.SUBMITTED.value}
    facts = [
        Fact(
            "inspections.self.due",
            "应开展月度自查",
            due,
            "次",
            links.inspections(**self_q),
            per_month("due", "inspections.self.due"),
        ),
        Fact(
            "inspections.self.submitted",
            "已报送月度自查",
            submitted,
            "次",
            links.inspections(**submitted_q),
            per_month("submitted", "inspections.self.submitted", status="submitted"),
        ),
        Fact(
            "inspections.self.on_time",
            "按时报送月度自查",
            on_time,
            "次",
            links.inspections(**submitted_q),
            per_month("on_time", "inspections.self.on_time", status="submitted"),
        ),
        Fact(
            "inspections.self.missing",
            "未报送月度自查",
            due - submitted,
            "次",
            links.missing(period=f"{period.start:%Y-%m}")
            if period.kind == "month"
            else links.inspections(**self_q),
            per_month("missing", "inspections.self.missing"),
        ),
        Fact(
            "inspections.self.on_time_rate",
            "月度自查按时报送率",
            percent(on_time, due),
            "%",
            links.inspections(**submitted_q),
        ),
    ]
    facts.extend(_kind_and_campaign_facts(schools=schools, period=period, links=links))
    return facts


def _kind_and_campaign_facts(
    *, schools: QuerySet[School], period: Period, links: Links
) -> list[Fact]:
    dated = _found_params(period)
    by_kind = {
        row["kind"]: row
        for row in Inspection.objects.filter(
            school__in=_school_ids(schools),
            status=InspectionStatus.SUBMITTED,
            inspected_on__gte=period.start,
            inspected_on__lte=period.end,
        )
        .values("kind")
        .annotate(n=Count("pk"))
        .order_by()
    }
    kinds = tuple(
        Fact(
            f"inspections.by_kind.{kind.value}",
            kind.label,
            by_kind[kind.value]["n"] if kind.value in by_kind else 0,
            "次",
            links.inspections(kind=kind.value, status="submitted", **dated),
        )
        for kind in InspectionKind
    )
    campaigns = list(
        Campaign.objects.filter(
            starts_on__lte=period.end,
            ends_on__gte=period.start,
            schools__in=_school_ids(schools),
        )
        .values("pk", "name", "kind", "starts_on")
        .annotate(covered=Count("schools", distinct=True))
        .order_by("starts_on", "pk")
    )
    covered = (
        schools.filter(campaigns__pk__in=[c["pk"] for c in campaigns]).distinct().count()
        if campaigns
        else 0
    )
    return [
        Fact(
            "inspections.by_kind",
            "开展安全检查(已提交)",
            sum(k.value or 0 for k in kinds),
            "次",
            links.inspections(status="submitted", **dated),
            kinds,
        ),
        Fact(
            "inspections.campaigns",
            "组织专项检查、抽查、督查",
            len(campaigns),
            "次",
            links.inspections(**dated),
            tuple(
                Fact(
                    f"inspections.campaigns.{c['pk']}",
                    c["name"],
                    c["covered"],
                    "所",
                    links.inspections(campaign=c["pk"]),
                )
                for c in campaigns
            ),
        ),
        Fact(
            "inspections.campaign_schools",
            "检查覆盖学校",
            covered,
            "所",
            links.inspections(**dated),
        ),
    ]


# Ledgers -----------------------------------------------------------------------


def school_year_for(*, schools: QuerySet[School], day: date) -> SchoolYear | None:
    """The bureau's school year in force on ``day`` (the latest begun by then)."""
    return (
        SchoolYear.objects.filter(
            bureau_id__in=schools.order_by().values("bureau_id"), starts_on__lte=day
        )
        .order_by("-starts_on")
        .first()
    )


def drill_and_education_facts(
    *, schools: QuerySet[School], period: Period, links: Links
) -> list[Fact]:
    dated = _found_params(period)
    ids = _school_ids(schools)
    drills = {
        row["kind"]: row
        for row in Drill.objects.filter(
            school__in=ids, held_on__gte=period.start, held_on__lte=period.end
        )
        .values("kind")
        .annotate(n=Count("pk"), people=Sum("participants"))
        .order_by()
    }

    def drill_kinds(measure: str, key: str, unit: str) -> tuple[Fact, ...]:
        return tuple(
            Fact(
                f"{key}.{kind.value}",
                kind.label,
                drills[kind.value][measure],
                unit,
                links.ledger("drill", kind=kind.value, **dated),
            )
            for kind in DrillKind
            if kind.value in drills
        )

    education = EducationActivity.objects.filter(
        school__in=ids, held_on__gte=period.start, held_on__lte=period.end
    ).aggregate(n=Count("pk"), sessions=Sum("sessions"), people=Sum("participants"))
    activity_link = links.ledger("activity", **dated)
    return [
        Fact(
            "drills.count",
            "开展应急演练",
            sum(r["n"] for r in drills.values()),
            "场次",
            links.ledger("drill", **dated),
            drill_kinds("n", "drills.count", "场次"),
        ),
        Fact(
            "drills.participants",
            "参与演练师生",
            sum(r["people"] or 0 for r in drills.values()),
            "人次",
            links.ledger("drill", **dated),
            drill_kinds("people", "drills.participants", "人次"),
        ),
        Fact("education.activities", "开展安全教育活动", education["n"], "次", activity_link),
        Fact(
            "education.sessions",
            "安全教育活动场次",
            education["sessions"] or 0,
            "场次",
            activity_link,
        ),
        Fact(
            "education.participants",
            "参与安全教育",
            education["people"] or 0,
            "人次",
            activity_link,
        ),
    ]


def letter_facts(
    *,
    schools: QuerySet[School],
    on: date,
    links: Links,
    year: SchoolYear | None = None,
    with_schools: bool = True,
) -> list[Fact]:
    """Letters due and signed per tier in the school year in force ``on`` that day
    (``year`` when the caller has already looked it up). ``with_schools=False`` leaves
    out ``letters.schools`` and its COUNT(DISTINCT), a sort over every letter."""
    year = year or school_year_for(schools=schools, day=on)
    rows: dict[str, dict[str, Any]] = {}
    if year is not None:
        measures: dict[str, Any] = {"due": Sum("due_count"), "signed": Sum("signed_count")}
        if with_schools:
            # Schools that have signed (at least one letter of the tier).
            measures["school_count"] = Count(
                "school_id", distinct=True, filter=Q(signed_count__gt=0)
            )
        rows = {
            row["tier"]: row
            for row in ResponsibilityLetter.objects.filter(
                school__in=_school_ids(schools), school_year=year
            )
            .values("tier")
            .annotate(**measures)
            .order_by()
        }
    year_id = year.pk if year is not None else ""
    label = f"({year})" if year is not None else ""

    def tier_value(tier: str, measure: str) -> int:
        return int(rows[tier][measure] or 0) if tier in rows else 0

    def tiers(key: str, make: Any, unit: str) -> tuple[Fact, ...]:
        return tuple(
            Fact(
                f"{key}.{t.value}",
                t.label,
                make(t.value),
                unit,
                links.ledger("letter", school_year=year_id, tier=t.value),
            )
            for t in LetterTier
        )

    signed = sum(tier_value(t.value, "signed") for t in LetterTier)
    due = sum(tier_value(t.value, "due") for t in LetterTier)
    source = links.ledger("letter", school_year=year_id)
    facts = [
        Fact(
            "letters.signed",
            f"已签安全责任书{label}",
            signed,
            "份",
            source,
            tiers("letters.signed", lambda t: tier_value(t, "signed"), "份"),
        ),
        Fact(
            "letters.due",
            f"应签安全责任书{label}",
            due,
            "份",
            source,
            tiers("letters.due", lambda t: tier_value(t, "due"), "份"),
        ),
        Fact(
            "letters.rate",
            f"安全责任书签订率{label}",
            percent(signed, due),
            "%",
            source,
            tiers(
                "letters.rate",
                lambda t: percent(tier_value(t, "signed"), tier_value(t, "due")),
                "%",
            ),
        ),
    ]
    if with_schools:
        facts.append(
            Fact(
                "letters.schools",
                f"已与教育局签订责任书的学校{label}",
                tier_value(LetterTier.BUREAU_SCHOOL.value, "school_count"),
                "所",
                links.ledger("letter", school_year=year_id, tier=LetterTier.BUREAU_SCHOOL.value),
            )
        )
    return facts


def vehicle_facts(*, schools: QuerySet[School], today: date, links: Links) -> list[Fact]:
    """Active school buses and shuttles: by kind, with GPS, with a document (driver's
    licence, inspection, insurance) expiring within 30 days or already expired."""
    limit = today + timedelta(days=EXPIRY_DAYS)
    expiring_q = (
        Q(driver_licence_expires__lte=limit)
        | Q(inspection_expires__lte=limit)
        | Q(insurance_expires__lte=limit)
    )
    rows = {
        row["kind"]: row
        for row in Vehicle.objects.filter(school__in=_school_ids(schools), is_active=True)
        .values("kind")
        .annotate(
            n=Count("pk"),
            gps=Count("pk", filter=Q(gps_fitted=True)),
            expiring=Count("pk", filter=expiring_q),
        )
        .order_by()
    }

    def kinds(measure: str, key: str, **extra: object) -> tuple[Fact, ...]:
        return tuple(
            Fact(
                f"{key}.{k.value}",
                k.label,
                rows[k.value][measure] if k.value in rows else 0,
                "辆",
                links.ledger("vehicle", kind=k.value, **extra),
            )
            for k in VehicleKind
        )

    active = {"active": "1"}
    gps = {**active, "gps_fitted": "1"}
    expiring = {"expiring": EXPIRY_DAYS}
    return [
        Fact(
            "vehicles.count",
            "校车及学生专车",
            sum(r["n"] for r in rows.values()),
            "辆",
            links.ledger("vehicle", **active),
            kinds("n", "vehicles.count", **active),
        ),
        Fact(
            "vehicles.gps",
            "安装卫星定位的车辆",
            sum(r["gps"] for r in rows.values()),
            "辆",
            links.ledger("vehicle", **gps),
            kinds("gps", "vehicles.gps", **gps),
        ),
        Fact(
            "vehicles.expiring",
            f"证件{EXPIRY_DAYS}日内到期(含已过期)的车辆",
            sum(r["expiring"] for r in rows.values()),
            "辆",
            links.ledger("vehicle", **expiring),
            kinds("expiring", "vehicles.expiring", **expiring),
        ),
    ]


def canteen_facts(*, schools: QuerySet[School], links: Links) -> list[Fact]:
    """Active canteens by grade, A-grade count and share."""
    grades = {
        row["grade"]: row["n"]
        for row in Canteen.objects.filter(school__in=_school_ids(schools), is_active=True)
        .values("grade")
        .annotate(n=Count("pk"))
        .order_by()
    }
    total = sum(grades.values())
    a_grade = grades.get(CanteenGrade.A.value, 0)
    active = {"active": "1"}
    return [
        Fact(
            "canteens.count",
            "学校食堂",
            total,
            "个",
            links.ledger("canteen", **active),
            tuple(
                Fact(
                    f"canteens.count.{g.value}",
                    g.label,
                    grades.get(g.value, 0),
                    "个",
                    links.ledger("canteen", grade=g.value, **active),
                )
                for g in CanteenGrade
            ),
        ),
        Fact(
            "canteens.a_grade",
            "A级食堂",
            a_grade,
            "个",
            links.ledger("canteen", grade=CanteenGrade.A.value, **active),
        ),
        Fact(
            "canteens.a_grade_share",
            "A级食堂占比",
            percent(a_grade, total),
            "%",
            links.ledger("canteen", **active),
        ),
    ]


SECURITY_FLAGS = (
    ("key_areas_covered", "重点部位监控全覆盖的学校"),
    ("one_key_alarm", "安装一键报警的学校"),
    ("alarm_linked_to_police", "报警与公安联网的学校"),
    ("anti_collision_barriers", "校门设置防冲撞设施的学校"),
)


def security_facts(*, schools: QuerySet[School], links: Links) -> list[Fact]:
    """Guards and cameras (人防物防技防) as registered, one row per school."""
    totals = SecurityResources.objects.filter(school__in=_school_ids(schools)).aggregate(
        schools=Count("pk"),
        guards=Sum("guards_full_time"),
        cameras=Sum("cameras"),
        **{flag: Count("pk", filter=Q(**{flag: True})) for flag, _ in SECURITY_FLAGS},
    )
    source = links.ledger("security")
    return [
        Fact("security.schools", "填报人防物防技防的学校", totals["schools"], "所", source),
        Fact("security.guards", "专职保安", totals["guards"] or 0, "人", source),
        Fact("security.cameras", "监控摄像头", totals["cameras"] or 0, "个", source),
        *(
            Fact(f"security.{flag}", label, totals[flag], "所", source)
            for flag, label in SECURITY_FLAGS
        ),
    ]


# The entry point -------------------------------------------------------------------


def _period_facts(
    *, schools: QuerySet[School], period: Period, today: date, links: Links
) -> list[Fact]:
    return [
        *inspection_facts(schools=schools, period=period, today=today, links=links),
        *hazard_facts(schools=schools, period=period, today=today, links=links),
        *drill_and_education_facts(schools=schools, period=period, links=links),
        *letter_facts(schools=schools, on=period.end, links=links),
    ]


def safety_facts(
    *,
    schools: QuerySet[School],
    period: Period,
    today: date | None = None,
    scope: Mapping[str, object] | None = None,
) -> FactSet:
    """The safety facts of ``schools`` over ``period``, with last year's values.

    ``schools`` is the scope, already limited to what the caller may see (e.g.
    ``School.objects.visible_to(user)``, or one township's schools of a bureau).
    ``scope`` is added to every source link when the list pages need it to show
    the same rows (e.g. ``{"township": 3}``). ``today`` (default: the local date)
    decides what is overdue, which months are due and which documents expire.
    """
    today = today or timezone.localdate()
    links = Links(scope=dict(scope or {}))
    earlier_period = period.previous()
    earlier = FactSet.combine(
        earlier_period,
        _period_facts(schools=schools, period=earlier_period, today=today, links=links),
    )
    current = [
        *_period_facts(schools=schools, period=period, today=today, links=links),
        # Registries are as they stand now: no year-over-year value.
        *vehicle_facts(schools=schools, today=today, links=links),
        *canteen_facts(schools=schools, links=links),
        *security_facts(schools=schools, links=links),
    ]
    return FactSet.combine(period, current, earlier)


def safety_facts_for_user(*, user: Any, period: Period, today: date | None = None) -> FactSet:
    """``safety_facts`` over everything ``user`` may see (a school user: their school)."""
    return safety_facts(schools=School.objects.visible_to(user), period=period, today=today)
