"""Circulars (通报) of an inspection campaign or of a month's self-inspections.

The content is data: :func:`circular_for_campaign` and :func:`circular_for_month`
read the record into a :class:`CircularContent` (scope and dates, results by
category and by school, overdue hazards, good practice, required rectifications
with their deadlines); :func:`circular_outline` phrases it as a document tree
(:class:`Document` of :class:`Section`, paragraphs and :class:`Table`); the
renderer in ``renderers/circular_docx.py`` turns the tree into a .docx. The
``reports`` module can reuse either level: the numbers, or the outline in the
official GB/T 9704 layout.

Section headings carry no numbers: the renderer numbers them 一、(一)1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone

from edubureau.core.calendar import working_days_between
from edubureau.core.facts import Period, percent, rounded
from edubureau.orgs.models import Bureau, Role, School
from edubureau.orgs.scoping import is_department_staff
from edubureau.rectification.models import OPEN_STATUSES, UNRESOLVED_STATUSES, Status
from edubureau.safety.facts import school_ids
from edubureau.safety.models import Campaign, Hazard, Inspection, InspectionKind
from edubureau.safety.models.inspections import InspectionStatus
from edubureau.safety.selectors.hazards import overdue_q


def can_download_circulars(user: Any) -> bool:
    """Circulars name every school of their scope: the safety department's staff and
    the bureau leaders download them."""
    return is_department_staff(user, Hazard.owner_department_code) or (
        getattr(user, "role", None) == Role.BUREAU_LEADER and user.is_active
    )


# The document tree -------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""


@dataclass(frozen=True)
class Section:
    """A numbered part: heading (without its number), paragraphs, tables, sub-parts."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    children: tuple[Section, ...] = ()


@dataclass(frozen=True)
class Document:
    title: str
    recipients: str  # 主送
    opening: tuple[str, ...]
    sections: tuple[Section, ...]
    issuer: str  # 落款
    dated: date  # 成文日期


# The content ---------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryResult:
    key: str
    name: str
    found: int
    closed: int
    unresolved: int
    overdue: int


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


@dataclass(frozen=True)
class CircularContent:
    kind: str  # "campaign" | "month"
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
    # Feedback to one school: every hazard the check found there, whatever its state.
    found_hazards: tuple[HazardLine, ...] = field(default=())

    @property
    def rectification_rate(self) -> Any:
        return percent(self.closed, self.found)


# Reading the record ------------------------------------------------------------


def _by_category(hazards: QuerySet[Hazard], today: date) -> tuple[CategoryResult, ...]:
    rows = (
        hazards.values("category_key")
        .annotate(
            name=Max("category__name"),
            order=Max("category__sort_order"),
            found=Count("pk"),
            closed=Count("pk", filter=Q(status=Status.CLOSED)),
            unresolved=Count("pk", filter=Q(status__in=UNRESOLVED_STATUSES)),
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
        )
        for r in rows
    )


def _per_school(hazards: QuerySet[Hazard], today: date) -> dict[int, dict[str, int]]:
    return {
        r["school_id"]: r
        for r in hazards.values("school_id")
        .annotate(
            found=Count("pk"),
            unresolved=Count("pk", filter=Q(status__in=UNRESOLVED_STATUSES)),
            overdue=Count("pk", filter=overdue_q(today)),
        )
        .order_by()
    }


def _line(h: Hazard, today: date) -> HazardLine:
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
    )


def _overdue_lines(hazards: QuerySet[Hazard], today: date) -> tuple[HazardLine, ...]:
    rows = (
        hazards.filter(overdue_q(today))
        .select_related("school", "category")
        .order_by("deadline", "school__name", "pk")
    )
    return tuple(_line(h, today) for h in rows)


def _requirement_lines(hazards: QuerySet[Hazard], today: date) -> tuple[HazardLine, ...]:
    """Hazards still to be rectified (reported or planned), soonest deadline first."""
    rows = (
        hazards.filter(status__in=OPEN_STATUSES)
        .select_related("school", "category")
        .order_by(F("deadline").asc(nulls_last=True), "school__name", "pk")
    )
    return tuple(_line(h, today) for h in rows)


