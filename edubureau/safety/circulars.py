"""Circulars (通报) of an inspection campaign or of a month's self-inspections.

The content is data: :func:`circular_for_campaign` and :func:`circular_for_month`
read the record of a :class:`~edubureau.orgs.scoping.SchoolScope` (made by the
scoping door: the reader's schools, or a job's ``system_scope``) into a
:class:`CircularContent` (scope and dates, results by category, by part of the
scope and by school, overdue hazards, good practice, required rectifications with
their deadlines); :func:`circular_outline` phrases it as an official document
(:class:`~edubureau.core.officialdoc.OfficialDocument` of sections, paragraphs and
tables); :func:`edubureau.core.officialdoc.render_docx` lays it out per GB/T 9704
(tables too long or too wide for the body, such as the per-school results, go to
附件s). The ``reports`` module can reuse either level: the numbers, or the outline.

A county's circular names its schools, township by township. A city's (or a
province's) names its counties (cities) first: a table per county — schools,
self-inspections submitted and missing, hazards found, closed and overdue, the
same figures as the dashboard's per-county rows (:mod:`edubureau.safety.facts.units`)
— then the schools that did not report, county by county, and every overdue hazard
with its county and school.

Section headings carry no numbers: the renderer numbers them 一、（一）1.（1）
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone

from edubureau.core.calendar import working_days_between
from edubureau.core.facts import Period, percent
from edubureau.core.officialdoc import OfficialDocument, Section, Table
from edubureau.core.phrasing import percent_text
from edubureau.orgs.models import Bureau, BureauLevel, Role, School
from edubureau.orgs.scoping import SchoolScope, is_department_staff
from edubureau.rectification.models import (
    OPEN_STATUSES,
    UNRESOLVED_STATUSES,
    Severity,
    Status,
)
from edubureau.safety.facts.common import closed_q, found_q
from edubureau.safety.facts.units import BUREAU, CHILD_NAMES, Units, direct_label, unit_breakdown
from edubureau.safety.models import Campaign, Hazard, Inspection, InspectionKind
from edubureau.safety.models.inspections import InspectionStatus, owes_self_inspection_q
from edubureau.safety.selectors.hazards import overdue_q

# What a bureau calls its whole area in a circular.
REGION_WORDS: dict[str, str] = {
    BureauLevel.PROVINCE.value: "全省",
    BureauLevel.CITY.value: "全市",
    BureauLevel.COUNTY.value: "全县",
}


def can_download_circulars(user: Any) -> bool:
    """Circulars name every school of their scope: the safety department's staff and
    the bureau leaders download them."""
    return is_department_staff(user, Hazard.owner_department_code) or (
        getattr(user, "role", None) == Role.BUREAU_LEADER and user.is_active
    )


# The content ---------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryResult:
    key: str
    name: str
    found: int
    closed: int
    unresolved: int
    overdue: int
    # Of ``unresolved``: rectified by the school, waiting for the bureau's 复查.
    awaiting: int = 0


@dataclass(frozen=True)
class SchoolResult:
    school_id: int
    name: str
    township: str
    inspection: str  # 已检查 / 按时报送 / 逾期报送 / 未报送 …
    inspected_on: date | None
    found: int
    unresolved: int
    overdue: int
    closed: int = 0
    part: str = ""  # the county (city) of a circular split by bureau


@dataclass(frozen=True)
class PartResult:
    """One county (or city, or the 市直 schools) of a circular split by bureau.

    Month circular: ``done`` self-inspections submitted (``on_time`` of them on time);
    hazards found in the month, ``closed`` of them by the circular's date, and every
    hazard of the part overdue that day. Campaign circular: ``done`` schools inspected;
    hazards the campaign found, and those of them unresolved and overdue."""

    name: str
    schools: int
    done: int
    on_time: int
    found: int
    closed: int
    unresolved: int
    overdue: int
    missing_schools: tuple[str, ...] = ()

    @property
    def missing(self) -> int:
        return max(self.schools - self.done, 0)

    @property
    def rectification_rate(self) -> Any:
        return percent(self.closed, self.found)


@dataclass(frozen=True)
class HazardLine:
    hazard_id: int
    school: str
    category: str
    description: str
    location: str
    severity: str
    status: str
    plan: str
    deadline: date | None
    responsible: str
    working_days_overdue: int = 0
    part: str = ""  # the county (city) of a circular split by bureau


@dataclass(frozen=True)
class CircularContent:
    kind: str  # "campaign" | "month" | "feedback"
    title: str
    issuer: str
    recipients: str
    period: Period
    subject: str  # "2026年春季开学安全专项检查" / "2026年3月学校安全隐患月度自查"
    schools_total: int
    schools_inspected: int
    schools_on_time: int  # month: self-inspections filed on time; campaign: = inspected
    found: int
    closed: int
    unresolved: int
    overdue: int
    by_category: tuple[CategoryResult, ...]
    by_school: tuple[SchoolResult, ...]
    overdue_hazards: tuple[HazardLine, ...]
    requirements: tuple[HazardLine, ...]
    good_practice: tuple[str, ...]
    dated: date
    missing_schools: tuple[str, ...] = field(default=())
    # Of ``unresolved``: rectified, waiting for the bureau's 复查.
    awaiting: int = 0
    # Feedback to one school: every hazard the check found there, whatever its state.
    found_hazards: tuple[HazardLine, ...] = field(default=())
    # A circular of a bureau with bureaus below it: one line per county (city), and
    # the 市直 schools; ``part_heading`` names the column (县（区）, 市).
    by_part: tuple[PartResult, ...] = field(default=())
    part_heading: str = ""
    region: str = "全县"  # 全县 / 全市 / 全省

    @property
    def rectification_rate(self) -> Any:
        return percent(self.closed, self.found)

    @property
    def split_by_part(self) -> bool:
        return bool(self.part_heading)


# Reading the record ------------------------------------------------------------


def _by_category(hazards: QuerySet[Hazard], today: date, closed: Q) -> tuple[CategoryResult, ...]:
    rows = (
        hazards.values("category_key")
        .annotate(
            name=Max("category__name"),
            order=Max("category__sort_order"),
            found=Count("pk"),
            closed=Count("pk", filter=closed),
            unresolved=Count("pk", filter=Q(status__in=UNRESOLVED_STATUSES)),
            awaiting=Count("pk", filter=Q(status=Status.RECTIFIED)),
            overdue=Count("pk", filter=overdue_q(today)),
        )
        .order_by("-found", "order", "category_key")
    )
    return tuple(
        CategoryResult(
            key=r["category_key"],
            name=r["name"] or r["category_key"],
            found=r["found"],
            closed=r["closed"],
            unresolved=r["unresolved"],
            overdue=r["overdue"],
            awaiting=r["awaiting"],
        )
        for r in rows
    )


def _per_school(hazards: QuerySet[Hazard], today: date, closed: Q) -> dict[int, dict[str, int]]:
    """Per school: found, closed (``closed``: the one rule, :func:`closed_q`), open and
    overdue."""
    return {
        r["school_id"]: r
        for r in hazards.values("school_id")
        .annotate(
            found=Count("pk"),
            closed=Count("pk", filter=closed),
            unresolved=Count("pk", filter=Q(status__in=UNRESOLVED_STATUSES)),
            overdue=Count("pk", filter=overdue_q(today)),
        )
        .order_by()
    }


def _line(h: Hazard, today: date, part: str = "") -> HazardLine:
    overdue = bool(h.deadline and h.deadline < today and h.status in OPEN_STATUSES)
    return HazardLine(
        hazard_id=h.pk,
        school=h.school.name,
        category=h.category.name,
        description=h.description,
        location=h.location,
        severity=h.get_severity_display(),
        status=h.get_status_display(),
        plan=h.get_plan_kind_display() if h.plan_kind else "待制定整改方案",
        deadline=h.deadline,
        responsible=h.responsible_person,
        working_days_overdue=working_days_between(h.deadline, today) if overdue else 0,  # type: ignore[arg-type]
        part=part,
    )


_HAZARD_RELATED = ("school__bureau", "category")


def _overdue_lines(
    hazards: QuerySet[Hazard], today: date, part_of: Callable[[Hazard], str]
) -> tuple[HazardLine, ...]:
    rows = (
        hazards.filter(overdue_q(today))
        .select_related(*_HAZARD_RELATED)
        .order_by("deadline", "school__name", "pk")
    )
    return tuple(_line(h, today, part_of(h)) for h in rows)


def _requirement_lines(
    hazards: QuerySet[Hazard], today: date, part_of: Callable[[Hazard], str]
) -> tuple[HazardLine, ...]:
    """Hazards still to be rectified (reported or planned), soonest deadline first."""
    rows = (
        hazards.filter(status__in=OPEN_STATUSES)
        .select_related(*_HAZARD_RELATED)
        .order_by(F("deadline").asc(nulls_last=True), "school__name", "pk")
    )
    return tuple(_line(h, today, part_of(h)) for h in rows)


def _totals(cats: tuple[CategoryResult, ...]) -> dict[str, int]:
    return {
        "found": sum(c.found for c in cats),
        "closed": sum(c.closed for c in cats),
        "unresolved": sum(c.unresolved for c in cats),
        "awaiting": sum(c.awaiting for c in cats),
        "overdue": sum(c.overdue for c in cats),
    }


def _no_part(school: School) -> str:
    return ""


@dataclass(frozen=True)
class _Parts:
    """How a circular's schools split into the parts of its issuing bureau."""

    heading: str  # "" when the circular is not split by bureau
    names: dict[str, str]  # part key → name, in order
    # The part a school belongs to now (day None) or belonged to on a day.
    key_of: Callable[[School, date | None], str | None]

    def name_of(self, school: School, day: date | None = None) -> str:
        key = self.key_of(school, day)
        return self.names.get(key, "") if key is not None else ""

    def now(self, hazard: Hazard) -> str:
        """The part that chases the hazard: its school's now."""
        return self.name_of(hazard.school)

    def when_reported(self, hazard: Hazard) -> str:
        """The part the hazard was found in: its school's on the day it was reported."""
        return self.name_of(hazard.school, hazard.reported_on)


