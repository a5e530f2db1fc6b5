"""The audit log: append-only, written by services and auth signals, never edited."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class Action(models.TextChoices):
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"
    LOGIN = "login", "登录"
    LOGOUT = "logout", "退出"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOCKED_OUT = "locked_out", "账号锁定"
    ACCESS_DENIED = "access_denied", "越权访问被拒绝"
    PASSWORD_CHANGE = "password_change", "修改密码"
    PASSWORD_RESET = "password_reset", "重置密码"
    EXPORT = "export", "导出"
    IMPORT = "import", "导入"
    PURGE = "purge", "清理过期日志"


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("audit events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit events are append-only; use the audit_prune command")


class AuditEvent(models.Model):
    # Set before the insert (not auto_now_add) because the hash covers it.
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    # Kept as text too, so the trail survives renaming or deleting the account.
    actor_name = models.CharField("操作人账号", max_length=150, blank=True)
    action = models.CharField("动作", max_length=20, choices=Action.choices, db_index=True)
    model_label = models.CharField("对象类型", max_length=100, blank=True, db_index=True)
    object_id = models.CharField("对象ID", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    school_id = models.BigIntegerField("学校ID", null=True, blank=True, db_index=True)
    bureau_id = models.BigIntegerField("教育局ID", null=True, blank=True, db_index=True)
    # A refused probe is shown to the bureau that owns what was probed, too.
    target_bureau_id = models.BigIntegerField(
        "被访问对象所属教育局ID", null=True, blank=True, db_index=True
    )
    ip = models.GenericIPAddressField("IP地址", null=True, blank=True)
    path = models.CharField("请求路径", max_length=300, blank=True)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    detail = models.CharField("说明", max_length=500, blank=True)
    # The hash chain (edubureau/audit/chain.py).
    seq = models.BigIntegerField("链序号", null=True, unique=True, editable=False)
    prev_hash = models.CharField("前一哈希", max_length=64, blank=True, editable=False)
    hash = models.CharField("哈希", max_length=64, blank=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["model_label", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("audit events are append-only")


class AuditChain(models.Model):
    """The head of the hash chain: one row, locked by every audit write."""

    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"

    def __str__(self) -> str:
        return f"#{self.seq} {self.last_hash[:12]}"
