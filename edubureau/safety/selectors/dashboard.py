"""The safety dashboard: what a bureau (or one school) needs to see at a glance.

One function, :func:`safety_dashboard`, reads everything for one user and one
period. Every figure carries the URL of the list of rows behind it (the list
filters shared by the safety pages), and the period figures are the same
:mod:`edubureau.safety.facts` a report quotes, so the page and the report agree.

Aggregates run in the database; the number of queries is fixed, whatever the
number of schools (tests assert it with 30 and 60 schools).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone

from edubureau.core.calendar import working_days_between
from edubureau.core.facts import Fact, Period, display, last_months, percent, ratio
from edubureau.orgs.models import Role, School
from edubureau.orgs.selectors import current_semester
from edubureau.rectification.models import OPEN_STATUSES, UNRESOLVED_STATUSES, Severity, Status
from edubureau.safety import facts
from edubureau.safety.facts import school_ids
from edubureau.safety.models import (
    Campaign,
    ChecklistCategory,
    Drill,
    Hazard,
    Inspection,
    InspectionKind,
)
from edubureau.safety.models.inspections import InspectionStatus
from edubureau.safety.selectors.hazards import overdue_q
from edubureau.safety.services.chase import missing_self_inspection_schools

OVERDUE_TOP = 10
REPEAT_TOP = 10
MISSING_SHOWN = 60
TREND_MONTHS = 12
RECENT_CAMPAIGNS = 6
OPEN_TOWNSHIPS = 20  # bureau view: township rows for the townships with most open hazards
SEVERITIES = list(Severity)


@dataclass(frozen=True)
class Figure:
    """A number on the page with the list of rows it counts."""

    label: str
    value: Any
    url: str = ""
    unit: str = ""
    note: str = ""

    @property
    def display(self) -> str:
        return display(self.value)


@dataclass(frozen=True)
class TownshipMissing:
    township_id: int
    name: str
    missing: int
    url: str


@dataclass
class Completion:
    """Monthly self-inspection completion for ``month``."""

    month: Period
    due: int
    submitted: int
    on_time: int
    missing_schools: list[School]
    missing_by_township: list[TownshipMissing]
    submitted_url: str
    missing_url: str
    own_status: str = ""  # school view: this school's status this month

    @property
    def missing(self) -> int:
        return max(self.due - self.submitted, 0)

    @property
    def rate(self) -> Decimal | None:
        return percent(self.submitted, self.due)

    @property
    def rate_display(self) -> str:
        return display(self.rate)

    @property
    def more_missing(self) -> int:
        return max(self.missing - len(self.missing_schools), 0)


@dataclass(frozen=True)
class Cell:
    count: int
    url: str


@dataclass
class OpenRow:
    """Unresolved hazards of one category (and township, on the bureau view)."""

    category_key: str
    category: str
    township_id: int | None
    township: str
    cells: list[Cell]  # one per severity, in SEVERITIES order
    total: Cell


@dataclass
class OpenHazards:
    """``by_category``: every unresolved hazard by category and severity. ``rows`` (bureau
    view): by category and township for the ``OPEN_TOWNSHIPS`` townships with most of
    them; ``more_townships`` when other townships have some too (the list shows all)."""

    by_category: list[OpenRow]
    rows: list[OpenRow]
    total: Figure
    overdue: Figure
    by_severity: list[Figure]
    more_townships: bool = False


@dataclass(frozen=True)
class OverdueLine:
    hazard_id: int
    school: str
    category: str
    description: str
    severity: str
    deadline: date
    days: int  # working days past the deadline, as the hazard list's traffic light counts
    escalation: int


@dataclass(frozen=True)
class TrendPoint:
    month: date
    found: Cell
    closed: Cell


@dataclass(frozen=True)
class TierCoverage:
    label: str
    signed: int
    due: int
    rate: Decimal | None
    url: str

    @property
    def rate_display(self) -> str:
        return display(self.rate)


@dataclass
class Coverage:
    school_year: str
    letters: list[TierCoverage]
    letters_total: Figure
    semester: tuple[date, date]
    drills: Figure
    drills_per_school: Figure
    schools_without_drill: Figure
    vehicles_expiring: Figure
    vehicles: Figure


@dataclass(frozen=True)
class CampaignLink:
    campaign_id: int
    name: str
    starts_on: date
    ends_on: date


@dataclass
class Dashboard:
    user_is_school: bool
    scope_label: str
    period: Period
    today: date
    completion: Completion
    open_hazards: OpenHazards
    overdue: list[OverdueLine]
    found: Fact
    closed: Fact
    rectification_rate: Fact
    median_days: Fact
    closed_in_period: Fact
    repeats: list[Fact]
    repeats_total: Fact
    trend: list[TrendPoint]
    coverage: Coverage
    campaigns: list[CampaignLink] = field(default_factory=list)
    charts: dict[str, Any] = field(default_factory=dict)


# The period shown ------------------------------------------------------------------


def completion_month(period: Period, today: date) -> Period:
    """The month whose self-inspections the page shows: the chosen month, else this
    month in the current year, else the period's last (past) or first (future) month."""
    if period.kind == "month":
        return period
    if today in period:
        return Period.month(today.year, today.month)
    anchor = period.end if period.end < today else period.start
    return Period.month(anchor.year, anchor.month)


