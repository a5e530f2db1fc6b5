"""Facts about inspections: self-inspections due and on time, campaigns by kind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import (
    Count,
    F,
    Q,
)

from edubureau.core.facts import Fact, Period, percent
from edubureau.orgs.scoping import SchoolScope
from edubureau.safety.facts.common import (
    Links,
    found_params,
)
from edubureau.safety.models import (
    Campaign,
    Inspection,
    InspectionKind,
    InspectionStatus,
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
    *, scope: SchoolScope, period: Period, today: date
) -> list[SelfInspectionMonth]:
    """Per due month: active schools (due), submitted self-inspections, on time (two queries)."""
    months = due_months(period, today)
    if not months:
        return []
    due = scope.schools().filter(is_active=True).count()
    rows = {
        row["period"]: row
        for row in scope.rows(Inspection, active=True)
        .filter(
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
    *, scope: SchoolScope, period: Period, today: date, links: Links
) -> list[Fact]:
    months = self_inspection_months(scope=scope, period=period, today=today)
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
