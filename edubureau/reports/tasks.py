"""Background generation of a report over a large scope (run by ``edubureau worker``)."""

from __future__ import annotations

from django_tasks import task


@task()
def generate_report(report_id: int, user_id: int, fresh: bool) -> str:
    """Draft (``fresh``) or regenerate a report queued by ``services.create_report`` or
    ``services.regenerate``; idempotent: a report no longer waiting is left alone."""
    from edubureau.reports.services import run_queued_generation

    return run_queued_generation(report_id=report_id, user_id=user_id, fresh=fresh)