def _totals(cats: tuple[CategoryResult, ...]) -> dict[str, int]:
    return {
        "found": sum(c.found for c in cats),
        "closed": sum(c.closed for c in cats),
        "unresolved": sum(c.unresolved for c in cats),
        "overdue": sum(c.overdue for c in cats),
    }


def circular_for_campaign(
    *, campaign: Campaign, schools: QuerySet[School] | None = None, today: date | None = None
) -> CircularContent:
    """The circular of one campaign: its schools (limited to ``schools`` when given:
    what the reader may see), their inspections and the hazards those found."""
    today = today or timezone.localdate()
    scope = campaign.schools.all()
    if schools is not None:
        scope = scope.filter(pk__in=school_ids(schools))
    scope = scope.select_related("township").order_by("township__sort_order", "township_id", "name")
    hazards = Hazard.objects.filter(inspection__campaign=campaign, school__in=school_ids(scope))
    inspections = {
        r["school_id"]: r
        for r in Inspection.objects.filter(campaign=campaign, school__in=school_ids(scope))
        .values("school_id", "inspected_on", "status")
        .order_by()
    }
    per_school = _per_school(hazards, today)
    cats = _by_category(hazards, today)
    totals = _totals(cats)
    results = _school_results(scope, inspections, per_school, status=_campaign_status)
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
        recipients="各中小学、幼儿园",
        period=period,
        subject=campaign.name,
        schools_total=len(results),
        schools_inspected=inspected,
        schools_on_time=inspected,
        found=totals["found"],
        closed=totals["closed"],
        unresolved=totals["unresolved"],
        overdue=totals["overdue"],
        by_category=cats,
        by_school=tuple(results),
        overdue_hazards=_overdue_lines(hazards, today),
        requirements=_requirement_lines(hazards, today),
        good_practice=tuple(p.strip() for p in campaign.good_practice.splitlines() if p.strip()),
        dated=today,
        missing_schools=tuple(r.name for r in results if r.inspected_on is None),
    )


def campaign_feedback(
    *, campaign: Campaign, school: School, today: date | None = None
) -> CircularContent:
    """The campaign's feedback to one school of its scope (检查情况反馈): the circular's
    content read for that school alone, plus every hazard the check found there.
    It names no other school, so the school itself may have it."""
    today = today or timezone.localdate()
    content = circular_for_campaign(
        campaign=campaign, schools=School.objects.filter(pk=school.pk), today=today
    )
    found = (
        Hazard.objects.filter(inspection__campaign=campaign, school=school)
        .select_related("school", "category")
        .order_by("category__sort_order", "reported_on", "pk")
    )
    return replace(
        content,
        kind="feedback",
        title=f"{campaign.name}检查情况反馈",
        recipients=school.name,
        found_hazards=tuple(_line(h, today) for h in found),
    )


def _school_results(
    scope: Iterable[School],
    inspections: Mapping[int, dict[str, Any]],
    per_school: Mapping[int, Mapping[str, int]],
    *,
    status: Callable[[dict[str, Any] | None], str],
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
            )
        )
    return results


def _campaign_status(row: dict[str, Any] | None) -> str:
    if row is None:
        return "未检查"
    if row["status"] == InspectionStatus.SUBMITTED:
        return "已检查"
    return f"检查中({InspectionStatus(row['status']).label})"


