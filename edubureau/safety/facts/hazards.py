"""Facts about hazards: found, closed, closed on time, overdue, 挂牌督办, deferred,
days to close, repeats, closed late."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

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
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from edubureau.core.facts import Fact, Period, median, percent
from edubureau.core.rawsql import kept_aggregate, kept_rows, rule_sql, where_of
from edubureau.orgs.scoping import SchoolScope
from edubureau.rectification.models import PlanKind, Severity, Status
from edubureau.safety.facts.common import (
    Links,
    closed_by_params,
    closed_in_q,
    closed_params,
    closed_q,
    found_params,
    found_q,
)
from edubureau.safety.models import (
    ChecklistCategory,
    ChecklistItem,
    Hazard,
)
from edubureau.safety.selectors.hazards import on_time_q, overdue_q, supervised_q

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
    closed_on_time: int = 0
    escalated: int = 0
    deferred: int = 0


def hazard_cells(*, scope: SchoolScope, period: Period, today: date) -> list[HazardCell]:
    """Found / closed (by the period's end) / closed on time / overdue / 挂牌督办 /
    deferred, per category and severity: one query."""
    rows = kept_rows(
        scope.statement_key("hazards.cells", period, today),
        lambda: (
            scope.rows(Hazard)
            .filter(found_q(period))
            .values("category_key", "severity")
            .annotate(
                category_name=Max("category__name"),
                found=Count("pk"),
                closed=Count("pk", filter=closed_q(period)),
                closed_on_time=Count("pk", filter=closed_q(period) & on_time_q()),
                overdue=Count("pk", filter=overdue_q(today)),
                escalated=Count("pk", filter=supervised_q(today)),
                deferred=Count("pk", filter=Q(plan_kind=PlanKind.DEFERRED)),
            )
            .order_by()
        ),
    )
    return [
        HazardCell(
            category_key=row["category_key"],
            category_name=row["category_name"] or row["category_key"],
            severity=row["severity"],
            found=row["found"],
            closed=row["closed"],
            overdue=row["overdue"],
            closed_on_time=row["closed_on_time"],
            escalated=row["escalated"],
            deferred=row["deferred"],
        )
        for row in rows
    ]


def _closed_in(*, scope: SchoolScope, period: Period) -> QuerySet[Hazard]:
    return scope.rows(Hazard).filter(closed_in_q(period)).order_by()


def days_to_close(*, scope: SchoolScope, period: Period) -> list[int]:
    """Calendar days from report to close-out of each hazard closed in the period (one query)."""
    rows = _closed_in(scope=scope, period=period).values_list("reported_on", "closed_at")
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


def close_days(*, scope: SchoolScope, period: Period) -> CloseDays:
    """Count and median days to close (report to the local date of close-out) of the
    hazards closed in the period: one row from PostgreSQL, else the rows' days in Python."""
    if connections[Hazard.objects.db].vendor != "postgresql":
        days = days_to_close(scope=scope, period=period)
        return CloseDays(count=len(days), median=median(days))
    row = kept_aggregate(
        scope.statement_key("hazards.close_days", period),
        lambda: _closed_in(scope=scope, period=period),
        n=Count("pk"),
        median=_Median(_DaysBetween(TruncDate("closed_at"), F("reported_on"))),
    )
    value = row["median"]
    if value is None:
        return CloseDays(count=row["n"], median=None)
    # Whole or half days: the same Decimal as ``median`` over the Python rows.
    exact = Decimal(int(value)) if float(value).is_integer() else Decimal(str(value))
    return CloseDays(count=row["n"], median=exact)


def hazard_facts(*, scope: SchoolScope, period: Period, today: date, links: Links) -> list[Fact]:
    cells = hazard_cells(scope=scope, period=period, today=today)
    found_q = found_params(period)
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

    measures: tuple[tuple[str, str, str, dict[str, object]], ...] = (
        ("found", "hazards.found", "排查发现隐患", {}),
        ("closed", "hazards.closed", "已整改销号", closed_by_params(period)),
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
                f"{label}（按类别）",
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
            links.hazards(**found_q, **closed_by_params(period)),
        )
    )
    on_time = sum(c.closed_on_time for c in cells)
    on_time_link = links.hazards(**found_q, **closed_by_params(period), on_time="1")
    facts += [
        Fact(
            "hazards.closed_on_time",
            "按期整改销号",
            on_time,
            "个",
            on_time_link,
            by_severity(
                "closed_on_time",
                "hazards.closed_on_time",
                {**closed_by_params(period), "on_time": "1"},
            ),
        ),
        Fact(
            "hazards.on_time_rate",
            "隐患按期整改率",
            percent(on_time, totals["found"]),
            "%",
            on_time_link,
        ),
        Fact(
            "hazards.escalated",
            "挂牌督办",
            sum(c.escalated for c in cells),
            "个",
            links.hazards(**found_q, supervised="1"),
        ),
        Fact(
            "hazards.deferred",
            "暂无法整改、落实管控措施",
            sum(c.deferred for c in cells),
            "个",
            links.hazards(**found_q, plan=PlanKind.DEFERRED.value),
        ),
    ]
    closed_days = close_days(scope=scope, period=period)
    facts.append(
        Fact(
            "hazards.median_days_to_close",
            "隐患整改销号用时（中位数）",
            closed_days.median,
            "天",
            links.hazards(status=Status.CLOSED.value, **closed_params(period)),
        )
    )
    facts.append(
        Fact(
            "hazards.closed_count_in_period",
            "期间销号隐患",
            closed_days.count,
            "个",
            links.hazards(status=Status.CLOSED.value, **closed_params(period)),
        )
    )
    facts.append(repeat_fact(scope=scope, period=period, links=links))
    facts.append(late_fact(scope=scope, period=period, links=links))
    return facts


