"""The demo organisation: a deterministic, realistic county, city or province.

``edubureau demo`` (the ``demo`` management command) calls :func:`build_demo`, which

1. plans the organisation in memory with ``demo_plan.plan_organisation`` — a pure
   function of ``(scale, seed)`` that uses nothing but ``random.Random(seed)``, so
   two runs produce identical rows (same identifiers, names, principals, phones);
2. writes it in one transaction with ``bulk_create`` in batches: the bureau, its
   twelve departments, the townships, the schools, three school years with their
   semesters (the one containing the reference date and the two before it) and
   one account per role, all sharing :data:`DEMO_PASSWORD` (hashed once: hashing
   is deliberately slow);
3. runs every contributor (below), so later modules add their own demo data.

The demo is dated from its reference date, the day it is built: ``build_demo``
reads ``timezone.localdate()`` once, at the start, unless given
``reference_date=`` (``edubureau demo --date YYYY-MM-DD``), and everything dated
in the demo — school years, months of inspections, campaigns, ledgers — is
derived from it. A demo built today looks current today, and the same
``(scale, seed, reference_date)`` always produces the same rows.

Scales (``demo_plan.SCALES``): ``county`` 示例县教育局, 15 townships, 150 schools;
``city`` 示例市教育局, 120 townships, 2,000 schools; ``province`` 示例省教育厅,
1,500 townships, 30,000 schools. A city or province is planned as groups of 15
townships, one per county or district, each with the mix of a real county: many
kindergartens (many of them private), primary schools and teaching points, fewer
junior, nine-year, senior and complete secondary schools, and one or two
vocational and special schools. School identifiers are ``2`` + the county's
6-digit region code + a 3-digit serial: ten digits, unique at every scale.

Extension point: demo data of later modules
-------------------------------------------
After the organisation exists, every installed app under ``edubureau.`` (other than
orgs) whose package has a ``demo`` module with a ``build`` function is called, in
INSTALLED_APPS order. That order follows the dependency order of STYLE.md
(core <- orgs, audit <- safety, stats, … <- plans <- reports), so a module may read
what the modules before it built::

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

* random numbers only from ``ctx.rng``: it is seeded for that app alone, so adding
  a module never changes the data of another;
* dates from ``ctx.reference_date`` and ``ctx.school_years``, never from the clock
  (the build reads the clock once, for the reference date) and never a fixed
  calendar date: the demo must look current whatever day it is built on;
* volume in proportion to ``ctx.schools`` (30,000 at province scale), written with
  ``bulk_create(..., batch_size=ctx.batch_size)``; never a query per school;
* an extra demo account through ``ctx.add_user(...)`` (demo password, listed in the
  printed logins when ``listed=True``);
* time the steps with ``ctx.step(label)``; the command prints each step's seconds.

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
from django.db import transaction
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
    Bureau,
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
DEMO_PASSWORD = "Demo@2026"
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
    """What a contributor's ``build(ctx)`` gets (see the module docstring)."""

    bureau: Bureau
    scale: Scale
    departments: dict[str, Department]  # by code
    townships: list[Township]
    schools: list[School]
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
    logins: list[DemoLogin] = field(default_factory=list)

    def step(self, label: str) -> contextlib.AbstractContextManager[None]:
        """``with ctx.step("安全检查"): ...`` prints how long the block took."""
        return timed(self.log, label)

    def for_app(self, label: str) -> DemoContext:
        """The same context (same dicts and lists) with a generator seeded for ``label``."""
        return dataclasses.replace(self, rng=random.Random(f"{self.seed}:{label}"))

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


class DemoConflict(Exception):
    """The database already holds rows the demo would collide with."""


def find_demo_bureau() -> Bureau | None:
    return Bureau.objects.filter(name__in=demo_bureau_names()).first()


