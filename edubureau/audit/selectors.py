"""Reading the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from edubureau.audit.models import AuditEvent
from edubureau.core.params import param_date, param_id
from edubureau.core.roles import Role

# Who may browse the log: the bureau's audit administrators and leaders, never the
# account administrator whose actions it records (三员分立).
AUDIT_READER_ROLES = frozenset({Role.AUDITOR, Role.BUREAU_LEADER})


def can_read_audit(user: Any) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return bool(user.is_superuser or user.role in AUDIT_READER_ROLES)


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor: str = ""
    model_label: str = ""
    school_id: int | None = None
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_params(cls, params: Any) -> AuditFilter:
        return cls(
            action=params.get("action") or "",
            actor=(params.get("actor") or "").strip()[:150],
            model_label=(params.get("model") or "").strip()[:100],
            school_id=param_id(params.get("school")),
            since=param_date(params.get("since")),
            until=param_date(params.get("until")),
        )


def audit_events(*, user: Any, filters: AuditFilter) -> QuerySet[AuditEvent]:
    if not can_read_audit(user):
        return AuditEvent.objects.none()
    if user.bureau_id:
        # The bureau's own events, and probes of its rows from outside it.
        qs = AuditEvent.objects.filter(
            Q(bureau_id=user.bureau_id) | Q(target_bureau_id=user.bureau_id)
        )
    else:
        # The platform operator: events that belong to no bureau (failed logins
        # with unknown usernames, the operator's own actions, purges).
        qs = AuditEvent.objects.filter(bureau_id__isnull=True)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.actor:
        qs = qs.filter(actor_name__icontains=filters.actor)
    if filters.model_label:
        qs = qs.filter(model_label=filters.model_label)
    if filters.school_id:
        qs = qs.filter(school_id=filters.school_id)
    tz = timezone.get_current_timezone()
    if filters.since:
        qs = qs.filter(created_at__gte=datetime.combine(filters.since, time.min, tz))
    if filters.until:
        qs = qs.filter(
            created_at__lt=datetime.combine(filters.until + timedelta(days=1), time.min, tz)
        )
    return qs.order_by("-created_at", "-id")
