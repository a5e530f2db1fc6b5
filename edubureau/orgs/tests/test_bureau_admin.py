"""Administering the tree: the operator's top bureau, child bureaus and their first
administrators, moving a school within a subtree, importing child bureaus and schools."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from edubureau.audit.models import Action, AuditEvent
from edubureau.core.excel import ImportRejected
from edubureau.orgs.models import (
    Bureau,
    BureauLevel,
    Department,
    Role,
    School,
    SchoolTransfer,
    Township,
    User,
)
from edubureau.orgs.services.bureaus import (
    BUREAU_COLUMNS,
    BUREAU_SHEET,
    SCHOOL_SHEET,
    TOWNSHIP_COLUMNS,
    TOWNSHIP_SHEET,
    BureauData,
    _school_columns,
    bureau_create_child,
    region_code_problem,
    school_move,
    tree_import,
)
from edubureau.testing.dates import today

COUNTY = BureauData(name="丁县教育局", issuer_code="丁教发", region_code="519923")
# The form's fields as posted (an empty go-live is an empty field).
COUNTY_FORM = {k: ("" if v is None else v) for k, v in COUNTY.__dict__.items()}


def test_a_county_administrator_cannot_create_a_sibling_or_a_level_below(cast, client_for):
    with pytest.raises(PermissionDenied):
        bureau_create_child(actor=cast.admin, parent=cast.city, data=COUNTY)
    with pytest.raises(ValidationError, match="不再设立"):
        bureau_create_child(actor=cast.admin, parent=cast.bureau, data=COUNTY)
    with pytest.raises(PermissionDenied):  # a city's other staff are no administrators
        bureau_create_child(actor=cast.city_safety, parent=cast.city, data=COUNTY)
    response = client_for(cast.admin).post(reverse("orgs:bureau-list"), COUNTY_FORM)
    assert response.status_code == 403
    assert not Bureau.objects.filter(name=COUNTY.name).exists()


def test_a_city_administrator_creates_a_county_and_its_first_administrator(cast, client_for):
    client = client_for(cast.city_admin)
    assert client.get(reverse("orgs:bureau-list")).status_code == 200
    response = client.post(reverse("orgs:bureau-list"), COUNTY_FORM)
    county = Bureau.objects.get(name="丁县教育局")
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:bureau-admin-create", args=[county.pk])
    assert (county.parent, county.level, county.region_code) == (cast.city, "county", "519923")
    assert county.path == f"{cast.city.path}{county.pk}/"
    assert Department.objects.filter(bureau=county, code="safety", name="安全股").exists()
    assert AuditEvent.objects.filter(action=Action.CREATE, object_id=str(county.pk)).exists()

    response = client.post(
        reverse("orgs:bureau-admin-create", args=[county.pk]),
        {"username": "dingxian_admin", "full_name": "丁管理"},
    )
    assert response.status_code == 200
    password = response.context["password"]
    admin = User.objects.get(username="dingxian_admin")
    assert (admin.bureau, admin.role) == (county, Role.ADMINISTRATOR)
    assert admin.must_change_password
    assert password in response.content.decode()
    # The first login goes to the password page until the password is changed.
    fresh = Client()
    login = fresh.post(reverse("login"), {"username": "dingxian_admin", "password": password})
    assert login.status_code == 302
    home = fresh.get(reverse("home"))
    assert home.status_code == 302 and "password" in home["Location"]
    # The new county's administrator sees the county, not its parent or siblings.
    assert list(Bureau.objects.visible_to(admin)) == [county]


def test_an_administrator_appoints_only_in_a_child_bureau(cast, client_for):
    # The county's administrator cannot appoint one for its sibling, nor for its city.
    for target in (cast.sibling_bureau, cast.city):
        response = client_for(cast.admin).post(
            reverse("orgs:bureau-admin-create", args=[target.pk]), {"username": "x_admin"}
        )
        assert response.status_code in (403, 404)
    # The province's city is a child; the other city's county is not the city's.
    response = client_for(cast.city_admin).post(
        reverse("orgs:bureau-admin-create", args=[cast.other_bureau.pk]), {"username": "x"}
    )
    assert response.status_code == 404
    assert not User.objects.filter(username__in=["x_admin", "x"]).exists()


def test_a_county_administrator_cannot_move_a_school_outside_its_subtree(cast, client_for):
    with pytest.raises(PermissionDenied):
        school_move(actor=cast.admin, school=cast.school_a, to_bureau=cast.sibling_bureau)
    with pytest.raises(PermissionDenied):
        school_move(actor=cast.admin, school=cast.sibling_school, to_bureau=cast.bureau)
    with pytest.raises(PermissionDenied):
        school_move(actor=cast.admin, school=cast.school_a, to_bureau=cast.city)
    client = client_for(cast.admin)
    assert client.get(reverse("orgs:school-move", args=[cast.sibling_school.pk])).status_code == 404
    response = client.post(
        reverse("orgs:school-move", args=[cast.school_a.pk]),
        {"to_bureau": cast.sibling_bureau.pk, "moved_on": today().isoformat()},
    )
    assert response.status_code == 200  # the sibling is not among the choices
    cast.school_a.refresh_from_db()
    assert cast.school_a.bureau == cast.bureau
    assert not SchoolTransfer.objects.exists()


def test_a_move_is_audited_and_its_history_recorded(cast, client_for):
    target_township = cast.sibling_school.township
    moved_on = today() - timedelta(days=3)
    response = client_for(cast.city_admin).post(
        reverse("orgs:school-move", args=[cast.school_b.pk]),
        {
            "to_bureau": cast.sibling_bureau.pk,
            "township": target_township.pk,
            "moved_on": moved_on.isoformat(),
            "reason": "区划调整",
        },
    )
    assert response.status_code == 302
    school = School.objects.get(pk=cast.school_b.pk)
    assert (school.bureau, school.township) == (cast.sibling_bureau, target_township)
    transfer = SchoolTransfer.objects.get(school=school)
    assert (transfer.from_bureau, transfer.to_bureau) == (cast.bureau, cast.sibling_bureau)
    assert (transfer.moved_on, transfer.actor, transfer.reason) == (
        moved_on,
        cast.city_admin,
        "区划调整",
    )
    assert transfer.from_township == cast.township_b
    event = AuditEvent.objects.get(
        action=Action.UPDATE, model_label="orgs.School", object_id=str(school.pk)
    )
    assert event.actor == cast.city_admin
    assert "甲县教育局 → 乙县教育局" in event.detail
    assert event.changes["bureau"] == [cast.bureau.pk, cast.sibling_bureau.pk]
    assert AuditEvent.objects.filter(
        action=Action.CREATE, model_label="orgs.SchoolTransfer", object_id=str(transfer.pk)
    ).exists()
    # The school's accounts go with it; the old county no longer reads it.
    cast.school_b_officer.refresh_from_db()
    assert cast.school_b_officer.bureau == cast.sibling_bureau
    assert not School.objects.visible_to(cast.leader).filter(pk=school.pk).exists()
    assert School.objects.visible_to(cast.sibling_admin).filter(pk=school.pk).exists()
    page = client_for(cast.city_admin).get(reverse("orgs:school-move", args=[school.pk]))
    assert "区划调整" in page.content.decode()


def test_a_move_refuses_bad_targets_dates_and_townships(cast):
    with pytest.raises(ValidationError) as exc:
        school_move(
            actor=cast.city_admin,
            school=cast.school_a,
            to_bureau=cast.sibling_bureau,
            township=cast.township_b,  # a township of the old county
            moved_on=today() + timedelta(days=1),
        )
    assert set(exc.value.error_dict) == {"township", "moved_on"}
    with pytest.raises(ValidationError, match="已属于"):
        school_move(actor=cast.city_admin, school=cast.school_a, to_bureau=cast.bureau)
    # Up to the city (市直): no township.
    school_move(actor=cast.city_admin, school=cast.school_a, to_bureau=cast.city)
    cast.school_a.refresh_from_db()
    assert cast.school_a.township is None and cast.school_a.area_name == "市直"
    # The inspector of the old county no longer supervises it.
    assert not cast.inspector.assigned_schools.filter(pk=cast.school_a.pk).exists()


def _workbook(sheets: dict[str, tuple[tuple, list[tuple]]]) -> io.BytesIO:
    book = Workbook()
    book.remove(book.active)
    for title, (columns, rows) in sheets.items():
        sheet = book.create_sheet(title)
        sheet.append([c.header for c in columns])
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


SCHOOL_HEADERS = _school_columns()


def _school(code, identifier, name, township, kind="小学"):
    return (code, identifier, name, kind, "公办", "乡村", township, "", "", "", None, "是")


def test_a_city_administrator_imports_counties_townships_and_schools(cast):
    upload = _workbook(
        {
            BUREAU_SHEET: (
                BUREAU_COLUMNS,
                [
                    ("519923", "丁县教育局", "丁县", "丁教发", "", "", "2025-09-01"),
                    ("519902", "甲市城区教育局", "城区", "城教发", "", ""),
                ],
            ),
            TOWNSHIP_SHEET: (TOWNSHIP_COLUMNS, [("519923", "丁一镇", "519923101", 1)]),
            SCHOOL_SHEET: (
                SCHOOL_HEADERS,
                [
                    _school("519923", "2519923001", "丁一镇中心小学", "丁一镇"),
                    _school("519900", "2519900001", "甲市实验小学", None),
                ],
            ),
        }
    )
    result = tree_import(actor=cast.city_admin, upload=upload)
    assert (result.bureaus_created, result.townships_created, result.schools_created) == (2, 1, 2)
    county = Bureau.objects.get(region_code="519923")
    assert (county.parent, county.level) == (cast.city, BureauLevel.COUNTY)
    assert county.go_live is not None and county.go_live.isoformat() == "2025-09-01"
    assert Bureau.objects.get(region_code="519902").go_live is None
    school = School.objects.get(identifier="2519923001")
    assert (school.bureau, school.township.name) == (county, "丁一镇")
    assert School.objects.get(identifier="2519900001").bureau == cast.city
    assert AuditEvent.objects.filter(action=Action.IMPORT, actor=cast.city_admin).exists()


def test_a_bad_import_changes_nothing_and_names_sheet_row_and_column(cast):
    before = (Bureau.objects.count(), Township.objects.count(), School.objects.count())
    upload = _workbook(
        {
            BUREAU_SHEET: (
                BUREAU_COLUMNS,
                [
                    ("519923", "丁县教育局", "丁县", "丁教发", "", ""),
                    ("529924", "戊县教育局", "戊县", "戊教发", "", ""),  # another city's code
                ],
            ),
            SCHOOL_SHEET: (
                SCHOOL_HEADERS,
                [
                    _school("519923", "2519923001", "丁一镇中心小学", "无此镇"),
                    _school("519999", "2519999001", "某镇小学", "某镇"),
                ],
            ),
        }
    )
    with pytest.raises(ImportRejected) as exc:
        tree_import(actor=cast.city_admin, upload=upload)
    messages = [str(e) for e in exc.value.errors]
    # core.excel.CellError names the place; the rule follows.
    assert (
        "工作表“下级教育局”第3行A列（“行政区划代码”）："
        "应以上级教育局行政区划代码的前4位“5199”开头" in messages
    )
    assert (
        "工作表“学校”第2行G列（“所在乡镇”）："
        "该教育局没有乡镇（街道）“无此镇”，请先在“乡镇（街道）”中列出" in messages
    )
    assert (
        "工作表“学校”第3行A列（“所属教育局代码”）：本局及下级中没有行政区划代码为519999的教育局"
        in messages
    )
    assert (Bureau.objects.count(), Township.objects.count(), School.objects.count()) == before
    # A county administrator cannot import bureaus below a county.
    with pytest.raises(ImportRejected, match="errors"):
        tree_import(
            actor=cast.admin,
            upload=_workbook(
                {BUREAU_SHEET: (BUREAU_COLUMNS, [("519929", "某", "", "某", "", "")])}
            ),
        )


def test_the_import_page_shows_the_errors(cast, client_for):
    client = client_for(cast.city_admin)
    assert client.get(reverse("orgs:bureau-import")).status_code == 200
    template = client.get(reverse("orgs:bureau-import-template"))
    assert template.status_code == 200 and template.content[:2] == b"PK"
    upload = _workbook(
        {BUREAU_SHEET: (BUREAU_COLUMNS, [("12", "丁县教育局", "", "丁教发", "", "")])}
    )
    upload.name = "bureaus.xlsx"
    response = client.post(reverse("orgs:bureau-import"), {"file": upload})
    assert response.status_code == 200
    assert "行政区划代码必须是6位数字" in response.content.decode()


@pytest.mark.parametrize(
    ("code", "level", "ok"),
    [
        ("340000", BureauLevel.PROVINCE, True),
        ("340100", BureauLevel.PROVINCE, False),
        ("340100", BureauLevel.CITY, True),
        ("340000", BureauLevel.CITY, False),
        ("340102", BureauLevel.COUNTY, True),
        ("340100", BureauLevel.COUNTY, False),
        ("3401", BureauLevel.COUNTY, False),
    ],
)
def test_region_codes_follow_the_division_scheme(code, level, ok):
    assert (region_code_problem(code, level=level, parent=None) is None) == ok


def test_the_operator_creates_the_top_bureau_and_its_administrator(db):
    out = io.StringIO()
    call_command(
        "bureau_create",
        "--level=province",
        "--name=安徽省教育厅",
        "--region-code=340000",
        "--issuer-code=皖教",
        "--admin-username=ah_admin",
        stdout=out,
    )
    province = Bureau.objects.get(name="安徽省教育厅")
    assert (province.parent, province.level) == (None, BureauLevel.PROVINCE)
    admin = User.objects.get(username="ah_admin")
    assert admin.bureau == province and admin.must_change_password
    assert "初始密码" in out.getvalue()
    assert Department.objects.filter(bureau=province, name="安全稳定工作处").exists()
    with pytest.raises(CommandError, match="行政区划代码"):
        call_command(
            "bureau_create",
            "--level=city",
            "--name=合肥市教育局",
            "--region-code=340000",
            "--issuer-code=合教",
            "--admin-username=hf_admin",
            stdout=io.StringIO(),
        )
    assert not Bureau.objects.filter(name="合肥市教育局").exists()


def test_a_new_bureau_gets_its_go_live_date(cast, client_for):
    from django.utils import timezone

    go_live = timezone.localdate() - timezone.timedelta(days=30)
    form = {**COUNTY_FORM, "go_live": go_live.isoformat()}
    client_for(cast.city_admin).post(reverse("orgs:bureau-list"), form)
    assert Bureau.objects.get(name=COUNTY.name).go_live == go_live
