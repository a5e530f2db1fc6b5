"""Overdue hazards and the escalation ladder (DOMAIN.md, "Escalation ladder").

A hazard is overdue when it is still reported/planned and its deadline (a date,
computed in working days, holidays honoured) is before today. The longer it stays
overdue, the higher it climbs, one level after a configurable number of working
days overdue (``SAFETY_ESCALATION_WORKING_DAYS``, one entry per level):

- level 1 (responsible person), from 0 working days overdue: the school's safety
  officers and principal;
- level 2 (school principal), from 2: the principal;
- level 3 (department), from 5: the safety department's staff;
- level 4 (bureau leader in charge), from 10: the safety department's leader in
  charge (分管局领导, set on the department), or every bureau leader when none is set;
- level 5 (挂牌督办, formal supervision), from 20: all of the above, urgent, and the
  ladder goes on upward: the safety department of the bureau above the school's
  (a county's school: the city's), and of the bureau that verifies the hazard when
  a higher bureau's campaign found it. The city reads the hazard already (its
  subtree); from here it supervises it, and may chase the county (:func:`bureau_chase`).

A hazard that climbs several levels in one run (the job did not run for a while)
notifies the people of every level it passed, once each.

``hazards_mark_overdue`` runs daily (``safety.mark_overdue`` in safety/tasks.py,
the ``safety_mark_overdue`` command by hand). It raises a hazard's level with a
conditional UPDATE (``WHERE overdue_level = <the level read>``), and notifies only
when that UPDATE changed the row, so a second run on the same day — or two
workers racing — notifies once. The UPDATE leaves ``updated_at`` alone: the job
is not an edit, and must not make a school's open form fail with a conflict.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from edubureau.audit.services import audit_create
from edubureau.notifications.models import Level
from edubureau.notifications.services import notify
from edubureau.orgs.models import Bureau, Role, School, SchoolPosition, User
from edubureau.orgs.scoping import is_department_staff
from edubureau.orgs.selectors import leaders_in_charge
from edubureau.rectification import ladder
from edubureau.rectification.ladder import (
    Escalation,
    Ladder,
    LadderRun,
    thresholds_from_settings,
)
from edubureau.rectification.lifecycle import NotAllowed
from edubureau.rectification.models import OPEN_STATUSES, RectificationStep, Severity
from edubureau.safety.models import SAFETY, BureauChase, Hazard
from edubureau.safety.selectors.hazards import ESCALATION_LABELS, overdue_q, supervised_q
from edubureau.safety.services.chase import missing_self_inspection_schools
from edubureau.safety.services.inspections import month_start, self_inspection_due_on

DEFAULT_ESCALATION_WORKING_DAYS = (0, 2, 5, 10, 20)
MAX_LEVEL = 5
TOPIC = "safety.hazard_overdue"
SYSTEM_ACTOR_NAME = "系统（逾期督办任务）"


def hazard_ladder() -> Ladder:
    """The hazards' ladder: five levels, from ``SAFETY_ESCALATION_WORKING_DAYS``."""
    thresholds = thresholds_from_settings(
        "SAFETY_ESCALATION_WORKING_DAYS", DEFAULT_ESCALATION_WORKING_DAYS
    )
    labels = {level: ESCALATION_LABELS[level] for level in range(1, MAX_LEVEL + 1)}
    return Ladder(labels=labels, thresholds=thresholds)


def escalation_thresholds() -> tuple[int, ...]:
    """Working days overdue at which levels 1..5 begin (non-decreasing, five values)."""
    return hazard_ladder().thresholds


def escalation_level(*, deadline: date, today: date) -> int:
    """The level a hazard due on ``deadline`` has reached on ``today`` (0 if not overdue)."""
    return hazard_ladder().level(deadline=deadline, today=today)


# What a run did: the shared ladder's record, under the name the safety job reports.
OverdueRun = LadderRun


