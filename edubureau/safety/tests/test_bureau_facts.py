"""Facts add up the tree: a city's facts are the sums of its counties' and its 市直
schools', fact by fact and part by part; its rates are recomputed from the summed
numerators and denominators, never averaged; the number of queries does not grow
with the number of counties."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from edubureau.core.facts import Fact, FactSet, Period, percent
from edubureau.orgs.scoping import SchoolScope, scope_for, system_scope
from edubureau.rectification.models import Status
from edubureau.safety.facts import NOT_ADDITIVE, RATES, safety_facts
from edubureau.safety.models import Hazard
from edubureau.safety.tests.factories_dashboard import local
from edubureau.safety.tests.scenario_city import TODAY, add_county, build_city

YEAR = Period.calendar_year(2026)
# Campaign rows are bureau-owned: whether a county reads its city's campaign is the
# campaign door's rule, not the facts'. Compared where viewers differ, they are left out.
CAMPAIGN_KEYS = ("inspections.campaign",)


@pytest.fixture
def frozen():
    with time_machine.travel(local(TODAY), tick=False):
        yield


@pytest.fixture
def city(cast, frozen):
    return build_city(cast)


def facts_of(scope: SchoolScope) -> FactSet:
    return safety_facts(scope=scope, period=YEAR, today=TODAY)


def parts(city) -> list[SchoolScope]:
    """The city's parts, as its safety staff read them: each county, and its own schools."""
    viewer = city.cast.city_safety
    return [scope_for(viewer, bureau=county) for county in city.counties] + [
        scope_for(viewer, bureau=city.cast.city, direct=True)
    ]


def additive(facts: FactSet) -> dict[str, Any]:
    """Every additive figure, breakdowns included, and its previous year's value where
    it has one."""
    out: dict[str, Any] = {}

    def walk(fact: Fact, parent_additive: bool) -> None:
        adds = parent_additive and fact.key not in NOT_ADDITIVE and fact.unit != "%"
        if adds:
            out[fact.key] = fact.value or 0
            if fact.previous is not None:  # no comparable previous period: no entry
                out[f"{fact.key}@previous"] = fact.previous
        for item in fact.breakdown:
            # A campaign's schools covered add up although the campaigns do not.
            walk(item, adds or fact.key == "inspections.campaigns")

    for fact in facts.values():
        walk(fact, True)
    return out


def test_a_citys_facts_are_the_sums_of_its_counties_and_its_own_schools(city):
    whole = additive(facts_of(scope_for(city.cast.city_safety)))
    pieces = [additive(facts_of(p)) for p in parts(city)]
    keys = set(whole).union(*pieces)
    mismatches = {
        k: (whole.get(k), [p.get(k) for p in pieces])
        for k in sorted(keys)
        # A previous value exists for the city when it exists for every part, and is
        # then their sum.
        if (k.endswith("@previous") and (k in whole) != all(k in p for p in pieces))
        or (
            (k in whole or not k.endswith("@previous"))
            and whole.get(k, 0) != sum(p.get(k, 0) for p in pieces)
        )
    }
    assert not mismatches
    # The comparison means something: many figures, and every part contributes.
    assert len(keys) > 150
    assert any(k.endswith("@previous") for k in whole)
    found = [p["hazards.found"] for p in pieces]
    assert all(found) and whole["hazards.found"] == sum(found) > max(found)
    for key in ("inspections.self.due", "drills.count", "letters.signed", "vehicles.count"):
        assert all(p[key] for p in pieces), key
    # The city campaign's four schools and 甲县's own campaign's school B.
    assert whole["inspections.campaign_schools"] == 5


def sums_of_previous(whole: dict[str, Any], pieces: list[dict[str, Any]]) -> dict[str, Any]:
    """The previous values of the city that are not the sum of its parts' (a part
    without a breakdown entry had none of it), or missing though every part has one."""
    keys = {k for k in set(whole).union(*pieces) if k.endswith("@previous")}
    return {
        k: (whole.get(k), [p.get(k) for p in pieces])
        for k in sorted(keys)
        if (k in whole and whole[k] != sum(p.get(k, 0) for p in pieces))
        or (k not in whole and all(k in p for p in pieces))
    }


def test_with_every_bureau_live_since_last_year_every_previous_value_adds_up(city):
    from edubureau.orgs.models import Bureau

    Bureau.objects.filter(path__startswith=city.cast.city.path).update(go_live=date(2025, 1, 1))
    whole = additive(facts_of(scope_for(city.cast.city_safety)))
    pieces = [additive(facts_of(p)) for p in parts(city)]
    assert not sums_of_previous(whole, pieces)
    assert sum(k.endswith("@previous") for k in whole) > 30
    # A live bureau's empty family is a real zero, not "no comparison".
    assert all("drills.count@previous" in p for p in pieces)


