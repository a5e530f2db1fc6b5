"""Writing the audit trail. Every service that changes a domain record calls
:func:`audit_change` (or the create/delete helpers) in the same transaction."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from edubureau.audit.chain import append, append_many
from edubureau.audit.context import current_request_info
from edubureau.audit.models import Action, AuditEvent
from edubureau.core.crypto import EncryptedTextField, fingerprint


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    """Concrete field values of ``obj`` (foreign keys as ids), JSON-ready.
    Password hashes are never copied into the log; encrypted columns (phone
    numbers) only as a fingerprint that shows a change without the value."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in {"password"}:
            continue
        value = getattr(obj, field.attname)
        if isinstance(field, EncryptedTextField) and value:
            value = fingerprint(str(value))
        data[field.attname] = _jsonable(value)
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def _school_id(obj: models.Model | None) -> int | None:
    if obj is None:
        return None
    value = getattr(obj, "school_id", None)
    return int(value) if value is not None else None


def _bureau_id(obj: models.Model | None, actor: Any) -> int | None:
    value = getattr(obj, "bureau_id", None) if obj is not None else None
    if value is None and actor is not None:
        value = getattr(actor, "bureau_id", None)
    return int(value) if value is not None else None


def audit_event(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    detail: str = "",
    actor_name: str | None = None,
    model_label: str | None = None,
    object_id: str | None = None,
    school_id: int | None = None,
    target_bureau_id: int | None = None,
) -> AuditEvent:
    """The event :func:`audit_log` writes, not yet in the chain: for
    :func:`audit_append`, which writes several under one lock of the chain's head."""
    info = current_request_info()
    live_actor = actor if actor is not None and getattr(actor, "pk", None) else None
    return AuditEvent(
        actor=live_actor,
        actor_name=(actor_name if actor_name is not None else getattr(actor, "username", ""))[:150],
        action=action,
        model_label=model_label or (obj._meta.label if obj is not None else ""),
        object_id=object_id if object_id is not None else (str(obj.pk) if obj is not None else ""),
        object_repr=str(obj)[:200] if obj is not None else "",
        school_id=school_id if school_id is not None else _school_id(obj),
        bureau_id=_bureau_id(obj, live_actor),
        target_bureau_id=target_bureau_id,
        ip=info.ip,
        path=info.path,
        changes=_jsonable_changes(changes or {}),
        detail=detail[:500],
    )


def audit_log(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    detail: str = "",
    actor_name: str | None = None,
    model_label: str | None = None,
    object_id: str | None = None,
    school_id: int | None = None,
    target_bureau_id: int | None = None,
) -> AuditEvent:
    return append(
        audit_event(
            actor=actor,
            action=action,
            obj=obj,
            changes=changes,
            detail=detail,
            actor_name=actor_name,
            model_label=model_label,
            object_id=object_id,
            school_id=school_id,
            target_bureau_id=target_bureau_id,
        )
    )


def audit_append(events: Iterable[AuditEvent | None]) -> list[AuditEvent]:
    """Write ``events`` (from :func:`audit_event`, :func:`created_event`,
    :func:`changed_event`; ``None`` skipped) as consecutive links of the chain, in
    order, in the caller's transaction. Every audit write locks the chain's one head
    row until the transaction commits, so a service that writes many rows collects
    their events and appends them together at its end: a constant number of queries,
    and the lock held only for the last moment of its transaction."""
    return append_many([e for e in events if e is not None])


def _jsonable_changes(changes: dict[str, Any]) -> Any:
    # Hashed as it will read back: what the JSON column stores, not the Python objects.
    return json.loads(json.dumps(changes, cls=DjangoJSONEncoder))


def created_event(*, actor: Any, obj: models.Model, detail: str = "") -> AuditEvent:
    """The event :func:`audit_create` writes, not yet written (for :func:`audit_append`)."""
    after = snapshot(obj)
    return audit_event(
        actor=actor,
        action=Action.CREATE,
        obj=obj,
        changes={k: [None, v] for k, v in after.items()},
        detail=detail,
    )


def changed_event(
    *, actor: Any, obj: models.Model, before: dict[str, Any], detail: str = ""
) -> AuditEvent | None:
    """The event :func:`audit_change` writes, not yet written; ``None`` when nothing changed."""
    changes = diff(before, snapshot(obj))
    if not changes:
        return None
    return audit_event(actor=actor, action=Action.UPDATE, obj=obj, changes=changes, detail=detail)


def audit_create(*, actor: Any, obj: models.Model, detail: str = "") -> AuditEvent:
    return append(created_event(actor=actor, obj=obj, detail=detail))


def audit_change(
    *, actor: Any, obj: models.Model, before: dict[str, Any], detail: str = ""
) -> AuditEvent | None:
    """Record an update; nothing is written when nothing changed."""
    event = changed_event(actor=actor, obj=obj, before=before, detail=detail)
    return append(event) if event is not None else None


def audit_delete(*, actor: Any, obj: models.Model, detail: str = "") -> AuditEvent:
    before = snapshot(obj)
    return audit_log(
        actor=actor,
        action=Action.DELETE,
        obj=obj,
        changes={k: [v, None] for k, v in before.items()},
        detail=detail,
    )


def audit_denied(*, actor: Any, model: type[models.Model], object_id: Any, detail: str) -> None:
    """A user asked for a row outside their scope. Kept so a bureau can see probing:
    the prober's bureau and the bureau that owns the row both see the event."""
    school_id, target_bureau_id = _owner_of(model, object_id)
    audit_log(
        actor=actor,
        action=Action.ACCESS_DENIED,
        model_label=model._meta.label,
        object_id=str(object_id),
        school_id=school_id,
        target_bureau_id=target_bureau_id,
        detail=detail,
    )


def _owner_of(model: type[models.Model], object_id: Any) -> tuple[int | None, int | None]:
    """The school and bureau a row belongs to, by the model's own declaration:
    ``scope_field`` (school-owned rows), a ``bureau`` key (bureau-owned rows) or the
    bureau itself."""
    rows = model._default_manager.filter(pk=object_id)
    field = getattr(model, "scope_field", None)
    try:
        if field is not None:
            school_key = "pk" if field == "pk" else f"{field}_id"
            bureau_key = "bureau_id" if field == "pk" else f"{field}__bureau_id"
            found = rows.values_list(school_key, bureau_key).first()
            return (found[0], found[1]) if found else (None, None)
        names = {f.attname for f in model._meta.concrete_fields}
        if "bureau_id" in names:
            return None, rows.values_list("bureau_id", flat=True).first()
        if model._meta.label == "orgs.Bureau":
            return None, rows.values_list("pk", flat=True).first()
    except (ValueError, TypeError):
        pass
    return None, None
