"""The demo organisation: a deterministic, realistic county, city or province.

``edubureau demo`` (the ``demo`` management command) calls :func:`build_demo`, which

1. plans the organisation in memory with ``demo_plan.plan_organisation`` — a pure
   function of ``(scale, seed)`` that uses nothing but ``random.Random(seed)``, so
   two runs produce identical rows (same identifiers, names, principals, phones);
2. writes it in one transaction with ``bulk_create`` in batches: the tree of
   bureaus, the departments of each, the townships, the schools, three school
   years with their semesters (the one containing the reference date and the two
   before it) and the demo accounts of each bureau, all sharing
   :data:`DEMO_PASSWORD` (hashed once: hashing is deliberately slow);
3. runs every contributor (below), once for each bureau with schools of its own,
   so later modules add their own demo data.

The demo is dated from its reference date, the day it is built: ``build_demo``
reads ``timezone.localdate()`` once, at the start, unless given
``reference_date=`` (``edubureau demo --date YYYY-MM-DD``), and everything dated
in the demo — school years, months of inspections, campaigns, ledgers — is
derived from it. A demo built today looks current today, and the same
``(scale, seed, reference_date)`` always produces the same rows.

Scales (``demo_plan.SCALES``; the tree is described in ``demo_plan``): ``county``
示例县教育局 (15 townships, 150 schools) under a bare 示例市教育局 and 示例省教育厅;
``city`` 示例市教育局 with 8 counties and districts, 40 市直 schools, 2,000 schools in
all; ``province`` 示例省教育厅 with 20 省直 schools, 14 cities, 100 counties and
districts, 30,000 schools. Each county has the mix of a real county: many
kindergartens (many of them private), primary schools and teaching points, fewer
junior, nine-year, senior and complete secondary schools, and one or two
vocational and special schools. School identifiers are ``2`` + the bureau's
6-digit region code + a 3-digit serial: ten digits, unique at every scale.

What :func:`build_demo` returns is the context of the scale's bureau (the county,
the city or the province); ``ctx.tree`` holds the context of every bureau with
schools of its own, top down, and ``ctx.subtree()`` those at and below a bureau.

Extension point: demo data of later modules
-------------------------------------------
After the organisation exists, every installed app under ``edubureau.`` (other than
orgs) whose package has a ``demo`` module with a ``build`` function is called, in
INSTALLED_APPS order, once for each bureau with schools of its own — bottom up
(counties, then cities, then the province), so that a higher bureau's data may
refer to what its subtree holds (``ctx.subtree()``). The order of apps follows the
dependency order of STYLE.md (core <- orgs, audit <- safety, stats, … <- plans <-
reports), so a module may read what the modules before it built::

    # edubureau/safety/demo.py
    from edubureau.orgs.demo import DemoContext

    def build(ctx: DemoContext) -> None:
        with ctx.step("安全检查"):
            rows = [
                Inspection(school=s, done_on=ctx.reference_date, ...)
                for s in ctx.schools
                if ctx.rng.random() < 0.9
            ]
            Inspection.objects.bulk_create(rows, batch_size=ctx.batch_size)

Rules for a contributor:

* ``ctx.bureau`` is the bureau being built, ``ctx.schools`` the schools it runs
  itself, ``ctx.users`` its demo accounts by key (leader, safety, jichu,
  inspector, admin, principal, safety_officer, teacher; township in a county);
* random numbers only from ``ctx.rng``: it is seeded for that app and that bureau
  alone, so adding a module never changes the data of another;
* dates from ``ctx.reference_date`` and ``ctx.school_years``, never from the clock
  (the build reads the clock once, for the reference date) and never a fixed
  calendar date: the demo must look current whatever day it is built on;
* volume in proportion to ``ctx.schools``, written with
  ``bulk_create(..., batch_size=ctx.batch_size)``; never a query per school;
* an extra demo account through ``ctx.add_user(...)`` (demo password, listed in the
  printed logins when ``listed=True``);
* time the steps with ``ctx.step(label)``; the command prints each step's seconds
  (summed over the bureaus when there are several).

The whole build, contributors included, is one transaction: a failure leaves no
half-built demo behind.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.db.models import Count
from django.utils import timezone

from edubureau.audit.models import Action
from edubureau.audit.services import audit_log
from edubureau.orgs.demo_plan import (
    DEMO_SEED,
    SCALES,
    OrgPlan,
    Scale,
    demo_bureau_names,
    plan_organisation,
    scale_of,
)
from edubureau.orgs.models import (
    DIRECT_LABELS,
    Bureau,
    BureauLevel,
    Department,
    Role,
    School,
    SchoolPosition,
    SchoolYear,
    Semester,
    Township,
    User,
)

# One memorable password for every demo account; it satisfies the validators.
DEMO_PASSWORD = "Edu-Demo@2026"
BATCH_SIZE = 2000

LogFn = Callable[[str, float], None]


# -------------------------------------------------------------------------- context


@dataclass
class DemoLogin:
    """One row of the printed table of demo logins."""

    user: User
    password: str


@dataclass
class DemoContext:
    """What a contributor's ``build(ctx)`` gets (see the module docstring): one bureau."""

    bureau: Bureau
    scale: Scale
    departments: dict[str, Department]  # by code
    townships: list[Township]
    schools: list[School]  # the schools this bureau runs itself
    school_years: list[SchoolYear]
    users: dict[str, User]  # by AccountPlan.key: leader, safety, jichu, principal, …
    demo_school: School  # the school of the demo school accounts
    rng: random.Random
    password_hash: str
    log: LogFn
    seed: int = DEMO_SEED
    # The demo's "today": every contributor dates its rows from it (never the clock).
    reference_date: date = field(default_factory=timezone.localdate)
    batch_size: int = BATCH_SIZE
    # Shared by every bureau's context: the printed table, top down.
    logins: list[DemoLogin] = field(default_factory=list)
    # Every bureau with schools of its own, top down (shared by all contexts).
    tree: list[DemoContext] = field(default_factory=list, repr=False, compare=False)
    # "" for the scale's own bureau (its data is what it was before the tree),
    # ":<region code>" for the others: each bureau's generators are its own.
    rng_key: str = ""

    def step(self, label: str) -> contextlib.AbstractContextManager[None]:
        """``with ctx.step("安全检查"): ...`` prints how long the block took."""
        return timed(self.log, label)

    def for_app(self, label: str) -> DemoContext:
        """The same context (same dicts and lists) with a generator seeded for ``label``."""
        return dataclasses.replace(self, rng=random.Random(f"{self.seed}:{label}{self.rng_key}"))

    @property
    def printed(self) -> bool:
        """Whether this bureau's accounts are among the printed logins (the demo
        county, and the city or province on top): where a module puts what a
        newcomer signs in to see, rather than into every bureau of the tree."""
        leader = self.users.get("leader")
        return leader is not None and any(login.user.pk == leader.pk for login in self.logins)

    def subtree(self) -> list[DemoContext]:
        """The contexts of this bureau and of the bureaus below it, top down."""
        return [c for c in self.tree if c.bureau.path.startswith(self.bureau.path)]

    def all_schools(self) -> list[School]:
        """Every school of the subtree (this bureau's own and those below it)."""
        return [s for c in self.subtree() for s in c.schools]

    def add_user(self, *, key: str, username: str, listed: bool = False, **fields: Any) -> User:
        """Create a demo account with the demo password (no forced change)."""
        user = User.objects.create(
            username=username,
            bureau=self.bureau,
            password=self.password_hash,
            must_change_password=False,
            **fields,
        )
        self.users[key] = user
        if listed:
            self.logins.append(DemoLogin(user=user, password=DEMO_PASSWORD))
        return user