class HazardPolicy:
    """How hazards climb the shared ladder (:mod:`edubureau.rectification.ladder`)."""

    actor_name = SYSTEM_ACTOR_NAME

    def __init__(self) -> None:
        self.ladder = hazard_ladder()
        self.recipients = _RecipientCache()

    def open_rows(self, today: date) -> Iterable[Hazard]:
        return (
            Hazard.objects.filter(status__in=OPEN_STATUSES, deadline__lt=today)
            .select_related("school__bureau")
            .order_by("deadline", "id")
            .iterator(chunk_size=500)
        )

    def deadline_of(self, obj: Hazard) -> date:
        assert obj.deadline is not None
        return obj.deadline

    def level_of(self, obj: Hazard) -> int:
        return int(obj.overdue_level)

    def since_of(self, obj: Hazard) -> date | None:
        return obj.overdue_since

    def claim(self, obj: Hazard, *, previous: int, level: int, since: date) -> bool:
        claimed = Hazard.objects.filter(
            Q(pk=obj.pk), Q(overdue_level=previous), Q(status__in=OPEN_STATUSES)
        ).update(overdue_level=level, overdue_since=since)
        if claimed:
            obj.overdue_level, obj.overdue_since = level, since
        return bool(claimed)

    def record(self, escalation: Escalation) -> None:
        hazard = escalation.obj
        RectificationStep.objects.create(
            school_id=hazard.school_id,
            content_type=ContentType.objects.get_for_model(Hazard),
            object_id=hazard.pk,
            action="escalate",
            from_status=hazard.status,
            to_status=hazard.status,
            actor=None,
            note=escalation.note,
        )

    def announce(self, escalation: Escalation) -> int:
        hazard, level = escalation.obj, escalation.level
        users = self.recipients.for_levels(hazard, escalation.passed)
        if not users:
            return 0
        notes = notify(
            recipients=users,
            title=_title(hazard, level),
            body=_body(hazard, level=level, days=escalation.days),
            link=reverse("safety:hazard-detail", kwargs={"hazard_id": hazard.pk}),
            level=Level.URGENT if level >= MAX_LEVEL else Level.WARNING,
            topic=TOPIC,
            school_id=hazard.school_id,
        )
        return len(notes)


def hazards_mark_overdue(*, today: date, dry_run: bool = False) -> LadderRun:
    """Mark overdue hazards and climb the escalation ladder, notifying once per new level."""
    return ladder.run(HazardPolicy(), today=today, dry_run=dry_run)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _title(hazard: Hazard, level: int) -> str:
    prefix = "【挂牌督办】" if level >= MAX_LEVEL else "【隐患逾期】"
    return f"{prefix}{hazard.school.name}：{hazard.description[:40]}"[:200]


def _body(hazard: Hazard, *, level: int, days: int) -> str:
    severity = Severity(hazard.severity).label
    lines = [
        f"学校：{hazard.school.name}",
        f"隐患：{hazard.description}",
        f"等级：{severity}；整改期限：{hazard.deadline:%Y-%m-%d}；已逾期{days}个工作日。",
        f"督办级别：第{level}级（{ESCALATION_LABELS[level]}）。",
    ]
    if hazard.responsible_person:
        lines.append(f"整改责任人：{hazard.responsible_person}")
    lines.append("请尽快落实整改并在系统中提交整改结果。")
    return "\n".join(lines)


class _RecipientCache:
    """Who is told at each level, looked up once per school / bureau per run."""

    def __init__(self) -> None:
        self._school: dict[tuple[int, str], list[User]] = {}
        self._bureau: dict[tuple[int, str], list[User]] = {}

    def for_levels(self, hazard: Hazard, levels: range) -> list[User]:
        users: dict[int, User] = {}
        for level in levels:
            for user in self._for_level(hazard, level):
                users[user.pk] = user
        return list(users.values())

    def _for_level(self, hazard: Hazard, level: int) -> list[User]:
        if level == 1:
            return self._school_users(hazard.school_id, "officers")
        if level == 2:
            return self._school_users(hazard.school_id, "principals")
        if level == 3:
            return self._bureau_users(hazard.school.bureau_id, "safety")
        if level == 4:
            return self._bureau_users(hazard.school.bureau_id, "leaders")
        above = [
            bureau_id
            for bureau_id in (hazard.school.bureau.parent_id, hazard.verifying_bureau_id)
            if bureau_id is not None
        ]
        return [
            *self._school_users(hazard.school_id, "officers"),
            *self._bureau_users(hazard.school.bureau_id, "safety"),
            *self._bureau_users(hazard.school.bureau_id, "leaders"),
            # 挂牌督办 climbs past the county: the safety department above it.
            *(u for bureau_id in above for u in self._bureau_users(bureau_id, "safety")),
        ]

    def _school_users(self, school_id: int, which: str) -> list[User]:
        key = (school_id, which)
        if key not in self._school:
            positions = (
                [SchoolPosition.PRINCIPAL]
                if which == "principals"
                else [SchoolPosition.PRINCIPAL, SchoolPosition.SAFETY_OFFICER]
            )
            self._school[key] = list(
                User.objects.filter(
                    is_active=True,
                    role=Role.SCHOOL_USER,
                    school_id=school_id,
                    school_position__in=positions,
                )
            )
        return self._school[key]

    def _bureau_users(self, bureau_id: int, which: str) -> list[User]:
        key = (bureau_id, which)
        if key not in self._bureau:
            if which == "safety":
                self._bureau[key] = safety_staff_of(bureau_id)
            else:
                self._bureau[key] = leaders_in_charge(
                    bureau_id=bureau_id, department_code=Hazard.owner_department_code
                )
        return self._bureau[key]


