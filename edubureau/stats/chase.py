"""Chasing returns not yet submitted (催报).

From ``STATS_REMIND_DAYS_BEFORE_DUE`` days before the due date (default 3) until the
census year ends, every active school whose return of the census year is not
submitted — none started, or a draft — is reminded: by the daily job on working days,
or by the 催报 button — the statistics department's for its own bureau's schools,
township staff's (中心校、学区) for their township's. A school
is reminded at most once a day, however often either runs. A return sent back is not
chased here: the send-back notified the school already.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse

from edubureau.audit.models import Action
from edubureau.audit.services import audit_log
from edubureau.core.calendar import is_working_day
from edubureau.notifications.models import Level as NoticeLevel
from edubureau.notifications.models import Notification
from edubureau.notifications.services import notify
from edubureau.orgs.models import Bureau, Role, School
from edubureau.orgs.scoping import is_department_staff
from edubureau.orgs.selectors import recipients_by_school
from edubureau.rectification.lifecycle import NotAllowed
from edubureau.stats.models import STATS_DEPARTMENT, ReturnStatus, StatReturn
from edubureau.stats.services import census_year, due_date, schools_of_census

CHASE_TOPIC = "stats.return_missing"
SYSTEM_ACTOR_NAME = "系统（统计报表催报任务）"


def remind_from(start_year: int) -> date:
    days = int(getattr(settings, "STATS_REMIND_DAYS_BEFORE_DUE", 3))
    return due_date(start_year) - timedelta(days=days)


def unsubmitted_schools(schools: QuerySet[School], start_year: int) -> QuerySet[School]:
    """Active schools of ``schools`` without a submitted return of the census year."""
    done = StatReturn.objects.filter(school_year__start_year=start_year).exclude(
        status=ReturnStatus.DRAFT
    )
    return schools.filter(is_active=True).exclude(pk__in=done.values("school_id"))


def chaseable_schools(user: Any, start_year: int) -> QuerySet[School] | None:
    """The schools ``user`` may chase for the census year, None if nobody: the
    statistics department the schools whose returns it reviews (its bureau's on the
    census day: a school that moved since is chased where its return is reviewed,
    ``StatReturn.objects.writable_by``); township staff (中心校、学区) the schools of
    their township, which they read and chase (docs/ARCHITECTURE.md, "Who sees what")."""
    if is_department_staff(user, STATS_DEPARTMENT):
        return schools_of_census(user, start_year)
    if getattr(user, "role", None) == Role.TOWNSHIP_STAFF and getattr(user, "township_id", None):
        return School.objects.visible_to(user)
    return None


@dataclass
class ChaseResult:
    start_year: int
    schools: list[School] = field(default_factory=list)
    skipped_today: list[School] = field(default_factory=list)
    notified: int = 0


def returns_chase(
    *, actor: Any, schools: QuerySet[School] | None = None, start_year: int, today: date
) -> ChaseResult:
    """Remind the school users of every unsubmitted school. With an ``actor`` (the
    button), the schools are :func:`chaseable_schools`; without (the job), ``schools``."""
    if actor is not None:
        schools = chaseable_schools(actor, start_year)
        if schools is None:
            raise NotAllowed("只有负责统计的股室工作人员或中心校（学区）工作人员可以催报统计报表")
    assert schools is not None
    result = ChaseResult(start_year=start_year)
    missing = list(unsubmitted_schools(schools, start_year).order_by("pk"))
    chased_today = set(
        Notification.objects.filter(
            topic=CHASE_TOPIC, school_id__in=[s.pk for s in missing], created_at__date=today
        ).values_list("school_id", flat=True)
    )
    for school in missing:
        (result.skipped_today if school.pk in chased_today else result.schools).append(school)
    if not result.schools:
        return result
    due = due_date(start_year)
    when = "已过" if today > due else "为"
    users_by_school = recipients_by_school([s.pk for s in result.schools])
    link = reverse("stats:return-list") + f"?year={start_year}"
    with transaction.atomic():
        for school in result.schools:
            users = users_by_school.get(school.pk)
            if not users:
                continue
            notes = notify(
                recipients=users,
                title=f"【催报】请尽快上报{start_year}年教育事业统计报表",
                body=(
                    f"{school.name}{start_year}年教育事业统计报表尚未上报，"
                    f"报送截止日{when}{due:%Y年%m月%d日}。请在系统中填报并上报。"
                ),
                link=link,
                level=NoticeLevel.WARNING,
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
                f"催报{start_year}年统计报表：{len(result.schools)}所学校，"
                f"通知{result.notified}人次"
            ),
        )
    return result


@dataclass
class ChaseRun:
    start_year: int
    ran: bool
    schools: int = 0
    notified: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "start_year": self.start_year,
            "ran": self.ran,
            "schools": self.schools,
            "notified": self.notified,
        }


def returns_chase_due(*, today: date, working_days_only: bool = True) -> ChaseRun:
    """The daily job: in every bureau, remind the schools of the census year's
    unsubmitted returns, from a few days before the due date (working days only)."""
    start_year = census_year(today)
    run = ChaseRun(start_year=start_year, ran=False)
    if today < remind_from(start_year) or (working_days_only and not is_working_day(today)):
        return run
    run.ran = True
    for bureau in Bureau.objects.order_by("pk"):
        result = returns_chase(
            actor=None,
            schools=School.objects.filter(bureau=bureau),
            start_year=start_year,
            today=today,
        )
        run.schools += len(result.schools)
        run.notified += result.notified
    return run
