"""The safety dashboard: what a bureau (or one school) needs to see at a glance.

One function, :func:`safety_dashboard`, reads everything for one scope (a
:class:`~edubureau.orgs.scoping.SchoolScope` made by the scoping door: what the
viewer sees, or one bureau, township or school within it) and one period. Every
figure carries the URL of the list of rows behind it (the list filters shared by
the safety pages, with the scope's narrowing), and the period figures are the same
:mod:`edubureau.safety.facts` a report quotes, so the page and the report agree.

A scope splits one level down the tree (:mod:`edubureau.safety.facts.units`): a
province into its cities, a city into its counties and its 市直 schools, a county
into its townships, a township into its schools. Each part links to its own
dashboard (the drill-down) and to the lists of its rows.

Aggregates run in the database; the number of queries is fixed, whatever the
number of schools and bureaus (tests assert it with 30 and 60 schools, and with
two and four counties).

A province's or a city's whole tree is tens of thousands of schools: its figures cost
half a second of the database, and they are read, not acted on (the county, township
and school act on their hazards). :func:`dashboard_for`, which the page calls, keeps
them for a minute per viewer (``KEPT_SECONDS``); the page says when they were counted
and offers 立即刷新. A county's, township's or school's dashboard is counted afresh at
every view.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import connections
from django.db.models import Count, F, Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from edubureau.core.calendar import working_days_between
from edubureau.core.facts import Fact, Period, display, last_months, link, percent, ratio
from edubureau.core.phrasing import percent_text
from edubureau.core.rawsql import kept_aggregate, kept_rows, rule_sql, subquery_sql, where_of
from edubureau.orgs.models import Bureau, BureauLevel, Role, School, Township
from edubureau.orgs.scoping import SchoolScope
from edubureau.orgs.selectors import current_semester
from edubureau.rectification.models import OPEN_STATUSES, UNRESOLVED_STATUSES, Severity, Status
from edubureau.safety import facts
from edubureau.safety.facts.units import TOWNSHIP, Unit, Units, direct_label, unit_breakdown
from edubureau.safety.models import (
    Campaign,
    ChecklistCategory,
    Drill,
    Hazard,
    Inspection,
    InspectionKind,
)
from edubureau.safety.models.inspections import InspectionStatus, owes_self_inspection_q
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

    @property
    def percent_display(self) -> str:
        """A rate as every page and document writes it ("94.1%", "100%", "—")."""
        return percent_text(self.value)


@dataclass
class Completion:
    """Monthly self-inspection completion for ``month``."""

    month: Period
    due: int
    submitted: int
    on_time: int
    missing_schools: list[School]
    submitted_url: str
    missing_url: str
    own_status: str = ""  # one school's view: its status this month

    @property
    def missing(self) -> int:
        return max(self.due - self.submitted, 0)

    @property
    def rate(self) -> Decimal | None:
        return percent(self.submitted, self.due)

    @property
    def rate_display(self) -> str:
        return percent_text(self.rate)

    @property
    def more_missing(self) -> int:
        return max(self.missing - len(self.missing_schools), 0)


@dataclass(frozen=True)
class Cell:
    count: int
    url: str


@dataclass
class OpenRow:
    """Unresolved hazards of one category (and township, on a county's view)."""

    category_key: str
    category: str
    township_id: int | None
    township: str
    cells: list[Cell]  # one per severity, in SEVERITIES order
    total: Cell


@dataclass
class OpenHazards:
    """``by_category``: every unresolved hazard by category and severity. ``rows`` (a view
    split by township): by category and township for the ``OPEN_TOWNSHIPS`` townships with
    most of them; ``more_townships`` when other townships have some too (the list shows
    all). A view split by child bureau shows them per bureau in its units instead."""

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
    bureau: str  # the school's bureau (short name)
    area: str  # its township, or 市直/县直 for a school run directly
    in_township: bool
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
        return percent_text(self.rate)


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


@dataclass(frozen=True)
class Crumb:
    """One step of the path from the viewer's whole scope down to the one shown."""

    label: str
    url: str  # "" for the scope shown


@dataclass(frozen=True)
class UnitLine:
    """One part of the scope (a child bureau, township or school) with its links: its
    own dashboard and the lists of the rows each figure counts."""

    unit: Unit
    drill: str
    submitted_url: str
    missing_url: str
    found_url: str
    closed_url: str
    unresolved_url: str
    overdue_url: str


@dataclass
class UnitTable:
    grouping: str
    heading: str
    title: str
    lines: list[UnitLine]
    total: UnitLine


@dataclass
class Dashboard:
    user_is_school: bool  # the viewer is a school's account
    one_school: bool  # the scope is one school (the viewer's, or one drilled to)
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
    crumbs: list[Crumb] = field(default_factory=list)
    units: UnitTable | None = None
    grouping: str | None = None  # how the scope splits: "bureau", "township", "school"
    links: facts.Links = field(default_factory=lambda: facts.Links(scope={}))
    computed_at: datetime | None = None  # when the figures were counted
    kept_seconds: int = 0  # how long they are shown before being counted again (0: never)


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
    *, scope: SchoolScope, month: Period, links: facts.Links, one_school: bool
) -> Completion:
    token = f"{month.start:%Y-%m}"
    day = month.start
    row = kept_aggregate(
        scope.statement_key("dashboard.submitted", day),
        lambda: scope.rows(Inspection, active=True).filter(
            kind=InspectionKind.SELF, status=InspectionStatus.SUBMITTED, period=day
        ),
        submitted=Count("pk"),
        on_time=Count("pk", filter=Q(submitted_at__date__lte=F("due_on"))),
    )
    due = kept_aggregate(
        scope.statement_key("dashboard.due", day),
        lambda: scope.schools_on(day).filter(owes_self_inspection_q(day)),
        n=Count("pk"),
    )["n"]
    missing_schools: list[School] = []
    own_status = ""
    if one_school:
        own = kept_rows(
            scope.statement_key("dashboard.own", day),
            # As .first() would: the first by Meta.ordering (one per school and month).
            lambda: (
                scope.rows(Inspection)
                .filter(kind=InspectionKind.SELF, period=day)
                .values_list("status", "submitted_at", "due_on")[:1]
            ),
        )
        own_status = _own_status(own[0] if own else None)
    else:
        # The same rule as the missing page and the chase (inspections service).
        missing_schools = kept_rows(
            scope.statement_key("dashboard.missing", day, MISSING_SHOWN),
            lambda: (
                missing_self_inspection_schools(schools=scope.schools_on(day), period=day)
                # Only the names are shown (not the contact fields, decrypted on load).
                .only("pk", "name")
                .order_by("bureau__path", "township__sort_order", "township_id", "name")[
                    :MISSING_SHOWN
                ]
            ),
        )
    return Completion(
        month=month,
        due=due,
        submitted=row["submitted"],
        on_time=row["on_time"],
        missing_schools=missing_schools,
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
        return "已提交（逾期）"
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
    *, scope: SchoolScope, today: date, links: facts.Links, by_township: bool
) -> OpenHazards:
    """Category × severity over everything (one query); on a view split by township, the
    ``OPEN_TOWNSHIPS`` townships with most open hazards (one query) by category and
    severity (one query). A county has a few dozen townships, a province ~1,500: a view
    above the county splits by child bureau (the units), never a township matrix."""

    def unresolved_qs() -> QuerySet[Hazard]:
        return scope.rows(Hazard).filter(status__in=UNRESOLVED_STATUSES).order_by()

    category_meta = {
        "category_name": Max("category__name"),
        "category_order": Max("category__sort_order"),
    }
    totals = kept_rows(
        scope.statement_key("dashboard.open", today),
        lambda: (
            unresolved_qs()
            .values("category_key", "severity")
            .annotate(n=Count("pk"), overdue=Count("pk", filter=overdue_q(today)), **category_meta)
        ),
    )
    rows: list[OpenRow] = []
    more = False
    if by_township and totals:
        top = [
            r["school__township_id"]
            for r in kept_rows(
                scope.statement_key("dashboard.open_townships", OPEN_TOWNSHIPS),
                lambda: (
                    unresolved_qs()
                    .values("school__township_id")
                    .annotate(n=Count("pk"))
                    .order_by("-n", "school__township_id")[: OPEN_TOWNSHIPS + 1]
                ),
            )
        ]
        more = len(top) > OPEN_TOWNSHIPS
        shown = tuple(top[:OPEN_TOWNSHIPS])
        by_township_rows = kept_rows(
            scope.statement_key("dashboard.open_by_township", shown),
            lambda: (
                unresolved_qs()
                .filter(school__township_id__in=shown)
                .values("category_key", "school__township_id", "severity")
                .annotate(
                    n=Count("pk"),
                    township_name=Max("school__township__name"),
                    township_order=Max("school__township__sort_order"),
                    **category_meta,
                )
            ),
        )
        rows = _open_rows(by_township_rows, links=links, township=True)
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


