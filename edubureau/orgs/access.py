"""Turning (user, id) into an object the user may see or change.

Views, API endpoints and services fetch scoped objects only through these
functions. Another school's object answers 404 (its existence is not revealed)
and the attempt is written to the audit log; a visible object the user may not
change answers 403, which handler403 audits like every other refusal.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.http import Http404

from edubureau.audit.services import audit_denied
from edubureau.orgs import wall

M = TypeVar("M", bound=models.Model)


def get_visible_or_404(
    model: type[M], user: Any, pk: Any, *, for_write: bool = False, related: tuple[str, ...] = ()
) -> M:
    """The object ``pk`` if ``user`` may read it (with ``related`` joined, as
    ``select_related``); a 404 otherwise, audited when the object exists."""
    manager = model._default_manager
    try:
        obj = manager.visible_to(user).select_related(*related).get(pk=pk)  # type: ignore[attr-defined]
    except (ObjectDoesNotExist, ValueError, TypeError):
        audit_out_of_scope(user, model, pk, detail="读取范围外的记录")
        raise Http404("记录不存在或无权访问") from None
    if for_write and not manager.writable_by(user).filter(pk=obj.pk).exists():  # type: ignore[attr-defined]
        # handler403 (and the API's exception handler) write the audit row.
        raise PermissionDenied("您没有修改此记录的权限")
    return obj


def get_writable_or_404(model: type[M], user: Any, pk: Any) -> M:
    return get_visible_or_404(model, user, pk, for_write=True)


def can_write(user: Any, obj: models.Model) -> bool:
    return bool(type(obj)._default_manager.writable_by(user).filter(pk=obj.pk).exists())  # type: ignore[attr-defined]


def audit_out_of_scope(user: Any, model: type[models.Model], pk: Any, *, detail: str) -> None:
    """Audit a request for a row ``user`` may not read, if the row exists. It crosses
    the database's wall on purpose: the event names the school the row belongs to, so
    that its bureau sees the probe; the caller learns nothing of it."""
    with wall.unrestricted():
        if _exists(model, pk):
            audit_denied(actor=user, model=model, object_id=pk, detail=detail)


def _exists(model: type[models.Model], pk: Any) -> bool:
    try:
        return model._default_manager.filter(pk=pk).exists()
    except (ValueError, TypeError):
        return False
