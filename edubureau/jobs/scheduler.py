"""Recurring jobs: registered in code, enqueued by ``edubureau scheduler``.

A module registers a job in its ``tasks.py`` (imported at start-up by
:class:`edubureau.jobs.apps.JobsConfig`)::

    @recurring(name="safety.mark_overdue", every=timedelta(hours=1))
    @task()
    def mark_overdue() -> None: ...

    @recurring(name="plans.morning_reminders", daily_at=time(7, 30))
    def send_morning_reminders() -> None: ...  # a plain function is run by a generic task

Time is cut into *slots*: ``every=timedelta(hours=1)`` has one slot per hour (aligned
to local midnight), ``daily_at=time(7, 30)`` one slot per day starting at 07:30 local
time. A job is due when it has not been enqueued since its current slot began; the
scheduler then claims the slot with a conditional UPDATE of
:class:`~edubureau.jobs.models.RecurringJobRun` and enqueues the job in the same
transaction, so two scheduler processes never enqueue one slot twice, and a slot
missed while no scheduler ran is caught up once (not once per missed slot).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks.base import Task

from edubureau.jobs.models import RecurringJobRun

logger = logging.getLogger(__name__)

# Slots of ``every`` jobs are counted from local midnight of this day, so that an
# hourly job runs on the hour and a 6-hourly one at 00:00, 06:00, 12:00 and 18:00.
_ANCHOR_DAY = dt.date(2000, 1, 1)

JobTarget = Task | Callable[[], Any]


@dataclass(frozen=True)
class RecurringJob:
    name: str
    target: JobTarget
    every: dt.timedelta | None = None
    daily_at: dt.time | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > 100:
            raise ValueError("a recurring job needs a name of at most 100 characters")
        if (self.every is None) == (self.daily_at is None):
            raise ValueError(f"{self.name}: give exactly one of every= or daily_at=")
        if self.every is not None and self.every <= dt.timedelta(0):
            raise ValueError(f"{self.name}: every= must be positive")
        if not isinstance(self.target, Task) and "<locals>" in target_path(self.target):
            raise ValueError(f"{self.name}: a plain function job must be defined at module level")

    @property
    def schedule_display(self) -> str:
        if self.daily_at is not None:
            return f"daily at {self.daily_at:%H:%M}"
        assert self.every is not None
        return f"every {_format_interval(self.every)}"

    def slot_start(self, now: dt.datetime) -> dt.datetime:
        """The start of the slot that contains ``now`` (an aware datetime)."""
        if self.daily_at is not None:
            local_day = timezone.localtime(now).date()
            start = _local(local_day, self.daily_at)
            if start > now:
                start = _local(local_day - dt.timedelta(days=1), self.daily_at)
            return start
        assert self.every is not None
        anchor = _local(_ANCHOR_DAY, dt.time(0)).astimezone(dt.UTC)
        return anchor + ((now - anchor) // self.every) * self.every

    def next_slot(self, now: dt.datetime) -> dt.datetime:
        start = self.slot_start(now)
        if self.daily_at is not None:
            return _local(timezone.localtime(start).date() + dt.timedelta(days=1), self.daily_at)
        assert self.every is not None
        return start + self.every

    def enqueue(self) -> Any:
        """Enqueue one run; returns the django-tasks ``TaskResult``."""
        if isinstance(self.target, Task):
            return self.target.enqueue()
        from edubureau.jobs.tasks import run_recurring_job

        return run_recurring_job.enqueue(target_path(self.target))


class JobRegistry:
    def __init__(self) -> None:
        self._jobs: dict[str, RecurringJob] = {}

    def register(self, job: RecurringJob) -> None:
        existing = self._jobs.get(job.name)
        if existing is not None and target_path(existing.target) != target_path(job.target):
            raise ValueError(f"recurring job {job.name!r} is already registered")
        self._jobs[job.name] = job

    def recurring(
        self,
        *,
        name: str,
        every: dt.timedelta | None = None,
        daily_at: dt.time | None = None,
        description: str = "",
    ) -> Callable[[Any], Any]:
        """Decorator registering a django-tasks task or a plain function; returns it unchanged."""

        def decorator(target: Any) -> Any:
            self.register(
                RecurringJob(
                    name=name,
                    target=target,
                    every=every,
                    daily_at=daily_at,
                    description=description or _first_line(target),
                )
            )
            return target

        return decorator

    def get(self, name: str) -> RecurringJob:
        return self._jobs[name]

    def __iter__(self) -> Iterator[RecurringJob]:
        return iter(sorted(self._jobs.values(), key=lambda j: j.name))

    def __len__(self) -> int:
        return len(self._jobs)

    def __contains__(self, name: object) -> bool:
        return name in self._jobs


registry = JobRegistry()
recurring = registry.recurring


Status = Literal["enqueued", "not_due", "taken", "due", "error"]


@dataclass(frozen=True)
class JobOutcome:
    name: str
    slot: dt.datetime
    status: Status
    task_id: str = ""
    error: str = ""


def run_due_jobs(
    *,
    now: dt.datetime | None = None,
    jobs: JobRegistry | None = None,
    dry_run: bool = False,
) -> list[JobOutcome]:
    """One scheduler pass: enqueue every due job once for its current slot.

    ``taken`` means another scheduler process claimed the slot between our read and
    our UPDATE; ``due`` is what a dry run reports instead of enqueuing.
    """
    now = now or timezone.now()
    runs = {r.name: r for r in RecurringJobRun.objects.all()}
    outcomes = []
    for job in jobs if jobs is not None else registry:
        slot = job.slot_start(now)
        run = runs.get(job.name)
        if run is not None and run.last_enqueued_at is not None and run.last_enqueued_at >= slot:
            outcomes.append(JobOutcome(job.name, slot, "not_due"))
        elif dry_run:
            outcomes.append(JobOutcome(job.name, slot, "due"))
        else:
            outcomes.append(_enqueue_once(job, slot=slot, now=now))
    return outcomes


def _enqueue_once(job: RecurringJob, *, slot: dt.datetime, now: dt.datetime) -> JobOutcome:
    RecurringJobRun.objects.get_or_create(name=job.name)
    try:
        with transaction.atomic():
            claimed = (
                RecurringJobRun.objects.filter(name=job.name)
                .filter(Q(last_enqueued_at__isnull=True) | Q(last_enqueued_at__lt=slot))
                .update(last_enqueued_at=now)
            )
            if not claimed:
                return JobOutcome(job.name, slot, "taken")
            result = job.enqueue()
            RecurringJobRun.objects.filter(name=job.name).update(last_task_id=str(result.id))
    except Exception as exc:
        # The claim is rolled back with the failed enqueue: the next pass tries again.
        logger.exception("recurring job %s could not be enqueued", job.name)
        return JobOutcome(job.name, slot, "error", error=f"{type(exc).__name__}: {exc}")
    return JobOutcome(job.name, slot, "enqueued", task_id=str(result.id))


@dataclass(frozen=True)
class JobState:
    job: RecurringJob
    last_enqueued_at: dt.datetime | None
    last_task_id: str
    next_run_at: dt.datetime


def job_states(
    *, now: dt.datetime | None = None, jobs: JobRegistry | None = None
) -> list[JobState]:
    """The registry with each job's last run and when it is next due (for ``--list``)."""
    now = now or timezone.now()
    runs = {r.name: r for r in RecurringJobRun.objects.all()}
    states = []
    for job in jobs if jobs is not None else registry:
        run = runs.get(job.name)
        last = run.last_enqueued_at if run else None
        slot = job.slot_start(now)
        due_now = last is None or last < slot
        states.append(
            JobState(
                job=job,
                last_enqueued_at=last,
                last_task_id=run.last_task_id if run else "",
                next_run_at=now if due_now else job.next_slot(now),
            )
        )
    return states


def target_path(target: Any) -> str:
    if isinstance(target, Task):
        return target.module_path
    return f"{target.__module__}.{target.__qualname__}"


def _local(day: dt.date, at: dt.time) -> dt.datetime:
    naive = dt.datetime.combine(day, at.replace(tzinfo=None))
    return timezone.make_aware(naive, timezone.get_default_timezone())


def _first_line(target: Any) -> str:
    func = target.func if isinstance(target, Task) else target
    return (func.__doc__ or "").strip().split("\n")[0]


def _format_interval(every: dt.timedelta) -> str:
    seconds = int(every.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