def build_demo(
    *,
    scale: str = "county",
    seed: int = DEMO_SEED,
    log: LogFn | None = None,
    contributors: list[Contributor] | None = None,
    reference_date: date | None = None,
) -> DemoContext:
    """Write the demo organisation and every contributor's data, in one transaction,
    dated from ``reference_date`` (default: today, read once here)."""
    log = log or (lambda step, elapsed: None)
    reference_date = reference_date or timezone.localdate()
    started = time.perf_counter()
    plan = plan_organisation(scale=scale, seed=seed)
    log(f"规划组织机构 plan ({len(plan.schools):,} 所学校)", time.perf_counter() - started)
    with transaction.atomic():
        ctx = _write_orgs(plan, seed=seed, log=log, reference_date=reference_date)
        for label, build in discover_contributors() if contributors is None else contributors:
            with timed(log, f"{label} 演示数据 demo data"):
                build(ctx.for_app(label))
        audit_log(
            actor=None,
            actor_name="demo",
            action=Action.CREATE,
            obj=ctx.bureau,
            detail=(
                f"生成演示数据:{len(ctx.schools)}所学校、{len(ctx.townships)}个乡镇(街道)、"
                f"{len(ctx.departments)}个股室"
            ),
        )
    log("演示数据合计 demo data total", time.perf_counter() - started)
    return ctx


