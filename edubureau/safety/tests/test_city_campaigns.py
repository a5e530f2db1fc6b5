"""A city runs a campaign (专项检查、督查) over schools of its counties (issue 8, item 6):
its team fills the inspections, the findings become the county's hazards, and the city
verifies and closes them unless the campaign delegates that to the county."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from edubureau.audit.models import Action, AuditEvent
from edubureau.core.concurrency import version_token
from edubureau.orgs.models import Role
from edubureau.rectification.lifecycle import NotAllowed, rectification_close
from edubureau.rectification.models import Status
from edubureau.safety.models import Campaign, Hazard, Inspection, InspectionStatus
from edubureau.safety.tests.factories_inspections import (
    at,
    form_data,
    items_for,
    make_self_inspection,
    small_checklist,
)
from edubureau.testing.cast import SIBLING_MARKER
from edubureau.testing.factories import UserFactory

pytestmark = pytest.mark.time_machine(at(date(2026, 9, 10)))

CREATE = reverse("safety:campaign-create")


def _denied(user) -> int:
    return AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=user).count()


def _create(cast, client_for, *, delegated: bool = False, team=()) -> Campaign:
    """The city's safety department creates a campaign over 甲县 (picked as a county)."""
    small_checklist(cast.city)
    data = {
        "name": "2026年秋季开学前全市安全专项督查",
        "kind": "supervisory",
        "theme": "开学前",
        "starts_on": "2026-09-01",
        "ends_on": "2026-09-30",
        "bureaus": [cast.bureau.pk],
        "team": [u.pk for u in team],
    }
    if delegated:
        data["verification_delegated"] = "on"
    response = client_for(cast.city_safety).post(CREATE, data)
    assert response.status_code == 302, response.content.decode()
    return Campaign.objects.get()


def _find_hazard(cast, client_for, campaign: Campaign, user=None) -> Hazard:
    """The team inspects school A and fails the fire-exit item."""
    client = client_for(user or cast.city_safety)
    start = reverse("safety:campaign-inspect", args=[campaign.pk, cast.school_a.pk])
    response = client.post(start)
    assert response.status_code == 302, response
    inspection = Inspection.objects.get(campaign=campaign, school=cast.school_a)
    items = items_for(inspection.checklist, cast.school_a)
    answers = {
        "fire_extinguishers": "pass",
        "fire_exits": {"r": "hazard", "d": "后门安全出口堆放杂物", "l": "综合楼后门", "s": "minor"},
        "bld_railings": "pass",
    }
    response = client.post(
        reverse("safety:inspection-edit", args=[inspection.pk]),
        form_data(items, answers, action="submit"),
    )
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.SUBMITTED
    return Hazard.objects.get(inspection=inspection)


def _post(client, name: str, hazard: Hazard, data: dict) -> int:
    hazard.refresh_from_db()
    url = reverse(f"safety:hazard-{name}", kwargs={"hazard_id": hazard.pk})
    return client.post(url, data | {"version": version_token(hazard)}).status_code


def _school_rectifies(cast, client_for, hazard: Hazard) -> None:
    client = client_for(cast.school_a_officer)
    plan = {"kind": "by_deadline", "plan_text": "清理杂物", "responsible_person": "张三"}
    plan["deadline"] = "2026-09-20"
    assert _post(client, "plan", hazard, plan) == 302
    done = {"evidence_text": "杂物已清理", "rectified_on": "2026-09-10"}
    assert _post(client, "rectify", hazard, done) == 302
    hazard.refresh_from_db()
    assert hazard.status == Status.RECTIFIED


def test_the_city_picks_schools_of_its_counties_and_its_own(cast, client_for):
    small_checklist(cast.city)
    form = client_for(cast.city_safety).get(CREATE).context["form"]
    offered = set(form.fields["schools"].queryset)
    assert offered == {cast.school_a, cast.school_b, cast.sibling_school, cast.city_school}
    counties = {b.pk for b in form.fields["bureaus"].queryset}
    assert counties == {cast.city.pk, cast.bureau.pk, cast.sibling_bureau.pk}
    # A county's own form offers no county to pick and nothing to delegate.
    county_form = client_for(cast.safety_staff).get(CREATE).context["form"]
    assert "bureaus" not in county_form.fields
    assert "verification_delegated" not in county_form.fields


def test_a_city_campaigns_hazard_is_the_countys_and_is_verified_and_closed_by_the_city(
    cast, client_for
):
    campaign = _create(cast, client_for)
    assert set(campaign.schools.all()) == {cast.school_a, cast.school_b}
    assert campaign.bureau == cast.city and not campaign.verification_delegated
    hazard = _find_hazard(cast, client_for, campaign)
    # Owned by the school's own bureau; the city keeps the verification.
    assert hazard.school == cast.school_a and hazard.school.bureau == cast.bureau
    assert hazard.verifying_bureau == cast.city
    assert hazard.reported_by == cast.city_safety

    # The county safety department sees it and follows the rectification.
    county = client_for(cast.safety_staff)
    detail = reverse("safety:hazard-detail", kwargs={"hazard_id": hazard.pk})
    page = county.get(detail)
    assert page.status_code == 200 and "甲市教育局" in page.text
    assert "plan_form" in page.context
    _school_rectifies(cast, client_for, hazard)

    # The county may not verify or close it; nor is it offered.
    page = county.get(detail)
    assert "verify_form" not in page.context
    assert _post(county, "verify", hazard, {"decision": "accept"}) == 403
    hazard.refresh_from_db()
    assert hazard.status == Status.RECTIFIED

    # The city's team verifies and closes.
    city = client_for(cast.city_safety)
    page = city.get(detail)
    assert "verify_form" in page.context and "plan_form" not in page.context
    assert _post(city, "verify", hazard, {"decision": "accept"}) == 302
    assert _post(county, "close", hazard, {"note": ""}) == 403
    assert _post(city, "close", hazard, {"note": "复查合格"}) == 302
    hazard.refresh_from_db()
    assert hazard.status == Status.CLOSED and hazard.verified_by == cast.city_safety


