"""The database wall (orgs/wall.py): on PostgreSQL, a query that forgets the school
filter still sees only the schools of the account behind the request.

These tests need PostgreSQL, run as a role that row-level security binds (not a
superuser, no BYPASSRLS): CI's PostgreSQL phase runs the whole suite that way. On the
SQLite default there is no wall (docs/security.md) and only the first test runs.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django_tasks import task
from rest_framework.authtoken.models import Token
from rest_framework.response import Response

from edubureau.orgs import wall
from edubureau.orgs.api import SchoolViewSet
from edubureau.orgs.models import School
from edubureau.orgs.services.bureaus import school_move
from edubureau.safety.models import Hazard
from edubureau.safety.models.hazards import HazardQuerySet
from edubureau.safety.tests.factories_hazards import make_hazard
from edubureau.testing.dates import today

POSTGRES = connection.vendor == "postgresql"
on_postgres = pytest.mark.skipif(
    not POSTGRES, reason="row-level security is PostgreSQL's; CI's PostgreSQL phase runs this"
)

# Tables of school rows the wall leaves open, and why.
UNWALLED = {
    # The bureau's record of a move: read across the edge of its subtree to find the
    # history it keeps (orgs/moves.py); it holds no school's own records.
    "orgs_schooltransfer",
    # The audit log records refused probes against the school that was probed, which is
    # by definition one the prober may not read; it is append-only and read by auditors.
    "audit_auditevent",
    # Accounts: a sign-in reads its account before anyone is signed in.
    "orgs_user",
}


def _raw_schools(table: str = "safety_hazard") -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT school_id FROM {table}")  # no filter: the leak
        return {row[0] for row in cursor.fetchall()}


def _described(school: School) -> str:
    return f"{school.name}教学楼灭火器压力不足"


@task()
def read_hazard_schools() -> list[int]:
    return sorted(_raw_schools())


@pytest.fixture
def hazards(cast):
    """One hazard in each school of the cast's tree."""
    schools = [
        cast.school_a,
        cast.school_b,
        cast.sibling_school,
        cast.city_school,
        cast.other_school,
    ]
    for school in schools:
        make_hazard(cast, school=school, description=_described(school))
    return {school.pk for school in schools}


def test_without_postgresql_putting_up_the_wall_does_nothing(cast):
    if POSTGRES:
        wall.apply(cast.school_a_officer)
        assert wall.is_up()
        wall.lift()
    else:
        wall.apply(cast.school_a_officer)
        assert not wall.is_up()
    assert not wall.is_up()


@on_postgres
@pytest.mark.django_db
def test_the_suite_runs_as_a_role_the_wall_binds():
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False), (
            "run the PostgreSQL suite as a role without SUPERUSER or BYPASSRLS "
            "(.ci/run creates one): row-level security does not bind those"
        )


@on_postgres
@pytest.mark.django_db
def test_every_table_of_school_records_has_the_wall():
    """Every table with a ``school_id`` has the policy; where the school may be null
    (a bureau's own row), the policy lets those rows through and no other."""
    optional = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.attname == "school_id":
                optional[model._meta.db_table] = field.null
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, p.qual FROM pg_class c JOIN pg_policies p ON p.tablename = c.relname"
            " WHERE c.relrowsecurity AND c.relforcerowsecurity AND p.policyname = %s",
            [wall.POLICY],
        )
        walled = dict(cursor.fetchall())
    missing = set(optional) - UNWALLED - set(walled)
    assert not missing, sorted(missing)
    assert {"safety_hazard", "stats_statreturn", "rectification_rectificationstep"} <= set(walled)
    assert {"downloads_download", "notifications_notification", "reports_report"} <= set(walled)
    lets_null_through = {table for table, qual in walled.items() if "school_id IS NULL" in qual}
    assert lets_null_through == {table for table in walled if optional[table]}


