"""The reports waiting on someone: one condition per kind, read by the list's
``pending`` filter (:func:`pending`) and by the workbench (:func:`pending_summary`, all
its counts in one query), so a count equals its list.

- ``review``: drafts sent for review to the user (``ReportQuerySet.awaiting_review_by``);
- ``returned``: the user's drafts sent back to them (退回修改), not yet sent again;
- ``receipt``: issued 整改通知书 whose school has not answered (or whose answer was
  sent back) — for a school, those addressed to it; for a department, those of the
  genres it drafts;
- ``receipt_overdue``: of those waiting for the school's 回执, the ones past their
  回执期限 (``models.receipt_overdue_q``);
- ``receipt_check``: answered notices the department has not yet accepted or sent back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from edubureau.core.roles import Role
from edubureau.reports.models import (
    Report,
    ReportStatus,
    awaiting_receipt_q,
    receipt_overdue_q,
)
from edubureau.reports.services import genres_for, visible_reports

PENDING_LABELS = {
    "review": "待我审核",
    "returned": "退回我修改",
    "receipt": "待学校回执",
    "receipt_overdue": "逾期未回执",
    "receipt_check": "回执待确认",
}

_NOTHING = Q(pk__in=[])


def _condition(user: Any, kind: str, today: date) -> Q:
    """Which of the reports ``user`` can read are of ``kind``."""
    if kind == "review":
        return Q(pk__in=Report.objects.awaiting_review_by(user).values("pk"))
    if kind == "returned":
        return Q(status=ReportStatus.DRAFT, submitted_at__isnull=True, created_by_id=user.pk) & ~Q(
            return_reason=""
        )
    if kind == "receipt":
        notices = awaiting_receipt_q()
    elif kind == "receipt_overdue":
        notices = receipt_overdue_q(today)
    elif kind == "receipt_check":
        notices = Q(
            status=ReportStatus.ISSUED,
            to_school__isnull=False,
            receipt_at__isnull=False,
            receipt_checked_at__isnull=True,
        )
    else:
        raise ValueError(f"unknown pending kind {kind!r}")
    if user.role == Role.SCHOOL_USER:
        # A school answers its notices; checking the answers is the bureau's.
        return notices & Q(to_school_id=user.school_id) if kind != "receipt_check" else _NOTHING
    return notices & Q(genre__in=[g.key for g in genres_for(user)])


def pending(user: Any, kind: str, *, today: date | None = None) -> QuerySet[Report]:
    """The reports of ``kind`` (a key of :data:`PENDING_LABELS`) waiting on ``user``."""
    return visible_reports(user).filter(_condition(user, kind, today or timezone.localdate()))


@dataclass(frozen=True)
class PendingSummary:
    counts: dict[str, int]
    # The earliest 回执期限 among the notices waiting for a 回执 (asked with "receipt").
    next_reply_by: date | None = None


def pending_summary(user: Any, kinds: Iterable[str], *, today: date) -> PendingSummary:
    """``{kind: pending(user, kind).count()}``, and the nearest 回执期限 of the notices
    waiting for a 回执, in one query."""
    kinds = list(kinds)
    if not kinds:
        return PendingSummary({})
    aggregates: dict[str, Any] = {
        kind: Count("pk", filter=_condition(user, kind, today)) for kind in kinds
    }
    if "receipt" in kinds:
        aggregates["next_reply_by"] = Min("reply_by", filter=_condition(user, "receipt", today))
    found = Report.objects.visible_to(user).aggregate(**aggregates)
    return PendingSummary(
        counts={kind: found[kind] for kind in kinds}, next_reply_by=found.get("next_reply_by")
    )