def _no_parts() -> _Parts:
    return _Parts("", {}, lambda school, day: None)


def _parts_of(units: Units | None, dated: SchoolScope) -> _Parts:
    """The parts of a circular split by bureau: a moved school's records of a day are
    named by the part it belonged to that day, as the figures count them (orgs.moves)."""
    if units is None or units.grouping != BUREAU:
        return _no_parts()

    def key_of(school: School, day: date | None) -> str | None:
        return units.key_for(school, dated.stay_on(school.pk, day) if day else None)

    return _Parts(units.heading, {u.key: u.name for u in units.rows}, key_of)


def _recipients(bureau: Bureau | None, parts: _Parts) -> str:
    if not parts.heading or bureau is None:
        return "各中小学、幼儿园"
    text = f"各{parts.heading}教育局"
    if "direct" in parts.names:
        text += f"，{direct_label(bureau.level)}各学校"
    return text


def circular_for_campaign(
    *, campaign: Campaign, scope: SchoolScope, today: date | None = None
) -> CircularContent:
    """The circular of one campaign over the schools of ``scope`` it covers (what the
    reader may see): their inspections and the hazards those found. A campaign of a
    bureau with bureaus below it (a city's 专项检查 across counties) is also counted
    county by county."""
    today = today or timezone.localdate()
    covered = (
        campaign.schools.filter(pk__in=scope.schools().order_by().values("pk"))
        .select_related("township", "bureau")
        .order_by("bureau__path", "township__sort_order", "township_id", "name")
    )
    schools = list(covered)
    ids = [s.pk for s in schools]
    hazards = scope.rows(Hazard).filter(inspection__campaign=campaign, school_id__in=ids)
    inspections = {
        r["school_id"]: r
        for r in scope.rows(Inspection)
        .filter(campaign=campaign, school_id__in=ids)
        .values("school_id", "inspected_on", "status")
        .order_by()
    }
    parts = _campaign_parts(campaign.bureau, schools)
    # A campaign's hazards have no period of their own: closed by the circular's day.
    closed = closed_q(Period(campaign.starts_on, max(today, campaign.starts_on), ""))
    per_school = _per_school(hazards, today, closed)
    cats = _by_category(hazards, today, closed)
    totals = _totals(cats)
    results = _school_results(
        schools, inspections, per_school, status=_campaign_status, part_of=parts.name_of
    )
    if parts.heading:
        # County by county, in the order of the per-county table.
        order = list(parts.names.values())
        results.sort(key=lambda r: order.index(r.part) if r.part in order else len(order))
    inspected = sum(1 for r in results if r.inspected_on is not None)
    period = Period(
        campaign.starts_on,
        campaign.ends_on,
        f"{_d(campaign.starts_on)}至{_d(campaign.ends_on)}",
    )
    return CircularContent(
        kind="campaign",
        title=f"关于{campaign.name}情况的通报",
        issuer=campaign.bureau.name,
        recipients=_recipients(campaign.bureau, parts),
        period=period,
        subject=campaign.name,
        schools_total=len(results),
        schools_inspected=inspected,
        schools_on_time=inspected,
        found=totals["found"],
        closed=totals["closed"],
        unresolved=totals["unresolved"],
        awaiting=totals["awaiting"],
        overdue=totals["overdue"],
        by_category=cats,
        by_school=tuple(results),
        overdue_hazards=_overdue_lines(hazards, today, parts.now),
        requirements=_requirement_lines(hazards, today, parts.now),
        good_practice=tuple(p.strip() for p in campaign.good_practice.splitlines() if p.strip()),
        dated=today,
        missing_schools=tuple(r.name for r in results if r.inspected_on is None),
        by_part=_campaign_part_results(parts, results),
        part_heading=parts.heading,
        region=REGION_WORDS.get(str(campaign.bureau.level), "全县"),
    )


