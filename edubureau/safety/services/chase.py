"""Missing monthly self-inspections and chasing them (催报).

After the due date (the Nth working day of the month), every active school without
a submitted self-inspection is listed, and its users who can act are notified: by
the safety department's 催报 button or by the daily job. A school is chased at most
once a day, however often either runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from edubureau.audit.models import Action
from edubureau.audit.services import audit_log
from edubureau.core.calendar import is_working_day
from edubureau.notifications.models import Level, Notification
from edubureau.notifications.services import notify
from edubureau.orgs.models import Bureau, School
from edubureau.orgs.selectors import recipients_by_school
from edubureau.rectification.lifecycle import NotAllowed
from edubureau.safety.models import Inspection, InspectionKind, InspectionStatus
from edubureau.safety.models.inspections import owes_self_inspection_q
from edubureau.safety.services.inspections import (
    is_safety_staff,
    month_start,
    self_inspection_due_on,
)

CHASE_TOPIC = "safety.self_inspection_missing"
SYSTEM_ACTOR_NAME = "系统（自查催报任务）"


def missing_self_inspection_schools(*, schools: Any, period: date) -> Any:
    """Active schools of ``schools`` (a queryset) whose self-inspection for the month is
    not submitted: none started, a draft, or returned and not yet resubmitted."""
    submitted = Inspection.objects.filter(
        kind=InspectionKind.SELF, period=month_start(period), status=InspectionStatus.SUBMITTED
    ).values("school_id")
    return schools.filter(owes_self_inspection_q(month_start(period))).exclude(pk__in=submitted)


@dataclass
class ChaseResult:
    period: date
    due_on: date
    schools: list[School] = field(default_factory=list)
    skipped_today: list[School] = field(default_factory=list)
    notified: int = 0
    # Asked before the due date: nobody was chased.
    not_due: bool = False


def chase_is_open(period: date, today: date) -> bool:
    """A month's self-inspections are chased (催报) only after their due date: until
    then a school that has not reported is not late."""
    return today > self_inspection_due_on(month_start(period))


def self_inspection_chase(
    *,
    actor: Any,
    schools: Any,
    period: date,
    today: date | None = None,
    dry_run: bool = False,
) -> ChaseResult:
    """Notify the users of every school in ``schools`` whose self-inspection for the
    month is missing. A school already chased today is skipped, so pressing 催报
    twice, or the daily job plus a click, sends one reminder a day."""
    if actor is not None and not is_safety_staff(actor):
        raise NotAllowed("只有安全股工作人员可以催报")
    period = month_start(period)
    today = today or timezone.localdate()
    due_on = self_inspection_due_on(period)
    result = ChaseResult(period=period, due_on=due_on)
    if not chase_is_open(period, today):
        result.not_due = True
        return result
    missing = list(missing_self_inspection_schools(schools=schools, period=period).order_by("pk"))
    chased_today = set(
        Notification.objects.filter(
            topic=CHASE_TOPIC,
            school_id__in=[s.pk for s in missing],
            created_at__date=today,
        ).values_list("school_id", flat=True)
    )
    for school in missing:
        if school.pk in chased_today:
            result.skipped_today.append(school)
        else:
            result.schools.append(school)
    if dry_run or not result.schools:
        return result
    link = reverse("safety:self-inspection-new") + f"?period={period:%Y-%m}"
    recipients = recipients_by_school([s.pk for s in result.schools])
    with transaction.atomic():
        for school in result.schools:
            users = recipients.get(school.pk)
            if not users:
                continue
            notes = notify(
                recipients=users,
                title=f"【催报】请尽快报送{period:%Y年%m月}安全隐患月度自查",
                body=(
                    f"{school.name}{period:%Y年%m月}的安全隐患月度自查尚未提交，"
                    f"应报日期已过（{due_on:%Y年%m月%d日}）。请对照排查指南逐项检查并在系统中提交。"
                ),
                link=link,
                level=Level.WARNING,
                topic=CHASE_TOPIC,
                school_id=school.pk,
            )
            result.notified += len(notes)
        audit_log(
            actor=actor,
            actor_name=None if actor is not None else SYSTEM_ACTOR_NAME,
            action=Action.CREATE,
            model_label=Notification._meta.label,
            detail=(
                f"催报{period:%Y年%m月}月度自查：{len(result.schools)}所学校，"
                f"通知{result.notified}人次"
            ),
        )
    return result


@dataclass
class ChaseRun:
    """One run of the chase over every bureau (the command and the daily job)."""

    period: date
    due_on: date
    ran: bool
    results: list[tuple[Bureau, ChaseResult]] = field(default_factory=list)

    @property
    def schools(self) -> int:
        return sum(len(r.schools) for _, r in self.results)

    @property
    def notified(self) -> int:
        return sum(r.notified for _, r in self.results)

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": f"{self.period:%Y-%m}",
            "due_on": self.due_on.isoformat(),
            "ran": self.ran,
            "schools": self.schools,
            "notified": self.notified,
        }


def self_inspections_chase_due(
    *,
    today: date,
    period: date | None = None,
    dry_run: bool = False,
    working_days_only: bool = False,
) -> ChaseRun:
    """Chase, in every bureau, the month's missing self-inspections once its due date
    has passed. The daily job passes ``working_days_only``: nobody is chased on a
    weekend or a holiday."""
    period = month_start(period or today)
    due_on = self_inspection_due_on(period)
    run = ChaseRun(period=period, due_on=due_on, ran=False)
    if not chase_is_open(period, today) or (working_days_only and not is_working_day(today)):
        return run
    run.ran = True
    for bureau in Bureau.objects.order_by("pk"):
        result = self_inspection_chase(
            actor=None,
            schools=School.objects.filter(bureau=bureau),
            period=period,
            today=today,
            dry_run=dry_run,
        )
        if result.schools or result.skipped_today:
            run.results.append((bureau, result))
    return run
