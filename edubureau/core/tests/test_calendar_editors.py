"""Who keeps the national holiday schedule: a single bureau's administrators, or on a
deployment shared by several bureaus, only the platform operator (a superuser)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from edubureau.core.models import CalendarYear
from edubureau.core.services import calendar_can_edit, calendar_text_parse, calendar_year_save
from edubureau.orgs.models import Role
from edubureau.testing.factories import BureauFactory, UserFactory

SCHEDULE = "2027-01-01 元旦 放假"


def _save(actor):
    entries = calendar_text_parse(text=SCHEDULE, year=2027)
    return calendar_year_save(actor=actor, year=2027, entries=entries)


@pytest.fixture
def county(db):
    bureau = BureauFactory()
    return UserFactory(bureau=bureau, role=Role.ADMINISTRATOR, username="county_admin")


def test_a_single_bureaus_administrator_keeps_the_schedule(county, client_for):
    assert calendar_can_edit(county)
    _save(county)
    assert CalendarYear.objects.filter(year=2027).exists()
    page = client_for(county).get(reverse("core:calendar"))
    assert 'data-testid="calendar-shared"' not in page.content.decode()


def test_on_a_shared_deployment_only_the_platform_operator_does(county, client_for):
    BureauFactory()  # a second bureau joins the deployment
    assert not calendar_can_edit(county)
    with pytest.raises(PermissionDenied, match="由平台运维人员统一录入"):
        _save(county)
    client = client_for(county)
    response = client.post(
        reverse("core:calendar-year", kwargs={"year": 2027}), {"schedule": SCHEDULE}
    )
    assert response.status_code == 403
    page = client.get(reverse("core:calendar-year", kwargs={"year": 2027})).content.decode()
    assert "由平台运维人员统一录入" in page and "<textarea" not in page
    assert not CalendarYear.objects.exists()

    operator = UserFactory(bureau=None, role=Role.ADMINISTRATOR, is_superuser=True)
    assert calendar_can_edit(operator)
    _save(operator)
    assert CalendarYear.objects.filter(year=2027).exists()


def test_other_roles_never_keep_it(county):
    leader = UserFactory(bureau=county.bureau, role=Role.BUREAU_LEADER)
    assert not calendar_can_edit(leader)
    with pytest.raises(PermissionDenied, match="只有系统管理员"):
        _save(leader)
