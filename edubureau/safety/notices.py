"""Who hears of each step of a hazard's life, and of campaigns (通知).

Every message goes through ``notifications.services.notify`` (in-app rows for the
recipients, one delivery per matching group robot of the bureau). The actor never
hears of their own step. Topics are registered with their Chinese labels in
:func:`register_topics` (from ``SafetyConfig.ready``), so users may turn the
mutable ones off on 通知设置.

Who hears of what (the actor never):

- a hazard reported ad hoc (一般): the school's users who can act
  (``safety.hazard_reported``);
- a 较大 / 重大 hazard, ad hoc or found in an inspection: its own urgent message to the
  safety department of the school's bureau (and of the verifying bureau, for a higher
  bureau's campaign), for 重大 also the department's leader in charge (分管局领导,
  every leader when none is set); ad hoc, the school too (``safety.hazard_urgent``,
  not mutable);
- an inspection submitted with hazards: the school's users, one digest for the whole
  submit (``safety.hazard_reported``, or ``safety.hazard_urgent`` when it holds a
  较大 / 重大 one);
- rectification submitted: whoever may verify it (``lifecycle.verifiers_among``)
  (``safety.hazard_rectified``);
- verification rejected, hazard closed (销号): the school's users
  (``safety.hazard_rejected``, ``safety.hazard_closed``);
- deadline within one working day (daily job): the school's users, once per hazard
  and deadline (``safety.hazard_due``);
- campaign created: its team; the schools of a 专项检查 / 督查 (a 抽查 is not
  announced) (``safety.campaign_assigned``).

The lifecycle's steps arrive through ``rectification.signals.step_recorded``
(rectification knows nothing of notifications); reporting is safety's own service
and calls this module directly. Everything runs inside the step's transaction, so
a notification commits or rolls back with its step.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from edubureau.audit.models import Action
from edubureau.audit.services import audit_log
from edubureau.core.calendar import add_working_days, is_working_day
from edubureau.core.roles import Role
from edubureau.notifications import topics
from edubureau.notifications.models import Level, Notification
from edubureau.notifications.services import notify
from edubureau.orgs.models import User
from edubureau.orgs.selectors import leaders_in_charge, recipients_by_school, school_recipients
from edubureau.rectification.lifecycle import verifiers_among
from edubureau.rectification.models import OPEN_STATUSES, Severity, Status
from edubureau.safety.models import SAFETY, Campaign, Hazard, Inspection, InspectionKind

MODULE = "安全管理"
REPORTED_TOPIC = "safety.hazard_reported"
URGENT_TOPIC = "safety.hazard_urgent"
RECTIFIED_TOPIC = "safety.hazard_rectified"
REJECTED_TOPIC = "safety.hazard_rejected"
CLOSED_TOPIC = "safety.hazard_closed"
DUE_TOPIC = "safety.hazard_due"
CAMPAIGN_TOPIC = "safety.campaign_assigned"
# A 较大 or 重大 hazard is its own urgent message at once.
URGENT_SEVERITIES = (Severity.MAJOR, Severity.CRITICAL)
DUE_WITHIN_WORKING_DAYS = 1
DUE_ACTOR_NAME = "系统（整改期限提醒任务）"
BUREAU_ROLES = (Role.BUREAU_LEADER, Role.DEPARTMENT_STAFF, Role.INSPECTOR, Role.TOWNSHIP_STAFF)


def register_topics() -> None:
    """Safety's topics, older ones (sent elsewhere in this app) included."""
    reg = topics.register
    reg(REPORTED_TOPIC, "发现一般隐患（检查发现的隐患每次汇总为一条）", module=MODULE)
    reg(URGENT_TOPIC, "发现重大、较大隐患", module=MODULE, mutable=False)
    reg(DUE_TOPIC, "整改期限将至（前一个工作日提醒）", module=MODULE)
    reg(RECTIFIED_TOPIC, "整改完成待复查", module=MODULE, roles=BUREAU_ROLES)
    reg(REJECTED_TOPIC, "复查未通过，须重新整改", module=MODULE, roles=(Role.SCHOOL_USER,))
    reg(CLOSED_TOPIC, "隐患已销号", module=MODULE, roles=(Role.SCHOOL_USER,))
    reg("safety.inspection_returned", "月度自查被退回", module=MODULE, roles=(Role.SCHOOL_USER,))
    reg(CAMPAIGN_TOPIC, "检查活动安排", module=MODULE)
    reg("safety.hazard_overdue", "隐患逾期督办", module=MODULE, mutable=False)
    reg("safety.self_inspection_missing", "月度自查催报", module=MODULE, mutable=False)
    reg("safety.bureau_chase", "上级教育局催办", module=MODULE, mutable=False)
    reg("safety.documents_expiring", "证照到期提醒", module=MODULE, roles=(Role.SCHOOL_USER,))
    reg(
        "safety.documents_expiring_digest",
        "证照到期汇总（每周）",
        module=MODULE,
        roles=(Role.DEPARTMENT_STAFF,),
    )


