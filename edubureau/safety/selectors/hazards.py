"""Reads of hazards: the filtered list (page and Excel export), traffic lights,
the choices the report form offers, and a hazard's history.

The list's GET parameters are shared with the dashboards, which link to it
(docs/HELPERS-BRIEF.md): status, category, severity, bureau (a bureau's whole
subtree; with direct=1 only the schools it runs itself, 市直), township, school,
overdue=1, supervised=1 (挂牌督办), repeat=1, item (item key), late=1 (rectified
after the deadline), on_time=1 (not late: rectified by the deadline, or without one),
plan (plan kind: immediate / by_deadline / deferred), since/until (reported_on),
closed_since/closed_until; verifiable=1 (those the viewer may verify and close:
``Hazard.objects.verifiable_by``, the 待复查 queue with status=rectified),
rejected=1 (sent back by a verification at least once: with status=planned, to be
rectified again), level=N (climbed to escalation level N or higher: 4 报分管局领导).
The workbench (``safety.workbench``) links here and counts with :func:`hazard_list`.

Per child bureau (a city's counties, a province's cities): :func:`bureau_rows`,
built from :func:`hazard_counts_by_bureau`, :func:`missing_counts_by_bureau` and
:func:`roll_up`, which a dashboard can call as well.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from edubureau.core.calendar import add_working_days
from edubureau.core.excel import Column
from edubureau.core.listing import ListSpec
from edubureau.core.params import param_date, param_id, param_int
from edubureau.core.roles import BUREAU_ROLES
from edubureau.orgs.models import DIRECT_LABELS, Bureau, BureauLevel, Role, School
from edubureau.orgs.scoping import schools_writable_by, scope_for
from edubureau.rectification.ladder import WARN_WORKING_DAYS, Light, deadline_light
from edubureau.rectification.lifecycle import default_deadline, steps_for
from edubureau.rectification.models import (
    OPEN_STATUSES,
    UNRESOLVED_STATUSES,
    PlanKind,
    RectificationStep,
    Severity,
    Status,
)
from edubureau.safety.models import (
    BureauChase,
    Checklist,
    ChecklistCategory,
    ChecklistItem,
    Hazard,
)
from edubureau.safety.services.chase import missing_self_inspection_schools
from edubureau.safety.services.inspections import month_start, self_inspection_due_on

# A deadline this many working days away (or fewer) turns the light yellow.
UNRESOLVED = "unresolved"
STATUS_FILTER_CHOICES = [(UNRESOLVED, "未整改完成"), *Status.choices]


@dataclass(frozen=True)
class HazardFilter:
    status: str = ""
    category: str = ""
    severity: str = ""
    bureau_id: int | None = None
    direct: bool = False
    township_id: int | None = None
    school_id: int | None = None
    overdue: bool = False
    supervised: bool = False
    repeat: bool = False
    item: str = ""
    late: bool = False
    on_time: bool = False
    plan: str = ""
    since: date | None = None
    until: date | None = None
    closed_since: date | None = None
    closed_until: date | None = None
    verifiable: bool = False
    rejected: bool = False
    level: int | None = None

    @classmethod
    def from_params(cls, params: Any) -> HazardFilter:
        """Tolerant parsing: a malformed value is ignored, never an error page."""

        status = params.get("status") or ""
        severity = params.get("severity") or ""
        plan = params.get("plan") or ""
        return cls(
            status=status if status in (UNRESOLVED, *Status.values) else "",
            category=(params.get("category") or "").strip()[:40],
            severity=severity if severity in Severity.values else "",
            bureau_id=param_id(params.get("bureau")),
            direct=params.get("direct") == "1",
            township_id=param_id(params.get("township")),
            school_id=param_id(params.get("school")),
            overdue=params.get("overdue") == "1",
            supervised=params.get("supervised") == "1",
            repeat=params.get("repeat") == "1",
            item=(params.get("item") or "").strip()[:60],
            late=params.get("late") == "1",
            on_time=params.get("on_time") == "1",
            plan=plan if plan in PlanKind.values else "",
            since=param_date(params.get("since")),
            until=param_date(params.get("until")),
            closed_since=param_date(params.get("closed_since")),
            closed_until=param_date(params.get("closed_until")),
            verifiable=params.get("verifiable") == "1",
            rejected=params.get("rejected") == "1",
            level=_level(params.get("level")),
        )

    @property
    def is_empty(self) -> bool:
        return self == HazardFilter()


# Every GET parameter :meth:`HazardFilter.from_params` reads: what a list component over
# the hazard list must accept (the workbench's links use verifiable, rejected, level).
FILTER_PARAMS = frozenset(
    {"status", "category", "severity", "bureau", "direct", "township", "school", "overdue"}
    | {"supervised", "repeat", "item", "late", "on_time", "plan", "since", "until"}
    | {"closed_since", "closed_until", "verifiable", "rejected", "level"}
)


# The hazard list as the list component reads it (core.listing): a bare visit opens on
# the hazards not yet rectified; search looks in what a hazard says and where.
HAZARD_LIST = ListSpec(
    filters=FILTER_PARAMS,
    search=("description", "location", "school__name", "responsible_person"),
    search_hint="隐患描述、部位、学校或责任人",
    sorts={
        "school": ("school__name",),
        "severity": ("severity",),
        "status": ("status",),
        "deadline": ("deadline",),
        "reported_on": ("reported_on",),
    },
    tiebreak=("-id",),
    defaults={"status": UNRESOLVED},
)


def _level(value: Any) -> int | None:
    return param_int(value, minimum=1, maximum=SUPERVISED_LEVEL)


def overdue_q(today: date) -> Q:
    """Not rectified by its deadline (the same rule as ``lifecycle.is_overdue``)."""
    return Q(status__in=OPEN_STATUSES, deadline__lt=today)


def on_time_q() -> Q:
    """Rectified on or before the deadline: not "closed late" (``late=1``:
    ``rectified_on > deadline``), so a hazard without a deadline (deferred with no
    target date) counts as on time, as it never counts as late. 按期整改 in the facts."""
    return Q(deadline__isnull=True) | Q(rectified_on__lte=F("deadline"))


# The top rung of the escalation ladder (services.overdue): 挂牌督办.
SUPERVISED_LEVEL = 5


def supervised_q(today: date) -> Q:
    """Overdue and listed for supervision (挂牌督办): the top rung of the ladder."""
    return overdue_q(today) & Q(overdue_level__gte=SUPERVISED_LEVEL)


def hazard_list(*, user: Any, filters: HazardFilter, today: date) -> QuerySet[Hazard]:
    """The hazards ``user`` may see that match ``filters``, newest first."""
    # The narrowing (a bureau's subtree or its own schools, a township, a school) is
    # the door's: an id outside the viewer's scope answers 404 and is audited.
    scope = scope_for(
        user,
        bureau=filters.bureau_id,
        direct=filters.direct,
        township=filters.township_id,
        school=filters.school_id,
    )
    qs = scope.rows(Hazard).select_related("school__township", "category")
    return qs.filter(hazard_filter_q(user=user, filters=filters, today=today)).order_by(
        "-reported_on", "-id"
    )


def hazard_filter_q(*, user: Any, filters: HazardFilter, today: date) -> Q:
    """What ``filters`` ask of a hazard, besides the place (which is the door's
    narrowing, in :func:`hazard_list`): the list's condition, also counted by the
    workbench (:func:`hazard_list_counts`)."""
    q = Q()
    if filters.status == UNRESOLVED:
        q &= Q(status__in=UNRESOLVED_STATUSES)
    elif filters.status:
        q &= Q(status=filters.status)
    if filters.category:
        q &= Q(category_key=filters.category)
    if filters.severity:
        q &= Q(severity=filters.severity)
    if filters.overdue:
        q &= overdue_q(today)
    if filters.supervised:
        q &= supervised_q(today)
    if filters.repeat:
        q &= Q(repeat_of__isnull=False)
    if filters.item:
        q &= Q(item_key=filters.item)
    if filters.late:
        q &= Q(rectified_on__gt=F("deadline"))
    if filters.on_time:
        q &= on_time_q()
    if filters.plan:
        q &= Q(plan_kind=filters.plan)
    if filters.since:
        q &= Q(reported_on__gte=filters.since)
    if filters.until:
        q &= Q(reported_on__lte=filters.until)
    if filters.closed_since:
        q &= Q(closed_at__date__gte=filters.closed_since)
    if filters.closed_until:
        q &= Q(closed_at__date__lte=filters.closed_until)
    if filters.verifiable:
        # Who verifies is the model's one rule (a higher bureau's campaign, a delegated
        # township), never a role test here.
        q &= Q(pk__in=Hazard.objects.verifiable_by(user).values("pk"))
    if filters.rejected:
        q &= Q(rejection_count__gt=0)
    if filters.level:
        q &= Q(overdue_level__gte=filters.level)
    return q


def hazard_list_counts(
    *, user: Any, filters: Mapping[str, HazardFilter], today: date
) -> dict[str, int]:
    """``{key: hazard_list(user, filters[key]).count()}`` in one query, for lists over
    the viewer's whole scope (no place narrowing): each count is the list's own
    condition (:func:`hazard_filter_q`) over the door's rows."""
    if any(f.bureau_id or f.direct or f.township_id or f.school_id for f in filters.values()):
        raise ValueError("hazard_list_counts counts over the whole scope only")
    if not filters:
        return {}
    rows = scope_for(user).rows(Hazard)
    return rows.aggregate(
        **{
            key: Count("id", filter=hazard_filter_q(user=user, filters=f, today=today))
            for key, f in filters.items()
        }
    )


