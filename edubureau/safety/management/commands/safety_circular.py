"""Write a bureau's month circular (月度隐患排查整改情况通报) as .docx, without a user.

For cron or a scheduled job: ``edubureau safety-circular --bureau 340100 --month
2026-05 --out 通报.docx``. It reads the bureau's whole subtree through
``system_scope`` (the scoping door's entrance for jobs that run without a user),
so a city's circular counts its counties and its 市直 schools, exactly as its
safety staff's download does. The run is audited like a download.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from edubureau.audit.models import Action
from edubureau.audit.services import audit_log
from edubureau.core.officialdoc import render_docx
from edubureau.orgs.models import Bureau
from edubureau.orgs.scoping import system_scope
from edubureau.safety.circulars import circular_for_month, circular_outline


class Command(BaseCommand):
    help = "Write a bureau's month circular (its whole subtree) as .docx."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--bureau", required=True, help="the bureau: its id or its 6-digit region code"
        )
        parser.add_argument("--month", required=True, help="the month, YYYY-MM")
        parser.add_argument("--out", required=True, help="the .docx file to write")
        parser.add_argument(
            "--date", dest="day", help="date the circular as of this day, YYYY-MM-DD"
        )

    def handle(
        self, *args: Any, bureau: str, month: str, out: str, day: str | None, **options: Any
    ) -> None:
        try:
            year, number = (int(part) for part in month.split("-"))
            first = date(year, number, 1)
        except ValueError:
            raise CommandError(f"月份格式应为 YYYY-MM：{month}") from None
        try:
            today = date.fromisoformat(day) if day else timezone.localdate()
        except ValueError:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{day}") from None
        lookup = Q(region_code=bureau) | (Q(pk=int(bureau)) if bureau.isdigit() else Q())
        found = list(Bureau.objects.filter(lookup)[:2])
        if len(found) != 1:
            raise CommandError(f"找不到唯一的教育局：{bureau}")
        content = circular_for_month(scope=system_scope(found[0]), month=first, today=today)
        Path(out).write_bytes(render_docx(circular_outline(content)))
        audit_log(
            actor=None,
            actor_name="系统（通报任务）",
            action=Action.EXPORT,
            model_label="safety.Circular",
            detail=f"生成通报：{content.title}",
        )
        self.stdout.write(f"{content.title}：{content.schools_total}所学校，已写入{out}")
