"""Querysets and rules inside hand-written SQL (the few queries written out for speed),
and SQL compiled once per process and reused as text (:class:`Condition`,
:func:`kept_condition`, :func:`kept_rows`).

A hand-written query never writes a rule of its own: it embeds the rule's SQL as
Django compiles it — the scoping door's rows (:func:`where_of`, :func:`subquery_sql`)
and a module's filter rules (:func:`rule_sql`, such as "found in a period" or "closed
in a period") — so a rule stays written once."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import BooleanField, Field, Model, Q, QuerySet, Value
from django.db.models.expressions import Expression, RawSQL
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesIterable,
    ValuesListIterable,
)
from django.db.models.sql import Query
from django.utils import timezone

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


# Conditions compiled once ---------------------------------------------------------


class Condition(Expression):
    """A condition on ``model``'s own columns, compiled earlier (:func:`plain_where`)
    and given to ``filter()`` as it is: a query built on it compiles it by copying the
    text. Its columns follow the alias the query gives the model's table, so the
    queryset can become a subquery like any other."""

    conditional = True

    def __init__(self, model: type[Model], compiled: Compiled) -> None:
        super().__init__(output_field=BooleanField())
        self.model = model
        self.compiled = compiled
        self.alias: str = model._meta.db_table
        self.resolved = False

    def __repr__(self) -> str:
        return f"Condition({self.model.__name__}, {self.compiled[0][:60]!r})"

    def resolve_expression(
        self,
        query: Any = None,
        allow_joins: bool = True,
        reuse: Any = None,
        summarize: bool = False,
        for_save: bool = False,
    ) -> Condition:
        found = self.copy()
        # Resolved first by filter() on its own query; a subquery's conditions are
        # resolved again against the outer query, which must not change their table.
        if query is not None and not self.resolved:
            if query.model is not self.model:
                raise ValueError(f"a {self.model.__name__} condition in a {query.model} query")
            found.alias = query.get_initial_alias()
            found.resolved = True
        return found

    def relabeled_clone(self, change_map: Mapping[str, str]) -> Condition:
        found = self.copy()
        found.alias = change_map.get(self.alias, self.alias)
        return found

    def get_group_by_cols(self) -> list[Any]:
        return []

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        sql, params = self.compiled
        table = self.model._meta.db_table
        if self.alias != table:
            # A subquery's tables are renamed (U0, …); the condition names the model's
            # table only for its own columns (its own subqueries use their own aliases).
            # Quoted as Django quotes a column's table: names quoted, its aliases not.
            quote = compiler.quote_name_unless_alias
            sql = sql.replace(f"{connection.ops.quote_name(table)}.", f"{quote(self.alias)}.")
        return f"({sql})", list(params)


# What plain_where answers for a queryset that is more than a filter on its own table.
NOT_PLAIN = object()
_UNSEEN = object()
# SQL compiled once per process (kept_condition, kept_rows): a few entries per reader
# and statement, each cache dropped whole when full.
_KEPT = 4096
_conditions: dict[Hashable, Any] = {}


def _keep(cache: dict[Hashable, Any], key: Hashable, value: Any) -> Any:
    if len(cache) >= _KEPT:
        cache.clear()
    cache[key] = value
    return value


def _reused(key: Hashable, kept: Any, fresh: Any) -> None:
    """Under test (``settings.CHECK_REUSED_SQL``) a reuse must compile as it did: a key
    that misses an input of its build would give one reader another's SQL."""
    if kept != fresh:
        raise AssertionError(
            f"the SQL kept for {key!r} compiles now as {fresh!r}, not {kept!r}: "
            "its key misses an input"
        )


def kept_condition(key: Hashable, build: Callable[[], QuerySet[Any]]) -> Compiled | object | None:
    """:func:`plain_where` of ``build()``, compiled once per process for ``key`` (which
    must hold everything ``build`` reads), for :class:`Condition`."""
    found = _conditions.get(key, _UNSEEN)
    if found is _UNSEEN:
        return _keep(_conditions, key, plain_where(build()))
    if found is not NOT_PLAIN and settings.CHECK_REUSED_SQL:
        _reused(key, found, plain_where(build()))
    return found


def plain_where(queryset: QuerySet[Any]) -> Compiled | object | None:
    """The condition of ``queryset`` as :func:`where_of` gives it, for a queryset that
    is only that: a manager's rows filtered on its own table (no join, distinct,
    annotation, ordering, slice or values). Otherwise :data:`NOT_PLAIN`: it cannot be
    rebuilt from its condition alone."""
    query = queryset.query
    fresh = queryset.model._default_manager.all()
    if (
        type(queryset) is not type(fresh)
        or queryset._iterable_class is not fresh._iterable_class
        or queryset._prefetch_related_lookups  # type: ignore[attr-defined]
        or queryset._fields is not None  # type: ignore[attr-defined]
        or query.distinct
        or query.annotations
        or query.extra
        or query.combinator
        or query.is_sliced
        or query.order_by
        or query.select_related
        or query.values_select
        or query.deferred_loading != fresh.query.deferred_loading
        or query.select_for_update
    ):
        return NOT_PLAIN
    try:
        return where_of(queryset)
    except ValueError:
        return NOT_PLAIN


