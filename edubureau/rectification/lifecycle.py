"""The state machine of a rectifiable record (hazard, supervision finding).

::

    reported --plan--> planned --rectify--> rectified --verify(accept)--> verified --close--> closed
                          ^  |                  |
                          |  +--plan (revise)   +--verify(reject, reason)--> planned
                          +---------------------------------------------------+

Every function here is a service: keyword-only, given the acting user, atomic,
refusing an illegal transition with :class:`TransitionError` (a Chinese message),
refusing a stale edit with :class:`~edubureau.core.concurrency.EditConflict`,
writing a :class:`RectificationStep` and an audit row.

Who may act:
- plan and rectify: whoever may write the record (``writable_by``): the school's
  non-read-only users, the owning department's staff, the assigned inspector;
- verify and close: never a user of the record's own school; whoever the model's
  ``verifiable_by`` names (:class:`~edubureau.rectification.models.RectifiableQuerySet`):
  by default the owning department's staff or the school's assigned inspector.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists
from django.utils import timezone

from edubureau.audit.services import audit_change, snapshot
from edubureau.core.calendar import add_working_days
from edubureau.core.concurrency import UNCHECKED, LoadedVersion, ensure_unchanged
from edubureau.core.roles import Role
from edubureau.rectification.models import (
    PlanKind,
    Rectifiable,
    RectificationStep,
    Severity,
    Status,
)
from edubureau.rectification.signals import step_recorded

R = TypeVar("R", bound=Rectifiable)

# Default rectification period by severity, in working days (holidays honoured).
DEFAULT_DEADLINE_WORKING_DAYS = {
    Severity.MINOR: 5,
    Severity.MAJOR: 15,
    Severity.CRITICAL: 30,
}
IMMEDIATE_WORKING_DAYS = 1


class TransitionError(Exception):
    """An action that the record's current state, or the actor, does not allow."""


class NotAllowed(TransitionError):
    """The actor may not perform this action on this record."""


def default_deadline(*, severity: str, found_on: date) -> date:
    """Default rectification deadline: counted in working days, so a hazard found
    before National Day is not due during the holiday."""
    return add_working_days(found_on, DEFAULT_DEADLINE_WORKING_DAYS[Severity(severity)])


@dataclass(frozen=True)
class Plan:
    kind: str
    plan_text: str = ""
    deadline: date | None = None
    deferral_reason: str = ""
    interim_measures: str = ""
    escalated_to: str = ""
    responsible_person: str = ""


def _lock(obj: R) -> R:
    return type(obj)._default_manager.select_for_update().get(pk=obj.pk)


def _can_write(actor: Any, obj: Rectifiable) -> bool:
    return bool(type(obj)._default_manager.writable_by(actor).filter(pk=obj.pk).exists())  # type: ignore[attr-defined]


def _require_writer(actor: Any, obj: Rectifiable) -> None:
    if not _can_write(actor, obj):
        raise NotAllowed(f"您没有处理该{obj.noun}的权限")


def can_verify(actor: Any, obj: Rectifiable) -> bool:
    """Whether ``actor`` may verify and close ``obj``: its model's ``verifiable_by``,
    and never the person who rectified it (separation of duties)."""
    manager = type(obj)._default_manager
    if not manager.verifiable_by(actor).filter(pk=obj.pk).exists():  # type: ignore[attr-defined]
        return False
    return not rectified_by(actor, obj)


def rectified_by(actor: Any, obj: Rectifiable) -> bool:
    """Whether ``actor`` recorded the latest rectification of ``obj``."""
    last = _last_rectifier(obj)
    return last is not None and last == getattr(actor, "pk", None)


def _last_rectifier(obj: Rectifiable) -> int | None:
    """The id of whoever recorded the latest rectification of ``obj``."""
    last: int | None = (
        RectificationStep.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk, action="rectify"
        )
        .order_by("-created_at", "-pk")
        .values_list("actor_id", flat=True)
        .first()
    )
    return last


