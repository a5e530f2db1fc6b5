"""School buses and student shuttles: plate format, upsert by plate, expiring documents."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from edubureau.audit.models import Action, AuditEvent
from edubureau.core.concurrency import version_token
from edubureau.safety.models import Vehicle
from edubureau.safety.selectors.ledger_coverage import vehicles_expiring
from edubureau.safety.services.ledgers import normalise_plate
from edubureau.safety.tests.factories_ledgers import VehicleFactory, xlsx, xlsx_rows

TODAY = date(2026, 3, 16)
HEADERS = [
    "学校标识码",
    "类型",
    "车牌号",
    "核载人数",
    "驾驶人",
    "驾驶证有效期至",
    "车辆检验有效期至",
    "保险有效期至",
    "安装卫星定位",
    "行驶线路",
]


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 3, 16, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)


def _post(**overrides):
    data = {
        "kind": "school_bus",
        "plate": "川a·12345",
        "seats": "35",
        "driver_name": "李师傅",
        "driver_licence_expires": "2029-05-01",
        "inspection_expires": "2026-09-30",
        "insurance_expires": "2026-12-31",
        "gps_fitted": "on",
        "route": "场镇—石桥村",
        "operator": "",
        "is_active": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("raw", "plate"),
    [
        ("川A12345", "川A12345"),
        ("川A·12345", "川A12345"),
        (" 川a 1234d ", "川A1234D"),
        ("川AD12345", "川AD12345"),
    ],
)
def test_it_normalises_chinese_plates(raw, plate):
    assert normalise_plate(raw) == plate


@pytest.mark.parametrize("raw", ["A12345", "川A1234", "川AO1234", "川A1234567", "XX12345"])
def test_it_rejects_malformed_plates(raw):
    with pytest.raises(ValueError, match="格式不正确"):
        normalise_plate(raw)


def test_it_registers_a_vehicle_with_a_normalised_plate(cast, client_for):
    response = client_for(cast.school_a_officer).post(
        reverse("safety:vehicle-create"), _post(school=cast.school_a.pk)
    )
    assert response.status_code == 302
    vehicle = Vehicle.objects.get()
    assert (vehicle.plate, vehicle.school, vehicle.gps_fitted) == ("川A12345", cast.school_a, True)


def test_it_refuses_a_bad_plate_and_a_plate_already_registered(cast, client_for):
    VehicleFactory(school=cast.school_b, plate="川A12345")
    client = client_for(cast.school_a_officer)
    bad = client.post(
        reverse("safety:vehicle-create"), _post(school=cast.school_a.pk, plate="川A1")
    )
    assert "车牌号“川A1”格式不正确" in bad.content.decode()
    twin = client.post(
        reverse("safety:vehicle-create"),
        _post(school=cast.school_a.pk, plate="川A 12345", seats="0"),
    )
    body = twin.content.decode()
    assert "核载人数应大于0" in body
    twin = client.post(
        reverse("safety:vehicle-create"), _post(school=cast.school_a.pk, plate="川A 12345")
    )
    assert "该车牌号已登记" in twin.content.decode()
    assert Vehicle.objects.count() == 1


def test_it_edits_a_vehicle(cast, client_for):
    vehicle = VehicleFactory(school=cast.school_a, plate="川A12345", seats=35)
    url = reverse("safety:vehicle-edit", kwargs={"vehicle_id": vehicle.pk})
    response = client_for(cast.school_a_officer).post(
        url, _post(seats="19", gps_fitted="") | {"version": version_token(vehicle)}
    )
    assert response.status_code == 302
    vehicle.refresh_from_db()
    assert (vehicle.seats, vehicle.gps_fitted) == (19, False)


def test_it_lists_vehicles_with_expiring_documents(cast, client_for):
    soon = VehicleFactory(school=cast.school_a, driver_licence_expires=date(2026, 4, 1))
    VehicleFactory(school=cast.school_a, inspection_expires=date(2026, 3, 1))
    VehicleFactory(school=cast.school_a)  # all documents valid for long
    VehicleFactory(school=cast.school_a, inspection_expires=date(2026, 3, 1), is_active=False)
    client = client_for(cast.school_a_officer)
    response = client.get(reverse("safety:vehicle-list"), {"expiring": "30"})
    assert response.context["totals"]["count"] == 2
    body = response.content.decode()
    assert "已过期" in body and "16天后到期" in body
    expired_only = client.get(reverse("safety:vehicle-list"), {"expiring": "0"})
    assert soon not in [r["obj"] for r in expired_only.context["table"]]
    assert expired_only.context["totals"]["count"] == 1


def test_it_reports_which_vehicle_document_expires(cast):
    bus = VehicleFactory(
        school=cast.school_a,
        plate="川A11111",
        driver_licence_expires=date(2026, 4, 10),
        insurance_expires=date(2026, 3, 1),
    )
    VehicleFactory(school=cast.school_b, plate="川A22222", inspection_expires=date(2026, 4, 1))
    found = vehicles_expiring(user=cast.school_a_officer, within_days=30, today=TODAY)
    assert [(d.subject, d.document, d.days_left, d.expired) for d in found] == [
        ("川A11111", "车辆保险", -15, True),
        ("川A11111", "驾驶证", 25, False),
    ]
    assert found[0].object_id == bus.pk
    everything = vehicles_expiring(user=cast.leader, within_days=30, today=TODAY)
    assert {d.subject for d in everything} == {"川A11111", "川A22222"}


def test_it_imports_vehicles_upserting_by_plate(cast, client_for):
    existing = VehicleFactory(school=cast.school_a, plate="川A12345", seats=35)
    upload = xlsx(
        HEADERS,
        [
            [
                "5109210001",
                "校车",
                "川A·12345",
                39,
                "李师傅",
                "2029-01-01",
                "2026-10-01",
                None,
                "是",
                "甲线",
            ],
            [
                "5109210001",
                "学生专车",
                "川A67890",
                7,
                "赵师傅",
                "2028-01-01",
                "2026-12-01",
                None,
                "否",
                "",
            ],
        ],
    )
    response = client_for(cast.school_a_officer).post(
        reverse("safety:vehicle-import"), {"file": upload}
    )
    assert response.status_code == 302
    existing.refresh_from_db()
    assert (existing.seats, existing.route, existing.insurance_expires) == (39, "甲线", None)
    new = Vehicle.objects.get(plate="川A67890")
    assert (new.kind, new.gps_fitted, new.school) == ("shuttle", False, cast.school_a)
    assert AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(existing.pk)).exists()


def test_it_refuses_to_import_a_plate_registered_by_another_school(cast, client_for):
    VehicleFactory(school=cast.school_b, plate="川A12345", seats=35)
    upload = xlsx(
        HEADERS,
        [
            [
                "5109210001",
                "学生专车",
                "川A67890",
                7,
                "赵师傅",
                "2028-01-01",
                "2026-12-01",
                None,
                "否",
                "",
            ],
            [
                "5109210001",
                "校车",
                "川A12345",
                19,
                "李师傅",
                "2029-01-01",
                "2026-10-01",
                None,
                "是",
                "",
            ],
        ],
        title="车辆",
    )
    response = client_for(cast.school_a_officer).post(
        reverse("safety:vehicle-import"), {"file": upload}
    )
    assert response.context["errors"] == [
        "工作表“车辆”第3行C列（“车牌号”）：该车牌号已由其他单位登记，请联系安全股核实"
    ]
    assert Vehicle.objects.count() == 1
    assert Vehicle.objects.get().seats == 35


def test_it_exports_vehicles_readably(cast, client_for):
    VehicleFactory(school=cast.school_a, plate="川A12345", gps_fitted=False)
    rows = xlsx_rows(client_for(cast.leader).get(reverse("safety:vehicle-export")).content)
    header = rows[0]
    row = dict(zip(header, rows[1], strict=True))
    assert (row["车牌号"], row["类型"], row["安装卫星定位"], row["在用"]) == (
        "川A12345",
        "校车",
        "否",
        "是",
    )


def test_it_filters_vehicles_by_yes_no_columns(cast, client_for):
    VehicleFactory(school=cast.school_a, gps_fitted=True)
    VehicleFactory(school=cast.school_a, gps_fitted=False)
    VehicleFactory(school=cast.school_a, gps_fitted=True, is_active=False)
    client = client_for(cast.school_a_officer)

    def count(**params) -> int:
        return client.get(reverse("safety:vehicle-list"), params).context["totals"]["count"]

    assert count() == 3
    assert count(active="1") == 2
    assert count(active="1", gps_fitted="1") == 1
    assert count(gps_fitted="0") == 1
    assert count(gps_fitted="maybe") == 3
