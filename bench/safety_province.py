#!/usr/bin/env python3
"""Safety at province scale: the storage layout of inspection results and the
latency of the bureau dashboard, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:54330/postgres \\
        .venv/bin/python bench/safety_province.py [--schools 30000] [--months 12] [--keep]

What it does, in a fresh database (``edubureau_bench`` on the server of
DATABASE_URL, dropped and created here, migrated with ``migrate``):

1. builds the province organisation (the demo's planner: 30,000 schools);
2. generates one year of monthly self-inspections plus the campaigns' inspections
   with :class:`edubureau.safety.demo.SafetyDemo` and loads them, batch by batch,
   in two layouts side by side, both with COPY (psycopg ``copy.write_row``):
   (a) the chosen layout, one JSON document per inspection: the real
   ``safety_inspection`` table; (b) one row per item result: a header table (the
   same table without ``results``) plus ``bench_item_result (inspection_id,
   school_id, item_id, result, note)`` with the keys and foreign keys Django
   would give it. It prints rows per second and bytes on disk
   (``pg_total_relation_size``) of each, and a per-item aggregate in each layout;
3. writes hazards, their history and the ledgers (the demo's bulk_create);
4. times each part of the bureau dashboard (edubureau/safety/selectors/dashboard.py)
   N times after warm-ups, through the Django selector and as the bare SQL it runs
   (captured once, then executed with the raw psycopg cursor and fetched), and
   prints p50/p95 and the selector/bare ratio, then a summary against the goals
   (p95 <= 200 ms, ratio <= 1.5).

SQLite is refused unless ``--allow-sqlite`` (a quick local try: no COPY there,
both layouts are loaded with ``executemany``; sizes from ``dbstat`` when available).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import platform
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_P95_MS = 200.0
GOAL_RATIO = 1.5
BENCH_DB = "edubureau_bench"
ITEM_TABLE = "bench_item_result"
HEADER_TABLE = "bench_inspection_header"


# ---------------------------------------------------------------------------- setup


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schools", type=int, default=30000, help="schools (default 30000)")
    parser.add_argument("--months", type=int, default=12, help="months of inspections (12)")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per query (30)")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up runs per query (3)")
    parser.add_argument("--db-name", default=BENCH_DB, help=f"database to create ({BENCH_DB})")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--row-foreign-keys",
        action="store_true",
        help="give the item-row table the foreign keys Django would (about 7x slower COPY)",
    )
    parser.add_argument(
        "--allow-sqlite", action="store_true", help="allow a quick try on SQLite (no COPY)"
    )
    args = parser.parse_args(argv)
    if args.schools < 150 or args.months < 1:
        parser.error("--schools must be at least 150 and --months at least 1")
    return args


def prepare_database(args: argparse.Namespace) -> str:
    """Create the fresh bench database and return its URL (set as DATABASE_URL)."""
    import dj_database_url

    url = os.environ.get("DATABASE_URL", "")
    config = dj_database_url.parse(url) if url else {"ENGINE": "django.db.backends.sqlite3"}
    if config["ENGINE"] == "django.db.backends.sqlite3":
        if not args.allow_sqlite:
            sys.exit(
                "refusing to run on SQLite: set DATABASE_URL=postgres://… "
                "(or pass --allow-sqlite for a quick local try)"
            )
        path = Path("/tmp") / f"{args.db_name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    if "postgresql" not in config["ENGINE"]:
        sys.exit(f"unsupported database engine {config['ENGINE']}")
    import psycopg
    from psycopg import sql

    with psycopg.connect(_server_url(config, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(args.db_name)
        ))  # fmt: skip
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(args.db_name)))
    return _server_url(config, args.db_name)


def copy_database(url: str, source: str, name: str, *, replace: bool = False) -> str:
    """The URL of database ``name`` on the server of ``url``, made as a copy of
    ``source`` (``CREATE DATABASE … TEMPLATE``: nobody may be connected to ``source``);
    an existing ``name`` is kept, or with ``replace`` dropped and copied again."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    with psycopg.connect(_server_url(config, "postgres"), autocommit=True) as conn:
        if replace:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)
            ))  # fmt: skip
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            log(f"copying {source} to {name}")
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(source)
                )
            )
    return _server_url(config, name)


