"""Writing a work plan: from pasted text (reviewed and corrected by the user) to the
saved plan, groups, tasks and targets — all or nothing, audited.

Who may: a leader or department staff of the bureau (``models.writes_plans``, the rule
``WorkPlan.objects.writable_by`` applies); the plan belongs to the writer's own bureau.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from edubureau.audit.services import audit_create
from edubureau.core.officialdoc.text import fullwidth
from edubureau.orgs.models import Department
from edubureau.plans.models import PlanGroup, Target, Task, WorkPlan, writes_plans
from edubureau.plans.textparse import ParsedPlan

MIN_YEAR, MAX_YEAR = 2000, 2100
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