def circular_for_month(
    *,
    bureau: Bureau,
    schools: QuerySet[School],
    month: date,
    today: date | None = None,
    good_practice: str = "",
) -> CircularContent:
    """The circular of one month: self-inspections filed (on time, late, missing) by
    the active ``schools``, hazards found that month, and every hazard overdue now."""
    today = today or timezone.localdate()
    period = Period.month(month.year, month.month)
    scope = (
        schools.filter(bureau=bureau, is_active=True)
        .select_related("township")
        .order_by("township__sort_order", "township_id", "name")
    )
    in_scope = Hazard.objects.filter(school__in=school_ids(scope))
    found = in_scope.filter(reported_on__gte=period.start, reported_on__lte=period.end)
    inspections = {
        r["school_id"]: r
        for r in Inspection.objects.filter(
            school__in=school_ids(scope), kind=InspectionKind.SELF, period=period.start
        )
        .values("school_id", "inspected_on", "status", "submitted_at", "due_on")
        .order_by()
    }
    per_school = _per_school(found, today)
    cats = _by_category(found, today)
    totals = _totals(cats)
    results = _school_results(scope, inspections, per_school, status=_self_status)
    submitted = [r for r in results if r.inspection in ("按时报送", "逾期报送")]
    return CircularContent(
        kind="month",
        title=f"关于{period.label}学校安全隐患排查整改情况的通报",
        issuer=bureau.name,
        recipients="各中小学、幼儿园",
        period=period,
        subject=f"{period.label}学校安全隐患月度自查",
        schools_total=len(results),
        schools_inspected=len(submitted),
        schools_on_time=sum(1 for r in submitted if r.inspection == "按时报送"),
        found=totals["found"],
        closed=totals["closed"],
        unresolved=totals["unresolved"],
        overdue=totals["overdue"],
        by_category=cats,
        by_school=tuple(results),
        overdue_hazards=_overdue_lines(in_scope, today),
        requirements=_requirement_lines(found, today),
        good_practice=tuple(p.strip() for p in good_practice.splitlines() if p.strip()),
        dated=today,
        missing_schools=tuple(
            r.name for r in results if r.inspection not in ("按时报送", "逾期报送")
        ),
    )


def _self_status(row: dict[str, Any] | None) -> str:
    if row is None:
        return "未报送"
    if row["status"] != InspectionStatus.SUBMITTED:
        return f"未报送({InspectionStatus(row['status']).label})"
    submitted_at, due_on = row["submitted_at"], row["due_on"]
    if submitted_at and due_on and timezone.localdate(submitted_at) > due_on:
        return "逾期报送"
    return "按时报送"


# Phrasing ------------------------------------------------------------------------


