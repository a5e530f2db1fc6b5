"""Writing a work plan: from pasted text (reviewed and corrected by the user) to the
saved plan, groups, tasks and targets — all or nothing, audited.

Who may: a leader or department staff of the bureau (``models.writes_plans``, the rule
``WorkPlan.objects.writable_by`` applies); the plan belongs to the writer's own bureau.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from edubureau.audit.services import audit_change, audit_create, snapshot
from edubureau.core import metrics
from edubureau.core.concurrency import UNCHECKED, LoadedVersion, ensure_unchanged
from edubureau.core.metrics import Readings
from edubureau.core.officialdoc.text import fullwidth
from edubureau.core.photos import PhotoRejected, removed_on_error, store_photos
from edubureau.core.roles import Role
from edubureau.orgs.models import Department, School
from edubureau.orgs.scoping import SchoolScope, is_department_staff, scope_for
from edubureau.orgs.services import numbering
from edubureau.plans import selectors
from edubureau.plans.models import (
    Milestone,
    PlanGroup,
    PlanStatus,
    ProgressPhoto,
    ProgressReport,
    Target,
    TargetSource,
    Task,
    TaskStatusChange,
    WorkPlan,
    writes_plans,
)
from edubureau.plans.progress import TaskStatus
from edubureau.plans.selectors import TaskProgress
from edubureau.plans.textparse import ParsedPlan

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_PHOTOS_PER_UPLOAD = 6
MAX_PHOTOS_PER_REPORT = 20
MAX_TARGET_VALUE = Decimal("999999999999")


class PlanInvalid(Exception):
    """The plan cannot be saved as it stands; ``problems`` says why, in Chinese."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class TaskChoice:
    """What the reviewer decided for one parsed task: its lead department (an id of the
    bureau's departments, or None) and which of its recognised targets to keep."""

    lead_department_id: int | None = None
    keep_targets: tuple[int, ...] | None = None  # indexes; None keeps all


def save_parsed_plan(
    *,
    actor: Any,
    parsed: ParsedPlan,
    year: int,
    choices: Mapping[int, TaskChoice] | None = None,
) -> WorkPlan:
    """Save a reviewed plan as the actor's bureau's plan of ``year``. Refuses (with
    every problem, nothing written) a year that already has a plan, a plan without
    tasks, duplicate task numbers, a department of another bureau."""
    if not writes_plans(actor):
        raise PermissionDenied("只有本局领导和股室工作人员可以制定本局的工作要点")
    choices = choices or {}
    problems: list[str] = []
    if not MIN_YEAR <= year <= MAX_YEAR:
        problems.append(f"年度应在{MIN_YEAR}—{MAX_YEAR}之间。")
    if WorkPlan.objects.filter(bureau_id=actor.bureau_id, year=year).exists():
        problems.append(f"本局{year}年的工作要点已经存在，不能重复创建。")
    tasks = parsed.tasks
    if not tasks:
        problems.append("没有工作任务，请检查粘贴的文本。")
    numbers = [t.number for t in tasks]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    if duplicates:
        problems.append(f"工作任务序号重复：{'、'.join(map(str, duplicates))}，请修改后保存。")
    departments = {
        d.pk: d for d in Department.objects.filter(bureau_id=actor.bureau_id, is_active=True)
    }
    for number, choice in choices.items():
        if choice.lead_department_id is not None and choice.lead_department_id not in departments:
            problems.append(f"第{number}项的牵头股室不是本局的股室。")
    for task in tasks:
        for target in task.targets:
            if not (0 < target.value <= MAX_TARGET_VALUE):
                problems.append(f"第{task.number}项的目标“{target.metric}”的数值应大于0。")
    if problems:
        raise PlanInvalid(problems)
    title = fullwidth(parsed.title) or f"{actor.bureau.name}{year}年工作要点"
    try:
        with transaction.atomic():
            plan = WorkPlan.objects.create(
                bureau_id=actor.bureau_id,
                year=year,
                title=title[:120],
                guiding_idea=fullwidth(parsed.guiding_idea),
                approach=fullwidth(parsed.approach),
                created_by=actor,
            )
            for position, group in enumerate(parsed.groups, start=1):
                saved_group = PlanGroup.objects.create(
                    plan=plan, position=position, title=fullwidth(group.title)[:200]
                )
                for task in group.tasks:
                    choice = choices.get(task.number, TaskChoice())
                    saved = Task.objects.create(
                        plan=plan,
                        group=saved_group,
                        number=task.number,
                        title=fullwidth(task.title)[:200],
                        text=fullwidth(task.text),
                        lead_department_id=choice.lead_department_id,
                    )
                    kept = [
                        target
                        for i, target in enumerate(task.targets)
                        if choice.keep_targets is None or i in choice.keep_targets
                    ]
                    Target.objects.bulk_create(
                        Target(
                            task=saved,
                            position=i,
                            metric=fullwidth(target.metric)[:200],
                            unit=target.unit,
                            value=target.value,
                            written=target.written[:40],
                        )
                        for i, target in enumerate(kept, start=1)
                    )
            audit_create(
                actor=actor,
                obj=plan,
                detail=f"由文本导入：{len(parsed.groups)}组，{len(tasks)}项任务",
            )
    except IntegrityError as exc:  # a concurrent save of the same year
        raise PlanInvalid([f"本局{year}年的工作要点已经存在，不能重复创建。"]) from exc
    return plan