@on_postgres
def test_each_account_sees_its_own_schools_through_a_raw_query(cast, hazards):
    a, b = cast.school_a.pk, cast.school_b.pk
    sibling, city_school, other = (
        cast.sibling_school.pk,
        cast.city_school.pk,
        cast.other_school.pk,
    )
    seen = {}
    for name in (
        "school_a_officer",
        "inspector",
        "township_staff",
        "safety_staff",
        "city_leader",
        "province_leader",
    ):
        wall.apply(getattr(cast, name))
        seen[name] = _raw_schools()
    wall.apply(None)
    seen["anonymous"] = _raw_schools()
    wall.lift()
    assert seen == {
        "school_a_officer": {a},
        "inspector": {a},
        "township_staff": set(
            School.objects.filter(township=cast.township_staff.township_id).values_list(
                "pk", flat=True
            )
        ),
        "safety_staff": {a, b},
        "city_leader": {a, b, sibling, city_school},
        "province_leader": {a, b, sibling, city_school, other},
        "anonymous": set(),
    }
    assert _raw_schools() == hazards  # down again: the system sees every row


@on_postgres
def test_a_top_bureau_beside_another_reads_only_its_own_tree(cast, hazards):
    """Bureaus side by side on one deployment: no top reads everything."""
    from edubureau.testing.factories import BureauFactory, SchoolFactory

    beside = BureauFactory(parent=None, name="邻省教育厅", level="province")
    make_hazard(cast, school=SchoolFactory(bureau=beside), description="邻省学校隐患")
    wall.apply(cast.province_leader)
    try:
        assert _raw_schools() == hazards
    finally:
        wall.lift()


@on_postgres
def test_a_planted_leak_in_a_page_is_stopped_by_the_wall(cast, hazards, client_for, monkeypatch):
    """The door's read rule for hazards removed: the list still shows school A's only."""
    monkeypatch.setattr(HazardQuerySet, "visible_to", lambda self, user: self.all())
    foreign = _described(cast.other_school)
    page = client_for(cast.school_a_officer).get(reverse("safety:hazard-list"), follow=True)
    assert page.status_code == 200
    body = page.content.decode()
    assert _described(cast.school_a) in body and foreign not in body

    # The same page without the wall shows the planted leak: the test can fail.
    monkeypatch.setattr(wall, "apply", lambda user: None)
    leaked = client_for(cast.school_a_officer).get(reverse("safety:hazard-list"), follow=True)
    assert foreign in leaked.content.decode()


@on_postgres
def test_a_planted_leak_in_an_api_endpoint_with_a_token_is_stopped(cast, hazards, monkeypatch):
    def leaky_list(self, request, *args, **kwargs):
        return Response({"schools": sorted(_raw_schools())})

    monkeypatch.setattr(SchoolViewSet, "list", leaky_list)
    token = Token.objects.create(user=cast.school_a_officer)
    answer = Client(HTTP_AUTHORIZATION=f"Token {token.key}").get("/api/v1/schools/")
    assert answer.status_code == 200
    assert answer.json() == {"schools": [cast.school_a.pk]}


@on_postgres
def test_the_wall_comes_down_when_the_request_ends(cast, hazards, client_for):
    client_for(cast.school_a_officer).get(reverse("safety:hazard-list"), follow=True)
    assert not wall.is_up()
    assert _raw_schools() == hazards
    assert Hazard.objects.count() == len(hazards)


@on_postgres
def test_a_write_to_another_school_is_refused_by_the_wall(cast, hazards):
    wall.apply(cast.school_a_officer)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE safety_hazard SET description = 'x' WHERE school_id = %s",
                [cast.other_school.pk],
            )
            assert cursor.rowcount == 0
            with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
                cursor.execute(
                    "UPDATE safety_hazard SET school_id = %s WHERE school_id = %s",
                    [cast.other_school.pk, cast.school_a.pk],
                )
    finally:
        wall.lift()
    assert Hazard.objects.filter(description="x").count() == 0


