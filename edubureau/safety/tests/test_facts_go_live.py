"""Facts a summary can sign: no comparison without a comparable previous period, nothing
before a bureau's go-live counted as missing, a running year compared with the same
span of last year, and the figures a summary needs (按期整改率, 挂牌督办, deferred
hazards, schools that self-inspected, schools meeting the drill frequency), each
linked to a list that shows exactly the rows counted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import time_machine
from django.http import QueryDict

from edubureau.core.facts import Fact, FactSet, Period, percent
from edubureau.orgs.models import Bureau, School
from edubureau.orgs.scoping import scope_for
from edubureau.rectification.models import PlanKind, Status
from edubureau.safety.facts import (
    closed_q,
    drills_required,
    found_q,
    go_live_of,
    safety_facts,
)
from edubureau.safety.facts.units import unit_breakdown
from edubureau.safety.models import Hazard
from edubureau.safety.selectors.hazards import HazardFilter, hazard_list
from edubureau.safety.tests.factories_dashboard import local, make_hazard_row, make_self_inspection
from edubureau.safety.tests.factories_ledgers import DrillFactory, EducationActivityFactory

TODAY = date(2026, 11, 16)
YEAR = Period.calendar_year(2026)
# What 2026 is compared with on 16 November: the same days of 2025.
SAME_SPAN_2025 = Period(date(2025, 1, 1), date(2025, 11, 16), "2025年1月1日至11月16日", "to_date")


@pytest.fixture
def frozen():
    with time_machine.travel(local(TODAY), tick=False):
        yield


def go_live(bureau: Bureau, day: date | None) -> None:
    Bureau.objects.filter(pk=bureau.pk).update(go_live=day)


def active_schools(bureau: Bureau) -> int:
    return School.objects.filter(bureau=bureau, is_active=True).count()


def walk(facts: FactSet) -> Iterator[Fact]:
    def down(fact: Fact) -> Iterator[Fact]:
        yield fact
        for item in fact.breakdown:
            yield from down(item)

    for fact in facts.values():
        yield from down(fact)


def county_facts(cast, period: Period = YEAR) -> FactSet:
    return safety_facts(scope=scope_for(cast.safety_staff), period=period, today=TODAY)


def listed(cast, source: str) -> set[int]:
    """The hazards the list behind a fact's source link shows."""
    params = QueryDict(source.partition("?")[2])
    rows = hazard_list(
        user=cast.safety_staff, filters=HazardFilter.from_params(params), today=TODAY
    )
    return set(rows.values_list("pk", flat=True))


def some_records(cast) -> None:
    """A hazard and an education activity in the same span of 2025, one hazard after
    it (December 2025), and 2026 records."""
    a = cast.school_a
    make_hazard_row(a, reported_on=date(2025, 5, 6))
    make_hazard_row(a, reported_on=date(2025, 12, 10))
    make_hazard_row(a, reported_on=date(2026, 4, 2))
    make_hazard_row(cast.school_b, reported_on=date(2026, 9, 1))
    EducationActivityFactory(school=a, held_on=date(2025, 4, 1))
    DrillFactory(school=a, held_on=date(2026, 5, 1))


# Comparing with last year --------------------------------------------------------


def test_a_bureau_that_went_live_this_year_has_no_previous_values(cast, frozen):
    go_live(cast.bureau, date(2026, 3, 1))
    some_records(cast)
    facts = county_facts(cast)
    assert facts["hazards.found"].value == 2
    compared = [f.key for f in walk(facts) if f.previous is not None]
    assert compared == []
    assert facts["hazards.found"].change is None
    assert facts["hazards.rectification_rate"].change is None


def test_a_bureau_live_for_two_years_compares_with_the_same_span_of_last_year(cast, frozen):
    go_live(cast.bureau, date(2025, 1, 1))
    some_records(cast)
    facts = county_facts(cast)
    assert facts.period == YEAR and facts.previous_period == SAME_SPAN_2025
    # May 2025 is in the span; December 2025 is not.
    assert (facts["hazards.found"].value, facts["hazards.found"].previous) == (2, 1)
    assert facts["hazards.found"].previous_source.endswith("since=2025-01-01&until=2025-11-16")
    # Live throughout: an empty family is a real zero, not "no comparison".
    assert facts["drills.count"].previous == 0
    assert facts["education.activities"].previous == 1
    # No self-inspection was filed in 2025: every due month of the span is missing.
    due = facts["inspections.self.due"]
    assert due.previous == active_schools(cast.bureau) * 11
    assert facts["inspections.self.missing"].previous == due.previous


