"""Reading a plan's progress: each task's targets with their actuals (linked ones from
the record, reported ones from the latest report), its progress, expected pace and
status (the rules are :mod:`edubureau.plans.progress`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from edubureau.core.metrics import Readings
from edubureau.orgs.scoping import SchoolScope, scope_for, subtree_ids
from edubureau.plans import progress
from edubureau.plans.models import (
    FollowUp,
    FollowUpStatus,
    ProgressReport,
    Target,
    TargetSource,
    Task,
    WorkPlan,
)
from edubureau.plans.progress import Point, TaskStatus


@dataclass(frozen=True)
class TargetProgress:
    target: Target
    actual: Decimal | int | None
    source: str  # link to the rows behind a linked actual
    share: int  # 0–100


@dataclass
class TaskProgress:
    task: Task
    targets: list[TargetProgress]
    percent: int
    expected: int
    status: TaskStatus
    latest: ProgressReport | None
    start: date
    deadline: date

    @property
    def status_label(self) -> str:
        return str(self.status.label)


def readings_for(plan: WorkPlan, scope: SchoolScope, today: date) -> Readings:
    """The record's figures over ``scope`` for the plan's year up to ``today`` (the
    whole year once past)."""
    start, end = date(plan.year, 1, 1), date(plan.year, 12, 31)
    return Readings(scope, start, min(max(today, start), end))


def plan_scope(user: Any, plan: WorkPlan) -> SchoolScope:
    """Whose record a plan's linked targets count for ``user``: the plan's bureau's whole
    subtree when the user reads it (its own staff, the bureaus above); otherwise — a
    county reading its city's plan, a school reading its task — the part the user
    sees. The stored status (computed by the lead department's writes and the daily
    job) is always the whole bureau's."""
    if plan.bureau_id in subtree_ids(user):
        return scope_for(user, bureau=plan.bureau)
    return scope_for(user)


def _milestones(task: Task) -> list[Point]:
    return [Point(m.due, Decimal(m.expected_percent)) for m in task.milestones.all()]


def task_progress(
    task: Task, *, today: date, readings: Readings, latest: ProgressReport | None = None
) -> TaskProgress:
    """One task's progress; ``task`` with its plan, targets and milestones prefetched
    for lists (:func:`plan_progress`)."""
    plan = task.plan
    start, deadline = progress.task_span(task.start, task.deadline, plan.year)
    reported_values = latest.values if latest is not None else {}
    rows: list[TargetProgress] = []
    for target in task.targets.all():
        if target.source == TargetSource.LINKED and target.metric_key:
            reading = readings.get(target.metric_key)
            value, link = (reading.value, reading.source) if reading else (None, "")
        else:
            raw = reported_values.get(str(target.pk))
            value, link = (Decimal(str(raw)) if raw not in (None, "") else None), ""
        share = progress.target_share(value, target.value)
        rows.append(TargetProgress(target, value, link, progress.rounded(share)))
    percent = progress.task_percent(
        (Decimal(r.share) for r in rows), latest.percent if latest else None
    )
    milestones = _milestones(task)
    status = progress.task_status(
        today=today,
        start=start,
        deadline=deadline,
        percent=percent,
        reported=latest is not None,
        milestones=milestones,
    )
    expected = progress.expected_percent(
        today, start=start, deadline=deadline, milestones=milestones
    )
    return TaskProgress(
        task=task,
        targets=rows,
        percent=progress.rounded(percent),
        expected=progress.rounded(expected),
        status=status,
        latest=latest,
        start=start,
        deadline=deadline,
    )


def latest_reports(
    tasks: Iterable[Task], *, until: date | None = None
) -> dict[int, ProgressReport]:
    """Each task's latest progress report (of a month up to ``until``, when given), in
    one query."""
    latest: dict[int, ProgressReport] = {}
    reports = ProgressReport.objects.filter(task_id__in=[t.pk for t in tasks])
    if until is not None:
        reports = reports.filter(period_start__lte=until)
    for report in reports.order_by("task_id", "period_start"):
        latest[report.task_id] = report
    return latest