Contributor = tuple[str, Callable[[DemoContext], None]]


def discover_contributors() -> list[Contributor]:
    """``(app label, build)`` of every ``edubureau.<app>.demo.build``, in INSTALLED_APPS
    order; orgs (this module) is the base and not a contributor."""
    found: list[Contributor] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("edubureau.") or config.label == "orgs":
            continue
        module_name = f"{config.name}.demo"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        build = getattr(module, "build", None)
        if callable(build):
            found.append((config.label, build))
    return found


# --------------------------------------------------------------------------- build


def school_year_start(day: date) -> int:
    """The start year of the school year (1 September to 31 August) containing ``day``."""
    return day.year if day.month >= 9 else day.year - 1


def demo_school_years(reference_date: date) -> tuple[int, int, int]:
    """Start years of the demo's school years: the one containing the reference date
    and the two before it."""
    current = school_year_start(reference_date)
    return (current - 2, current - 1, current)


@contextlib.contextmanager
def historical_timestamps(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let bulk_create keep the ``created_at`` / ``updated_at`` the demo sets.

    ``auto_now`` and ``auto_now_add`` would stamp every row with the build time,
    and the demo's rows carry the dates they happened on (a hazard reported in
    March 2025 was created then). Only for the single-threaded demo build."""
    fields = [
        f
        for m in model_classes
        for f in m._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]  # type: ignore[attr-defined]
    for f in fields:
        f.auto_now = f.auto_now_add = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add  # type: ignore[attr-defined]


class DemoConflict(Exception):
    """The database already holds rows the demo would collide with."""


def find_demo_bureau() -> Bureau | None:
    """The bureau of a demo built earlier, at its scale: the province when it runs
    schools itself (province scale), else the city when it does (city scale), else
    the county."""
    found = {b.name: b for b in Bureau.objects.filter(name__in=demo_bureau_names())}
    for name in (SCALES["province"].bureau_name, SCALES["city"].bureau_name):
        bureau = found.get(name)
        if bureau is not None and School.objects.filter(bureau=bureau).exists():
            return bureau
    return found.get(SCALES["county"].bureau_name) or next(iter(found.values()), None)


def build_demo(
    *,
    scale: str = "county",
    seed: int = DEMO_SEED,
    log: LogFn | None = None,
    contributors: list[Contributor] | None = None,
    reference_date: date | None = None,
    schools: int | None = None,
) -> DemoContext:
    """Write the demo organisation and every contributor's data, in one transaction,
    dated from ``reference_date`` (default: today, read once here). ``schools``
    shrinks (or grows) the scale's number of schools and keeps its tree."""
    log = log or (lambda step, elapsed: None)
    reference_date = reference_date or timezone.localdate()
    started = time.perf_counter()
    plan = plan_organisation(scale=scale, seed=seed, schools=schools)
    log(
        f"规划组织机构 plan（{len(plan.bureaus)} 个教育局，{len(plan.schools):,} 所学校）",
        time.perf_counter() - started,
    )
    with transaction.atomic():
        ctx = _write_orgs(plan, seed=seed, log=log, reference_date=reference_date)
        for label, build in discover_contributors() if contributors is None else contributors:
            with timed(log, f"{label} 演示数据 demo data"):
                _contribute(ctx, label, build, log)
            _analyze()
        _security_events(ctx)
        moved = _move_a_school(ctx, reference_date)
        if moved is not None:
            log(f"隶属关系调整 school moved（{moved}）", 0.0)
        subtree = ctx.subtree()
        audit_log(
            actor=None,
            actor_name="demo",
            action=Action.CREATE,
            obj=ctx.bureau,
            detail=(
                f"生成演示数据：{len(plan.bureaus)}个教育局、{len(plan.schools)}所学校、"
                f"{len(plan.townships)}个乡镇（街道）、"
                f"{sum(len(c.departments) for c in subtree)}个股室"
            ),
        )
    log("演示数据合计 demo data total", time.perf_counter() - started)
    return ctx


