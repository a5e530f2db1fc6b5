"""证照到期提醒: remind schools and safety departments of expiring ledger documents.

Driver licences, vehicle inspections and insurance, canteen licences and emergency
plan reviews due within 30 days (or already past) are sent once a week: to each
school with such documents, and as a digest to each bureau's safety department.
Runs daily as the recurring job ``safety.remind_expiring_documents`` (acting on
working days, skipping whoever was reminded since Monday); this command is for
running it by hand or from cron.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from edubureau.safety.services.expiry import documents_expiry_remind


class Command(BaseCommand):
    help = "证照到期提醒 / weekly reminder of ledger documents expiring within 30 days."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--date", dest="day", help="run as of this date, YYYY-MM-DD (default: today)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count the schools, notify nobody"
        )

    def handle(self, *args: Any, day: str | None, dry_run: bool, **options: Any) -> None:
        try:
            today = date.fromisoformat(day) if day else timezone.localdate()
        except ValueError:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{day}") from None
        run = documents_expiry_remind(today=today, dry_run=dry_run)
        if not run.ran:
            self.stdout.write(f"{today:%Y-%m-%d}不是工作日，不提醒。")
            return
        verb = "将提醒" if dry_run else "已提醒"
        for school in run.schools:
            self.stdout.write(f"  {school.name}")
        summary = f"{verb}{len(run.schools)}所学校（{run.documents}份证照）"
        if run.skipped:
            summary += f"，本周已提醒过{run.skipped}所"
        if run.unreachable:
            names = "、".join(s.name for s in run.unreachable)
            summary += f"；{len(run.unreachable)}所学校没有可接收提醒的账号（{names}）"
        if not dry_run:
            summary += f"；安全股汇总{run.bureaus}份，发送通知{run.notified}条"
        self.stdout.write(summary)