def connect() -> None:
    """Subscribe to the lifecycle's steps (from ``SafetyConfig.ready``)."""
    from edubureau.rectification.signals import step_recorded

    step_recorded.connect(on_step, sender=Hazard, dispatch_uid="safety.notices.on_step")


# ---------------------------------------------------------------- recipients


def _others(users: Iterable[User], actor: Any) -> list[User]:
    """``users`` without the actor, once each, in a stable order."""
    actor_id = getattr(actor, "pk", None)
    found = {u.pk: u for u in users if u.pk != actor_id}
    return [found[k] for k in sorted(found)]


def safety_staff(bureau_ids: Iterable[int]) -> list[User]:
    """The active staff of these bureaus' safety departments."""
    ids = [b for b in bureau_ids if b is not None]
    if not ids:
        return []
    return list(
        User.objects.filter(
            is_active=True, bureau_id__in=ids, role=Role.DEPARTMENT_STAFF, department__code=SAFETY
        ).order_by("pk")
    )


def urgent_recipients(hazard: Hazard) -> list[User]:
    """Who hears at once of a 较大 / 重大 hazard: the safety department of the school's
    bureau and of the bureau that verifies it; for 重大 also the department's leader
    in charge (``orgs.selectors.leaders_in_charge``: 分管局领导, else every leader)."""
    school = hazard.school
    users = safety_staff({school.bureau_id, hazard.verifying_bureau_id or school.bureau_id})
    if hazard.severity == Severity.CRITICAL:
        users += leaders_in_charge(bureau_id=school.bureau_id, department_code=SAFETY)
    return users


def verifier_candidates(hazard: Hazard) -> list[User]:
    """Everyone who might verify the hazard, in one query; the rule itself is the
    model's (``Hazard.objects.verifiable_by`` through ``lifecycle.verifiers_among``):
    the safety department of the school's bureau and of the verifying bureau, the
    school's assigned inspectors and, for a minor hazard, the township's staff (who
    verify only where the county delegates it)."""
    school = hazard.school
    bureaus = {school.bureau_id, hazard.verifying_bureau_id or school.bureau_id}
    who = Q(role=Role.DEPARTMENT_STAFF, bureau_id__in=bureaus, department__code=SAFETY) | Q(
        role=Role.INSPECTOR, assigned_schools=school.pk
    )
    if hazard.severity == Severity.MINOR and school.township_id is not None:
        who |= Q(role=Role.TOWNSHIP_STAFF, township_id=school.township_id)
    # The rule reads each user's bureau (its path) and department: fetched here, once.
    users = User.objects.filter(who, is_active=True).select_related("bureau", "department")
    return list(users.distinct().order_by("pk"))


# ---------------------------------------------------------------- texts


def _detail(hazard: Hazard) -> str:
    return reverse("safety:hazard-detail", kwargs={"hazard_id": hazard.pk})


def _what(hazard: Hazard) -> str:
    return f"{hazard.school.name}：{hazard.description[:40]}"


def _facts(hazard: Hazard) -> list[str]:
    lines = [
        f"学校：{hazard.school.name}",
        f"隐患：{hazard.description}",
        f"类别：{hazard.category.name}；等级：{Severity(hazard.severity).label}",
    ]
    if hazard.location:
        lines.append(f"部位：{hazard.location}")
    if hazard.deadline:
        lines.append(f"整改期限：{hazard.deadline:%Y-%m-%d}")
    return lines


# ---------------------------------------------------------------- reported


def hazard_reported(*, hazard: Hazard, actor: Any) -> None:
    """One hazard reported on its own (ad hoc): the school's users; a 较大 / 重大 one
    also, urgently, the safety department (and the leader in charge for 重大)."""
    if hazard.severity in URGENT_SEVERITIES:
        _urgent(hazard, actor=actor, also=list(school_recipients(hazard.school_id)))
        return
    notify(
        recipients=school_recipients(hazard.school_id, besides=actor),
        title=f"【隐患】{_what(hazard)}"[:200],
        body="\n".join([*_facts(hazard), "请及时制定整改方案并落实整改。"]),
        link=_detail(hazard),
        level=Level.WARNING,
        topic=REPORTED_TOPIC,
        school_id=hazard.school_id,
    )