def test_without_a_go_live_a_family_is_compared_only_where_last_year_has_rows(cast, frozen):
    some_records(cast)
    facts = county_facts(cast)
    assert go_live_of(scope_for(cast.safety_staff)).unknown
    assert facts["hazards.found"].previous == 1
    assert facts["education.activities"].previous == 1
    assert facts["drills.count"].previous is None  # no drill in the span of 2025
    assert facts["inspections.self.due"].previous is None  # nor any self-inspection


# Nothing before the go-live counts as missing -------------------------------------


def test_months_before_the_go_live_are_not_due(cast, frozen):
    go_live(cast.bureau, date(2026, 3, 1))
    make_self_inspection(cast.school_a, date(2026, 1, 1))  # filed before: not counted
    make_self_inspection(cast.school_a, date(2026, 4, 1))
    facts = county_facts(cast)
    schools = active_schools(cast.bureau)
    due = facts["inspections.self.due"]
    assert due.value == schools * 9  # March to November
    assert [m.value for m in due.breakdown[:3]] == [0, 0, schools]
    assert facts["inspections.self.submitted"].value == 1
    assert facts["inspections.self.missing"].value == schools * 9 - 1
    assert facts["inspections.self.schools"].value == 1
    assert facts["inspections.self.schools_due"].value == schools


def test_a_citys_due_months_follow_each_countys_go_live(cast, frozen):
    go_live(cast.bureau, date(2026, 1, 1))
    go_live(cast.sibling_bureau, date(2026, 10, 1))
    go_live(cast.city, None)
    facts = safety_facts(scope=scope_for(cast.city_safety), period=YEAR, today=TODAY)
    county, sibling, direct = (
        active_schools(cast.bureau),
        active_schools(cast.sibling_bureau),
        active_schools(cast.city),
    )
    assert sibling and direct
    assert facts["inspections.self.due"].value == (county + direct) * 11 + sibling * 2
    october = facts["inspections.self.due"].part("2026-10")
    september = facts["inspections.self.due"].part("2026-09")
    assert october is not None and october.value == county + sibling + direct
    assert september is not None and september.value == county + direct
    # 乙县 went live this year: the city's 2026 has no comparison.
    assert all(f.previous is None for f in walk(facts))


# The figures a summary needs -----------------------------------------------------------


def test_hazard_figures_count_the_rows_their_lists_show(cast, frozen):
    a, b = cast.school_a, cast.school_b
    on_time = make_hazard_row(
        a,
        reported_on=date(2026, 3, 2),
        status=Status.CLOSED,
        deadline=date(2026, 3, 10),
        rectified_on=date(2026, 3, 10),
        closed_at=local(date(2026, 3, 12)),
    )
    make_hazard_row(  # closed, but rectified after its deadline
        a,
        reported_on=date(2026, 3, 2),
        status=Status.CLOSED,
        deadline=date(2026, 3, 10),
        rectified_on=date(2026, 3, 11),
        closed_at=local(date(2026, 3, 20)),
    )
    deferred_closed = make_hazard_row(  # deferred without a target date: never late
        b,
        reported_on=date(2026, 2, 2),
        status=Status.CLOSED,
        plan_kind=PlanKind.DEFERRED,
        rectified_on=date(2026, 9, 1),
        closed_at=local(date(2026, 9, 3)),
    )
    deferred_open = make_hazard_row(
        b, reported_on=date(2026, 6, 2), status=Status.PLANNED, plan_kind=PlanKind.DEFERRED
    )
    supervised = make_hazard_row(
        a, reported_on=date(2026, 5, 2), status=Status.PLANNED, deadline=date(2026, 6, 1)
    )
    climbing = make_hazard_row(
        a, reported_on=date(2026, 10, 2), status=Status.PLANNED, deadline=date(2026, 11, 2)
    )
    Hazard.objects.filter(pk=supervised.pk).update(overdue_level=5)
    Hazard.objects.filter(pk=climbing.pk).update(overdue_level=3)
    make_hazard_row(b, reported_on=date(2025, 6, 2), plan_kind=PlanKind.DEFERRED)  # 2025
    facts = county_facts(cast)

    assert facts["hazards.found"].value == 6
    closed_on_time = facts["hazards.closed_on_time"]
    assert closed_on_time.value == 2
    assert listed(cast, closed_on_time.source) == {on_time.pk, deferred_closed.pk}
    assert facts["hazards.on_time_rate"].value == percent(2, 6)
    assert facts["hazards.rectification_rate"].value == percent(3, 6)
    escalated = facts["hazards.escalated"]
    assert escalated.value == 1 and listed(cast, escalated.source) == {supervised.pk}
    assert facts["hazards.overdue"].value == 2
    deferred = facts["hazards.deferred"]
    assert deferred.value == 2
    assert listed(cast, deferred.source) == {deferred_closed.pk, deferred_open.pk}


