"""督办 of plan tasks: a task that lags or is overdue gets a follow-up addressed to its
lead department, answered within :data:`RESPONSE_WORKING_DAYS` working days; unanswered,
it climbs the shared escalation ladder (:mod:`edubureau.rectification.ladder`):

1. 催办牵头股室 — the lead department's staff, from the day the answer was due;
2. 报分管局领导 — the department's leader in charge (``orgs.selectors.leaders_in_charge``),
   from :data:`DEFAULT_WORKING_DAYS` [1] working days past it;
3. 挂牌督办 — every leader of the bureau, from [2].

A follow-up is lifted (已解除) when its task is back on track or done; an answer stops
the climb. The daily job (``plans.follow_up`` in tasks.py) opens, lifts and climbs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from edubureau.audit.models import Action
from edubureau.audit.services import audit_change, audit_log, snapshot
from edubureau.core.calendar import add_working_days
from edubureau.core.officialdoc.text import fullwidth
from edubureau.notifications.models import Level
from edubureau.notifications.services import notify
from edubureau.orgs.models import Role, User
from edubureau.orgs.selectors import leaders_in_charge
from edubureau.plans.models import FollowUp, FollowUpStatus, Task
from edubureau.plans.progress import TaskStatus
from edubureau.rectification import ladder
from edubureau.rectification.ladder import Escalation, Ladder, LadderRun, thresholds_from_settings

RESPONSE_WORKING_DAYS = 3
DEFAULT_WORKING_DAYS = (0, 2, 5)
LEVELS = {1: "催办牵头股室", 2: "报分管局领导", 3: "挂牌督办"}
BEHIND = (TaskStatus.LAGGING, TaskStatus.OVERDUE)
TOPIC = "plans.follow_up"
SYSTEM_ACTOR_NAME = "系统（工作任务督办）"


def follow_up_ladder() -> Ladder:
    thresholds = thresholds_from_settings("PLANS_FOLLOW_UP_WORKING_DAYS", DEFAULT_WORKING_DAYS)
    return Ladder(labels=LEVELS, thresholds=thresholds)


def _department_staff(task: Task) -> list[User]:
    if task.lead_department_id is None:
        return []
    return list(
        User.objects.filter(
            is_active=True, role=Role.DEPARTMENT_STAFF, department_id=task.lead_department_id
        )
    )


def _leaders(task: Task, *, in_charge: bool) -> list[User]:
    bureau_id = task.plan.bureau_id
    if in_charge and task.lead_department is not None:
        return leaders_in_charge(bureau_id=bureau_id, department_code=task.lead_department.code)
    return list(User.objects.filter(is_active=True, bureau_id=bureau_id, role=Role.BUREAU_LEADER))


def _link(follow_up: FollowUp) -> str:
    return reverse("plans:task-detail", kwargs={"task_id": follow_up.task_id})


@dataclass
class FollowUpRun:
    opened: int
    lifted: int
    climbed: LadderRun

    def as_dict(self) -> dict[str, Any]:
        return {"opened": self.opened, "lifted": self.lifted, **self.climbed.as_dict()}


def open_and_lift(*, today: date) -> tuple[int, int]:
    """Open a follow-up for every task of this year's plans that lags or is overdue and
    has none open; lift those whose task is back on track or done."""
    lifted = 0
    for follow_up in FollowUp.objects.filter(
        status__in=(FollowUpStatus.OPEN, FollowUpStatus.ANSWERED)
    ).exclude(task__status__in=BEHIND):
        follow_up.status, follow_up.closed_on = FollowUpStatus.CLOSED, today
        follow_up.save(update_fields=["status", "closed_on", "updated_at"])
        lifted += 1
    behind = (
        Task.objects.filter(plan__year=today.year, status__in=BEHIND)
        .exclude(follow_ups__status__in=(FollowUpStatus.OPEN, FollowUpStatus.ANSWERED))
        .select_related("plan", "lead_department")
    )
    opened = 0
    for task in behind:
        with transaction.atomic():
            follow_up = FollowUp.objects.create(
                task=task,
                opened_on=today,
                reason=f"任务{task.get_status_display()}，完成{task.percent}%",
                respond_by=add_working_days(today, RESPONSE_WORKING_DAYS),
            )
            audit_log(
                actor=None,
                actor_name=SYSTEM_ACTOR_NAME,
                action=Action.CREATE,
                obj=follow_up,
                detail=f"督办：{follow_up.reason}",
            )
            notify(
                recipients=_department_staff(task),
                title=f"【督办】{task.number}．{task.title}"[:200],
                body=(
                    f"工作要点第{task.number}项“{task.title}”{follow_up.reason}。"
                    f"请于{follow_up.respond_by:%Y年%m月%d日}前答复进展和措施。"
                ),
                link=_link(follow_up),
                level=Level.WARNING,
                topic=TOPIC,
            )
        opened += 1
    return opened, lifted


class FollowUpPolicy:
    """How unanswered follow-ups climb the shared ladder."""

    actor_name = SYSTEM_ACTOR_NAME

    def __init__(self) -> None:
        self.ladder = follow_up_ladder()

    def open_rows(self, today: date) -> Iterable[FollowUp]:
        return FollowUp.objects.filter(
            status=FollowUpStatus.OPEN, respond_by__lt=today
        ).select_related("task__plan", "task__lead_department")

    def deadline_of(self, obj: FollowUp) -> date:
        return obj.respond_by

    def level_of(self, obj: FollowUp) -> int:
        return int(obj.overdue_level)

    def since_of(self, obj: FollowUp) -> date | None:
        return obj.overdue_since

    def claim(self, obj: FollowUp, *, previous: int, level: int, since: date) -> bool:
        claimed = FollowUp.objects.filter(
            pk=obj.pk, overdue_level=previous, status=FollowUpStatus.OPEN
        ).update(overdue_level=level, overdue_since=since)
        if claimed:
            obj.overdue_level, obj.overdue_since = level, since
        return bool(claimed)

    def record(self, escalation: Escalation) -> None:
        # The follow-up itself is the history: its level, and the audit row of the climb.
        return None

    def announce(self, escalation: Escalation) -> int:
        follow_up: FollowUp = escalation.obj
        task = follow_up.task
        users: dict[int, User] = {}
        for level in escalation.passed:
            found = _department_staff(task) if level == 1 else _leaders(task, in_charge=level == 2)
            users.update({u.pk: u for u in found})
        if not users:
            return 0
        top = escalation.level >= self.ladder.top
        notes = notify(
            recipients=users.values(),
            title=f"{'【挂牌督办】' if top else '【督办逾期】'}{task.number}．{task.title}"[:200],
            body=(
                f"工作要点第{task.number}项“{task.title}”的督办"
                f"（{follow_up.reason}）应于{follow_up.respond_by:%Y年%m月%d日}前答复，"
                f"{escalation.note}。"
            ),
            link=_link(follow_up),
            level=Level.URGENT if top else Level.WARNING,
            topic=TOPIC,
        )
        return len(notes)


def follow_up_daily(*, today: date) -> FollowUpRun:
    opened, lifted = open_and_lift(today=today)
    return FollowUpRun(opened, lifted, ladder.run(FollowUpPolicy(), today=today))


def respond(*, actor: Any, follow_up: FollowUp, text: str) -> FollowUp:
    """The lead department's answer: what it is doing about the lag."""
    if not FollowUp.objects.writable_by(actor).filter(pk=follow_up.pk).exists():
        raise PermissionDenied("只有牵头股室的工作人员可以答复督办")
    text = fullwidth(text.strip())
    if not text:
        raise ValueError("请填写答复内容。")
    if follow_up.status == FollowUpStatus.CLOSED:
        raise ValueError("该督办已解除，无需答复。")
    before = snapshot(follow_up)
    follow_up.response, follow_up.status = text, FollowUpStatus.ANSWERED
    follow_up.responded_by, follow_up.responded_at = actor, timezone.now()
    follow_up.save()
    audit_change(actor=actor, obj=follow_up, before=before, detail="答复督办")
    return follow_up
