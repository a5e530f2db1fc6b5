"""The calendar pages: who may see and edit them, entering a schedule by paste,
the working-day calculator, and the administrator's warning on the home page."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from edubureau.audit.models import Action, AuditEvent
from edubureau.core.calendar import is_working_day
from edubureau.core.models import CalendarDay, CalendarYear
from edubureau.core.services import calendar_text_parse, calendar_year_save

OVERVIEW = reverse("core:calendar")
SHANGHAI = ZoneInfo("Asia/Shanghai")

FAKE_2026 = "2026-10-01至2026-10-03 国庆节 放假\n2026-10-17 国庆节 上班"


def year_url(year: int) -> str:
    return reverse("core:calendar-year", kwargs={"year": year})


def frozen(*args: int):
    return time_machine.travel(datetime(*args, 9, 0, tzinfo=SHANGHAI), tick=False)


# Who may see and edit --------------------------------------------------------


def test_it_shows_the_overview_to_administrators_and_bureau_staff(cast, client_for):
    for user in (cast.admin, cast.leader, cast.safety_staff):
        response = client_for(user).get(OVERVIEW)
        assert response.status_code == 200, user.username
        assert "工作日计算器" in response.content.decode()


def test_it_denies_the_calendar_to_school_users_and_inspectors(cast, client_for):
    for user in (cast.school_a_officer, cast.school_a_principal, cast.inspector):
        client = client_for(user)
        assert client.get(OVERVIEW).status_code == 403, user.username
        assert client.get(year_url(2026)).status_code == 403, user.username


def test_it_sends_anonymous_visitors_to_login(client):
    response = client.get(OVERVIEW)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_it_lists_years_with_their_coverage(cast, client_for):
    calendar_year_save(
        actor=cast.admin, year=2026, entries=calendar_text_parse(text=FAKE_2026, year=2026)
    )
    with frozen(2027, 3, 1):
        body = client_for(cast.leader).get(OVERVIEW).content.decode()
    assert "2026年" in body and "已录入官方安排" in body
    assert "2028年" in body and "未录入，按周一至周五" in body


def test_it_refuses_edits_by_anyone_but_administrators(cast, client_for):
    for user in (cast.safety_staff, cast.leader, cast.school_a_principal):
        response = client_for(user).post(year_url(2027), {"schedule": "2027-01-01 元旦 放假"})
        assert response.status_code == 403, user.username
        delete = reverse("core:calendar-year-delete", kwargs={"year": 2027})
        assert client_for(user).post(delete).status_code == 403
    assert not CalendarYear.objects.exists()


def test_it_shows_the_entry_form_only_to_administrators(cast, client_for):
    assert "保存2027年安排" in client_for(cast.admin).get(year_url(2027)).content.decode()
    assert (
        "保存2027年安排" not in client_for(cast.safety_staff).get(year_url(2027)).content.decode()
    )


def test_it_answers_404_for_an_impossible_year(cast, client_for):
    assert client_for(cast.admin).get(year_url(1999)).status_code == 404


# A year's page and entry -----------------------------------------------------


def test_it_shows_the_package_schedule_with_its_make_up_days(cast, client_for):
    body = client_for(cast.safety_staff).get(year_url(2025)).content.decode()
    assert "内置节假日数据" in body
    assert "2025-10-01（周三）至2025-10-05（周日）" in body
    assert "2025-09-28（周日）" in body and "2025-10-11（周六）" in body
    assert "调休上班" in body


def test_it_prefills_the_form_with_the_schedule_in_use(cast, client_for):
    body = client_for(cast.admin).get(year_url(2026)).content.decode()
    assert "2026-10-01至2026-10-07 国庆节 放假" in body


def test_it_saves_a_pasted_schedule(cast, client_for):
    response = client_for(cast.admin).post(
        year_url(2026),
        {"schedule": FAKE_2026, "note": "测试通知", "published_on": "2025-11-04", "version": "new"},
    )

    assert response.status_code == 302
    assert response["Location"] == year_url(2026)
    assert CalendarDay.objects.count() == 4
    assert CalendarYear.objects.get(year=2026).note == "测试通知"
    assert AuditEvent.objects.filter(model_label="core.CalendarYear", action=Action.CREATE).exists()
    assert is_working_day(datetime(2026, 10, 5).date())  # the entry now wins over the package
    page = client_for(cast.admin).get(year_url(2026)).content.decode()
    assert "已录入官方安排" in page and "2026-10-17（周六）" in page


def test_it_shows_per_line_errors_and_changes_nothing(cast, client_for):
    calendar_year_save(
        actor=cast.admin, year=2026, entries=calendar_text_parse(text=FAKE_2026, year=2026)
    )
    before = list(CalendarDay.objects.values_list("date", "kind", "name"))

    response = client_for(cast.admin).post(
        year_url(2026), {"schedule": "2026-10-01 国庆节 放假\n2026-10-32 国庆节 放假"}
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "未保存" in body
    assert "第2行：“2026-10-32”不是有效日期" in body
    assert list(CalendarDay.objects.values_list("date", "kind", "name")) == before


def test_it_reports_a_conflicting_save(cast, client_for):
    client = client_for(cast.admin)
    response = client.post(year_url(2026), {"schedule": FAKE_2026, "version": "stale"})
    assert response.status_code == 200
    assert "已被他人修改" in response.content.decode()
    assert not CalendarYear.objects.exists()


def test_it_deletes_an_entered_year(cast, client_for):
    calendar_year_save(
        actor=cast.admin, year=2026, entries=calendar_text_parse(text=FAKE_2026, year=2026)
    )
    delete = reverse("core:calendar-year-delete", kwargs={"year": 2026})

    response = client_for(cast.admin).post(delete)

    assert response.status_code == 302
    assert not CalendarYear.objects.exists()
    assert not is_working_day(datetime(2026, 10, 5).date())


def test_it_jumps_to_another_year(cast, client_for):
    response = client_for(cast.admin).get(OVERVIEW, {"year": "2031"})
    assert response.status_code == 302
    assert response["Location"] == year_url(2031)


# Calculator and warnings -----------------------------------------------------


def test_it_calculates_working_days_across_national_day(cast, client_for):
    response = client_for(cast.safety_staff).get(OVERVIEW, {"start": "2025-09-30", "n": "3"})
    body = response.content.decode()
    assert "2025-09-30（周二）之后第3个工作日是：<strong>2025-10-11（周六）</strong>" in body
    back = client_for(cast.safety_staff).get(OVERVIEW, {"start": "2025-10-09", "n": "-1"})
    assert "<strong>2025-09-30（周二）</strong>" in back.content.decode()


def test_it_rejects_bad_calculator_input(cast, client_for):
    response = client_for(cast.safety_staff).get(OVERVIEW, {"start": "2025-09-30", "n": "abc"})
    assert response.status_code == 200
    assert 'data-testid="calculator-result"' not in response.content.decode()


@pytest.mark.parametrize("url", [OVERVIEW, "/"])
def test_it_warns_administrators_about_an_unentered_year(cast, client_for, url):
    with frozen(2030, 3, 1):
        admin_body = client_for(cast.admin).get(url).content.decode()
        staff_body = client_for(cast.safety_staff).get(OVERVIEW).content.decode()
    assert "2030年的节假日安排尚未录入" in admin_body
    assert "2030年的节假日安排尚未录入" not in staff_body


def test_it_shows_no_warning_for_a_covered_year(cast, client_for):
    with frozen(2025, 6, 1):
        body = client_for(cast.admin).get("/").content.decode()
    assert "尚未录入" not in body
