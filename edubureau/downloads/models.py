"""A file generated in the background for the person who asked for it.

A download belongs to its owner alone: nobody else reads it, whatever their role
(the file was built with the owner's scope, through the scoping door). ``bureau`` and
``school`` are the owner's, kept so that a probe of someone else's download is
audited against the bureau and school it belongs to.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from edubureau.orgs.scoping import OwnerOnlyQuerySet


class Status(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class DownloadQuerySet(OwnerOnlyQuerySet):
    """A user reads only their own downloads, whatever their role."""


class Download(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="downloads",
        verbose_name="申请人",
    )
    bureau = models.ForeignKey(
        "orgs.Bureau", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    school = models.ForeignKey(
        "orgs.School", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField("类型", max_length=60)
    title = models.CharField("名称", max_length=200)
    # The request's query parameters, {name: [values…]}: the build reads them again.
    params = models.JSONField("条件", default=dict, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField("已完成", default=0)
    total = models.PositiveIntegerField("总数", default=0)
    # Stored under MEDIA_ROOT/downloads/, which no URL serves: only the file view
    # (owner only) answers it.
    file = models.FileField("文件", upload_to="downloads/%Y/%m/", blank=True, max_length=300)
    filename = models.CharField("文件名", max_length=200, blank=True)
    content_type = models.CharField(max_length=120, blank=True)
    size = models.PositiveBigIntegerField("大小", default=0)
    error = models.CharField("错误信息", max_length=500, blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = DownloadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="download_owner_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def pending(self) -> bool:
        return self.status in (Status.QUEUED, Status.RUNNING)

    @property
    def percent(self) -> int:
        if self.status == Status.DONE:
            return 100
        if not self.total:
            return 0
        return min(99, self.done * 100 // self.total)