def hazard_counts(qs: QuerySet[Hazard], *, today: date) -> dict[str, int]:
    """Totals over a filtered list, in one query."""
    return qs.aggregate(
        total=Count("id"),
        unresolved=Count("id", filter=Q(status__in=UNRESOLVED_STATUSES)),
        overdue=Count("id", filter=overdue_q(today)),
        repeats=Count("id", filter=Q(repeat_of__isnull=False)),
    )


# Traffic lights ---------------------------------------------------------------


def traffic_light(hazard: Hazard, *, today: date, warn_until: date | None = None) -> Light:
    """Green on track, yellow when the deadline is within two working days, red
    when overdue; computed from the record, never typed."""
    if hazard.status == Status.CLOSED:
        return Light("", "已销号")
    if hazard.status in (Status.RECTIFIED, Status.VERIFIED):
        return Light("ok", "已整改")
    return deadline_light(hazard.deadline, today=today, warn_until=warn_until)


def with_lights(hazards: Iterable[Hazard], *, today: date) -> list[Hazard]:
    """The hazards with ``light`` set on each (for a page of the list)."""
    warn_until = add_working_days(today, WARN_WORKING_DAYS)
    rows = list(hazards)
    for hazard in rows:
        hazard.light = traffic_light(hazard, today=today, warn_until=warn_until)  # type: ignore[attr-defined]
    return rows