def test_a_county_that_went_live_this_year_leaves_the_city_without_previous_values(city):
    from edubureau.orgs.models import Bureau

    Bureau.objects.filter(path__startswith=city.cast.city.path).update(go_live=date(2025, 1, 1))
    Bureau.objects.filter(pk=city.counties[1].pk).update(go_live=date(2026, 3, 1))
    whole = facts_of(scope_for(city.cast.city_safety))
    pieces = [facts_of(p) for p in parts(city)]
    assert all(f.previous is None for f in whole.values())
    assert all(f.previous is None for f in pieces[1].values())
    assert pieces[0]["hazards.found"].previous is not None


def test_rates_are_recomputed_from_the_sums_never_averaged(city):
    whole = facts_of(scope_for(city.cast.city_safety))
    pieces = [facts_of(p) for p in parts(city)]
    for rate, (numerator, denominator) in RATES.items():
        top = sum(p[numerator].value or 0 for p in pieces)
        bottom = sum(p[denominator].value or 0 for p in pieces)
        assert whole[rate].value == percent(top, bottom), rate
        if whole[rate].previous is None:
            assert None in [p[denominator].previous for p in pieces], rate
            continue
        assert whole[rate].previous == percent(
            sum(p[numerator].previous or 0 for p in pieces),
            sum(p[denominator].previous or 0 for p in pieces),
        ), rate
    # The counties close very different shares of what they find: the mean of their
    # rates is not the city's rate.
    rates = [p["hazards.rectification_rate"].value for p in pieces]
    assert len({r for r in rates}) > 2
    mean = sum(rates, Decimal(0)) / len(rates)  # type: ignore[arg-type]
    assert whole["hazards.rectification_rate"].value != mean


def test_a_county_reads_its_own_numbers_as_the_city_and_the_province_read_them(city):
    cast = city.cast
    for county, reader in ((cast.bureau, cast.leader), (cast.sibling_bureau, cast.sibling_safety)):
        own = additive(facts_of(scope_for(reader)))
        from_city = additive(facts_of(scope_for(cast.city_safety, bureau=county)))
        from_province = additive(facts_of(scope_for(cast.province_safety, bureau=county)))
        for view in (from_city, from_province):
            assert without_campaigns(own) == without_campaigns(view)
    city_own = additive(facts_of(scope_for(cast.city_safety)))
    from_top = additive(facts_of(scope_for(cast.province_safety, bureau=cast.city)))
    assert without_campaigns(city_own) == without_campaigns(from_top)


def without_campaigns(figures: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in figures.items() if not k.startswith(CAMPAIGN_KEYS)}


def test_a_job_reads_the_same_numbers_through_the_system_door(city):
    as_staff = additive(facts_of(scope_for(city.cast.city_safety)))
    as_job = additive(facts_of(system_scope(city.cast.city)))
    # The job reads every campaign of the subtree; the staff, the campaigns their door
    # shows them.
    assert without_campaigns(as_job) == without_campaigns(as_staff)
    assert as_job["inspections.campaign_schools"] >= as_staff["inspections.campaign_schools"]


def test_the_city_counts_its_subtree_and_nothing_of_another_city(city):
    facts = facts_of(scope_for(city.cast.city_safety))
    rows = Hazard.objects.filter(
        school__bureau__path__startswith=city.cast.city.path,
        reported_on__gte=YEAR.start,
        reported_on__lte=YEAR.end,
    )
    assert facts["hazards.found"].value == rows.count()
    closed = [
        h
        for h in rows
        if h.status == Status.CLOSED and h.closed_at and h.closed_at.date() <= YEAR.end
    ]
    assert facts["hazards.closed"].value == len(closed)
    assert Hazard.objects.filter(school=city.cast.other_school).exists()


def test_every_source_carries_the_narrowing(city):
    sibling = city.cast.sibling_bureau
    facts = facts_of(scope_for(city.cast.city_safety, bureau=sibling))
    assert f"bureau={sibling.pk}" in facts["hazards.found"].source
    assert f"bureau={sibling.pk}" in facts["inspections.self.submitted"].source
    direct = facts_of(scope_for(city.cast.city_safety, bureau=city.cast.city, direct=True))
    assert "direct=1" in direct["hazards.overdue"].source


def _queries(scope: SchoolScope) -> int:
    with CaptureQueriesContext(connection) as queries:
        facts_of(scope)
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_counties(city):
    viewer = city.cast.city_safety
    facts_of(scope_for(viewer))  # warm caches
    before = _queries(scope_for(viewer))
    add_county(city.cast.city, "戊县", schools=4)
    add_county(city.cast.city, "己县", schools=2)
    assert _queries(scope_for(viewer)) == before
    assert before <= 45
