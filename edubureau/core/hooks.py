"""What core needs to know from the apps above it, asked through hooks.

core is the bottom layer (docs/ARCHITECTURE.md, ``[tool.importlinter]`` in
pyproject.toml): it imports no app. Where a core service needs something only a
higher app knows, it asks here, and that app plugs its answer in from its
``AppConfig.ready()``:

- :func:`audit` writes an audit event; the audit app plugs in ``audit_log``.
- :func:`deployment_is_shared` says whether several bureaus share this deployment;
  orgs, which knows bureaus, plugs in the rule.
- :func:`last_change` says who last changed a record and what, for the message of
  a refused stale edit; the audit app, which keeps the changes, plugs it in.
- :func:`answer_download` answers a request for a file (at once, or queued for the
  worker); the downloads app plugs in ``downloads.services.answer``, so that orgs'
  views, below that app, use the same rule as every module's.
- :func:`answer_import` answers an uploaded workbook (imported at once, or stored and
  queued for the worker); the imports app plugs in ``imports.services.answer``.

A hook nobody filled is a configuration error, never a silent no-op: a calendar
edit must not go unaudited because the audit app was left out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.http import HttpRequest, HttpResponse

# The audit actions core writes; each is a value of edubureau.audit.models.Action
# (core/tests/test_hooks.py checks it).
AuditAction = Literal["create", "update", "delete"]


class AuditWriter(Protocol):
    def __call__(
        self,
        *,
        actor: Any,
        action: str,
        obj: models.Model,
        changes: dict[str, Any],
        detail: str,
    ) -> object: ...


_audit_writer: AuditWriter | None = None
_shared_deployment: Callable[[], bool] | None = None
_last_change: Callable[[models.Model], str] | None = None
_download_answer: Callable[..., HttpResponse] | None = None
_import_answer: Callable[..., HttpResponse | list[str]] | None = None


def set_audit_writer(writer: AuditWriter) -> None:
    global _audit_writer
    _audit_writer = writer


def set_last_change_describer(describe: Callable[[models.Model], str]) -> None:
    global _last_change
    _last_change = describe


def set_download_answer(answer: Callable[..., HttpResponse]) -> None:
    global _download_answer
    _download_answer = answer


def answer_download(
    request: HttpRequest, kind: str, *, size: int, params: Any = None, title: str = ""
) -> HttpResponse:
    """The file of ``kind`` now, or a background download's page (the one rule,
    ``downloads.services.answer``)."""
    if _download_answer is None:
        raise ImproperlyConfigured("No download service: is edubureau.downloads installed?")
    return _download_answer(request, kind, size=size, params=params, title=title)


def set_import_answer(answer: Callable[..., HttpResponse | list[str]]) -> None:
    global _import_answer
    _import_answer = answer


def answer_import(
    request: HttpRequest, kind: str, *, upload: Any, check_only: bool
) -> HttpResponse | list[str]:
    """Import ``upload`` as ``kind`` now (a redirect with the counts in a message) or
    queue it (a redirect to its progress page); a sheet rejected at once comes back as
    its error lines, for the form to show (the one rule, ``imports.services.answer``)."""
    if _import_answer is None:
        raise ImproperlyConfigured("No import service: is edubureau.imports installed?")
    return _import_answer(request, kind, upload=upload, check_only=check_only)


def answer_import_form(request: HttpRequest, kind: str, form: Any) -> HttpResponse | list[str]:
    """:func:`answer_import` for an import page's form (``core.forms.ImportFileForm``):
    nothing to show (``[]``) unless it is a valid POST."""
    if request.method != "POST" or not form.is_valid():
        return []
    data = form.cleaned_data
    return answer_import(request, kind, upload=data["file"], check_only=data["check_only"])


def set_shared_deployment_check(check: Callable[[], bool]) -> None:
    global _shared_deployment
    _shared_deployment = check


def audit(
    *,
    actor: Any,
    action: AuditAction,
    obj: models.Model,
    changes: dict[str, Any],
    detail: str,
) -> None:
    """Write one audit event, in the caller's transaction."""
    if _audit_writer is None:
        raise ImproperlyConfigured("No audit writer: is edubureau.audit in INSTALLED_APPS?")
    _audit_writer(actor=actor, action=action, obj=obj, changes=changes, detail=detail)


def deployment_is_shared() -> bool:
    """Whether several bureaus share this deployment (and so its calendar)."""
    if _shared_deployment is None:
        raise ImproperlyConfigured("No shared-deployment check: is edubureau.orgs installed?")
    return _shared_deployment()


def last_change(obj: models.Model) -> str:
    """Who last changed ``obj``, when and what, in Chinese ("" when nothing says)."""
    if _last_change is None:
        raise ImproperlyConfigured("No last-change describer: is edubureau.audit installed?")
    return _last_change(obj)
