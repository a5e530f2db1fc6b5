"""``edubureau worker``: run background tasks (django-tasks database backend)."""

from __future__ import annotations

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand


class Command(DbWorkerCommand):
    """The django-tasks-db worker under the project's name; every db_worker option
    (--queue-name, --interval, --batch, --max-tasks, --worker-id, --reload, ...)
    passes through unchanged."""

    help = (
        "Run the background worker: execute tasks enqueued in the database (webhook "
        "deliveries, recurring jobs enqueued by `edubureau scheduler`, ...). Run one or more "
        "workers next to the web process; use --batch to process what is queued and exit."
    )