def drop_database(args: argparse.Namespace, url: str) -> None:
    if url.startswith("sqlite"):
        return
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    with psycopg.connect(_server_url(config, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(args.db_name)
        ))  # fmt: skip


def _server_url(config: dict[str, Any], name: str) -> str:
    user = config.get("USER") or "postgres"
    password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
    host = config.get("HOST") or "127.0.0.1"
    port = f":{config['PORT']}" if config.get("PORT") else ""
    return f"postgresql://{user}{password}@{host}{port}/{name}"


# The application's role as docs/security.md sets it up in production: it owns nothing
# and has neither SUPERUSER nor BYPASSRLS, so PostgreSQL's row-level security
# (orgs/wall.py) binds it. A benchmark that connects as the superuser that built its
# database times the product with the wall down.
APP_ROLE = "edubureau_bench_app"


def grant_app_role(cursor: Any) -> None:
    """Create the application's role if need be and give it docs/security.md's grants on
    the database ``cursor`` (a superuser's or the owner's) is connected to."""
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE])
    if cursor.fetchone() is None:
        cursor.execute(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS")
    for statement in (
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_auditevent FROM {APP_ROLE}",
        f"REVOKE DELETE, TRUNCATE ON audit_auditchain FROM {APP_ROLE}",
    ):
        cursor.execute(statement)


def app_role_url(url: str) -> str:
    """``url`` (a PostgreSQL database) as the application's role connects to it: the
    benchmark's own clusters trust loopback connections, so no password."""
    import dj_database_url

    config = dj_database_url.parse(url)
    return _server_url(config | {"USER": APP_ROLE, "PASSWORD": ""}, config["NAME"])


def use_app_role() -> None:
    """From the next query on, this process's Django connection is the application's
    role (an in-process benchmark, after it built its database as the superuser)."""
    from django.db import connection

    with connection.cursor() as c:
        grant_app_role(c)
    connection.close()
    connection.settings_dict["USER"] = APP_ROLE
    connection.settings_dict["PASSWORD"] = ""


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edubureau.settings")
    os.environ.setdefault("EDUBUREAU_DEMO", "1")  # demo secret key; nothing is served
    import django

    django.setup()


# ---------------------------------------------------------------------------- output


def log(message: str) -> None:
    print(message, flush=True)


@contextlib.contextmanager
def step(label: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    log(f"  {label:<58} {time.perf_counter() - started:8.1f} s")


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def mb(n: int | None) -> str:
    return "n/a" if n is None else f"{n / 1024 / 1024:,.1f} MB"


# ----------------------------------------------------------------------- the org


def build_organisation(schools: int) -> Any:
    """The demo's province (30,000 schools); another size keeps its county mix."""
    from edubureau.orgs import demo as orgs_demo
    from edubureau.orgs.demo_plan import SCALES

    scale = "province"
    if schools != SCALES["province"].schools:
        # A province of another size: same planner, ~300 schools per county of 15
        # townships. Registered under its own key for this process only.
        counties = max(1, round(schools / 300))
        scale = f"bench-{schools}"
        SCALES[scale] = dataclasses.replace(
            SCALES["province"], schools=schools, townships=counties * 15
        )
    return orgs_demo.build_demo(
        scale=scale, contributors=[], log=lambda label, s: log(f"  {label:<58} {s:8.1f} s")
    )


# -------------------------------------------------------------------- the layouts


@dataclasses.dataclass
class Load:
    label: str
    rows: int = 0
    inspections: int = 0
    seconds: float = 0.0
    bytes: int | None = None

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def inspections_per_second(self) -> float:
        return self.inspections / self.seconds if self.seconds else 0.0


class Writer:
    """Loads rows into a table: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.postgres = connection.vendor == "postgresql"

    def write(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        n = 0
        with self.connection.cursor() as cursor:
            raw = cursor.cursor  # the driver's cursor, under Django's wrapper
            if self.postgres:
                statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
                with raw.copy(statement) as copy:
                    for row in rows:
                        copy.write_row(row)
                        n += 1
            else:
                marks = ", ".join("?" for _ in columns)
                batch = list(rows)
                raw.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", batch
                )
                n = len(batch)
        return n


def create_row_layout(*, foreign_keys: bool) -> None:
    """Layout (b): the inspection header (safety_inspection without results, same
    indexes and foreign keys) and one row per item result, keyed by (inspection,
    item) and indexed by (school, item). Its foreign keys (to the header, the school
    and the item, as a Django model would have) only with ``foreign_keys``: deferred
    FK checks cost PostgreSQL one lookup per key per row."""
    from django.db import connection

    def ref(table: str) -> str:
        return f"REFERENCES {table} (id) DEFERRABLE INITIALLY DEFERRED" if foreign_keys else ""

    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute(
                f"CREATE TABLE {HEADER_TABLE} (LIKE safety_inspection INCLUDING DEFAULTS "
                "INCLUDING CONSTRAINTS INCLUDING INDEXES)"
            )
            c.execute(f"ALTER TABLE {HEADER_TABLE} DROP COLUMN results")
            c.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'safety_inspection'::regclass AND contype = 'f'"
            )
            for name, definition in c.fetchall():
                c.execute(f"ALTER TABLE {HEADER_TABLE} ADD CONSTRAINT bench_{name} {definition}")
            c.execute(
                f"""CREATE TABLE {ITEM_TABLE} (
                    inspection_id bigint NOT NULL {ref(HEADER_TABLE)},
                    school_id bigint NOT NULL {ref("orgs_school")},
                    item_id bigint NOT NULL {ref("safety_checklistitem")},
                    result varchar(8) NOT NULL,
                    note text NOT NULL DEFAULT '',
                    PRIMARY KEY (inspection_id, item_id)
                )"""
            )
        else:
            c.execute(f"CREATE TABLE {HEADER_TABLE} AS SELECT * FROM safety_inspection WHERE 0")
            c.execute(
                f"""CREATE TABLE {ITEM_TABLE} (
                    inspection_id bigint NOT NULL, school_id bigint NOT NULL,
                    item_id bigint NOT NULL, result varchar(8) NOT NULL,
                    note text NOT NULL DEFAULT '', PRIMARY KEY (inspection_id, item_id))"""
            )
        c.execute(f"CREATE INDEX {ITEM_TABLE}_school_item ON {ITEM_TABLE} (school_id, item_id)")


def load_inspections(demo: Any, *, writer: Writer) -> tuple[Load, Load]:
    """Every inspection of the demo into both layouts, batch by batch, alternating
    which layout goes first; only the writing is timed."""
    from django.db import connection, transaction

    from edubureau.safety.models import Inspection

    postgres = connection.vendor == "postgresql"
    fields = list(Inspection._meta.concrete_fields)
    if postgres:
        # psycopg adapts dates, datetimes and UUIDs itself; the document goes as jsonb.
        from psycopg.types.json import Jsonb

        def value(m: Any, f: Any) -> Any:
            return Jsonb(m.results) if f.name == "results" else getattr(m, f.attname)
    else:

        def value(m: Any, f: Any) -> Any:
            return f.get_db_prep_save(getattr(m, f.attname), connection)

    json_columns = [f.column for f in fields]
    header_fields = [f for f in fields if f.name != "results"]
    header_columns = [f.column for f in header_fields]
    item_columns = ["inspection_id", "school_id", "item_id", "result", "note"]
    json_load, row_load = Load("(a) JSON 文档/每次检查"), Load("(b) 每个事项一行")
    next_id = (Inspection.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1

    def json_rows(models: list[Any]) -> Iterator[list[Any]]:
        for m in models:
            yield [value(m, f) for f in fields]

    def header_rows(models: list[Any]) -> Iterator[list[Any]]:
        for m in models:
            yield [value(m, f) for f in header_fields]

    def item_rows(models: list[Any]) -> Iterator[tuple[Any, ...]]:
        for m in models:
            for item_id, entry in m.results.items():
                yield (m.pk, m.school_id, int(item_id), entry["r"], entry.get("n", ""))

    def load_json(models: list[Any]) -> None:
        started = time.perf_counter()
        with transaction.atomic():
            json_load.rows += writer.write("safety_inspection", json_columns, json_rows(models))
        json_load.seconds += time.perf_counter() - started
        json_load.inspections += len(models)

    def load_rows(models: list[Any]) -> None:
        started = time.perf_counter()
        with transaction.atomic():
            writer.write(HEADER_TABLE, header_columns, header_rows(models))
            row_load.rows += writer.write(ITEM_TABLE, item_columns, item_rows(models))
        row_load.seconds += time.perf_counter() - started
        row_load.inspections += len(models)

    for n, batch in enumerate(demo.inspection_batches()):
        for draft in batch:
            draft.pk, next_id = next_id, next_id + 1
        models = [d.as_model() for d in batch]
        first, second = (load_json, load_rows) if n % 2 == 0 else (load_rows, load_json)
        first(models)
        second(models)
        demo.remember(batch)
        if n % 25 == 0:
            log(f"    … {json_load.inspections:,} inspections loaded")
    if postgres:
        with connection.cursor() as c:
            c.execute(
                "SELECT setval(pg_get_serial_sequence('safety_inspection', 'id'), "
                "(SELECT max(id) FROM safety_inspection))"
            )
    return json_load, row_load


def table_bytes(*tables: str) -> int | None:
    from django.db import connection

    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            total = 0
            for t in tables:
                c.execute("SELECT pg_total_relation_size(%s)", [t])
                total += c.fetchone()[0]
            return total
        try:
            marks = ", ".join("%s" for _ in tables)
            c.execute(
                f"SELECT SUM(pgsize) FROM dbstat WHERE name IN ({marks}) OR tbl_name IN ({marks})",
                [*tables, *tables],
            )
        except Exception:
            return None
        return c.fetchone()[0]


# ---------------------------------------------------------------------- timing


@dataclasses.dataclass
class Timing:
    label: str
    selector_ms: list[float]
    bare_ms: list[float]
    queries: int
    rows: int

    @property
    def p50(self) -> float:
        return percentile(self.selector_ms, 0.5)

    @property
    def p95(self) -> float:
        return percentile(self.selector_ms, 0.95)

    @property
    def bare_p50(self) -> float:
        return percentile(self.bare_ms, 0.5)

    @property
    def bare_p95(self) -> float:
        return percentile(self.bare_ms, 0.95)

    @property
    def ratio(self) -> float:
        return self.p50 / self.bare_p50 if self.bare_p50 else float("inf")

    @property
    def meets(self) -> tuple[bool, bool]:
        return self.p95 <= GOAL_P95_MS, self.ratio <= GOAL_RATIO


def time_part(label: str, run: Callable[[], Any], *, runs: int, warmup: int) -> Timing:
    """Time ``run`` (the selector) and the SQL it runs, executed bare, interleaved.

    The bare SQL is each statement with its parameters exactly as Django hands them to
    the driver (caught by an execute wrapper), executed on the driver's own cursor: what
    a hand-written program sending the same statements would do. (Until 2026-12-06 it
    was the statement with its parameters already written in, as the debug log shows
    it, which skipped the driver's own binding of them.)"""
    from django.db import connection

    for _ in range(warmup):
        run()
    statements: list[tuple[str, Any]] = []

    def catch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(catch):
        run()
    raw = connection.connection  # the psycopg (or sqlite3) connection itself

    def bare() -> int:
        fetched = 0
        if connection.vendor == "sqlite":
            # Django writes SQLite's placeholders as %s too; its cursor class turns them
            # into sqlite3's "?" and does nothing else.
            from django.db.backends.sqlite3.base import SQLiteCursorWrapper

            cursor = raw.cursor(factory=SQLiteCursorWrapper)
        else:
            cursor = raw.cursor()
        try:
            for sql, params in statements:
                if params is None:
                    cursor.execute(sql)
                else:
                    cursor.execute(sql, params)
                fetched += len(cursor.fetchall())
        finally:
            cursor.close()
        return fetched

    rows = 0
    for _ in range(warmup):
        rows = bare()
    selector_ms, bare_ms = [], []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        selector_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        bare()
        bare_ms.append((time.perf_counter() - started) * 1000)
    return Timing(label, selector_ms, bare_ms, len(statements), rows)


def dashboard_parts(user: Any, today: date) -> list[tuple[str, Callable[[], Any]]]:
    """The parts of safety_dashboard for the bureau view, each a callable."""
    from edubureau.core.facts import Period
    from edubureau.orgs.scoping import scope_for
    from edubureau.safety import facts
    from edubureau.safety.facts.units import unit_breakdown
    from edubureau.safety.selectors import dashboard as d

    period = Period.calendar_year(today.year)  # the page's default view
    month = d.completion_month(period, today)
    links = facts.Links(scope={})

    def scope() -> Any:
        return scope_for(user)

    # As safety_dashboard reads them: a period's parts by record date, the state things
    # are in now where each school is now (the same rows where no school moved).
    def dated() -> Any:
        return scope().by_record_date()

    def now() -> Any:
        return scope().as_now()

    def completion() -> Any:
        return d._completion(scope=dated(), month=month, links=links, one_school=False)

    def units() -> Any:
        return unit_breakdown(scope=scope(), period=period, month=month, today=today)

    def open_hazards() -> Any:
        return d._open_hazards(scope=now(), today=today, links=links, by_township=True)

    def overdue() -> Any:
        return d._overdue(scope=now(), today=today)

    def rectification() -> Any:
        cells = facts.hazard_cells(scope=dated(), period=period, today=today)
        return cells, facts.close_days(scope=dated(), period=period)

    def repeats() -> Any:
        return facts.repeat_fact(scope=dated(), period=period, links=links)

    def late() -> Any:
        return facts.late_fact(scope=dated(), period=period, links=links)

    def trend() -> Any:
        return d._trend(scope=dated(), ending=min(period.end, today), links=links)

    # The page passes the month's schools due, counted for the completion part.
    due = scope().schools().filter(is_active=True).count()

    def coverage() -> Any:
        return d._coverage(scope=scope(), active_schools=due, today=today, links=links)

    def campaigns() -> Any:
        return d._campaigns(scope=scope())

    def whole_page() -> Any:
        return d.safety_dashboard(scope=scope(), period=period, today=today)

    return [
        ("本月自查完成情况 completion this month", completion),
        ("各下级单位 parts (child bureaus / townships)", units),
        ("未整改隐患 类别×乡镇×等级 open hazards", open_hazards),
        ("逾期隐患清单 overdue list", overdue),
        ("整改率与销号用时中位数 rate + median days", rectification),
        ("重复隐患 top repeats", repeats),
        ("超期整改(按乡镇) closed late", late),
        ("月度趋势 monthly trend", trend),
        ("台账覆盖 ledger coverage", coverage),
        ("近期检查活动 recent campaigns", campaigns),
        ("整个看板 whole dashboard (all parts)", whole_page),
    ]


def per_item_queries(month: date) -> list[tuple[str, str]]:
    """One aggregate over item results in each layout (not on the dashboard: every
    dashboard figure is per inspection or per hazard)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        json_sql = (
            "SELECT r.value->>'r' AS result, count(*) FROM safety_inspection i "
            "CROSS JOIN LATERAL jsonb_each(i.results) r "
            f"WHERE i.kind = 'self' AND i.period = '{month:%Y-%m-%d}' GROUP BY 1"
        )
    else:
        json_sql = (
            "SELECT json_extract(r.value, '$.r'), count(*) FROM safety_inspection i, "
            f"json_each(i.results) r WHERE i.kind = 'self' AND i.period = '{month:%Y-%m-%d}' "
            "GROUP BY 1"
        )
    rows_sql = (
        f"SELECT x.result, count(*) FROM {ITEM_TABLE} x JOIN {HEADER_TABLE} h "
        f"ON h.id = x.inspection_id WHERE h.kind = 'self' AND h.period = '{month:%Y-%m-%d}' "
        "GROUP BY 1"
    )
    json_label = (
        "(a) JSON: jsonb_each" if connection.vendor == "postgresql" else "(a) JSON: json_each"
    )
    return [(json_label, json_sql), ("(b) rows: GROUP BY", rows_sql)]


def time_sql(label: str, sql: str, *, runs: int, warmup: int) -> tuple[str, float, float, list]:
    from django.db import connection

    cursor = connection.connection.cursor()
    result: list[Any] = []
    for _ in range(warmup):
        cursor.execute(sql)
        result = cursor.fetchall()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        cursor.execute(sql)
        cursor.fetchall()
        times.append((time.perf_counter() - started) * 1000)
    cursor.close()
    return label, percentile(times, 0.5), percentile(times, 0.95), sorted(result)


# ------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    url = prepare_database(args)
    setup_django(url)

    from django.core.management import call_command
    from django.db import connection

    from edubureau.rectification.models import RectificationStep
    from edubureau.safety.demo import SafetyDemo
    from edubureau.safety.models import Hazard, Inspection

    postgres = connection.vendor == "postgresql"
    log(f"edubureau safety benchmark — {args.schools:,} schools, {args.months} months")
    with connection.cursor() as c:
        c.execute("SELECT version()" if postgres else "SELECT 'SQLite ' || sqlite_version()")
        server = c.fetchone()[0].split(" on ")[0]
    log(
        f"database: {server}, {args.db_name}; host: {platform.machine()}, "
        f"{os.cpu_count()} CPUs (shared), Python {platform.python_version()}"
    )
    if postgres:
        with connection.cursor() as c:
            settings_shown = []
            for name in ("shared_buffers", "work_mem", "fsync", "max_parallel_workers_per_gather"):
                c.execute(f"SHOW {name}")
                settings_shown.append(f"{name}={c.fetchone()[0]}")
        log("server settings: " + ", ".join(settings_shown))

    log("\n1. 数据库与组织机构 database and organisation")
    with step("迁移 migrate"):
        call_command("migrate", interactive=False, verbosity=0)
    with step("组织机构 organisation (orgs demo planner)"):
        ctx = build_organisation(args.schools)
    leader = ctx.users["leader"]

    fks = "with" if args.row_foreign_keys else "without"
    method = "COPY" if postgres else "executemany"
    log(
        f"\n2. 检查结果的两种存储方式 storage layouts ({args.months} months, {method}; "
        f"item rows {fks} foreign keys)"
    )
    demo = SafetyDemo(ctx.for_app("safety"), months=args.months)
    with step("排查指南与检查活动 checklist and campaigns"):
        demo.install_checklist()
        demo.write_campaigns()
        create_row_layout(foreign_keys=args.row_foreign_keys)
    writer = Writer()
    with step("生成并装载 generate and load (both layouts)"):
        json_load, row_load = load_inspections(demo, writer=writer)
    if postgres:
        # Django runs in autocommit mode: VACUUM is outside any transaction.
        with step("VACUUM ANALYZE"), connection.cursor() as c:
            c.execute("VACUUM ANALYZE")
    json_load.bytes = table_bytes("safety_inspection")
    row_load.bytes = table_bytes(HEADER_TABLE, ITEM_TABLE)
    loads = [json_load, row_load]
    log(
        f"\n  {'layout':<22} {'rows':>12} {'seconds':>9} {'rows/s':>11} "
        f"{'inspections/s':>14} {'on disk':>12}"
    )
    for load in loads:
        log(
            f"  {load.label:<18} {load.rows:>12,} {load.seconds:>9.1f} "
            f"{load.rows_per_second:>11,.0f} {load.inspections_per_second:>14,.0f} "
            f"{mb(load.bytes):>12}"
        )
    time_ratio = row_load.seconds / json_load.seconds if json_load.seconds else float("nan")
    size_ratio = (
        f"×{row_load.bytes / json_load.bytes:.1f}" if row_load.bytes and json_load.bytes else "n/a"
    )
    log(f"  (b)/(a): load time ×{time_ratio:.1f}, bytes on disk {size_ratio}")
    log(f"  (b) = header {mb(table_bytes(HEADER_TABLE))} + item rows {mb(table_bytes(ITEM_TABLE))}")
    if postgres:
        with connection.cursor() as c:
            c.execute(
                "SELECT avg(pg_column_size(results))::int, avg(octet_length(results::text))::int "
                "FROM safety_inspection WHERE status = 'submitted'"
            )
            stored, text = c.fetchone()
        log(f"  a results document: {stored:,} bytes stored (jsonb, compressed), {text:,} as text")

    log("\n3. 隐患、整改记录与台账 hazards, history, ledgers (bulk_create)")
    with step("隐患与整改记录 hazards and steps"):
        demo.write_hazards()
    demo.ctx = dataclasses.replace(demo.ctx, log=lambda label, s: log(f"  {label:<58} {s:8.1f} s"))
    demo.write_ledgers()
    if postgres:
        with step("VACUUM ANALYZE"), connection.cursor() as c:
            c.execute("VACUUM ANALYZE")
    log(
        f"  inspections {Inspection.objects.count():,}, hazards {Hazard.objects.count():,}, "
        f"history steps {RectificationStep.objects.count():,}"
    )

    per_item = [
        time_sql(label, sql, runs=args.runs, warmup=args.warmup)
        for label, sql in per_item_queries(demo.months[-1])
    ]
    log(f"\n  per-item aggregate of one month ({demo.months[-1]:%Y-%m}, every item result):")
    for label, p50, p95, result in per_item:
        log(f"  {label:<24} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  {result}")

    log(
        f"\n4. 局看板查询 bureau dashboard ({args.runs} runs after {args.warmup} warm-ups, "
        f"today={ctx.reference_date}, user={leader.username})"
    )
    timings = []
    for label, run in dashboard_parts(leader, ctx.reference_date):
        t = time_part(label, run, runs=args.runs, warmup=args.warmup)
        timings.append(t)
        log(
            f"  {label:<42} p50 {t.p50:7.1f}  p95 {t.p95:7.1f} ms | bare p50 {t.bare_p50:7.1f}"
            f"  p95 {t.bare_p95:7.1f} ms | ×{t.ratio:.2f} ({t.queries} queries)"
        )

    log("\n5. 汇总 summary")
    log(
        f"  load (a) JSON {json_load.rows_per_second:,.0f} inspections/s, "
        f"{mb(json_load.bytes)}; (b) rows {row_load.rows_per_second:,.0f} item rows/s "
        f"({row_load.inspections_per_second:,.0f} inspections/s), {mb(row_load.bytes)}"
    )
    header = f"  {'query':<42} {'p50 ms':>8} {'p95 ms':>8} {'bare p50':>9} {'ratio':>6}  goals"
    log(header)
    all_met = True
    for t in timings:
        fast, lean = t.meets
        whole = t.label.startswith("整个看板")
        if not whole:
            all_met = all_met and fast and lean
        marks = f"p95 {'✓' if fast else '✗'}  ratio {'✓' if lean else '✗'}"
        if whole:
            marks += "  (sum of the parts, for information)"
        log(
            f"  {t.label:<42} {t.p50:>8.1f} {t.p95:>8.1f} {t.bare_p50:>9.1f} "
            f"{t.ratio:>6.2f}  {marks}"
        )
    log(
        f"  goals (p95 ≤ {GOAL_P95_MS:.0f} ms, selector/bare ≤ {GOAL_RATIO}) "
        f"{'met by every dashboard query' if all_met else 'NOT met by every query (see ✗)'}"
    )
    log(f"  total {time.perf_counter() - started:,.0f} s")

    connection.close()
    if args.keep:
        log(f"kept database {args.db_name}")
    else:
        drop_database(args, url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
