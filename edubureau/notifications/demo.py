"""The notifications contributor to ``edubureau demo`` (see ``orgs/demo.py``): one
unread welcome note for every demo account, saying where notifications come from
and where to choose them, so that every role finds the bell lit on first login.
The modules above add what they would have sent (``safety/demo_notices.py``)."""

from __future__ import annotations

from datetime import datetime, time

from django.urls import reverse
from django.utils import timezone

from edubureau.notifications.models import Level, Notification
from edubureau.orgs.demo import DemoContext

TOPIC = "notifications.welcome"


def build(ctx: DemoContext) -> None:
    with ctx.step("通知：欢迎消息 notifications"):
        at = timezone.make_aware(datetime.combine(ctx.reference_date, time(7, 50)))
        Notification.objects.bulk_create(
            (
                Notification(
                    recipient=user,
                    title="欢迎使用教育局工作平台演示环境",
                    body=(
                        "隐患上报、整改待复查、复查不通过、销号、整改期限将至、月度自查退回、"
                        "检查活动安排等各个环节都会在这里通知到相关人员；本局配置企业微信、"
                        "钉钉群机器人后同时推送到群里。可在“通知设置”中选择要接收的通知。"
                    ),
                    link=reverse("notifications:settings"),
                    level=Level.INFO,
                    topic=TOPIC,
                    created_at=at,
                )
                for user in sorted(ctx.users.values(), key=lambda u: u.pk)
            ),
            batch_size=ctx.batch_size,
        )