# Progress ---------------------------------------------------------------------------


def refresh_task(task: Task, *, today: date, readings: Readings) -> TaskProgress:
    """Recompute the task's progress and status (``readings`` over the plan's whole
    bureau), store them, and keep a history row when the status changed."""
    latest = selectors.latest_reports([task]).get(task.pk)
    found = selectors.task_progress(task, today=today, readings=readings, latest=latest)
    if (task.status, task.percent) != (found.status, found.percent):
        changed = task.status != found.status
        Task.objects.filter(pk=task.pk).update(status=found.status, percent=found.percent)
        task.status, task.percent = found.status, found.percent
        if changed:
            TaskStatusChange.objects.create(
                task=task, status=found.status, percent=found.percent, on=today
            )
    return found


def refresh_plan(plan: WorkPlan, *, scope: SchoolScope, today: date) -> int:
    """Refresh every task of the plan over ``scope`` (the plan's bureau's whole subtree:
    the daily job's system scope); the number of tasks whose status changed."""
    readings = selectors.readings_for(plan, scope, today)
    changed = 0
    tasks = plan.tasks.select_related("plan__bureau").prefetch_related("targets", "milestones")
    for task in tasks:
        before = task.status
        refresh_task(task, today=today, readings=readings)
        changed += before != task.status
    return changed


def _period_start(value: date, plan: WorkPlan, today: date) -> date:
    month = value.replace(day=1)
    if month.year != plan.year or month > today:
        raise PlanInvalid([f"进展所属月份应在{plan.year}年内，且不晚于本月。"])
    return month


