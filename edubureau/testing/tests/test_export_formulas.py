"""No workbook the product writes carries a live formula, whatever text its rows hold.

Every object the isolation walk makes (every registered target of every party, so a
module added later brings its rows) gets a formula planted in each of its free-text
fields (``=`` put before the text: names, descriptions, notes, titles). Then

* every registered kind of download (``core.download_kinds``: the exports, the
  ledgers, the statistics drill, the school directory, and any kind added later) is
  built as each account that may build it, and
* every route without object ids is requested as accounts of each level (the
  templates, the initial-password workbook, the dashboard tables, whatever answers
  with a workbook),

and every .xlsx that comes back must hold no formula cell. A kind's export must also
show at least one planted text, marked as text (``'=…``): the planting reached it, so
its silence about formulas means something.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Concat, Length
from django.http import Http404, QueryDict
from django.test import Client, override_settings
from django.urls import reverse
from openpyxl import load_workbook

from edubureau.core import download_kinds
from edubureau.core.crypto import EncryptedTextField
from edubureau.core.excel import XLSX_CONTENT_TYPE
from edubureau.testing.isolation import (
    SAMPLE_VALUES,
    SKIP_ROUTE_NAMES,
    iter_routes,
    prepare,
    sample_value,
)

PLANT = "="
# Text that code reads as a key, a path or a format rather than shows: planting a
# formula there would break the product, not test the writer.
STRUCTURAL_NAMES = {
    "path",
    "username",
    "password",
    "code",
    "region_code",
    "school_code",
    "key",
    "client_id",
    "email",
    "filename",
    "content_type",
    "token",
    "digest",
    "hash",
    "prev_hash",
    "session_key",
    "secret",
    "url",
    "webhook_url",
    "kind",
    "topic",
    "object_type",
    "model",
    "app_label",
    "version",
}
SKIPPED_APPS = {"audit"}  # append-only: planting is refused, and no export reads it


def _free_text_fields(model: type[models.Model]) -> list[str]:
    names = []
    for f in model._meta.concrete_fields:
        if not isinstance(f, models.CharField | models.TextField):
            continue
        if isinstance(f, EncryptedTextField) or f.choices or f.primary_key:
            continue
        if f.name in STRUCTURAL_NAMES or f.name.endswith(("_code", "_key", "_hash")):
            continue
        names.append(f.name)
    return names


def plant_formulas() -> int:
    """Put ``=`` before every non-empty free text of every project row; the count."""
    planted = 0
    for model in apps.get_models():
        config = model._meta.app_config
        if not config.name.startswith("edubureau.") or config.label in SKIPPED_APPS:
            continue
        for name in _free_text_fields(model):
            rows = (
                model._base_manager.exclude(**{name: ""})
                .exclude(**{f"{name}__isnull": True})
                .exclude(**{f"{name}__startswith": PLANT})
            )
            limit = model._meta.get_field(name).max_length
            if limit:  # PostgreSQL refuses a value one character too long
                rows = rows.annotate(_length=Length(name)).filter(_length__lt=limit)
            planted += rows.update(**{name: Concat(Value(PLANT), F(name))})
    return planted


def _xlsx_values(content: bytes, where: str) -> tuple[list[str], list[str]]:
    """(formula cells, text values) of a workbook."""
    book = load_workbook(io.BytesIO(content))
    formulas, texts = [], []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    formulas.append(f"{where} {sheet.title}!{cell.coordinate}: {cell.value!r}")
                elif isinstance(cell.value, str):
                    texts.append(cell.value)
    return formulas, texts


def _content(built: download_kinds.Built) -> bytes:
    if isinstance(built.content, bytes):
        return built.content
    return built.content.read_bytes()


def _builders(cast: Any) -> list[Any]:
    return [
        cast.safety_staff,
        cast.admin,
        cast.office_staff,
        cast.leader,
        cast.city_safety,
        cast.city_admin,
        cast.province_safety,
        cast.school_b_officer,
    ]


def _params(kind: str, walk: Any) -> QueryDict:
    """What a kind that makes one document needs to be told (the others take none)."""
    if kind == "safety.circular_month":
        return QueryDict(f"year={sample_value('year')}&month={sample_value('month')}")
    if kind == "safety.circular_campaign":
        campaign = next(iter(walk.objects["campaign_id"].values()))
        return QueryDict(f"campaign={campaign.pk}")
    return QueryDict("")


def _routes_without_ids() -> Iterator[str]:
    for route in iter_routes():
        if route.name is None or route.name in SKIP_ROUTE_NAMES:
            continue
        if any(k.endswith("_id") or k not in SAMPLE_VALUES for k in route.kwargs):
            continue
        yield reverse(route.name, kwargs={k: SAMPLE_VALUES[k] for k in route.kwargs})


@pytest.mark.django_db
def test_no_workbook_carries_a_planted_formula_as_a_formula(cast):
    with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
        walk = prepare(cast)
        assert plant_formulas() > 50

        formulas: list[str] = []
        unmarked: list[str] = []
        built_kinds: set[str] = set()
        workbook_kinds = 0
        for kind in download_kinds.all_kinds():
            for user in _builders(cast):
                try:
                    built = kind.build(user, _params(kind.key, walk), lambda done, total: None)
                except (Http404, PermissionDenied, download_kinds.BuildRefused):
                    continue
                built_kinds.add(kind.key)
                if built.content_type != XLSX_CONTENT_TYPE:
                    break  # a circular (.docx): no cell to hold a formula
                workbook_kinds += 1
                found, texts = _xlsx_values(_content(built), f"{kind.key} as {user.username}")
                formulas += found
                if not any(t.startswith("'" + PLANT) for t in texts):
                    unmarked.append(f"{kind.key} as {user.username}")
                break
        never_built = {k.key for k in download_kinds.all_kinds()} - built_kinds
        assert not never_built, f"no account could build {sorted(never_built)}"
        assert workbook_kinds >= 10

        routes_answering_workbooks = 0
        for user in (cast.admin, cast.safety_staff, cast.office_staff, cast.city_safety):
            client = Client(raise_request_exception=False)
            client.force_login(user)
            for url in _routes_without_ids():
                response = client.get(url)
                if response.get("Content-Type", "").split(";")[0] != XLSX_CONTENT_TYPE:
                    continue
                routes_answering_workbooks += 1
                content = (
                    b"".join(response.streaming_content) if response.streaming else response.content
                )
                formulas += _xlsx_values(content, f"GET {url} as {user.username}")[0]
        assert routes_answering_workbooks >= 4

    assert not formulas, "\n".join(formulas[:30])
    assert not unmarked, f"exports that showed no planted text: {unmarked}"
