"""Canteens: grade, licence expiry, self-run or contracted."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from edubureau.audit.models import Action, AuditEvent
from edubureau.core.concurrency import version_token
from edubureau.safety.models import Canteen
from edubureau.safety.selectors.ledger_coverage import canteens_expiring
from edubureau.safety.tests.factories_ledgers import CanteenFactory, xlsx

HEADERS = [
    "学校标识码",
    "食堂名称",
    "量化分级",
    "食品经营许可证号",
    "许可证有效期至",
    "经营方式",
    "受托单位",
]


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 3, 16, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)


def _post(**overrides):
    data = {
        "name": "学生食堂",
        "grade": "A",
        "licence_no": "JY35109210000123",
        "licence_expires": "2028-06-30",
        "operation": "self_run",
        "contractor": "",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_it_registers_a_canteen(cast, client_for):
    response = client_for(cast.school_a_officer).post(
        reverse("safety:canteen-create"), _post(school=cast.school_a.pk)
    )
    assert response.status_code == 302
    canteen = Canteen.objects.get()
    assert (canteen.school, canteen.grade, canteen.licence_expires) == (
        cast.school_a,
        "A",
        date(2028, 6, 30),
    )
    assert AuditEvent.objects.filter(action=Action.CREATE, object_id=str(canteen.pk)).exists()


def test_it_requires_the_contractor_of_a_contracted_canteen(cast, client_for):
    response = client_for(cast.school_a_officer).post(
        reverse("safety:canteen-create"), _post(school=cast.school_a.pk, operation="contracted")
    )
    assert "委托经营的食堂须填写受托单位" in response.content.decode()
    assert not Canteen.objects.exists()


def test_it_refuses_two_canteens_of_the_same_name_at_a_school(cast, client_for):
    CanteenFactory(school=cast.school_a, name="学生食堂")
    response = client_for(cast.school_a_officer).post(
        reverse("safety:canteen-create"), _post(school=cast.school_a.pk)
    )
    assert "该校已登记同名食堂" in response.content.decode()
    assert Canteen.objects.count() == 1


def test_it_edits_and_deletes_a_canteen(cast, client_for):
    canteen = CanteenFactory(school=cast.school_a, name="学生食堂", grade="B")
    client = client_for(cast.school_a_officer)
    url = reverse("safety:canteen-edit", kwargs={"canteen_id": canteen.pk})
    response = client.post(
        url,
        _post(operation="contracted", contractor="某餐饮公司")
        | {"version": version_token(canteen)},
    )
    assert response.status_code == 302
    canteen.refresh_from_db()
    assert (canteen.grade, canteen.operation, canteen.contractor) == (
        "A",
        "contracted",
        "某餐饮公司",
    )
    client.post(reverse("safety:canteen-delete", kwargs={"canteen_id": canteen.pk}))
    assert not Canteen.objects.exists()


def test_it_filters_canteens_by_grade_and_expiring_licence(cast, client_for):
    CanteenFactory(school=cast.school_a, grade="A", licence_expires=date(2026, 4, 1))
    CanteenFactory(school=cast.school_b, grade="B")
    client = client_for(cast.leader)
    url = reverse("safety:canteen-list")
    assert client.get(url, {"grade": "B"}).context["totals"]["count"] == 1
    expiring = client.get(url, {"expiring": "30"})
    assert [r["obj"].school for r in expiring.context["table"]] == [cast.school_a]


def test_it_alerts_on_canteen_licences_expiring_or_expired(cast):
    CanteenFactory(school=cast.school_a, name="一食堂", licence_expires=date(2026, 3, 10))
    CanteenFactory(school=cast.school_a, name="二食堂", licence_expires=date(2026, 4, 15))
    CanteenFactory(school=cast.school_a, name="三食堂", licence_expires=date(2026, 4, 16))
    CanteenFactory(
        school=cast.school_a, name="旧食堂", licence_expires=date(2025, 1, 1), is_active=False
    )
    found = canteens_expiring(user=cast.school_a_officer, within_days=30, today=date(2026, 3, 16))
    assert [(d.subject, d.document, d.days_left) for d in found] == [
        ("一食堂", "食品经营许可证", -6),
        ("二食堂", "食品经营许可证", 30),
    ]


def test_it_imports_canteens_by_school_and_name(cast, client_for):
    existing = CanteenFactory(school=cast.school_a, name="学生食堂", grade="B")
    upload = xlsx(
        HEADERS,
        [
            ["5109210001", "学生食堂", "A级（优秀）", "JY1", "2028-01-01", "自主经营", ""],
            ["5109210001", "教工食堂", "C", "JY2", "2027-01-01", "委托经营", "某公司"],
        ],
    )
    response = client_for(cast.safety_staff).post(
        reverse("safety:canteen-import"), {"file": upload}
    )
    assert response.status_code == 302
    existing.refresh_from_db()
    assert (existing.grade, existing.licence_no) == ("A", "JY1")
    assert Canteen.objects.get(name="教工食堂").contractor == "某公司"


def test_it_rejects_a_canteen_sheet_with_a_bad_row(cast, client_for):
    upload = xlsx(
        HEADERS,
        [
            ["5109210001", "学生食堂", "A", "JY1", "2028-01-01", "自主经营", ""],
            ["5109210001", "教工食堂", "D", "JY2", "2027-13-01", "委托经营", ""],
        ],
        title="食堂",
    )
    response = client_for(cast.safety_staff).post(
        reverse("safety:canteen-import"), {"file": upload}
    )
    errors = response.context["errors"]
    assert any(e.startswith("工作表“食堂”第3行C列（“量化分级”）") for e in errors)
    assert any(e.startswith("工作表“食堂”第3行E列（“许可证有效期至”）") for e in errors)
    assert not Canteen.objects.exists()