def report_progress(
    *,
    actor: Any,
    task: Task,
    month: date,
    narrative: str,
    percent: Any = None,
    values: Mapping[int, Any] | None = None,
    photos: Sequence[IO[bytes]] = (),
    loaded: LoadedVersion = UNCHECKED,
    today: date,
) -> ProgressReport:
    """The lead department's report of one month: the actual so far of each reported
    target, or without targets a percentage, and what was done. A second report of the
    same month replaces the first (with the version the editor loaded: a stale form is
    refused). Every problem is reported at once; nothing is saved while any remains."""
    if not Task.objects.writable_by(actor).filter(pk=task.pk).exists():
        raise PermissionDenied("只有牵头股室的工作人员可以填报该任务的进展")
    problems: list[str] = []
    narrative = fullwidth(narrative.strip())
    if not narrative:
        problems.append("请填写进展情况。")
    try:
        period = _period_start(month, task.plan, today)
    except PlanInvalid as exc:
        problems += exc.problems
        period = month.replace(day=1)
    reported = [t for t in task.targets.all() if t.source == TargetSource.REPORTED]
    clean_values: dict[str, str] = {}
    for target in reported:
        raw = (values or {}).get(target.pk)
        if raw in (None, ""):
            continue
        number = _decimal(raw)
        if number is None or number < 0:
            problems.append(f"“{target.metric}”的完成数应为不小于0的数字，填写的是“{raw}”。")
        else:
            clean_values[str(target.pk)] = format(number, "f")
    clean_percent: int | None = None
    if not task.targets.exists():
        number = _decimal(percent) if percent not in (None, "") else None
        if number is None or not (0 <= number <= 100) or number != number.to_integral_value():
            problems.append("没有量化目标的任务请填写0—100之间的整数完成进度。")
        else:
            clean_percent = int(number)
    if len(photos) > MAX_PHOTOS_PER_UPLOAD:
        problems.append(f"每次最多上传{MAX_PHOTOS_PER_UPLOAD}张照片。")
    if problems:
        raise PlanInvalid(problems)
    try:
        stored = store_photos(photos, folder="plans")
    except PhotoRejected as exc:
        raise PlanInvalid([str(exc)]) from exc
    with removed_on_error(stored), transaction.atomic():
        existing = (
            ProgressReport.objects.select_for_update()
            .filter(task=task, period_start=period)
            .first()
        )
        if existing is not None:
            ensure_unchanged(existing, loaded, what="该月的进展报告")
            before = snapshot(existing)
            existing.values, existing.percent = clean_values, clean_percent
            existing.narrative, existing.reported_by = narrative, actor
            existing.save()
            audit_change(actor=actor, obj=existing, before=before)
            report = existing
        else:
            report = ProgressReport.objects.create(
                task=task,
                period_start=period,
                values=clean_values,
                percent=clean_percent,
                narrative=narrative,
                reported_by=actor,
            )
            audit_create(actor=actor, obj=report)
        if report.photos.count() + len(stored) > MAX_PHOTOS_PER_REPORT:
            raise PlanInvalid([f"每月进展最多附{MAX_PHOTOS_PER_REPORT}张照片。"])
        ProgressPhoto.objects.bulk_create(
            ProgressPhoto(report=report, uploaded_by=actor, **photo.fields()) for photo in stored
        )
        refresh_task(task, today=today, readings=_writer_readings(actor, task, today))
    return report


def _decimal(raw: Any) -> Decimal | None:
    text = str(raw).strip().replace(",", "").replace("，", "")
    text = text.translate(str.maketrans("０１２３４５６７８９．", "0123456789."))
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def link_target(*, actor: Any, target: Target, metric_key: str, today: date) -> Target:
    """Measure ``target`` by a metric another module publishes (``metric_key``), or by
    the department's reports (""). Only the task's lead department decides."""
    task = target.task
    if not Task.objects.writable_by(actor).filter(pk=task.pk).exists():
        raise PermissionDenied("只有牵头股室的工作人员可以修改该任务的目标")
    if metric_key and metrics.metric(metric_key) is None:
        raise PlanInvalid(["所选的系统指标不存在，请重新选择。"])
    before = snapshot(target)
    target.metric_key = metric_key
    target.source = TargetSource.LINKED if metric_key else TargetSource.REPORTED
    target.save(update_fields=["metric_key", "source"])
    audit_change(actor=actor, obj=target, before=before)
    refresh_task(task, today=today, readings=_writer_readings(actor, task, today))
    return target


def _writer_readings(actor: Any, task: Task, today: date) -> Readings:
    """The lead department's staff read their bureau's whole subtree: what they see is
    what the stored status counts."""
    return selectors.readings_for(task.plan, scope_for(actor, bureau=task.plan.bureau), today)