# Parts ---------------------------------------------------------------------------


def _completion(
    *, schools: QuerySet[School], month: Period, links: facts.Links, is_school: bool
) -> Completion:
    active = schools.filter(is_active=True)
    token = f"{month.start:%Y-%m}"
    row = Inspection.objects.filter(
        school__in=school_ids(active),
        kind=InspectionKind.SELF,
        status=InspectionStatus.SUBMITTED,
        period=month.start,
    ).aggregate(
        submitted=Count("pk"),
        on_time=Count("pk", filter=Q(submitted_at__date__lte=F("due_on"))),
    )
    due = active.count()
    # The same rule as the missing page and the chase (inspections service).
    missing_qs = missing_self_inspection_schools(schools=schools, period=month.start)
    missing_schools: list[School] = []
    by_township: list[TownshipMissing] = []
    own_status = ""
    if is_school:
        own = (
            Inspection.objects.filter(
                school__in=school_ids(schools), kind=InspectionKind.SELF, period=month.start
            )
            .values_list("status", "submitted_at", "due_on")
            .first()
        )
        own_status = _own_status(own)
    else:
        missing_schools = list(
            missing_qs.select_related("township").order_by(
                "township__sort_order", "township_id", "name"
            )[:MISSING_SHOWN]
        )
        by_township = [
            TownshipMissing(
                township_id=r["township_id"],
                name=r["township__name"],
                missing=r["n"],
                url=links.missing(period=token, township=r["township_id"]),
            )
            for r in missing_qs.values("township_id", "township__name")
            .annotate(n=Count("pk"))
            .order_by("-n", "township__name")
        ]
    return Completion(
        month=month,
        due=due,
        submitted=row["submitted"],
        on_time=row["on_time"],
        missing_schools=missing_schools,
        missing_by_township=by_township,
        submitted_url=links.inspections(kind="self", period=token, status="submitted"),
        missing_url=links.missing(period=token),
        own_status=own_status,
    )


def _own_status(row: tuple[str, Any, date | None] | None) -> str:
    if row is None:
        return "未填报"
    status, submitted_at, due_on = row
    if status != InspectionStatus.SUBMITTED:
        return InspectionStatus(status).label
    if submitted_at and due_on and timezone.localdate(submitted_at) > due_on:
        return "已提交(逾期)"
    return "已按时提交"


def _open_rows(rows: Any, *, links: facts.Links, township: bool) -> list[OpenRow]:
    """``OpenRow``s from aggregate rows by category (and township), sorted for the page."""
    grouped: dict[tuple[str, int | None], dict[str, int]] = defaultdict(dict)
    meta: dict[tuple[str, int | None], tuple[Any, ...]] = {}
    for r in rows:
        township_id = r["school__township_id"] if township else None
        key = (r["category_key"], township_id)
        grouped[key][r["severity"]] = grouped[key].get(r["severity"], 0) + r["n"]
        meta[key] = (
            r["category_order"] or 0,
            r["category_name"] or r["category_key"],
            r.get("township_order") or 0,
            (r.get("township_name") or "") if township else "",
        )
    out = []
    # Bureau rows by township (then category), the totals by category.
    order = (lambda k: (*meta[k][2:], *meta[k][:2])) if township else (lambda k: meta[k])
    for key in sorted(grouped, key=order):
        category_key, township_id = key
        where: dict[str, object] = {"status": "unresolved", "category": category_key}
        if township_id is not None:
            where["township"] = township_id
        counts = grouped[key]
        out.append(
            OpenRow(
                category_key=category_key,
                category=meta[key][1],
                township_id=township_id,
                township=meta[key][3],
                cells=[
                    Cell(counts.get(s.value, 0), links.hazards(**where, severity=s.value))
                    for s in SEVERITIES
                ],
                total=Cell(sum(counts.values()), links.hazards(**where)),
            )
        )
    return out


