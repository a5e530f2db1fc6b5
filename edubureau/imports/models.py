"""An uploaded workbook imported in the background for the person who sent it.

Like a download, an import job belongs to its owner alone (the worker imports as the
owner, through the module's own service and so through the scoping door). The
workbook is kept only until the worker has read it: it may hold names and phone
numbers, and the rows it made are the record from then on. ``bureau`` and ``school``
are the owner's, kept so that a probe of someone else's job is audited against them.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from django.conf import settings
from django.db import models

from edubureau.orgs.scoping import OwnerOnlyQuerySet


class Status(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "导入中"
    DONE = "done", "已完成"
    REJECTED = "rejected", "未通过检查"
    FAILED = "failed", "失败"


class ImportJobQuerySet(OwnerOnlyQuerySet):
    """A user reads only their own import jobs, whatever their role."""


class ImportJob(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="import_jobs",
        verbose_name="导入人",
    )
    bureau = models.ForeignKey(
        "orgs.Bureau", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    school = models.ForeignKey(
        "orgs.School", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField("类型", max_length=60)
    title = models.CharField("名称", max_length=200)
    check_only = models.BooleanField("仅检查", default=False)
    # Stored under MEDIA_ROOT/imports/, which no URL serves; deleted once read.
    file = models.FileField("文件", upload_to="imports/%Y/%m/", blank=True, max_length=300)
    filename = models.CharField("文件名", max_length=200, blank=True)
    rows = models.PositiveIntegerField("行数", default=0)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField("总数", default=0)
    summary = models.CharField("结果", max_length=500, blank=True)
    # Every rejected cell, as the form shows them (sheet, row, column, rule).
    errors = models.JSONField("错误", default=list, blank=True)
    error = models.CharField("错误信息", max_length=500, blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="import_owner_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def pending(self) -> bool:
        return self.status in (Status.QUEUED, Status.RUNNING)

    # Progress. The rows are written in one transaction, which nobody else sees until
    # it commits, so the worker reports how far it got through a small file instead
    # (MEDIA_ROOT, which the web processes and the worker share for photos already).

    @property
    def progress_path(self) -> Path:
        return Path(settings.MEDIA_ROOT) / "imports" / "progress" / f"{self.pk}.txt"

    @cached_property
    def progress(self) -> tuple[int, int]:
        """(rows done, rows in all) as the page shows them."""
        if self.status == Status.DONE:
            return self.total, self.total
        if self.status != Status.RUNNING:
            return 0, self.total
        try:
            done, total = (int(n) for n in self.progress_path.read_text().split())
        except (OSError, ValueError):
            return 0, self.total
        return min(done, total), total

    @property
    def percent(self) -> int:
        done, total = self.progress
        return min(100, done * 100 // total) if total else 0