@contextlib.contextmanager
def timed(log: LogFn, label: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    log(label, time.perf_counter() - started)


def _write_orgs(plan: OrgPlan, *, seed: int, log: LogFn, reference_date: date) -> DemoContext:
    spec = plan.scale
    usernames = [a.username for a in plan.accounts]
    taken = list(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    if taken or Bureau.objects.filter(name=spec.bureau_name).exists():
        raise DemoConflict(
            f"数据库中已有{spec.bureau_name}或同名账号({'、'.join(taken) or '—'}),"
            "请使用 --reset 重建或换一个空数据库。"
        )
    with timed(log, "教育局、股室、乡镇 bureau, departments, townships"):
        bureau = Bureau.objects.create(
            name=spec.bureau_name,
            short_name=spec.short_name,
            issuer_code=spec.issuer_code,
            region_code=spec.region_code,
            address=f"{plan.townships[0].name}人民路88号",
            phone=spec.bureau_phone,
        )
        Department.objects.bulk_create(
            Department(bureau=bureau, code=code, name=name, sort_order=(i + 1) * 10)
            for i, (code, name) in enumerate(plan.departments)
        )
        Township.objects.bulk_create(
            (
                Township(bureau=bureau, name=t.name, code=t.code, sort_order=i + 1)
                for i, t in enumerate(plan.townships)
            ),
            batch_size=BATCH_SIZE,
        )
        departments = {d.code: d for d in Department.objects.filter(bureau=bureau)}
        townships = list(Township.objects.filter(bureau=bureau).order_by("sort_order"))
        township_ids = {t.name: t.pk for t in townships}

    with timed(log, f"学校 schools ({len(plan.schools):,})"):
        School.objects.bulk_create(
            (
                School(
                    bureau=bureau,
                    identifier=s.identifier,
                    name=s.name,
                    kind=s.kind,
                    ownership=s.ownership,
                    locality=s.locality,
                    township_id=township_ids[s.township],
                    address=s.address,
                    principal=s.principal,
                    phone=s.phone,
                    founded_year=s.founded_year,
                )
                for s in plan.schools
            ),
            batch_size=BATCH_SIZE,
        )
        schools = list(School.objects.filter(bureau=bureau).order_by("identifier"))

    with timed(log, "学年与学期 school years"):
        school_years = _write_school_years(bureau, reference_date)

    with timed(log, "演示账号 accounts"):
        password_hash = make_password(DEMO_PASSWORD)
        by_identifier = {s.identifier: s for s in schools}
        users: dict[str, User] = {}
        for a in plan.accounts:
            users[a.key] = User(
                username=a.username,
                password=password_hash,
                bureau=bureau,
                role=a.role,
                full_name=a.full_name,
                phone=a.phone,
                department=departments[a.department] if a.department else None,
                school=by_identifier[a.school] if a.school else None,
                school_position=a.school_position,
                read_only=a.read_only,
                must_change_password=False,
            )
        User.objects.bulk_create(users.values())
        fresh = {u.username: u for u in User.objects.filter(bureau=bureau)}
        users = {key: fresh[u.username] for key, u in users.items()}
        for a in plan.accounts:
            if a.assigned:
                users[a.key].assigned_schools.set([by_identifier[i] for i in a.assigned])
        # The demo leader is 分管 safety: overdue hazards climb to them (level 4).
        if "safety" in departments and "leader" in users:
            Department.objects.filter(pk=departments["safety"].pk).update(
                leader_in_charge=users["leader"]
            )

    return DemoContext(
        bureau=bureau,
        scale=spec,
        departments=departments,
        townships=townships,
        schools=schools,
        school_years=school_years,
        users=users,
        demo_school=by_identifier[plan.demo_school.identifier],
        rng=random.Random(f"{seed}:orgs"),
        password_hash=password_hash,
        log=log,
        seed=seed,
        reference_date=reference_date,
        logins=[DemoLogin(user=users[a.key], password=DEMO_PASSWORD) for a in plan.accounts],
    )


def _write_school_years(bureau: Bureau, reference_date: date) -> list[SchoolYear]:
    SchoolYear.objects.bulk_create(
        SchoolYear(
            bureau=bureau,
            start_year=y,
            starts_on=date(y, 9, 1),
            ends_on=date(y + 1, 8, 31),
        )
        for y in demo_school_years(reference_date)
    )
    years = list(SchoolYear.objects.filter(bureau=bureau).order_by("start_year"))
    Semester.objects.bulk_create(
        semester
        for year in years
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
    )
    return years


# -------------------------------------------------------------------------- logins


def existing_logins(bureau: Bureau, *, seed: int = DEMO_SEED) -> list[DemoLogin]:
    """The base demo accounts of a demo bureau built earlier (for the printed table)."""
    spec = scale_of(bureau) or SCALES["county"]
    usernames = [a.username for a in plan_organisation(scale=spec.name, seed=seed).accounts]
    users = {
        u.username: u
        for u in User.objects.filter(bureau=bureau, username__in=usernames).select_related(
            "department", "school"
        )
    }
    return [DemoLogin(user=users[n], password=DEMO_PASSWORD) for n in usernames if n in users]


def login_role(user: User) -> str:
    if user.role == Role.DEPARTMENT_STAFF and user.department:
        return f"股室工作人员({user.department.name}) department staff"
    if user.role == Role.SCHOOL_USER:
        labels: dict[str, str] = {
            SchoolPosition.PRINCIPAL: "校长 principal",
            SchoolPosition.SAFETY_OFFICER: "安全专干 safety officer",
        }
        label = labels.get(user.school_position, "教师 teacher")
        return f"{label}{'(只读 read-only)' if user.read_only else ''}"
    english: dict[str, str] = {
        Role.BUREAU_LEADER: "bureau leader",
        Role.INSPECTOR: "inspector",
        Role.ADMINISTRATOR: "administrator",
    }
    return f"{user.get_role_display()} {english.get(user.role, '')}".strip()


def login_scope(user: User) -> str:
    """What the account sees, in one line (Chinese, then English)."""
    n = School.objects.filter(bureau=user.bureau).count()
    if user.role == Role.BUREAU_LEADER:
        return f"全局 {n:,} 所学校与全部股室 / everything in the bureau"
    if user.role == Role.DEPARTMENT_STAFF:
        return f"全局 {n:,} 所学校;办理本股室工作 / all schools; edits own department's work"
    if user.role == Role.SCHOOL_USER and user.school:
        mode = "只读" if user.read_only else "填报"
        return f"仅本校:{user.school.name}({mode})/ only their own school"
    if user.role == Role.INSPECTOR:
        rows = (
            user.assigned_schools.values("township__name")
            .annotate(n=Count("id"))
            .order_by("township__sort_order")
        )
        townships = "、".join(r["township__name"] for r in rows)
        count = sum(r["n"] for r in rows)
        return f"督导 {count} 所学校({townships})/ assigned schools only"
    if user.role == Role.ADMINISTRATOR:
        return "账号、学校名录与设置 / accounts, school directory, settings"
    return ""
