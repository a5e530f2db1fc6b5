"""The statistics demo data (edubureau.stats.demo): three census years of returns that
pass the return rules, realistic indicators, the review calendar of this year, and at
the city scale seed 001's figures.

The demos are built once per module on fixed reference dates (never the clock), inside a
transaction rolled back at the end."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from edubureau.orgs.demo import build_demo
from edubureau.orgs.models import School
from edubureau.orgs.scoping import system_scope
from edubureau.stats import indicators, rules
from edubureau.stats.demo import allocate
from edubureau.stats.models import Population, ReturnRound, ReturnStatus, RoundAction, StatReturn

AFTER_LOCK = dt.date(2026, 11, 16)  # census year 2026, past the due date and the lock
IN_PROGRESS = dt.date(2025, 9, 12)  # census year 2025, before its due date


def _build(day: dt.date, **options):
    moment = dt.datetime.combine(day, dt.time(9), tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment):
        return build_demo(reference_date=day, **options)


@pytest.fixture(scope="module")
def county_demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build(AFTER_LOCK, scale="county")
        transaction.set_rollback(True)


@pytest.fixture
def county(county_demo, db):
    return county_demo


def test_every_school_has_three_years_but_the_demo_school_this_year(county):
    schools = School.objects.filter(bureau=county.bureau)
    years = Counter(StatReturn.objects.values_list("school_year__start_year", flat=True))
    assert sorted(years) == [2024, 2025, 2026]
    assert years[2024] == years[2025] == schools.count()
    assert not StatReturn.objects.filter(school=county.demo_school, school_year__start_year=2026)
    # Earlier years are locked, with their whole history.
    earlier = StatReturn.objects.filter(school_year__start_year__lt=2026)
    assert set(earlier.values_list("status", flat=True)) == {ReturnStatus.LOCKED}
    sample = earlier.first()
    assert sample is not None
    actions = list(sample.rounds.values_list("action", flat=True))
    assert actions[0] == RoundAction.SUBMIT and actions[-1] == RoundAction.LOCK
    assert all(r.at.year in (sample.start_year, sample.start_year + 1) for r in sample.rounds.all())


def test_every_return_passes_the_rules_and_explains_its_warnings(county):
    by_school: dict[int, dict[int, StatReturn]] = {}
    for ret in StatReturn.objects.select_related("school", "school_year"):
        by_school.setdefault(ret.school_id, {})[ret.start_year] = ret
    warned = 0
    for years in by_school.values():
        for year, ret in years.items():
            previous = years.get(year - 1)
            errors, warnings = rules.validate(
                ret.values, ret.school.kind, previous.values if previous else None
            )
            assert errors == [], (ret, errors[0].message)
            if ret.status != ReturnStatus.DRAFT:
                assert {w.code for w in warnings} <= set(ret.explanations), ret
                warned += len(warnings)
    assert warned > 0  # small schools move by more than 20% now and then


def test_this_years_review_calendar(county):
    this_year = StatReturn.objects.filter(school_year__start_year=2026)
    statuses = Counter(this_year.values_list("status", flat=True))
    assert statuses[ReturnStatus.LOCKED] > 0.75 * sum(statuses.values())
    assert statuses[ReturnStatus.RETURNED] >= 1
    returned = ReturnRound.objects.filter(
        stat_return__school_year__start_year=2026, action=RoundAction.RETURN
    )
    assert returned.exists() and all(r.comment.endswith("。") for r in returned)
    due = dt.date(2026, 9, 20)
    late = this_year.filter(submitted_at__date__gt=due)
    assert late.exists()
    assert this_year.filter(submitted_at__date__lte=due).count() > 5 * late.count()


def test_the_countys_indicators_are_realistic(county):
    measures = indicators.compute(system_scope(county.bureau), 2026)

    def value(code: str) -> Decimal:
        found = measures[code].value
        assert found is not None, code
        return Decimal(found)

    assert 85 <= value("kg_gross") <= 97
    assert 95 <= value("primary_gross") <= 110
    assert 92 <= value("junior_gross") <= 110
    assert 85 <= value("senior_gross") <= 100
    assert 90 <= value("primary_progression") <= 115
    assert 95 <= value("consolidation_junior") <= 101
    assert value("junior_dropout") < 1 and value("primary_dropout") < Decimal("0.2")
    assert 50 <= value("kg_affordable") <= 100
    assert 10 <= value("primary_pupil_teacher") <= 22
    assert value("large_classes") < 15
    assert 95 <= value("teachers_qualified") <= 100
    assert Population.objects.filter(bureau=county.bureau).count() == 3 * 26


def test_allocate_keeps_the_total_and_the_proportions():
    assert allocate(10, [1, 1, 1]) == [4, 3, 3]
    assert sum(allocate(46608, [0.3, 1.7, 2.2, 0.9])) == 46608
    assert allocate(5, []) == []
    assert allocate(7, [0, 0]) == [0, 0]