def _open_hazards(
    *, schools: QuerySet[School], today: date, links: facts.Links, is_school: bool
) -> OpenHazards:
    """Category × severity over everything (one query); on the bureau view, the
    ``OPEN_TOWNSHIPS`` townships with most open hazards (one query) by category and
    severity (one query). A province has ~1,500 townships: no full matrix."""
    unresolved_qs = Hazard.objects.filter(
        school__in=school_ids(schools), status__in=UNRESOLVED_STATUSES
    ).order_by()
    category_meta = {
        "category_name": Max("category__name"),
        "category_order": Max("category__sort_order"),
    }
    totals = list(
        unresolved_qs.values("category_key", "severity").annotate(
            n=Count("pk"), overdue=Count("pk", filter=overdue_q(today)), **category_meta
        )
    )
    rows: list[OpenRow] = []
    more = False
    if not is_school and totals:
        top = [
            r["school__township_id"]
            for r in unresolved_qs.values("school__township_id")
            .annotate(n=Count("pk"))
            .order_by("-n", "school__township_id")[: OPEN_TOWNSHIPS + 1]
        ]
        more = len(top) > OPEN_TOWNSHIPS
        by_township = (
            unresolved_qs.filter(school__township_id__in=top[:OPEN_TOWNSHIPS])
            .values("category_key", "school__township_id", "severity")
            .annotate(
                n=Count("pk"),
                township_name=Max("school__township__name"),
                township_order=Max("school__township__sort_order"),
                **category_meta,
            )
        )
        rows = _open_rows(by_township, links=links, township=True)
    severity_totals: dict[str, int] = defaultdict(int)
    for r in totals:
        severity_totals[r["severity"]] += r["n"]
    unresolved = {"status": "unresolved"}
    return OpenHazards(
        by_category=_open_rows(totals, links=links, township=False),
        rows=rows,
        total=Figure(
            "未整改完成隐患", sum(severity_totals.values()), links.hazards(**unresolved), "个"
        ),
        overdue=Figure(
            "逾期未整改", sum(r["overdue"] for r in totals), links.hazards(overdue="1"), "个"
        ),
        by_severity=[
            Figure(
                s.label,
                severity_totals.get(s.value, 0),
                links.hazards(**unresolved, severity=s.value),
                "个",
            )
            for s in SEVERITIES
        ],
        more_townships=more,
    )


def _overdue(*, schools: QuerySet[School], today: date) -> list[OverdueLine]:
    """The ``OVERDUE_TOP`` hazards longest past their deadline (one query, plain rows).

    The one hand-written query of the dashboard. The list is a ~1.5 ms index read,
    and building and compiling it through the ORM cost as much again, every time the
    page loads; written out, only the scope (``visible_to``, the one scoping
    mechanism) is compiled by Django. ``overdue_q`` is the definition this repeats:
    test_dashboard checks the two select the same rows in the same order.

    Working days overdue are additive over the deadlines in order (every deadline is
    before ``today``), so the calendar is walked once, from the oldest deadline to
    ``today``, however many rows are shown."""
    scope_sql, scope_params = school_ids(schools).query.sql_with_params()
    hazard, school = Hazard._meta.db_table, School._meta.db_table
    category = ChecklistCategory._meta.db_table
    open_statuses = ", ".join(["%s"] * len(OPEN_STATUSES))
    sql = (
        "SELECT h.id, s.name, c.name, h.description, h.severity, h.deadline, h.overdue_level"
        f" FROM {hazard} h JOIN {school} s ON s.id = h.school_id"
        f" JOIN {category} c ON c.id = h.category_id"
        f" WHERE h.school_id IN ({scope_sql}) AND h.status IN ({open_statuses})"
        " AND h.deadline < %s ORDER BY h.deadline, h.reported_on, h.id LIMIT %s"
    )
    with connections[Hazard.objects.db].cursor() as cursor:
        cursor.execute(sql, (*scope_params, *(s.value for s in OPEN_STATUSES), today, OVERDUE_TOP))
        rows = cursor.fetchall()
    days: dict[date, int] = {}
    later, later_days = today, 0
    for deadline in sorted({r[5] for r in rows}, reverse=True):
        later_days += working_days_between(deadline, later)
        days[deadline] = later_days
        later = deadline
    severities = dict(Severity.choices)
    return [
        OverdueLine(
            hazard_id=pk,
            school=school,
            category=category,
            description=description,
            severity=severities.get(severity, severity),
            deadline=deadline,
            days=days[deadline],
            escalation=level,
        )
        for pk, school, category, description, severity, deadline, level in rows
    ]