def _security_events(ctx: DemoContext) -> None:
    """What a week of use leaves for the audit administrator (``shenji``) to review, in
    the printed county: a teacher mistyping the password three times, and the township
    officer asking for a school outside the township (refused). Written by the
    handlers the sign-in form and the scoping door call, so they read as real ones."""
    from edubureau.audit.signals import on_login_failed
    from edubureau.orgs.access import audit_out_of_scope

    county = next((c for c in ctx.tree if c.bureau.level == BureauLevel.COUNTY and c.printed), None)
    if county is None or "teacher" not in county.users or "township" not in county.users:
        return
    for _ in range(3):
        on_login_failed(sender=None, credentials={"username": county.users["teacher"].username})
    officer = county.users["township"]
    elsewhere = next(
        (s for s in county.schools if s.township_id not in (None, officer.township_id)), None
    )
    if elsewhere is not None:
        audit_out_of_scope(officer, School, elsewhere.pk, detail="读取范围外的记录")


# The demo county (its leader signs in as ``leader``) at city and province scale.
DEMO_COUNTY_LOGIN = "leader"


def _move_a_school(ctx: DemoContext, reference_date: date) -> str | None:
    """At city and province scale, one school of a sibling county is moved into the demo
    county (隶属关系调整) by the city's administrator, on the reference date: the served
    demo shows a moved school, whose history stays with the county it left while its
    open hazards and its next records are the demo county's (``orgs.moves``). Done after
    every contributor, through the service a bureau uses, so the history is the one a
    real move leaves. Dated the reference date, not earlier, because every contributor
    wrote the school's records as the old county's (its staff, its campaigns): a move
    before some of them would leave records no county could have made."""
    from edubureau.orgs.services.bureaus import school_move

    county = next(
        (
            c
            for c in ctx.tree
            if getattr(c.users.get("leader"), "username", "") == DEMO_COUNTY_LOGIN
        ),
        None,
    )
    # A demo dated ahead of the clock (``--date`` in the future) gets no move: a move
    # cannot be dated after today.
    if county is None or county.bureau.parent_id is None or reference_date > timezone.localdate():
        return None
    city = next((c for c in ctx.tree if c.bureau.pk == county.bureau.parent_id), None)
    siblings = sorted(
        (
            c
            for c in ctx.tree
            if c.bureau.parent_id == county.bureau.parent_id
            and c.bureau.pk != county.bureau.pk
            and c.bureau.level == BureauLevel.COUNTY
        ),
        key=lambda c: c.bureau.region_code,
    )
    if city is None or "admin" not in city.users or not siblings or not county.townships:
        return None
    sibling = siblings[0]
    taken = {s.name for s in county.schools}
    school = next(
        (
            s
            for s in sorted(sibling.schools, key=lambda s: s.pk)
            if s.pk != sibling.demo_school.pk and s.name not in taken
        ),
        None,
    )
    if school is None:
        return None
    moved_on = reference_date
    school_move(
        actor=city.users["admin"],
        school=school,
        to_bureau=county.bureau,
        township=county.townships[0],
        moved_on=moved_on,
        reason="演示：隶属关系调整",
    )
    sibling.schools.remove(school)
    county.schools.append(school)
    return f"{school.name}，{moved_on:%Y年%m月%d日}由{sibling.bureau.name}调入{county.bureau.name}"