# Issuing ----------------------------------------------------------------------------

ISSUING_DEPARTMENT = "office"  # 办公室 issues the bureau's documents


def can_issue(user: Any, plan: WorkPlan) -> bool:
    """A leader, or the office, of the plan's own bureau issues its draft plan."""
    if (
        plan.status != PlanStatus.DRAFT
        or not writes_plans(user)
        or user.bureau_id != plan.bureau_id
    ):
        return False
    return bool(user.role == Role.BUREAU_LEADER or is_department_staff(user, ISSUING_DEPARTMENT))


def issue_plan(
    *,
    actor: Any,
    plan: WorkPlan,
    dated: date,
    recipients: str = "",
    loaded: LoadedVersion = UNCHECKED,
    today: date,
) -> WorkPlan:
    """Issue the plan as a notice: the next 发文字号 of the bureau's 代字 for the year of
    the 成文日期, the date, the 主送. Once issued the plan is read by the bureaus and
    schools it is addressed to."""
    if not can_issue(actor, plan):
        raise PermissionDenied("只有本局领导或办公室可以印发本局的工作要点")
    problems: list[str] = []
    code = plan.bureau.issuer_code.strip()
    if not code:
        problems.append("本局尚未设置发文机关代字，请管理员在教育局信息中填写后再印发。")
    if dated > today:
        problems.append("成文日期不能晚于今天。")
    if dated.year not in (plan.year - 1, plan.year):
        problems.append(f"成文日期应在{plan.year - 1}年或{plan.year}年内。")
    if not plan.tasks.exists():
        problems.append("工作要点还没有工作任务，不能印发。")
    if problems:
        raise PlanInvalid(problems)
    with transaction.atomic():
        locked = WorkPlan.objects.select_for_update().get(pk=plan.pk)
        ensure_unchanged(locked, loaded, what="该工作要点")
        if locked.status != PlanStatus.DRAFT:
            raise PlanInvalid(["该工作要点已被他人印发，请刷新页面。"])
        before = snapshot(locked)
        locked.issuer_code, locked.dated = code, dated
        locked.serial = numbering.next_serial(locked.bureau, code, dated.year)
        locked.number = numbering.document_number(code, dated.year, locked.serial)
        locked.recipients = fullwidth(recipients.strip()).rstrip("：:")[:200]
        locked.status = PlanStatus.ISSUED
        locked.issued_by, locked.issued_at = actor, timezone.now()
        locked.save()
        audit_change(actor=actor, obj=locked, before=before, detail=f"印发，文号{locked.number}")
    return locked


# Carry over -------------------------------------------------------------------------


