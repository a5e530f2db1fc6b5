"""``stat_facts`` on a city built so that its figures are seed 001's: the official
sentences come out of the facts through the phrasing helpers, the city's facts are the
sums of its counties' and its 市直 schools', and last year's values appear only where
last year has returns."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from edubureau.core import phrasing
from edubureau.orgs.models import Bureau, BureauLevel, Role, School, SchoolKind
from edubureau.orgs.scoping import scope_for, system_scope
from edubureau.orgs.services.bureaus import school_move
from edubureau.stats.facts import (
    change_text,
    light,
    returns_link,
    stat_facts,
    target_of,
    target_text,
)
from edubureau.stats.indicators import (
    BY_CODE,
    DIRECT,
    compute,
    compute_by_child,
    indicator_text,
)
from edubureau.stats.models import KgCategory, ReturnStatus, StatReturn
from edubureau.stats.targets import target_for, traffic_light
from edubureau.stats.tests.factories_returns import census_year, file_return, record_population
from edubureau.testing.factories import (
    BureauFactory,
    SchoolFactory,
    TownshipFactory,
    UserFactory,
)

Y = census_year()

# Seed 001's city figures, split by hand between two counties and the 市直 schools:
# (school, census year) -> (entrants, enrolled).
SENIOR = {
    "一县": ((20000, 50000), (17000, 41000)),  # this year, last year
    "二县": ((16608, 40000), (13307, 35117)),
    "市直": ((10000, 25969), (8000, 20000)),
}  # 46608 (38307) entrants, 115969 (96117) enrolled
VOCATIONAL = {
    "一县": ((8000, 18000), (6400, 15000)),
    "市直": ((12800, 28268), (10000, 22455)),
}  # 20800 (16400) entrants, 46268 (37455) enrolled


@pytest.fixture
def city(db):
    city = BureauFactory.create(name="样例市教育局", level=BureauLevel.CITY)
    counties = {
        name: BureauFactory.create(name=f"样例{name}教育局", parent=city)
        for name in ("一县", "二县")
    }
    city.counties = list(counties.values())

    def school(where: str, kind: str, name: str):
        if where == "市直":
            return SchoolFactory.create(bureau=city, township=None, name=name, kind=kind)
        county = counties[where]
        township = TownshipFactory.create(bureau=county, name=f"{where}城关镇{kind}")
        return SchoolFactory.create(bureau=county, township=township, name=name, kind=kind)

    for level, figures, kind in (
        ("senior", SENIOR, SchoolKind.SENIOR),
        ("vocational", VOCATIONAL, SchoolKind.VOCATIONAL),
    ):
        for where, years in figures.items():
            found = school(where, kind, f"{where}{level}学校")
            for back, (entrants, enrolled) in enumerate(years):
                teachers = enrolled // 15
                file_return(found, Y - back, {
                    f"{level}.entrants": entrants, f"{level}.enrolled": enrolled,
                    f"{level}.teachers": teachers, f"{level}.teachers_qualified": teachers - 3,
                })  # fmt: skip
    junior = school("二县", SchoolKind.JUNIOR, "二县中学")
    file_return(junior, Y, {"junior.graduates": 60000, "junior.enrolled": 180000})
    for county in city.counties:
        record_population(county, Y, {15: 20000, 16: 20000, 17: 20000})
    return city


def facts(scope):
    return stat_facts(scope, Y)


def test_seed_001_sentences(city):
    found = facts(system_scope(city))
    senior_entrants = found["count.senior.entrants"]
    assert senior_entrants.label == "普通高中招生"
    assert (senior_entrants.value, senior_entrants.previous) == (46608, 38307)
    phrase = phrasing.count_change
    assert (
        phrase(senior_entrants.value, senior_entrants.previous, unit="人")
        == "比上年增加8301人，增长21.67%"
    )
    enrolled = found["count.senior.enrolled"]
    assert phrase(enrolled.value, enrolled.previous, unit="人") == "比上年增加19852人，增长20.65%"
    vocational = found["count.vocational.entrants"]
    assert vocational.label == "中职招生"
    # The seed printed 27%; the product shows the declared two decimals.
    assert (
        phrase(vocational.value, vocational.previous, unit="人") == "比上年增加4400人，增长26.83%"
    )
    assert vocational.growth is not None and phrasing.percent_text(vocational.growth, 2) == "26.83%"
    v_enrolled = found["count.vocational.enrolled"]
    assert v_enrolled.label == "中职在校生"
    assert (
        phrase(v_enrolled.value, v_enrolled.previous, unit="人", with_previous=True)
        == "比上年（37455人）增加8813人，增长23.53%"
    )


def test_seed_001_vocational_share_from_entrants(city):
    share = facts(system_scope(city))["indicator.vocational_share"]
    numerator, denominator = share.part("numerator"), share.part("denominator")
    assert numerator is not None and denominator is not None
    assert (numerator.value, denominator.value) == (20800, 67408)
    assert indicator_text(BY_CODE["vocational_share"], numerator.value, denominator.value) == (
        "3.1:6.9"
    )
    assert share.display == "3.1"  # the vocational share of ten, one declared decimal
    rest = share.part("rest")
    assert rest is not None and (rest.value, rest.display) == (Decimal("6.9"), "6.9")
    assert f"{share.display}:{rest.display}" == "3.1:6.9"
    # Last year: 16400 : 38307.
    assert share.previous == Decimal(10) * 16400 / (16400 + 38307)


def test_indicator_facts_carry_previous_target_and_parts(city):
    found = facts(system_scope(city))
    gross = found["indicator.senior_gross"]
    # (115969 + 46268) / (2 × 60000): the counties' populations summed for the city.
    assert gross.value == Decimal("135.1975")
    assert (gross.unit, gross.places, gross.display) == ("%", 1, "135.2")
    target = gross.part("target")
    assert target is not None and target.value in (Decimal(90), Decimal(92))
    assert target.previous is None  # a target is no "last year"
    assert gross.previous is None  # no population last year
    progression = found["indicator.junior_progression"]
    assert progression.value == Decimal(100) * 67408 / 60000  # may exceed 100%
    assert progression.previous is None  # no junior return last year


def test_city_facts_are_the_sums_of_its_counties_and_its_own_schools(city):
    whole = facts(system_scope(city))
    parts = [facts(system_scope(city).narrow(bureau=county)) for county in city.counties]
    parts.append(facts(system_scope(city, direct=True)))
    for key, fact in whole.items():
        if key.startswith("count."):
            assert fact.value == sum(p[key].value or 0 for p in parts), key
            previous = [p[key].previous for p in parts if p[key].previous is not None]
            assert fact.previous == (sum(previous) if previous else None), key
            continue
        if BY_CODE[key.removeprefix("indicator.")].uses_population:
            continue  # the direct schools have no area of their own
        for side in ("numerator", "denominator"):
            # A part without returns of a term's year adds nothing (None, not 0).
            known = [p[key].part(side).value for p in parts]  # type: ignore[union-attr]
            known = [value for value in known if value is not None]
            summed = whole[key].part(side)
            assert summed is not None
            assert summed.value == (sum(known) if known else None), (key, side)
    ratio = whole["indicator.senior_pupil_teacher"]
    rates = [p["indicator.senior_pupil_teacher"].value for p in parts]
    assert ratio.value != sum(rates) / len(rates)  # type: ignore[arg-type]


def test_previous_only_where_last_year_has_returns(city):
    next_year = stat_facts(system_scope(city), Y + 1)
    assert next_year["count.senior.entrants"].value is None
    assert next_year["count.senior.entrants"].previous == 46608
    earliest = stat_facts(system_scope(city), Y - 1)
    assert earliest["count.senior.entrants"].value == 38307
    assert earliest["count.senior.entrants"].previous is None
    assert earliest["count.schools"].value == 5  # the junior school filed this year only
    assert next_year["count.schools"].value is None
    assert earliest.previous_period is None
    assert earliest.period.label == f"{Y - 1}—{Y}学年"


def test_submitted_returns_only_in_the_provisional_facts(city):
    late = SchoolFactory.create(bureau=city, township=None, name="市直新高中", kind="senior")
    file_return(late, Y, {"senior.entrants": 100}, status=ReturnStatus.SUBMITTED)
    assert stat_facts(system_scope(city), Y)["count.senior.entrants"].value == 46608
    provisional = stat_facts(system_scope(city), Y, provisional=True)
    assert provisional["count.senior.entrants"].value == 46708


def test_source_is_the_returns_list_or_nothing(city):
    county = city.counties[0]
    scope = system_scope(city).narrow(bureau=county)
    assert returns_link(scope, Y, routes=("no_such_route",)) == ""
    assert returns_link(scope, Y, routes=("no_such_route", "login")) == (
        f"/accounts/login/?year={Y}"  # a system scope has no list filters of its own
    )


def test_source_repeats_the_viewers_narrowing(cast):
    scope = scope_for(cast.leader, township=cast.township_a)
    assert returns_link(scope, Y) == f"/stats/?year={Y}&township={cast.township_a.pk}"
    found = stat_facts(scope, Y)
    assert found["count.primary.enrolled"].source == returns_link(scope, Y)
    assert found["indicator.primary_dropout"].part("numerator").source == returns_link(scope, Y)


def test_facts_queries_do_not_grow_with_schools(city, django_assert_num_queries):
    scope = system_scope(city)
    with CaptureQueriesContext(connection) as before:
        facts(scope)
    for n in range(6):
        county = city.counties[n % 2]
        school = SchoolFactory.create(bureau=county, name=f"新学校{n}", kind=SchoolKind.SENIOR)
        for year in (Y, Y - 1):
            file_return(school, year, {"senior.entrants": 10})
    with django_assert_num_queries(len(before.captured_queries)):
        found = facts(scope)
    assert found["count.senior.entrants"].value == 46608 + 60
    assert found["count.schools"].value == 5 + 1 + 6  # 5 senior or vocational, 1 junior
    assert len(before.captured_queries) <= 16


def test_snapshot_round_trip(city):
    found = facts(system_scope(city))
    assert type(found).from_json(found.to_json()) == found


def test_a_city_by_county_and_its_own_schools(city):
    scope = system_scope(city)
    first, second = city.counties
    by_child = compute_by_child(scope, Y)
    assert set(by_child) == {first.pk, second.pk, DIRECT}
    # Each county's own population: (50000 + 18000) / 60000 and 40000 / 60000.
    assert by_child[first.pk]["senior_gross"].text == "113.3%"
    assert by_child[second.pk]["senior_gross"].text == "66.7%"
    assert by_child[DIRECT]["senior_gross"].value is None  # 市直 has no area of its own
    assert by_child[DIRECT]["vocational_share"].text == "5.6:4.4"  # 12800 : 10000
    whole = compute(scope, Y)
    for code, measure in whole.items():
        if measure.indicator.uses_population:
            continue
        union = by_child[first.pk][code] + by_child[second.pk][code] + by_child[DIRECT][code]
        assert (union.numerator, union.denominator) == (measure.numerator, measure.denominator)
        alone = compute(scope.narrow(bureau=first), Y)[code]
        assert (alone.numerator, alone.denominator) == (
            by_child[first.pk][code].numerator,
            by_child[first.pk][code].denominator,
        )


def test_a_province_by_city(city):
    province = BureauFactory.create(name="样例省教育厅", level=BureauLevel.PROVINCE)
    city.parent = province
    city.save()
    for county in city.counties:
        county.save()  # the paths follow the new parent
    by_child = compute_by_child(system_scope(province), Y)
    assert set(by_child) == {city.pk}
    assert by_child[city.pk]["senior_gross"].text == "135.2%"  # the counties' areas summed
    with pytest.raises(ValueError):
        compute_by_child(system_scope(province, school=city.counties[0].schools.first()), Y)


def test_one_fact_phrased(db):
    """Counts change in 人 and per cent, rates in 百分点 of the displayed rates, and the
    target gap and light follow the census year's target."""
    county = BureauFactory.create(name="措辞县教育局", level=BureauLevel.COUNTY)
    township = TownshipFactory.create(bureau=county, name="措辞镇")
    kinds = (KgCategory.PUBLIC, KgCategory.AFFORDABLE, KgCategory.PRIVATE)
    this_year, last_year = (120, 80, 50), (100, 60, 60)
    for n, category in enumerate(kinds):
        school = SchoolFactory.create(
            bureau=county, township=township, name=f"措辞幼儿园{n}", kind="kindergarten"
        )
        file_return(school, Y, {"kg.enrolled": this_year[n]}, kg_category=category)
        file_return(school, Y - 1, {"kg.enrolled": last_year[n]}, kg_category=category)
    found = stat_facts(system_scope(county), Y)
    assert change_text(found["count.kg.enrolled"]) == "比上年增加30人，增长13.64%"  # 220 → 250
    affordable = found["indicator.kg_affordable"]
    assert affordable.display == "80.00"  # 200 / 250
    assert change_text(affordable) == "比上年提高7.27个百分点"  # 80.00 − 72.73 (160 / 220)
    assert change_text(found["indicator.kg_gross"]) == ""  # no population
    assert change_text(found["indicator.primary_pupil_teacher"]) == ""
    target = target_of(found, "indicator.kg_affordable")
    assert target is not None and target == target_for("kg_affordable", Y)
    assert target_text(found, "indicator.kg_affordable") == phrasing.gap_to_target(
        Decimal(80), target.value, places=2, target_label=target.label
    )
    assert light(found, "indicator.kg_affordable") == traffic_light(Decimal(80), target)
    assert light(found, "indicator.kg_gross") == ""  # no value
    assert target_of(found, "count.kg.enrolled") is None
    assert target_text(found, "indicator.primary_pupil_teacher") == ""