def _trend(*, schools: QuerySet[School], ending: date, links: facts.Links) -> list[TrendPoint]:
    months = last_months(ending=ending, count=TREND_MONTHS)
    start, end = months[0], Period.month(ending.year, ending.month).end
    # One scan for both series: a count per month of what was reported and of what was
    # closed (closed_at on a local date of the month), over the rows in either range.
    periods = [Period.month(m.year, m.month) for m in months]
    measures: dict[str, Any] = {}
    for i, p in enumerate(periods):
        measures[f"found_{i}"] = Count(
            "pk", filter=Q(reported_on__gte=p.start, reported_on__lte=p.end)
        )
        measures[f"closed_{i}"] = Count(
            "pk", filter=Q(status=Status.CLOSED) & facts.closed_between(p.start, p.end)
        )
    row = (
        Hazard.objects.filter(school__in=school_ids(schools))
        .filter(
            Q(reported_on__gte=start, reported_on__lte=end)
            | (Q(status=Status.CLOSED) & facts.closed_between(start, end))
        )
        .aggregate(**measures)
    )
    found = {m: row[f"found_{i}"] for i, m in enumerate(months)}
    closed = {m: row[f"closed_{i}"] for i, m in enumerate(months)}
    points = []
    for m in months:
        p = Period.month(m.year, m.month)
        points.append(
            TrendPoint(
                month=m,
                found=Cell(
                    found.get(m, 0),
                    links.hazards(since=p.start.isoformat(), until=p.end.isoformat()),
                ),
                closed=Cell(
                    closed.get(m, 0),
                    links.hazards(
                        status=Status.CLOSED.value,
                        closed_since=p.start.isoformat(),
                        closed_until=p.end.isoformat(),
                    ),
                ),
            )
        )
    return points


def _coverage(
    *,
    user: Any,
    schools: QuerySet[School],
    active_schools: int,
    today: date,
    links: facts.Links,
) -> Coverage:
    year = facts.school_year_for(schools=schools, day=today)
    letters = facts.letter_facts(
        schools=schools, on=today, links=links, year=year, with_schools=False
    )
    by_key = {f.key: f for f in letters}
    signed, due, rate = by_key["letters.signed"], by_key["letters.due"], by_key["letters.rate"]
    tiers = [
        TierCoverage(
            label=s.label,
            signed=int(s.value or 0),
            due=int(d.value or 0),
            rate=r.value,  # type: ignore[arg-type]
            url=s.source,
        )
        for s, d, r in zip(signed.breakdown, due.breakdown, rate.breakdown, strict=True)
    ]
    since, until = current_semester(user=user, today=today)
    dated = {"since": since.isoformat(), "until": until.isoformat()}
    # All drills of the scope (what the linked list shows); schools counted if still open.
    drills = Drill.objects.filter(
        school__in=school_ids(schools), held_on__gte=since, held_on__lte=until
    ).aggregate(
        n=Count("pk"),
        schools=Count("school_id", distinct=True, filter=Q(school__is_active=True)),
    )
    vehicles = {f.key: f for f in facts.vehicle_facts(schools=schools, today=today, links=links)}
    return Coverage(
        school_year=str(year) if year is not None else "",
        letters=tiers,
        letters_total=Figure("安全责任书签订率", rate.value, signed.source, "%"),
        semester=(since, until),
        drills=Figure("本学期应急演练", drills["n"], links.ledger("drill", **dated), "场次"),
        drills_per_school=Figure(
            "校均演练", ratio(drills["n"], active_schools), links.ledger("drill", **dated), "场次"
        ),
        schools_without_drill=Figure(
            "本学期尚未演练的学校",
            max(active_schools - drills["schools"], 0),
            links.ledger("drill", **dated),
            "所",
        ),
        vehicles_expiring=Figure(
            "证件30日内到期的车辆",
            vehicles["vehicles.expiring"].value,
            vehicles["vehicles.expiring"].source,
            "辆",
        ),
        vehicles=Figure(
            "在用校车及学生专车",
            vehicles["vehicles.count"].value,
            vehicles["vehicles.count"].source,
            "辆",
        ),
    )