def safety_staff_of(bureau_id: int) -> list[User]:
    """The active staff of a bureau's safety department."""
    return list(
        User.objects.filter(
            is_active=True,
            bureau_id=bureau_id,
            role=Role.DEPARTMENT_STAFF,
            department__code=SAFETY,
        ).order_by("pk")
    )


# 催办: a higher bureau chases a lower one -----------------------------------------

BUREAU_CHASE_TOPIC = "safety.bureau_chase"


@dataclass
class BureauChaseOutcome:
    chase: BureauChase | None = None
    already_today: bool = False  # chased earlier today: nothing sent again
    nothing_to_chase: bool = False


def can_chase(actor: Any, target: Bureau) -> bool:
    """The safety department of a bureau above ``target`` (a city over its counties):
    it reads the target's subtree through the door and writes none of its records;
    chasing is how it supervises them."""
    return bool(
        is_department_staff(actor, SAFETY)
        and target.pk != actor.bureau_id
        and Bureau.objects.visible_to(actor).filter(pk=target.pk).exists()
    )


@transaction.atomic
def bureau_chase(
    *, actor: Any, target: Bureau, today: date, period: date | None = None
) -> BureauChaseOutcome:
    """催办: tell ``target``'s safety department (its leaders, if it has none) how many
    of its hazards are overdue or listed for supervision and how many of its schools
    have not submitted this month's self-inspection. Audited; once a day per target
    and chasing bureau (a second press the same day sends nothing)."""
    if not can_chase(actor, target):
        raise NotAllowed("只有上级教育局安全科（股）工作人员可以催办下级教育局")
    if BureauChase.objects.filter(
        bureau_id=actor.bureau_id, target=target, created_at__date=today
    ).exists():
        return BureauChaseOutcome(already_today=True)
    period = month_start(period or today)
    due_on = self_inspection_due_on(period)
    subtree = target.subtree().values("pk")
    hazards = Hazard.objects.visible_to(actor).filter(school__bureau_id__in=subtree)
    overdue = hazards.filter(overdue_q(today)).count()
    supervised = hazards.filter(supervised_q(today)).count()
    missing = 0
    if today > due_on:
        schools = School.objects.visible_to(actor).filter(bureau_id__in=subtree)
        missing = missing_self_inspection_schools(schools=schools, period=period).count()
    if not (overdue or missing):
        return BureauChaseOutcome(nothing_to_chase=True)
    recipients = safety_staff_of(target.pk) or leaders_in_charge(
        bureau_id=target.pk, department_code=SAFETY
    )
    chaser = actor.bureau
    lines = [f"{chaser.display_name}催办：请{target.display_name}抓紧落实以下工作。"]
    if overdue:
        lines.append(f"逾期未整改隐患{overdue}项，其中挂牌督办{supervised}项。")
    if missing:
        lines.append(
            f"{period:%Y年%m月}安全隐患月度自查未报送学校{missing}所（应报日期{due_on:%m月%d日}）。"
        )
    lines.append("请督促相关学校尽快整改、报送，并在系统中更新整改情况。")
    notes = notify(
        recipients=recipients,
        title=f"【催办】{chaser.display_name}催办隐患整改和月度自查"[:200],
        body="\n".join(lines),
        link=reverse("safety:hazard-list") + "?overdue=1",
        level=Level.URGENT if supervised else Level.WARNING,
        topic=BUREAU_CHASE_TOPIC,
    )
    chase = BureauChase.objects.create(
        bureau_id=actor.bureau_id,
        target=target,
        period=period,
        overdue_hazards=overdue,
        supervised_hazards=supervised,
        missing_self_inspections=missing,
        notified=len(notes),
        actor=actor,
    )
    audit_create(
        actor=actor,
        obj=chase,
        detail=(
            f"催办{target.display_name}：逾期隐患{overdue}项（挂牌督办{supervised}项），"
            f"未报自查{missing}所，通知{len(notes)}人"
        ),
    )
    return BureauChaseOutcome(chase=chase)
