"""``edubureau restore DIR [--yes]``: bring back a backup made by ``edubureau backup``.

Nothing changes until the whole backup has been checked (every file against the
manifest, the engine, the migrations). Then the media files are staged beside
MEDIA_ROOT, the database is replaced in one transaction, the staged files are moved
in, and the audit chain is verified. Stop the web server, the worker and the
scheduler first."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from edubureau.audit.chain import verify_chain
from edubureau.audit.models import Action, AuditEvent
from edubureau.audit.services import audit_log
from edubureau.core.backup import (
    BackupError,
    check_restorable,
    database_has_data,
    media_has_files,
    restore_database,
    stage_media,
    swap_media,
    verify_backup,
)


class Command(BaseCommand):
    help = (
        "从备份恢复 / restore a backup of the database and the uploaded files,"
        " then verify the audit log"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="edubureau backup 生成的备份目录")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="确认覆盖：当前数据库或上传文件目录不为空时，用备份替换它们",
        )

    def handle(self, *args: Any, directory: str, yes: bool, **options: Any) -> None:
        root = Path(directory)
        try:
            verified = verify_backup(root)
        except BackupError as exc:
            raise CommandError(f"{exc}；未做任何改动") from exc
        for problem in verified.problems:
            self.stderr.write(problem)
        if not verified.ok:
            raise CommandError(
                f"备份校验未通过（{len(verified.problems)}处问题，见上），未做任何改动：{root}"
            )
        manifest = verified.manifest
        try:
            check_restorable(manifest)
        except BackupError as exc:
            raise CommandError(f"{exc}；未做任何改动") from exc
        tables = database_has_data()
        if (tables or media_has_files()) and not yes:
            what = []
            if tables:
                shown = "、".join(tables[:5]) + ("等" if len(tables) > 5 else "")
                what.append(f"数据库中已有数据（{shown}）")
            if media_has_files():
                what.append("上传文件目录不为空")
            raise CommandError(
                "；".join(what)
                + "：恢复会用备份替换现有数据。确认替换请加 --yes（建议先 edubureau backup）；"
                "未做任何改动"
            )
        self.stdout.write(f"备份校验通过：{len(manifest['files'])}个文件，校验和全部一致")
        try:
            stage = stage_media(root, manifest["files"])
        except (BackupError, OSError) as exc:
            raise CommandError(f"暂存上传文件失败，未做任何改动：{exc}") from exc
        try:
            restore_database(root / manifest["database"]["file"], manifest["database"]["engine"])
        except BackupError as exc:
            shutil.rmtree(stage, ignore_errors=True)
            raise CommandError(f"恢复失败，数据库和上传文件均未改变：{exc}") from exc
        self.stdout.write("数据库已恢复")
        try:
            previous = swap_media(stage)
        except OSError as exc:
            raise CommandError(
                f"数据库已恢复，但上传文件移入失败：{exc}。备份的上传文件暂存在{stage}，"
                "请手工移入上传文件目录，再运行 edubureau audit-verify"
            ) from exc
        media = sum(1 for f in manifest["files"] if f["path"].startswith("media/"))
        self.stdout.write(f"上传文件已恢复：{media}个")
        if previous is not None:
            self.stdout.write(f"原有的上传文件已移到{previous}（确认无误后可删除）")
        self._verify(manifest)
        with transaction.atomic():
            audit_log(
                actor=None,
                action=Action.IMPORT,
                actor_name="restore",
                detail=f"从备份恢复数据库和上传文件（备份时间{manifest['created_at']}，目录{root}）",
            )
        self.stdout.write(self.style.SUCCESS(f"恢复完成：{root}"))
        if manifest["database"]["engine"] == "postgresql":
            self.stdout.write(
                "请以属主角色重新执行 docs/security.md 生产清单第3条的授权语句"
                "（GRANT/REVOKE），应用角色才能访问恢复后的表"
            )

    def _verify(self, manifest: dict[str, Any]) -> None:
        result = verify_chain()
        for problem in result.problems:
            self.stderr.write(problem)
        head = manifest.get("audit_head") or {}
        if head.get("seq"):
            noted = AuditEvent._base_manager.filter(seq=head["seq"]).values_list("hash", flat=True)
            if list(noted) != [head["last_hash"]]:
                result.problems.append(
                    f"恢复后的审计日志中第{head['seq']}条事件与备份时记下的链头不符"
                )
                self.stderr.write(result.problems[-1])
        if not result.ok:
            raise CommandError(
                f"数据库和上传文件已恢复，但审计日志校验未通过：检查{result.checked}条，"
                f"发现{len(result.problems)}处问题（见上）"
            )
        self.stdout.write(
            f"审计日志校验通过：{result.checked}条事件，哈希链完整，与备份时的链头一致"
        )