def _campaign_parts(issuer: Bureau, schools: list[School]) -> _Parts:
    """A campaign's schools split by the bureaus directly below its issuer, when they
    belong to more than one (one query for the names of those bureaus)."""
    child_of: dict[int, int | None] = {}
    for school in schools:
        ids = [int(p) for p in school.bureau.path.strip("/").split("/") if p]
        below = ids[ids.index(issuer.pk) + 1 :] if issuer.pk in ids else []
        child_of[school.pk] = below[0] if below else None
    keys = {child_of[s.pk] for s in schools}
    if not any(k is not None for k in keys) or len(keys) < 2:
        return _no_parts()
    children = list(
        Bureau.objects.filter(pk__in=[k for k in keys if k is not None]).order_by(
            "region_code", "pk"
        )
    )
    names = {f"bureau:{b.pk}": b.display_name for b in children}
    if None in keys:
        names["direct"] = direct_label(issuer.level)
    heading = CHILD_NAMES.get(children[0].level if children else "", "下级教育局")

    def key_of(school: School, day: date | None) -> str | None:
        # A campaign's schools are the ones it names now, wherever they were.
        child = child_of.get(school.pk)
        return f"bureau:{child}" if child is not None else "direct"

    return _Parts(heading, names, key_of)


def _campaign_part_results(parts: _Parts, results: list[SchoolResult]) -> tuple[PartResult, ...]:
    if not parts.heading:
        return ()
    by_name: dict[str, list[SchoolResult]] = defaultdict(list)
    for r in results:
        by_name[r.part].append(r)
    return tuple(
        PartResult(
            name=name,
            schools=len(rows),
            done=sum(1 for r in rows if r.inspected_on is not None),
            on_time=sum(1 for r in rows if r.inspected_on is not None),
            found=sum(r.found for r in rows),
            closed=sum(r.closed for r in rows),
            unresolved=sum(r.unresolved for r in rows),
            overdue=sum(r.overdue for r in rows),
            missing_schools=tuple(r.name for r in rows if r.inspected_on is None),
        )
        for name in parts.names.values()
        if (rows := by_name.get(name))
    )


