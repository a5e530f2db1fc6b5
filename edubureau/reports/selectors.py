"""The reports waiting on someone: one selector per kind, read by the list's ``pending``
filter and by the workbench (``reports.workbench``), so a count equals its list.

- ``review``: drafts sent for review to the user (``ReportQuerySet.awaiting_review_by``);
- ``returned``: the user's drafts sent back to them (退回修改), not yet sent again;
- ``receipt``: issued 整改通知书 whose school has not answered (or whose answer was
  sent back) — for a school, those addressed to it; for a department, those of the
  genres it drafts;
- ``receipt_check``: answered notices the department has not yet accepted or sent back.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from edubureau.core.roles import Role
from edubureau.reports.models import Report, ReportStatus
from edubureau.reports.services import genres_for, visible_reports

PENDING_LABELS = {
    "review": "待我审核",
    "returned": "退回我修改",
    "receipt": "待学校回执",
    "receipt_check": "回执待确认",
}


def pending(user: Any, kind: str) -> QuerySet[Report]:
    """The reports of ``kind`` (a key of :data:`PENDING_LABELS`) waiting on ``user``."""
    visible = visible_reports(user)
    if kind == "review":
        return visible.filter(pk__in=Report.objects.awaiting_review_by(user).values("pk"))
    if kind == "returned":
        return visible.filter(
            status=ReportStatus.DRAFT, submitted_at__isnull=True, created_by_id=user.pk
        ).exclude(return_reason="")
    if kind == "receipt":
        waiting = visible.filter(
            status=ReportStatus.ISSUED, to_school__isnull=False, receipt_at__isnull=True
        )
        if user.role == Role.SCHOOL_USER:
            return waiting.filter(to_school_id=user.school_id)
        return waiting.filter(genre__in=[g.key for g in genres_for(user)])
    if kind == "receipt_check":
        if user.role == Role.SCHOOL_USER:
            return visible.none()
        return visible.filter(
            status=ReportStatus.ISSUED,
            to_school__isnull=False,
            receipt_at__isnull=False,
            receipt_checked_at__isnull=True,
            genre__in=[g.key for g in genres_for(user)],
        )
    raise ValueError(f"unknown pending kind {kind!r}")
