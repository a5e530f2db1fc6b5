"""PostgreSQL row-level security: a second wall behind the door (:mod:`.scoping`).

The door filters every query the application writes. The wall is for the query that
forgets to: on PostgreSQL, each table of school-owned records carries a policy that
lets a request see and write only the rows of the schools its account may read,
whatever the SQL says. SQLite has no row-level security; there the door stands alone
(docs/security.md).

How it is set: before the first query of every request (:class:`WallMiddleware`, and
the API's token authentication once it knows the account) one statement stores the
account's schools in three settings of the database session; at the end of the request
(``request_finished``) the wall is lifted again. Outside a request (migrations, the
worker, management commands) the wall is off: those run as the system, and the jobs
among them apply the door themselves.

What a request may see, per account (the door's read rule, coarsened to schools):

- a school, an inspector, a township: the ids of the schools it reads
  (``schools_visible_to``), plus the schools that have left it (their records dated
  before the move stay readable, :mod:`.moves`) and those registered by modules
  (:func:`register_schools`: a campaign team's schools);
- a county's accounts: the same id list;
- a city's accounts: the city's bureau path (a prefix match through the school's
  bureau), plus the same extras as ids; a list of thousands of ids costs more than
  the path (docs/security.md has the figures);
- the deployment's top bureau: everything (it reads every school), unless other
  bureaus share the deployment side by side: then its path, like a city;
- anyone not signed in: no school's rows.

A few reads must cross the wall on purpose (the audit of a refused probe records the
target's school; a ledger checks that a plate is not another school's; a new
self-inspection checks that its client id is not another school's row). They say so
with :func:`unrestricted`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from django.db import DatabaseError, connection, migrations, models
from django.http import HttpRequest, HttpResponse
from django_tasks.backends.immediate import ImmediateBackend as _ImmediateBackend

from edubureau.core.rawsql import subquery_sql
from edubureau.core.roles import BUREAU_ROLES
from edubureau.orgs import scoping

ON = "edubureau.wall"
SCHOOLS = "edubureau.wall_schools"
PATH = "edubureau.wall_path"
POLICY = "edubureau_wall"
# Tests that plant a leak to prove the door's own checks catch it take the wall away
# (monkeypatch), since on PostgreSQL it would stop the leak first. Nothing else does.
ENABLED = True

# The schools a request may read, as a set the policy hashes once per query: the ids
# of the one comma-separated setting, and the schools under the path setting. A
# function, declared cheap (COST 1, ROWS 10), because the planner otherwise charges the
# building of that set again at every loop of a nested loop: with the two subqueries
# written into the policy it chose a full scan of the walled table for a county's
# every aggregate (the province demo's county dashboard cost 2.6 times its bare queries;
# with the function 0.96, bench/README.md). The set is in fact built once per query
# (a hashed subplan without parameters). PL/pgSQL, so that it is never inlined back
# into the policy.
FUNCTION = "edubureau_wall_schools"
FUNCTION_SQL = f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS SETOF bigint
LANGUAGE plpgsql STABLE PARALLEL SAFE COST 1 ROWS 10 AS $$
DECLARE
  ids text := current_setting('{SCHOOLS}', true);
  prefix text := current_setting('{PATH}', true);
BEGIN
  IF ids <> '' THEN
    RETURN QUERY SELECT unnest(string_to_array(ids, ','))::bigint;
  END IF;
  IF prefix <> '' THEN
    RETURN QUERY SELECT s.id FROM orgs_school s JOIN orgs_bureau b ON b.id = s.bureau_id
      WHERE starts_with(b.path, prefix);
  END IF;
END
$$"""

# The policy, one expression for every walled table. The wall is on only while a
# request has set it; the setting is read in a scalar subquery, so that PostgreSQL
# reads it once per query, not once per row.
USING = f"""(
    (SELECT current_setting('{ON}', true)) IS DISTINCT FROM 'on'
    OR school_id IN (SELECT {FUNCTION}())
)"""

