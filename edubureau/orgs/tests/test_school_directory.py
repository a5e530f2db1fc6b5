from __future__ import annotations

import io

from django.urls import reverse
from openpyxl import Workbook, load_workbook

from edubureau.audit.models import Action, AuditEvent
from edubureau.core.concurrency import version_token
from edubureau.orgs.models import School, SchoolKind
from edubureau.testing.factories import SchoolFactory


def _rows(response) -> list[str]:
    return [s.name for s in response.context["page"]]


def test_it_lists_only_the_school_users_own_school(cast, client_for):
    response = client_for(cast.school_a_officer).get(reverse("orgs:school-list"))
    assert _rows(response) == [cast.school_a.name]


def test_it_lists_every_school_of_the_bureau_for_staff(cast, client_for):
    response = client_for(cast.safety_staff).get(reverse("orgs:school-list"))
    assert set(_rows(response)) == {cast.school_a.name, cast.school_b.name}


def test_it_filters_by_township_kind_and_search(cast, client_for):
    client = client_for(cast.leader)
    url = reverse("orgs:school-list")
    assert _rows(client.get(url, {"township": cast.township_b.pk})) == [cast.school_b.name]
    assert _rows(client.get(url, {"kind": SchoolKind.JUNIOR})) == [cast.school_b.name]
    assert _rows(client.get(url, {"locality": "rural"})) == [cast.school_b.name]
    assert _rows(client.get(url, {"q": "甲镇"})) == [cast.school_a.name]
    assert _rows(client.get(url, {"q": cast.school_b.identifier})) == [cast.school_b.name]
    # Malformed filters are ignored, not a server error.
    assert client.get(url, {"township": "abc", "page": "x"}).status_code == 200


def test_it_lists_a_county_in_a_constant_number_of_queries(
    cast, client_for, django_assert_max_num_queries
):
    SchoolFactory.create_batch(30, bureau=cast.bureau, township=cast.township_a)
    client = client_for(cast.leader)
    with django_assert_max_num_queries(12):
        client.get(reverse("orgs:school-list"))


def _xlsx_rows(content: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]


def test_it_exports_the_directory_in_the_users_scope(cast, client_for):
    response = client_for(cast.school_a_officer).get(reverse("orgs:school-export"))
    rows = _xlsx_rows(response.content)
    assert rows[0][:2] == ("学校标识码", "学校名称")
    assert [r[1] for r in rows[1:]] == [cast.school_a.name]
    assert AuditEvent.objects.filter(action=Action.EXPORT, actor=cast.school_a_officer).exists()


def _sheet(rows: list[list]) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.title = "学校名录"
    ws.append(
        [
            "学校标识码",
            "学校名称",
            "办学类型",
            "举办者",
            "城乡分类",
            "所在乡镇",
            "校长（园长）",
            "建校年份",
        ]
    )
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "schools.xlsx"
    return buffer


def test_it_imports_new_and_changed_schools(cast, client_for):
    upload = _sheet(
        [
            ["5109210003", "甲镇第二幼儿园", "幼儿园", "民办", "镇区", "甲镇", "赵园长", 2012],
            [
                cast.school_a.identifier,
                cast.school_a.name,
                "小学",
                "公办",
                "镇区",
                "甲镇",
                "新校长",
                1958,
            ],
        ]
    )
    response = client_for(cast.admin).post(reverse("orgs:school-import"), {"file": upload})
    assert response.status_code == 302
    created = School.objects.get(identifier="5109210003")
    assert (created.kind, created.ownership, created.township) == (
        "kindergarten",
        "private",
        cast.township_a,
    )
    cast.school_a.refresh_from_db()
    assert cast.school_a.principal == "新校长"
    update = AuditEvent.objects.get(action=Action.UPDATE, object_id=str(cast.school_a.pk))
    assert update.changes["principal"] == ["张校长", "新校长"]
    assert AuditEvent.objects.filter(action=Action.CREATE, object_id=str(created.pk)).exists()


def test_it_rejects_a_sheet_with_any_bad_row_and_changes_nothing(cast, client_for):
    before = list(School.objects.order_by("pk").values())
    upload = _sheet(
        [
            ["5109210003", "甲镇第二幼儿园", "幼儿园", "民办", "镇区", "甲镇", "赵园长", 2012],
            ["51092100", "坏标识码学校", "小学", "公办", "镇区", "甲镇", "", ""],
            ["5109210005", "不存在乡镇小学", "大学", "公办", "镇区", "火星镇", "", "一九五八"],
            ["5109210006", cast.school_b.name, "小学", "公办", "镇区", "甲镇", "", ""],
        ]
    )
    response = client_for(cast.admin).post(reverse("orgs:school-import"), {"file": upload})
    assert response.status_code == 200
    errors = response.context["errors"]
    text = "\n".join(errors)
    assert "工作表“学校名录”第3行A列（“学校标识码”）：学校标识码必须是10位数字" in text
    assert "第4行C列（“办学类型”）：“大学”不是有效选项" in text
    assert "第4行F列（“所在乡镇”）：系统中没有乡镇“火星镇”" in text
    assert "第4行H列（“建校年份”）：“一九五八”不是整数" in text
    assert "第5行B列（“学校名称”）：名称已被学校" in text
    assert list(School.objects.order_by("pk").values()) == before


def test_it_rejects_a_file_that_is_not_excel(cast, client_for):
    upload = io.BytesIO(b"not a workbook")
    upload.name = "schools.xlsx"
    response = client_for(cast.admin).post(reverse("orgs:school-import"), {"file": upload})
    assert "不是有效的Excel" in "".join(response.context["errors"])


