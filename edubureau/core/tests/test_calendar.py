"""Working-day arithmetic across the 2025 and 2026 National Day holidays.

The dates below are those of the State Council's notices, which the pinned
``chinesecalendar`` package (1.11.0) carries too:

* 2025: 10-01..10-08 off (国庆节 with 中秋 on 10-06); make-up workdays 09-28 (Sunday)
  and 10-11 (Saturday).
* 2026: 09-25..09-27 off (中秋), 10-01..10-07 off (国庆节); make-up workdays
  09-20 (Sunday) and 10-10 (Saturday). Spring Festival 02-15..02-23 off, make-up
  workdays 02-14 and 02-28 (Saturdays).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from edubureau.core import calendar
from edubureau.core.calendar import (
    add_working_days,
    calendar_warnings,
    is_working_day,
    working_days_between,
    year_coverage,
)
from edubureau.core.models import CalendarDay, CalendarDayKind, CalendarYear
from edubureau.core.services import calendar_text_parse, calendar_year_delete, calendar_year_save

pytestmark = pytest.mark.django_db


def d(text: str) -> date:
    return date.fromisoformat(text)


def days(first: str, last: str) -> list[date]:
    start, end = d(first), d(last)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def enter(actor, year: int, text: str) -> None:
    calendar_year_save(actor=actor, year=year, entries=calendar_text_parse(text=text, year=year))


# 2025 National Day -----------------------------------------------------------


def test_it_takes_2025_national_day_off_and_works_its_make_up_days():
    assert year_coverage(2025) == "package"
    assert not any(is_working_day(x) for x in days("2025-10-01", "2025-10-08"))
    assert is_working_day(d("2025-09-28"))  # Sunday, make-up workday
    assert is_working_day(d("2025-10-11"))  # Saturday, make-up workday
    assert not is_working_day(d("2025-09-27"))  # an ordinary Saturday
    assert not is_working_day(d("2025-10-12"))  # an ordinary Sunday
    assert is_working_day(d("2025-10-09"))


def test_it_adds_working_days_across_2025_national_day():
    assert add_working_days(d("2025-09-26"), 1) == d("2025-09-28")  # Friday -> make-up Sunday
    assert add_working_days(d("2025-09-30"), 1) == d("2025-10-09")
    assert add_working_days(d("2025-09-30"), 3) == d("2025-10-11")
    assert add_working_days(d("2025-09-30"), 4) == d("2025-10-13")


def test_it_counts_working_days_between_across_2025_national_day():
    # 09-28, 09-29, 09-30, 10-09, 10-10, 10-11
    assert working_days_between(d("2025-09-26"), d("2025-10-12")) == 6
    assert working_days_between(d("2025-10-12"), d("2025-09-26")) == -6
    assert working_days_between(d("2025-09-30"), d("2025-10-08")) == 0
    assert working_days_between(d("2025-10-09"), d("2025-10-09")) == 0


def test_it_rolls_forward_for_zero_and_walks_back_for_negative_n():
    assert add_working_days(d("2025-10-01"), 0) == d("2025-10-09")
    assert add_working_days(d("2025-10-09"), 0) == d("2025-10-09")
    assert add_working_days(d("2025-10-09"), -1) == d("2025-09-30")
    assert add_working_days(d("2025-10-12"), -1) == d("2025-10-11")
    assert add_working_days(d("2025-09-29"), -2) == d("2025-09-26")


# 2026 National Day and Spring Festival ---------------------------------------


def test_it_follows_the_package_for_2026_national_day_and_mid_autumn():
    assert year_coverage(2026) == "package"
    assert is_working_day(d("2026-09-20"))  # Sunday, make-up workday
    assert not any(is_working_day(x) for x in days("2026-09-25", "2026-09-27"))  # 中秋
    assert not any(is_working_day(x) for x in days("2026-10-01", "2026-10-07"))
    assert is_working_day(d("2026-10-08"))
    assert is_working_day(d("2026-10-10"))  # Saturday, make-up workday
    assert not is_working_day(d("2026-10-11"))


def test_it_does_working_day_arithmetic_across_2026_national_day():
    assert add_working_days(d("2026-09-30"), 1) == d("2026-10-08")
    assert add_working_days(d("2026-09-30"), 3) == d("2026-10-10")
    assert add_working_days(d("2026-09-24"), 1) == d("2026-09-28")
    assert add_working_days(d("2026-09-18"), 1) == d("2026-09-20")
    # 09-20, 09-21..24, 09-28..30, 10-08, 10-09, 10-10
    assert working_days_between(d("2026-09-18"), d("2026-10-11")) == 11
    assert add_working_days(d("2026-10-08"), -1) == d("2026-09-30")


def test_it_honours_the_2026_spring_festival():
    assert is_working_day(d("2026-02-14"))  # Saturday, make-up workday
    assert not any(is_working_day(x) for x in days("2026-02-15", "2026-02-23"))
    assert is_working_day(d("2026-02-28"))  # Saturday, make-up workday
    assert add_working_days(d("2026-02-13"), 1) == d("2026-02-14")
    assert add_working_days(d("2026-02-14"), 1) == d("2026-02-24")


def test_it_counts_working_days_over_a_new_year_day_by_day():
    # Counting spans years (each year its own schedule): the count is the days that work.
    start = d("2025-11-20")
    for end in days("2025-12-25", "2026-03-05"):
        expected = sum(is_working_day(x) for x in days("2025-11-21", end.isoformat()))
        assert working_days_between(start, end) == expected, end
        assert working_days_between(end, start) == -expected


def test_it_counts_over_several_years_of_different_coverage():
    # 2026 comes from the package, 2027 onwards may fall back to Monday–Friday: the
    # running-count tables of each year must add up to the day-by-day count.
    start, end = d("2025-12-30"), d("2029-01-03")
    expected = sum(
        is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1)
    )
    assert working_days_between(start, end) == expected
    assert working_days_between(d("2026-12-31"), d("2027-01-01")) == int(
        is_working_day(d("2027-01-01"))
    )
    assert working_days_between(d("2026-03-03"), d("2026-03-03")) == 0


def test_it_keeps_the_round_trip_between_adding_and_counting():
    for start in days("2025-09-15", "2025-10-20") + days("2026-09-10", "2026-10-20"):
        for n in range(1, 13):
            end = add_working_days(start, n)
            assert working_days_between(start, end) == n, (start, n)
            assert is_working_day(end)


# Precedence and fallback ------------------------------------------------------


FAKE_2026 = """
2026-10-01至2026-10-03 国庆节 放假
2026-10-12 国庆节 放假
2026-10-17 国庆节 上班
"""


def test_it_lets_an_entered_year_override_the_package_entirely(cast):
    enter(cast.admin, 2026, FAKE_2026)

    assert year_coverage(2026) == "official"
    assert is_working_day(d("2026-10-05"))  # the package's holiday is a Monday again
    assert not is_working_day(d("2026-10-12"))  # the entered holiday
    assert is_working_day(d("2026-10-17"))  # the entered make-up Saturday
    assert not is_working_day(d("2026-09-20"))  # the package's make-up Sunday is gone
    assert is_working_day(d("2026-09-25"))  # so is its 中秋 holiday
    assert is_working_day(d("2026-02-16"))  # and its Spring Festival
    assert add_working_days(d("2026-09-30"), 1) == d("2026-10-05")
    # Other years still follow the package.
    assert not is_working_day(d("2025-10-08"))


def test_it_falls_back_to_monday_to_friday_for_2030():
    assert year_coverage(2030) == "fallback"
    assert is_working_day(d("2030-10-01"))  # a Tuesday; no holiday is known
    assert not is_working_day(d("2030-10-05"))
    assert add_working_days(d("2030-10-04"), 1) == d("2030-10-07")
    assert working_days_between(d("2030-09-30"), d("2030-10-07")) == 5


def test_it_warns_administrators_about_uncovered_years():
    assert calendar_warnings(d("2030-03-01")) == [
        "2030年的节假日安排尚未录入，工作日暂按周一至周五计算，"
        "请尽快录入国务院办公厅发布的节假日安排。"
    ]
    # From November on, next year matters too.
    november = calendar_warnings(d("2029-11-20"))
    assert len(november) == 2
    assert november[1] == (
        "2030年的节假日安排尚未录入，工作日暂按周一至周五计算，请在国务院办公厅发布通知后录入。"
    )
    assert calendar_warnings(d("2029-10-31")) == [calendar_warnings(d("2029-03-01"))[0]]
    assert calendar_warnings(d("2025-06-01")) == []


def test_it_stops_warning_once_the_year_is_entered(cast):
    assert calendar_warnings(d("2030-03-01"))
    enter(cast.admin, 2030, "2030-10-01至2030-10-07 国庆节 放假\n2030-09-29 国庆节 上班")
    assert calendar_warnings(d("2030-03-01")) == []
    assert not is_working_day(d("2030-10-01"))
    assert is_working_day(d("2030-09-29"))


# Speed and cache --------------------------------------------------------------


def test_it_loads_each_year_with_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert working_days_between(d("2030-01-01"), d("2030-12-31")) == 260
    with django_assert_num_queries(0):
        add_working_days(d("2030-01-01"), 200)
        is_working_day(d("2030-07-01"))
    with django_assert_num_queries(2):
        working_days_between(d("2025-01-01"), d("2026-12-31"))


def test_it_sees_a_saved_schedule_at_once(cast):
    assert not is_working_day(d("2026-10-05"))  # the package decides; now cached
    enter(cast.admin, 2026, FAKE_2026)
    assert is_working_day(d("2026-10-05"))
    calendar_year_delete(actor=cast.admin, year=2026)
    assert not is_working_day(d("2026-10-05"))


def test_it_picks_up_another_processs_save_when_the_cache_expires(cast, monkeypatch):
    assert is_working_day(d("2030-10-01"))
    # Another process saves 2030; this process's cache was not told.
    year = CalendarYear.objects.create(year=2030)
    CalendarDay.objects.create(
        calendar_year=year, date=d("2030-10-01"), kind=CalendarDayKind.HOLIDAY, name="国庆节"
    )
    assert is_working_day(d("2030-10-01"))
    later = calendar.time.monotonic() + calendar.CACHE_SECONDS + 1
    monkeypatch.setattr(calendar.time, "monotonic", lambda: later)
    assert not is_working_day(d("2030-10-01"))


def test_it_refuses_a_datetime():
    with pytest.raises(TypeError):
        is_working_day(datetime(2025, 10, 1, 9, 0))
    with pytest.raises(TypeError):
        add_working_days(datetime(2025, 10, 1, 9, 0), 1)
