"""The generic task that runs a recurring job registered as a plain function."""

from __future__ import annotations

from typing import Any

from django.utils.module_loading import import_string
from django_tasks import task


@task()
def run_recurring_job(path: str) -> Any:
    """Run the module-level function at dotted ``path`` (see ``RecurringJob.enqueue``)."""
    return import_string(path)()