@on_postgres
def test_a_crossing_on_purpose_is_let_through_and_the_wall_returns(cast, hazards):
    wall.apply(cast.school_a_officer)
    try:
        with wall.unrestricted():
            assert _raw_schools() == hazards
        assert _raw_schools() == {cast.school_a.pk}
    finally:
        wall.lift()


@on_postgres
def test_a_crossing_that_begins_before_the_wall_is_up_stays_a_crossing(cast, hazards):
    """The wall goes up at a request's first query, which may come inside the block."""
    with wall.unrestricted():
        wall.apply(cast.school_a_officer)
        assert _raw_schools() == hazards
    try:
        assert _raw_schools() == {cast.school_a.pk}
    finally:
        wall.lift()


@on_postgres
def test_a_county_still_reads_the_history_of_a_school_that_left_it(cast):
    """乙县's school moves to 甲县: 乙县 keeps reading its records dated before."""
    school = cast.sibling_school
    make_hazard(cast, school=school, reported_on=today() - timedelta(days=20))
    school_move(
        actor=cast.city_admin,
        school=school,
        to_bureau=cast.bureau,
        township=cast.township_a,
        moved_on=today() - timedelta(days=10),
        reason="区划调整",
    )
    cast.sibling_admin.refresh_from_db()
    cast.sibling_admin.bureau.refresh_from_db()
    wall.apply(cast.sibling_admin)
    try:
        assert _raw_schools() == {school.pk}
    finally:
        wall.lift()


@on_postgres
def test_the_tests_task_backend_runs_tasks_outside_the_wall(cast, hazards):
    """The worker runs a task with no request and no wall; the tests' backend runs it
    inside the request that queues it, and must not run it behind that request's wall."""
    wall.apply(cast.school_a_officer)
    try:
        assert read_hazard_schools.enqueue().return_value == sorted(hazards)
        assert _raw_schools() == {cast.school_a.pk}
    finally:
        wall.lift()


@on_postgres
def test_rows_that_may_name_no_school_are_walled_by_the_school_they_name(cast):
    """A download (or an import, a report, a notification) names a school or none:
    a school's account sees its own school's and the bureau's rows, not another
    school's, through a raw query."""
    from edubureau.downloads.models import Download

    for school in (cast.school_a, cast.school_b, cast.other_school, None):
        Download.objects.create(owner=cast.safety_staff, school=school, kind="k", title="t")

    def schools_seen(user: object) -> set[int | None]:
        wall.apply(user)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT DISTINCT school_id FROM downloads_download")
                return {row[0] for row in cursor.fetchall()}
        finally:
            wall.lift()

    assert schools_seen(cast.school_a_officer) == {cast.school_a.pk, None}
    assert schools_seen(cast.safety_staff) == {cast.school_a.pk, cast.school_b.pk, None}
    assert schools_seen(None) == {None}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM downloads_download")
        assert cursor.fetchone() == (4,)  # the wall is down again


@on_postgres
@pytest.mark.django_db
def test_the_readable_schools_are_a_set_the_planner_counts_as_cheap():
    """Declared dear, the set of readable schools is charged at every loop of an index
    path and the planner scans whole tables instead: at province scale a county's
    dashboard cost 2.25 times its bare queries (bench/README.md, wall.py)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.lanname, p.procost, p.prorows, p.provolatile FROM pg_proc p"
            " JOIN pg_language l ON l.oid = p.prolang WHERE p.proname = %s",
            [wall.FUNCTION],
        )
        assert cursor.fetchall() == [("plpgsql", 1, 10, "s")]
        cursor.execute(
            "SELECT count(*) FROM pg_policies WHERE policyname = %s AND qual NOT LIKE %s",
            [wall.POLICY, f"%{wall.FUNCTION}()%"],
        )
        assert cursor.fetchone() == (0,)