def _urgent(hazard: Hazard, *, actor: Any, also: Sequence[User] = ()) -> None:
    label = Severity(hazard.severity).label
    notify(
        recipients=_others([*urgent_recipients(hazard), *also], actor),
        title=f"【{label}】{_what(hazard)}"[:200],
        body="\n".join([*_facts(hazard), f"发现{label}，请立即督促落实管控和整改措施。"]),
        link=_detail(hazard),
        level=Level.URGENT,
        topic=URGENT_TOPIC,
        school_id=hazard.school_id,
    )


def inspection_hazards_reported(
    *, inspection: Inspection, hazards: Sequence[Hazard], actor: Any
) -> None:
    """An inspection's submit created ``hazards``: the school hears of them in one
    message (twelve minor hazards are one notification, not twelve); each 较大 / 重大
    one is in addition its own urgent message to the safety department."""
    if not hazards:
        return
    school = inspection.school
    counts = {s: sum(1 for h in hazards if h.severity == s) for s in Severity.values}
    urgent = [h for h in hazards if h.severity in URGENT_SEVERITIES]
    if inspection.kind == InspectionKind.SELF and inspection.period:
        where = f"{school.name}{inspection.period.month}月自查"
    elif inspection.campaign is not None:
        where = f"{inspection.campaign.name}在{school.name}"
    else:
        where = f"{school.name}{inspection.get_kind_display()}"
    if len(hazards) == counts[Severity.MINOR]:
        found = f"发现{len(hazards)}处一般隐患"
    else:
        parts = "、".join(
            f"{Severity(s).label.removesuffix('隐患')}{counts[s]}处"
            for s in (Severity.CRITICAL, Severity.MAJOR, Severity.MINOR)
            if counts[s]
        )
        found = f"发现{len(hazards)}处隐患（{parts}）"
    listed = [
        f"{i}. {h.description[:40]}（{h.get_severity_display()}）"
        for i, h in enumerate(hazards[:10], 1)
    ]
    more = [f"……共{len(hazards)}处，详见隐患清单。"] if len(hazards) > 10 else []
    day = inspection.inspected_on.isoformat()
    notify(
        recipients=school_recipients(school.pk, besides=actor),
        title=f"{where}{found}"[:200],
        body="\n".join([*listed, *more, "请逐项制定整改方案并落实整改。"]),
        link=f"{reverse('safety:hazard-list')}?school={school.pk}&since={day}&until={day}",
        level=Level.URGENT if urgent else Level.WARNING,
        topic=URGENT_TOPIC if urgent else REPORTED_TOPIC,
        school_id=school.pk,
    )
    for hazard in urgent:
        _urgent(hazard, actor=actor)


# ---------------------------------------------------------------- the lifecycle's steps


@dataclass(frozen=True)
class _Held:
    hazard: Hazard
    action: str
    actor: Any
    note: str


# The school-bound steps held back by :func:`batched`, or None outside one.
_held: ContextVar[list[_Held] | None] = ContextVar("safety_notices_held", default=None)
BATCHED_ACTIONS = ("reject", "close")


@contextmanager
def batched() -> Iterator[None]:
    """Within, rejections and close-outs are held and sent at the end, one message per
    school and kind: a verifier who closes twenty hazards at once (bulk verification,
    each hazard its own transaction) tells a school "3项隐患已销号" once, not three
    times. A step is held only once its transaction has committed, so a refused or
    rolled-back one is never announced."""
    if _held.get() is not None:
        yield  # nested: the outer batch sends
        return
    held: list[_Held] = []
    token = _held.set(held)
    try:
        yield
    finally:
        _held.reset(token)
    if transaction.get_connection().in_atomic_block:
        # Inside a caller's transaction the steps are held when it commits: send then.
        transaction.on_commit(lambda: _send_held(held))
    else:
        _send_held(held)