def _next_year(day: date | None) -> date | None:
    if day is None:
        return None
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def carry_over(*, actor: Any, plan: WorkPlan) -> WorkPlan:
    """Start next year's plan as a copy of ``plan``: its text, groups, tasks (lead and
    supporting departments, schools, targets, milestones and deadlines a year on), each
    task remembering the one it continues (``carried_from``) so the unfinished ones are
    marked. A draft, for the bureau to edit and issue."""
    if not WorkPlan.objects.writable_by(actor).filter(pk=plan.pk).exists():
        raise PermissionDenied("只有本局领导和股室工作人员可以制定本局的工作要点")
    year = plan.year + 1
    if WorkPlan.objects.filter(bureau_id=plan.bureau_id, year=year).exists():
        raise PlanInvalid([f"本局{year}年的工作要点已经存在，不能再从{plan.year}年结转。"])
    with transaction.atomic():
        new = WorkPlan.objects.create(
            bureau_id=plan.bureau_id,
            year=year,
            title=plan.title.replace(f"{plan.year}年", f"{year}年"),
            guiding_idea=plan.guiding_idea,
            approach=plan.approach,
            carried_from=plan,
            created_by=actor,
        )
        for group in plan.groups.order_by("position"):
            copied = PlanGroup.objects.create(plan=new, position=group.position, title=group.title)
            tasks = group.tasks.prefetch_related(
                "targets", "milestones", "supporting_departments", "schools"
            )
            for task in tasks.order_by("number"):
                following = Task.objects.create(
                    plan=new,
                    group=copied,
                    number=task.number,
                    title=task.title,
                    text=task.text,
                    lead_department_id=task.lead_department_id,
                    start=_next_year(task.start),
                    deadline=_next_year(task.deadline),
                    carried_from=task,
                )
                following.supporting_departments.set(task.supporting_departments.all())
                following.schools.set(task.schools.all())
                Target.objects.bulk_create(
                    Target(
                        task=following,
                        position=t.position,
                        metric=t.metric,
                        unit=t.unit,
                        value=t.value,
                        written=t.written,
                        source=t.source,
                        metric_key=t.metric_key,
                    )
                    for t in task.targets.all()
                )
                Milestone.objects.bulk_create(
                    Milestone(
                        task=following,
                        due=_next_year(m.due) or m.due,
                        label=m.label,
                        expected_percent=m.expected_percent,
                    )
                    for m in task.milestones.all()
                )
        unfinished = plan.tasks.exclude(status=TaskStatus.DONE).count()
        audit_create(
            actor=actor,
            obj=new,
            detail=f"由{plan.year}年工作要点结转，其中上年未完成的任务{unfinished}项",
        )
    return new


# Editing a task -----------------------------------------------------------------------


@dataclass(frozen=True)
class TargetRow:
    metric: str
    value: str
    unit: str


@dataclass(frozen=True)
class MilestoneRow:
    due: date | None
    label: str
    percent: str


@dataclass(frozen=True)
class TaskEdit:
    """What the task form sends, as typed; :func:`edit_task` checks it."""

    title: str
    text: str
    lead_department_id: int | None
    supporting_ids: tuple[int, ...]
    school_ids: tuple[int, ...]
    start: date | None
    deadline: date | None
    targets: tuple[TargetRow, ...]
    milestones: tuple[MilestoneRow, ...]


def can_edit_task(user: Any, task: Task) -> bool:
    """A leader of the plan's bureau edits any of its tasks; the lead department its own
    (department staff never another department's); the office assigns tasks that have
    no lead department yet."""
    plan = task.plan
    if not writes_plans(user) or user.bureau_id != plan.bureau_id:
        return False
    if user.role == Role.BUREAU_LEADER:
        return True
    if task.lead_department_id is None:
        return is_department_staff(user, ISSUING_DEPARTMENT)
    return bool(Task.objects.writable_by(user).filter(pk=task.pk).exists())


def can_reassign(user: Any, task: Task) -> bool:
    """Who may change a task's lead department: a leader, or the office."""
    return can_edit_task(user, task) and (
        user.role == Role.BUREAU_LEADER or is_department_staff(user, ISSUING_DEPARTMENT)
    )


