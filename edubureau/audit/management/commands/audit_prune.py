"""Delete audit events older than the retention period (never less than 6 months)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from edubureau.audit.chain import MINIMUM_RETENTION_DAYS, purge_before, retention_cutoff
from edubureau.audit.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Delete audit events older than --days (default AUDIT_RETENTION_DAYS, 365; "
        f"minimum {MINIMUM_RETENTION_DAYS}). Run it from cron as the schema owner."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, default=None)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, days: int | None, dry_run: bool, **options: Any) -> None:
        days = settings.AUDIT_RETENTION_DAYS if days is None else days
        try:
            cutoff = retention_cutoff(days, now=timezone.now())
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if dry_run:
            count = AuditEvent.objects.filter(created_at__lt=cutoff).count()
        else:
            # The one sanctioned removal: the oldest events, recorded as a purge event.
            count = purge_before(cutoff=cutoff, actor_name="audit_prune")
        self.stdout.write(
            f"{'Would delete' if dry_run else 'Deleted'} {count} events before {cutoff:%Y-%m-%d}"
        )
