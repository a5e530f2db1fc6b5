"""The worker's side of a background import, and the clean-up."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from edubureau.jobs.scheduler import recurring


@task()
def run_import_job(job_id: int) -> str:
    from edubureau.imports.services import run_import

    return run_import(job_id=job_id)


@recurring(name="imports.prune", every=timedelta(hours=6))
@task()
def prune_import_jobs() -> int:
    """Import jobs older than seven days are deleted (their workbooks went at once)."""
    from edubureau.imports.services import prune_import_jobs as prune

    return prune()
