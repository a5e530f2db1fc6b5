"""Drills: date, kind, participants; filters, totals, export and import."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from edubureau.audit.models import Action, AuditEvent
from edubureau.core.concurrency import version_token
from edubureau.safety.models import Drill
from edubureau.safety.tests.factories_ledgers import DrillFactory, xlsx, xlsx_rows

HEADERS = ["学校标识码", "学校名称", "所在乡镇", "演练日期", "演练类型", "参与人数", "用时（分钟）"]


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 3, 16, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)


def _post(**overrides):
    data = {"held_on": "2026-03-12", "kind": "earthquake", "participants": "1200"}
    data.update(overrides)
    return data


def test_it_records_a_drill(cast, client_for):
    response = client_for(cast.school_a_officer).post(
        reverse("safety:drill-create"), _post(school=cast.school_a.pk)
    )
    assert response.status_code == 302
    drill = Drill.objects.get()
    assert (drill.school, drill.held_on, drill.kind, drill.participants) == (
        cast.school_a,
        date(2026, 3, 12),
        "earthquake",
        1200,
    )
    assert AuditEvent.objects.filter(action=Action.CREATE, object_id=str(drill.pk)).exists()


def test_it_refuses_a_drill_in_the_future_or_without_participants(cast, client_for):
    response = client_for(cast.school_a_officer).post(
        reverse("safety:drill-create"),
        _post(school=cast.school_a.pk, held_on="2026-03-17", participants="0"),
    )
    body = response.content.decode()
    assert "演练日期不能晚于今天（2026-03-16）" in body
    assert "参与人数应大于0" in body
    assert not Drill.objects.exists()


def test_it_edits_and_deletes_a_drill(cast, client_for):
    drill = DrillFactory(school=cast.school_a, participants=300)
    client = client_for(cast.safety_staff)
    edit = reverse("safety:drill-edit", kwargs={"drill_id": drill.pk})
    response = client.post(
        edit,
        {
            "held_on": "2026-03-10",
            "kind": "fire",
            "participants": "320",
            "version": version_token(drill),
        },
    )
    assert response.status_code == 302
    drill.refresh_from_db()
    assert drill.participants == 320
    client.post(reverse("safety:drill-delete", kwargs={"drill_id": drill.pk}))
    assert not Drill.objects.exists()
    assert AuditEvent.objects.filter(action=Action.DELETE, object_id=str(drill.pk)).exists()


def test_it_filters_drills_by_dates_township_and_kind_with_totals(cast, client_for):
    DrillFactory(school=cast.school_a, held_on=date(2025, 11, 9), participants=100)
    DrillFactory(school=cast.school_a, held_on=date(2026, 3, 2), participants=200, kind="flood")
    DrillFactory(school=cast.school_b, held_on=date(2026, 3, 3), participants=400)
    client = client_for(cast.leader)
    url = reverse("safety:drill-list")

    def totals(params):
        response = client.get(url, params)
        return response.context["totals"]["count"], dict(response.context["totals"]["figures"])

    assert totals({}) == (3, {"参与人数": 700})
    assert totals({"since": "2026-02-01", "until": "2026-03-16"}) == (2, {"参与人数": 600})
    assert totals({"township": cast.township_b.pk}) == (1, {"参与人数": 400})
    assert totals({"kind": "flood"}) == (1, {"参与人数": 200})
    assert totals({"school": cast.school_a.pk, "since": "2026-01-01"}) == (1, {"参与人数": 200})
    # Malformed filters are ignored, not an error.
    assert client.get(url, {"since": "3月", "kind": "x", "page": "z"}).status_code == 200


def test_it_exports_the_filtered_drills_in_the_import_layout(cast, client_for):
    DrillFactory(school=cast.school_a, held_on=date(2026, 3, 2), participants=200, kind="flood")
    DrillFactory(school=cast.school_a, held_on=date(2025, 10, 1), participants=99)
    client = client_for(cast.school_a_officer)
    response = client.get(reverse("safety:drill-export"), {"since": "2026-01-01"})
    rows = xlsx_rows(response.content)
    assert rows[0] == (*HEADERS, "备注")
    assert rows[1][:6] == ("5109210001", "甲镇中心小学", "甲镇", datetime(2026, 3, 2), "防汛", 200)
    assert len(rows) == 2
    assert AuditEvent.objects.filter(action=Action.EXPORT, actor=cast.school_a_officer).exists()


def test_it_reimports_an_exported_sheet_without_duplicating(cast, client_for):
    DrillFactory(school=cast.school_a, held_on=date(2026, 3, 2), participants=200)
    client = client_for(cast.school_a_officer)
    exported = client.get(reverse("safety:drill-export")).content
    upload = xlsx(list(xlsx_rows(exported)[0]), [list(r) for r in xlsx_rows(exported)[1:]])
    response = client.post(reverse("safety:drill-import"), {"file": upload})
    assert response.status_code == 302
    assert Drill.objects.count() == 1


def test_it_imports_drills_and_rejects_bad_rows_as_a_whole(cast, client_for):
    client = client_for(cast.school_a_officer)
    good = xlsx(
        HEADERS,
        [
            ["5109210001", "", "", "2026-03-05", "消防疏散", 640, 4],
            ["5109210001", "", "", date(2026, 3, 9), "防溺水", 600, None],
        ],
    )
    assert client.post(reverse("safety:drill-import"), {"file": good}).status_code == 302
    assert Drill.objects.count() == 2
    bad = xlsx(
        HEADERS,
        [
            ["5109210001", "", "", "2026-03-11", "防震减灾", 500, 5],
            ["5109210001", "", "", "2026-04-01", "消防疏散", 0, 5],
            ["5109210001", "", "", "2026-03-11", "防震减灾", 500, 5],
        ],
        title="演练",
    )
    response = client.post(reverse("safety:drill-import"), {"file": bad})
    errors = response.context["errors"]
    assert "工作表“演练”第3行D列（“演练日期”）：演练日期不能晚于今天（2026-03-16）" in errors
    assert "工作表“演练”第3行F列（“参与人数”）：参与人数应大于0" in errors
    assert "工作表“演练”第4行E列（“演练类型”）：与第2行是同一条记录，请合并" in errors
    assert Drill.objects.count() == 2


def test_checking_a_drill_sheet_reports_the_counts_and_keeps_nothing(cast, client_for):
    from edubureau.audit.models import AuditEvent
    from edubureau.core.excel import CHECKED_PREFIX

    client = client_for(cast.school_a_officer)
    good = xlsx(HEADERS, [["5109210001", "", "", "2026-03-05", "消防疏散", 640, 4]])
    events = AuditEvent.objects.count()
    response = client.post(
        reverse("safety:drill-import"), {"file": good, "check_only": "on"}, follow=True
    )
    assert (Drill.objects.count(), AuditEvent.objects.count()) == (0, events)
    shown = [str(m) for m in response.context["messages"]]
    assert shown == [f"{CHECKED_PREFIX}新增1条，更新0条，未变0条。"]
