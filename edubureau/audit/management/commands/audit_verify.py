"""Check the audit log's hash chain: ``edubureau audit-verify``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from edubureau.audit.chain import verify_chain


class Command(BaseCommand):
    help = "Recompute the audit log's hash chain; exit 1 on an altered, deleted or reordered event."

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_chain()
        for problem in result.problems:
            self.stderr.write(problem)
        if not result.ok:
            raise CommandError(
                f"审计日志校验未通过：检查{result.checked}条，发现{len(result.problems)}处问题"
            )
        self.stdout.write(f"审计日志校验通过：{result.checked}条事件，哈希链完整")
