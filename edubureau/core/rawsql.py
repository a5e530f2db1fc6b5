"""Querysets and rules inside hand-written SQL (the few queries written out for speed).

A hand-written query never writes a rule of its own: it embeds the rule's SQL as
Django compiles it — the scoping door's rows (:func:`where_of`, :func:`subquery_sql`)
and a module's filter rules (:func:`rule_sql`, such as "found in a period" or "closed
in a period") — so a rule stays written once."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import lru_cache
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import Field, Model, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.sql import Query

Compiled = tuple[str, tuple[Any, ...]]


def subquery_sql(queryset: QuerySet[Any]) -> Compiled | None:
    """The SQL and parameters of ``queryset``, to embed in a hand-written query; None
    when it selects nothing for certain (the scoping door's "no school"), which Django
    refuses to write as SQL (``EmptyResultSet``)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return None
    return sql, tuple(params)


def where_of(queryset: QuerySet[Any]) -> Compiled | None:
    """The WHERE condition of ``queryset`` — a filter on its model's own table, whose
    columns it names as ``"table"."column"`` — to put in a hand-written query over that
    table: ``("", ())`` when it holds every row (no condition at all), None when it holds
    none for certain. A queryset that joins another table is refused (its condition
    would name a table the hand-written query does not have)."""
    query = queryset.query
    # A join set up and then trimmed stays in alias_map with no reference left.
    if any(count for alias, count in query.alias_refcount.items() if alias != query.base_table):
        raise ValueError(f"{queryset.model.__name__}: a condition with a join cannot be embedded")
    try:
        sql, params = query.get_compiler(queryset.db).compile(query.where)
    except EmptyResultSet:
        return None
    except FullResultSet:
        return "", ()
    return sql, tuple(params)


def rule_sql(model: type[Model], rule: Callable[..., Q], *args: Hashable) -> Compiled:
    """The SQL of the filter ``rule(*args)`` on ``model``'s own columns (no join), as
    Django compiles it for the model's database. Compiled once per process for each
    rule and arguments: a rule's SQL depends on nothing else, and a dashboard asks for
    the same few dozen (a month's "found", "closed") on every load."""
    return _rule_sql(model._default_manager.db, model, rule, args)


@lru_cache(maxsize=2048)
def _rule_sql(
    alias: str, model: type[Model], rule: Callable[..., Q], args: tuple[Hashable, ...]
) -> Compiled:
    query = Query(model)
    where = query.build_where(rule(*args))
    sql, params = where.as_sql(query.get_compiler(alias), connections[alias])
    return sql, tuple(params)


# Prepared expressions --------------------------------------------------------------

# Stand-in values are recognised in the compiled parameters by value: numbers no key
# ever takes, strings no form ever posts.
_STAND_IN_INT = -7_000_000_001
_prepared: dict[tuple[Any, ...], tuple[str, tuple[Any, ...], tuple[str | None, ...]]] = {}


def _stand_in(name: str, value: Any, index: int) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"a prepared value must be an int or a str, not {value!r} ({name})")
    if isinstance(value, int):
        return _STAND_IN_INT - index
    return f"\u2063prepared:{name}\u2063"


def prepared_expression(
    model: type[Model],
    key: Hashable,
    build: Callable[..., Any],
    *,
    output_field: Field[Any, Any],
    **values: int | str,
) -> RawSQL:
    """The expression ``build(**values)`` on ``model`` (a correlated ``Exists``, say),
    compiled by Django once per process for ``key`` and given back as SQL with
    ``values`` in their places: an annotation a hot path adds to a query of ``model``
    without building and compiling its subqueries on every request.

    The first call builds it with stand-in values and notes where each lands among the
    parameters; every value must land there unchanged (an int or a str compared for
    equality), else it cannot be prepared and :class:`ValueError` says so. ``key``
    names the expression's shape: anything that changes the SQL itself (a value that
    may be None, a flag) belongs in it, not in ``values``. The outer query must be a
    query of ``model`` from its own table (the SQL names it for correlated columns)."""
    alias = model._default_manager.db
    names = tuple(sorted(values))
    cache_key = (alias, model, key, names)
    found = _prepared.get(cache_key)
    if found is None:
        stand_ins = {name: _stand_in(name, values[name], i) for i, name in enumerate(names)}
        query = model._default_manager.annotate(_prepared=build(**stand_ins)).query
        sql, params = query.get_compiler(alias).compile(query.annotations["_prepared"])
        by_value = {v: k for k, v in stand_ins.items()}
        slots = tuple(
            by_value.get(p) if isinstance(p, int | str) and not isinstance(p, bool) else None
            for p in params
        )
        if lost := set(names) - set(slots):
            raise ValueError(f"{key!r}: {sorted(lost)} do not reach the SQL unchanged")
        found = _prepared[cache_key] = (sql, tuple(params), slots)
    sql, params, slots = found
    bound = [p if s is None else values[s] for p, s in zip(params, slots, strict=True)]
    return RawSQL(sql, bound, output_field=output_field)
