"""In-app notifications and their optional delivery to group robots (企业微信 / 钉钉).

A notification belongs to exactly one recipient, who alone may read it. Webhook
endpoints and their delivery log are settings: only the bureau's administrators see
them. Both querysets derive from the scoping door's ``SchoolScopedQuerySet`` (they
carry an optional ``school``) but override its rules, which are about school records.
"""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone

from edubureau.notifications.webhooks import mask_secret, mask_url, split_topics, topic_matches
from edubureau.orgs.scoping import ADMINISTRATOR, SchoolScopedQuerySet, is_live


class Level(models.TextChoices):
    INFO = "info", "提示"
    WARNING = "warning", "提醒"
    URGENT = "urgent", "紧急"


class NotificationQuerySet(SchoolScopedQuerySet):
    """A user reads and marks only their own notifications, whatever their role."""

    def visible_to(self, user: Any) -> Self:
        if not is_live(user):
            return self.none()
        return self.filter(recipient_id=user.pk)

    def writable_by(self, user: Any) -> Self:
        return self.visible_to(user)

    def unread(self) -> Self:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name="接收人",
    )
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    # A path inside the site ("/safety/hazards/12/"); never an absolute URL.
    link = models.CharField("链接", max_length=500, blank=True)
    level = models.CharField("级别", max_length=10, choices=Level.choices, default=Level.INFO)
    topic = models.CharField(
        "主题", max_length=100, blank=True, help_text="如 safety.hazard_overdue"
    )
    # The school the notification is about (not the recipient's school).
    school = models.ForeignKey(
        "orgs.School",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="相关学校",
    )
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            # The header's unread count on every page: a small partial index.
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class WebhookKind(models.TextChoices):
    WECOM = "wecom", "企业微信群机器人"
    DINGTALK = "dingtalk", "钉钉群机器人"


webhook_url_validator = URLValidator(
    schemes=["http", "https"], message="请输入以 http:// 或 https:// 开头的有效地址"
)


class AdministratorsOnlyQuerySet(SchoolScopedQuerySet):
    """Push settings and their log: the bureau's administrators, nobody else."""

    bureau_lookup = "bureau_id"

    def visible_to(self, user: Any) -> Self:
        if not is_live(user) or user.role != ADMINISTRATOR or user.bureau_id is None:
            return self.none()
        return self.filter(**{self.bureau_lookup: user.bureau_id})

    def writable_by(self, user: Any) -> Self:
        return self.visible_to(user)


class WebhookEndpointQuerySet(AdministratorsOnlyQuerySet):
    def active(self) -> Self:
        return self.filter(is_active=True)


class WebhookEndpoint(models.Model):
    bureau = models.ForeignKey(
        "orgs.Bureau", on_delete=models.PROTECT, related_name="webhook_endpoints"
    )
    name = models.CharField("名称", max_length=60)
    kind = models.CharField("类型", max_length=10, choices=WebhookKind.choices)
    url = models.CharField("Webhook地址", max_length=500, validators=[webhook_url_validator])
    secret = models.CharField("加签密钥", max_length=200, blank=True)
    topics = models.CharField(
        "订阅主题",
        max_length=500,
        blank=True,
        help_text="逗号分隔，如 safety，plans.task_overdue；留空表示接收全部通知",
    )
    school = models.ForeignKey(
        "orgs.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="webhook_endpoints",
        verbose_name="仅限学校",
        help_text="选择后，此群只接收与该校有关的通知",
    )
    is_active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="创建人",
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = WebhookEndpointQuerySet.as_manager()

    class Meta:
        verbose_name = "消息推送地址"
        verbose_name_plural = "消息推送地址"
        ordering = ["-is_active", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["bureau", "name"], name="webhook_endpoint_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_url(self) -> str:
        return mask_url(self.url)

    @property
    def masked_secret(self) -> str:
        return mask_secret(self.secret)

    @property
    def topic_list(self) -> list[str]:
        return split_topics(self.topics)

    def accepts(self, *, topic: str, school_id: int | None) -> bool:
        """Whether a notification with this topic, about this school, goes to this group."""
        if self.school_id is not None and self.school_id != school_id:
            return False
        return topic_matches(self.topic_list, topic)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SUCCEEDED = "succeeded", "已送达"
    FAILED = "failed", "失败待重试"
    GAVE_UP = "gave_up", "已放弃"


OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


class WebhookDeliveryQuerySet(AdministratorsOnlyQuerySet):
    bureau_lookup = "endpoint__bureau_id"


class WebhookDelivery(models.Model):
    """One message to one group robot: one per endpoint per ``notify()`` call."""

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name="推送地址",
    )
    # One of the notifications of the notify() call (they share title and body);
    # empty for a test message.
    notification = models.ForeignKey(
        Notification, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField("标题", max_length=200)
    payload = models.JSONField("消息内容")
    status = models.CharField(
        "状态", max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    last_status_code = models.PositiveSmallIntegerField("最近HTTP状态码", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=500, blank=True)
    next_attempt_at = models.DateTimeField("下次尝试时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = "推送记录"
        verbose_name_plural = "推送记录"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} → {self.endpoint_id}"

    @property
    def status_tag(self) -> str:
        """The CSS modifier of the status tag in the delivery log."""
        return _STATUS_TAGS.get(str(self.status), "")


_STATUS_TAGS = {
    DeliveryStatus.SUCCEEDED.value: "ok",
    DeliveryStatus.FAILED.value: "warn",
    DeliveryStatus.GAVE_UP.value: "bad",
}


class WebhookAttempt(models.Model):
    """Every HTTP attempt of a delivery, for the delivery log."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField("第几次")
    started_at = models.DateTimeField("时间")
    duration_ms = models.PositiveIntegerField("耗时（毫秒）", default=0)
    status_code = models.PositiveSmallIntegerField("HTTP状态码", null=True, blank=True)
    succeeded = models.BooleanField("成功", default=False)
    error = models.CharField("错误", max_length=500, blank=True)
    response = models.CharField("响应", max_length=500, blank=True)

    class Meta:
        verbose_name = "推送尝试"
        verbose_name_plural = "推送尝试"
        ordering = ["number", "id"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"


class MutedTopicQuerySet(models.QuerySet["MutedTopic"]):
    """A user's own notification settings, nobody else's."""

    def visible_to(self, user: Any) -> Self:
        if not is_live(user):
            return self.none()
        return self.filter(user_id=user.pk)

    def writable_by(self, user: Any) -> Self:
        return self.visible_to(user)


class MutedTopic(models.Model):
    """A topic the user chose not to receive in the app (通知设置). One row per muted
    topic: the default, receiving everything, needs no row, and ``notify()`` drops
    the muted recipients with one query. Group robots are the bureau's settings and
    are not affected."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="muted_topics",
        verbose_name="用户",
    )
    topic = models.CharField("主题", max_length=100)
    created_at = models.DateTimeField("设置时间", default=timezone.now)

    objects = MutedTopicQuerySet.as_manager()

    class Meta:
        verbose_name = "不接收的通知主题"
        verbose_name_plural = "不接收的通知主题"
        ordering = ["user", "topic"]
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="muted_topic_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.topic}"