# Choices ------------------------------------------------------------------------


def current_checklist(user: Any) -> Checklist | None:
    """The current checklist of the user's own bureau (a city also reads its counties')."""
    return Checklist.objects.owned_by(user).current().first()


def category_choices(user: Any) -> list[tuple[str, str]]:
    """(key, name) of the current checklist's categories, for the list filter."""
    checklist = current_checklist(user)
    if checklist is None:
        return []
    return list(checklist.categories.values_list("key", "name"))


def report_categories(checklist: Checklist | None) -> QuerySet[ChecklistCategory]:
    if checklist is None:
        return ChecklistCategory.objects.none()
    return checklist.categories.all()


def report_items(checklist: Checklist | None) -> QuerySet[ChecklistItem]:
    if checklist is None:
        return ChecklistItem.objects.none()
    return checklist.items.select_related("category")


def report_schools(user: Any) -> QuerySet[School]:
    """Schools the report form offers: the door's schools whose hazards ``user`` may
    write (``schools_writable_by``), the active ones."""
    writable = schools_writable_by(user, owner=Hazard.owner_department_code)
    return writable.filter(is_active=True).select_related("township")


def can_report_hazards(user: Any) -> bool:
    return report_schools(user).exists()


def hazard_history(hazard: Hazard) -> list[RectificationStep]:
    """Every step of every round (report, plan, rectify, reject, verify, close,
    escalations), oldest first, with Chinese labels set for the page."""
    statuses = dict(Status.choices)
    steps = list(steps_for(hazard))
    for step in steps:
        step.label = STEP_LABELS.get(step.action, step.action)
        step.from_label = statuses.get(step.from_status, "")
        step.to_label = statuses.get(step.to_status, step.to_status)
    return steps


STEP_LABELS = {
    "report": "发现上报",
    "plan": "制定整改方案",
    "rectify": "提交整改结果",
    "verify": "复查通过",
    "reject": "复查未通过，退回整改",
    "close": "销号",
    "escalate": "逾期督办升级",
}