def test_the_target_part_is_the_one_in_force_for_the_scopes_bureau(city):
    from edubureau.stats.models import LocalTarget, TargetComparison, TargetKind

    national = facts(system_scope(city))["indicator.senior_gross"].part("target")
    assert national is not None and national.label.startswith("国家")
    LocalTarget.objects.create(
        bureau=city,
        indicator="senior_gross",
        kind=TargetKind.LOCAL,
        year=Y + 1,
        value=Decimal("95"),
        comparison=TargetComparison.AT_LEAST,
        label=f"本市{Y + 1}目标",
    )
    for scope in (system_scope(city), system_scope(city.counties[0])):
        part = facts(scope)["indicator.senior_gross"].part("target")
        assert part is not None and (part.label, part.value) == (f"本市{Y + 1}目标", Decimal("95"))
    assert target_of(facts(system_scope(city)), "indicator.senior_gross", bureau=city) is not None


def test_a_moved_schools_returns_stay_with_the_county_it_left(city):
    """一县's senior school moves to 二县 in October: its returns, of school years that began
    before the move, are still counted under 一县 (orgs.moves); the city's figures do
    not change and still add up; 二县 reads the returns and counts none of them."""
    first, second = city.counties
    before = compute_by_child(system_scope(city), Y)
    school = School.objects.get(name="一县senior学校")
    admin = UserFactory.create(role=Role.ADMINISTRATOR, bureau=city)
    # A fixed day of census year Y, after its school year began, whatever today is.
    moved_on = date(Y, 10, 15)
    with time_machine.travel(datetime(Y, 10, 15, 12, tzinfo=timezone.get_current_timezone())):
        school_move(
            actor=admin,
            school=school,
            to_bureau=second,
            township=TownshipFactory.create(bureau=second, name="二县新镇"),
            moved_on=moved_on,
        )
    fresh = Bureau.objects.get(pk=city.pk)
    after = compute_by_child(system_scope(fresh), Y)
    for code, measure in before[first.pk].items():
        moved = after[first.pk][code]
        assert (moved.numerator, moved.denominator) == (measure.numerator, measure.denominator)
    whole = compute(system_scope(fresh), Y)
    for code, measure in whole.items():
        if measure.indicator.uses_population:
            continue
        union = after[first.pk][code] + after[second.pk][code] + after[DIRECT][code]
        assert (union.numerator, union.denominator) == (measure.numerator, measure.denominator)
        alone = compute(system_scope(fresh).narrow(bureau=second), Y)[code]
        assert (alone.numerator, alone.denominator) == (
            after[second.pk][code].numerator,
            after[second.pk][code].denominator,
        )
    # 二县 reads the school's returns (it keeps the school now) but counts them nowhere.
    second_staff = UserFactory.create(role=Role.BUREAU_LEADER, bureau=second)
    second_staff = type(second_staff).objects.select_related("bureau").get(pk=second_staff.pk)
    assert StatReturn.objects.visible_to(second_staff).filter(school=school).exists()
    counted = compute(scope_for(second_staff), Y)["senior_gross"]
    assert counted.numerator == before[second.pk]["senior_gross"].numerator