# Statements compiled once ----------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    """A queryset compiled: its SQL, and how its rows come back as the queryset gives
    them (dicts, tuples, single values or model instances without related objects, each
    column converted as Django does)."""

    alias: str
    sql: str | None  # None: it selects nothing for certain (EmptyResultSet)
    params: tuple[Any, ...]
    converters: tuple[tuple[int, tuple[list[Any], Any]], ...]
    width: int | None  # the columns to keep (Django adds ordering columns after them)
    names: tuple[str, ...] | None  # dict keys, or a model's field names; None for tuples
    flat: bool
    model: type[Model] | None = None  # rows are instances of it (made by from_db)

    @classmethod
    def of(cls, queryset: QuerySet[Any]) -> Statement:
        iterable = queryset._iterable_class
        query = queryset.query
        if iterable is ModelIterable:
            prefetch = queryset._prefetch_related_lookups  # type: ignore[attr-defined]
            if query.select_related or query.annotations or prefetch:
                raise TypeError("only plain model querysets are kept as statements")
        elif iterable not in (ValuesIterable, ValuesListIterable, FlatValuesListIterable):
            raise TypeError("only values(), values_list() and plain model querysets are kept")
        compiler = query.get_compiler(queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return cls(queryset.db, None, (), (), None, None, False)
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        if compiler.has_composite_fields(fields):
            raise TypeError("a composite field cannot be kept as a statement")
        names: tuple[str, ...] | None = None
        model: type[Model] | None = None
        if iterable is ValuesIterable:
            names = tuple(
                query.selected
                or (*query.extra_select, *query.values_select, *query.annotation_select)
            )
        elif iterable is ModelIterable:
            model = compiler.klass_info["model"]
            names = tuple(f[0].target.attname for f in compiler.select[0 : compiler.col_count])
        return cls(
            alias=queryset.db,
            sql=sql,
            params=tuple(params),
            converters=tuple(compiler.get_converters(fields).items()),
            width=compiler.col_count if compiler.has_extra_select else None,
            names=names,
            flat=iterable is FlatValuesListIterable,
            model=model,
        )

    def rows(self) -> list[Any]:
        """Run it (through Django's cursor: its wrappers, the wall, the query log)."""
        if self.sql is None:
            return []
        connection = connections[self.alias]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            fetched = cursor.fetchall()
        if self.width is not None:
            fetched = [row[: self.width] for row in fetched]
        if self.converters:
            converted = []
            for row in fetched:
                values = list(row)
                for pos, (convs, expression) in self.converters:
                    value = values[pos]
                    for convert in convs:
                        value = convert(value, expression, connection)
                    values[pos] = value
                converted.append(values)
            fetched = converted
        if self.flat:
            return [row[0] for row in fetched]
        if self.model is not None:
            fields = list(self.names or ())
            return [self.model.from_db(self.alias, fields, row) for row in fetched]
        if self.names is not None:
            names = self.names
            return [dict(zip(names, row, strict=True)) for row in fetched]
        return [tuple(row) for row in fetched]


_statements: dict[Hashable, Statement] = {}


def kept_rows(key: Hashable | None, build: Callable[[], QuerySet[Any]]) -> list[Any]:
    """The rows of the queryset ``build()`` (see :class:`Statement`), compiled by Django once per
    process for ``key`` and run from its SQL after that: for a page read again and
    again (a county's dashboard), where building and compiling a grouped query costs
    as much as running it.

    ``key`` must hold everything ``build`` reads — a scope's ``statement_key`` with
    the period, the day — but the time zone (added here); None builds every time.
    Under test (``settings.CHECK_REUSED_SQL``) each reuse is compared with a fresh
    compile, so a key that misses an input fails."""
    if key is None:
        return Statement.of(build()).rows()
    # The time zone is an input of every date lookup on a datetime Django compiles.
    key = (key, timezone.get_current_timezone_name())
    found = _statements.get(key)
    if found is None:
        found = _keep(_statements, key, Statement.of(build()))
    elif settings.CHECK_REUSED_SQL:
        fresh = Statement.of(build())
        _reused(key, (found.sql, found.params), (fresh.sql, fresh.params))
    return found.rows()


def kept_aggregate(
    key: Hashable | None, build: Callable[[], QuerySet[Any]], **aggregates: Any
) -> dict[str, Any]:
    """``build().aggregate(**aggregates)`` through :func:`kept_rows`: one row over all
    the rows (no GROUP BY); where the queryset selects nothing for certain, each
    aggregate's value for no rows (0 for a count), as ``aggregate()`` gives it."""

    def statement() -> QuerySet[Any]:
        return build().order_by().values(_all=Value(1)).annotate(**aggregates).values(*aggregates)

    found = kept_rows(key, statement)
    if found:
        return found[0]
    return {name: a.empty_result_set_value for name, a in aggregates.items()}
