from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from edubureau.notifications.models import Notification


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    """The header's unread count: one COUNT over a partial index, 0 for anonymous users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    count = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()
    return {"unread_notifications": count}
