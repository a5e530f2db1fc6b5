"""Who may open, fill and submit which inspection."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.urls import reverse

from edubureau.safety.models import Inspection, InspectionStatus
from edubureau.safety.services.inspections import inspection_start_self
from edubureau.safety.tests.factories_inspections import (
    at,
    form_data,
    items_for,
    make_campaign,
    small_checklist,
)

pytestmark = pytest.mark.time_machine(at(date(2026, 10, 12)))

NEW = reverse("safety:self-inspection-new")
COMPLETE = {"fire_extinguishers": "pass", "fire_exits": "pass", "bld_railings": "pass"}


@pytest.fixture
def draft(cast):
    small_checklist(cast.bureau)
    return inspection_start_self(
        actor=cast.school_a_officer, school=cast.school_a, period=date(2026, 10, 1)
    )


def urls(inspection):
    kw = {"inspection_id": inspection.pk}
    return [
        reverse("safety:inspection-detail", kwargs=kw),
        reverse("safety:inspection-edit", kwargs=kw),
    ]


def test_it_hides_another_schools_inspection(cast, client_for, draft):
    client = client_for(cast.school_b_officer)
    items = items_for(draft.checklist, cast.school_a)
    for url in urls(draft):
        assert client.get(url).status_code == 404
    submit = form_data(items, COMPLETE, action="submit")
    assert client.post(urls(draft)[1], submit).status_code == 404
    draft.refresh_from_db()
    assert draft.status == InspectionStatus.DRAFT and draft.results == {}


def test_it_lets_a_read_only_teacher_read_but_not_save(cast, client_for, draft):
    client = client_for(cast.school_a_teacher)
    items = items_for(draft.checklist, cast.school_a)
    assert client.get(urls(draft)[0]).status_code == 200
    assert client.get(urls(draft)[1]).status_code == 403
    assert client.post(urls(draft)[1], form_data(items, COMPLETE)).status_code == 403
    assert client.post(NEW, form_data(items, COMPLETE, client_id=uuid.uuid4())).status_code == 403
    draft.refresh_from_db()
    assert draft.results == {}


def test_it_keeps_the_self_inspection_the_schools_own(cast, client_for, draft):
    """Bureau staff and leaders read a school's self-inspection; only the school fills it."""
    items = items_for(draft.checklist, cast.school_a)
    for user in (cast.safety_staff, cast.leader, cast.inspector):
        client = client_for(user)
        assert client.get(urls(draft)[0]).status_code == 200
        assert client.post(urls(draft)[1], form_data(items, COMPLETE)).status_code == 403
    assert client_for(cast.safety_staff).get(NEW).status_code == 403


def test_it_refuses_a_future_month(cast, client_for):
    small_checklist(cast.bureau)
    response = client_for(cast.school_a_officer).get(NEW, {"period": "2026-11"})
    assert response.status_code == 404
    assert not Inspection.objects.exists()


def test_it_keeps_a_school_out_of_the_bureaus_check_of_itself(cast, client_for):
    campaign = make_campaign(cast.bureau, schools=[cast.school_a], team=[cast.office_staff])
    officer = client_for(cast.school_a_officer)
    start = reverse("safety:campaign-inspect", args=[campaign.pk, cast.school_a.pk])
    assert officer.post(start).status_code == 403
    assert not Inspection.objects.exists()
    client_for(cast.office_staff).post(start)
    inspection = Inspection.objects.get()
    assert officer.get(urls(inspection)[0]).status_code == 200  # the school reads the result
    assert officer.get(urls(inspection)[1]).status_code == 403


def test_it_never_reaches_another_schools_inspection_by_its_client_id(cast, client_for, draft):
    items = items_for(draft.checklist, cast.school_b)
    data = form_data(items, COMPLETE, action="submit", client_id=draft.client_id)
    response = client_for(cast.school_b_officer).post(NEW, data)
    assert response.status_code == 302
    theirs = Inspection.objects.get(school=cast.school_b)
    assert theirs.client_id != draft.client_id and theirs.status == InspectionStatus.SUBMITTED
    draft.refresh_from_db()
    assert draft.status == InspectionStatus.DRAFT and draft.results == {}
