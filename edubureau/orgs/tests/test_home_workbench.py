"""The home page is every role's workbench, and every count on it is the row count of
the list it links to (issue 12, item 1): opened as each role of the cast, every
item's link is followed and the list's declared total compared."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from edubureau.rectification.lifecycle import rectification_plan, rectification_verify
from edubureau.rectification.models import Severity, Status
from edubureau.safety.models import Hazard, InspectionStatus
from edubureau.safety.tests.factories_hazards import (
    PLAN_BY_DEADLINE,
    at,
    hazard_in_state,
    make_hazard,
)
from edubureau.safety.tests.factories_inspections import make_campaign, make_self_inspection
from edubureau.safety.tests.factories_ledgers import VehicleFactory
from edubureau.testing.dates import today
from edubureau.testing.factories import SchoolFactory
from edubureau.testing.workbench import assert_workbench_matches, home_items

# A Monday after November 2026's self-inspection due date (the 5th working day, the 6th).
pytestmark = pytest.mark.time_machine(at(date(2026, 11, 16)))


@pytest.fixture
def county(cast):
    """School A with one hazard in every state a workbench asks about, school B and
    the sibling county with rows that must never be counted for school A's users."""
    make_self_inspection(cast.school_a, status=InspectionStatus.DRAFT)
    make_self_inspection(cast.school_b, status=InspectionStatus.SUBMITTED)
    # October's was sent back and is still to be resubmitted; school B's September one too.
    make_self_inspection(cast.school_a, period=date(2026, 10, 1), status=InspectionStatus.RETURNED)
    make_self_inspection(cast.school_b, period=date(2026, 9, 1), status=InspectionStatus.RETURNED)
    make_hazard(cast, description="待制定方案")
    hazard_in_state(cast, Status.PLANNED, severity=Severity.CRITICAL)
    sent_back = hazard_in_state(cast, Status.RECTIFIED)
    rectification_verify(actor=cast.safety_staff, obj=sent_back, accept=False, reason="未更换")
    hazard_in_state(cast, Status.RECTIFIED)
    hazard_in_state(cast, Status.VERIFIED)
    hazard_in_state(cast, Status.CLOSED, severity=Severity.MAJOR)  # closed: counted nowhere
    late = [make_hazard(cast, reported_on=today() - timedelta(days=60)) for _ in range(3)]
    for hazard in late:
        rectification_plan(actor=cast.school_a_officer, obj=hazard, plan=PLAN_BY_DEADLINE)
    Hazard.objects.filter(pk=late[0].pk).update(overdue_level=4)
    Hazard.objects.filter(pk=late[1].pk).update(overdue_level=5)
    make_hazard(cast, school=cast.school_b, description="乙校待制定方案", severity=Severity.MAJOR)
    hazard_in_state(cast, Status.RECTIFIED, school=cast.school_b)
    make_hazard(
        cast, school=cast.sibling_school, actor=cast.sibling_safety, severity=Severity.MAJOR
    )
    VehicleFactory.create(school=cast.school_a, insurance_expires=today() + timedelta(days=10))
    VehicleFactory.create(school=cast.school_b, inspection_expires=today() - timedelta(days=3))
    make_campaign(cast.bureau, schools=[cast.school_a, cast.school_b], name="冬季消防专项检查")
    ended = today() - timedelta(days=40)
    make_campaign(cast.bureau, schools=[cast.school_a], starts_on=ended, ends_on=ended)
    make_campaign(cast.sibling_bureau, schools=[cast.sibling_school], name="乙县专项检查")
    return cast


ROLES = [
    "school_a_officer",
    "school_a_teacher",
    "school_b_officer",
    "safety_staff",
    "office_staff",
    "leader",
    "inspector",
    "township_staff",
    "admin",
    "city_safety",
    "city_leader",
    "province_leader",
    "sibling_safety",
]


@pytest.mark.parametrize("role", ROLES)
def test_every_count_equals_the_list_it_opens(county, client_for, role):
    assert_workbench_matches(client_for(getattr(county, role)))


def test_a_school_sees_its_own_month_hazards_and_documents(county, client_for):
    items = assert_workbench_matches(client_for(county.school_a_officer))
    counts = {key: item.count for key, item in items.items() if key.startswith("safety.")}
    # Only school A's rows: school B's reported hazard and expired vehicle are not here.
    assert counts == {
        "safety.self_inspection": 1,
        "safety.self_inspections_returned": 1,
        "safety.hazards_overdue": 3,
        "safety.hazards_to_plan": 1,
        "safety.hazards_sent_back": 1,
        "safety.hazards_to_rectify": 5,
        "safety.expiring.vehicle": 1,
    }
    own = items["safety.self_inspection"]
    assert own.urgency == "overdue" and own.due == date(2026, 11, 6)
    assert "草稿未提交" in own.detail
    assert own.action_url == reverse("safety:self-inspection-new")
    # The most urgent first.
    urgencies = [i.urgency for i in home_items(client_for(county.school_a_officer))]
    assert urgencies == sorted(urgencies, key=["overdue", "due", "info", "done"].index)


def test_a_submitted_month_shows_as_done(county, client_for):
    items = assert_workbench_matches(client_for(county.school_b_officer))
    own = items["safety.self_inspection"]
    assert own.urgency == "done" and own.count == 1 and "✓" in own.label
    assert items["safety.hazards_to_plan"].count == 1
    assert items["safety.expiring.vehicle"].count == 1


