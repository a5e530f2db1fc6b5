"""State of the recurring-job scheduler: one row per registered job."""

from __future__ import annotations

from django.db import models


class RecurringJobRun(models.Model):
    """When a recurring job was last enqueued.

    The scheduler claims a slot with a conditional UPDATE on ``last_enqueued_at``,
    so two scheduler processes never enqueue the same job twice for one slot.
    """

    name = models.CharField("任务名称", max_length=100, unique=True)
    last_enqueued_at = models.DateTimeField("最近入队时间", null=True, blank=True)
    last_task_id = models.CharField("最近任务ID", max_length=64, blank=True)

    class Meta:
        verbose_name = "定时任务运行记录"
        verbose_name_plural = "定时任务运行记录"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
