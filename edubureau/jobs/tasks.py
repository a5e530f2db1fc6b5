"""The generic task that runs a recurring job registered as a plain function."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.utils.module_loading import import_string
from django_tasks import task

from edubureau.jobs.scheduler import recurring


@task()
def run_recurring_job(path: str) -> Any:
    """Run the module-level function at dotted ``path`` (see ``RecurringJob.enqueue``)."""
    return import_string(path)()


@recurring(name="core.remove_orphan_photos", daily_at=time(3, 0))
def remove_orphan_photos() -> dict[str, Any]:
    """Photo files no row references (a process killed between writing the file and
    committing its row), older than the grace period."""
    from edubureau.core.photos import remove_orphan_photos as remove

    return {"removed": remove()}