# Modules add schools an account reads beyond the door's school rule (a campaign's
# team reads and fills the inspections of the campaign's schools).
_extra_schools: list[Callable[[Any], models.QuerySet]] = []


def register_schools(schools: Callable[[Any], models.QuerySet]) -> None:
    """``schools(user)`` is a ``values("pk")``-shaped query of more schools whose
    rows the user reads; called from the module's ``AppConfig.ready()``."""
    if schools not in _extra_schools:
        _extra_schools.append(schools)


# The tables -----------------------------------------------------------------------


# A table whose rows may belong to no school (a bureau's own import, report or
# download beside the schools'): the wall stands on the rows that name a school and
# leaves the bureau's rows to the door, which keeps them to their owners.
USING_OPTIONAL = f"(school_id IS NULL OR {USING})"


def _enable(tables: tuple[str, ...], using: str = USING) -> Callable[..., None]:
    def forward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(FUNCTION_SQL)
        for table in tables:
            # FORCE: the wall holds even for the role that owns the tables.
            schema_editor.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
            schema_editor.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
            _put_policy(schema_editor, table, using)

    return forward


def _put_policy(schema_editor: Any, table: str, using: str) -> None:
    """The wall's policy on ``table``, replacing the one there (if any)."""
    schema_editor.execute(f'DROP POLICY IF EXISTS {POLICY} ON "{table}"')
    schema_editor.execute(f'CREATE POLICY {POLICY} ON "{table}" USING {using}')


def _disable(tables: tuple[str, ...]) -> Callable[..., None]:
    def backward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in tables:
            schema_editor.execute(f'DROP POLICY IF EXISTS {POLICY} ON "{table}"')
            schema_editor.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
            schema_editor.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')

    return backward


def _rebuild(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION_SQL)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT tablename, qual FROM pg_policies WHERE policyname = %s", [POLICY])
        walled = cursor.fetchall()
    for table, qual in walled:
        _put_policy(schema_editor, table, USING_OPTIONAL if "school_id IS NULL" in qual else USING)


def rebuild_walls() -> migrations.RunPython:
    """The migration operation that puts today's policy on every table that has the
    wall (each in its form), for a database walled by an earlier expression."""
    return migrations.RunPython(_rebuild, migrations.RunPython.noop, elidable=False)


def build_wall(*tables: str, optional: bool = False) -> migrations.RunPython:
    """The migration operation that puts the wall on ``tables`` (each has a
    ``school_id``, which may be null only when ``optional``); nothing on SQLite.
    ``safety/tests/test_wall.py`` fails when a table with a ``school_id`` has no wall."""
    using = USING_OPTIONAL if optional else USING
    return migrations.RunPython(_enable(tables, using), _disable(tables), elidable=False)


# Per request ----------------------------------------------------------------------

# State on the connection wrapper (one per thread): whether this request's wall
# restricts, and how many ``unrestricted`` blocks are open.
_APPLIED = "_edubureau_wall_applied"
_SUSPENDED = "_edubureau_wall_suspended"


def _execute(sql: str, params: list[Any]) -> None:
    """Run ``sql`` on the raw connection: the wall is plumbing, not one of the
    request's queries (query-count tests and the debug toolbar do not see it)."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        cursor.execute(sql, params)


def _schools_of(user: Any) -> tuple[str, str, models.QuerySet | None]:
    """(on or off, bureau path, schools query) for ``user``: see the module's docstring."""
    from edubureau.orgs.models import BureauLevel, School

    if not scoping.is_live(user):
        return "on", "", None
    path = ""
    if user.role in BUREAU_ROLES:
        bureau = user.bureau if user.bureau_id else None
        if bureau is None:
            return "on", "", None
        if scoping.reads_whole_deployment(user):
            return "off", "", None
        if bureau.parent_id is None or bureau.level != BureauLevel.COUNTY:
            path = bureau.path
    schools = None if path else scoping.schools_visible_to(user).order_by().values("pk")
    more = [extra(user).order_by() for extra in _extra_schools]
    history = scoping.moved_away_schools(user)
    if history:
        more.append(School.objects.filter(pk__in=sorted(history)).order_by().values("pk"))
    for query in more:
        schools = query if schools is None else schools.union(query)
    return "on", path, schools


