"""Every indicator on a small county whose figures were worked out by hand (the expected
numbers below are written out, not recomputed by the code under test); the open points
as parameters; which returns count; breakdowns; the population of a scope's area."""

from __future__ import annotations

from decimal import Decimal

import pytest

from edubureau.orgs.models import BureauLevel, Locality, Ownership, SchoolKind
from edubureau.orgs.scoping import scope_for, system_scope
from edubureau.stats import indicators as ind
from edubureau.stats.indicators import Options, compute, compute_by, population_by_age
from edubureau.stats.models import KgCategory, ReturnStatus
from edubureau.stats.tests.factories_returns import census_year, file_return, record_population
from edubureau.testing.factories import BureauFactory, SchoolFactory, TownshipFactory

Y = census_year()


def _school(county, township, name, kind, **extra):
    return SchoolFactory.create(bureau=county, township=township, name=name, kind=kind, **extra)


@pytest.fixture
def county(db):
    """One county: three kindergartens (public, affordable, private), two primary schools
    in two townships, a junior, a senior and a vocational school; this year's, last
    year's and the cohorts' returns; the population by age."""
    county = BureauFactory.create(name="手算县教育局", level=BureauLevel.COUNTY)
    east = TownshipFactory.create(bureau=county, name="东镇")
    west = TownshipFactory.create(bureau=county, name="西镇")
    kind = SchoolKind
    k1 = _school(county, east, "东镇公办幼儿园", kind.KINDERGARTEN)
    k2 = _school(county, east, "东镇普惠幼儿园", kind.KINDERGARTEN, ownership=Ownership.PRIVATE)
    k3 = _school(county, west, "西镇民办幼儿园", kind.KINDERGARTEN, ownership=Ownership.PRIVATE)
    p1 = _school(county, east, "东镇小学", kind.PRIMARY, locality=Locality.URBAN)
    p2 = _school(county, west, "西镇小学", kind.PRIMARY, locality=Locality.RURAL)
    j1 = _school(county, east, "东镇中学", kind.JUNIOR)
    s1 = _school(county, east, "县一中", kind.SENIOR, locality=Locality.URBAN)
    v1 = _school(county, east, "县职中", kind.VOCATIONAL, locality=Locality.URBAN)

    kg = {"kg.enrolled": 0, "kg.teachers": 0, "kg.teachers_qualified": 0}
    file_return(k1, Y, {**kg, "kg.enrolled": 120, "kg.teachers": 10, "kg.teachers_qualified": 10},
                kg_category=KgCategory.PUBLIC)  # fmt: skip
    file_return(k2, Y, {**kg, "kg.enrolled": 80, "kg.teachers": 8, "kg.teachers_qualified": 7},
                kg_category=KgCategory.AFFORDABLE, status=ReturnStatus.LOCKED)  # fmt: skip
    file_return(k3, Y, {**kg, "kg.enrolled": 50, "kg.teachers": 5, "kg.teachers_qualified": 5},
                kg_category=KgCategory.PRIVATE)  # fmt: skip
    file_return(p1, Y, {
        "primary.enrolled": 600, "primary.grade1": 100, "primary.entrants": 100,
        "primary.graduates": 95, "primary.dropouts": 3, "primary.teachers": 40,
        "primary.teachers_qualified": 39, "primary.classes": 12, "primary.classes_56_65": 2,
        "primary.classes_66": 1, "primary.migrant": 30, "primary.migrant_public": 24,
    })  # fmt: skip
    file_return(p2, Y, {
        "primary.enrolled": 300, "primary.graduates": 50, "primary.dropouts": 0,
        "primary.teachers": 25, "primary.teachers_qualified": 25, "primary.classes": 6,
        "primary.migrant": 10, "primary.migrant_public": 10,
    })  # fmt: skip
    file_return(j1, Y, {
        "junior.enrolled": 450, "junior.grade1": 160, "junior.grade3": 140,
        "junior.entrants": 160, "junior.graduates": 148, "junior.dropouts": 2,
        "junior.teachers": 36, "junior.teachers_qualified": 34, "junior.classes": 9,
        "junior.classes_56_65": 3, "junior.migrant": 15, "junior.migrant_public": 12,
    })  # fmt: skip
    file_return(s1, Y, {"senior.enrolled": 360, "senior.entrants": 126, "senior.teachers": 30,
                        "senior.teachers_qualified": 29})  # fmt: skip
    file_return(v1, Y, {
        "vocational.enrolled": 180, "vocational.entrants": 54, "vocational.teachers": 20,
        "vocational.teachers_qualified": 18,
    })  # fmt: skip
    # Last year (the dropout rates' denominators), the cohorts' first grades.
    file_return(p1, Y - 1, {"primary.enrolled": 580})
    file_return(p2, Y - 1, {"primary.enrolled": 320})
    file_return(j1, Y - 1, {"junior.enrolled": 440})
    file_return(j1, Y - 2, {"junior.grade1": 150})
    file_return(p1, Y - 8, {"primary.grade1": 90})
    file_return(p2, Y - 8, {"primary.grade1": 70})
    # Returns that do not count: a draft with huge figures, a submitted one (provisional).
    draft = _school(county, west, "西镇草稿小学", kind.PRIMARY)
    file_return(draft, Y, {"primary.enrolled": 99999, "primary.teachers": 1},
                status=ReturnStatus.DRAFT)  # fmt: skip
    pending = _school(county, west, "西镇待审中学", kind.JUNIOR)
    file_return(pending, Y, {"junior.enrolled": 30, "junior.teachers": 4},
                status=ReturnStatus.SUBMITTED)  # fmt: skip
    ages = {3: 100, 4: 90, 5: 70}
    ages |= {age: 150 for age in range(6, 11)} | {11: 140}
    ages |= {12: 160, 13: 160, 14: 160, 15: 200, 16: 200, 17: 200}
    record_population(county, Y, ages)
    county.east, county.west = east, west
    return county