def _send_held(held: list[_Held]) -> None:
    groups: dict[tuple[int, str], list[_Held]] = {}
    for h in held:
        groups.setdefault((h.hazard.school_id, h.action), []).append(h)
    for (school_id, action), items in groups.items():
        if len(items) == 1:
            _school_step(items[0].hazard, action=action, actor=items[0].actor, note=items[0].note)
            continue
        school = items[0].hazard.school
        rejected = action == "reject"
        listed = [
            f"{i}. {h.hazard.description[:40]}"
            + (f"（不通过原因：{h.note.strip()[:60]}）" if rejected and h.note.strip() else "")
            for i, h in enumerate(items[:10], 1)
        ]
        more = [f"……共{len(items)}项，详见隐患清单。"] if len(items) > 10 else []
        status = Status.PLANNED if rejected else Status.CLOSED
        notify(
            recipients=school_recipients(school_id, besides=items[0].actor),
            title=(
                f"【复查未通过】{school.name}{len(items)}项隐患须重新整改"
                if rejected
                else f"【已销号】{school.name}{len(items)}项隐患已复查通过并销号"
            ),
            body="\n".join(
                [
                    *listed,
                    *more,
                    "请按要求重新整改后再次提交整改结果。" if rejected else "以上隐患已销号。",
                ]
            ),
            link=f"{reverse('safety:hazard-list')}?school={school_id}&status={status}",
            level=Level.WARNING if rejected else Level.INFO,
            topic=REJECTED_TOPIC if rejected else CLOSED_TOPIC,
            school_id=school_id,
        )


def on_step(sender: Any, *, obj: Hazard, action: str, actor: Any, note: str = "", **_: Any) -> None:
    held = _held.get()
    if held is not None and action in BATCHED_ACTIONS:
        item = _Held(hazard=obj, action=action, actor=actor, note=note)
        transaction.on_commit(lambda: held.append(item))
        return
    if action == "rectify":
        _rectified(obj, actor=actor)
    else:
        _school_step(obj, action=action, actor=actor, note=note)
    # plan and an accepted verification concern nobody but the actor: the close
    # that follows is what the school hears of.


def _school_step(obj: Hazard, *, action: str, actor: Any, note: str) -> None:
    if action == "reject":
        _to_school(
            obj,
            actor=actor,
            title=f"【复查未通过】{_what(obj)}",
            lines=[f"不通过原因：{note.strip()}", "请按要求重新整改后再次提交整改结果。"],
            level=Level.WARNING,
            topic=REJECTED_TOPIC,
        )
    elif action == "close":
        _to_school(
            obj,
            actor=actor,
            title=f"【已销号】{_what(obj)}",
            lines=[
                "该隐患已复查通过并销号。",
                *([f"说明：{note.strip()}"] if note.strip() else []),
            ],
            level=Level.INFO,
            topic=CLOSED_TOPIC,
        )


def rectification_submitted(*, hazard: Hazard, actor: Any) -> None:
    """Tell whoever may verify ``hazard`` that its rectification awaits them."""
    _rectified(hazard, actor=actor)


def _rectified(hazard: Hazard, *, actor: Any) -> None:
    verifiers = verifiers_among(verifier_candidates(hazard), hazard)
    rectified_on = f"{hazard.rectified_on:%Y-%m-%d}" if hazard.rectified_on else ""
    notify(
        recipients=_others(verifiers, actor),
        title=f"【待复查】{_what(hazard)}"[:200],
        body="\n".join(
            [
                *_facts(hazard),
                f"整改完成日期：{rectified_on}",
                f"整改情况：{hazard.evidence_text[:300]}",
                "请及时复查，通过后销号。",
            ]
        ),
        link=_detail(hazard),
        level=Level.INFO,
        topic=RECTIFIED_TOPIC,
        school_id=hazard.school_id,
    )


def _to_school(
    hazard: Hazard, *, actor: Any, title: str, lines: list[str], level: str, topic: str
) -> None:
    notify(
        recipients=school_recipients(hazard.school_id, besides=actor),
        title=title[:200],
        body="\n".join([*_facts(hazard), *lines]),
        link=_detail(hazard),
        level=level,
        topic=topic,
        school_id=hazard.school_id,
    )


# ---------------------------------------------------------------- campaigns


