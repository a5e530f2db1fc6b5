from __future__ import annotations

import io
import signal

import pytest
from django.core.management import call_command
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from edubureau.jobs.management.commands.worker import Command as WorkerCommand

DONE: list[int] = []


@task()
def add_to_done(n: int) -> int:
    DONE.append(n)
    return n


@pytest.fixture
def database_backend(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # The worker installs its own signal handlers; give pytest its own back.
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for s, handler in saved.items():
        signal.signal(s, handler)
    DONE.clear()


def test_it_runs_queued_tasks_with_the_database_backend(transactional_db, database_backend):
    # A real transaction, as in production: the worker claims rows in its own
    # transactions and closes stale connections between tasks.
    result = add_to_done.enqueue(7)
    assert DONE == []  # queued in the database, not run yet
    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", stdout=io.StringIO())
    assert DONE == [7]
    assert DBTaskResult.objects.get(id=result.id).status == "SUCCESSFUL"


def test_it_describes_itself_and_passes_db_worker_options_through():
    help_text = WorkerCommand().create_parser("edubureau", "worker").format_help()
    assert "Run the background worker" in help_text
    assert "--batch" in help_text and "--max-tasks" in help_text