def texts(measures: dict[str, ind.Measure]) -> dict[str, str]:
    return {code: m.text for code, m in measures.items()}


# The county's indicators as worked out by hand from the figures above.
EXPECTED = {
    "kg_gross": "96.2%",  # 250 / (100 + 90 + 70) = 96.15…
    "kg_affordable": "80.00%",  # (120 + 80) / 250, children not kindergartens (2 of 3)
    "kg_public": "48.00%",  # 120 / 250
    "primary_gross": "101.1%",  # 900 / 890: a gross ratio may exceed 100%
    "junior_gross": "93.8%",  # 450 / 480 = 93.75, half up
    "consolidation_9": "87.5%",  # 140 in the graduating class / (90 + 70) eight years ago
    "consolidation_junior": "93.3%",  # 140 / 150 two years ago
    "primary_dropout": "0.33%",  # 3 / last year's 900
    "junior_dropout": "0.45%",  # 2 / last year's 440
    "primary_progression": "110.34%",  # junior entrants 160 / primary graduates 145
    "junior_progression": "121.62%",  # (126 + 54) / 148
    "senior_gross": "90.0%",  # (360 + 180) / 600
    "vocational_share": "3.0:7.0",  # 54 : 126
    "primary_pupil_teacher": "13.85:1",  # 900 / 65
    "junior_pupil_teacher": "12.50:1",  # 450 / 36
    "senior_pupil_teacher": "12.00:1",  # 360 / 30
    "vocational_pupil_teacher": "9.00:1",  # 180 / 20
    "special_pupil_teacher": "—",  # no special school
    "teachers_qualified": "95.98%",  # (22 + 64 + 34 + 29 + 18) / (23 + 65 + 36 + 30 + 20)
    "large_classes": "22.22%",  # (2 + 1 + 3) / 27, 56 and more
    "huge_classes": "3.70%",  # 1 / 27
    "migrant_public": "83.64%",  # (24 + 10 + 12) / (30 + 10 + 15)
}


def test_every_indicator_on_the_hand_computed_county(county):
    assert texts(compute(system_scope(county), Y)) == EXPECTED


def test_values_are_exact_decimals_rounded_only_for_display(county):
    measures = compute(system_scope(county), Y)
    kg = measures["kg_gross"]
    assert (kg.numerator, kg.denominator) == (250, 260)
    assert kg.value == Decimal(25000) / Decimal(260)
    assert kg.rounded == Decimal("96.2")
    junior = measures["junior_gross"]
    assert junior.value == Decimal("93.75") and junior.rounded == Decimal("93.8")
    share = measures["vocational_share"]
    assert (share.numerator, share.denominator) == (54, 180)
    assert share.value == Decimal(3)


