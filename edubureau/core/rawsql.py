"""Querysets inside hand-written SQL (the few queries written out for speed)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import QuerySet


def subquery_sql(queryset: QuerySet[Any]) -> tuple[str, tuple[Any, ...]] | None:
    """The SQL and parameters of ``queryset``, to embed in a hand-written query; None
    when it selects nothing for certain (the scoping door's "no school"), which Django
    refuses to write as SQL (``EmptyResultSet``)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return None
    return sql, tuple(params)
