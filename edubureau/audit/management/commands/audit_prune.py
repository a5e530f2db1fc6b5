"""Delete audit events older than the retention period (never less than 6 months)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from edubureau.audit.chain import purge_before
from edubureau.audit.models import AuditEvent

MINIMUM_DAYS = 183


class Command(BaseCommand):
    help = "Delete audit events older than --days (default 365, minimum 183)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, days: int, dry_run: bool, **options: Any) -> None:
        if days < MINIMUM_DAYS:
            raise CommandError(
                f"审计日志至少保留{MINIMUM_DAYS}天（6个月），--days 不能小于{MINIMUM_DAYS}"
            )
        cutoff = timezone.now() - timedelta(days=days)
        if dry_run:
            count = AuditEvent.objects.filter(created_at__lt=cutoff).count()
        else:
            # The one sanctioned removal: the oldest events, recorded as a purge event.
            count = purge_before(cutoff=cutoff, actor_name="audit_prune")
        self.stdout.write(
            f"{'Would delete' if dry_run else 'Deleted'} {count} events before {cutoff:%Y-%m-%d}"
        )
