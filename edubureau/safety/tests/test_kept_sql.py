"""SQL compiled once and reused (edubureau.core.rawsql: Condition, kept_rows; the
scoping door's SchoolScope.rows): what is reused reads exactly what a fresh build of
the same queryset reads, for every reader, and a key that misses an input is caught."""

from __future__ import annotations

import datetime as dt
from datetime import date

import pytest
from django.db.models import Count, Exists, Max, OuterRef, Q, Value
from django.test import override_settings
from django.utils import timezone

from edubureau.core import rawsql
from edubureau.core.rawsql import NOT_PLAIN, Condition, kept_rows, plain_where
from edubureau.core.roles import Role
from edubureau.orgs.models import School
from edubureau.orgs.scoping import scope_for
from edubureau.rectification.models import Status
from edubureau.safety.models import Hazard, Inspection
from edubureau.safety.tests.factories_dashboard import make_hazard_row

READERS = (
    "leader",
    "safety_staff",
    "township_staff",
    "school_a_officer",
    "inspector",
    "city_safety",
    "province_safety",
    "sibling_safety",
    "admin",
    "auditor",
)
DAY = date(2026, 3, 2)


@pytest.fixture
def hazards(cast):
    """Hazards in every school of the cast, so a wrong condition shows."""
    found = []
    for name in ("school_a", "school_b", "city_school", "sibling_school", "other_school"):
        school = getattr(cast, name)
        found.append(make_hazard_row(school, reported_on=DAY, status=Status.REPORTED))
        found.append(
            make_hazard_row(
                school,
                reported_on=DAY + dt.timedelta(days=3),
                status=Status.CLOSED,
                closed_at=timezone.make_aware(dt.datetime(2026, 3, 9, 0, 30)),
                rectified_on=DAY + dt.timedelta(days=5),
            )
        )
    return found


def _ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


@pytest.fixture(autouse=True)
def _nothing_kept():
    rawsql._conditions.clear()
    rawsql._statements.clear()
    yield
    rawsql._conditions.clear()
    rawsql._statements.clear()


@pytest.mark.parametrize("reader", READERS)
def test_the_doors_rows_reused_read_what_a_fresh_build_reads(cast, hazards, reader):
    """The rows' condition is compiled at the first call and given as SQL text after
    that: alone, as a subquery and inside a correlated EXISTS, it reads what the ORM's
    build of the same rows reads."""
    user = getattr(cast, reader)
    for model in (Hazard, School):
        scope = scope_for(user)
        first = scope.rows(model)
        fresh = scope._build_rows(model, active=False)
        reused = scope_for(user).rows(model)
        expected = _ids(fresh)
        assert _ids(first) == expected
        assert _ids(reused) == expected
        found = plain_where(fresh)
        if found not in (None, NOT_PLAIN) and found[0]:  # type: ignore[index]
            # The reuse is the compiled text, not the ORM's build.
            assert any(
                isinstance(getattr(c, "lhs", c), Condition) for c in reused.query.where.children
            )
    scope = scope_for(user)
    scope.rows(Hazard)  # compiled and kept
    as_subquery = School.objects.filter(pk__in=scope.rows(Hazard).values("school_id"))
    with_exists = School.objects.filter(
        Exists(scope.rows(Hazard).filter(school_id=OuterRef("pk"), status=Status.CLOSED))
    )
    fresh = scope._build_rows(Hazard, active=False)
    assert _ids(as_subquery) == _ids(School.objects.filter(pk__in=fresh.values("school_id")))
    assert _ids(with_exists) == _ids(
        School.objects.filter(Exists(fresh.filter(school_id=OuterRef("pk"), status=Status.CLOSED)))
    )


def test_a_reused_condition_keeps_each_reader_apart(cast, hazards):
    """Two readers of different counties never share a compiled condition."""
    mine = _ids(scope_for(cast.safety_staff).rows(Hazard))
    theirs = _ids(scope_for(cast.sibling_safety).rows(Hazard))
    assert mine and theirs and not mine & theirs
    assert _ids(scope_for(cast.safety_staff).rows(Hazard)) == mine
    assert _ids(scope_for(cast.sibling_safety).rows(Hazard)) == theirs
    narrowed = scope_for(cast.city_safety, bureau=cast.sibling_bureau)
    assert _ids(narrowed.rows(Hazard)) == theirs
    assert _ids(scope_for(cast.city_safety, bureau=cast.sibling_bureau).rows(Hazard)) == theirs


def test_a_changed_role_is_a_new_key_not_a_stale_condition(cast, hazards):
    user = cast.school_a_officer
    assert _ids(scope_for(user).rows(Hazard)) == {h.pk for h in hazards[:2]}
    user.role, user.school = Role.DEPARTMENT_STAFF, None
    user.bureau = cast.bureau
    county = _ids(scope_for(cast.safety_staff).rows(Hazard))
    assert _ids(scope_for(user).rows(Hazard)) == county


def test_a_key_that_misses_an_input_fails_under_test(cast, hazards):
    """Under test every reuse is compared with a fresh compile: the same key for two
    different statements is an error, not a wrong answer."""
    key = ("test.kept", 1)
    kept_rows(key, lambda: Hazard.objects.filter(status=Status.CLOSED).values_list("pk"))
    with pytest.raises(AssertionError, match="misses an input"):
        kept_rows(key, lambda: Hazard.objects.filter(status=Status.REPORTED).values_list("pk"))


