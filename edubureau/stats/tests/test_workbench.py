"""Statistics on the workbench: a school's return of the census year, the returns its
department has to review, the schools that have not reported — each count the rows
of the return list it links to."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from edubureau.safety.tests.factories_hazards import at
from edubureau.stats.models import ReturnStatus
from edubureau.stats.tests.factories_returns import census_year, file_return
from edubureau.stats.tests.people import stats_staff
from edubureau.testing.factories import SchoolFactory
from edubureau.testing.workbench import assert_workbench_matches

# Five days after the census year's returns were due (20 September).
pytestmark = pytest.mark.time_machine(at(date(2026, 9, 25)))


@pytest.fixture
def returns(cast):
    year = census_year()
    file_return(cast.school_b, year, {}, status=ReturnStatus.SUBMITTED)
    draft = SchoolFactory.create(bureau=cast.bureau, township=cast.township_a, name="甲镇二小")
    file_return(draft, year, {}, status=ReturnStatus.DRAFT)
    sent_back = SchoolFactory.create(bureau=cast.bureau, township=cast.township_b, name="乙镇二小")
    file_return(sent_back, year, {}, status=ReturnStatus.RETURNED)
    # The sibling county's school has not reported either: never 甲县's concern.
    cast.stats_staff = stats_staff(cast.bureau)
    return cast


def stats_items(items):
    return {key: item for key, item in items.items() if key.startswith("stats.")}


@pytest.mark.parametrize(
    "role",
    [
        "school_a_officer",
        "school_b_officer",
        "stats_staff",
        "township_staff",
        "inspector",
        "leader",
    ],
)
def test_every_count_equals_the_list_it_opens(returns, client_for, role):
    assert_workbench_matches(client_for(getattr(returns, role)))


def test_a_school_that_has_not_reported_is_told_it_is_late(returns, client_for):
    own = stats_items(assert_workbench_matches(client_for(returns.school_a_officer)))
    item = own["stats.own_return"]
    assert (item.count, item.urgency, item.due) == (1, "overdue", date(2026, 9, 20))
    assert "未填报" in item.detail
    assert item.url.endswith("status=none")


def test_a_submitted_return_shows_as_done(returns, client_for):
    own = stats_items(assert_workbench_matches(client_for(returns.school_b_officer)))
    assert own["stats.own_return"].urgency == "done"
    assert "✓" in own["stats.own_return"].label


def test_the_statistics_department_reviews_and_chases(returns, client_for):
    own = stats_items(assert_workbench_matches(client_for(returns.stats_staff)))
    assert {key: item.count for key, item in own.items()} == {
        "stats.returns_to_review": 1,
        "stats.schools_not_started": 1,  # school A (乙县's school is not counted)
        "stats.schools_draft": 1,
        "stats.returns_sent_back": 1,
    }


def test_a_township_sees_its_own_schools_that_have_not_reported(returns, client_for):
    own = stats_items(assert_workbench_matches(client_for(returns.township_staff)))
    assert {key: item.count for key, item in own.items()} == {
        "stats.schools_not_started": 1,
        "stats.schools_draft": 1,
    }


@pytest.mark.time_machine(at(date(2026, 9, 10)))
def test_before_the_due_date_nobody_is_late(returns, client_for):
    own = stats_items(assert_workbench_matches(client_for(returns.school_a_officer)))
    assert own["stats.own_return"].urgency == "due"
    assert stats_items(assert_workbench_matches(client_for(returns.township_staff))) == {}


@pytest.mark.parametrize(
    ("day", "chased"),
    [(date(2026, 12, 31), True), (date(2027, 1, 1), False), (date(2027, 8, 31), False)],
)
def test_missing_returns_are_chased_until_the_season_closes(returns, client_for, day, chased):
    # The census year 2026 runs to August 2027; past 31 December nobody is still
    # told, every day until September, that last autumn's return is missing.
    with time_machine.travel(at(day), tick=False):
        school = stats_items(assert_workbench_matches(client_for(returns.school_a_officer)))
        staff = stats_items(assert_workbench_matches(client_for(returns.stats_staff)))
        township = stats_items(assert_workbench_matches(client_for(returns.township_staff)))
    assert ("stats.own_return" in school) is chased
    assert ("stats.schools_not_started" in staff) is chased
    assert ("stats.schools_not_started" in township) is chased
    # What waits on the department itself stays: a return submitted late is reviewed.
    assert staff["stats.returns_to_review"].count == 1