def campaign_assigned(*, campaign: Campaign, actor: Any) -> None:
    """Tell the team they are on it and, for a 专项检查 or 督查, the schools it covers
    that they will be inspected. A 抽查 is not announced to the schools: what it
    checks is the state a school is in on an ordinary day."""
    kind = campaign.get_kind_display()
    period = f"{campaign.starts_on:%Y-%m-%d}至{campaign.ends_on:%Y-%m-%d}"
    link = reverse("safety:campaign-detail", kwargs={"campaign_id": campaign.pk})
    schools = list(campaign.schools.values_list("pk", flat=True))
    team = _others(campaign.team.all(), actor)
    if team:
        notify(
            recipients=team,
            title=f"【检查安排】您已加入检查组：{campaign.name}"[:200],
            body=f"{kind}，{period}，检查范围{len(schools)}所学校。请按安排开展检查并在系统中填写检查结果。",
            link=link,
            level=Level.INFO,
            topic=CAMPAIGN_TOPIC,
        )
    if campaign.kind == InspectionKind.SPOT:
        return
    by_school = recipients_by_school(schools)
    users = [u for school_id in schools for u in by_school.get(school_id, [])]
    if users:
        notify(
            recipients=_others(users, actor),
            title=f"【检查安排】{campaign.bureau.display_name}{kind}：{campaign.name}"[:200],
            body="\n".join(
                [
                    f"本校列入{kind}范围，检查时间：{period}。",
                    *([f"检查主题：{campaign.theme}"] if campaign.theme else []),
                    "请对照排查指南做好自查和迎检准备。",
                ]
            ),
            link=link,
            level=Level.INFO,
            topic=CAMPAIGN_TOPIC,
            # About one school only when it covers one: a school's own robot group
            # then hears of it too.
            school_id=schools[0] if len(schools) == 1 else None,
        )


# ---------------------------------------------------------------- deadlines (daily job)


@dataclass
class DueRun:
    today: date
    ran: bool
    hazards: int = 0  # due within the window and not yet reminded
    skipped: int = 0  # reminded already for this deadline
    unreachable: int = 0  # school without an account that can act
    notified: int = 0
    ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.today.isoformat(),
            "ran": self.ran,
            "hazards": self.hazards,
            "skipped": self.skipped,
            "unreachable": self.unreachable,
            "notified": self.notified,
        }


def due_link(hazard: Hazard) -> str:
    """The hazard's page, marked with the deadline reminded of: the job's key for
    "once per hazard per deadline" (a revised deadline is reminded again)."""
    assert hazard.deadline is not None
    return f"{_detail(hazard)}#due-{hazard.deadline.isoformat()}"


def hazards_due_remind(*, today: date, dry_run: bool = False) -> DueRun:
    """整改期限将至: on working days, each open hazard whose deadline falls within the
    next working day (today included) is reminded to its school's users, once per
    hazard and deadline (a second run, or two workers, find the first's row)."""
    run = DueRun(today=today, ran=is_working_day(today))
    if not run.ran:
        return run
    horizon = add_working_days(today, DUE_WITHIN_WORKING_DAYS)
    due = list(
        Hazard.objects.filter(status__in=OPEN_STATUSES, deadline__gte=today, deadline__lte=horizon)
        .select_related("school", "category")
        .order_by("deadline", "id")
    )
    links = {h.pk: due_link(h) for h in due}
    reminded = set(
        Notification.objects.filter(topic=DUE_TOPIC, link__in=links.values()).values_list(
            "link", flat=True
        )
    )
    recipients = recipients_by_school(sorted({h.school_id for h in due}))
    for hazard in due:
        if links[hazard.pk] in reminded:
            run.skipped += 1
        elif hazard.school_id not in recipients:
            run.unreachable += 1
        else:
            run.hazards += 1
            run.ids.append(hazard.pk)
    if dry_run or not run.ids:
        return run
    with transaction.atomic():
        for hazard in (h for h in due if h.pk in run.ids):
            assert hazard.deadline is not None
            when = "今天" if hazard.deadline <= today else f"{hazard.deadline:%m月%d日}"
            run.notified += len(
                notify(
                    recipients=recipients[hazard.school_id],
                    title=f"【整改期限将至】{_what(hazard)}"[:200],
                    body="\n".join(
                        [
                            *_facts(hazard),
                            f"整改期限为{when}，请按期完成整改并在系统中提交整改结果。",
                        ]
                    ),
                    link=links[hazard.pk],
                    level=Level.WARNING,
                    topic=DUE_TOPIC,
                    school_id=hazard.school_id,
                )
            )
        audit_log(
            actor=None,
            actor_name=DUE_ACTOR_NAME,
            action=Action.CREATE,
            model_label=Notification._meta.label,
            detail=f"整改期限提醒：{run.hazards}项隐患，通知{run.notified}人次",
        )
    return run
