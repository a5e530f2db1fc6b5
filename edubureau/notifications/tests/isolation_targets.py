"""Autodiscovered by the generic isolation check (edubureau.testing.isolation): each
party's notification (to an account of its school), push endpoint and delivery. They
stay with their person or bureau: no bureau above reads them."""

from __future__ import annotations

from edubureau.notifications.models import (
    Notification,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookKind,
)
from edubureau.testing.cast import Cast
from edubureau.testing.isolation import TARGETS, Party, register_rowless_route, register_target


def _notification(cast: Cast, party: Party) -> Notification:
    users = TARGETS.get("user_id")
    recipient = users.make(cast, party) if users is not None and users.make else None
    return Notification.objects.get_or_create(
        recipient=recipient or cast.school_b_officer,
        title=f"隐患逾期提醒{party.marker}",
        school=party.school,
    )[0]


def _endpoint(cast: Cast, party: Party) -> WebhookEndpoint:
    return WebhookEndpoint.objects.get_or_create(
        bureau=party.school_bureau,
        name=f"安全群{party.marker}",
        defaults={
            "kind": WebhookKind.WECOM,
            "url": f"http://127.0.0.1:9/cgi-bin/webhook/send?key={party.key}-key-0001",
            # School B's pushes go to its own group, kept by 甲县's administrator.
            "school": party.school if party.bureau is None else None,
        },
    )[0]


def _delivery(cast: Cast, party: Party) -> WebhookDelivery:
    return WebhookDelivery.objects.get_or_create(
        endpoint=_endpoint(cast, party),
        title=f"测试消息{party.marker}",
        defaults={"payload": {"msgtype": "markdown", "markdown": {"content": party.marker}}},
    )[0]


register_target("notification_id", _notification, listed_by=("notifications:list",), readers=())
register_target("endpoint_id", _endpoint, listed_by=("notifications:webhook-list",), readers=())
register_target("delivery_id", _delivery, listed_by=("notifications:delivery-list",), readers=())
register_rowless_route("notifications:mark-all-read", "marks the user's own notifications")
register_rowless_route("notifications:webhook-create", "a form")
register_rowless_route("notifications:settings", "the user's own notification settings")
