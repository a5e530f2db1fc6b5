"""The demo organisation (edubureau.orgs.demo) and the ``demo`` command."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from edubureau.orgs.demo import (
    DEMO_PASSWORD,
    DemoContext,
    build_demo,
    demo_school_years,
    discover_contributors,
)
from edubureau.orgs.demo_plan import plan_organisation
from edubureau.orgs.management.commands import demo as demo_command
from edubureau.orgs.models import (
    Bureau,
    Department,
    Ownership,
    Role,
    School,
    SchoolKind,
    SchoolYear,
    Semester,
    Township,
    User,
)
from edubureau.testing.factories import BureauFactory

REFERENCE_DATE = date(2026, 11, 16)


@pytest.fixture
def county(db: None) -> DemoContext:
    return build_demo(scale="county", contributors=[], reference_date=REFERENCE_DATE)


@pytest.fixture
def static_root(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    return settings.STATIC_ROOT


def _login(username: str, password: str = DEMO_PASSWORD) -> tuple[Client, int]:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    return client, response.status_code


def test_it_builds_about_150_schools_in_the_mix_of_a_real_county(county):
    schools = School.objects.filter(bureau=county.bureau)
    kinds = Counter(schools.values_list("kind", flat=True))
    assert 140 <= schools.count() <= 160
    basic = kinds[SchoolKind.KINDERGARTEN] + kinds[SchoolKind.PRIMARY]
    assert basic + kinds[SchoolKind.TEACHING_POINT] > schools.count() / 2
    assert kinds[SchoolKind.KINDERGARTEN] > kinds[SchoolKind.PRIMARY] > kinds[SchoolKind.JUNIOR]
    assert kinds[SchoolKind.VOCATIONAL] == 1
    assert kinds[SchoolKind.SPECIAL] == 1
    for kind in (SchoolKind.NINE_YEAR, SchoolKind.SENIOR, SchoolKind.TEACHING_POINT):
        assert kinds[kind] >= 1
    ownership = Counter(schools.values_list("ownership", flat=True))
    assert ownership[Ownership.PUBLIC] > ownership[Ownership.PRIVATE] > 0
    assert schools.filter(name="城关镇中心小学", kind=SchoolKind.PRIMARY).exists()
    assert schools.filter(name="示例县职业中学", kind=SchoolKind.VOCATIONAL).exists()
    assert schools.filter(name="示例县特殊教育学校", kind=SchoolKind.SPECIAL).exists()
    assert schools.filter(name__endswith="教学点", kind=SchoolKind.TEACHING_POINT).exists()


def test_it_gives_every_school_a_unique_ten_digit_identifier(county):
    identifiers = list(School.objects.values_list("identifier", flat=True))
    assert len(identifiers) == len(set(identifiers)) == len(county.schools)
    assert all(len(i) == 10 and i.isdigit() for i in identifiers)


def test_it_creates_the_bureau_departments_townships_and_school_years(county):
    bureau = Bureau.objects.get(name="示例县教育局")
    assert (bureau.issuer_code, bureau.region_code) == ("示教发", "510921")
    # The county sits in a tree: under its city, under the province (bare nodes).
    assert [b.name for b in Bureau.objects.filter(pk__in=bureau.ancestor_ids)] == [
        "示例省教育厅",
        "示例市教育局",
    ]
    assert bureau.parent is not None and bureau.parent.region_code == "510900"
    departments = set(Department.objects.values_list("name", flat=True))
    assert 10 <= len(departments) <= 14
    assert {"办公室", "安全股", "基础教育股", "督导室", "学生资助管理中心"} <= departments
    safety = Department.objects.get(code="safety", name="安全股")
    assert safety.leader_in_charge is not None
    assert safety.leader_in_charge.username == "leader"
    townships = list(Township.objects.values_list("name", flat=True))
    assert 12 <= len(townships) <= 18
    assert "城关镇" in townships
    assert {str(y) for y in SchoolYear.objects.all()} == {
        "2024—2025学年",
        "2025—2026学年",
        "2026—2027学年",
    }
    assert Semester.objects.count() == 6
    assert county.reference_date == REFERENCE_DATE


@pytest.mark.parametrize(
    ("reference_date", "years"),
    [
        (date(2026, 8, 31), (2023, 2024, 2025)),
        (date(2026, 9, 1), (2024, 2025, 2026)),
        (date(2027, 3, 15), (2024, 2025, 2026)),
        (date(2030, 6, 3), (2027, 2028, 2029)),
    ],
)
def test_its_school_years_end_with_the_one_containing_the_reference_date(reference_date, years):
    assert demo_school_years(reference_date) == years


def test_it_is_dated_from_the_day_it_is_built_unless_told(db, time_machine):
    time_machine.move_to(datetime(2027, 3, 15, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
    ctx = build_demo(scale="county", contributors=[])
    assert ctx.reference_date == date(2027, 3, 15)
    assert ctx.for_app("safety").reference_date == date(2027, 3, 15)
    latest = ctx.school_years[-1]
    assert str(latest) == "2026—2027学年"
    assert latest.starts_on <= ctx.reference_date <= latest.ends_on


def test_it_creates_one_account_per_role(county):
    roles = Counter(User.objects.values_list("role", flat=True))
    assert roles == {
        Role.BUREAU_LEADER: 1,
        Role.DEPARTMENT_STAFF: 3,  # safety, 基础教育股 and 办公室 (keeps the work plan)
        Role.SCHOOL_USER: 3,  # principal, safety officer, read-only teacher
        Role.INSPECTOR: 1,
        Role.ADMINISTRATOR: 1,
        Role.TOWNSHIP_STAFF: 1,  # 中心校 of the first town
        Role.AUDITOR: 1,  # 审计管理员 (三员分立)
    }
    assert User.objects.get(username="zhongxin").township.name == "青山镇"
    school = county.demo_school
    assert school.kind == SchoolKind.PRIMARY
    school_users = User.objects.filter(school=school)
    assert {u.username for u in school_users} == {
        f"{school.identifier}xz",
        f"{school.identifier}aq",
        f"{school.identifier}js",
    }
    assert school_users.get(read_only=True).username.endswith("js")
    assert User.objects.get(username="jichu").department.code == "basic_education"
    assert User.objects.get(username="bangong").department.code == "office"
    inspector = User.objects.get(username="dudao")
    assigned = inspector.assigned_schools.all()
    assert assigned.count() == 8
    assert len({s.township_id for s in assigned}) == 2


def test_it_lets_every_demo_account_log_in_with_the_printed_password(county):
    for user in User.objects.all():
        # Raises if a validator refuses it (asked as a new account: the password
        # history would rightly refuse an account's current password).
        validate_password(DEMO_PASSWORD, User(username=user.username, school=user.school))
        assert not user.must_change_password
        client, status = _login(user.username)
        assert status == 302, user.username
        assert client.get(reverse("home")).status_code == 200
    assert _login("leader", "wrong-password")[1] == 200


def test_it_shows_a_school_user_exactly_their_own_school(county):
    client, _ = _login(f"{county.demo_school.identifier}aq")
    body = client.get(reverse("orgs:school-list")).content.decode()
    assert body.count('data-testid="school-row"') == 1
    assert county.demo_school.name in body
    leader, _ = _login("leader")
    rows = (
        leader.get(reverse("orgs:school-list")).content.decode().count('data-testid="school-row"')
    )
    assert rows > 1


def test_it_plans_the_same_organisation_every_time():
    first = plan_organisation(scale="county")
    second = plan_organisation(scale="county")
    assert [(s.identifier, s.name) for s in first.schools] == [
        (s.identifier, s.name) for s in second.schools
    ]
    assert first == second
    assert plan_organisation(scale="county", seed=1).schools != first.schools


def test_it_writes_exactly_the_planned_rows(county):
    plan = plan_organisation(scale="county")
    written = list(School.objects.order_by("identifier").values_list("identifier", "name"))
    assert written == sorted((s.identifier, s.name) for s in plan.schools)


def test_it_plans_30000_distinct_schools_at_province_scale():
    plan = plan_organisation(scale="province")
    assert plan.scale.bureau_name == "示例省教育厅"
    identifiers = {s.identifier for s in plan.schools}
    assert len(identifiers) == len(plan.schools) == 30000
    assert all(len(i) == 10 and i.isdigit() for i in identifiers)
    assert len({s.name for s in plan.schools}) == 30000
    assert len({t.name for t in plan.townships}) == len(plan.townships) == 1500
    kinds = Counter(s.kind for s in plan.schools)
    assert kinds[SchoolKind.VOCATIONAL] > 1 and kinds[SchoolKind.SPECIAL] > 1


def test_it_plans_a_city_of_2000_schools_and_120_townships():
    plan = plan_organisation(scale="city")
    assert (len(plan.schools), len(plan.townships)) == (2000, 120)
    assert plan.scale.bureau_name == "示例市教育局"


def test_it_runs_contributors_with_their_own_seeded_random_generator(db):
    seen: list[float] = []

    def contribute(ctx: DemoContext) -> None:
        seen.append(ctx.rng.random())
        ctx.add_user(key="extra", username="extra", role=Role.BUREAU_LEADER, listed=True)

    ctx = build_demo(contributors=[("sample", contribute)])
    again = DemoContext.for_app(ctx, "sample").rng.random()
    assert seen == [again]
    assert ctx.users["extra"].check_password(DEMO_PASSWORD)
    assert ctx.logins[-1].user.username == "extra"


def test_it_leaves_nothing_behind_when_a_contributor_fails(db):
    def broken(ctx: DemoContext) -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        build_demo(contributors=[("broken", broken)])
    assert not Bureau.objects.exists()
    assert not School.objects.exists()


def test_it_discovers_contributors_of_installed_apps_only():
    labels = [label for label, _ in discover_contributors()]
    assert "orgs" not in labels
    assert len(labels) == len(set(labels))


def _login_table(printed: str) -> str:
    """The table of demo logins the command printed (the lines after its heading)."""
    after = printed.split("演示账号 demo logins", 1)[1]
    return "\n".join(line for line in after.splitlines() if DEMO_PASSWORD in line)


def test_it_builds_and_prints_the_logins_with_the_command(db, static_root):
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    text = out.getvalue()
    identifier = plan_organisation(scale="county").demo_school.identifier
    for username in ("leader", "safety", "jichu", f"{identifier}xz", f"{identifier}aq", "dudao"):
        assert username in text
    assert DEMO_PASSWORD in text
    assert "http://127.0.0.1:8000/" in text
    assert "共用时" in text
    assert School.objects.count() == 150
    assert (static_root / "css").exists()

    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    assert "保留现有数据" in out.getvalue()
    # A second run prints the same logins, the accounts the modules' demos use included.
    assert _login_table(out.getvalue()) == _login_table(text)
    assert "bangong" in _login_table(text)
    assert School.objects.count() == 150


def test_it_builds_the_demo_of_another_day_with_date(db, static_root, monkeypatch):
    built: list[date] = []

    def organisation_only(**options):
        built.append(options["reference_date"])
        return build_demo(contributors=[], **options)

    monkeypatch.setattr(demo_command, "build_demo", organisation_only)
    out = io.StringIO()
    call_command("demo", "--no-serve", "--date", "2030-06-03", stdout=out)
    assert built == [date(2030, 6, 3)]
    assert "2030-06-03" in out.getvalue()
    assert str(SchoolYear.objects.order_by("start_year").last()) == "2029—2030学年"
    with pytest.raises(CommandError, match="--date"):
        call_command("demo", "--no-serve", "--date", "2030-13-01", stdout=io.StringIO())


def test_it_rebuilds_with_reset(transactional_db, static_root, monkeypatch):
    # Transactional: PostgreSQL cannot TRUNCATE (flush) inside a test's transaction.
    # On SQLite --reset deletes the database file; here that file is the test
    # database, so the test takes the flush path PostgreSQL takes.
    monkeypatch.setattr(demo_command, "sqlite_file", lambda: None)
    call_command("demo", "--no-serve", stdout=io.StringIO())
    User.objects.filter(username="leader").update(full_name="改过的名字")
    # --yes: the suite also runs on PostgreSQL, where --reset asks for it.
    call_command("demo", "--no-serve", "--reset", "--yes", stdout=io.StringIO())
    assert School.objects.count() == 150
    assert User.objects.get(username="leader").full_name != "改过的名字"


def test_it_refuses_reset_on_postgresql_without_yes(db, static_root, monkeypatch):
    monkeypatch.setattr(demo_command, "is_postgresql", lambda: True)
    with pytest.raises(CommandError, match="--yes"):
        call_command("demo", "--no-serve", "--reset", stdout=io.StringIO())
    assert not Bureau.objects.exists()


def test_it_refuses_to_mix_the_demo_into_another_bureaus_data(db, static_root):
    BureauFactory(name="真实县教育局")
    with pytest.raises(CommandError, match="其他教育局"):
        call_command("demo", "--no-serve", stdout=io.StringIO())
    assert not School.objects.exists()


def test_it_leaves_the_audit_administrator_a_weeks_events_to_review(county):
    from edubureau.testing.workbench import assert_workbench_matches

    client = Client()
    client.force_login(User.objects.get(username="shenji"))
    items = assert_workbench_matches(client)
    assert items["audit.login_failed"].count == 3
    assert items["audit.access_denied"].count == 1
    assert "audit.locked_out" not in items  # nobody was locked out: not shown


def test_a_demo_stopped_by_sigterm_stops_its_worker_and_scheduler(monkeypatch):
    """A service manager or `kill` stops the server with SIGTERM, not Ctrl+C: the
    background jobs it started stop with it instead of running on, orphaned."""
    import os
    import signal

    class Job:
        terminated = False

        def terminate(self) -> None:
            self.terminated = True

        def wait(self, timeout: float) -> int:
            return 0

    jobs = [Job(), Job()]
    command = demo_command.Command(stdout=io.StringIO())
    monkeypatch.setattr(command, "start_jobs", lambda: jobs)
    # The server, stopped by a SIGTERM while it serves.
    monkeypatch.setattr(
        demo_command, "call_command", lambda *a, **k: os.kill(os.getpid(), signal.SIGTERM)
    )

    def survive(signum: int, frame: object) -> None:
        """Stands in for the default (exit at once) so that a broken serve() fails this
        test instead of killing the test run."""

    original = signal.signal(signal.SIGTERM, survive)
    try:
        with pytest.raises(SystemExit) as stopped:
            command.serve(host="127.0.0.1", port=8999)
        assert signal.getsignal(signal.SIGTERM) is survive  # put back as it was
    finally:
        signal.signal(signal.SIGTERM, original)
    assert stopped.value.code == 128 + signal.SIGTERM
    assert all(job.terminated for job in jobs)