def verifiers_among(candidates: Iterable[Any], obj: Rectifiable) -> list[Any]:
    """Of ``candidates``, those for whom :func:`can_verify` holds, in one query for
    the model's rule (an ``EXISTS`` per candidate) and one for the rectifier: who
    should be told that a rectification awaits verification."""
    users = list({u.pk: u for u in candidates}.values())
    if not users or obj.pk is None:
        return []
    manager = type(obj)._default_manager
    checks = {
        f"u{u.pk}": Exists(manager.verifiable_by(u).filter(pk=obj.pk))  # type: ignore[attr-defined]
        for u in users
    }
    flags = manager.filter(pk=obj.pk).annotate(**checks).values(*checks).first() or {}
    rectifier = _last_rectifier(obj)
    return [u for u in users if flags.get(f"u{u.pk}") and u.pk != rectifier]


def _require_verifier(actor: Any, obj: Rectifiable) -> None:
    if getattr(actor, "school_id", None) == obj.school_id or actor.role == Role.SCHOOL_USER:  # type: ignore[attr-defined]
        raise NotAllowed(f"学校不能复查、销号本校的{obj.noun}，须由教育局股室或责任督学复查")
    if rectified_by(actor, obj):
        raise NotAllowed("整改结果须由整改人以外的人员复查、销号，您不能复查自己提交的整改")
    if not can_verify(actor, obj):
        raise NotAllowed(f"您没有复查该{obj.noun}的权限")


def _require_status(obj: Rectifiable, *allowed: str, action: str) -> None:
    if obj.status not in allowed:
        current = Status(obj.status).label
        raise TransitionError(f"当前状态为“{current}”，不能{action}")


def _step(actor: Any, obj: Rectifiable, *, action: str, before: str, note: str = "") -> None:
    RectificationStep.objects.create(
        school_id=obj.school_id,  # type: ignore[attr-defined]
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        action=action,
        from_status=before,
        to_status=obj.status,
        actor=actor,
        note=note,
    )
    step_recorded.send(
        sender=type(obj), obj=obj, action=action, actor=actor, from_status=before, note=note
    )


def _finish(
    actor: Any, obj: R, *, action: str, before_status: str, before: dict[str, Any], note: str = ""
) -> R:
    obj.save()
    _step(actor, obj, action=action, before=before_status, note=note)
    audit_change(actor=actor, obj=obj, before=before, detail=action)
    return obj


@transaction.atomic
def rectification_plan(
    *, actor: Any, obj: R, plan: Plan, loaded_version: LoadedVersion = UNCHECKED
) -> R:
    """Choose how the record will be rectified (or revise the plan while in progress)."""
    obj = _lock(obj)
    _require_writer(actor, obj)  # who may act comes first: a 403, not a conflict
    ensure_unchanged(obj, loaded_version, what=f"该{obj.noun}")
    _require_status(obj, Status.REPORTED, Status.PLANNED, action="制定整改方案")
    kind = PlanKind(plan.kind) if plan.kind in PlanKind.values else None
    if kind is None:
        raise TransitionError("请选择整改方式：立即整改、限期整改或暂无法整改")
    before, before_status = snapshot(obj), obj.status
    obj.plan_kind = kind
    obj.plan_text = plan.plan_text.strip()
    obj.responsible_person = plan.responsible_person.strip() or obj.responsible_person
    obj.deferral_reason = obj.interim_measures = obj.escalated_to = ""
    if kind == PlanKind.IMMEDIATE:
        # Counted from the day the plan is made, not from a report days ago (which
        # would make choosing the quickest way overdue at once), and never later
        # than a deadline already set.
        start = max(obj.reported_on, timezone.localdate())
        soonest = add_working_days(start, IMMEDIATE_WORKING_DAYS)
        obj.deadline = min(obj.deadline, soonest) if obj.deadline else soonest
    elif kind == PlanKind.BY_DEADLINE:
        if not obj.plan_text:
            raise TransitionError("限期整改须填写整改措施")
        obj.deadline = plan.deadline or default_deadline(
            severity=obj.severity, found_on=obj.reported_on
        )
        if obj.deadline < obj.reported_on:
            raise TransitionError("整改期限不能早于发现日期")
    else:
        missing = [
            label
            for label, value in (
                ("暂无法整改的原因", plan.deferral_reason),
                ("临时管控措施", plan.interim_measures),
                ("已上报至", plan.escalated_to),
            )
            if not value.strip()
        ]
        if missing:
            raise TransitionError(f"暂无法整改须填写：{'、'.join(missing)}")
        obj.deferral_reason = plan.deferral_reason.strip()
        obj.interim_measures = plan.interim_measures.strip()
        obj.escalated_to = plan.escalated_to.strip()
        # A deferred record keeps an optional target date; without one it is never overdue.
        obj.deadline = plan.deadline
    obj.status = Status.PLANNED
    return _finish(actor, obj, action="plan", before_status=before_status, before=before)