def _campaigns(*, user: Any, schools: QuerySet[School]) -> list[CampaignLink]:
    rows = (
        Campaign.objects.visible_to(user)
        .filter(schools__in=school_ids(schools))
        .values("pk", "name", "starts_on", "ends_on")
        .distinct()
        .order_by("-starts_on", "-pk")[:RECENT_CAMPAIGNS]
    )
    return [CampaignLink(r["pk"], r["name"], r["starts_on"], r["ends_on"]) for r in rows]


def _charts(board: Dashboard) -> dict[str, Any]:
    """Chart data for static/js/charts.js (embedded with json_script, never inline JS)."""
    categories: dict[str, dict[str, Any]] = {}
    for row in board.open_hazards.by_category:
        entry = categories.setdefault(
            row.category_key, {"name": row.category, "counts": [0] * len(SEVERITIES)}
        )
        for i, cell in enumerate(row.cells):
            entry["counts"][i] += cell.count
    keys = list(categories)
    links = facts.Links(scope={})
    open_chart = {
        "type": "hbar-stacked",
        "title": "未整改完成隐患(按类别、等级)",
        "categories": [categories[k]["name"] for k in keys],
        "series": [
            {
                "name": s.label,
                "data": [categories[k]["counts"][i] for k in keys],
                "links": [
                    links.hazards(status="unresolved", category=k, severity=s.value) for k in keys
                ],
            }
            for i, s in enumerate(SEVERITIES)
        ],
    }
    trend_chart = {
        "type": "line",
        "title": "隐患发现与销号(近12个月)",
        "categories": [f"{p.month:%Y-%m}" for p in board.trend],
        "series": [
            {
                "name": "发现",
                "data": [p.found.count for p in board.trend],
                "links": [p.found.url for p in board.trend],
            },
            {
                "name": "销号",
                "data": [p.closed.count for p in board.trend],
                "links": [p.closed.url for p in board.trend],
            },
        ],
    }
    return {"open": open_chart, "trend": trend_chart}


# The entry point -------------------------------------------------------------------


def safety_dashboard(*, user: Any, period: Period, today: date | None = None) -> Dashboard:
    """Everything the dashboard shows for ``user`` (their visible schools) and ``period``."""
    today = today or timezone.localdate()
    is_school = getattr(user, "role", None) == Role.SCHOOL_USER
    schools = School.objects.visible_to(user)
    links = facts.Links(scope={})
    month = completion_month(period, today)
    completion = _completion(schools=schools, month=month, links=links, is_school=is_school)
    hazard_facts = {
        f.key: f
        for f in facts.hazard_facts(schools=schools, period=period, today=today, links=links)
    }
    repeats = hazard_facts["hazards.repeats"]
    trend_end = min(period.end, today)
    board = Dashboard(
        user_is_school=is_school,
        scope_label=user.school.name if is_school and user.school else _scope_label(user),
        period=period,
        today=today,
        completion=completion,
        open_hazards=_open_hazards(schools=schools, today=today, links=links, is_school=is_school),
        overdue=_overdue(schools=schools, today=today),
        found=hazard_facts["hazards.found"],
        closed=hazard_facts["hazards.closed"],
        rectification_rate=hazard_facts["hazards.rectification_rate"],
        median_days=hazard_facts["hazards.median_days_to_close"],
        closed_in_period=hazard_facts["hazards.closed_count_in_period"],
        repeats=list(repeats.breakdown[:REPEAT_TOP]),
        repeats_total=repeats,
        trend=_trend(schools=schools, ending=trend_end, links=links),
        coverage=_coverage(
            user=user,
            schools=schools,
            active_schools=completion.due,
            today=today,
            links=links,
        ),
        campaigns=[] if is_school else _campaigns(user=user, schools=schools),
    )
    board.charts = _charts(board)
    return board


def _scope_label(user: Any) -> str:
    if getattr(user, "role", None) == Role.INSPECTOR:
        return "责任区学校"
    bureau = getattr(user, "bureau", None)
    return f"{bureau.name}全部学校" if bureau is not None else ""
