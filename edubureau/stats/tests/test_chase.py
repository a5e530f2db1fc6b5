"""催报: schools whose return is not submitted are reminded, at most once a day, by the
statistics department's button or the daily job from a few days before the due date."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from edubureau.jobs.scheduler import registry
from edubureau.notifications.models import Notification
from edubureau.rectification.lifecycle import NotAllowed
from edubureau.stats.chase import CHASE_TOPIC, returns_chase, returns_chase_due
from edubureau.stats.models import ReturnStatus
from edubureau.stats.tests.factories import StatReturnFactory
from edubureau.stats.tests.people import stats_staff

pytestmark = pytest.mark.django_db


def chased_schools():
    return set(Notification.objects.filter(topic=CHASE_TOPIC).values_list("school_id", flat=True))


@time_machine.travel(date(2026, 9, 22), tick=False)  # a Tuesday, after the due date
def test_the_button_reminds_unsubmitted_schools_once_a_day(cast, client_for):
    staff = stats_staff(cast.bureau)
    StatReturnFactory.create(
        school=cast.school_b, school_year__start_year=2026, status=ReturnStatus.SUBMITTED
    )
    result = returns_chase(actor=staff, start_year=2026, today=date(2026, 9, 22))
    assert [s.pk for s in result.schools] == [cast.school_a.pk]
    note = Notification.objects.get(recipient=cast.school_a_officer, topic=CHASE_TOPIC)
    assert note.title == "【催报】请尽快上报2026年教育事业统计报表"
    assert "报送截止日已过2026年09月20日" in note.body
    assert not Notification.objects.filter(recipient=cast.school_a_teacher).exists()  # read-only
    again = returns_chase(actor=staff, start_year=2026, today=date(2026, 9, 22))
    assert again.schools == [] and [s.pk for s in again.skipped_today] == [cast.school_a.pk]
    # Only the statistics department chases.
    with pytest.raises(NotAllowed):
        returns_chase(actor=cast.safety_staff, start_year=2026, today=date(2026, 9, 22))
    response = client_for(cast.safety_staff).post(reverse("stats:return-chase"), {"year": 2026})
    assert response.status_code == 403


@time_machine.travel(date(2026, 9, 22), tick=False)
def test_township_staff_chase_their_townships_schools(cast, client_for):
    assert cast.township_staff.township == cast.township_a
    client = client_for(cast.township_staff)
    assert 'data-testid="chase-returns"' in client.get(reverse("stats:return-list")).text
    response = client.post(reverse("stats:return-chase"), {"year": 2026})
    assert response.status_code == 302
    assert chased_schools() == {cast.school_a.pk}


@time_machine.travel(date(2026, 9, 22), tick=False)
def test_a_county_chases_its_own_schools_only(cast):
    city_staff = stats_staff(cast.city)
    returns_chase(actor=city_staff, start_year=2026, today=date(2026, 9, 22))
    assert chased_schools() <= {cast.city_school.pk}


def test_the_daily_job_starts_three_days_before_the_due_date(cast):
    assert registry.get("stats.chase_returns")
    with time_machine.travel(date(2026, 9, 16), tick=False):  # Wednesday, 4 days before
        assert not returns_chase_due(today=date(2026, 9, 16)).ran
    with time_machine.travel(date(2026, 9, 17), tick=False):  # Thursday, 3 days before
        run = returns_chase_due(today=date(2026, 9, 17))
    assert run.ran and run.start_year == 2026
    assert {cast.school_a.pk, cast.school_b.pk} <= chased_schools()
    with time_machine.travel(date(2026, 9, 19), tick=False):  # Saturday
        assert not returns_chase_due(today=date(2026, 9, 19)).ran