def apply(user: Any) -> None:
    """Put up the wall for ``user`` on this thread's connection (PostgreSQL only)."""
    if connection.vendor != "postgresql" or not ENABLED:
        return
    on, path, schools = _schools_of(user)
    restricts = on == "on"
    ids_sql, params = "SELECT NULL::text", []
    # None also when the door gives this account no school.
    compiled = subquery_sql(schools) if schools is not None else None
    if compiled is not None:
        inner, inner_params = compiled
        ids_sql = f"SELECT string_agg(w.id::text, ',') FROM ({inner}) w(id)"
        params = list(inner_params)
    # Inside an ``unrestricted`` block the settings are stored and the wall stays down
    # until the block ends.
    effective = "on" if restricts and not getattr(connection, _SUSPENDED, 0) else "off"
    _execute(
        f"SELECT set_config('{ON}', %s, false), set_config('{PATH}', %s, false),"
        f" set_config('{SCHOOLS}', coalesce(({ids_sql}), ''), false)",
        [effective, path, *params],
    )
    setattr(connection, _APPLIED, restricts)


def lift(**kwargs: Any) -> None:
    """Take the wall down (``request_finished``): what the connection runs next is the
    system's, or the next request's, which puts up its own."""
    if not getattr(connection, _APPLIED, False):
        return
    setattr(connection, _APPLIED, False)
    if connection.connection is None:  # closed: a new one starts without the settings
        return
    # A broken connection is closed or rolled back before it is used again, and the
    # next request puts up its own wall first.
    with suppress(DatabaseError):
        _execute(f"SELECT set_config('{ON}', 'off', false)", [])


def is_up() -> bool:
    return bool(getattr(connection, _APPLIED, False)) and not getattr(connection, _SUSPENDED, 0)


@contextmanager
def unrestricted() -> Iterator[None]:
    """A read that must cross the wall on purpose, inside a request. Say why at the
    call: the door still decides what the caller may learn from it."""
    if connection.vendor != "postgresql":
        yield
        return
    depth = getattr(connection, _SUSPENDED, 0)
    setattr(connection, _SUSPENDED, depth + 1)
    if depth == 0 and getattr(connection, _APPLIED, False):
        _execute(f"SELECT set_config('{ON}', 'off', false)", [])
    try:
        yield
    finally:
        setattr(connection, _SUSPENDED, depth)
        if depth == 0 and getattr(connection, _APPLIED, False):
            _execute(f"SELECT set_config('{ON}', 'on', false)", [])


class WallMiddleware:
    """Puts up the wall for the signed-in account (or for nobody) just before the
    request's first query inside the view, so a request that reads nothing (a page
    served from the session alone, a redirect to the login) costs no statement."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if connection.vendor != "postgresql" or not ENABLED:
            return self.get_response(request)
        first = _BeforeFirstQuery(lambda: getattr(request, "user", None))
        with connection.execute_wrapper(first):
            response = self.get_response(request)
        if response.streaming:
            # A streamed export may run its first query only while it is sent.
            first.put_up()
        return response


class _BeforeFirstQuery:
    """An ``execute_wrapper`` that puts up the wall once, before the first query."""

    def __init__(self, user: Callable[[], Any]) -> None:
        self.user = user
        self.done = False
        self.busy = False

    def put_up(self) -> None:
        if self.done or self.busy:
            return
        # Finding the account's schools queries too: those pass straight through.
        self.busy = True
        try:
            apply(self.user())
        finally:
            self.busy = False
        self.done = True

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.put_up()
        return execute(sql, params, many, context)


class ImmediateBackend(_ImmediateBackend):
    """The tests' task backend. It runs a task inside the request that queues it; the
    worker runs it outside any request, without the wall, and so does this."""

    def _execute_task(self, task_result: Any) -> None:
        with unrestricted():
            super()._execute_task(task_result)
