"""``edubureau scheduler``: enqueue recurring jobs when they are due."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone

from edubureau.jobs.scheduler import job_states, registry, run_due_jobs


class Command(BaseCommand):
    """A loop, or one pass with --once (for cron or a systemd timer). Safe to run in
    several processes: each slot of each job is enqueued exactly once."""

    help = (
        "Enqueue recurring jobs (overdue checks, reminders, webhook retries) when due. "
        "Runs forever, checking every --interval seconds; --once runs a single pass "
        "(for cron or a systemd timer); --list shows the registered jobs and their last runs. "
        "The jobs themselves run in `edubureau worker`."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=30.0,
            help="Seconds to sleep between passes (default: %(default)s).",
        )
        parser.add_argument("--once", action="store_true", help="Run one pass, then exit.")
        parser.add_argument(
            "--list",
            action="store_true",
            dest="list_jobs",
            help="Print the registered jobs and their last runs.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report which jobs are due; enqueue nothing."
        )

    def handle(
        self,
        *args: Any,
        interval: float,
        once: bool,
        list_jobs: bool,
        dry_run: bool,
        **options: Any,
    ) -> None:
        if list_jobs:
            self._print_list()
            return
        if interval <= 0:
            raise CommandError("--interval must be positive")
        if once or dry_run:
            self._pass(dry_run=dry_run, verbosity=options["verbosity"])
            return
        self.stdout.write(f"Scheduler started: {len(registry)} jobs, checking every {interval}s.")
        try:
            while True:
                close_old_connections()
                self._pass(dry_run=False, verbosity=options["verbosity"])
                close_old_connections()
                time.sleep(interval)
        except KeyboardInterrupt:
            self.stdout.write("Scheduler stopped.")

    def _pass(self, *, dry_run: bool, verbosity: int) -> None:
        for outcome in run_due_jobs(dry_run=dry_run):
            if outcome.status == "not_due" and verbosity < 2:
                continue
            line = f"{outcome.name}: {outcome.status} (slot {_fmt(outcome.slot)})"
            if outcome.task_id:
                line += f" task {outcome.task_id}"
            if outcome.error:
                self.stderr.write(f"{line}: {outcome.error}")
            else:
                self.stdout.write(line)

    def _print_list(self) -> None:
        states = job_states()
        if not states:
            self.stdout.write("No recurring jobs are registered.")
            return
        for s in states:
            self.stdout.write(
                f"{s.job.name}\t{s.job.schedule_display}\t"
                f"last: {_fmt(s.last_enqueued_at)}\tnext: {_fmt(s.next_run_at)}\t"
                f"task: {s.last_task_id or '-'}\t{s.job.description}"
            )


def _fmt(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else "never"
