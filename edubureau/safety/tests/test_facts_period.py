"""Periods and exact numbers of edubureau.core.facts (no database)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edubureau.core.facts import Fact, FactSet, Period, display, link, median, percent, ratio


def test_it_builds_the_usual_periods_with_chinese_labels():
    assert Period.calendar_year(2026) == Period(
        date(2026, 1, 1), date(2026, 12, 31), "2026年", "year"
    )
    assert Period.half_year(2026, 2).label == "2026年下半年"
    assert Period.school_year(2025).end == date(2026, 8, 31)
    assert Period.school_year(2025).label == "2025—2026学年"
    february = Period.month(2028, 2)
    assert (february.end, february.label) == (date(2028, 2, 29), "2028年2月")


def test_it_compares_with_the_same_span_a_year_earlier():
    assert Period.calendar_year(2026).previous() == Period.calendar_year(2025)
    assert Period.half_year(2026, 1).previous().label == "2025年上半年"
    assert Period.month(2026, 3).previous() == Period.month(2025, 3)
    assert Period.school_year(2025).previous().label == "2024—2025学年"
    leap = Period(date(2028, 2, 29), date(2028, 3, 31), "custom").previous()
    assert (leap.start, leap.end) == (date(2027, 2, 28), date(2027, 3, 31))


def test_it_parses_a_year_or_a_month_and_refuses_anything_else():
    assert Period.parse("2026") == Period.calendar_year(2026)
    assert Period.parse("2026-05") == Period.month(2026, 5)
    assert Period.parse("2026-05").token == "2026-05"
    for bad in ("", "26", "2026-13", "abcd", "1999", "2026/05"):
        with pytest.raises(ValueError, match="无法识别的统计期间"):
            Period.parse(bad)
    with pytest.raises(ValueError):
        Period(date(2026, 2, 1), date(2026, 1, 1), "倒序")


def test_it_lists_the_months_a_period_touches():
    months = Period(date(2025, 11, 20), date(2026, 2, 3), "x").months()
    assert months == [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]


def test_it_keeps_rates_exact_and_rounds_half_up_only_for_display():
    rate = percent(241, 256)
    assert rate == Decimal("94.140625")
    assert display(rate) == "94.1"
    assert display(Decimal("0.05")) == "0.1"  # half-up, not banker's rounding
    assert display(Decimal("2.25")) == "2.3"
    assert display(percent(1, 3), 2) == "33.33"
    assert percent(1, 0) is None and display(None) == "—"
    assert ratio(3, 4) == Decimal("0.75")
    assert median([]) is None
    assert median([5, 1, 3]) == Decimal(3)
    assert median([1, 2, 3, 10]) == Decimal("2.5")


def test_it_attaches_last_years_values_by_key():
    now = Fact("found", "发现", 12, "个", breakdown=(Fact("found.major", "较大", 3),))
    then = Fact("found", "发现", 4, "个", breakdown=(Fact("found.major", "较大", 1),))
    facts = FactSet.combine(
        Period.calendar_year(2026), [now], FactSet.combine(Period.calendar_year(2025), [then])
    )
    found = facts["found"]
    assert (found.previous, found.change, found.growth) == (4, 8, Decimal(200))
    assert found.part("major").previous == 1  # type: ignore[union-attr]
    assert list(facts) == ["found"] and facts.previous_period == Period.calendar_year(2025)


def test_it_builds_links_without_empty_parameters():
    assert link("/x/", {"a": 1, "b": "", "c": None, "d": "甲"}) == "/x/?a=1&d=%E7%94%B2"
    assert link("/x/") == "/x/"


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=8),
        st.one_of(st.none(), st.integers(), st.text(max_size=12)),
        max_size=6,
    )
)
def test_a_link_is_the_query_string_urlencode_writes(params):
    kept = [(k, str(v)) for k, v in params.items() if v not in (None, "")]
    expected = f"/x/?{urlencode(kept)}" if kept else "/x/"
    assert link("/x/", params) == expected


def test_a_running_period_is_cut_to_date_and_compared_with_the_same_span():
    year = Period.calendar_year(2026)
    cut = year.to_date(date(2026, 11, 16))
    assert cut == Period(date(2026, 1, 1), date(2026, 11, 16), "2026年1月1日至11月16日", "to_date")
    assert cut.is_cut and not year.is_cut
    assert cut.previous() == Period(
        date(2025, 1, 1), date(2025, 11, 16), "2025年1月1日至11月16日", "to_date"
    )
    # Cut at a month's end it reads in months; a finished period is itself.
    assert year.to_date(date(2026, 10, 31)).label == "2026年1—10月"
    assert year.to_date(date(2026, 10, 31)).previous().label == "2025年1—10月"
    assert year.to_date(date(2026, 12, 31)) == year
    assert year.to_date(date(2027, 3, 1)) == year
    assert Period.month(2026, 3).to_date(date(2026, 3, 31)) == Period.month(2026, 3)
    assert Period.school_year(2026).to_date(date(2027, 1, 5)).label == (
        "2026年9月1日至2027年1月5日"
    )
    with pytest.raises(ValueError, match="尚未开始"):
        year.to_date(date(2025, 12, 31))


def test_a_span_to_the_end_of_february_stays_at_the_end_of_february():
    to_leap_day = Period.calendar_year(2028).to_date(date(2028, 2, 29))
    assert to_leap_day.label == "2028年1—2月"
    assert (to_leap_day.previous().end, to_leap_day.previous().label) == (
        date(2027, 2, 28),
        "2027年1—2月",
    )
    before_leap_year = Period.calendar_year(2029).to_date(date(2029, 2, 28)).previous()
    assert (before_leap_year.end, before_leap_year.label) == (date(2028, 2, 29), "2028年1—2月")


def test_a_fact_set_round_trips_through_its_json_snapshot_exactly():
    rate = Fact(
        "hazards.rectification_rate",
        "隐患整改率",
        percent(241, 256),
        "%",
        "/safety/hazards/?since=2026-01-01",
        previous=Decimal("90.90"),
        previous_source="/safety/hazards/?since=2025-01-01",
    )
    found = Fact(
        "hazards.found",
        "排查发现隐患",
        256,
        "个",
        "/safety/hazards/",
        breakdown=(Fact("hazards.found.major", "较大隐患", 23, "个", previous=0),),
        previous=200,
    )
    empty = Fact("hazards.median_days_to_close", "用时", None, "天", places=0)
    facts = FactSet(
        period=Period.calendar_year(2026),
        facts=(rate, found, empty),
        previous_period=Period.calendar_year(2026).to_date(date(2026, 11, 16)).previous(),
        as_of=date(2026, 11, 16),
    )
    snapshot = facts.to_json()
    text = json.dumps(snapshot, ensure_ascii=False)
    again = FactSet.from_json(text)
    assert again == facts == FactSet.from_json(snapshot)
    assert again.to_json() == snapshot
    # Exact: the Decimal's digits and the int/Decimal distinction survive.
    assert snapshot["facts"][0]["value"] == "94.140625"
    assert str(again["hazards.rectification_rate"].previous) == "90.90"
    assert isinstance(again["hazards.found"].value, int)
    assert again["hazards.found"].part("major").previous == 0  # type: ignore[union-attr]
    assert again["hazards.median_days_to_close"].value is None
    assert again.previous_period is not None and again.previous_period.kind == "to_date"
    assert list(again) == list(facts)
    with pytest.raises(ValueError, match="快照版本"):
        FactSet.from_json({**snapshot, "version": 99})