def _analyze() -> None:
    """On PostgreSQL, refresh the planner's statistics after a contributor's bulk loads:
    later contributors read what earlier ones wrote (plans counts safety's drills), and
    on tables the planner still thinks empty each of those queries takes a second.
    ANALYZE sees the transaction's own rows; SQLite plans without statistics."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _contribute(
    ctx: DemoContext, label: str, build: Callable[[DemoContext], None], log: LogFn
) -> None:
    """Run one contributor for every bureau with schools of its own, bottom up. With
    several bureaus, each step's time is summed over them and printed once."""
    contexts = sorted(ctx.tree, key=lambda c: -c.bureau.path.count("/"))
    if len(contexts) == 1:
        build(contexts[0].for_app(label))
        return
    totals: dict[str, float] = {}

    def add(step: str, elapsed: float) -> None:
        totals[step] = totals.get(step, 0.0) + elapsed

    for c in contexts:
        build(dataclasses.replace(c.for_app(label), log=add))
    for step, elapsed in totals.items():
        log(f"  {step}（{len(contexts)}个教育局合计）", elapsed)


@contextlib.contextmanager
def timed(log: LogFn, label: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    log(label, time.perf_counter() - started)


def _write_orgs(plan: OrgPlan, *, seed: int, log: LogFn, reference_date: date) -> DemoContext:
    spec = plan.scale
    usernames = [a.username for a in plan.accounts]
    taken = list(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    clashing = list(
        Bureau.objects.filter(name__in=[b.name for b in plan.bureaus]).values_list(
            "name", flat=True
        )
    )
    if taken or clashing:
        raise DemoConflict(
            f"数据库中已有{'、'.join(clashing[:3]) or spec.bureau_name}或同名账号"
            f"（{'、'.join(taken[:5]) or '—'}），请使用 --reset 重建或换一个空数据库。"
        )
    label = f"教育局、股室、乡镇（{len(plan.bureaus)} 个教育局）/ bureaus, departments, townships"
    with timed(log, label):
        bureaus: dict[str, Bureau] = {}
        for b in plan.bureaus:  # top down: a parent exists before its children
            bureaus[b.code] = Bureau.objects.create(
                parent=bureaus.get(b.parent),
                level=b.level,
                name=b.name,
                short_name=b.short_name,
                issuer_code=b.issuer_code,
                region_code=b.code,
                address=b.address,
                phone=b.phone,
            )
        content = [b for b in plan.bureaus if b.has_content]
        Department.objects.bulk_create(
            (
                Department(bureau=bureaus[b.code], code=code, name=name, sort_order=(i + 1) * 10)
                for b in content
                for i, (code, name) in enumerate(b.departments)
            ),
            batch_size=BATCH_SIZE,
        )
        Township.objects.bulk_create(
            (
                Township(bureau=bureaus[t.bureau], name=t.name, code=t.code, sort_order=i + 1)
                for i, t in enumerate(plan.townships)
            ),
            batch_size=BATCH_SIZE,
        )
        bureau_ids = [b.pk for b in bureaus.values()]
        departments: dict[int, dict[str, Department]] = {}
        for d in Department.objects.filter(bureau_id__in=bureau_ids):
            departments.setdefault(d.bureau_id, {})[d.code] = d
        townships: dict[int, list[Township]] = {}
        for t in Township.objects.filter(bureau_id__in=bureau_ids).order_by("sort_order"):
            townships.setdefault(t.bureau_id, []).append(t)
        township_ids = {(t.bureau_id, t.name): t.pk for ts in townships.values() for t in ts}

    with timed(log, f"学校 schools（{len(plan.schools):,}）"):
        School.objects.bulk_create(
            (
                School(
                    bureau=bureaus[s.bureau],
                    identifier=s.identifier,
                    name=s.name,
                    kind=s.kind,
                    ownership=s.ownership,
                    locality=s.locality,
                    township_id=(
                        township_ids[(bureaus[s.bureau].pk, s.township)] if s.township else None
                    ),
                    address=s.address,
                    principal=s.principal,
                    phone=s.phone,
                    founded_year=s.founded_year,
                )
                for s in plan.schools
            ),
            batch_size=BATCH_SIZE,
        )
        schools: dict[int, list[School]] = {}
        for school in School.objects.filter(bureau_id__in=bureau_ids).order_by("identifier"):
            schools.setdefault(school.bureau_id, []).append(school)
        by_identifier = {s.identifier: s for ss in schools.values() for s in ss}

    with timed(log, "学年与学期 school years"):
        school_years = _write_school_years([bureaus[b.code] for b in content], reference_date)

    with timed(log, f"演示账号 accounts（{len(plan.accounts):,}）"):
        password_hash = make_password(DEMO_PASSWORD)
        users: dict[str, dict[str, User]] = {}
        for a in plan.accounts:
            bureau = bureaus[a.bureau]
            users.setdefault(a.bureau, {})[a.key] = User(
                username=a.username,
                password=password_hash,
                bureau=bureau,
                role=a.role,
                full_name=a.full_name,
                phone=a.phone,
                department=departments[bureau.pk][a.department] if a.department else None,
                school=by_identifier[a.school] if a.school else None,
                school_position=a.school_position,
                read_only=a.read_only,
                township_id=township_ids[(bureau.pk, a.township)] if a.township else None,
                must_change_password=False,
            )
        User.objects.bulk_create(
            (u for per_bureau in users.values() for u in per_bureau.values()),
            batch_size=BATCH_SIZE,
        )
        fresh = {u.username: u for u in User.objects.filter(username__in=usernames)}
        users = {
            code: {key: fresh[u.username] for key, u in per_bureau.items()}
            for code, per_bureau in users.items()
        }
        Assigned = User.assigned_schools.through
        Assigned.objects.bulk_create(
            (
                Assigned(user_id=users[a.bureau][a.key].pk, school_id=by_identifier[i].pk)
                for a in plan.accounts
                for i in a.assigned
            ),
            batch_size=BATCH_SIZE,
        )
        # Each demo leader is 分管 safety: overdue hazards climb to them (level 4).
        safety_departments = []
        for b in content:
            safety = departments[bureaus[b.code].pk].get("safety")
            leader = users.get(b.code, {}).get("leader")
            if safety is not None and leader is not None:
                safety.leader_in_charge = leader
                safety_departments.append(safety)
        Department.objects.bulk_update(safety_departments, ["leader_in_charge"])

    logins: list[DemoLogin] = []
    for a in plan.accounts:
        if a.listed:
            logins.append(DemoLogin(user=users[a.bureau][a.key], password=DEMO_PASSWORD))
    tree: list[DemoContext] = []
    for b in content:
        bureau = bureaus[b.code]
        demo_school = plan.demo_school_of(b.code)
        tree.append(
            DemoContext(
                bureau=bureau,
                scale=spec,
                departments=departments.get(bureau.pk, {}),
                townships=townships.get(bureau.pk, []),
                schools=schools.get(bureau.pk, []),
                school_years=school_years.get(bureau.pk, []),
                users=users.get(b.code, {}),
                demo_school=by_identifier[demo_school.identifier],
                rng=random.Random(f"{seed}:orgs"),
                password_hash=password_hash,
                log=log,
                seed=seed,
                reference_date=reference_date,
                logins=logins,
                tree=tree,
                rng_key="" if b.code == plan.focus else f":{b.code}",
            )
        )
    return next(c for c in tree if c.bureau.region_code == plan.focus)


def _write_school_years(bureaus: list[Bureau], reference_date: date) -> dict[int, list[SchoolYear]]:
    SchoolYear.objects.bulk_create(
        (
            SchoolYear(
                bureau=bureau,
                start_year=y,
                starts_on=date(y, 9, 1),
                ends_on=date(y + 1, 8, 31),
            )
            for bureau in bureaus
            for y in demo_school_years(reference_date)
        ),
        batch_size=BATCH_SIZE,
    )
    years: dict[int, list[SchoolYear]] = {}
    found = SchoolYear.objects.filter(bureau__in=bureaus).order_by("bureau_id", "start_year")
    for year in found:
        years.setdefault(year.bureau_id, []).append(year)
    Semester.objects.bulk_create(
        (
            semester
            for per_bureau in years.values()
            for year in per_bureau
            for semester in (
                Semester(
                    school_year=year,
                    term=Semester.Term.AUTUMN,
                    starts_on=date(year.start_year, 9, 1),
                    ends_on=date(year.start_year + 1, 1, 20),
                ),
                Semester(
                    school_year=year,
                    term=Semester.Term.SPRING,
                    starts_on=date(year.start_year + 1, 2, 23),
                    ends_on=date(year.start_year + 1, 7, 10),
                ),
            )
        ),
        batch_size=BATCH_SIZE,
    )
    return years


# -------------------------------------------------------------------------- logins


def existing_logins(bureau: Bureau, *, seed: int = DEMO_SEED) -> list[DemoLogin]:
    """The printed demo accounts of a demo built earlier (``bureau``: its scale's)."""
    spec = scale_of(bureau) or SCALES["county"]
    listed = [
        a.username for a in plan_organisation(scale=spec.name, seed=seed).accounts if a.listed
    ]
    users = {
        u.username: u
        for u in User.objects.filter(username__in=listed).select_related(
            "bureau", "department", "school", "township"
        )
    }
    return [DemoLogin(user=users[n], password=DEMO_PASSWORD) for n in listed if n in users]


def login_unit(user: User) -> str:
    """Where the account works: its bureau, and its township or school."""
    bureau = user.bureau.display_name if user.bureau else ""
    if user.role == Role.TOWNSHIP_STAFF and user.township:
        return f"{bureau} {user.township.name}中心校"
    return bureau


def login_role(user: User) -> str:
    if user.role == Role.DEPARTMENT_STAFF and user.department:
        return f"股室工作人员（{user.department.name}）department staff"
    if user.role == Role.SCHOOL_USER:
        labels: dict[str, str] = {
            SchoolPosition.PRINCIPAL: "校长 principal",
            SchoolPosition.SAFETY_OFFICER: "安全专干 safety officer",
        }
        label = labels.get(user.school_position, "教师 teacher")
        return f"{label}{'（只读 read-only）' if user.read_only else ''}"
    english: dict[str, str] = {
        Role.BUREAU_LEADER: "bureau leader",
        Role.INSPECTOR: "inspector",
        Role.ADMINISTRATOR: "administrator",
        Role.TOWNSHIP_STAFF: "township staff",
        Role.AUDITOR: "audit administrator",
    }
    return f"{user.get_role_display()} {english.get(user.role, '')}".strip()


def login_scope(user: User) -> str:
    """What the account sees, in one line (Chinese, then English): counted through
    the scoping door, so it is what the account will see."""
    n = School.objects.visible_to(user).count()
    below = user.bureau is not None and user.bureau.level != BureauLevel.COUNTY
    reach = "本局及下级" if below else "全局"
    if user.role == Role.BUREAU_LEADER:
        return f"{reach} {n:,} 所学校与全部股室 / everything in the bureau's subtree"
    if user.role == Role.DEPARTMENT_STAFF:
        if below and user.department and user.department.code == "safety":
            own = School.objects.records_writable_by(user, owner="safety").count()
            direct = DIRECT_LABELS.get(BureauLevel(user.bureau.level), "直属")  # type: ignore[union-attr]
            return f"查看{reach} {n:,} 所学校；填报{direct} {own} 所 / reads the subtree"
        return f"{reach} {n:,} 所学校；办理本股室工作 / all schools; own department's work"
    if user.role == Role.TOWNSHIP_STAFF and user.township:
        return f"{user.township.name} {n} 所学校（查看、催办）/ the township's schools"
    if user.role == Role.SCHOOL_USER and user.school:
        mode = "只读" if user.read_only else "填报"
        return f"仅本校：{user.school.name}（{mode}）/ only their own school"
    if user.role == Role.INSPECTOR:
        rows = (
            user.assigned_schools.values("township__name")
            .annotate(n=Count("id"))
            .order_by("township__sort_order")
        )
        townships = "、".join(r["township__name"] or "直属" for r in rows)
        count = sum(r["n"] for r in rows)
        return f"督导 {count} 所学校（{townships}）/ assigned schools only"
    if user.role == Role.AUDITOR:
        return "本局审计日志（只读，含系统管理员的操作）/ the bureau's audit log"
    if user.role == Role.ADMINISTRATOR:
        if below:
            return "账号、学校名录、下级教育局与设置 / accounts, schools, child bureaus, settings"
        return "账号、学校名录与设置 / accounts, school directory, settings"
    return ""