def test_the_county_verifies_when_the_city_delegates_it(cast, client_for):
    campaign = _create(cast, client_for, delegated=True)
    hazard = _find_hazard(cast, client_for, campaign)
    assert hazard.verifying_bureau is None
    _school_rectifies(cast, client_for, hazard)
    city, county = client_for(cast.city_safety), client_for(cast.safety_staff)
    assert _post(city, "verify", hazard, {"decision": "accept"}) == 403
    assert _post(county, "verify", hazard, {"decision": "accept"}) == 302
    assert _post(city, "close", hazard, {"note": ""}) == 403
    assert _post(county, "close", hazard, {"note": ""}) == 302
    hazard.refresh_from_db()
    assert hazard.status == Status.CLOSED


def test_the_city_reads_but_never_rectifies_a_countys_hazard(cast, client_for):
    campaign = _create(cast, client_for)
    hazard = _find_hazard(cast, client_for, campaign)
    plan = {"kind": "immediate", "plan_text": "马上清理"}
    for user in (cast.city_safety, cast.city_leader):
        assert (
            client_for(user)
            .get(reverse("safety:hazard-detail", kwargs={"hazard_id": hazard.pk}))
            .status_code
            == 200
        )
        assert _post(client_for(user), "plan", hazard, plan) == 403
    with pytest.raises(NotAllowed):
        rectification_close(actor=cast.safety_staff, obj=hazard)


def test_a_sibling_county_sees_nothing_of_it(cast, client_for):
    campaign = _create(cast, client_for)
    hazard = _find_hazard(cast, client_for, campaign)
    inspection = hazard.inspection
    sibling = client_for(cast.sibling_safety)
    for url in (
        reverse("safety:hazard-detail", kwargs={"hazard_id": hazard.pk}),
        reverse("safety:inspection-detail", kwargs={"inspection_id": inspection.pk}),
        reverse("safety:campaign-detail", kwargs={"campaign_id": campaign.pk}),
    ):
        before = _denied(cast.sibling_safety)
        assert sibling.get(url).status_code == 404, url
        assert _denied(cast.sibling_safety) == before + 1
    for url in (reverse("safety:hazard-list"), reverse("safety:campaign-list")):
        text = sibling.get(url).text
        assert campaign.name not in text and hazard.description not in text
    assert not Hazard.objects.visible_to(cast.sibling_safety).exists()
    with pytest.raises(NotAllowed):
        rectification_close(actor=cast.sibling_safety, obj=hazard)


def test_the_team_fills_the_campaign_and_nobody_else_from_above(cast, client_for):
    campaign = _create(cast, client_for)
    start = reverse("safety:campaign-inspect", args=[campaign.pk, cast.school_a.pk])
    # The county's staff and the school do not fill the city's check.
    for user in (cast.safety_staff, cast.inspector):
        assert client_for(user).post(start).status_code == 403
    assert client_for(cast.city_leader).post(start).status_code == 403
    assert not Inspection.objects.exists()


def test_an_inspector_named_on_the_city_team_fills_a_county_school(cast, client_for):
    city_inspector = UserFactory(bureau=cast.city, username="city_inspector", role=Role.INSPECTOR)
    campaign = _create(cast, client_for, team=[city_inspector])
    assert set(campaign.team.all()) == {city_inspector}
    page = client_for(city_inspector).get(reverse("safety:campaign-detail", args=[campaign.pk]))
    assert page.status_code == 200
    assert {r.school for r in page.context["progress"].rows} == {cast.school_a, cast.school_b}
    hazard = _find_hazard(cast, client_for, campaign, user=city_inspector)
    assert hazard.reported_by == city_inspector and hazard.verifying_bureau == cast.city
    # The team reaches the campaign's inspections only, nothing else of the county:
    # the door itself still shows this inspector nothing.
    assert Inspection.objects.filled_by(city_inspector).count() == 1
    assert not Inspection.objects.visible_to(city_inspector).exists()
    assert not Hazard.objects.writable_by(city_inspector).exists()
    inspection = Inspection.objects.get()
    detail = reverse("safety:inspection-detail", kwargs={"inspection_id": inspection.pk})
    assert client_for(city_inspector).get(detail).status_code == 200
    self_inspection = make_self_inspection(cast.school_a)
    other = reverse("safety:inspection-detail", kwargs={"inspection_id": self_inspection.pk})
    assert client_for(city_inspector).get(other).status_code == 404
    assert SIBLING_MARKER not in page.text
