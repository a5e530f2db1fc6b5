"""The monthly self-inspection form: draft, autosave, submit, hazards, idempotency,
completeness, locking and timeliness."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from edubureau.audit.models import AuditEvent
from edubureau.rectification.models import Severity, Status
from edubureau.safety.models import Hazard, HazardSource, Inspection, InspectionStatus
from edubureau.safety.tests.factories_inspections import at, form_data, items_for, small_checklist

pytestmark = pytest.mark.time_machine(at(date(2026, 10, 12)))

NEW = reverse("safety:self-inspection-new")
FAILED = {"r": "hazard", "d": "二楼东侧灭火器压力不足", "l": "教学楼二楼东侧"}
COMPLETE = {"fire_extinguishers": FAILED, "fire_exits": "pass", "bld_railings": "na"}


@pytest.fixture
def items(cast):
    return items_for(small_checklist(cast.bureau), cast.school_a)


def edit_url(inspection):
    return reverse("safety:inspection-edit", kwargs={"inspection_id": inspection.pk})


def test_it_shows_only_the_items_that_apply_to_the_school(cast, client_for, items):
    page = client_for(cast.school_a_officer).get(NEW)
    assert page.status_code == 200
    assert "灭火器在有效期内且压力正常" in page.text
    assert 'capture="environment"' in page.text and 'accept="image/*"' in page.text
    # The kindergarten-only item is not asked of a primary school.
    assert "大型玩具完好" not in page.text
    assert Inspection.objects.count() == 0  # opening the form creates nothing


def test_it_saves_a_draft_then_submits_and_reports_hazards_for_failed_items_only(
    cast, client_for, items
):
    client = client_for(cast.school_a_officer)
    first = {"fire_extinguishers": FAILED}
    response = client.post(
        NEW + "?period=2026-10",
        form_data(items, first, client_id=uuid.uuid4(), inspected_on="2026-10-12"),
    )
    inspection = Inspection.objects.get()
    assert response.status_code == 302 and response["Location"] == edit_url(inspection)
    assert (inspection.status, inspection.period) == (InspectionStatus.DRAFT, date(2026, 10, 1))
    assert inspection.due_on == date(2026, 10, 13)
    assert not Hazard.objects.exists()  # a draft reports nothing

    rest = {"fire_exits": "pass", "bld_railings": "pass"}
    response = client.post(edit_url(inspection), form_data(items, rest, action="submit"))
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.SUBMITTED
    hazard = Hazard.objects.get()
    assert (hazard.school, hazard.source, hazard.inspection, hazard.item.key) == (
        cast.school_a,
        HazardSource.INSPECTION,
        inspection,
        "fire_extinguishers",
    )
    assert hazard.severity == Severity.MINOR  # the item's default
    assert (hazard.description, hazard.location) == (FAILED["d"], FAILED["l"])
    assert hazard.status == Status.REPORTED and hazard.category.key == "fire"
    assert (inspection.items_total, inspection.hazards_found) == (3, 1)
    assert inspection.submitted_on_time is True
    assert inspection.submitted_by == cast.school_a_officer


def test_it_uses_the_severity_chosen_for_a_failed_item(cast, client_for, items):
    answers = dict(COMPLETE, fire_extinguishers=dict(FAILED, s=Severity.MAJOR))
    client_for(cast.school_a_officer).post(
        NEW, form_data(items, answers, action="submit", client_id=uuid.uuid4())
    )
    assert Hazard.objects.get().severity == Severity.MAJOR


def test_it_ignores_a_retried_submit_with_the_same_client_id(cast, client_for, items):
    client = client_for(cast.school_a_officer)
    data = form_data(items, COMPLETE, action="submit", client_id=uuid.uuid4())
    first = client.post(NEW, data)
    second = client.post(NEW, data)
    inspection = Inspection.objects.get()
    assert first["Location"] == second["Location"]
    assert Hazard.objects.count() == 1
    assert inspection.hazards_found == 1
    third = client.post(edit_url(inspection), data)  # the same retry to the row's own URL
    assert third.status_code == 302 and Hazard.objects.count() == 1
    assert "重复提交已忽略" in client.get(third["Location"]).text


def test_it_refuses_a_submit_with_missing_items_and_changes_nothing(cast, client_for, items):
    client = client_for(cast.school_a_officer)
    client.post(NEW, form_data(items, {"fire_exits": "pass"}, client_id=uuid.uuid4()))
    inspection = Inspection.objects.get()
    before = (inspection.results, inspection.updated_at)
    events = AuditEvent.objects.count()

    partial = {"fire_extinguishers": FAILED}  # bld_railings still has no result
    response = client.post(edit_url(inspection), form_data(items, partial, action="submit"))
    assert response.status_code == 400
    assert "还有1个事项未填写检查结果" in response.text and "楼梯、走廊栏杆牢固" in response.text
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.DRAFT
    assert (inspection.results, inspection.updated_at) == before
    assert not Hazard.objects.exists()
    assert AuditEvent.objects.count() == events
    # The page shows what was just posted, so nothing typed is lost.
    assert FAILED["d"] in response.text


def test_it_refuses_a_new_form_submitted_incomplete_without_creating_anything(
    cast, client_for, items
):
    data = form_data(items, {"fire_exits": "pass"}, action="submit", client_id=uuid.uuid4())
    response = client_for(cast.school_a_officer).post(NEW, data)
    assert response.status_code == 400
    assert "还有2个事项未填写检查结果" in response.text
    assert not Inspection.objects.exists()


def test_it_requires_a_description_for_a_failed_item(cast, client_for, items):
    answers = dict(COMPLETE, fire_extinguishers={"r": "hazard", "d": ""})
    response = client_for(cast.school_a_officer).post(
        NEW, form_data(items, answers, action="submit", client_id=uuid.uuid4())
    )
    assert response.status_code == 400
    assert "请填写隐患描述" in response.text
    assert not Hazard.objects.exists() and not Inspection.objects.exists()


def test_it_refuses_an_answer_for_an_item_the_school_is_not_asked_and_changes_nothing(
    cast, client_for, items
):
    client = client_for(cast.school_a_officer)
    client.post(NEW, form_data(items, {"fire_exits": "pass"}, client_id=uuid.uuid4()))
    inspection = Inspection.objects.get()
    before = (inspection.results, inspection.updated_at)
    # The kindergarten-only item of the same checklist, and an id no item has.
    playground = inspection.checklist.items.get(key="bld_kg_playground")
    for forged in (playground.pk, playground.pk + 1000):
        data = form_data(items, COMPLETE, action="submit") | {f"r_{forged}": "pass"}
        response = client.post(edit_url(inspection), data)
        assert response.status_code == 400
        assert "提交的排查事项不属于本次检查" in response.text
    inspection.refresh_from_db()
    assert (inspection.status, inspection.results, inspection.updated_at) == (
        InspectionStatus.DRAFT,
        *before,
    )
    assert not Hazard.objects.exists()


@pytest.mark.parametrize("ajax", [False, True])
def test_a_post_refused_before_the_save_still_hides_another_schools_inspection(
    cast, client_for, items, ajax
):
    client_for(cast.school_a_officer).post(
        NEW, form_data(items, {"fire_exits": "pass"}, client_id=uuid.uuid4())
    )
    inspection = Inspection.objects.get()
    headers = {"X-Requested-With": "fetch"} if ajax else {}
    # A date the form refuses before the inspection is read: the answer is still the
    # page's own (404 to another school, 403 to the bureau, which reads but does not
    # fill it), never the form's error.
    bad = form_data(items, COMPLETE, inspected_on="not a date")
    other = client_for(cast.school_b_officer).post(edit_url(inspection), bad, headers=headers)
    bureau = client_for(cast.safety_staff).post(edit_url(inspection), bad, headers=headers)
    assert (other.status_code, bureau.status_code) == (404, 403)
    own = client_for(cast.school_a_officer).post(edit_url(inspection), bad, headers=headers)
    assert own.status_code == 400


def test_it_locks_a_submitted_inspection(cast, client_for, items):
    client = client_for(cast.school_a_officer)
    client.post(NEW, form_data(items, COMPLETE, action="submit", client_id=uuid.uuid4()))
    inspection = Inspection.objects.get()
    response = client.post(edit_url(inspection), form_data(items, {"fire_exits": "na"}))
    assert response.status_code == 400 and "不能再修改" in response.text
    inspection.refresh_from_db()
    assert inspection.results[str(items[1].pk)]["r"] == "pass"
    # Opening the form again leads to the read-only detail page.
    assert client.get(edit_url(inspection))["Location"].endswith(f"/{inspection.pk}/")
    assert client.get(NEW)["Location"].endswith(f"/{inspection.pk}/")


def test_it_records_a_late_submission(cast, client_for, items):
    with time_machine.travel(at(date(2026, 10, 14)), tick=False):
        client_for(cast.school_a_officer).post(
            NEW, form_data(items, COMPLETE, action="submit", client_id=uuid.uuid4())
        )
    inspection = Inspection.objects.get()
    assert inspection.due_on == date(2026, 10, 13)
    assert inspection.submitted_on_time is False


def test_it_autosaves_item_by_item(cast, client_for, items):
    client = client_for(cast.school_a_officer)
    client_id = uuid.uuid4()
    headers = {"X-Requested-With": "fetch"}
    data = form_data(items, {"fire_exits": "pass"}, client_id=client_id) | {"_autosave": "1"}
    first = client.post(NEW, data, headers=headers)
    assert first.status_code == 200 and first.json()["ok"] is True
    inspection = Inspection.objects.get()
    assert first.json()["action"] == edit_url(inspection)
    assert inspection.client_id == client_id

    # A second item, posted alone, is merged: the first one is kept.
    more = form_data(items, {"fire_extinguishers": FAILED}) | {"_autosave": "1"}
    second = client.post(first.json()["action"], more, headers=headers)
    assert second.json()["ok"] is True
    inspection.refresh_from_db()
    assert inspection.results == {
        str(items[0].pk): {"r": "hazard", "d": FAILED["d"], "l": FAILED["l"]},
        str(items[1].pk): {"r": "pass"},
    }
    bad = client.post(edit_url(inspection), {f"r_{items[0].pk}": "maybe"}, headers=headers)
    assert bad.status_code == 400 and "检查结果无效" in bad.json()["error"]


def test_it_lists_and_filters_inspections(cast, client_for, items):
    client_for(cast.school_a_officer).post(
        NEW, form_data(items, COMPLETE, action="submit", client_id=uuid.uuid4())
    )
    client = client_for(cast.leader)
    listed = client.get(reverse("safety:inspection-list"), {"kind": "self", "period": "2026-10"})
    assert listed.status_code == 200 and cast.school_a.name in listed.text
    assert "按时" in listed.text
    empty = client.get(reverse("safety:inspection-list"), {"period": "2026-09"})
    assert cast.school_a.name not in empty.text.split('data-testid="inspection-table"')[1]
    detail = client.get(reverse("safety:inspection-detail", args=[Inspection.objects.get().pk]))
    assert detail.status_code == 200
    assert FAILED["d"] in detail.text and "提交检查" in detail.text