def test_a_months_closed_figure_does_not_change_after_the_month(cast, frozen):
    march = Period.month(2026, 3)
    late = make_hazard_row(
        cast.school_a,
        reported_on=date(2026, 3, 20),
        status=Status.CLOSED,
        deadline=date(2026, 3, 30),
        rectified_on=date(2026, 3, 30),
        closed_at=local(date(2026, 4, 2)),
    )
    in_march = Hazard.objects.filter(found_q(march))
    assert list(in_march) == [late]
    assert not in_march.filter(closed_q(march)).exists()
    assert in_march.filter(closed_q(Period.month(2026, 4))).exists()
    facts = county_facts(cast, march)
    assert (facts["hazards.found"].value, facts["hazards.closed"].value) == (1, 0)


def test_schools_meeting_the_drill_frequency(cast, frozen, settings):
    a, b = cast.school_a, cast.school_b
    for month in (1, 3, 5, 9):
        DrillFactory(school=a, held_on=date(2026, month, 10))
    for month in (2, 4, 10):
        DrillFactory(school=b, held_on=date(2026, month, 10))
    schools = active_schools(cast.bureau)
    facts = county_facts(cast)
    # To 16 November: 11 months, two semesters' worth: 4 drills.
    meeting = facts["drills.schools_meeting_frequency"]
    assert meeting.value == 1 and "至少4次" in meeting.label
    assert facts["drills.active_schools"].value == schools
    assert facts["drills.frequency_rate"].value == percent(1, schools)
    first_half = county_facts(cast, Period.half_year(2026, 1))
    assert first_half["drills.schools_meeting_frequency"].value == 2  # 2 each by June
    settings.SAFETY_DRILLS_PER_SEMESTER = 3  # A held 3 by June, B 2
    stricter = county_facts(cast, Period.half_year(2026, 1))["drills.schools_meeting_frequency"]
    assert stricter.value == 1 and "至少3次" in stricter.label


def test_the_drill_frequency_is_two_a_semester():
    assert drills_required(Period.calendar_year(2026)) == 4
    assert drills_required(Period.school_year(2026)) == 4
    assert drills_required(Period.half_year(2026, 2)) == 2
    assert drills_required(Period.month(2026, 3)) == 1
    assert drills_required(YEAR.to_date(date(2026, 2, 10))) == 1
    assert drills_required(YEAR.to_date(date(2026, 4, 10))) == 2
    assert drills_required(YEAR, per_semester=1) == 2


def test_a_county_not_yet_live_has_no_self_inspection_due_in_the_citys_table(cast, frozen):
    go_live(cast.sibling_bureau, date(2026, 12, 1))
    november = Period.month(2026, 11)
    make_self_inspection(cast.school_a, date(2026, 11, 1))
    make_self_inspection(cast.sibling_school, date(2026, 11, 1))  # before its go-live
    units = unit_breakdown(
        scope=scope_for(cast.city_safety), period=YEAR, month=november, today=TODAY
    )
    assert units is not None
    parts = {u.key: u for u in units.rows}
    county, sibling = parts[f"bureau:{cast.bureau.pk}"], parts[f"bureau:{cast.sibling_bureau.pk}"]
    assert sibling.schools == active_schools(cast.sibling_bureau) > 0
    assert (sibling.due, sibling.submitted, sibling.missing) == (0, 0, 0)
    assert sibling.submitted_rate is None
    assert county.due == county.schools == active_schools(cast.bureau)
    assert county.missing == county.schools - 1
    assert units.total.due == sum(u.due for u in units.rows) < units.total.schools


def test_the_tables_closed_figure_is_the_facts_one(cast, frozen):
    march = Period.month(2026, 3)
    make_hazard_row(
        cast.school_a,
        reported_on=date(2026, 3, 20),
        status=Status.CLOSED,
        deadline=date(2026, 3, 30),
        rectified_on=date(2026, 3, 30),
        closed_at=local(date(2026, 4, 2)),
    )
    scope = scope_for(cast.safety_staff)
    units = unit_breakdown(scope=scope, period=march, month=march, today=TODAY)
    assert units is not None
    assert (units.total.found, units.total.closed) == (1, 0)
    assert county_facts(cast, march)["hazards.closed"].value == 0
