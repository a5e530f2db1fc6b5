"""Campaigns (spot / special / supervisory checks): scope, team, progress."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from edubureau.orgs.models import Role, SchoolKind
from edubureau.safety.models import Campaign, Hazard, Inspection, InspectionKind, InspectionStatus
from edubureau.safety.tests.factories_inspections import (
    at,
    form_data,
    items_for,
    make_campaign,
    small_checklist,
)
from edubureau.testing.cast import SCHOOL_B_MARKER
from edubureau.testing.factories import SchoolFactory, UserFactory

pytestmark = pytest.mark.time_machine(at(date(2026, 9, 8)))

CREATE = reverse("safety:campaign-create")


def campaign_form(**overrides):
    data = {
        "name": "2026年秋季开学前安全专项检查",
        "kind": InspectionKind.SPECIAL,
        "theme": "开学前",
        "starts_on": "2026-09-01",
        "ends_on": "2026-09-20",
    }
    data.update(overrides)
    return data


def test_it_creates_a_campaign_with_schools_picked_by_township_and_one_by_one(cast, client_for):
    small_checklist(cast.bureau)
    kindergarten = SchoolFactory(
        bureau=cast.bureau,
        township=cast.township_a,
        kind=SchoolKind.KINDERGARTEN,
        name="甲镇幼儿园",
    )
    data = campaign_form(
        townships=[cast.township_a.pk],
        kinds=[SchoolKind.PRIMARY],
        schools=[cast.school_b.pk],
        team=[cast.office_staff.pk, cast.inspector.pk],
    )
    response = client_for(cast.safety_staff).post(CREATE, data)
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    # Township A's primary schools, plus school B picked by hand; not A's kindergarten.
    assert set(campaign.schools.all()) == {cast.school_a, cast.school_b}
    assert kindergarten not in campaign.schools.all()
    assert set(campaign.team.all()) == {cast.office_staff, cast.inspector}
    assert campaign.checklist.is_current


def test_it_refuses_a_campaign_without_scope_or_with_bad_dates(cast, client_for):
    client = client_for(cast.safety_staff)
    response = client.post(CREATE, campaign_form())
    assert response.status_code == 400 and "请选择检查范围" in response.text
    bad = campaign_form(schools=[cast.school_a.pk], ends_on="2026-08-01")
    response = client.post(CREATE, bad)
    assert response.status_code == 400 and "结束日期不能早于开始日期" in response.text
    assert not Campaign.objects.exists()


def test_it_lets_only_the_safety_department_create_campaigns(cast, client_for):
    for user in (cast.office_staff, cast.leader, cast.school_a_officer, cast.inspector):
        assert client_for(user).get(CREATE).status_code == 403
        data = campaign_form(schools=[cast.school_a.pk])
        assert client_for(user).post(CREATE, data).status_code == 403
    assert not Campaign.objects.exists()


def test_it_lets_a_team_member_inspect_a_school_and_shows_progress(cast, client_for):
    campaign = make_campaign(
        cast.bureau, schools=[cast.school_a, cast.school_b], team=[cast.office_staff]
    )
    client = client_for(cast.office_staff)
    start = client.post(reverse("safety:campaign-inspect", args=[campaign.pk, cast.school_a.pk]))
    inspection = Inspection.objects.get()
    assert start["Location"] == reverse("safety:inspection-edit", args=[inspection.pk])
    assert (inspection.kind, inspection.campaign, inspection.period) == (
        InspectionKind.SPECIAL,
        campaign,
        None,
    )
    items = items_for(inspection.checklist, cast.school_a)
    answers = {
        "fire_extinguishers": "pass",
        "fire_exits": {"r": "hazard", "d": "后门安全出口被课桌堵塞", "l": "综合楼后门"},
        "bld_railings": "pass",
    }
    response = client.post(start["Location"], form_data(items, answers, action="submit"))
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.SUBMITTED
    hazard = Hazard.objects.get()
    assert hazard.inspection == inspection and hazard.reported_by == cast.office_staff
    # Starting again finds the same inspection.
    client.post(reverse("safety:campaign-inspect", args=[campaign.pk, cast.school_a.pk]))
    assert Inspection.objects.count() == 1

    page = client_for(cast.leader).get(reverse("safety:campaign-detail", args=[campaign.pk]))
    assert page.status_code == 200
    progress = page.text.split('data-testid="campaign-progress"')[1]
    assert "1/2" in progress and "（50.0%）" in progress
    assert '<div class="n" data-testid="campaign-hazards">1</div>' in progress


def test_it_refuses_staff_outside_the_team(cast, client_for):
    campaign = make_campaign(cast.bureau, schools=[cast.school_a], team=[cast.office_staff])
    outsider = UserFactory(
        bureau=cast.bureau, role=Role.DEPARTMENT_STAFF, department=cast.office, username="o2"
    )
    start = reverse("safety:campaign-inspect", args=[campaign.pk, cast.school_a.pk])
    assert client_for(outsider).post(start).status_code == 403
    assert not Inspection.objects.exists()
    # The safety department may always fill its own campaigns.
    assert client_for(cast.safety_staff).post(start).status_code == 302


def test_it_refuses_a_school_outside_the_scope(cast, client_for):
    campaign = make_campaign(cast.bureau, schools=[cast.school_a], team=[cast.office_staff])
    start = reverse("safety:campaign-inspect", args=[campaign.pk, cast.school_b.pk])
    response = client_for(cast.office_staff).post(start, follow=True)
    assert "该学校不在本次检查范围内" in response.text
    assert not Inspection.objects.exists()


def test_it_shows_a_school_only_its_own_row_of_a_campaign(cast, client_for):
    campaign = make_campaign(cast.bureau, schools=[cast.school_a, cast.school_b])
    page = client_for(cast.school_a_officer).get(
        reverse("safety:campaign-detail", args=[campaign.pk])
    )
    assert page.status_code == 200
    assert cast.school_a.name in page.text and SCHOOL_B_MARKER not in page.text
    assert "开始检查" not in page.text
    listed = client_for(cast.school_a_officer).get(reverse("safety:campaign-list"))
    assert campaign.name in listed.text
    assert '<td data-label="范围">2所</td>' in listed.text  # the whole scope, not just A
