"""Facts about inspections: self-inspections due and on time, campaigns by kind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import (
    Count,
    F,
    Q,
    QuerySet,
)

from edubureau.core.facts import Fact, Period, percent
from edubureau.orgs.scoping import SchoolScope
from edubureau.safety.facts.common import (
    Links,
    before_go_live_q,
    found_params,
)
from edubureau.safety.models import (
    Campaign,
    Inspection,
    InspectionKind,
    InspectionStatus,
)
from edubureau.safety.models.inspections import owes_self_inspection

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


# Active schools by their bureau's go-live (None: not set): (go-live, count, from, to).
# A school moved in or out of a scope by record date counts only from the first day of
# its stay in it (``from``) to the day it left (``to``, excluded); ``None`` is open.
DueSchools = list[tuple[date | None, int, date | None, date | None]]


def _due_schools(scope: SchoolScope) -> DueSchools:
    """Active schools of the scope by their bureau's go-live, one query (and, for a
    scope by record date, the stays of its moved schools)."""
    moved = scope.moved_stays()
    schools = scope.schools().filter(is_active=True)
    if moved:
        schools = schools.exclude(pk__in=list(moved))
    due: DueSchools = [
        (row["bureau__go_live"], row["n"], None, None)
        for row in schools.values("bureau__go_live").annotate(n=Count("pk")).order_by()
    ]
    due += [(s.go_live, 1, s.start, s.end) for own in moved.values() for s in own if s.active]
    return due


def _due_in(month: date, schools: DueSchools) -> int:
    """Active schools for which ``month``'s self-inspection is due: their bureau was
    live on the month's first day (or has no go-live set), and they belonged to the
    scope on that day."""
    return sum(
        n
        for go_live, n, start, end in schools
        if owes_self_inspection(active=True, go_live=go_live, month_start=month)
        and (start is None or start <= month)
        and (end is None or month < end)
    )


def self_inspection_months(
    *,
    scope: SchoolScope,
    period: Period,
    today: date,
    schools: DueSchools | None = None,
) -> list[SelfInspectionMonth]:
    """Per due month: active schools whose bureau was live on its first day (due),
    submitted self-inspections of such months, on time (two queries; one when the
    caller passes the active ``schools`` by go-live)."""
    months = due_months(period, today)
    if not months:
        return []
    schools = _due_schools(scope) if schools is None else schools
    rows = {
        row["period"]: row
        for row in _submitted(scope, months, schools)
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
            due=_due_in(m, schools),
            submitted=rows[m]["submitted"] if m in rows else 0,
            on_time=rows[m]["on_time"] if m in rows else 0,
        )
        for m in months
    ]


def _submitted(scope: SchoolScope, months: list[date], schools: DueSchools) -> QuerySet[Inspection]:
    """Submitted self-inspections of the active schools for ``months`` that were due
    (the school's bureau live on the month's first day; ``schools``: the active schools
    by go-live, :func:`_due_schools`)."""
    rows = (
        scope.rows(Inspection, active=True)
        .filter(
            kind=InspectionKind.SELF,
            status=InspectionStatus.SUBMITTED,
            period__gte=months[0],
            period__lte=months[-1],
        )
        .order_by()
    )
    before = before_go_live_q(go_live for go_live, *_ in schools)
    return rows if before is None else rows.exclude(before)


def self_inspection_schools(
    *,
    scope: SchoolScope,
    period: Period,
    today: date,
    schools: DueSchools | None = None,
) -> tuple[int, int]:
    """(schools that submitted at least one due self-inspection of the period's due
    months, active schools for which at least one of those months was due): two
    queries (one with ``schools`` passed)."""
    months = due_months(period, today)
    if not months:
        return 0, 0
    schools = _due_schools(scope) if schools is None else schools
    due = _due_in(months[-1], schools)
    rows = _submitted(scope, months, schools)
    if scope.moved_stays():
        # A school is counted once, where it was on the last due month's first day,
        # with all of its self-inspections of the period (a count of schools).
        held = scope.schools_on(months[-1]).values("pk")
        rows = _submitted(scope.as_visible(), months, schools).filter(school_id__in=held)
    submitted = rows.aggregate(n=Count("school_id", distinct=True))["n"]
    return submitted, due


def inspection_facts(
    *, scope: SchoolScope, period: Period, today: date, links: Links
) -> list[Fact]:
    active = _due_schools(scope) if due_months(period, today) else []
    months = self_inspection_months(scope=scope, period=period, today=today, schools=active)
    due = sum(m.due for m in months)
    submitted = sum(m.submitted for m in months)
    on_time = sum(m.on_time for m in months)
    self_q: dict[str, object] = {"kind": InspectionKind.SELF.value}
    if period.kind == "month":
        self_q["period"] = f"{period.start:%Y-%m}"
    else:
        self_q.update(found_params(period))

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
            sum(m.missing for m in months),
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
    schools, schools_due = self_inspection_schools(
        scope=scope, period=period, today=today, schools=active
    )
    facts += [
        Fact(
            "inspections.self.schools",
            "报送月度自查的学校",
            schools,
            "所",
            links.inspections(**submitted_q),
        ),
        Fact(
            "inspections.self.schools_due",
            "应开展月度自查的学校",
            schools_due,
            "所",
            links.inspections(**self_q),
        ),
        Fact(
            "inspections.self.schools_rate",
            "报送月度自查的学校占比",
            percent(schools, schools_due),
            "%",
            links.inspections(**submitted_q),
        ),
    ]
    facts.extend(_kind_and_campaign_facts(scope=scope, period=period, links=links))
    return facts


def _kind_and_campaign_facts(*, scope: SchoolScope, period: Period, links: Links) -> list[Fact]:
    dated = found_params(period)
    by_kind = {
        row["kind"]: row
        for row in scope.rows(Inspection)
        .filter(
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
    # Campaigns the viewer may read that cover schools of the scope; ``covered``
    # counts only the scope's schools (the filter's join is the one counted).
    schools = scope.schools()
    campaigns = list(
        scope.rows(Campaign)
        .filter(
            starts_on__lte=period.end,
            ends_on__gte=period.start,
            schools__in=schools.order_by().values("pk"),
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
            "开展安全检查（已提交）",
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