def test_open_points_are_parameters(county):
    other = ind.definitions(
        Options(junior_ages=(13, 15), large_class_includes_66=False, kg_places=2)
    )
    measures = texts(compute(system_scope(county), Y, indicators=other))
    assert measures["junior_gross"] == "86.5%"  # 450 / (160 + 160 + 200)
    assert measures["large_classes"] == "18.52%"  # 56–65 only: 5 / 27
    assert measures["kg_gross"] == "96.15%"
    # Graduates over the first grade nine (three) years earlier: no such returns here.
    graduates = ind.definitions(Options(consolidation=ind.GRADUATES))
    measures = compute(system_scope(county), Y, indicators=graduates)
    assert measures["consolidation_9"].value is None
    assert measures["consolidation_junior"].text == "—"
    with pytest.raises(ValueError):
        Options(consolidation="average")
    with pytest.raises(ValueError):
        Options(junior_ages=(14, 12))


def test_submitted_returns_count_only_in_a_provisional_view(county):
    final = compute(system_scope(county), Y)
    provisional = compute(system_scope(county), Y, provisional=True)
    assert (final["junior_pupil_teacher"].numerator, final["junior_pupil_teacher"].denominator) == (
        450,
        36,
    )
    assert provisional["junior_pupil_teacher"].text == "12.00:1"  # (450 + 30) / (36 + 4)
    # The draft never counts.
    assert provisional["primary_pupil_teacher"].text == "13.85:1"


def test_no_returns_is_no_value_not_zero(county):
    measures = compute(system_scope(county), Y + 1)
    assert all(m.value is None for m in measures.values())
    assert all(m.text == "—" for m in measures.values())
    # A year without last year's returns has no dropout rate, whatever this year's say.
    assert compute(system_scope(county), Y - 1)["primary_dropout"].value is None


def test_queries_do_not_grow_with_schools(county, django_assert_num_queries):
    # One aggregate over this year, last year, 2 and 8 years back (each sum filtered to
    # its year); the population and the bureau tree.
    with django_assert_num_queries(3):
        compute(system_scope(county), Y)
    for n in range(5):
        file_return(_school(county, county.east, f"新增小学{n}", SchoolKind.PRIMARY), Y, {})
    with django_assert_num_queries(3):
        compute(system_scope(county), Y)
    with django_assert_num_queries(1):
        compute_by(system_scope(county), Y, "township")


def test_breakdown_by_township_sums_to_the_county_and_is_no_mean(county):
    scope = system_scope(county)
    by_township = compute_by(scope, Y, "township")
    east, west = by_township[county.east.pk], by_township[county.west.pk]
    assert east["primary_pupil_teacher"].text == "15.00:1"  # 600 / 40
    assert west["primary_pupil_teacher"].text == "12.00:1"  # 300 / 25
    whole = compute(scope, Y)
    assert whole["primary_pupil_teacher"].text == "13.85:1"  # not (15 + 12) / 2 = 13.50
    for code, measure in whole.items():
        if measure.indicator.uses_population:
            assert east[code].value is None  # a township has no population of its own
            continue
        if code.endswith("_dropout") or code.startswith("consolidation"):
            continue  # last year's and the cohorts' returns: checked below
        assert (east[code] + west[code]).numerator == measure.numerator, code
        assert (east[code] + west[code]).denominator == measure.denominator, code
    # Earlier years are grouped the same way: the dropout rate by township.
    assert east["primary_dropout"].text == "0.52%"  # 3 / 580
    assert west["primary_dropout"].text == "0%"  # 0 / 320


def test_breakdowns_by_kind_ownership_and_locality(county):
    scope = system_scope(county)
    by_kind = compute_by(scope, Y, "kind")
    assert set(by_kind) == {"kindergarten", "primary", "junior", "senior", "vocational"}
    assert by_kind["kindergarten"]["kg_affordable"].text == "80.00%"
    by_ownership = compute_by(scope, Y, "ownership")
    assert by_ownership["private"]["kg_affordable"].text == "61.54%"  # 80 / 130
    assert by_ownership["public"]["kg_public"].text == "100%"
    by_locality = compute_by(scope, Y, "locality")
    assert by_locality["rural"]["primary_pupil_teacher"].text == "12.00:1"
    assert by_locality["urban"]["senior_pupil_teacher"].text == "12.00:1"