@transaction.atomic
def rectification_rectify(
    *,
    actor: Any,
    obj: R,
    evidence_text: str,
    rectified_on: date,
    loaded_version: LoadedVersion = UNCHECKED,
) -> R:
    """Record that the rectification is done, with evidence; it then awaits verification."""
    obj = _lock(obj)
    _require_writer(actor, obj)  # who may act comes first: a 403, not a conflict
    ensure_unchanged(obj, loaded_version, what=f"该{obj.noun}")
    _require_status(obj, Status.PLANNED, action="提交整改结果")
    if not evidence_text.strip():
        raise TransitionError("请填写整改情况说明")
    if rectified_on < obj.reported_on:
        raise TransitionError("整改完成日期不能早于发现日期")
    if rectified_on > timezone.localdate():
        raise TransitionError("整改完成日期不能晚于今天")
    before, before_status = snapshot(obj), obj.status
    obj.evidence_text = evidence_text.strip()
    obj.rectified_on = rectified_on
    obj.status = Status.RECTIFIED
    return _finish(actor, obj, action="rectify", before_status=before_status, before=before)


@transaction.atomic
def rectification_verify(
    *, actor: Any, obj: R, accept: bool, reason: str = "", loaded_version: LoadedVersion = UNCHECKED
) -> R:
    """Verification by someone outside the school: accept, or reject with a reason
    (which sends the record back to the school, keeping the round in history)."""
    obj = _lock(obj)
    _require_verifier(actor, obj)  # who may act comes first: a 403, not a conflict
    ensure_unchanged(obj, loaded_version, what=f"该{obj.noun}")
    _require_status(obj, Status.RECTIFIED, action="复查")
    before, before_status = snapshot(obj), obj.status
    if accept:
        obj.status = Status.VERIFIED
        obj.verified_by = actor
        obj.verified_at = timezone.now()
        return _finish(
            actor, obj, action="verify", before_status=before_status, before=before, note=reason
        )
    if not reason.strip():
        raise TransitionError("复查不通过须填写原因")
    obj.status = Status.PLANNED
    obj.rejection_count += 1
    obj.last_rejection_reason = reason.strip()
    obj.rectified_on = None
    return _finish(
        actor, obj, action="reject", before_status=before_status, before=before, note=reason
    )


@transaction.atomic
def rectification_close(
    *, actor: Any, obj: R, note: str = "", loaded_version: LoadedVersion = UNCHECKED
) -> R:
    """Close-out (销号) after a passed verification."""
    obj = _lock(obj)
    _require_verifier(actor, obj)  # who may act comes first: a 403, not a conflict
    ensure_unchanged(obj, loaded_version, what=f"该{obj.noun}")
    _require_status(obj, Status.VERIFIED, action="销号")
    before, before_status = snapshot(obj), obj.status
    obj.status = Status.CLOSED
    obj.closed_at = timezone.now()
    obj.overdue_level = 0
    return _finish(
        actor, obj, action="close", before_status=before_status, before=before, note=note
    )


def is_overdue(obj: Rectifiable, *, today: date) -> bool:
    """Not rectified by its deadline. Deferred records without a target date never are."""
    return (
        obj.status in (Status.REPORTED, Status.PLANNED)
        and obj.deadline is not None
        and obj.deadline < today
    )


def steps_for(obj: Rectifiable) -> Any:
    return RectificationStep.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
    ).select_related("actor")
