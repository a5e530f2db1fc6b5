"""``edubureau backup [--output DIR]``: the database and the media store in one
directory with a checksummed manifest (see ``edubureau.core.backup``).

It lives in the audit app because it notes the audit chain's head in the manifest
(and audits itself), so that a restore can show the chain it brings back is the one
that was saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from edubureau.audit.models import Action, AuditChain
from edubureau.audit.services import audit_log
from edubureau.core.backup import BackupError, create_backup, preflight


def default_target() -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Path(settings.VAR_DIR) / "backups" / f"edubureau-{stamp}"


class Command(BaseCommand):
    help = (
        "备份数据库和上传文件 / back up the database and the uploaded files"
        " with a checksummed manifest"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            help="备份目录（不能已存在，或须为空）；默认 var/backups/edubureau-<时间>",
        )

    def handle(self, *args: Any, output: str | None, **options: Any) -> None:
        target = Path(output) if output else default_target()
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise CommandError(f"备份目录已存在且不为空，不会覆盖：{target}")
        try:
            preflight()
        except BackupError as exc:
            raise CommandError(f"{exc}；未生成备份") from exc
        with transaction.atomic():
            # The backup is itself an export of every record: audited, and the event
            # is the chain head the manifest notes (it is in the dump).
            audit_log(
                actor=None,
                action=Action.EXPORT,
                actor_name="backup",
                detail=f"备份数据库和上传文件到{target}",
            )
        head = AuditChain.objects.filter(pk=1).values("seq", "last_hash").first()
        try:
            manifest = create_backup(target, extra={"audit_head": head})
        except BackupError as exc:
            raise CommandError(f"备份失败，未生成备份：{exc}") from exc
        files = manifest["files"]
        size = sum(f["size"] for f in files)
        media = sum(1 for f in files if f["path"].startswith("media/"))
        self.stdout.write(
            self.style.SUCCESS(
                f"已备份到{target}：{manifest['database']['engine']}数据库、"
                f"{media}个上传文件，共{size / 1_048_576:.1f} MB；清单：{target / 'manifest.json'}"
            )
        )