def campaign_feedback(
    *, campaign: Campaign, scope: SchoolScope, today: date | None = None
) -> CircularContent:
    """The campaign's feedback to one school of its scope (检查情况反馈): the circular's
    content read for that school alone (``scope``: one school, ``scope_for(user,
    school=…)``), plus every hazard the check found there. It names no other school,
    so the school itself may have it."""
    school = scope.school
    if scope.kind != "school" or school is None:
        raise ValueError("a campaign's feedback is read for one school")
    today = today or timezone.localdate()
    content = circular_for_campaign(campaign=campaign, scope=scope, today=today)
    found = (
        scope.rows(Hazard)
        .filter(inspection__campaign=campaign)
        .select_related(*_HAZARD_RELATED)
        .order_by("category__sort_order", "reported_on", "pk")
    )
    return replace(
        content,
        kind="feedback",
        title=f"{campaign.name}检查情况反馈",
        recipients=school.name,
        found_hazards=tuple(_line(h, today) for h in found),
        by_part=(),
        part_heading="",
    )


def _school_results(
    scope: Iterable[School],
    inspections: Mapping[int, dict[str, Any]],
    per_school: Mapping[int, Mapping[str, int]],
    *,
    status: Callable[[dict[str, Any] | None], str],
    part_of: Callable[[School], str] = _no_part,
) -> list[SchoolResult]:
    """One line per school of the scope: its inspection's status and its hazard counts."""
    results = []
    for school in scope:
        row = inspections.get(school.pk)
        counts = per_school.get(school.pk, {})
        results.append(
            SchoolResult(
                school_id=school.pk,
                name=school.name,
                township=school.area_name,
                inspection=status(row),
                inspected_on=row["inspected_on"] if row else None,
                found=counts.get("found", 0),
                unresolved=counts.get("unresolved", 0),
                overdue=counts.get("overdue", 0),
                closed=counts.get("closed", 0),
                part=part_of(school),
            )
        )
    return results


def _campaign_status(row: dict[str, Any] | None) -> str:
    if row is None:
        return "未检查"
    if row["status"] == InspectionStatus.SUBMITTED:
        return "已检查"
    return f"检查中（{InspectionStatus(row['status']).label}）"


