"""Mark overdue hazards and climb the escalation ladder (notifying once per new level).

Runs daily as the recurring job ``safety.mark_overdue`` (``edubureau scheduler`` +
``edubureau worker``); this command is for running it by hand or from cron.
Idempotent: a second run on the same day changes nothing and notifies nobody.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from edubureau.safety.selectors.hazards import ESCALATION_LABELS
from edubureau.safety.services.overdue import hazards_mark_overdue


class Command(BaseCommand):
    help = (
        "逾期隐患督办升级 / mark overdue hazards and escalate them (responsible person → "
        "principal → safety department → bureau leader → public listing), notifying once "
        "per new level."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--date", dest="day", help="run as of this date, YYYY-MM-DD (default: today)"
        )
        parser.add_argument("--dry-run", action="store_true", help="report, change nothing")

    def handle(self, *args: Any, day: str | None, dry_run: bool, **options: Any) -> None:
        try:
            today = date.fromisoformat(day) if day else timezone.localdate()
        except ValueError:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{day}") from None
        run = hazards_mark_overdue(today=today, dry_run=dry_run)
        verb = "将升级" if dry_run else "已升级"
        self.stdout.write(
            f"{today:%Y-%m-%d}：逾期隐患{run.overdue}个，{verb}{run.escalated_total}个"
        )
        for level, count in sorted(run.escalated.items()):
            self.stdout.write(f"  第{level}级（{ESCALATION_LABELS[level]}）：{count}个")
        if not dry_run:
            self.stdout.write(f"发送通知{run.notified}条")