@dataclass(frozen=True)
class RepeatItem:
    item_key: str
    text: str
    hazards: int
    schools: int


def repeated_q(period: Period) -> Q:
    """Repeat hazards (重复隐患: an item failed again at the same school within the
    repeat window, ``repeat_of`` set when it was reported) found in the period."""
    return found_q(period) & Q(repeat_of__isnull=False)


def repeat_items(
    *, scope: SchoolScope, period: Period, limit: int | None = None
) -> list[RepeatItem]:
    """Repeat hazards found in the period, grouped by checklist item, most first (one query).

    Written out: through the ORM, building and compiling the grouped query with its two
    joins cost more than a county's or a city's query itself. The SQL holds no rule of
    its own: the door's rows of hazards (``where_of``) and ``repeated_q`` as Django
    compiles them (``rule_sql``)."""
    found = where_of(scope.rows(Hazard))
    if found is None:
        return []
    db = connections[Hazard.objects.db]
    qn = db.ops.quote_name
    hazard = qn(Hazard._meta.db_table)
    item, category = qn(ChecklistItem._meta.db_table), qn(ChecklistCategory._meta.db_table)
    text, name = (
        qn(ChecklistItem._meta.get_field("text").column),
        qn(ChecklistCategory._meta.get_field("name").column),
    )
    rule, rule_params = rule_sql(Hazard, repeated_q, period)
    where, where_params = found
    sql = (
        f"SELECT {hazard}.item_key, COUNT(*), COUNT(DISTINCT {hazard}.school_id),"
        f" MAX(i.{text}), MAX(c.{name})"
        f" FROM {hazard} LEFT JOIN {item} i ON i.id = {hazard}.item_id"
        f" LEFT JOIN {category} c ON c.id = {hazard}.category_id"
        f" WHERE {rule}"
        + (f" AND {where}" if where else "")
        + f" GROUP BY {hazard}.item_key ORDER BY 2 DESC, 1"
        + (" LIMIT %s" if limit is not None else "")
    )
    params = [*rule_params, *where_params, *([limit] if limit is not None else [])]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        RepeatItem(
            item_key=key,
            text=item_text or f"{category_name or ''}（其他事项）",
            hazards=count,
            schools=schools,
        )
        for key, count, schools, item_text, category_name in rows
    ]


def repeat_fact(*, scope: SchoolScope, period: Period, links: Links) -> Fact:
    items = repeat_items(scope=scope, period=period)
    params = {**found_params(period), "repeat": "1"}
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


def late_fact(*, scope: SchoolScope, period: Period, links: Links) -> Fact:
    """Hazards closed in the period but rectified after their deadline, by township."""
    rows = kept_rows(
        scope.statement_key("hazards.late", period),
        lambda: (
            scope.rows(Hazard)
            .filter(closed_in_q(period), rectified_on__gt=F("deadline"))
            .values("school__township_id")
            .annotate(n=Count("pk"), name=Max("school__township__name"))
            .order_by("-n", "name")
        ),
    )
    params = {"status": Status.CLOSED.value, **closed_params(period), "late": "1"}
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