def edit_task(
    *, actor: Any, task: Task, edit: TaskEdit, loaded: LoadedVersion = UNCHECKED, today: date
) -> Task:
    """Save the task form: text, departments, schools concerned, dates, targets and
    milestones, all checked at once (every problem in Chinese, nothing saved while any
    remains), audited; the status is recomputed."""
    if not can_edit_task(actor, task):
        raise PermissionDenied("您不能修改该工作任务")
    plan = task.plan
    problems: list[str] = []
    title = fullwidth(edit.title.strip())
    if not title:
        problems.append("请填写任务名称。")
    departments = set(
        Department.objects.filter(bureau_id=plan.bureau_id, is_active=True).values_list(
            "pk", flat=True
        )
    )
    lead = edit.lead_department_id
    if lead != task.lead_department_id and not can_reassign(actor, task):
        problems.append("只有局领导或办公室可以调整牵头股室。")
    if lead is not None and lead not in departments:
        problems.append("牵头股室不是本局的股室。")
    if any(d not in departments for d in edit.supporting_ids):
        problems.append("配合股室须是本局的股室。")
    supporting = tuple(d for d in edit.supporting_ids if d != lead)
    schools = set(
        School.objects.filter(pk__in=edit.school_ids, bureau__in=plan.bureau.subtree()).values_list(
            "pk", flat=True
        )
    )
    if len(schools) != len(set(edit.school_ids)):
        problems.append("涉及学校须是本局及下级的学校。")
    start, deadline = edit.start, edit.deadline
    if start and deadline and deadline < start:
        problems.append("完成时限不能早于开始日期。")
    for day, what in ((start, "开始日期"), (deadline, "完成时限")):
        if day is not None and not (plan.year - 1 <= day.year <= plan.year + 1):
            problems.append(f"{what}应在{plan.year}年前后一年之内。")
    targets: list[tuple[str, Decimal, str]] = []
    for n, row in enumerate(edit.targets, start=1):
        if not (row.metric.strip() or row.value.strip() or row.unit.strip()):
            continue
        value = _decimal(row.value)
        if not row.metric.strip():
            problems.append(f"第{n}个目标缺少指标名称。")
        if value is None or value <= 0 or value > MAX_TARGET_VALUE:
            problems.append(f"第{n}个目标的目标值应为大于0的数字，填写的是“{row.value}”。")
        if not row.unit.strip() or len(row.unit.strip()) > 10:
            problems.append(f"第{n}个目标请填写单位（如人、人次、所、%）。")
        if value is not None:
            targets.append((fullwidth(row.metric.strip())[:200], value, row.unit.strip()))
    milestones: list[tuple[date, str, int]] = []
    for n, step in enumerate(edit.milestones, start=1):
        if step.due is None and not step.label.strip() and not step.percent.strip():
            continue
        pct = _decimal(step.percent)
        if step.due is None:
            problems.append(f"第{n}个时间节点请填写日期。")
        elif (start and step.due < start) or (deadline and step.due > deadline):
            problems.append(f"第{n}个时间节点应在开始日期和完成时限之间。")
        if pct is None or not (1 <= pct <= 100) or pct != pct.to_integral_value():
            problems.append(f"第{n}个时间节点的应完成比例应为1—100的整数。")
        if step.due is not None and pct is not None:
            label = fullwidth(step.label.strip())[:200] or "阶段目标"
            milestones.append((step.due, label, int(pct)))
    ordered = sorted(milestones)
    if any(b[2] < a[2] for a, b in pairwise(ordered)):
        problems.append("时间节点的应完成比例应随日期递增。")
    if problems:
        raise PlanInvalid(problems)
    with transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        ensure_unchanged(locked, loaded, what="该工作任务")
        before = snapshot(locked)
        locked.title, locked.text = title[:200], fullwidth(edit.text.strip()) or title
        locked.lead_department_id = lead
        locked.start, locked.deadline = start, deadline
        locked.save()
        locked.supporting_departments.set(supporting)
        locked.schools.set(schools)
        kept = {t.position: t for t in locked.targets.all()}
        for position, (metric, value, unit) in enumerate(targets, start=1):
            target = kept.pop(position, None) or Target(task=locked, position=position)
            if (target.metric, target.value, target.unit) != (metric, value, unit):
                target.metric, target.value, target.unit = metric, value, unit
                target.save()
        Target.objects.filter(pk__in=[t.pk for t in kept.values()]).delete()
        locked.milestones.all().delete()
        Milestone.objects.bulk_create(
            Milestone(task=locked, due=due, label=label, expected_percent=pct)
            for due, label, pct in ordered
        )
        audit_change(
            actor=actor,
            obj=locked,
            before=before,
            detail=f"目标{len(targets)}个，时间节点{len(ordered)}个",
        )
        refresh_task(locked, today=today, readings=_writer_readings(actor, locked, today))
    return locked