def test_the_safety_department_gets_its_queues(county, client_for):
    items = assert_workbench_matches(client_for(county.safety_staff))
    counts = {key: item.count for key, item in items.items()}
    assert counts["safety.hazards_to_verify"] == 2  # school A's and school B's
    assert counts["safety.hazards_to_close"] == 1
    assert counts["safety.hazards_supervised"] == 1
    assert counts["safety.hazards_overdue"] == 3
    assert counts["safety.schools_missing"] == 1  # school A; B submitted
    assert counts["safety.expiring.vehicle"] == 2
    assert counts["safety.campaigns_running"] == 1  # not the ended one, nor 乙县's
    # 较大 and 重大 hazards are followed until closed: school B's 较大 (not 乙县's, not
    # school A's closed one) and school A's 重大.
    assert counts["safety.hazards_major_open"] == 1
    assert counts["safety.hazards_critical_open"] == 1
    assert items["safety.hazards_critical_open"].urgency == "overdue"


def test_a_leader_sees_what_was_escalated_to_them(county, client_for):
    items = assert_workbench_matches(client_for(county.leader))
    assert items["safety.hazards_escalated"].count == 2  # levels 4 and 5
    assert items["safety.hazards_supervised"].count == 1
    assert items["safety.hazards_major_open"].count == 1
    assert items["safety.hazards_critical_open"].count == 1


def test_an_inspector_sees_their_schools_open_items(county, client_for):
    items = assert_workbench_matches(client_for(county.inspector))
    assert items["safety.hazards_to_verify"].count == 1  # school A only
    assert items["safety.schools_missing"].count == 1
    assert "我督导的学校" in client_for(county.inspector).get(reverse("home")).content.decode()


def test_a_county_sees_nothing_of_its_sibling(county, client_for):
    items = assert_workbench_matches(client_for(county.sibling_safety))
    # Its one school owes the month, its own campaign runs; 甲县's rows are not counted.
    assert {key: item.count for key, item in items.items() if key.startswith("safety.")} == {
        "safety.schools_missing": 1,
        "safety.campaigns_running": 1,
        "safety.hazards_major_open": 1,  # its own 较大 hazard
    }


def test_a_count_that_drifts_from_its_list_fails(county, client_for, monkeypatch):
    """The check is not vacuous: a contributor counting one row too many is caught."""
    from edubureau.core import workbench
    from edubureau.core.workbench import WorkItem

    real = workbench.workbench._contributors["safety"]

    def off_by_one(user, day):
        return [
            WorkItem(**{**item.__dict__, "count": item.count + 1}) for item in real.fn(user, day)
        ]

    monkeypatch.setitem(
        workbench.workbench._contributors, "safety", real.__class__("safety", off_by_one, 100)
    )
    with pytest.raises(AssertionError, match="workbench says"):
        assert_workbench_matches(client_for(county.safety_staff))


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as run:
        assert client.get(reverse("home")).status_code == 200
    return len(run.captured_queries)


@pytest.mark.parametrize(
    "role", ["school_a_officer", "safety_staff", "leader", "inspector", "township_staff"]
)
def test_the_workbench_costs_a_bounded_number_of_queries(
    county, client_for, role, django_assert_max_num_queries
):
    """A handful per module, each module's counts in as few queries as its lists allow
    (measured for the whole page on 2026-12-05, with safety, statistics, plans and
    reports: 17 for a school, 16 for the safety department, 9 for a leader, 11 for an
    inspector or a township, 7 of them the session's, the account's, the menu's and the
    session's save; safety's hazard items are one query, they were one each: 23, 24,
    16, 17), and none per school: more schools with more rows cost the same."""
    client = client_for(getattr(county, role))
    with django_assert_max_num_queries(20):
        assert client.get(reverse("home")).status_code == 200
    before = _queries(client)
    for n in range(5):
        school = SchoolFactory.create(bureau=county.bureau, township=county.township_a)
        county.inspector.assigned_schools.add(school)
        make_hazard(county, school=school, reported_on=today() - timedelta(days=60))
        VehicleFactory.create(school=school, insurance_expires=today())
        if n % 2:
            make_self_inspection(school, status=InspectionStatus.RETURNED)
    assert _queries(client) == before


def test_a_campaign_team_member_sees_the_running_campaigns_they_inspect(cast, client_for):
    make_campaign(
        cast.bureau, schools=[cast.school_a], name="防溺水专项检查", team=[cast.inspector]
    )
    ended = today() - timedelta(days=40)
    make_campaign(
        cast.bureau, schools=[cast.school_a], starts_on=ended, ends_on=ended, team=[cast.inspector]
    )
    make_campaign(cast.bureau, schools=[cast.school_b], name="别人的检查")  # not on its team
    items = assert_workbench_matches(client_for(cast.inspector))
    assert items["safety.campaigns_mine"].count == 1
    page = client_for(cast.inspector).get(items["safety.campaigns_mine"].url).content.decode()
    assert "防溺水专项检查" in page and "别人的检查" not in page
    # Nobody on no team is shown the item.
    assert "safety.campaigns_mine" not in assert_workbench_matches(client_for(cast.leader))