def circular_for_month(
    *,
    scope: SchoolScope,
    month: date,
    today: date | None = None,
    good_practice: str = "",
) -> CircularContent:
    """The circular of one month, written by the scope's bureau: self-inspections filed
    (on time, late, missing) by the active schools of ``scope``, hazards found that
    month, and every hazard overdue now. A city's (a province's) is also counted county
    by county (city by city), with the dashboard's per-county figures."""
    today = today or timezone.localdate()
    period = Period.month(month.year, month.month)
    bureau = scope.bureau
    units = unit_breakdown(scope=scope, period=period, month=period, today=today)
    # The month's figures count a moved school where it was that month; the overdue
    # hazards are chased where the school is now (orgs.moves).
    dated, now = scope.by_record_date(), scope.as_now()
    parts = _parts_of(units, dated)
    schools = list(
        dated.schools_on(period.start)
        # A bureau that went live after the month began owed no self-inspection for it.
        .filter(owes_self_inspection_q(period.start))
        .select_related("township", "bureau")
        .order_by("bureau__path", "township__sort_order", "township_id", "name")
    )
    found = dated.rows(Hazard).filter(found_q(period))
    inspections = {
        r["school_id"]: r
        for r in dated.rows(Inspection, active=True)
        .filter(kind=InspectionKind.SELF, period=period.start)
        .values("school_id", "inspected_on", "status", "submitted_at", "due_on")
        .order_by()
    }
    per_school = _per_school(found, today, closed_q(period))
    cats = _by_category(found, today, closed_q(period))
    totals = _totals(cats)
    results = _school_results(
        schools,
        inspections,
        per_school,
        status=_self_status,
        part_of=lambda school: parts.name_of(school, period.start),
    )
    submitted = [r for r in results if r.inspection in ("按时报送", "逾期报送")]
    missing = tuple(r.name for r in results if r.inspection not in ("按时报送", "逾期报送"))
    requirements = found
    if parts.heading:
        # Above the county, the circular lists the 较大 and 重大 hazards; the counties
        # see to the 一般 ones.
        requirements = found.filter(severity__in=[Severity.MAJOR, Severity.CRITICAL])
    return CircularContent(
        kind="month",
        title=f"关于{period.label}学校安全隐患排查整改情况的通报",
        issuer=bureau.name if bureau is not None else "",
        recipients=_recipients(bureau, parts),
        period=period,
        subject=f"{period.label}学校安全隐患月度自查",
        schools_total=len(results),
        schools_inspected=len(submitted),
        schools_on_time=sum(1 for r in submitted if r.inspection == "按时报送"),
        found=totals["found"],
        closed=totals["closed"],
        unresolved=totals["unresolved"],
        awaiting=totals["awaiting"],
        overdue=totals["overdue"],
        by_category=cats,
        by_school=tuple(results),
        overdue_hazards=_overdue_lines(now.rows(Hazard), today, parts.now),
        requirements=_requirement_lines(requirements, today, parts.when_reported),
        good_practice=tuple(p.strip() for p in good_practice.splitlines() if p.strip()),
        dated=today,
        missing_schools=missing,
        by_part=_month_part_results(units, parts, results),
        part_heading=parts.heading,
        region=REGION_WORDS.get(str(bureau.level), "全县") if bureau is not None else "全县",
    )


def _month_part_results(
    units: Units | None, parts: _Parts, results: list[SchoolResult]
) -> tuple[PartResult, ...]:
    if units is None or not parts.heading:
        return ()
    missing: dict[str, list[str]] = defaultdict(list)
    for r in results:
        if r.inspection not in ("按时报送", "逾期报送"):
            missing[r.part].append(r.name)
    return tuple(
        PartResult(
            name=u.name,
            schools=u.due,
            done=u.submitted,
            on_time=u.on_time,
            found=u.found,
            closed=u.closed,
            unresolved=u.unresolved,
            overdue=u.overdue,
            missing_schools=tuple(missing.get(u.name, ())),
        )
        for u in units.rows
    )


def _self_status(row: dict[str, Any] | None) -> str:
    if row is None:
        return "未报送"
    if row["status"] != InspectionStatus.SUBMITTED:
        return f"未报送（{InspectionStatus(row['status']).label}）"
    submitted_at, due_on = row["submitted_at"], row["due_on"]
    if submitted_at and due_on and timezone.localdate(submitted_at) > due_on:
        return "逾期报送"
    return "按时报送"


# Phrasing ------------------------------------------------------------------------