def test_scopes_narrower_than_a_bureau_have_no_gross_ratios(county):
    township = compute(system_scope(county, township=county.east), Y)
    assert township["kg_gross"].value is None
    assert township["primary_pupil_teacher"].text == "15.00:1"


def test_a_city_population_is_its_counties_when_it_records_none(db):
    city = BureauFactory.create(name="人口市教育局", level=BureauLevel.CITY)
    first = BureauFactory.create(name="人口一县教育局", parent=city)
    second = BureauFactory.create(name="人口二县教育局", parent=city)
    record_population(first, Y, {3: 10, 4: 20})
    assert population_by_age(system_scope(city), Y) is None  # a county without: no sum
    record_population(second, Y, {3: 1, 5: 2})
    assert population_by_age(system_scope(city), Y) == {3: 11, 4: 20, 5: 2}
    record_population(city, Y, {3: 500})
    assert population_by_age(system_scope(city), Y) == {3: 500}  # its own figure wins
    assert population_by_age(system_scope(city), Y - 1) is None


def test_definitions_are_data():
    codes = [i.code for i in ind.INDICATORS]
    assert len(codes) == len(set(codes))
    for indicator in ind.INDICATORS:
        assert indicator.name and indicator.source and indicator.numerator
        assert indicator.places in (1, 2)
    assert ind.BY_CODE["primary_dropout"].higher_is_better is False
    assert ind.BY_CODE["vocational_share"].higher_is_better is None
    assert ind.BY_CODE["kg_affordable"].unit == "%"
    assert ind.BY_CODE["junior_pupil_teacher"].unit == ""
    assert set(ind.NOT_COMPUTED) == {"primary_net", "disabled_enrolment"}
    with pytest.raises(ValueError):
        ind.fields("primary.nonsense")


def test_counts_by_group(county):
    by_township = ind.sum_fields_by(
        system_scope(county), Y, ["primary.enrolled", "kg.enrolled"], "township"
    )
    assert by_township == {
        county.east.pk: {"primary.enrolled": 600, "kg.enrolled": 200},
        county.west.pk: {"primary.enrolled": 300, "kg.enrolled": 50},
    }
    provisional = ind.sum_fields_by(
        system_scope(county), Y, ["junior.enrolled"], "kind", provisional=True
    )
    assert provisional["junior"] == {"junior.enrolled": 480}
    assert ind.sum_fields(system_scope(county), Y, ["senior.entrants"]) == {"senior.entrants": 126}
    assert ind.sum_fields(system_scope(county), Y + 1, ["senior.entrants"]) == {
        "senior.entrants": None
    }


def test_a_viewer_computes_over_what_the_door_shows(cast):
    """A school's account computes over its own return only; the county over both; the
    sibling county over neither (the rows come through the scoping door)."""
    file_return(cast.school_a, Y, {"primary.enrolled": 400, "primary.teachers": 20})
    file_return(cast.school_b, Y, {"junior.enrolled": 300, "junior.teachers": 30})
    file_return(cast.sibling_school, Y, {"primary.enrolled": 90, "primary.teachers": 9})
    record_population(cast.bureau, Y, {age: 100 for age in range(6, 12)})
    own = compute(scope_for(cast.school_a_officer), Y)
    assert own["primary_pupil_teacher"].text == "20.00:1"
    assert own["junior_pupil_teacher"].value is None
    assert own["primary_gross"].value is None  # a school has no area
    county = compute(scope_for(cast.leader), Y)
    assert county["junior_pupil_teacher"].text == "10.00:1"
    assert county["primary_gross"].text == "66.7%"  # 400 / 600
    city = compute(scope_for(cast.city_leader), Y)
    assert city["primary_pupil_teacher"].text == "16.90:1"  # (400 + 90) / (20 + 9) = 16.896
    assert city["primary_gross"].value is None  # 乙县 recorded no population
    assert compute(scope_for(cast.sibling_admin), Y)["junior_pupil_teacher"].value is None