# Escalation levels (the ladder of DOMAIN.md), as shown on pages and in notifications.
ESCALATION_LABELS = {
    0: "未逾期",
    1: "提醒整改责任人",
    2: "督促校长",
    3: "报安全股督办",
    4: "报分管局领导",
    5: "挂牌督办",
}


def escalation_label(level: int) -> str:
    return ESCALATION_LABELS.get(level, ESCALATION_LABELS[5])


def default_deadline_for(hazard: Hazard) -> date:
    return default_deadline(severity=hazard.severity, found_on=hazard.reported_on)


def visible_schools(user: Any) -> QuerySet[School]:
    """Schools for the list's school filter (none for a school user: there is one)."""
    if getattr(user, "role", None) == Role.SCHOOL_USER:
        return School.objects.none()
    return School.objects.visible_to(user).only("id", "name", "township_id")


# Excel export -------------------------------------------------------------------

EXPORT_COLUMNS = [
    Column("school", "学校", width=28),
    Column("township", "乡镇（街道）", width=12),
    Column("category", "隐患类别", width=18),
    Column("item", "排查事项", width=30),
    Column("description", "隐患描述", width=40),
    Column("location", "隐患部位", width=16),
    Column("severity", "隐患等级", width=10),
    Column("source", "来源", width=10),
    Column("reported_on", "发现日期", width=12),
    Column("status", "状态", width=14),
    Column("light", "信号灯", width=16),
    Column("plan_kind", "整改方式", width=14),
    Column("deadline", "整改期限", width=12),
    Column("responsible_person", "整改责任人", width=12),
    Column("rectified_on", "整改完成日期", width=12),
    Column("closed_on", "销号日期", width=12),
    Column("rejections", "复查未通过次数", width=10),
    Column("repeat", "重复隐患", width=10),
    Column("escalation", "督办级别", width=14),
]


def hazard_export_rows(
    hazards: QuerySet[Hazard], *, today: date
) -> tuple[list[Column], Iterator[list[Any]]]:
    """The export sheet of a filtered list: every row the user may see, no paging.
    The rows are generated as the database returns them (in chunks), so an export of
    a province's year holds one chunk of hazards at a time, not all of them."""
    warn_until = add_working_days(today, WARN_WORKING_DAYS)
    return EXPORT_COLUMNS, (
        _export_row(h, today=today, warn_until=warn_until)
        # The school's bureau names a 市直 school's place; no phone number is shown (each
        # would be decrypted for every row).
        for h in hazards.select_related("item", "school__bureau")
        .defer("school__phone", "school__bureau__phone")
        .iterator(chunk_size=2000)
    )


def _export_row(h: Hazard, *, today: date, warn_until: date) -> list[Any]:
    light = traffic_light(h, today=today, warn_until=warn_until)
    return [
        h.school.name,
        h.school.area_name,
        h.category.name,
        h.item.text if h.item else "",
        h.description,
        h.location,
        h.get_severity_display(),
        h.get_source_display(),
        h.reported_on,
        h.get_status_display(),
        f"{light.colour} {light.label}".strip(),
        h.get_plan_kind_display() if h.plan_kind else "",
        h.deadline,
        h.responsible_person,
        h.rectified_on,
        timezone.localdate(h.closed_at) if h.closed_at else None,
        h.rejection_count,
        "是" if h.repeat_of_id else "",
        escalation_label(h.overdue_level) if h.overdue_level else "",
    ]


# Per child bureau ---------------------------------------------------------------
#
# A city sees its counties (and its own 市直 schools) side by side, a province its
# cities: every count is the door's rows (``visible_to``) grouped by the school's
# bureau, one query each, then rolled up to the viewer's direct children in Python
# (a hundred-odd bureaus at province scale).


@dataclass
class BureauRow:
    """One bureau directly below the viewer's (with everything under it), or the
    viewer's own schools (``own``: 市直/省直)."""

    bureau: Bureau
    own: bool = False
    schools: int = 0
    unresolved: int = 0
    overdue: int = 0
    supervised: int = 0
    missing: int = 0
    last_chased: datetime | None = None
    chased_today: bool = False

    @property
    def label(self) -> str:
        if self.own:
            return DIRECT_LABELS.get(BureauLevel(self.bureau.level), "直属") + "学校"
        return self.bureau.display_name


