"""Reads of notifications and of the webhook delivery log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from edubureau.notifications.models import (
    DeliveryStatus,
    Notification,
    WebhookDelivery,
    WebhookEndpoint,
)
from edubureau.orgs.models import User

SHOW_CHOICES = ("all", "unread")


def notification_inbox(*, user: User, show: str = "all") -> QuerySet[Notification]:
    """The user's own notifications, unread first, newest first within each group."""
    notes = Notification.objects.visible_to(user)
    if show == "unread":
        notes = notes.unread()
    return notes.annotate(
        read_rank=Case(
            When(read_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    ).order_by("read_rank", "-created_at", "-id")


def endpoint_list(*, user: User) -> QuerySet[WebhookEndpoint]:
    return (
        WebhookEndpoint.objects.visible_to(user)
        .select_related("school")
        .annotate(
            failing=Count(
                "deliveries",
                filter=Q(deliveries__status__in=[DeliveryStatus.FAILED, DeliveryStatus.GAVE_UP]),
            )
        )
    )


@dataclass(frozen=True)
class DeliveryFilter:
    status: str = ""
    endpoint_id: int | None = None

    @classmethod
    def from_params(cls, params: Any) -> DeliveryFilter:
        status = params.get("status", "")
        try:
            endpoint_id = int(params.get("endpoint", ""))
        except ValueError:
            endpoint_id = None
        return cls(
            status=status if status in DeliveryStatus.values else "", endpoint_id=endpoint_id
        )


def delivery_log(*, user: User, filters: DeliveryFilter) -> QuerySet[WebhookDelivery]:
    deliveries = WebhookDelivery.objects.visible_to(user).select_related("endpoint")
    if filters.status:
        deliveries = deliveries.filter(status=filters.status)
    if filters.endpoint_id is not None:
        deliveries = deliveries.filter(endpoint_id=filters.endpoint_id)
    return deliveries.order_by("-created_at", "-id")
