"""仅检查，不导入: an import's dry run reports what the import would do, from the same
code, and keeps nothing — no row, no audit event."""

from __future__ import annotations

import pytest
from django.urls import reverse

from edubureau.audit.models import AuditEvent
from edubureau.core.excel import CHECKED_PREFIX, ImportRejected, rehearse
from edubureau.orgs.models import Bureau, School
from edubureau.orgs.services.bureaus import BUREAU_COLUMNS, BUREAU_SHEET, tree_import
from edubureau.orgs.tests.test_bureau_admin import _workbook
from edubureau.orgs.tests.test_school_directory import _sheet

pytestmark = pytest.mark.django_db

NEW_SCHOOL = ["5109210003", "甲镇第二幼儿园", "幼儿园", "民办", "镇区", "甲镇", "赵园长", 2012]


def _state() -> tuple[list, int]:
    return list(School.objects.order_by("pk").values()), AuditEvent.objects.count()


def test_checking_a_school_sheet_reports_the_counts_and_keeps_nothing(cast, client_for):
    client = client_for(cast.admin)
    before = _state()
    response = client.post(
        reverse("orgs:school-import"),
        {"file": _sheet([NEW_SCHOOL]), "check_only": "on"},
        follow=True,
    )
    assert _state() == before
    shown = [str(m) for m in response.context["messages"]]
    assert shown == [f"{CHECKED_PREFIX}新增1所，更新0所，未变0所。"]
    # The same sheet, imported for real, does what the check said.
    client.post(reverse("orgs:school-import"), {"file": _sheet([NEW_SCHOOL])})
    assert School.objects.filter(identifier="5109210003").exists()


def test_checking_a_bad_sheet_shows_every_error_like_the_import(cast, client_for):
    bad = _sheet([["12", "某校", "大学", "公办", "镇区", "火星镇", "", ""]])
    response = client_for(cast.admin).post(
        reverse("orgs:school-import"), {"file": bad, "check_only": "on"}
    )
    text = "\n".join(response.context["errors"])
    assert "学校标识码必须是10位数字" in text and "系统中没有乡镇“火星镇”" in text


def test_checking_a_tree_reports_what_it_would_create(cast, client_for):
    upload = _workbook(
        {BUREAU_SHEET: (BUREAU_COLUMNS, [("519923", "丁县教育局", "丁县", "丁教发", "", "")])}
    )
    upload.name = "bureaus.xlsx"
    bureaus = Bureau.objects.count()
    response = client_for(cast.city_admin).post(
        reverse("orgs:bureau-import"), {"file": upload, "check_only": "on"}, follow=True
    )
    assert Bureau.objects.count() == bureaus
    (shown,) = [str(m) for m in response.context["messages"]]
    assert shown.startswith(CHECKED_PREFIX) and "新增教育局1个" in shown


def test_a_rejected_rehearsal_raises_like_the_import(cast):
    upload = _workbook({BUREAU_SHEET: (BUREAU_COLUMNS, [("12", "丁县", "", "丁教发", "", "")])})
    with pytest.raises(ImportRejected):
        rehearse(lambda: tree_import(actor=cast.city_admin, upload=upload))