@dataclass
class BureauRows:
    period: date
    due_on: date
    # Whether the month's due date has passed: before it, nothing is missing yet.
    missing_counted: bool = False
    rows: list[BureauRow] = field(default_factory=list)


def child_bureaus(user: Any) -> list[Bureau]:
    """The bureaus directly below the user's own (a city's counties), for bureau roles."""
    if getattr(user, "role", None) not in BUREAU_ROLES or not user.bureau_id:
        return []
    return list(Bureau.objects.visible_to(user).filter(parent_id=user.bureau_id).order_by("path"))


def hazard_counts_by_bureau(*, user: Any, today: date) -> dict[int, dict[str, int]]:
    """Unresolved, overdue and 挂牌督办 hazards ``user`` may see, by the school's bureau."""
    rows = (
        Hazard.objects.visible_to(user)
        .filter(status__in=UNRESOLVED_STATUSES)
        .values("school__bureau_id")
        .annotate(
            unresolved=Count("id"),
            overdue=Count("id", filter=overdue_q(today)),
            supervised=Count("id", filter=supervised_q(today)),
        )
        .order_by()
    )
    return {
        r["school__bureau_id"]: {k: r[k] for k in ("unresolved", "overdue", "supervised")}
        for r in rows
    }


def missing_counts_by_bureau(*, user: Any, period: date) -> dict[int, dict[str, int]]:
    """Active schools ``user`` may see, and those without a submitted self-inspection
    for ``period`` (``services.chase.missing_self_inspection_schools``), by bureau."""
    schools = School.objects.visible_to(user).filter(is_active=True)
    counts: dict[int, dict[str, int]] = {}
    for r in schools.values("bureau_id").annotate(n=Count("id")).order_by():
        counts.setdefault(r["bureau_id"], {})["schools"] = r["n"]
    missing = missing_self_inspection_schools(schools=schools, period=period)
    for r in missing.values("bureau_id").annotate(n=Count("id")).order_by():
        counts.setdefault(r["bureau_id"], {})["missing"] = r["n"]
    return counts


def roll_up(viewer: Bureau, counts: Mapping[int, Mapping[str, int]]) -> dict[int, dict[str, int]]:
    """Counts keyed by a bureau of the viewer's subtree, summed to the viewer's direct
    children (and the viewer itself, for its own schools). Keys outside the subtree
    are dropped."""
    paths = dict(Bureau.objects.filter(pk__in=list(counts)).values_list("pk", "path"))
    totals: dict[int, dict[str, int]] = {}
    for bureau_id, values in counts.items():
        key = viewer.child_toward(paths.get(bureau_id, ""))
        if key is None:
            continue
        into = totals.setdefault(key, {})
        for name, n in values.items():
            into[name] = into.get(name, 0) + n
    return totals


def bureau_rows(*, user: Any, today: date, period: date) -> BureauRows:
    """The viewer's own schools and each bureau directly below, side by side: schools,
    unresolved / overdue / 挂牌督办 hazards, missing self-inspections of ``period``, and
    when each was last chased (催办)."""
    period = month_start(period)
    due_on = self_inspection_due_on(period)
    result = BureauRows(period=period, due_on=due_on, missing_counted=today > due_on)
    children = child_bureaus(user)
    if not children:
        return result
    viewer: Bureau = user.bureau
    hazards = roll_up(viewer, hazard_counts_by_bureau(user=user, today=today))
    schools = roll_up(viewer, missing_counts_by_bureau(user=user, period=period))
    chased: dict[int, datetime] = {}
    for target_id, at in (
        BureauChase.objects.owned_by(user)
        .filter(target__in=children)
        .values_list("target_id", "created_at")
        .order_by("created_at")
    ):
        chased[target_id] = at
    for bureau, own in [(viewer, True), *((c, False) for c in children)]:
        h, s = hazards.get(bureau.pk, {}), schools.get(bureau.pk, {})
        if own and not s.get("schools") and not h:
            continue  # a bureau that runs no schools itself has no row of its own
        last = chased.get(bureau.pk)
        result.rows.append(
            BureauRow(
                bureau=bureau,
                own=own,
                schools=s.get("schools", 0),
                unresolved=h.get("unresolved", 0),
                overdue=h.get("overdue", 0),
                supervised=h.get("supervised", 0),
                missing=s.get("missing", 0) if result.missing_counted else 0,
                last_chased=last,
                chased_today=last is not None and timezone.localdate(last) == today,
            )
        )
    return result
