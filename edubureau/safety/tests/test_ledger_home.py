"""The ledger overview and the reusable coverage/expiry selectors, with frozen time."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from edubureau.orgs.models import Semester
from edubureau.orgs.selectors import current_semester
from edubureau.safety.selectors.ledger_coverage import (
    documents_expiring,
    drills_per_school,
    letters_by_tier,
    letters_coverage,
)
from edubureau.safety.tests import factories_ledgers as f

TODAY = date(2026, 3, 16)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 3, 16, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)


@pytest.fixture
def year(cast):
    return f.SchoolYearFactory(bureau=cast.bureau, start_year=2025)


def _all_tiers(school, year, signed=(1, 50, 800)):
    due = (1, 50, 800)
    for tier, d, s in zip(
        ("bureau_school", "school_staff", "school_parent"), due, signed, strict=True
    ):
        f.ResponsibilityLetterFactory(
            school=school, school_year=year, tier=tier, due_count=d, signed_count=s
        )


def test_it_counts_letters_per_school_and_tier(cast, year):
    _all_tiers(cast.school_a, year)
    f.ResponsibilityLetterFactory(
        school=cast.school_b, school_year=year, tier="school_staff", due_count=30, signed_count=20
    )
    coverage = {c.school: c for c in letters_coverage(user=cast.leader, school_year=year)}
    a, b = coverage[cast.school_a], coverage[cast.school_b]
    assert (a.due, a.signed, a.tiers, a.complete, a.rate) == (851, 851, 3, True, 100.0)
    assert (b.due, b.signed, b.tiers, b.short_tiers, b.complete) == (30, 20, 1, 1, False)
    tiers = {
        t.tier: (t.schools, t.due, t.signed)
        for t in letters_by_tier(user=cast.leader, school_year=year)
    }
    assert tiers == {
        "bureau_school": (1, 1, 1),
        "school_staff": (2, 80, 70),
        "school_parent": (1, 800, 800),
    }
    # A school user's view holds their own school only.
    assert [c.school for c in letters_coverage(user=cast.school_a_officer, school_year=year)] == [
        cast.school_a
    ]


def test_it_counts_drills_per_school_including_schools_without_any(cast):
    f.DrillFactory(school=cast.school_a, held_on=date(2026, 3, 2), participants=300)
    f.DrillFactory(school=cast.school_a, held_on=date(2026, 3, 9), participants=310, kind="flood")
    f.DrillFactory(school=cast.school_b, held_on=date(2025, 12, 1), participants=99)
    rows = {
        r.school: (r.drills, r.participants)
        for r in drills_per_school(user=cast.leader, since=date(2026, 2, 1), until=TODAY)
    }
    assert rows == {cast.school_a: (2, 610), cast.school_b: (0, 0)}


def test_it_takes_the_semester_from_the_bureau_calendar(cast, year):
    Semester.objects.create(
        school_year=year, term=2, starts_on=date(2026, 2, 23), ends_on=date(2026, 7, 10)
    )
    assert current_semester(user=cast.leader, today=TODAY) == (date(2026, 2, 23), date(2026, 7, 10))
    # Without a calendar: spring is February to August, autumn September to January.
    assert current_semester(user=cast.other_admin, today=TODAY) == (
        date(2026, 2, 1),
        date(2026, 8, 31),
    )
    assert current_semester(user=cast.other_admin, today=date(2026, 1, 5)) == (
        date(2025, 9, 1),
        date(2026, 1, 31),
    )


def test_it_lists_every_expiring_document_soonest_first(cast):
    f.VehicleFactory(school=cast.school_a, plate="川A11111", inspection_expires=date(2026, 4, 1))
    f.CanteenFactory(school=cast.school_b, name="学生食堂", licence_expires=date(2026, 3, 1))
    f.EmergencyPlanFactory(school=cast.school_a, name="防汛预案", review_due=date(2026, 4, 15))
    f.EmergencyPlanFactory(school=cast.school_a, name="消防预案", review_due=date(2026, 4, 16))
    found = documents_expiring(user=cast.leader, within_days=30, today=TODAY)
    assert [(d.ledger, d.subject, d.document, d.days_left) for d in found] == [
        ("canteen", "学生食堂", "食品经营许可证", -15),
        ("vehicle", "川A11111", "车辆检验", 16),
        ("plan", "防汛预案", "应急预案修订", 30),
    ]


def test_it_shows_the_overview_with_alerts(cast, client_for, year):
    _all_tiers(cast.school_a, year)
    _all_tiers(cast.school_b, year, signed=(1, 50, 700))
    f.DrillFactory(school=cast.school_a, held_on=date(2026, 3, 2), participants=640)
    f.DrillFactory(school=cast.school_b, held_on=date(2025, 12, 2), participants=300)
    f.VehicleFactory(
        school=cast.school_a, plate="川A11111", driver_licence_expires=date(2026, 3, 20)
    )
    f.CanteenFactory(school=cast.school_b, licence_expires=date(2026, 1, 1))
    response = client_for(cast.safety_staff).get(reverse("safety:ledger-home"))
    overview = response.context["overview"]
    assert [(d.document, d.days_left) for d in overview.expiring] == [
        ("食品经营许可证", -74),
        ("驾驶证", 4),
    ]
    assert [c.school for c in overview.letters_incomplete] == [cast.school_b]
    assert overview.schools_without_drill == [cast.school_b]
    cards = {c.spec.key: c for c in overview.cards}
    assert cards["drill"].count == 1 and dict(cards["drill"].figures) == {"参与人数": 640}
    assert cards["drill"].query == "since=2026-02-01&until=2026-08-31"
    assert dict(cards["letter"].figures)["签订率"] == "94.1%"
    assert cards["vehicle"].expiring == 1 and cards["canteen"].expiring == 1
    body = response.content.decode()
    assert "4天后到期" in body and "已过期74天" in body


def test_it_scopes_the_overview_to_the_users_school(cast, client_for, year):
    f.CanteenFactory(school=cast.school_b, licence_expires=date(2026, 1, 1))
    f.DrillFactory(school=cast.school_b, held_on=date(2026, 3, 2))
    response = client_for(cast.school_a_officer).get(reverse("safety:ledger-home"))
    overview = response.context["overview"]
    assert overview.expiring == []
    assert overview.schools_without_drill == [cast.school_a]
    assert overview.schools_total == 1
    assert cast.school_b.name not in response.content.decode()


def test_a_plan_due_for_revision_is_not_filed_under_certificates(cast, client_for, year):
    f.EmergencyPlanFactory(school=cast.school_a, name="防汛预案", review_due=date(2026, 4, 1))
    body = client_for(cast.school_a_officer).get(reverse("safety:ledger-home")).content.decode()
    reminders = body.split('data-testid="expiring"')[1].split("</section>")[0]
    assert "证照到期与预案修订" in reminders and 'data-label="到期事项">应急预案修订' in reminders
    assert "证件" not in reminders
    card = body.split('data-testid="ledger-card-plan"')[1].split("</div>\n  </div>")[0]
    assert "1项30天内到期或已过期" in card and "证件" not in card
