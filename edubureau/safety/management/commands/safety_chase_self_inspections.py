"""Chase the schools whose monthly self-inspection is missing after its due date.

For the current month (or ``--period``), once the due date (the Nth working day,
``SAFETY_SELF_INSPECTION_DUE_WORKING_DAY``) has passed, every active school without a
submitted self-inspection gets a 催报 notification to its (not read-only) users. A
school already chased today is skipped, so running it twice a day sends one reminder.
Runs daily as the recurring job ``safety.chase_self_inspections`` (working days only);
this command is for running it by hand or from cron.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from edubureau.safety.selectors.inspections import parse_period
from edubureau.safety.services.chase import self_inspections_chase_due


class Command(BaseCommand):
    help = (
        "月度自查催报 / notify schools whose monthly self-inspection is missing after the due date."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--period", help="month to chase, YYYY-MM (default: this month)")
        parser.add_argument(
            "--date", dest="day", help="run as of this date, YYYY-MM-DD (default: today)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="list the schools, notify nobody"
        )

    def handle(
        self, *args: Any, period: str | None, day: str | None, dry_run: bool, **options: Any
    ) -> None:
        try:
            today = date.fromisoformat(day) if day else timezone.localdate()
        except ValueError:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{day}") from None
        month = parse_period(period) if period else None
        if period and month is None:
            raise CommandError(f"月份格式应为 YYYY-MM：{period}")
        run = self_inspections_chase_due(today=today, period=month, dry_run=dry_run)
        label = f"{run.period:%Y年%m月}月度自查（应报日期{run.due_on:%Y-%m-%d}）"
        if not run.ran:
            self.stdout.write(f"{label}尚未到期，不催报。")
            return
        verb = "将催报" if dry_run else "已催报"
        for bureau, result in run.results:
            line = f"{bureau.name}：{verb}{len(result.schools)}所学校"
            if result.skipped_today:
                line += f"，今天已催报过{len(result.skipped_today)}所"
            self.stdout.write(line)
            for school in result.schools:
                self.stdout.write(f"  {school.name}")
        summary = f"{label}：{verb}{run.schools}所学校"
        if not dry_run:
            summary += f"，发送通知{run.notified}条"
        self.stdout.write(summary)
