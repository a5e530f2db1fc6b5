"""Figures per part of a scope, one level down the tree.

A province's scope splits into its cities, a city's into its counties, each with
the schools the bureau runs itself (省直、市直) as one more part; a county's into
its townships (and its 县直 schools, if any); a township's, or a bureau's direct
schools, into schools. :func:`unit_breakdown` counts, per part: active schools,
those for which the month's self-inspection is due (their bureau live on the
month's first day, ``Bureau.go_live``), the month's self-inspections submitted (on
time) and missing, hazards found in the period and closed by its end
(``closed_q``: the facts' definitions), and hazards unresolved and overdue now.
The dashboard's drill-down table and a city circular's per-county table read it;
every part carries the narrowing (``params``) that opens its own dashboard and
its lists.

Four queries at most (the bureaus of the subtree, schools, self-inspections,
hazards), whatever the number of schools or bureaus: every count is grouped in
the database by the row's bureau, township or school and mapped to its part here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Max, Q

from edubureau.core.facts import Period, percent
from edubureau.core.phrasing import percent_text
from edubureau.core.rawsql import kept_rows
from edubureau.orgs.models import DIRECT_LABELS, BureauLevel, School, Township
from edubureau.orgs.scoping import SchoolScope
from edubureau.rectification.models import UNRESOLVED_STATUSES
from edubureau.safety.facts.common import closed_q, found_q
from edubureau.safety.models import Hazard, Inspection, InspectionKind, InspectionStatus
from edubureau.safety.models.inspections import owes_self_inspection, owes_self_inspection_q
from edubureau.safety.selectors.hazards import overdue_q

BUREAU, TOWNSHIP, SCHOOL = "bureau", "township", "school"

# What the parts of each grouping are called (column heading, section title).
CHILD_NAMES: dict[str, str] = {BureauLevel.CITY.value: "市", BureauLevel.COUNTY.value: "县（区）"}
_HEADINGS = {TOWNSHIP: "乡镇（街道）", SCHOOL: "学校"}


def direct_label(level: str) -> str:
    """What the schools a bureau of ``level`` runs itself are called: 市直, 省直, 县直."""
    return {str(k.value): v for k, v in DIRECT_LABELS.items()}.get(str(level), "直属")


@dataclass(frozen=True)
class Unit:
    """One part of the scope and its figures. ``params`` narrow a page to it (None for a
    part no list filter can name: a county's schools outside any township)."""

    key: str
    name: str
    params: dict[str, str] | None
    schools: int = 0
    due: int = 0  # active schools whose bureau was live on the month's first day
    submitted: int = 0
    on_time: int = 0
    found: int = 0
    closed: int = 0
    unresolved: int = 0
    overdue: int = 0
    direct: bool = False  # the schools a bureau runs itself (市直…)

    @property
    def missing(self) -> int:
        return max(self.due - self.submitted, 0)

    @property
    def submitted_rate(self) -> Decimal | None:
        return percent(self.submitted, self.due)

    @property
    def rectification_rate(self) -> Decimal | None:
        return percent(self.closed, self.found)

    @property
    def rectification_rate_text(self) -> str:
        return percent_text(self.rectification_rate)


MEASURES = ("schools", "due", "submitted", "on_time", "found", "closed", "unresolved", "overdue")


@dataclass(frozen=True)
class Units:
    """The parts of a scope, in display order, and their total."""

    grouping: str  # BUREAU, TOWNSHIP or SCHOOL
    heading: str  # the column heading: 市 / 县（区） / 乡镇（街道） / 学校
    period: Period
    month: Period
    rows: tuple[Unit, ...]
    total: Unit = field(default_factory=lambda: Unit("total", "合计", {}))
    top_id: int | None = None  # the scope's bureau
    children: tuple[tuple[str, str], ...] = ()  # (unit key, bureau path) of child bureaus

    @property
    def title(self) -> str:
        return f"各{self.heading}"

    def key_for(self, school: Any, stay: Any = None) -> str | None:
        """The key of the part ``school`` belongs to (its ``bureau`` loaded), or, given
        one of its stays (orgs.moves), belonged to during that stay."""
        if self.grouping == SCHOOL:
            return f"school:{school.pk}"
        bureau_id, path, township_id = (
            (school.bureau_id, school.bureau.path, school.township_id)
            if stay is None
            else (stay.bureau_id, stay.bureau_path, stay.township_id)
        )
        if self.grouping == TOWNSHIP:
            return f"township:{township_id}" if township_id else "direct"
        if bureau_id == self.top_id:
            return "direct"
        for key, child in self.children:
            if path.startswith(child):
                return key
        return None


def _total(rows: tuple[Unit, ...]) -> Unit:
    sums = {m: sum(getattr(r, m) for r in rows) for m in MEASURES}
    return Unit("total", "合计", {}, **sums)


def grouping_of(scope: SchoolScope, bureaus: list[Any] | None) -> str | None:
    """How the scope splits: by child bureau, township or school (None: one school)."""
    if scope.kind == "school":
        return None
    if scope.kind in ("township", "direct"):
        return SCHOOL
    if scope.bureau is None:
        return None
    if (
        scope.kind == "bureau"
        and bureaus
        and any(b["parent_id"] == scope.bureau.pk for b in bureaus)
    ):
        return BUREAU
    return TOWNSHIP


def _count_moved_schools(
    moved: dict[int, Any],
    *,
    month: Period,
    counts: dict[str, dict[str, int]],
    shown: set[str],
    parts: dict[str, Unit],
    order: dict[str, tuple[Any, ...]],
    part: Any,
    grouping: str,
) -> None:
    """Count the schools that moved where they were on the month's first day (their
    stay then), as the grouped query counts the others where they are now."""
    held = {school_id: stay for school_id, stay in moved.items() if stay is not None}
    names: dict[int, str] = {}
    townships: dict[int, tuple[str, int]] = {}
    if grouping == SCHOOL and held:
        ids = tuple(sorted(held))
        names = dict(
            kept_rows(
                ("units.moved_schools", ids),
                lambda: School.objects.filter(pk__in=ids).values_list("pk", "name"),
            )
        )
    if grouping == TOWNSHIP:
        wanted = tuple(
            sorted(
                {s.township_id for s in held.values() if s.township_id}
                - {int(k.split(":")[1]) for k in parts if k.startswith("township:")}
            )
        )
        townships = {
            pk: (name, sort)
            for pk, name, sort in kept_rows(
                ("units.moved_townships", wanted),
                lambda: Township.objects.filter(pk__in=wanted).values_list(
                    "pk", "name", "sort_order"
                ),
            )
        }
    for school_id, stay in held.items():
        key = part(school_id, stay)
        if key is None:
            continue
        counts[key]["due"] += owes_self_inspection(
            active=stay.active, go_live=stay.go_live, month_start=month.start
        )
        counts[key]["schools"] += 1 if stay.active else 0
        if grouping == SCHOOL:
            parts.setdefault(key, Unit(key, names.get(school_id, ""), {"school": str(school_id)}))
            order[key] = (0 if stay.active else 1, names.get(school_id, ""), school_id)
        if grouping == TOWNSHIP and stay.township_id in townships:
            name, sort = townships[stay.township_id]
            parts.setdefault(key, Unit(key, name, {"township": str(stay.township_id)}))
            order[key] = (0, sort or 0, stay.township_id)
        if stay.active:
            shown.add(key)


def unit_breakdown(
    *,
    scope: SchoolScope,
    period: Period,
    month: Period,
    today: date,
) -> Units | None:
    """The scope's parts with their figures (None for a one-school scope).

    ``closed`` counts the hazards found in the period that were closed by the period's
    end (``closed_q``, the facts' definition, which the circulars use too): a month's
    figure does not change with the day it is read."""
    closed = closed_q(period)
    bureaus: list[Any] | None = None
    if scope.kind == "bureau":
        bureaus = kept_rows(
            scope.statement_key("units.bureaus"),
            lambda: scope.bureaus().values(
                "pk", "parent_id", "path", "name", "short_name", "level", "region_code"
            ),
        )
    grouping = grouping_of(scope, bureaus)
    if grouping is None:
        return None
    assert scope.bureau is not None or grouping == SCHOOL
    direct_name = direct_label(scope.bureau.level) if scope.bureau else "直属"
    direct_params = {"bureau": str(scope.bureau.pk), "direct": "1"} if scope.bureau else {}

    # Parts, and the part of each group key (bureau, township or school id) ----------
    parts: dict[str, Unit] = {}
    order: dict[str, tuple[Any, ...]] = {}
    part_of: dict[Any, str] = {}
    if grouping == BUREAU:
        assert bureaus is not None and scope.bureau is not None
        top = scope.bureau
        children = [b for b in bureaus if b["parent_id"] == top.pk]
        heading = CHILD_NAMES.get(children[0]["level"], "下级教育局") if children else ""
        for child in children:
            child_key = f"bureau:{child['pk']}"
            parts[child_key] = Unit(
                child_key, child["short_name"] or child["name"], {"bureau": str(child["pk"])}
            )
            order[child_key] = (0, child["region_code"] or "~", child["pk"])
        for b in bureaus:
            child_id = top.child_toward(b["path"])
            if child_id == top.pk:
                part_of[b["pk"]] = "direct"
            elif child_id is not None:
                part_of[b["pk"]] = f"bureau:{child_id}"
        school_key, row_key = "bureau_id", "school__bureau_id"
    elif grouping == TOWNSHIP:
        heading = _HEADINGS[TOWNSHIP]
        school_key, row_key = "township_id", "school__township_id"
    else:
        heading = _HEADINGS[SCHOOL]
        school_key, row_key = "pk", "school_id"

    def part(group: Any) -> str | None:
        if grouping == BUREAU:
            return part_of.get(group)
        if grouping == TOWNSHIP:
            return f"township:{group}" if group is not None else "direct"
        return f"school:{group}"

    def part_of_stay(school_id: int, stay: Any) -> str | None:
        """The part a moved school's stay falls in."""
        return part({BUREAU: stay.bureau_id, TOWNSHIP: stay.township_id}.get(grouping, school_id))

    # A period's figures count a moved school's records, and the school itself, where
    # it was on their date (orgs.moves); open and overdue hazards where it is now.
    dated, now = scope.by_record_date(), scope.as_now()
    # Only schools whose move changes a part (or crosses the scope's edge) count apart.
    apart = dated.moved_apart(part_of_stay)
    moved = {k: v for k, v in dated.school_parts_on(month.start).items() if k in apart}

    # Schools -------------------------------------------------------------------
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    # Each statement is compiled once per process for what it is built from
    # (core.rawsql.kept_rows): the scope, the grouping, the dates and the moved schools.
    moved_ids, apart_ids = tuple(sorted(moved)), tuple(sorted(apart))

    def school_rows() -> Any:
        schools = scope.schools().order_by()
        if moved_ids:
            schools = schools.exclude(pk__in=moved_ids)
        due_q = owes_self_inspection_q(month.start)
        if grouping == SCHOOL:
            return schools.annotate(
                due=Count("pk", filter=due_q)  # one row per school: 1 or 0
            ).values("pk", "name", "is_active", "due")
        if grouping == TOWNSHIP:
            return schools.values(school_key).annotate(
                n=Count("pk", filter=Q(is_active=True)),
                due=Count("pk", filter=due_q),
                name=Max("township__name"),
                sort=Max("township__sort_order"),
            )
        return schools.values(school_key).annotate(
            n=Count("pk", filter=Q(is_active=True)), due=Count("pk", filter=due_q)
        )

    rows = kept_rows(scope.statement_key("units.schools", grouping, month, moved_ids), school_rows)
    shown: set[str] = set(parts)
    for r in rows:
        key = part(r[school_key])
        if key is None:
            continue
        counts[key]["due"] += r["due"]
        if grouping == SCHOOL:
            counts[key]["schools"] += 1 if r["is_active"] else 0
            parts.setdefault(key, Unit(key, r["name"], {"school": str(r["pk"])}))
            order[key] = (0 if r["is_active"] else 1, r["name"], r["pk"])  # closed ones last
            if r["is_active"]:
                shown.add(key)
            continue
        counts[key]["schools"] += r["n"]
        shown.add(key)
        if grouping == TOWNSHIP and key != "direct":
            parts.setdefault(key, Unit(key, r["name"], {"township": str(r[school_key])}))
            order[key] = (0, r["sort"] or 0, r[school_key])

    if moved:
        _count_moved_schools(
            moved,
            month=month,
            counts=counts,
            shown=shown,
            parts=parts,
            order=order,
            part=part_of_stay,
            grouping=grouping,
        )

    # The month's self-inspections ---------------------------------------------------
    submitted = kept_rows(
        dated.statement_key("units.submitted", row_key, month, apart_ids),
        lambda: (
            dated.rows(Inspection, active=True)
            .filter(kind=InspectionKind.SELF, status=InspectionStatus.SUBMITTED, period=month.start)
            # Not due before the school's bureau went live (before_go_live_q for one month): a
            # subquery over the schools of bureaus not live yet, usually none, rather than a
            # join of every inspection to its school and bureau.
            .exclude(
                school_id__in=School.objects.filter(bureau__go_live__gt=month.start).values("pk")
            )
            .values(unit=dated.part_key(Inspection, row_key, only=set(apart_ids)))
            .annotate(
                n=Count("pk"), on_time=Count("pk", filter=Q(submitted_at__date__lte=F("due_on")))
            )
            .order_by()
        ),
    )
    for r in submitted:
        key = part(r["unit"])
        if key is not None:
            counts[key]["submitted"] += r["n"]
            counts[key]["on_time"] += r["on_time"]

    # Hazards: found in the period (closed by its end), unresolved and overdue now ---
    in_period = found_q(period)
    unresolved = Q(status__in=UNRESOLVED_STATUSES)
    measures = {
        "found": Count("pk", filter=in_period),
        "closed": Count("pk", filter=in_period & closed),
        "unresolved": Count("pk", filter=unresolved),
        "overdue": Count("pk", filter=overdue_q(today)),
    }
    hazards: list[dict[str, Any]]
    if not moved:  # one scan for both
        hazards = kept_rows(
            scope.statement_key("units.hazards", row_key, period, today),
            lambda: (
                scope.rows(Hazard)
                .filter(in_period | unresolved)
                .values(unit=F(row_key))
                .annotate(**measures)
                .order_by()
            ),
        )
    else:
        hazards = [
            *kept_rows(
                dated.statement_key("units.hazards_found", row_key, period, apart_ids),
                lambda: (
                    dated.rows(Hazard)
                    .filter(in_period)
                    .values(unit=dated.part_key(Hazard, row_key, only=set(apart_ids)))
                    .annotate(found=measures["found"], closed=measures["closed"])
                    .order_by()
                ),
            ),
            *kept_rows(
                now.statement_key("units.hazards_open", row_key, today),
                lambda: (
                    now.rows(Hazard)
                    .filter(unresolved)
                    .values(unit=F(row_key))
                    .annotate(unresolved=measures["unresolved"], overdue=measures["overdue"])
                    .order_by()
                ),
            ),
        ]
    for r in hazards:
        r = {m: 0 for m in measures} | r
        key = part(r["unit"])
        if key is None:
            continue
        for measure in ("found", "closed", "unresolved", "overdue"):
            counts[key][measure] += r[measure]
        if any(r[m] for m in ("found", "unresolved")):
            shown.add(key)

    if "direct" in counts or "direct" in shown:
        # A city's own schools are its 市直 (bureau=…&direct=1); a county runs every one
        # of its schools, and those outside a township have no filter of their own.
        params = direct_params if grouping == BUREAU else None
        parts["direct"] = Unit("direct", direct_name, params, direct=True)
        order["direct"] = (1,)
    keys = sorted((k for k in parts if k in shown or grouping == BUREAU), key=lambda k: order[k])
    units = tuple(
        Unit(
            parts[k].key,
            parts[k].name,
            parts[k].params,
            direct=parts[k].direct,
            **{m: counts[k][m] for m in MEASURES},
        )
        for k in keys
    )
    return Units(
        grouping=grouping,
        heading=heading,
        period=period,
        month=month,
        rows=units,
        total=_total(units),
        top_id=scope.bureau.pk if scope.bureau is not None else None,
        children=tuple(
            (f"bureau:{b['pk']}", b["path"])
            for b in (bureaus or [])
            if grouping == BUREAU and scope.bureau is not None and b["parent_id"] == scope.bureau.pk
        ),
    )
