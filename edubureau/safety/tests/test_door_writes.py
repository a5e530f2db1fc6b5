"""The safety module asks the scoping door who writes and who reads (issue 8, item 3):
ledgers, ad hoc hazards and self-inspections take the door's writable schools;
checklists are bureau-owned; campaigns span many schools; a checklist item is fetched
through its scoped queryset."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from edubureau.audit.models import Action, AuditEvent
from edubureau.orgs.models import School
from edubureau.orgs.scoping import schools_writable_by
from edubureau.safety.models import Campaign, Checklist, ChecklistItem, Drill, Inspection
from edubureau.safety.selectors.hazards import report_schools
from edubureau.safety.services.inspections import can_fill_self
from edubureau.safety.tests.factories_inspections import (
    at,
    image_bytes,
    make_campaign,
    make_self_inspection,
    small_checklist,
)
from edubureau.safety.tests.factories_ledgers import DrillFactory
from edubureau.testing.cast import CITY_SCHOOL_MARKER, SIBLING_MARKER

pytestmark = pytest.mark.time_machine(at(date(2026, 9, 10)))

DRILL_POST = {"held_on": "2026-09-08", "kind": "fire", "participants": "500"}
EVERYONE = (
    "leader",
    "safety_staff",
    "office_staff",
    "school_a_officer",
    "school_a_principal",
    "school_a_teacher",
    "school_b_officer",
    "inspector",
    "admin",
    "township_staff",
    "city_leader",
    "city_safety",
    "city_admin",
    "province_safety",
    "sibling_safety",
)


def _denied(user) -> int:
    return AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=user).count()


# Ledgers and hazards: the door's writable schools, one rule -------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_the_forms_offer_exactly_the_doors_writable_schools(cast, who):
    from edubureau.safety.forms.ledgers import LedgerForm
    from edubureau.safety.selectors.ledger_specs import DRILL

    user = getattr(cast, who)
    door = set(schools_writable_by(user, owner="safety").filter(is_active=True))
    form = LedgerForm(spec=DRILL, user=user, today=date(2026, 9, 10))
    assert set(form.fields["school"].queryset) == door  # type: ignore[attr-defined]
    assert set(report_schools(user)) == door


def test_the_assigned_inspector_writes_their_schools_ledger_and_no_other(cast, client_for):
    client = client_for(cast.inspector)
    create = reverse("safety:drill-create")
    response = client.post(create, DRILL_POST | {"school": cast.school_a.pk})
    assert response.status_code == 302
    assert Drill.objects.get().school == cast.school_a
    refused = client.post(create, DRILL_POST | {"school": cast.school_b.pk})
    assert "选择一个有效的选项" in refused.text
    other = DrillFactory(school=cast.school_b)
    edit = reverse("safety:drill-edit", kwargs={"drill_id": other.pk})
    before = _denied(cast.inspector)
    assert client.get(edit).status_code == 404
    assert _denied(cast.inspector) == before + 1


def test_the_city_reads_its_counties_ledgers_and_writes_only_its_own_schools(cast, client_for):
    county_row = DrillFactory(school=cast.school_a, participants=500)
    client = client_for(cast.city_safety)
    listed = client.get(reverse("safety:drill-list"))
    assert {row["obj"] for row in listed.context["table"]} == {county_row}
    assert listed.context["table"][0]["can_write"] is False
    edit = reverse("safety:drill-edit", kwargs={"drill_id": county_row.pk})
    before = _denied(cast.city_safety)
    assert client.post(edit, DRILL_POST | {"version": ""}).status_code == 403
    assert _denied(cast.city_safety) == before + 1
    assert Drill.objects.get(pk=county_row.pk).participants == 500
    # Its own 市直 school is its to keep.
    create = reverse("safety:drill-create")
    assert client.post(create, DRILL_POST | {"school": cast.city_school.pk}).status_code == 302
    assert client.post(create, DRILL_POST | {"school": cast.school_a.pk}).status_code == 200
    assert set(Drill.objects.values_list("school_id", flat=True)) == {
        cast.school_a.pk,
        cast.city_school.pk,
    }


def test_a_county_gets_404_and_an_audit_event_on_a_siblings_ledger_row(cast, client_for):
    row = DrillFactory(school=cast.sibling_school)
    edit = reverse("safety:drill-edit", kwargs={"drill_id": row.pk})
    before = _denied(cast.safety_staff)
    assert client_for(cast.safety_staff).get(edit).status_code == 404
    assert _denied(cast.safety_staff) == before + 1
    listed = client_for(cast.safety_staff).get(reverse("safety:drill-list"))
    assert SIBLING_MARKER not in listed.text


def test_the_city_reports_ad_hoc_hazards_only_at_its_own_schools(cast):
    assert set(report_schools(cast.city_safety)) == {cast.city_school}
    assert set(report_schools(cast.safety_staff)) == {cast.school_a, cast.school_b}
    assert set(report_schools(cast.inspector)) == {cast.school_a}
    assert not report_schools(cast.city_leader).exists()


# Self-inspections: the door narrowed to the school's own users ------------------------


@pytest.mark.parametrize(
    ("who", "fills"),
    [
        ("school_a_officer", True),
        ("school_a_principal", True),
        ("school_a_teacher", False),  # read-only
        ("school_b_officer", False),
        ("safety_staff", False),  # the bureau checks through campaigns
        ("inspector", False),
        ("city_safety", False),
        ("township_staff", False),
    ],
)
def test_only_the_schools_own_users_fill_its_self_inspection(cast, client_for, who, fills):
    user = getattr(cast, who)
    assert can_fill_self(user, cast.school_a) is fills
    inspection = make_self_inspection(cast.school_a)
    assert Inspection.objects.writable_by(user).filter(pk=inspection.pk).exists() is fills


# Checklists: bureau-owned ------------------------------------------------------------------


def test_a_checklist_is_read_by_its_bureau_and_above_and_revised_only_by_its_safety_dept(
    cast, client_for
):
    county = small_checklist(cast.bureau)
    city = small_checklist(cast.city)
    sibling = small_checklist(cast.sibling_bureau)
    assert set(Checklist.objects.visible_to(cast.city_safety)) == {county, city, sibling}
    assert set(Checklist.objects.visible_to(cast.safety_staff)) == {county}
    assert set(Checklist.objects.visible_to(cast.school_a_officer)) == {county}
    assert set(Checklist.objects.visible_to(cast.inspector)) == {county}
    assert set(Checklist.objects.writable_by(cast.city_safety)) == {city}
    assert set(Checklist.objects.writable_by(cast.safety_staff)) == {county}
    assert not Checklist.objects.writable_by(cast.admin).exists()

    # The city reads the county's version, with no edit links, and cannot revise it.
    page = client_for(cast.city_safety).get(reverse("safety:checklist-detail", args=[county.pk]))
    assert page.status_code == 200 and page.context["can_edit"] is False
    item = county.items.first()
    edit = reverse("safety:checklist-item-edit", kwargs={"checklistitem_id": item.pk})
    assert client_for(cast.city_safety).get(edit).status_code == 403
    # Its own pages show its own checklist, not a county's.
    current = client_for(cast.city_safety).get(reverse("safety:checklist-current"))
    assert current.context["checklist"] == city

    # Nobody sees upward or sideways: 404 and an audit event.
    for checklist in (city, sibling):
        before = _denied(cast.safety_staff)
        url = reverse("safety:checklist-detail", args=[checklist.pk])
        assert client_for(cast.safety_staff).get(url).status_code == 404
        assert _denied(cast.safety_staff) == before + 1


def test_a_school_reads_its_own_bureaus_current_checklist(cast, client_for):
    county = small_checklist(cast.bureau)
    small_checklist(cast.city)
    page = client_for(cast.school_a_officer).get(reverse("safety:checklist-current"))
    assert page.status_code == 200 and page.context["checklist"] == county


def test_a_foreign_checklist_item_answers_like_a_missing_one(cast, client_for):
    inspection = make_self_inspection(cast.school_a)
    foreign = small_checklist(cast.sibling_bureau).items.first()
    other_version = ChecklistItem.objects.filter(checklist=small_checklist(cast.city)).first()
    missing = ChecklistItem.objects.order_by("-pk").first().pk + 100
    url = reverse("safety:inspection-photo-upload", kwargs={"inspection_id": inspection.pk})
    client = client_for(cast.school_a_officer)
    answers = []
    for item_id in (foreign.pk, other_version.pk, missing):
        photo = _upload()
        response = client.post(url, {"item": str(item_id), "photo": photo})
        answers.append((response.status_code, response.json()))
    assert (
        answers[0]
        == answers[1]
        == answers[2]
        == (
            400,
            {"ok": False, "error": "排查事项不属于本次检查"},
        )
    )
    assert not inspection.photos.exists()


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("p.jpg", image_bytes(), content_type="image/jpeg")


# Campaigns: many schools -------------------------------------------------------------------


def test_a_county_campaign_is_read_by_the_city_and_written_only_by_the_county(cast):
    campaign = make_campaign(cast.bureau, schools=[cast.school_a])
    assert campaign in Campaign.objects.visible_to(cast.city_safety)
    assert campaign in Campaign.objects.visible_to(cast.province_safety)
    assert campaign not in Campaign.objects.writable_by(cast.city_safety)
    assert campaign not in Campaign.objects.fillable_by(cast.city_safety)
    assert campaign in Campaign.objects.writable_by(cast.safety_staff)
    assert campaign not in Campaign.objects.visible_to(cast.sibling_safety)
    assert campaign not in Campaign.objects.visible_to(cast.school_b_officer)
    assert campaign in Campaign.objects.visible_to(cast.school_a_officer)
    assert campaign in Campaign.objects.visible_to(cast.township_staff)  # township A's school
    assert campaign in Campaign.objects.visible_to(cast.inspector)  # assigned school A


def test_a_city_campaign_is_seen_below_only_where_it_covers_a_school(cast, client_for):
    own = make_campaign(cast.city, schools=[cast.city_school], name=f"市直检查{CITY_SCHOOL_MARKER}")
    county = make_campaign(cast.city, schools=[cast.school_b], name="甲市督查乙镇中学")
    for user in (cast.leader, cast.safety_staff, cast.admin, cast.sibling_safety):
        # A county never sees its city's own records.
        assert own not in Campaign.objects.visible_to(user)
    assert county in Campaign.objects.visible_to(cast.safety_staff)  # it covers 甲县's school
    assert county in Campaign.objects.visible_to(cast.school_b_officer)
    assert county not in Campaign.objects.visible_to(cast.school_a_officer)
    assert county not in Campaign.objects.visible_to(cast.sibling_safety)
    assert county not in Campaign.objects.writable_by(cast.safety_staff)
    url = reverse("safety:campaign-detail", args=[own.pk])
    before = _denied(cast.safety_staff)
    response = client_for(cast.safety_staff).get(url)
    assert response.status_code == 404 and CITY_SCHOOL_MARKER not in response.text
    assert _denied(cast.safety_staff) == before + 1
    listed = client_for(cast.safety_staff).get(reverse("safety:campaign-list"))
    assert county.name in listed.text and CITY_SCHOOL_MARKER not in listed.text


def test_the_city_cannot_pick_a_school_outside_its_subtree(cast, client_for):
    small_checklist(cast.city)
    data = {
        "name": "甲市秋季开学专项检查",
        "kind": "special",
        "starts_on": "2026-09-01",
        "ends_on": "2026-09-20",
        "schools": [cast.other_school.pk],
    }
    response = client_for(cast.city_safety).post(reverse("safety:campaign-create"), data)
    assert response.status_code == 400
    assert not Campaign.objects.exists()
    assert School.objects.filter(pk=cast.other_school.pk).exists()
