"""Background generation of a report over a large scope, and the daily 催回执 (run by
``edubureau worker``)."""

from __future__ import annotations

from datetime import time

from django.utils import timezone
from django_tasks import task

from edubureau.core.calendar import is_working_day
from edubureau.jobs.scheduler import recurring


@task()
def generate_report(report_id: int, user_id: int, fresh: bool) -> str:
    """Draft (``fresh``) or regenerate a report queued by ``services.create_report`` or
    ``services.regenerate``; idempotent: a report no longer waiting is left alone."""
    from edubureau.reports.services import run_queued_generation

    return run_queued_generation(report_id=report_id, user_id=user_id, fresh=fresh)


@recurring(name="reports.chase_receipts", daily_at=time(9, 20))
def chase_receipts() -> int:
    """催回执: on working days, remind each school whose 整改通知书 回执 is past its
    回执期限 (a notice at most once a day, the button's reminders included)."""
    from edubureau.reports.services import chase_overdue_receipts

    today = timezone.localdate()
    return chase_overdue_receipts(today=today) if is_working_day(today) else 0