def _overdue(*, scope: SchoolScope, today: date) -> list[OverdueLine]:
    """The ``OVERDUE_TOP`` hazards longest past their deadline (one query, plain rows).

    The one hand-written query of the dashboard. The list is a ~1.5 ms index read,
    and building and compiling it through the ORM cost as much again, every time the
    page loads; written out, only the scope (``scope.school_ids(Hazard)``, the schools
    whose hazards the scoping door lets the viewer read) is compiled by Django.
    ``overdue_q`` is the definition this repeats: test_dashboard checks the two select
    the same rows in the same order.

    Working days overdue are additive over the deadlines in order (every deadline is
    before ``today``), so the calendar is walked once, from the oldest deadline to
    ``today``, however many rows are shown."""
    moved: tuple[str, tuple[Any, ...]] | None = ("", ())
    if scope.moved(Hazard):
        # A moved school's hazards are not all those of the scope's schools now.
        hazards = scope.rows(Hazard).order_by()
        schools = subquery_sql(hazards.values("school_id").distinct())
        moved = subquery_sql(hazards.values("pk"))
    else:
        schools = subquery_sql(scope.school_ids(Hazard))
    if schools is None or moved is None:
        return []  # the door gives the viewer's role no school (the audit administrator)
    (scope_sql, scope_params), (moved_sql, moved_params) = schools, moved
    hazard, school = Hazard._meta.db_table, School._meta.db_table
    bureau, township = Bureau._meta.db_table, Township._meta.db_table
    category = ChecklistCategory._meta.db_table
    open_statuses = ", ".join(["%s"] * len(OPEN_STATUSES))
    sql = (
        "SELECT h.id, s.name, c.name, h.description, h.severity, h.deadline, h.overdue_level,"
        " b.short_name, b.name, b.level, t.name"
        f" FROM {hazard} h JOIN {school} s ON s.id = h.school_id"
        f" JOIN {category} c ON c.id = h.category_id"
        f" JOIN {bureau} b ON b.id = s.bureau_id"
        f" LEFT JOIN {township} t ON t.id = s.township_id"
        f" WHERE h.school_id IN ({scope_sql}) AND h.status IN ({open_statuses})"
        + (f" AND h.id IN ({moved_sql})" if moved_sql else "")
        + " AND h.deadline < %s ORDER BY h.deadline, h.reported_on, h.id LIMIT %s"
    )
    params = (*scope_params, *(s.value for s in OPEN_STATUSES), *moved_params)
    with connections[Hazard.objects.db].cursor() as cursor:
        cursor.execute(sql, (*params, today, OVERDUE_TOP))
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
            bureau=short_name or bureau_name,
            area=township_name or direct_label(level),
            in_township=township_name is not None,
            category=category,
            description=description,
            severity=severities.get(severity, severity),
            deadline=deadline,
            days=days[deadline],
            escalation=overdue_level,
        )
        for (
            pk,
            school,
            category,
            description,
            severity,
            deadline,
            overdue_level,
            short_name,
            bureau_name,
            level,
            township_name,
        ) in rows
    ]


