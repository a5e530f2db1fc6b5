"""Reading the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from edubureau.audit.models import Action, AuditEvent
from edubureau.core.listing import ListSpec
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


# The log as the list component reads it (core.listing).
AUDIT_LIST = ListSpec(
    filters=frozenset({"action", "actor", "model", "school", "since", "until"}),
    search=("actor_name", "object_repr", "detail"),
    search_hint="账号、对象或说明",
    sorts={"created_at": ("created_at",)},
    default_sort="-created_at",
    tiebreak=("-id",),
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


# Showing the log: what and who in words ------------------------------------------


@dataclass(frozen=True)
class Change:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class AuditRow:
    """One event as a reader sees it: "安全隐患“灭火器过期”" rather than
    ``safety.Hazard #1``, "张三（a_officer）" rather than the bare username."""

    event: AuditEvent
    who: str
    what: str
    changes: tuple[Change, ...]


def _model(label: str) -> type[Model] | None:
    try:
        return apps.get_model(label) if label else None
    except (LookupError, ValueError):
        return None


def model_name(label: str) -> str:
    """The model's Chinese name (its verbose_name), or the label if it is gone."""
    model = _model(label)
    return str(model._meta.verbose_name) if model is not None else label


def _change(model: type[Model] | None, key: str, value: Any) -> Change:
    """One changed field in words: its verbose name, and a choice's label (待复查, not
    ``rectified``) for each side."""
    before, after = value[:2] if isinstance(value, list) and len(value) >= 2 else (None, value)
    if model is None:
        return Change(key, before, after)
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return Change(key, before, after)
    labels = dict(getattr(field, "flatchoices", None) or ())

    def shown(v: Any) -> Any:
        return labels.get(v, v) if isinstance(v, (str, int)) else v

    return Change(str(getattr(field, "verbose_name", key)), shown(before), shown(after))


def _who(event: AuditEvent, bureau_id: int | None) -> str:
    actor = event.actor
    if actor is None:
        return event.actor_name or "—"
    if actor.bureau_id != bureau_id:
        # An account of another bureau (a probe of the reader's rows, or a higher
        # bureau acting on them): who it was is told by the account name alone; the
        # person behind it is that bureau's to know. The account's own bureau decides,
        # not the event's (an event on the reader's row carries the reader's bureau).
        return f"{event.actor_name or actor.get_username()}（外单位账号）"
    name = getattr(actor, "full_name", "") or ""
    username = event.actor_name or actor.get_username()
    return f"{name}（{username}）" if name and name != username else username


def _what(event: AuditEvent) -> str:
    if not event.model_label:
        return event.object_repr
    kind = model_name(event.model_label)
    if event.object_repr:
        return f"{kind}“{event.object_repr}”"
    return f"{kind}（编号{event.object_id}）" if event.object_id else kind


# Bookkeeping columns every save moves: a reader learns nothing from them.
_NOT_SHOWN = frozenset({"updated_at", "created_at"})


def _changes(model: type[Model] | None, event: AuditEvent) -> tuple[Change, ...]:
    items = (event.changes or {}).items()
    return tuple(_change(model, k, v) for k, v in items if k not in _NOT_SHOWN)


def described(events: Any, *, reader: Any) -> list[AuditRow]:
    """The page's events in words as ``reader`` may see them; the actors are read with
    the events (one query)."""
    bureau_id = getattr(reader, "bureau_id", None)
    rows = []
    for event in events:
        model = _model(event.model_label)
        changes = _changes(model, event)
        who = _who(event, bureau_id)
        rows.append(AuditRow(event=event, who=who, what=_what(event), changes=changes))
    return rows


def model_choices() -> list[tuple[str, str]]:
    """The project's models, for the log's 对象类型 filter: (label, Chinese name)."""
    found = [
        (m._meta.label, str(m._meta.verbose_name))
        for m in apps.get_models()
        if m.__module__.startswith("edubureau.")
    ]
    return sorted(found, key=lambda c: c[1])


def last_change_described(obj: Model) -> str:
    """The latest recorded change of ``obj`` in words, for a refused stale edit:
    "（最近一次修改：王安全（safety），12月3日11:05；学校名称：旧名 → 新名）"."""
    event = (
        AuditEvent.objects.filter(
            model_label=obj._meta.label,
            object_id=str(obj.pk),
            action__in=(Action.CREATE, Action.UPDATE),
        )
        .select_related("actor")
        .order_by("-seq", "-id")
        .first()
    )
    if event is None:
        return ""
    when = timezone.localtime(event.created_at)
    text = f"最近一次修改：{_who(event, event.bureau_id)}，{when.month}月{when.day}日{when:%H:%M}"
    model = _model(event.model_label)
    changes = _changes(model, event)
    shown = [f"{c.field}：{_shown(c.before)} → {_shown(c.after)}" for c in changes[:3]]
    if len(changes) > 3:
        shown.append(f"等{len(changes)}项")
    return f"（{'；'.join([text, *shown])}）"


def _shown(value: Any) -> str:
    text = "（空）" if value in (None, "") else str(value)
    return text if len(text) <= 30 else f"{text[:30]}…"
