"""Reads of notifications and of the webhook delivery log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from edubureau.core.listing import ListSpec
from edubureau.core.params import param_id
from edubureau.notifications.models import (
    DeliveryStatus,
    Notification,
    WebhookDelivery,
    WebhookEndpoint,
)
from edubureau.orgs.models import User

SHOW_CHOICES = ("all", "unread")

# The inbox and the delivery log as the list component reads them (core.listing).
INBOX = ListSpec(filters=frozenset({"show"}), search=("title", "body"), search_hint="标题或内容")
DELIVERY_LOG = ListSpec(
    filters=frozenset({"status", "endpoint"}),
    search=("title", "last_error"),
    search_hint="标题或错误信息",
    sorts={"created_at": ("created_at",), "attempts": ("attempts", "created_at")},
)


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
        return cls(
            status=status if status in DeliveryStatus.values else "",
            # An id that overflows the database's keys is no id (not a 500).
            endpoint_id=param_id(params.get("endpoint")),
        )


def delivery_log(*, user: User, filters: DeliveryFilter) -> QuerySet[WebhookDelivery]:
    deliveries = WebhookDelivery.objects.visible_to(user).select_related("endpoint")
    if filters.status:
        deliveries = deliveries.filter(status=filters.status)
    if filters.endpoint_id is not None:
        deliveries = deliveries.filter(endpoint_id=filters.endpoint_id)
    return deliveries.order_by("-created_at", "-id")
