"""The bureau sends a submitted self-inspection back; the school fixes and resubmits;
every round is kept."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from edubureau.notifications.models import Notification
from edubureau.safety.models import Hazard, Inspection, InspectionStatus
from edubureau.safety.tests.factories_inspections import at, form_data, items_for, small_checklist

pytestmark = pytest.mark.time_machine(at(date(2026, 10, 12)))

FAILED = {"r": "hazard", "d": "灭火器过期", "l": "食堂"}
FIRST = {"fire_extinguishers": FAILED, "fire_exits": "pass", "bld_railings": "pass"}


@pytest.fixture
def submitted(cast, client_for):
    items = items_for(small_checklist(cast.bureau), cast.school_a)
    client_for(cast.school_a_officer).post(
        reverse("safety:self-inspection-new"),
        form_data(items, FIRST, action="submit", client_id=uuid.uuid4()),
    )
    return Inspection.objects.get()


def url(name, inspection):
    return reverse(f"safety:{name}", kwargs={"inspection_id": inspection.pk})


def test_it_sends_back_and_takes_a_resubmission(cast, client_for, submitted):
    first_submitted_at = submitted.submitted_at
    reason = "栏杆检查结果与现场照片不符，请复核"
    with time_machine.travel(at(date(2026, 10, 15)), tick=False):
        response = client_for(cast.safety_staff).post(
            url("inspection-return", submitted), {"reason": reason}
        )
        assert response.status_code == 302
        submitted.refresh_from_db()
        assert (submitted.status, submitted.return_reason) == (InspectionStatus.RETURNED, reason)
        note = Notification.objects.get(recipient=cast.school_a_officer)
        assert reason in note.body and note.school_id == cast.school_a.pk
        assert not Notification.objects.filter(recipient=cast.school_a_teacher).exists()

        officer = client_for(cast.school_a_officer)
        page = officer.get(url("inspection-edit", submitted))
        assert page.status_code == 200 and reason in page.text
        items = items_for(submitted.checklist, cast.school_a)
        fixed = {"bld_railings": {"r": "hazard", "d": "三楼栏杆松动"}}
        response = officer.post(
            url("inspection-edit", submitted), form_data(items, fixed, action="submit")
        )
        assert response.status_code == 302

    submitted.refresh_from_db()
    assert submitted.status == InspectionStatus.SUBMITTED
    # The first hazard is not reported twice; the new failed item is.
    assert sorted(Hazard.objects.values_list("description", flat=True)) == [
        "三楼栏杆松动",
        "灭火器过期",
    ]
    assert submitted.hazards_found == 2
    # Timeliness stays that of the first submission.
    assert submitted.submitted_at == first_submitted_at and submitted.submitted_on_time is True
    history = client_for(cast.leader).get(url("inspection-detail", submitted)).text
    for step in ("开始月度自查", "提交检查", f"退回：{reason}", "重新提交（退回后）"):
        assert step in history


def test_it_requires_a_reason_to_send_back(cast, client_for, submitted):
    response = client_for(cast.safety_staff).post(
        url("inspection-return", submitted), {"reason": " "}
    )
    assert response.status_code == 400
    submitted.refresh_from_db()
    assert submitted.status == InspectionStatus.SUBMITTED


def test_it_lets_only_the_safety_department_send_back(cast, client_for, submitted):
    for user in (cast.school_a_officer, cast.office_staff, cast.leader, cast.inspector):
        response = client_for(user).post(url("inspection-return", submitted), {"reason": "x"})
        assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == InspectionStatus.SUBMITTED


def test_it_refuses_to_send_back_a_draft(cast, client_for, submitted):
    Inspection.objects.filter(pk=submitted.pk).update(status=InspectionStatus.DRAFT)
    response = client_for(cast.safety_staff).post(
        url("inspection-return", submitted), {"reason": "x"}
    )
    assert response.status_code == 400 and "只有已提交的检查可以退回" in response.text


def test_the_list_button_follows_the_months_self_inspection(cast, client_for, submitted):
    """填报 while nothing is started, 已提交 once submitted, 修改退回的 after a return."""
    officer = client_for(cast.school_a_officer)
    listed = officer.get(reverse("safety:inspection-list"), follow=True).text
    assert "10月自查已提交" in listed and "填报10月自查" not in listed
    assert url("inspection-detail", submitted) in listed

    client_for(cast.safety_staff).post(url("inspection-return", submitted), {"reason": "请复核"})
    listed = officer.get(reverse("safety:inspection-list"), follow=True).text
    assert "修改退回的10月自查" in listed and "已提交" not in listed.split("toolbar")[1][:400]

    # Another school that has not started its month.
    listed = (
        client_for(cast.school_b_officer).get(reverse("safety:inspection-list"), follow=True).text
    )
    assert "填报10月自查" in listed and "继续填报" not in listed
