"""Entering a year's official schedule: the paste parser and the save service."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from edubureau.audit.models import Action, AuditEvent
from edubureau.core.calendar import CalendarEntry, year_schedule
from edubureau.core.concurrency import EditConflict, version_token
from edubureau.core.models import CalendarDay, CalendarDayKind, CalendarYear
from edubureau.core.services import (
    NEW_YEAR_VERSION,
    calendar_text_format,
    calendar_text_parse,
    calendar_year_delete,
    calendar_year_save,
)
from edubureau.testing.factories import UserFactory

HOLIDAY, WORKDAY = CalendarDayKind.HOLIDAY, CalendarDayKind.WORKDAY

SCHEDULE_2027 = """
# 国务院办公厅关于2027年部分节假日安排的通知
2027-01-01至2027-01-03 元旦 放假

2027年2月6日 至 2027年2月12日\t春节\t放假
2027/02/14 春节 上班
2027-02-20,春节,补班
"""


def parse(text: str, year: int = 2027) -> list[CalendarEntry]:
    return calendar_text_parse(text=text, year=year)


def errors_of(text: str, year: int = 2027) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        parse(text, year)
    return caught.value.messages


# Parser ------------------------------------------------------------------------


def test_it_parses_single_days_ranges_and_common_date_forms():
    entries = parse(SCHEDULE_2027)

    assert len(entries) == 3 + 7 + 2
    assert entries[0] == CalendarEntry(date(2027, 1, 1), HOLIDAY, "元旦")
    assert entries[2] == CalendarEntry(date(2027, 1, 3), HOLIDAY, "元旦")
    assert entries[3] == CalendarEntry(date(2027, 2, 6), HOLIDAY, "春节")
    assert entries[9] == CalendarEntry(date(2027, 2, 12), HOLIDAY, "春节")
    assert entries[10] == CalendarEntry(date(2027, 2, 14), WORKDAY, "春节")
    assert entries[11] == CalendarEntry(date(2027, 2, 20), WORKDAY, "春节")


def test_it_reports_every_bad_line_by_number_and_rule():
    text = "\n".join(
        [
            "2027-01-01 元旦 放假",
            "2027-13-01 元旦 放假",
            "2026-12-31 元旦 放假",
            "2027-01-02 元旦 休假",
            "2027-01-01 元旦 放假",
            "2027-02-08 春节 上班",
            "2027-01-03至2027-01-02 元旦 放假",
            "2027-01-09 放假",
            "2027-03-01至2027-05-01 春节 放假",
        ]
    )
    assert errors_of(text) == [
        "第2行：“2027-13-01”不是有效日期，应为 2027-01-01 格式",
        "第3行：2026-12-31不在2027年内",
        "第4行：“休假”不是有效类型，应为“放假”或“上班”",
        "第5行：2027-01-01已在第1行出现",
        "第6行：2027-02-08（周一）本来就是工作日，调休上班的日期应是周六或周日",
        "第7行：结束日期2027-01-02早于开始日期2027-01-03",
        "第8行：格式应为“日期 名称 放假/上班”，如“2027-01-01 元旦 放假”",
        "第9行：日期区间超过31天，请检查",
    ]


def test_it_refuses_an_empty_paste():
    assert errors_of("\n  \n# 只有注释\n") == ["请至少填写一行安排，如“2027-01-01 元旦 放假”"]


def test_it_formats_a_schedule_so_that_it_parses_back(db):
    entries = year_schedule(2026).entries()  # the package's 2026, a real schedule
    text = calendar_text_format(entries)

    assert "2026-10-01至2026-10-07 国庆节 放假" in text.splitlines()
    assert "2026-09-20 国庆节 上班" in text.splitlines()
    assert parse(text, 2026) == entries


# Saving ------------------------------------------------------------------------


def test_it_creates_a_year_and_writes_an_audit_row(cast):
    calendar_year = calendar_year_save(
        actor=cast.admin,
        year=2027,
        entries=parse(SCHEDULE_2027),
        published_on=date(2026, 11, 12),
        note="国办发明电〔2026〕×号",
    )

    assert calendar_year.entered_by == cast.admin
    assert CalendarDay.objects.filter(calendar_year=calendar_year).count() == 12
    assert set(CalendarDay.objects.values_list("created_by", flat=True)) == {cast.admin.pk}
    event = AuditEvent.objects.get(model_label="core.CalendarYear")
    assert event.action == Action.CREATE
    assert event.actor == cast.admin
    assert event.detail == "录入2027年节假日安排：放假10天，调休上班2天"
    assert event.changes["note"] == [None, "国办发明电〔2026〕×号"]
    assert "2027-02-14 春节 上班" in event.changes["schedule"][1]


def test_it_replaces_a_year_and_keeps_unchanged_rows(cast):
    calendar_year_save(actor=cast.admin, year=2027, entries=parse(SCHEDULE_2027))
    other_admin = UserFactory(
        bureau=cast.bureau, username="admin2", role="administrator", is_superuser=True
    )
    kept = CalendarDay.objects.get(date=date(2027, 1, 1))

    calendar_year_save(
        actor=other_admin,
        year=2027,
        entries=parse("2027-01-01 元旦 放假\n2027-02-13 春节 上班"),
    )

    rows = list(CalendarDay.objects.values_list("date", "kind", "created_by"))
    assert rows == [
        (date(2027, 1, 1), HOLIDAY, cast.admin.pk),
        (date(2027, 2, 13), WORKDAY, other_admin.pk),
    ]
    assert CalendarDay.objects.get(date=date(2027, 1, 1)).pk == kept.pk
    event = AuditEvent.objects.filter(model_label="core.CalendarYear").first()
    assert event.action == Action.UPDATE
    assert event.changes["schedule"][1] == ["2027-01-01 元旦 放假", "2027-02-13 春节 上班"]


def test_it_writes_no_audit_row_when_nothing_changed(cast):
    calendar_year_save(actor=cast.admin, year=2027, entries=parse(SCHEDULE_2027))
    calendar_year_save(actor=cast.admin, year=2027, entries=parse(SCHEDULE_2027))
    assert AuditEvent.objects.filter(model_label="core.CalendarYear").count() == 1


def test_it_validates_entries_given_directly_and_changes_nothing(cast):
    calendar_year_save(actor=cast.admin, year=2027, entries=parse(SCHEDULE_2027))
    bad = [
        (date(2027, 10, 1), HOLIDAY, "国庆节"),
        (date(2027, 10, 1), HOLIDAY, "国庆节"),
        (date(2028, 1, 1), HOLIDAY, "元旦"),
        (date(2027, 10, 2), "vacation", "国庆节"),
        (date(2027, 10, 3), HOLIDAY, " "),
    ]
    with pytest.raises(ValidationError) as caught:
        calendar_year_save(actor=cast.admin, year=2027, entries=bad)

    assert caught.value.messages == [
        "2027-10-01：日期重复",
        "2028-01-01：2028-01-01不在2027年内",
        "2027-10-02：类型“vacation”无效，应为“放假”或“上班”",
        "2027-10-03：缺少节日名称",
    ]
    assert CalendarDay.objects.count() == 12
    assert AuditEvent.objects.filter(model_label="core.CalendarYear").count() == 1


def test_it_refuses_an_empty_schedule_and_an_impossible_year(cast):
    with pytest.raises(ValidationError):
        calendar_year_save(actor=cast.admin, year=2027, entries=[])
    with pytest.raises(ValidationError):
        calendar_year_save(
            actor=cast.admin, year=1999, entries=[(date(1999, 10, 1), HOLIDAY, "国庆节")]
        )
    assert not CalendarYear.objects.exists()


def test_it_lets_only_administrators_save(cast):
    for user in (cast.leader, cast.safety_staff, cast.school_a_principal, cast.inspector):
        with pytest.raises(PermissionDenied):
            calendar_year_save(actor=user, year=2027, entries=parse(SCHEDULE_2027))
    assert not CalendarYear.objects.exists()


def test_it_refuses_a_save_over_someone_elses_newer_save(cast):
    # The editor opened the page when 2027 was not entered (version "") but
    # someone has entered it since.
    calendar_year_save(actor=cast.admin, year=2027, entries=parse(SCHEDULE_2027))
    with pytest.raises(EditConflict):
        calendar_year_save(
            actor=cast.admin, year=2027, entries=parse("2027-01-01 元旦 放假"), loaded_version=""
        )
    current = CalendarYear.objects.get(year=2027)
    assert current.days.count() == 12
    calendar_year_save(
        actor=cast.admin,
        year=2027,
        entries=parse("2027-01-01 元旦 放假"),
        loaded_version=version_token(current),
    )
    assert current.days.count() == 1


def test_it_deletes_a_year_with_an_audit_row(cast):
    calendar_year_save(actor=cast.admin, year=2027, entries=parse(SCHEDULE_2027))
    calendar_year_delete(actor=cast.admin, year=2027)

    assert not CalendarYear.objects.exists()
    assert not CalendarDay.objects.exists()
    event = AuditEvent.objects.filter(model_label="core.CalendarYear").first()
    assert event.action == Action.DELETE
    with pytest.raises(ValidationError):
        calendar_year_delete(actor=cast.admin, year=2027)


@pytest.mark.parametrize("missing", [None, ""])
def test_a_save_without_the_version_is_refused_like_a_stale_one(cast, missing):
    calendar_year_save(actor=cast.admin, year=2027, entries=parse(SCHEDULE_2027))
    with pytest.raises(EditConflict, match="缺少版本信息"):
        calendar_year_save(
            actor=cast.admin,
            year=2027,
            entries=parse("2027-01-01 元旦 放假"),
            loaded_version=missing,
        )
    assert CalendarDay.objects.filter(date__year=2027).count() > 1


def test_a_new_year_is_saved_with_the_new_year_version_and_only_once(cast):
    calendar_year_save(
        actor=cast.admin, year=2027, entries=parse(SCHEDULE_2027), loaded_version=NEW_YEAR_VERSION
    )
    # A second editor who also opened the empty year must not overwrite the first.
    with pytest.raises(EditConflict, match="已被他人修改"):
        calendar_year_save(
            actor=cast.admin,
            year=2027,
            entries=parse("2027-01-01 元旦 放假"),
            loaded_version=NEW_YEAR_VERSION,
        )