@override_settings(CHECK_REUSED_SQL=False)
def test_a_kept_statement_is_built_once_and_run_every_time(cast, hazards):
    builds = []

    def build():
        builds.append(1)
        return Hazard.objects.filter(status=Status.CLOSED).values_list("pk", flat=True)

    key = ("test.once",)
    assert set(kept_rows(key, build)) == {h.pk for h in hazards if h.status == Status.CLOSED}
    make_hazard_row(cast.school_a, reported_on=DAY, status=Status.CLOSED)
    again = kept_rows(key, build)
    assert len(again) == 6  # the rows are read afresh: only the SQL is kept
    assert len(builds) == 1


def test_a_kept_statement_gives_rows_as_the_queryset_does(cast, hazards):
    """Dicts, tuples, single values, model instances (deferred fields too), slices,
    converted columns (dates, aware datetimes) and an empty scope."""
    closed = Hazard.objects.filter(status=Status.CLOSED).order_by("pk")
    shapes = {
        "dicts": lambda: closed.values("pk", "reported_on", "closed_at"),
        "tuples": lambda: closed.values_list("pk", "reported_on", "closed_at"),
        "flat": lambda: closed.values_list("closed_at", flat=True),
        "grouped": lambda: (
            closed.values("school__township_id")
            .annotate(n=Count("pk"), name=Max("school__township__name"))
            .order_by("school__township_id")
        ),
        "aggregate": lambda: (
            closed.values(_all=Value(1))
            .annotate(n=Count("pk"), late=Count("pk", filter=Q(rectified_on__gt=DAY)))
            .values("n", "late")
            .order_by()
        ),
        "sliced": lambda: closed.values_list("pk", flat=True)[1:3],
        "empty": lambda: Hazard.objects.none().values("pk"),
        "distinct": lambda: Hazard.objects.values("school_id").distinct().order_by("school_id"),
    }
    for name, build in shapes.items():
        for _ in range(2):  # compiled, then reused
            assert kept_rows(("test.shape", name), build) == list(build()), name
    for _ in range(2):
        got = kept_rows(("test.instances",), lambda: closed.only("pk", "description")[:3])
        assert [(h.pk, h.description) for h in got] == [(h.pk, h.description) for h in closed[:3]]
        assert got[0].get_deferred_fields()  # only() kept: the rest loads on access
        assert got[0].reported_on == closed[0].reported_on


def test_a_kept_statement_refuses_what_it_cannot_rebuild(cast):
    with pytest.raises(TypeError):
        kept_rows(("test.related",), lambda: Hazard.objects.select_related("school"))
    with pytest.raises(TypeError):
        kept_rows(("test.annotated",), lambda: School.objects.annotate(n=Value(1)))


def test_the_time_zone_is_part_of_a_statements_key(cast, hazards):
    """A date lookup on a datetime compiles with the time zone in force."""

    def build():
        return Hazard.objects.filter(closed_at__date=date(2026, 3, 9)).values_list("pk", flat=True)

    shanghai = kept_rows(("test.tz",), build)
    with timezone.override(dt.timezone(dt.timedelta(hours=-10), "UTC-10")):
        honolulu = kept_rows(("test.tz",), build)
    assert len(shanghai) == 5 and honolulu == []
    assert kept_rows(("test.tz",), build) == shanghai


def test_plain_where_refuses_a_queryset_that_is_more_than_a_condition(cast):
    assert plain_where(Hazard.objects.filter(status=Status.CLOSED)) not in (None, NOT_PLAIN)
    for queryset in (
        Hazard.objects.filter(school__name="甲"),
        Hazard.objects.filter(status=Status.CLOSED).distinct(),
        Hazard.objects.order_by("pk"),
        Hazard.objects.values("pk"),
        Hazard.objects.all()[:3],
        Inspection.objects.annotate(n=Value(1)),
    ):
        assert plain_where(queryset) is NOT_PLAIN


def test_a_kept_aggregate_answers_as_aggregate_does(cast, hazards):
    """Over rows, and over a scope that selects nothing for certain (the auditor's)."""
    from django.db.models import Sum

    from edubureau.core.rawsql import kept_aggregate

    measures = {"n": Count("pk"), "late": Count("pk", filter=Q(rectified_on__gt=DAY))}
    for user in (cast.safety_staff, cast.city_safety, cast.auditor):
        for _ in range(2):
            scope = scope_for(user)
            got = kept_aggregate(
                scope.statement_key("test.aggregate"),
                lambda scope=scope: scope.rows(Hazard),
                **measures,
            )
            assert got == scope.rows(Hazard).aggregate(**measures)
    empty = kept_aggregate(
        ("test.empty",), lambda: Hazard.objects.none(), n=Count("pk"), s=Sum("rejection_count")
    )
    assert (
        empty
        == {"n": 0, "s": None}
        == Hazard.objects.none().aggregate(n=Count("pk"), s=Sum("rejection_count"))
    )
