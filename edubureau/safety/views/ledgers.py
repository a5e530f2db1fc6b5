"""Ledger pages. Every ledger shares these views; the URL passes ``ledger`` (the
spec's key) and the object id as ``<model>_id``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from edubureau.core import hooks
from edubureau.core.concurrency import EditConflict
from edubureau.core.listing import (
    apply_list_query,
    list_context,
    read_list_query,
)
from edubureau.downloads import services as downloads
from edubureau.orgs.access import get_visible_or_404
from edubureau.orgs.http import AuthedRequest
from edubureau.orgs.models import SchoolYear, User
from edubureau.orgs.scoping import schools_writable_by
from edubureau.orgs.selectors import place_chooser
from edubureau.safety import downloads as safety_downloads
from edubureau.safety.forms.ledgers import LedgerForm, LedgerImportForm
from edubureau.safety.imports import ledger_import_kind
from edubureau.safety.selectors.ledger_specs import (
    DEFAULT_EXPIRY_DAYS,
    LEDGERS,
    LedgerSpec,
    display_value,
)
from edubureau.safety.selectors.ledgers import (
    LedgerFilter,
    ledger_list_spec,
    ledger_overview,
    ledger_rows,
    ledger_totals,
)
from edubureau.safety.services import ledgers as services


@login_required
def ledger_home(request: AuthedRequest) -> HttpResponse:
    overview = ledger_overview(user=request.user, today=timezone.localdate())
    cards = [
        {"card": c, "list": reverse(f"safety:{c.spec.key}-list"), "new": _create_url(c.spec)}
        for c in overview.cards
    ]
    expiring = [
        {
            "doc": d,
            "url": f"{reverse(f'safety:{d.ledger}-list')}"
            f"?school={d.school_id}&expiring={DEFAULT_EXPIRY_DAYS}",
        }
        for d in overview.expiring
    ]
    return render(
        request,
        "safety/ledgers/home.html",
        {
            "overview": overview,
            "cards": cards,
            "expiring": expiring,
            "can_write": services.can_write_ledgers(request.user),
            "days": DEFAULT_EXPIRY_DAYS,
        },
    )


@login_required
def ledger_list(request: AuthedRequest, ledger: str) -> HttpResponse:
    spec, today = LEDGERS[ledger], timezone.localdate()
    listed = ledger_list_spec(spec)
    listing = read_list_query(listed, request.GET)
    filters = LedgerFilter.from_params(spec, request.GET)
    rows = ledger_rows(spec=spec, user=request.user, filters=filters, today=today)
    rows = apply_list_query(listed, rows, listing)
    context = list_context(request, listed, rows, listing)
    page = context["page"]
    writable = set(
        schools_writable_by(request.user, owner=spec.model.owner_department_code).values_list(
            "pk", flat=True
        )
    )
    return render(
        request,
        "safety/ledgers/list.html",
        {
            **context,
            "spec": spec,
            # (label, sort key or None): the heads the list component may sort by.
            "headers": [
                ("学校", "school"),
                *((_label(spec, n), n if n in listed.sorts else None) for n in spec.list_fields),
            ],
            "table": [_row(spec, obj, today, obj.school_id in writable) for obj in page],
            "totals": ledger_totals(spec=spec, rows=rows),
            "filters": filters,
            "can_write": bool(writable),
            **_filter_options(spec, request.user, filters, request.GET),
        },
    )


@login_required
def ledger_export(request: AuthedRequest, ledger: str) -> HttpResponse:
    """The filtered list as .xlsx in the layout the import reads back; made in the
    background when it is large (a province's letters are 180,000 rows)."""
    spec = LEDGERS[ledger]
    total = safety_downloads.ledger_export_queryset(request.user, spec, request.GET).count()
    return downloads.answer(request, safety_downloads.ledger_kind(spec), size=total)


@login_required
@require_http_methods(["GET", "POST"])
def ledger_create(request: AuthedRequest, ledger: str) -> HttpResponse:
    spec, today = LEDGERS[ledger], timezone.localdate()
    if not services.can_write_ledgers(request.user):
        raise PermissionDenied("您没有填报安全台账的权限")
    school_id = LedgerFilter.from_params(spec, request.GET).school_id
    form = LedgerForm(
        request.POST or None, spec=spec, user=request.user, today=today, school_id=school_id
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.ledger_create(actor=request.user, spec=spec, data=form.values(), today=today)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已登记{spec.title}。")
            return redirect(f"safety:{spec.key}-list")
    return render(
        request,
        "safety/ledgers/form.html",
        {"spec": spec, "form": form, "obj": None, "urls": _urls(spec)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def ledger_edit(request: AuthedRequest, ledger: str, **ids: int) -> HttpResponse:
    spec, today = LEDGERS[ledger], timezone.localdate()
    obj = _writable(spec, request.user, ids[spec.id_kwarg])
    form = LedgerForm(request.POST or None, spec=spec, user=request.user, today=today, instance=obj)
    if request.method == "POST" and form.is_valid():
        try:
            services.ledger_update(
                actor=request.user,
                spec=spec,
                obj=obj,
                data=form.values(),
                loaded_version=form.cleaned_data["version"] or None,
                today=today,
            )
        except (EditConflict, ValidationError) as exc:
            form.add_error(None, exc if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, f"{spec.title}已保存。")
            return redirect(f"safety:{spec.key}-list")
    return render(
        request,
        "safety/ledgers/form.html",
        {"spec": spec, "form": form, "obj": obj, "urls": _urls(spec)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def ledger_delete(request: AuthedRequest, ledger: str, **ids: int) -> HttpResponse:
    spec = LEDGERS[ledger]
    obj = _writable(spec, request.user, ids[spec.id_kwarg])
    if request.method == "POST":
        services.ledger_delete(actor=request.user, spec=spec, obj=obj)
        messages.success(request, f"已删除{spec.title}记录“{obj}”。")
        return redirect(f"safety:{spec.key}-list")
    return render(
        request,
        "safety/ledgers/confirm_delete.html",
        {"spec": spec, "obj": obj, "urls": _urls(spec)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def ledger_import(request: AuthedRequest, ledger: str) -> HttpResponse:
    spec = LEDGERS[ledger]
    if not services.can_write_ledgers(request.user):
        raise PermissionDenied("您没有导入安全台账的权限")
    form = LedgerImportForm(request.POST or None, request.FILES or None)
    answered = hooks.answer_import_form(request, ledger_import_kind(spec), form)
    if isinstance(answered, HttpResponse):
        return answered
    errors = answered
    columns = services.ledger_columns(spec)
    return render(
        request,
        "safety/ledgers/import.html",
        {"spec": spec, "form": form, "errors": errors, "columns": columns, "urls": _urls(spec)},
    )


# Helpers ---------------------------------------------------------------------


def _writable(spec: LedgerSpec, user: User, object_id: int) -> Any:
    """The row if the user may see it (else 404) and change it (else 403)."""
    return get_visible_or_404(spec.model, user, object_id, for_write=True)


def _create_url(spec: LedgerSpec) -> str:
    return reverse(f"safety:{spec.key}-create")


def _urls(spec: LedgerSpec) -> dict[str, str]:
    return {name: reverse(f"safety:{spec.key}-{name}") for name in _PAGES}


_PAGES = ("list", "create", "export", "import")


def _label(spec: LedgerSpec, name: str) -> str:
    return services.LABELS.get(name, str(spec.field(name).verbose_name))


def _row(spec: LedgerSpec, obj: Model, today: date, can_write: bool) -> dict[str, Any]:
    expiring = {e.field for e in spec.expiry}
    cells: list[dict[str, Any]] = [{"label": "学校", "text": obj.school.name, "tag": None}]  # type: ignore[attr-defined]
    for name in spec.list_fields:
        value = display_value(obj, name)
        cell: dict[str, Any] = {"label": _label(spec, name), "text": _text(value), "tag": None}
        if name in expiring and isinstance(value, date) and getattr(obj, "is_active", True):
            days = (value - today).days
            if days < 0:
                cell["tag"] = ("bad", "已过期")
            elif days <= DEFAULT_EXPIRY_DAYS:
                cell["tag"] = ("warn", f"{days}天后到期")
        cells.append(cell)
    row: dict[str, Any] = {"obj": obj, "cells": cells, "can_write": can_write}
    if can_write:
        ids = {spec.id_kwarg: obj.pk}
        row["edit"] = reverse(f"safety:{spec.key}-edit", kwargs=ids)
        row["delete"] = reverse(f"safety:{spec.key}-delete", kwargs=ids)
    return row


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _filter_options(
    spec: LedgerSpec, user: User, filters: LedgerFilter, params: Any
) -> dict[str, Any]:
    choices = [
        {
            "name": n,
            "label": _label(spec, n),
            "options": spec.field(n).choices,
            "selected": filters.choices.get(n, ""),
        }
        for n in spec.choice_filters
    ]
    return {
        "place": place_chooser(user, params),
        "choice_filters": choices,
        "school_years": SchoolYear.objects.visible_to(user) if spec.key == "letter" else [],
        "urls": _urls(spec),
    }