def test_it_reports_missing_required_columns(cast, client_for):
    wb = Workbook()
    wb.active.append(["学校名称"])
    wb.active.append(["某校"])
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "x.xlsx"
    response = client_for(cast.admin).post(reverse("orgs:school-import"), {"file": buffer})
    assert "缺少必填列“学校标识码”" in "".join(response.context["errors"])


def test_it_round_trips_an_export_through_import_without_changes(cast, client_for):
    content = client_for(cast.admin).get(reverse("orgs:school-export")).content
    upload = io.BytesIO(content)
    upload.name = "schools.xlsx"
    client_for(cast.admin).post(reverse("orgs:school-import"), {"file": upload})
    assert not AuditEvent.objects.filter(action=Action.UPDATE).exists()
    assert AuditEvent.objects.get(action=Action.IMPORT).detail.endswith("未变2所")


def test_it_forbids_import_to_non_administrators(cast, client_for):
    response = client_for(cast.safety_staff).post(
        reverse("orgs:school-import"), {"file": _sheet([])}
    )
    assert response.status_code == 403


def test_it_lets_the_principal_edit_only_contact_details(cast, client_for):
    url = reverse("orgs:school-edit", kwargs={"school_id": cast.school_a.pk})
    client = client_for(cast.school_a_principal)
    form = client.get(url).context["form"]
    assert set(form.fields) == {"address", "principal", "phone", "version"}
    response = client.post(
        url,
        {
            "address": "新地址",
            "principal": "王校长",
            "phone": "123",
            "name": "改名企图",
            "version": version_token(cast.school_a),
        },
    )
    assert response.status_code == 302
    cast.school_a.refresh_from_db()
    assert (cast.school_a.address, cast.school_a.name) == ("新地址", "甲镇中心小学")


def test_it_refuses_edits_to_read_only_users_and_other_roles(cast, client_for):
    url = reverse("orgs:school-edit", kwargs={"school_id": cast.school_a.pk})
    assert client_for(cast.school_a_teacher).get(url).status_code == 403
    assert client_for(cast.school_a_officer).get(url).status_code == 403
    assert client_for(cast.leader).get(url).status_code == 403


def test_it_refuses_a_conflicting_edit(cast, client_for):
    url = reverse("orgs:school-edit", kwargs={"school_id": cast.school_a.pk})
    stale = version_token(cast.school_a)
    first = client_for(cast.school_a_principal)
    assert (
        first.post(
            url, {"address": "A", "principal": "A", "phone": "1", "version": stale}
        ).status_code
        == 302
    )
    second = client_for(cast.admin)
    data = {
        "identifier": cast.school_a.identifier,
        "name": cast.school_a.name,
        "kind": "primary",
        "ownership": "public",
        "locality": "town",
        "township": cast.township_a.pk,
        "address": "B",
        "principal": "B",
        "phone": "2",
        "is_active": "on",
        "version": stale,
    }
    response = second.post(url, data)
    assert response.status_code == 200
    assert "已被他人修改" in response.content.decode()
    cast.school_a.refresh_from_db()
    assert cast.school_a.address == "A"


def test_it_creates_a_school_as_administrator(cast, client_for):
    data = {
        "identifier": "5109210009",
        "name": "甲镇新建小学",
        "kind": "primary",
        "ownership": "public",
        "locality": "town",
        "township": cast.township_a.pk,
        "is_active": "on",
    }
    response = client_for(cast.admin).post(reverse("orgs:school-create"), data)
    assert response.status_code == 302
    school = School.objects.get(identifier="5109210009")
    assert school.bureau == cast.bureau
    bad = client_for(cast.admin).post(reverse("orgs:school-create"), {**data, "identifier": "12"})
    assert bad.status_code == 200 and "10位数字" in bad.content.decode()
    assert client_for(cast.leader).post(reverse("orgs:school-create"), data).status_code == 403


def test_it_shows_a_school_and_offers_editing_only_to_who_may_edit(cast, client_for):
    url = reverse("orgs:school-detail", kwargs={"school_id": cast.school_a.pk})
    principal_page = client_for(cast.school_a_principal).get(url)
    assert principal_page.status_code == 200
    assert cast.school_a.identifier in principal_page.content.decode()
    assert principal_page.context["can_edit"] is True
    assert client_for(cast.school_a_officer).get(url).context["can_edit"] is False
    assert client_for(cast.leader).get(url).context["can_edit"] is False


def test_a_long_directory_is_exported_in_the_background_with_the_same_rows(
    cast, client_for, settings, tmp_path, django_capture_on_commit_callbacks
):
    from edubureau.downloads.models import Download, Status

    settings.MEDIA_ROOT = tmp_path
    client = client_for(cast.admin)
    url = reverse("orgs:school-export")
    inline = client.get(url, {"active": "all"})
    assert inline["Content-Disposition"].startswith("attachment;")
    settings.DOWNLOAD_INLINE_LIMITS = {"orgs.schools": 1}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url, {"active": "all"})
    download = Download.objects.get()
    assert response["Location"] == reverse("downloads:detail", args=[download.pk])
    assert download.status == Status.DONE, download.error
    made = b"".join(client.get(reverse("downloads:file", args=[download.pk])).streaming_content)

    def rows(data):
        return [
            tuple(r) for r in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)
        ]

    assert rows(made) == rows(inline.content)
    names = {r[1] for r in rows(made)}
    assert {cast.school_a.name, cast.school_b.name} <= names
    assert cast.sibling_school.name not in names