def plan_progress(
    plan: WorkPlan, tasks: Iterable[Task], *, scope: SchoolScope, today: date
) -> list[TaskProgress]:
    tasks = list(tasks)
    readings = readings_for(plan, scope, today)
    latest = latest_reports(tasks)
    return [
        task_progress(task, today=today, readings=readings, latest=latest.get(task.pk))
        for task in tasks
    ]


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


@dataclass
class Summary:
    """Tasks by status, overall and by lead department (``(name, department id or
    NO_DEPARTMENT, counts)``), in the statuses' order."""

    by_status: list[StatusCount]
    by_department: list[tuple[str, str, list[tuple[str, int]]]]

    @property
    def total(self) -> int:
        return sum(c.count for c in self.by_status)

    def count(self, status: str) -> int:
        return next((c.count for c in self.by_status if c.status == status), 0)


NO_DEPARTMENT = "none"


def _department_key(task: Task) -> str:
    return str(task.lead_department_id) if task.lead_department_id else NO_DEPARTMENT


def summarise(rows: Iterable[TaskProgress]) -> Summary:
    overall: Counter[str] = Counter()
    departments: dict[tuple[str, str], Counter[str]] = {}
    for row in rows:
        overall[row.status] += 1
        name = row.task.lead_department.name if row.task.lead_department else "未指定牵头股室"
        departments.setdefault((name, _department_key(row.task)), Counter())[row.status] += 1
    statuses = TaskStatus.choices
    return Summary(
        by_status=[StatusCount(value, str(label), overall[value]) for value, label in statuses],
        by_department=[
            (name, key, [(value, counts[value]) for value, _ in statuses])
            for (name, key), counts in sorted(departments.items())
        ],
    )


def filtered(rows: Iterable[TaskProgress], *, status: str, department: str) -> list[TaskProgress]:
    """The rows behind a figure of the summary: one status, one lead department, or both
    ("" for either: no narrowing)."""
    return [
        r
        for r in rows
        if (not status or r.status == status)
        and (not department or _department_key(r.task) == department)
    ]


@dataclass(frozen=True)
class Owed:
    """A task a department leads, with this month's report in or not."""

    task: Task
    reported_this_month: bool


def owed_by(user: Any, *, today: date) -> list[Owed]:
    """What the user's department owes this period: the tasks it leads in its bureau's
    plans of this year (those it may write), each with whether this month's progress is
    reported. Nothing for other accounts."""
    tasks = (
        Task.objects.writable_by(user)
        .filter(plan__year=today.year)
        .select_related("plan")
        .order_by("plan__year", "number")
    )
    month = today.replace(day=1)
    reported = set(
        ProgressReport.objects.filter(task__in=tasks, period_start=month).values_list(
            "task_id", flat=True
        )
    )
    return [Owed(task, task.pk in reported) for task in tasks]


def unreported(owed: Iterable[Owed]) -> list[Owed]:
    """The owed tasks whose progress of this month is not in yet (``?owed=unreported``
    on the plans page; the workbench counts them)."""
    return [o for o in owed if not o.reported_this_month]


def board_follow_ups(
    user: Any, *, mine: bool = False, level: int | None = None
) -> QuerySet[FollowUp]:
    """The follow-ups of the 督办台账 ``user`` reads; with ``mine`` only those their
    department answers (the lead department's: ``writable_by``), with ``level`` only
    those that climbed to that level of the ladder or higher (2: 报分管局领导)."""
    rows = FollowUp.objects.writable_by(user) if mine else FollowUp.objects.visible_to(user)
    if level:
        rows = rows.filter(overdue_level__gte=level)
    return rows


def open_follow_ups(
    user: Any, *, mine: bool = False, level: int | None = None
) -> QuerySet[FollowUp]:
    """Follow-ups awaiting an answer: the board's 待答复 section."""
    return board_follow_ups(user, mine=mine, level=level).filter(status=FollowUpStatus.OPEN)