def _d(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "—"


def _pct(value: Any) -> str:
    return f"{rounded(value, 1)}%" if value is not None else "—"


def circular_outline(content: CircularContent) -> Document:
    """The circular as a document tree, in the register of seed 004 篇五."""
    c = content
    if c.kind == "feedback":
        return _feedback_outline(c)
    if c.kind == "campaign":
        opening = (
            f"{c.period.label},{c.issuer}组织开展了{c.subject},"
            f"对{c.schools_total}所学校(幼儿园)进行了检查。现将检查情况通报如下:",
        )
        basic: tuple[str, ...] = (
            f"本次检查应检查学校{c.schools_total}所,已完成检查{c.schools_inspected}所。"
            f"共{_results(c)}",
        )
    else:
        opening = (
            f"按照学校安全隐患排查整改长效机制要求,各学校(幼儿园)每月对照《校园安全隐患排查指南》"
            f"开展自查。现将{c.period.label}排查整改情况通报如下:",
        )
        basic = (
            f"{c.period.label}应报送月度自查学校{c.schools_total}所,已报送{c.schools_inspected}所,"
            f"其中按时报送{c.schools_on_time}所,"
            f"按时报送率{_pct(percent(c.schools_on_time, c.schools_total))};"
            f"未报送{c.schools_total - c.schools_inspected}所。"
            f"本月共排查{_results(c)}",
        )
    if c.missing_schools:
        basic += (
            ("未完成检查的学校:" if c.kind == "campaign" else "未按要求报送的学校:")
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
    by_school = Table(
        headers=("学校", "乡镇(街道)", "检查情况", "检查日期", "发现隐患", "未整改完成", "逾期"),
        rows=tuple(
            (
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
    top = [r for r in c.by_category if r.found][:3]
    found_text = (
        "隐患较多的类别依次为" + "、".join(f"{r.name}{r.found}个" for r in top) + "。"
        if top
        else "未发现安全隐患。"
    )
    sections = [
        Section("基本情况", paragraphs=basic),
        Section(
            "检查发现的问题",
            children=(
                Section("隐患类别分布", paragraphs=(found_text,), tables=(by_category,)),
                Section(
                    "各校检查情况" if c.kind == "campaign" else "各校自查情况",
                    tables=(by_school,),
                ),
            ),
        ),
        _overdue_section(c),
    ]
    if c.good_practice:
        sections.append(Section("好的做法", paragraphs=c.good_practice))
    sections.append(_requirements_section(c))
    return _document(c, opening, sections)


def _feedback_outline(c: CircularContent) -> Document:
    """The feedback to one school: its own results, the hazards found, what to do."""
    school = c.by_school[0] if c.by_school else None
    opening = (f"{c.period.label},{c.issuer}开展{c.subject}。现将对你校(园)的检查情况反馈如下:",)
    if school is None or school.inspected_on is None:
        basic: tuple[str, ...] = (
            f"你校(园)在本次检查范围内,截至{_d(c.dated)},检查组尚未完成对你校(园)的检查。",
        )
    else:
        basic = (f"检查组于{_d(school.inspected_on)}对你校(园)进行了检查,共{_results(c)}",)
    found = Table(
        headers=("隐患类别", "隐患", "等级", "状态", "整改期限"),
        rows=tuple(
            (
                h.category,
                h.description + (f"({h.location})" if h.location else ""),
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
    return (
        f"发现安全隐患{c.found}个,已整改销号{c.closed}个,整改率{_pct(c.rectification_rate)};"
        f"尚未整改完成{c.unresolved}个,其中逾期未整改{c.overdue}个。"
    )


def _document(c: CircularContent, opening: tuple[str, ...], sections: list[Section]) -> Document:
    return Document(
        title=c.title,
        recipients=f"{c.recipients}:",
        opening=opening,
        sections=tuple(sections),
        issuer=c.issuer,
        dated=c.dated,
    )


def _overdue_section(c: CircularContent) -> Section:
    if not c.overdue_hazards:
        return Section("逾期未整改隐患", paragraphs=(f"截至{_d(c.dated)},无逾期未整改隐患。",))
    return Section(
        "逾期未整改隐患",
        paragraphs=(
            f"截至{_d(c.dated)},共有{len(c.overdue_hazards)}个隐患超过整改期限仍未整改,予以通报:",
        ),
        tables=(
            Table(
                headers=("学校", "隐患类别", "隐患描述", "等级", "整改期限", "逾期(工作日)"),
                rows=tuple(
                    (
                        h.school,
                        h.category,
                        h.description + (f"({h.location})" if h.location else ""),
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
    who, what = ("你校(园)", "本反馈") if c.kind == "feedback" else ("各学校", "本通报")
    general = [
        f"{who}要切实落实安全工作主体责任,对{what}指出的问题逐项建立整改台账,"
        "明确整改责任人、整改措施和整改时限,按期整改到位并在平台上传整改佐证材料,"
        "由教育局复查销号。",
        "逾期未整改的隐患,由学校主要负责人督促整改;确因客观原因暂无法整改的,"
        "须说明原因,落实临时管控措施并书面报告。",
    ]
    if c.kind == "month" and c.missing_schools:
        general.append("未按时报送月度自查的学校,须在3个工作日内补报,并说明未按时报送的原因。")
    rows = tuple(
        (
            h.school,
            h.description + (f"({h.location})" if h.location else ""),
            h.severity,
            h.plan,
            _d(h.deadline) if h.deadline else "待定",
            h.responsible or "—",
        )
        for h in c.requirements
    )
    tables = (
        (Table(headers=("学校", "隐患", "等级", "整改方式", "整改期限", "责任人"), rows=rows),)
        if rows
        else ()
    )
    return Section("整改要求", paragraphs=tuple(general), tables=tables)
