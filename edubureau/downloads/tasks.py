"""The worker's side of a background download, and the weekly clean-up."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from edubureau.jobs.scheduler import recurring


@task()
def build_download(download_id: int) -> str:
    from edubureau.downloads.services import run_download

    return run_download(download_id=download_id)


@recurring(name="downloads.prune", every=timedelta(hours=6))
@task()
def prune_downloads() -> int:
    """Downloads older than seven days are deleted with their files."""
    from edubureau.downloads.services import prune_downloads as prune

    return prune()
