"""Rules and the door's rows inside hand-written SQL (edubureau.core.rawsql): each piece
reads exactly what the ORM expression it was compiled from reads."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef

from edubureau.core.facts import Period
from edubureau.core.rawsql import prepared_expression, rule_sql, where_of
from edubureau.orgs.models import School, User
from edubureau.orgs.scoping import scope_for
from edubureau.rectification.models import Status
from edubureau.safety import facts
from edubureau.safety.models import Hazard
from edubureau.safety.tests.factories_dashboard import make_hazard_row


def _same_township(school_id: int):
    township = School.objects.filter(pk=school_id).values("township_id")
    return Exists(School.objects.filter(pk=OuterRef("school_id"), township_id__in=township))


@pytest.mark.parametrize("first", ["school_a", "sibling_school"])
def test_a_prepared_expression_reads_what_the_expression_reads_for_every_value(cast, first):
    """Compiled once (with whichever value comes first), then bound to each value."""
    key = ("test.same_township", first)
    for name in (first, "school_a", "school_b", "sibling_school", "other_school"):
        school = getattr(cast, name)
        direct = User.objects.annotate(x=_same_township(school.pk))
        prepared = User.objects.annotate(
            x=prepared_expression(
                User, key, _same_township, output_field=BooleanField(), school_id=school.pk
            )
        )
        expected = set(direct.filter(x=True).values_list("pk", flat=True))
        assert set(prepared.filter(x=True).values_list("pk", flat=True)) == expected
        if name == "school_a":
            assert expected  # the test can tell a wrong binding from a right one


def test_a_value_the_expression_changes_on_its_way_to_the_sql_is_refused(cast):
    def named(name: str):
        return Exists(School.objects.filter(name__contains=name))  # becomes %name%

    with pytest.raises(ValueError, match="do not reach the SQL unchanged"):
        prepared_expression(User, "test.contains", named, output_field=BooleanField(), name="甲")


@pytest.mark.parametrize("value", [None, True, 1.5, date(2026, 1, 1)])
def test_only_ints_and_strings_are_prepared(value):
    with pytest.raises(TypeError):
        prepared_expression(
            User, ("test.types", repr(value)), _same_township, output_field=BooleanField(), v=value
        )


def test_the_doors_rows_embed_as_their_condition(cast):
    day = date(2026, 3, 2)
    for school in (cast.school_a, cast.sibling_school, cast.other_school):
        make_hazard_row(school, reported_on=day, status=Status.REPORTED)
    table = Hazard._meta.db_table
    for user in (cast.safety_staff, cast.city_safety, cast.province_safety, cast.auditor):
        rows = scope_for(user).rows(Hazard)
        found = where_of(rows)
        if found is None:
            assert not rows.exists()
            continue
        sql, params = found
        condition = f"WHERE {sql}" if sql else ""
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT id FROM "{table}" {condition}', params)
            assert {r[0] for r in cursor.fetchall()} == set(rows.values_list("pk", flat=True))
    # The province, the deployment's only top bureau, reads every row: no condition.
    assert where_of(scope_for(cast.province_safety).rows(Hazard)) == ("", ())
    with pytest.raises(ValueError, match="join"):
        where_of(Hazard.objects.filter(school__name="甲"))


def test_a_rule_compiles_once_for_each_argument_and_selects_what_it_filters(cast):
    march, april = Period.month(2026, 3), Period.month(2026, 4)
    make_hazard_row(cast.school_a, reported_on=date(2026, 3, 31), status=Status.REPORTED)
    make_hazard_row(cast.school_a, reported_on=date(2026, 4, 1), status=Status.REPORTED)
    assert rule_sql(Hazard, facts.found_q, march) is rule_sql(Hazard, facts.found_q, march)
    for period in (march, april):
        sql, params = rule_sql(Hazard, facts.found_q, period)
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT id FROM "{Hazard._meta.db_table}" WHERE {sql}', params)
            got = {r[0] for r in cursor.fetchall()}
        assert got == set(Hazard.objects.filter(facts.found_q(period)).values_list("pk", flat=True))
        assert len(got) == 1


def test_the_written_out_repeats_group_as_the_orm_groups_them(cast):
    """Repeat hazards by item as the ORM's grouped query reads them, for each viewer."""
    from django.db.models import Count, Max

    from edubureau.safety.facts.hazards import repeat_items, repeated_q
    from edubureau.safety.tests.factories_dashboard import checklist_parts

    year = Period.calendar_year(2026)
    for school, item, times in (
        (cast.school_a, "food.storage", 3),
        (cast.school_b, "food.storage", 1),
        (cast.sibling_school, None, 2),  # no item: the category's "other"
        (cast.other_school, "food.storage", 2),
    ):
        first = make_hazard_row(school, reported_on=date(2025, 12, 1), item=item)
        for n in range(times):
            make_hazard_row(
                school,
                reported_on=date(2026, 2, 1 + n),
                item=item,
                category="food" if item else "fire",
                repeat_of=first,
            )
    assert checklist_parts(cast.bureau)[1]["food.storage"].text
    for user in (cast.safety_staff, cast.city_safety, cast.province_safety, cast.township_staff):
        scope = scope_for(user)
        rows = (
            scope.rows(Hazard)
            .filter(repeated_q(year))
            .values("item_key")
            .annotate(
                n=Count("pk"),
                schools=Count("school_id", distinct=True),
                text=Max("item__text"),
                category=Max("category__name"),
            )
            .order_by("-n", "item_key")
        )
        expected = [
            (r["item_key"], r["n"], r["schools"], r["text"] or f"{r['category'] or ''}（其他事项）")
            for r in rows
        ]
        got = [
            (i.item_key, i.hazards, i.schools, i.text)
            for i in repeat_items(scope=scope, period=year)
        ]
        assert got == expected
        assert got  # every viewer here reads some repeats
        top = repeat_items(scope=scope, period=year, limit=1)
        assert [i.item_key for i in top] == [expected[0][0]]
