"""Guards and cameras: one row per school, kept current."""

from __future__ import annotations

from django.urls import reverse

from edubureau.audit.models import Action, AuditEvent
from edubureau.core.concurrency import version_token
from edubureau.safety.models import SecurityResources
from edubureau.safety.tests.factories_ledgers import SecurityResourcesFactory, xlsx

HEADERS = [
    "学校标识码",
    "专职保安人数",
    "监控摄像头数",
    "重点部位监控全覆盖",
    "一键报警",
    "报警与公安联网",
]


def _post(**overrides):
    data = {
        "guards_full_time": "2",
        "cameras": "64",
        "key_areas_covered": "on",
        "one_key_alarm": "on",
        "alarm_linked_to_police": "on",
        "anti_collision_barriers": "on",
    }
    data.update(overrides)
    return data


def test_it_records_a_schools_guards_and_cameras(cast, client_for):
    response = client_for(cast.school_a_officer).post(
        reverse("safety:security-create"), _post(school=cast.school_a.pk)
    )
    assert response.status_code == 302
    record = SecurityResources.objects.get()
    assert (record.school, record.guards_full_time, record.cameras, record.one_key_alarm) == (
        cast.school_a,
        2,
        64,
        True,
    )
    assert AuditEvent.objects.filter(action=Action.CREATE, object_id=str(record.pk)).exists()


def test_it_keeps_one_record_per_school(cast, client_for):
    SecurityResourcesFactory(school=cast.school_a)
    response = client_for(cast.school_a_officer).post(
        reverse("safety:security-create"), _post(school=cast.school_a.pk)
    )
    assert "该校已登记人防物防技防情况，请编辑原记录" in response.content.decode()
    assert SecurityResources.objects.count() == 1


def test_it_refuses_inconsistent_answers(cast, client_for):
    response = client_for(cast.school_a_officer).post(
        reverse("safety:security-create"),
        _post(school=cast.school_a.pk, cameras="0", one_key_alarm=""),
    )
    body = response.content.decode()
    assert "监控摄像头数应大于0" in body
    assert "报警与公安联网须先配备一键报警" in body
    assert not SecurityResources.objects.exists()


def test_it_edits_and_deletes_the_record(cast, client_for):
    record = SecurityResourcesFactory(school=cast.school_a, guards_full_time=1)
    client = client_for(cast.safety_staff)
    url = reverse("safety:security-edit", kwargs={"securityresources_id": record.pk})
    response = client.post(url, _post(guards_full_time="3") | {"version": version_token(record)})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.guards_full_time == 3
    client.post(reverse("safety:security-delete", kwargs={"securityresources_id": record.pk}))
    assert not SecurityResources.objects.exists()


def test_it_totals_guards_cameras_and_alarms(cast, client_for):
    SecurityResourcesFactory(school=cast.school_a, guards_full_time=2, cameras=40)
    SecurityResourcesFactory(
        school=cast.school_b,
        guards_full_time=1,
        cameras=10,
        one_key_alarm=False,
        alarm_linked_to_police=False,
    )
    totals = client_for(cast.leader).get(reverse("safety:security-list")).context["totals"]
    assert totals["count"] == 2
    assert dict(totals["figures"]) == {
        "专职保安": 3,
        "摄像头": 50,
        "重点部位全覆盖": 2,
        "一键报警": 1,
    }


def test_it_imports_one_row_per_school(cast, client_for):
    existing = SecurityResourcesFactory(school=cast.school_a, guards_full_time=1, cameras=20)
    upload = xlsx(
        HEADERS,
        [
            [cast.school_a.identifier, 2, 30, "是", "是", "是"],
            [cast.school_b.identifier, 1, 12, "否", "是", "否"],
        ],
    )
    response = client_for(cast.safety_staff).post(
        reverse("safety:security-import"), {"file": upload}
    )
    assert response.status_code == 302
    existing.refresh_from_db()
    assert (existing.guards_full_time, existing.cameras) == (2, 30)
    # A column left out of the sheet keeps its value.
    assert existing.anti_collision_barriers is True
    assert SecurityResources.objects.get(school=cast.school_b).cameras == 12


def test_it_rejects_two_rows_for_one_school(cast, client_for):
    upload = xlsx(
        HEADERS,
        [
            [cast.school_a.identifier, 2, 30, "是", "是", "是"],
            [cast.school_a.identifier, 1, 12, "否", "是", "否"],
        ],
        title="三防",
    )
    response = client_for(cast.safety_staff).post(
        reverse("safety:security-import"), {"file": upload}
    )
    assert (
        "工作表“三防”第3行A列（“学校标识码”）：与第2行是同一条记录，请合并"
        in response.context["errors"]
    )
    assert not SecurityResources.objects.exists()
