"""Responsibility letters: per school, school year and tier, how many signed of how many due."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from edubureau.audit.models import Action, AuditEvent
from edubureau.core.concurrency import version_token
from edubureau.safety.models import ResponsibilityLetter
from edubureau.safety.tests.factories_ledgers import (
    ResponsibilityLetterFactory,
    SchoolYearFactory,
    xlsx,
)

HEADERS = ["学校标识码", "学校名称", "学年", "层级", "应签份数", "已签份数", "签订日期", "备注"]


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 3, 16, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)


@pytest.fixture
def year(cast):
    return SchoolYearFactory(bureau=cast.bureau, start_year=2025)


def _post(year, **overrides):
    data = {
        "school_year": year.pk,
        "tier": "school_staff",
        "due_count": "86",
        "signed_count": "80",
        "signed_on": "2025-09-12",
        "note": "",
    }
    data.update(overrides)
    return data


def test_it_records_a_letter_for_the_users_own_school(cast, client_for, year):
    response = client_for(cast.school_a_officer).post(
        reverse("safety:letter-create"), _post(year, school=cast.school_a.pk)
    )
    assert response.status_code == 302
    letter = ResponsibilityLetter.objects.get()
    assert (letter.school, letter.tier, letter.signed_count, letter.due_count) == (
        cast.school_a,
        "school_staff",
        80,
        86,
    )
    assert letter.created_by == cast.school_a_officer
    assert AuditEvent.objects.filter(action=Action.CREATE, object_id=str(letter.pk)).exists()


def test_it_lets_safety_staff_record_for_any_school_of_the_bureau(cast, client_for, year):
    client = client_for(cast.safety_staff)
    response = client.post(reverse("safety:letter-create"), _post(year, school=cast.school_b.pk))
    assert response.status_code == 302
    assert ResponsibilityLetter.objects.get().school == cast.school_b


def test_it_refuses_more_letters_signed_than_due(cast, client_for, year):
    response = client_for(cast.school_a_officer).post(
        reverse("safety:letter-create"),
        _post(year, school=cast.school_a.pk, due_count="3", signed_count="5"),
    )
    assert response.status_code == 200
    assert "已签份数（5）不能大于应签份数（3）" in response.content.decode()
    assert not ResponsibilityLetter.objects.exists()


def test_it_refuses_a_second_letter_of_the_same_tier_and_year(cast, client_for, year):
    ResponsibilityLetterFactory(school=cast.school_a, school_year=year, tier="school_staff")
    response = client_for(cast.school_a_officer).post(
        reverse("safety:letter-create"), _post(year, school=cast.school_a.pk)
    )
    assert "该校该学年已登记此层级的责任书" in response.content.decode()
    assert ResponsibilityLetter.objects.count() == 1


def test_it_edits_a_letter_and_audits_the_change(cast, client_for, year):
    letter = ResponsibilityLetterFactory(
        school=cast.school_a,
        school_year=year,
        tier="school_parent",
        due_count=900,
        signed_count=850,
    )
    url = reverse("safety:letter-edit", kwargs={"responsibilityletter_id": letter.pk})
    client = client_for(cast.school_a_officer)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        _post(year, tier="school_parent", due_count="900", signed_count="900")
        | {"version": version_token(letter)},
    )
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.signed_count == 900
    change = AuditEvent.objects.get(action=Action.UPDATE, object_id=str(letter.pk))
    assert change.changes["signed_count"] == [850, 900]


def test_it_refuses_an_edit_of_a_letter_changed_since_it_was_loaded(cast, client_for, year):
    letter = ResponsibilityLetterFactory(school=cast.school_a, school_year=year, due_count=1)
    url = reverse("safety:letter-edit", kwargs={"responsibilityletter_id": letter.pk})
    stale = version_token(letter)
    ResponsibilityLetter.objects.filter(pk=letter.pk).update(
        note="别人改过", updated_at=datetime(2026, 3, 16, 11, tzinfo=ZoneInfo("Asia/Shanghai"))
    )
    response = client_for(cast.safety_staff).post(
        url, _post(year, tier="bureau_school", due_count="1", signed_count="1") | {"version": stale}
    )
    assert response.status_code == 200
    assert "已被他人修改" in response.content.decode()
    letter.refresh_from_db()
    assert letter.note == "别人改过"


def test_it_deletes_a_letter_only_on_a_confirmed_post(cast, client_for, year):
    letter = ResponsibilityLetterFactory(school=cast.school_a, school_year=year)
    url = reverse("safety:letter-delete", kwargs={"responsibilityletter_id": letter.pk})
    client = client_for(cast.school_a_officer)
    page = client.get(url)
    assert "确认删除" in page.content.decode()
    assert ResponsibilityLetter.objects.filter(pk=letter.pk).exists()
    assert client.post(url).status_code == 302
    assert not ResponsibilityLetter.objects.filter(pk=letter.pk).exists()
    assert AuditEvent.objects.filter(action=Action.DELETE, object_id=str(letter.pk)).exists()


def test_it_lists_letters_with_totals_and_the_signing_rate(cast, client_for, year):
    ResponsibilityLetterFactory(
        school=cast.school_a, school_year=year, tier="school_staff", due_count=80, signed_count=80
    )
    ResponsibilityLetterFactory(
        school=cast.school_b, school_year=year, tier="school_staff", due_count=20, signed_count=10
    )
    response = client_for(cast.leader).get(reverse("safety:letter-list"))
    totals = response.context["totals"]
    assert totals["count"] == 2
    assert dict(totals["figures"]) == {"应签份数": 100, "已签份数": 90}
    assert totals["rate"] == ("签订率", 90.0)
    assert totals["rate_text"] == "90.0%"
    incomplete = client_for(cast.leader).get(
        reverse("safety:letter-list"), {"incomplete": "1", "school_year": year.pk}
    )
    assert [row["obj"].school for row in incomplete.context["table"]] == [cast.school_b]


def test_it_imports_letters_updating_by_school_year_and_tier(cast, client_for, year):
    existing = ResponsibilityLetterFactory(
        school=cast.school_a,
        school_year=year,
        tier="school_parent",
        due_count=900,
        signed_count=800,
    )
    upload = xlsx(
        HEADERS,
        [
            [
                "5109210001",
                "甲镇中心小学",
                "2025—2026学年",
                "学校与家长",
                900,
                890,
                "2025-09-20",
                "",
            ],
            ["5109210001", "", "2025-2026", "学校与教职工", 86, 86, None, "全员签订"],
        ],
    )
    response = client_for(cast.school_a_officer).post(
        reverse("safety:letter-import"), {"file": upload}
    )
    assert response.status_code == 302
    existing.refresh_from_db()
    assert existing.signed_count == 890 and existing.signed_on == date(2025, 9, 20)
    new = ResponsibilityLetter.objects.get(tier="school_staff")
    assert (new.school, new.school_year, new.note) == (cast.school_a, year, "全员签订")
    assert AuditEvent.objects.filter(action=Action.IMPORT).exists()


def test_it_rejects_a_letter_sheet_with_any_bad_row_and_writes_nothing(cast, client_for, year):
    upload = xlsx(
        HEADERS,
        [
            ["5109210001", "", "2025—2026学年", "学校与家长", 900, 890, "2025-09-20", ""],
            ["5109210001", "", "2025—2026学年", "学校与教职工", 10, 12, None, ""],
            [cast.school_b.identifier, "", "2025—2026学年", "学校与教职工", 5, 5, None, ""],
            ["5109210001", "", "2019—2020学年", "校长与家长", 5, 5, None, ""],
        ],
        title="责任书",
    )
    response = client_for(cast.school_a_officer).post(
        reverse("safety:letter-import"), {"file": upload}
    )
    assert response.status_code == 200
    errors = response.context["errors"]
    assert "工作表“责任书”第3行F列（“已签份数”）：已签份数（12）不能大于应签份数（10）" in errors
    assert any(
        e.startswith("工作表“责任书”第4行A列") and "不存在或您无权填报该学校" in e for e in errors
    )
    assert any(e.startswith("工作表“责任书”第5行D列") and "不是有效选项" in e for e in errors)
    assert any(e.startswith("工作表“责任书”第5行C列") and "没有该学年" in e for e in errors)
    assert not ResponsibilityLetter.objects.exists()


def test_it_turns_a_twin_saved_concurrently_into_the_same_message(cast, year, monkeypatch):
    from django.core.exceptions import ValidationError

    from edubureau.safety.selectors.ledger_specs import LETTER
    from edubureau.safety.services import ledgers as services

    ResponsibilityLetterFactory(school=cast.school_a, school_year=year, tier="school_staff")
    # The other writer commits between our check and our insert.
    monkeypatch.setattr(services, "_twin", lambda spec, obj: None)
    with pytest.raises(ValidationError) as caught:
        services.ledger_create(
            actor=cast.school_a_officer,
            spec=LETTER,
            data={
                "school": cast.school_a,
                "school_year": year,
                "tier": "school_staff",
                "due_count": 5,
                "signed_count": 5,
            },
        )
    assert caught.value.message_dict == {"tier": ["该校该学年已登记此层级的责任书，请编辑原记录"]}
    assert ResponsibilityLetter.objects.count() == 1