def _d(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "—"


def _pct(value: Any) -> str:
    return percent_text(value)


def circular_outline(content: CircularContent) -> OfficialDocument:
    """The circular as a document tree, in the register of seed 004 篇五."""
    c = content
    if c.kind == "feedback":
        return _feedback_outline(c)
    if c.kind == "campaign":
        opening = (
            f"{c.period.label}，{c.issuer}组织开展了{c.subject}，"
            f"对{c.schools_total}所学校（幼儿园）进行了检查。现将检查情况通报如下：",
        )
        basic: tuple[str, ...] = (
            f"本次检查应检查学校{c.schools_total}所，已完成检查{c.schools_inspected}所。"
            f"共{_results(c)}",
        )
    else:
        opening = (
            "按照学校安全隐患排查整改长效机制要求，各学校（幼儿园）每月对照《校园安全隐患排查指南》"
            f"开展自查。现将{c.period.label}排查整改情况通报如下：",
        )
        region = c.region if c.split_by_part else ""
        basic = (
            f"{c.period.label}{region}应报送月度自查学校{c.schools_total}所，"
            f"已报送{c.schools_inspected}所，其中按时报送{c.schools_on_time}所，"
            f"按时报送率{_pct(percent(c.schools_on_time, c.schools_total))}；"
            f"未报送{c.schools_total - c.schools_inspected}所。"
            f"本月共排查{_results(c)}",
        )
    if c.split_by_part:
        basic += _part_summary(c)
    elif c.missing_schools:
        basic += (
            ("未完成检查的学校：" if c.kind == "campaign" else "未按要求报送的学校：")
            + "、".join(c.missing_schools)
            + "。",
        )
    by_category = Table(
        headers=("隐患类别", "发现", "已销号", "未整改完成", "逾期"),
        rows=(
            *(
                (r.name, str(r.found), str(r.closed), str(r.unresolved), str(r.overdue))
                for r in c.by_category
            ),
            ("合计", str(c.found), str(c.closed), str(c.unresolved), str(c.overdue)),
        ),
    )
    top = [r for r in c.by_category if r.found][:3]
    found_text = (
        "隐患较多的类别依次为" + "、".join(f"{r.name}{r.found}个" for r in top) + "。"
        if top
        else "未发现安全隐患。"
    )
    problems = [Section("隐患类别分布", paragraphs=(found_text,), tables=(by_category,))]
    if not c.split_by_part or c.kind == "campaign":
        problems.append(
            Section(
                "各校检查情况" if c.kind == "campaign" else "各校自查情况",
                paragraphs=_problem_schools(c),
                tables=(_school_table(c),),
            )
        )
    sections = [Section("基本情况", paragraphs=basic)]
    if c.split_by_part:
        sections.append(_parts_section(c))
    sections.append(Section("检查发现的问题", children=tuple(problems)))
    if c.split_by_part and c.missing_schools:
        sections.append(_missing_section(c))
    sections.append(_overdue_section(c))
    if c.good_practice:
        sections.append(Section("好的做法", paragraphs=c.good_practice))
    sections.append(_requirements_section(c))
    return _document(c, opening, sections)


# Names listed in a sentence before "等N所": the full table (an attachment when it is
# long) has the rest.
LISTED_SCHOOLS = 30


def _named(rows: list[SchoolResult], count: Callable[[SchoolResult], int]) -> str:
    names = "、".join(f"{r.name}（{count(r)}个）" for r in rows[:LISTED_SCHOOLS])
    more = f"等{len(rows)}所" if len(rows) > LISTED_SCHOOLS else ""
    return names + more


def _problem_schools(c: CircularContent) -> tuple[str, ...]:
    """The schools with problems, named in the body, so that a reader of a circular
    whose per-school table went to an attachment (a city's 2,000 schools) still sees
    who must act: overdue hazards first, then hazards not yet rectified."""
    overdue = sorted((r for r in c.by_school if r.overdue), key=lambda r: (-r.overdue, r.name))
    pending = sorted(
        (r for r in c.by_school if r.unresolved and not r.overdue),
        key=lambda r: (-r.unresolved, r.name),
    )
    out = []
    if overdue:
        out.append(f"存在逾期未整改隐患的学校：{_named(overdue, lambda r: r.overdue)}。")
    if pending:
        out.append(f"尚有隐患未整改完成的学校：{_named(pending, lambda r: r.unresolved)}。")
    if not out:
        out.append("各校检查发现的隐患均已整改销号。" if c.found else "各校均未发现安全隐患。")
    return tuple(out)


def _school_table(c: CircularContent) -> Table:
    part = (c.part_heading,) if c.split_by_part else ()
    return Table(
        headers=(
            *part,
            "学校",
            "乡镇（街道）",
            "检查情况",
            "检查日期",
            "发现隐患",
            "未整改完成",
            "逾期",
        ),
        rows=tuple(
            (
                *((r.part,) if c.split_by_part else ()),
                r.name,
                r.township,
                r.inspection,
                f"{r.inspected_on:%Y-%m-%d}" if r.inspected_on else "—",
                str(r.found),
                str(r.unresolved),
                str(r.overdue),
            )
            for r in c.by_school
        ),
    )


def _part_summary(c: CircularContent) -> tuple[str, ...]:
    """Which counties (cities) lag: most schools missing, most hazards overdue."""
    out = []
    lagging = sorted((p for p in c.by_part if p.missing), key=lambda p: -p.missing)
    if lagging:
        listed = "、".join(f"{p.name}{p.missing}所" for p in lagging)
        verb = "未完成检查" if c.kind == "campaign" else "未报送月度自查"
        out.append(f"{verb}的学校分布在：{listed}。")
    overdue = sorted((p for p in c.by_part if p.overdue), key=lambda p: -p.overdue)
    if overdue:
        listed = "、".join(f"{p.name}{p.overdue}个" for p in overdue)
        out.append(f"逾期未整改隐患分布在：{listed}。")
    return tuple(out)


def _parts_section(c: CircularContent) -> Section:
    heading = c.part_heading
    if c.kind == "campaign":
        table = Table(
            headers=(
                heading,
                "检查学校",
                "已检查",
                "未检查",
                "发现隐患",
                "已销号",
                "未整改完成",
                "逾期",
            ),
            rows=(
                *(
                    (
                        p.name,
                        str(p.schools),
                        str(p.done),
                        str(p.missing),
                        str(p.found),
                        str(p.closed),
                        str(p.unresolved),
                        str(p.overdue),
                    )
                    for p in c.by_part
                ),
                (
                    "合计",
                    str(c.schools_total),
                    str(c.schools_inspected),
                    str(c.schools_total - c.schools_inspected),
                    str(c.found),
                    str(c.closed),
                    str(c.unresolved),
                    str(c.overdue),
                ),
            ),
        )
        return Section(f"各{heading}检查情况", tables=(table,))
    rows = tuple(
        (
            p.name,
            str(p.schools),
            str(p.done),
            str(p.missing),
            str(p.found),
            str(p.closed),
            _pct(p.rectification_rate),
            str(p.overdue),
        )
        for p in c.by_part
    )
    total = (
        "合计",
        str(sum(p.schools for p in c.by_part)),
        str(sum(p.done for p in c.by_part)),
        str(sum(p.missing for p in c.by_part)),
        str(sum(p.found for p in c.by_part)),
        str(sum(p.closed for p in c.by_part)),
        _pct(percent(sum(p.closed for p in c.by_part), sum(p.found for p in c.by_part))),
        str(sum(p.overdue for p in c.by_part)),
    )
    table = Table(
        headers=(
            heading,
            "学校数",
            "已报送自查",
            "未报送自查",
            "本月发现隐患",
            "已整改销号",
            "整改率",
            "逾期未整改",
        ),
        rows=(*rows, total),
    )
    note = (
        f"逾期未整改为截至{_d(c.dated)}超过整改期限仍未整改的全部隐患；"
        "已整改销号为本月发现的隐患中截至同日已销号的。"
    )
    return Section(f"各{heading}情况", paragraphs=(note,), tables=(table,))


def _missing_section(c: CircularContent) -> Section:
    lines = tuple(
        f"{p.name}（{len(p.missing_schools)}所）：{'、'.join(p.missing_schools)}。"
        for p in c.by_part
        if p.missing_schools
    )
    heading = "未完成检查的学校" if c.kind == "campaign" else "未按要求报送月度自查的学校"
    return Section(heading, paragraphs=lines)


def _feedback_outline(c: CircularContent) -> OfficialDocument:
    """The feedback to one school: its own results, the hazards found, what to do."""
    school = c.by_school[0] if c.by_school else None
    opening = (
        f"{c.period.label}，{c.issuer}开展{c.subject}。现将对你校（园）的检查情况反馈如下：",
    )
    if school is None or school.inspected_on is None:
        basic: tuple[str, ...] = (
            f"你校（园）在本次检查范围内，截至{_d(c.dated)}，检查组尚未完成对你校（园）的检查。",
        )
    else:
        basic = (f"检查组于{_d(school.inspected_on)}对你校（园）进行了检查，共{_results(c)}",)
    found = Table(
        headers=("隐患类别", "隐患", "等级", "状态", "整改期限"),
        rows=tuple(
            (
                h.category,
                h.description + (f"（{h.location}）" if h.location else ""),
                h.severity,
                h.status,
                _d(h.deadline) if h.deadline else "待定",
            )
            for h in c.found_hazards
        ),
    )
    sections = [Section("基本情况", paragraphs=basic)]
    if c.found_hazards:
        sections.append(Section("检查发现的问题", tables=(found,)))
    sections += [_overdue_section(c), _requirements_section(c)]
    return _document(c, opening, sections)


def _results(c: CircularContent) -> str:
    """The hazard figures of every kind of circular, after "共" / "本月共排查"."""
    text = f"发现安全隐患{c.found}个，已整改销号{c.closed}个，整改率{_pct(c.rectification_rate)}"
    if c.found == c.closed:
        return text + "。"
    # The parts of 未销号 are named, so that the figures add up: still being rectified
    # (with the overdue among them), rectified and waiting for 复查, and passed 复查 but
    # not yet closed.
    being_rectified = c.unresolved - c.awaiting
    verified = max(c.found - c.closed - c.unresolved, 0)
    parts = []
    if being_rectified:
        overdue = f"（含逾期未整改{c.overdue}个）" if c.overdue else ""
        parts.append(f"尚未整改完成{being_rectified}个{overdue}")
    if c.awaiting:
        parts.append(f"已整改待复查{c.awaiting}个")
    if verified:
        parts.append(f"复查通过待销号{verified}个")
    listed = "，其中" + "、".join(parts) if parts else ""
    return text + f"；未销号{c.found - c.closed}个{listed}。"


def _document(
    c: CircularContent, opening: tuple[str, ...], sections: list[Section]
) -> OfficialDocument:
    # No 版头: the platform knows no 发文字号; the bureau issues the circular under its
    # own red header when it adopts it.
    return OfficialDocument(
        title=c.title,
        issuer=c.issuer,
        dated=c.dated,
        recipients=f"{c.recipients}：",
        opening=opening,
        sections=tuple(sections),
        closing=("特此反馈。",) if c.kind == "feedback" else ("特此通报。",),
    )


def _described(h: HazardLine) -> str:
    return h.description + (f"（{h.location}）" if h.location else "")


def _overdue_section(c: CircularContent) -> Section:
    if not c.overdue_hazards:
        return Section("逾期未整改隐患", paragraphs=(f"截至{_d(c.dated)}，无逾期未整改隐患。",))
    part = (c.part_heading,) if c.split_by_part else ()
    return Section(
        "逾期未整改隐患",
        paragraphs=(
            f"截至{_d(c.dated)}，共有{len(c.overdue_hazards)}个隐患超过整改期限仍未整改，予以通报：",
        ),
        tables=(
            Table(
                headers=(
                    *part,
                    "学校",
                    "隐患类别",
                    "隐患描述",
                    "等级",
                    "整改期限",
                    "逾期（工作日）",
                ),
                rows=tuple(
                    (
                        *((h.part,) if c.split_by_part else ()),
                        h.school,
                        h.category,
                        _described(h),
                        h.severity,
                        _d(h.deadline),
                        str(h.working_days_overdue),
                    )
                    for h in c.overdue_hazards
                ),
            ),
        ),
    )


def _requirements_section(c: CircularContent) -> Section:
    who, what = ("你校（园）", "本反馈") if c.kind == "feedback" else ("各学校", "本通报")
    general = []
    if c.split_by_part:
        general.append(
            f"各{c.part_heading}教育局要督促所属学校对{what}指出的问题逐项整改，"
            "对逾期未整改的隐患挂牌督办，整改情况按月报送。"
        )
    general += [
        f"{who}要切实落实安全工作主体责任，对{what}指出的问题逐项建立整改台账，"
        "明确整改责任人、整改措施和整改时限，按期整改到位并在平台上传整改佐证材料，"
        "由教育局复查销号。",
        "逾期未整改的隐患，由学校主要负责人督促整改；确因客观原因暂无法整改的，"
        "须说明原因，落实临时管控措施并书面报告。",
    ]
    if c.kind == "month" and c.missing_schools:
        general.append("未按时报送月度自查的学校，须在3个工作日内补报，并说明未按时报送的原因。")
    part = (c.part_heading,) if c.split_by_part else ()
    rows = tuple(
        (
            *((h.part,) if c.split_by_part else ()),
            h.school,
            _described(h),
            h.severity,
            h.plan,
            _d(h.deadline) if h.deadline else "待定",
            h.responsible or "—",
        )
        for h in c.requirements
    )
    if rows and c.split_by_part and c.kind == "month":
        general.append("本月发现的较大、重大隐患如下，须按期整改到位：")
    tables = (
        (
            Table(
                headers=(*part, "学校", "隐患", "等级", "整改方式", "整改期限", "责任人"),
                rows=rows,
            ),
        )
        if rows
        else ()
    )
    return Section("整改要求", paragraphs=tuple(general), tables=tables)