def _trend(*, scope: SchoolScope, ending: date, links: facts.Links) -> list[TrendPoint]:
    """What was found and what was closed in each of the last ``TREND_MONTHS`` months.

    One scan for both series: a count per month of what was reported and of what was
    closed, over the rows in either range. Written out: through the ORM, adding and
    compiling its 26 filtered counts cost ~5 ms of Python before a ~2 ms query (a
    county's). The SQL holds no rule of its own: the scope is the door's rows of
    hazards (``where_of``) and each count's condition the rule itself (``found_q``,
    ``closed_in_q``), compiled by Django once per process and month (``rule_sql``)."""
    months = last_months(ending=ending, count=TREND_MONTHS)
    periods = [Period.month(m.year, m.month) for m in months]
    span = Period(periods[0].start, periods[-1].end, "")
    scope_where = where_of(scope.rows(Hazard))
    if scope_where is None:
        counts: Sequence[int] = [0] * (2 * len(periods))
    else:
        db, table = connections[Hazard.objects.db], Hazard._meta.db_table
        rules = (facts.found_q, facts.closed_in_q)
        measures = [rule_sql(Hazard, rule, p) for p in periods for rule in rules]
        (found_sql, found_params), (closed_sql, closed_params) = (
            rule_sql(Hazard, facts.found_q, span),
            rule_sql(Hazard, facts.closed_in_q, span),
        )
        where_sql, where_params = scope_where
        sql = (
            "SELECT "
            + ", ".join(f"COUNT(*) FILTER (WHERE {m})" for m, _ in measures)
            + f" FROM {db.ops.quote_name(table)}"
            + f" WHERE ({found_sql} OR {closed_sql})"
            + (f" AND {where_sql}" if where_sql else "")
        )
        params = [
            *(v for _, ps in measures for v in ps),
            *found_params,
            *closed_params,
            *where_params,
        ]
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            counts = cursor.fetchone()
    points = []
    for i, (m, p) in enumerate(zip(months, periods, strict=True)):
        points.append(
            TrendPoint(
                month=m,
                found=Cell(
                    counts[2 * i],
                    links.hazards(since=p.start.isoformat(), until=p.end.isoformat()),
                ),
                closed=Cell(
                    counts[2 * i + 1],
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
    scope: SchoolScope,
    active_schools: int,
    today: date,
    links: facts.Links,
) -> Coverage:
    year = facts.school_year_for(scope=scope, day=today)
    letters = facts.letter_facts(scope=scope, on=today, links=links, year=year, with_schools=False)
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
    since, until = current_semester(user=scope.viewer, today=today)
    dated = {"since": since.isoformat(), "until": until.isoformat()}
    # All drills of the scope (what the linked list shows); schools counted if still open.
    drills = kept_aggregate(
        scope.statement_key("dashboard.drills", since, until),
        lambda: scope.rows(Drill).filter(held_on__gte=since, held_on__lte=until),
        n=Count("pk"),
        schools=Count("school_id", distinct=True, filter=Q(school__is_active=True)),
    )
    vehicles = {f.key: f for f in facts.vehicle_facts(scope=scope, today=today, links=links)}
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


def _campaigns(*, scope: SchoolScope) -> list[CampaignLink]:
    rows = kept_rows(
        scope.statement_key("dashboard.campaigns", RECENT_CAMPAIGNS),
        lambda: (
            scope.rows(Campaign)
            .filter(schools__in=scope.schools().order_by().values("pk"))
            .values("pk", "name", "starts_on", "ends_on")
            .distinct()
            .order_by("-starts_on", "-pk")[:RECENT_CAMPAIGNS]
        ),
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
    links = board.links
    open_chart = {
        "type": "hbar-stacked",
        "title": "未整改完成隐患（按类别、等级）",
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
        "title": "隐患发现与销号（近12个月）",
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


# Drilling down ----------------------------------------------------------------------


def _period_params(period: Period) -> dict[str, object]:
    if period.kind == "month":
        return {"year": period.start.year, "month": period.start.month}
    return {"year": period.start.year}


def dashboard_url(period: Period, params: dict[str, str]) -> str:
    """The dashboard of the same period narrowed by ``params`` (a unit's, a crumb's)."""
    return link(reverse("safety:dashboard"), {**_period_params(period), **params})


def _unit_line(unit: Unit, *, period: Period, month: Period, links: facts.Links | None) -> UnitLine:
    """A part's links; a part no filter can name (``links`` None) gets none."""
    if links is None:
        return UnitLine(unit, "", "", "", "", "", "", "")
    token = f"{month.start:%Y-%m}"
    found = facts.found_params(period)
    return UnitLine(
        unit=unit,
        drill=dashboard_url(period, unit.params or {}),
        submitted_url=links.inspections(kind="self", period=token, status="submitted"),
        missing_url=links.missing(period=token),
        found_url=links.hazards(**found),
        closed_url=links.hazards(
            **found, status=Status.CLOSED.value, closed_until=period.end.isoformat()
        ),
        unresolved_url=links.hazards(status="unresolved"),
        overdue_url=links.hazards(overdue="1"),
    )


def _unit_table(units: Units | None, *, links: facts.Links) -> UnitTable | None:
    if units is None:
        return None

    def line(u: Unit) -> UnitLine:
        own = facts.Links(scope=u.params) if u.params is not None else None
        return _unit_line(u, period=units.period, month=units.month, links=own)

    total = _unit_line(units.total, period=units.period, month=units.month, links=links)
    return UnitTable(
        grouping=units.grouping,
        heading=units.heading,
        title=units.title,
        lines=[line(u) for u in units.rows],
        total=replace(total, drill=""),
    )


def _crumbs(scope: SchoolScope, period: Period) -> list[Crumb]:
    """From the viewer's whole scope down to the one shown (one query for the bureaus
    between them)."""
    viewer = scope.viewer
    top = viewer.bureau if viewer is not None and viewer.bureau_id else None
    if viewer is None or viewer.role not in (
        Role.BUREAU_LEADER,
        Role.DEPARTMENT_STAFF,
        Role.ADMINISTRATOR,
    ):
        top = None
    steps: list[tuple[str, dict[str, str]]] = []
    if top is not None:
        steps.append((top.display_name, {}))
        target = scope.bureau
        if target is not None and target.pk != top.pk and top.is_ancestor_of(target):
            chain = (
                Bureau.objects.visible_to(viewer)
                .filter(pk__in=[*target.ancestor_ids, target.pk], path__startswith=top.path)
                .exclude(pk=top.pk)
                .order_by("path")
            )
            steps += [(b.display_name, {"bureau": str(b.pk)}) for b in chain]
    else:
        steps.append((_viewer_label(viewer), {}))
    school = scope.school if scope.kind == "school" else None
    township = scope.township if scope.kind == "township" else None
    if school is not None and school.township_id is not None:
        township = school.township
    default_township = getattr(viewer, "township_id", None)
    if township is not None and township.pk != default_township:
        steps.append((township.name, {"township": str(township.pk)}))
    bureau = scope.bureau
    direct = scope.kind == "direct" or (school is not None and school.township_id is None)
    # A county runs every one of its schools: its "direct" ones are all of them.
    if direct and bureau is not None and top is not None and bureau.level != BureauLevel.COUNTY:
        label = direct_label(bureau.level)
        steps.append((label, {"bureau": str(bureau.pk), "direct": "1"}))
    if school is not None and getattr(viewer, "school_id", None) != school.pk:
        steps.append((school.name, {"school": str(school.pk)}))
    crumbs = [Crumb(label, dashboard_url(period, params)) for label, params in steps]
    if crumbs:
        crumbs[-1] = Crumb(crumbs[-1].label, "")
    return crumbs


def _viewer_label(viewer: Any) -> str:
    role = getattr(viewer, "role", None)
    if role == Role.SCHOOL_USER and viewer.school_id:
        return str(viewer.school.name)
    if role == Role.TOWNSHIP_STAFF and viewer.township_id:
        return str(viewer.township.name)
    return "责任区学校"


# The entry point -------------------------------------------------------------------


def safety_dashboard(*, scope: SchoolScope, period: Period, today: date | None = None) -> Dashboard:
    """Everything the dashboard shows for ``scope`` and ``period``."""
    today = today or timezone.localdate()
    viewer = scope.viewer
    one_school = scope.kind == "school"
    links = facts.Links.of(scope)
    month = completion_month(period, today)
    units = unit_breakdown(scope=scope, period=period, month=month, today=today)
    grouping = units.grouping if units is not None else None
    # A period's figures count a moved school's records where it was on their date, the
    # state things are in now where it is now (orgs.moves); where no school moved, the
    # three scopes are the same.
    dated, now = scope.by_record_date(), scope.as_now()
    completion = _completion(scope=dated, month=month, links=links, one_school=one_school)
    hazard_facts = {
        f.key: f for f in facts.hazard_facts(scope=dated, period=period, today=today, links=links)
    }
    repeats = hazard_facts["hazards.repeats"]
    trend_end = min(period.end, today)
    board = Dashboard(
        user_is_school=getattr(viewer, "role", None) == Role.SCHOOL_USER,
        one_school=one_school,
        scope_label=scope.label,
        period=period,
        today=today,
        completion=completion,
        open_hazards=_open_hazards(
            scope=now, today=today, links=links, by_township=grouping == TOWNSHIP
        ),
        overdue=_overdue(scope=now, today=today),
        found=hazard_facts["hazards.found"],
        closed=hazard_facts["hazards.closed"],
        rectification_rate=hazard_facts["hazards.rectification_rate"],
        median_days=hazard_facts["hazards.median_days_to_close"],
        closed_in_period=hazard_facts["hazards.closed_count_in_period"],
        repeats=list(repeats.breakdown[:REPEAT_TOP]),
        repeats_total=repeats,
        trend=_trend(scope=dated, ending=trend_end, links=links),
        coverage=_coverage(
            scope=scope,
            active_schools=completion.due,
            today=today,
            links=links,
        ),
        campaigns=[] if one_school else _campaigns(scope=scope),
        crumbs=_crumbs(scope, period),
        units=_unit_table(units, links=links),
        grouping=grouping,
        links=links,
    )
    board.charts = _charts(board)
    board.computed_at = timezone.now()
    return board


# Figures kept for a minute ------------------------------------------------------------

# The levels whose whole subtree is too large to count at every view.
KEPT_LEVELS = frozenset({BureauLevel.PROVINCE, BureauLevel.CITY})
KEPT_SECONDS = 60
# Part of the key: a deployment that changes Dashboard's fields counts afresh.
_KEPT_VERSION = 1


def is_kept(scope: SchoolScope) -> bool:
    """Whether the dashboard of ``scope`` is kept for ``KEPT_SECONDS``: a viewer's
    province or city subtree (narrowed to a county or below, it is counted at every view)."""
    bureau = scope.bureau
    return (
        scope.viewer is not None
        and scope.key is not None
        and scope.kind == "bureau"
        and bureau is not None
        and bureau.level in KEPT_LEVELS
    )


def _kept_key(scope: SchoolScope, period: Period, today: date) -> str:
    # One viewer's figures are never another's: the scope's key starts with the account
    # and everything that decides its rows (role, bureau, township, school, …), so a
    # changed role or a move to another bureau is a new key, not a stale answer.
    parts = (_KEPT_VERSION, scope.key, period.start, period.end, period.kind, today)
    return "safety-dashboard:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def dashboard_for(
    *, scope: SchoolScope, period: Period, today: date | None = None, fresh: bool = False
) -> Dashboard:
    """:func:`safety_dashboard`, kept for a minute for a province's or a city's whole
    tree (:func:`is_kept`); ``fresh`` counts again (立即刷新) and keeps the new figures."""
    today = today or timezone.localdate()
    if not is_kept(scope):
        return safety_dashboard(scope=scope, period=period, today=today)
    key = _kept_key(scope, period, today)
    board = None if fresh else cache.get(key)
    if board is None:
        board = safety_dashboard(scope=scope, period=period, today=today)
        board.kept_seconds = KEPT_SECONDS
        cache.set(key, board, KEPT_SECONDS)
    return board
