"""safety_facts: every number equals a count made here, directly from the rows."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from statistics import median
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.urls import resolve
from django.utils import timezone

from edubureau.core.facts import Fact, Period, display, percent
from edubureau.orgs.models import School
from edubureau.orgs.scoping import scope_for
from edubureau.rectification.models import Status
from edubureau.safety.facts import (
    CloseDays,
    Links,
    close_days,
    late_fact,
    letter_facts,
    safety_facts,
    safety_facts_for_user,
)
from edubureau.safety.models import (
    Canteen,
    Drill,
    EducationActivity,
    Hazard,
    Inspection,
    ResponsibilityLetter,
    SecurityResources,
    Vehicle,
)
from edubureau.safety.tests.factories_dashboard import local, make_hazard_row
from edubureau.safety.tests.scenario_2026 import TODAY, build_dataset

YEAR = Period.calendar_year(2026)
OPEN = (Status.REPORTED, Status.PLANNED)


@pytest.fixture
def data(cast):
    with time_machine.travel(local(TODAY), tick=False):
        yield build_dataset(cast)


@pytest.fixture
def facts(data):
    with time_machine.travel(local(TODAY), tick=False):
        return safety_facts(scope=scope_for(data.cast.leader), period=YEAR)


def hazards_of(bureau) -> list[Hazard]:
    return list(Hazard.objects.filter(school__bureau=bureau))


def found_in(hazards: list[Hazard], period: Period) -> list[Hazard]:
    return [h for h in hazards if period.start <= h.reported_on <= period.end]


def closed_by_end(hazards: list[Hazard], period: Period) -> list[Hazard]:
    return [
        h
        for h in found_in(hazards, period)
        if h.status == Status.CLOSED and timezone.localdate(h.closed_at) <= period.end
    ]


def closed_within(hazards: list[Hazard], period: Period) -> list[Hazard]:
    return [
        h
        for h in hazards
        if h.status == Status.CLOSED and timezone.localdate(h.closed_at) in period
    ]


def overdue(hazards: list[Hazard], period: Period) -> list[Hazard]:
    return [
        h
        for h in found_in(hazards, period)
        if h.status in OPEN and h.deadline is not None and h.deadline < TODAY
    ]


def test_it_counts_hazards_found_closed_and_overdue_as_the_rows_say(data, facts):
    rows = hazards_of(data.cast.bureau)
    for key, expected in (
        ("hazards.found", found_in(rows, YEAR)),
        ("hazards.closed", closed_by_end(rows, YEAR)),
        ("hazards.overdue", overdue(rows, YEAR)),
    ):
        assert facts[key].value == len(expected), key
        by_severity = Counter(h.severity for h in expected)
        assert {f.key.rsplit(".", 1)[1]: f.value for f in facts[key].breakdown} == {
            s: by_severity.get(s, 0) for s in ("minor", "major", "critical")
        }
        by_category = Counter(h.category_key for h in expected)
        assert {
            f.key.rsplit(".", 1)[1]: f.value for f in facts[f"{key}_by_category"].breakdown
        } == dict(by_category)
    # The dataset is varied enough to mean something.
    assert (facts["hazards.found"].value, facts["hazards.closed"].value) == (12, 4)
    assert facts["hazards.overdue"].value == 2


def test_it_computes_the_rectification_rate_as_an_exact_decimal(data, facts):
    rows = hazards_of(data.cast.bureau)
    closed, found = len(closed_by_end(rows, YEAR)), len(found_in(rows, YEAR))
    rate = facts["hazards.rectification_rate"].value
    assert isinstance(rate, Decimal)
    assert rate == Decimal(closed) * 100 / Decimal(found)
    assert facts["hazards.rectification_rate"].display == "33.3"


def test_it_takes_the_median_days_to_close_over_hazards_closed_in_the_period(data, facts):
    rows = hazards_of(data.cast.bureau)
    days = [
        (timezone.localdate(h.closed_at) - h.reported_on).days for h in closed_within(rows, YEAR)
    ]
    assert facts["hazards.median_days_to_close"].value == Decimal(str(median(days)))
    assert facts["hazards.closed_count_in_period"].value == len(days) == 5


def test_it_takes_the_mean_of_the_middle_two_for_an_even_count_of_closed_hazards(data):
    # Five close-outs in 2026; a sixth, closed 1 day after its report, makes the count even.
    make_hazard_row(
        data.cast.school_a,
        reported_on=date(2026, 4, 1),
        status=Status.CLOSED,
        deadline=date(2026, 4, 10),
        rectified_on=date(2026, 4, 2),
        closed_at=local(date(2026, 4, 2)),
    )
    closed = closed_within(hazards_of(data.cast.bureau), YEAR)
    days = [(timezone.localdate(h.closed_at) - h.reported_on).days for h in closed]
    scope = scope_for(data.cast.leader)
    result = close_days(scope=scope, period=YEAR)
    assert (result.count, len(days)) == (6, 6)
    assert result.median == Decimal(str(median(days)))
    nothing = scope_for(data.cast.other_admin)  # another county: none of these
    assert close_days(scope=nothing, period=YEAR) == CloseDays(0, None)


def test_close_outs_count_by_their_local_date_around_midnight(data):
    # Just after local midnight is still the previous day in UTC, and the reverse.
    school = data.cast.school_a
    edges = [
        (date(2025, 12, 30), local(date(2026, 1, 1), 0, 10)),  # in 2026 (UTC: 2025-12-31)
        (date(2026, 12, 20), local(date(2026, 12, 31), 23, 50)),  # in 2026
        (date(2026, 12, 21), local(date(2027, 1, 1), 0, 10)),  # in 2027 (UTC: 2026-12-31)
    ]
    for reported_on, closed_at in edges:
        make_hazard_row(
            school,
            reported_on=reported_on,
            status=Status.CLOSED,
            deadline=reported_on,
            rectified_on=reported_on,
            closed_at=closed_at,
        )
    rows = hazards_of(data.cast.bureau)
    scope = scope_for(data.cast.leader)
    with time_machine.travel(local(TODAY), tick=False):
        facts = safety_facts(scope=scope, period=YEAR)
    within = closed_within(rows, YEAR)
    assert close_days(scope=scope, period=YEAR).count == len(within) == 5 + 2
    assert facts["hazards.closed"].value == len(closed_by_end(rows, YEAR)) == 4 + 1
    late = [h for h in within if h.rectified_on and h.rectified_on > h.deadline]
    assert facts["hazards.closed_late"].value == len(late)


def test_it_leaves_out_the_signed_schools_count_when_not_asked(data):
    scope = scope_for(data.cast.leader)
    links = Links(scope={})
    full = {f.key: f.value for f in letter_facts(scope=scope, on=TODAY, links=links)}
    short = {
        f.key: f.value for f in letter_facts(scope=scope, on=TODAY, links=links, with_schools=False)
    }
    assert "letters.schools" in full and "letters.schools" not in short
    assert short == {k: v for k, v in full.items() if k != "letters.schools"}
    assert short["letters.signed"] > 0


def test_it_dates_a_close_out_by_the_local_day_not_utc(data, facts):
    """Closed at 00:30 on 1 January 2026 in Shanghai (still 2025 in UTC): a 2026 close-out."""
    previous = Period.calendar_year(2025)
    rows = hazards_of(data.cast.bureau)
    assert facts["hazards.closed"].previous == len(closed_by_end(rows, previous)) == 2
    assert facts["hazards.closed_count_in_period"].previous == 2


def test_it_groups_repeats_by_item_and_late_closures_by_township(data, facts):
    rows = found_in(hazards_of(data.cast.bureau), YEAR)
    repeats = Counter(h.item_key for h in rows if h.repeat_of_id)
    fact = facts["hazards.repeats"]
    assert fact.value == sum(repeats.values()) == 3
    assert {f.key.split("hazards.repeats.")[1]: f.value for f in fact.breakdown} == dict(repeats)
    assert fact.breakdown[0].label == "灭火器配置齐全、压力正常、在有效期内"
    late = Counter(
        h.school.township.name
        for h in closed_within(hazards_of(data.cast.bureau), YEAR)
        if h.rectified_on and h.deadline and h.rectified_on > h.deadline
    )
    assert {f.label: f.value for f in facts["hazards.closed_late"].breakdown} == dict(late)
    assert facts["hazards.closed_late"].value == 2


def test_late_closure_links_filter_on_the_township_with_or_without_a_scope(data):
    everything = scope_for(data.cast.leader)
    for scope in ({}, {"school": data.cast.school_a.pk}, {"township": data.cast.township_a.pk}):
        links = Links(scope=scope)
        fact = late_fact(scope=everything, period=YEAR, links=links)
        assert fact.breakdown
        for f in fact.breakdown:
            township = int(f.key.rsplit(".", 1)[1])
            expected = links.hazards(
                status="closed",
                closed_since="2026-01-01",
                closed_until="2026-12-31",
                late="1",
                township=township,
            )
            assert f.source == expected
            assert resolve(urlsplit(f.source).path).url_name == "hazard-list"
            assert parse_qs(urlsplit(f.source).query)["township"] == [str(township)]


def test_it_counts_self_inspections_due_submitted_and_on_time(data, facts):
    active = list(School.objects.filter(bureau=data.cast.bureau, is_active=True))
    months = [date(2026, m, 1) for m in range(1, 7)]  # begun by 15 June
    rows = [
        i
        for i in Inspection.objects.filter(kind="self", school__in=active, status="submitted")
        if i.period in months
    ]
    on_time = [i for i in rows if timezone.localdate(i.submitted_at) <= i.due_on]
    assert facts["inspections.self.due"].value == len(active) * len(months) == 24
    assert facts["inspections.self.submitted"].value == len(rows) == 15
    assert facts["inspections.self.on_time"].value == len(on_time) == 14
    assert facts["inspections.self.missing"].value == 24 - 15
    assert facts["inspections.self.on_time_rate"].value == percent(14, 24)
    march = facts["inspections.self.submitted"].part("2026-03")
    assert march is not None and march.value == 2  # school B missed March


def test_it_counts_inspections_by_kind_and_campaign_coverage(data, facts):
    done = Counter(
        i.kind
        for i in Inspection.objects.filter(school__bureau=data.cast.bureau, status="submitted")
        if i.inspected_on in YEAR
    )
    by_kind = {f.key.rsplit(".", 1)[1]: f.value for f in facts["inspections.by_kind"].breakdown}
    assert {k: v for k, v in by_kind.items() if v} == dict(done)
    assert facts["inspections.campaigns"].value == 1
    assert facts["inspections.campaign_schools"].value == data.campaign.schools.count() == 2
    assert facts["inspections.campaigns"].previous == 1
    assert facts["inspections.campaign_schools"].previous == 3


def test_it_sums_drills_education_and_letters(data, facts):
    bureau = data.cast.bureau
    drills = [d for d in Drill.objects.filter(school__bureau=bureau) if d.held_on in YEAR]
    assert facts["drills.count"].value == len(drills) == 3
    assert facts["drills.participants"].value == sum(d.participants for d in drills)
    activities = [
        a for a in EducationActivity.objects.filter(school__bureau=bureau) if a.held_on in YEAR
    ]
    assert facts["education.sessions"].value == sum(a.sessions for a in activities)
    assert facts["education.participants"].value == sum(a.participants for a in activities)
    # 2026 ends in the 2026—2027 school year.
    letters = list(ResponsibilityLetter.objects.filter(school_year=data.years[2026]))
    signed, due = sum(x.signed_count for x in letters), sum(x.due_count for x in letters)
    assert (facts["letters.signed"].value, facts["letters.due"].value) == (signed, due)
    assert facts["letters.rate"].value == percent(signed, due)
    signed_schools = {x.school_id for x in letters if x.tier == "bureau_school" and x.signed_count}
    assert facts["letters.schools"].value == len(signed_schools) == 1
    last_year = list(ResponsibilityLetter.objects.filter(school_year=data.years[2025]))
    assert facts["letters.signed"].previous == sum(x.signed_count for x in last_year) == 670
    staff = facts["letters.rate"].part("school_staff")
    assert staff is not None and staff.previous == percent(78, 80)


def test_it_reports_registries_as_they_stand(data, facts):
    bureau = data.cast.bureau
    vehicles = list(Vehicle.objects.filter(school__bureau=bureau, is_active=True))
    limit = date(2026, 7, 15)
    expiring = [
        v
        for v in vehicles
        if min(v.driver_licence_expires, v.inspection_expires, v.insurance_expires or limit)
        <= limit
    ]
    assert facts["vehicles.count"].value == len(vehicles) == 3
    assert facts["vehicles.gps"].value == sum(1 for v in vehicles if v.gps_fitted)
    assert facts["vehicles.expiring"].value == len(expiring) == 2
    canteens = list(Canteen.objects.filter(school__bureau=bureau, is_active=True))
    a_grade = sum(1 for c in canteens if c.grade == "A")
    assert facts["canteens.a_grade"].value == a_grade == 2
    assert facts["canteens.a_grade_share"].value == percent(a_grade, len(canteens))
    security = list(SecurityResources.objects.filter(school__bureau=bureau))
    assert facts["security.guards"].value == sum(s.guards_full_time for s in security)
    assert facts["security.cameras"].value == sum(s.cameras for s in security)
    assert facts["security.one_key_alarm"].value == sum(1 for s in security if s.one_key_alarm)
    assert facts["vehicles.count"].previous is None  # no year-over-year for registries


def test_it_gives_last_years_values_for_comparison(data, facts):
    # 2026 is running on 15 June: it is compared with 1 January to 15 June 2025, not
    # with the whole of 2025 (whose September hazard and October drill come later).
    previous = Period(date(2025, 1, 1), date(2025, 6, 15), "2025年1月1日至6月15日", "to_date")
    assert facts.previous_period == previous
    assert facts.period == YEAR and facts.as_of == TODAY
    rows = hazards_of(data.cast.bureau)
    found = facts["hazards.found"]
    assert found.previous == len(found_in(rows, previous)) == 2
    assert len(found_in(rows, Period.calendar_year(2025))) == 4
    assert found.change == 12 - 2
    rate = facts["hazards.rectification_rate"]
    assert rate.previous == percent(len(closed_by_end(rows, previous)), 2) == 100
    assert rate.value == percent(4, 12)
    assert display(rate.change) == "-66.7"  # percentage points
    assert facts["education.sessions"].previous == 5
    major = found.part("major")
    assert major is not None and major.previous == 1
    # The bureau has no go-live set: a family without a row in the span (no drill
    # until October 2025) is not compared, rather than compared with 0.
    assert facts["drills.count"].previous is None
    assert facts["drills.schools_meeting_frequency"].previous is None
    assert facts["drills.count"].value and facts["drills.count"].change is None


def test_it_links_every_fact_to_a_list_that_exists(data, facts):
    def walk(fact: Fact):
        yield fact
        for item in fact.breakdown:
            yield from walk(item)

    for fact in facts.values():
        for item in walk(fact):
            assert item.source.startswith("/safety/"), item.key
            resolve(item.source.split("?")[0])  # raises if no such list
    assert facts["hazards.overdue"].source == (
        "/safety/hazards/?since=2026-01-01&until=2026-12-31&overdue=1"
    )
    assert "status=closed" in facts["hazards.closed"].source
    assert "closed_until=2026-12-31" in facts["hazards.closed"].source


def test_it_counts_only_the_schools_in_scope(data):
    with time_machine.travel(local(TODAY), tick=False):
        mine = safety_facts_for_user(user=data.cast.school_a_officer, period=YEAR)
        scoped = safety_facts(
            scope=scope_for(data.cast.leader, school=data.cast.school_a), period=YEAR
        )
    rows = [h for h in hazards_of(data.cast.bureau) if h.school_id == data.cast.school_a.pk]
    assert mine["hazards.found"].value == len(found_in(rows, YEAR)) == 3
    assert mine["drills.count"].value == 2
    assert mine["inspections.self.due"].value == 6
    assert scoped["hazards.found"].value == 3
    assert f"school={data.cast.school_a.pk}" in scoped["hazards.found"].source


def test_it_runs_a_fixed_number_of_queries(data, django_assert_max_num_queries):
    scope = scope_for(data.cast.leader)
    # 43 today: both periods' facts, the go-live and, as the bureau has none set, the
    # six "has the previous span rows" checks of the comparison rule.
    with time_machine.travel(local(TODAY), tick=False), django_assert_max_num_queries(45):
        safety_facts(scope=scope, period=YEAR)
