"""Query parameters are parsed tolerantly: a hostile value is ignored, never a 500."""

from datetime import date

import pytest

from edubureau.core.params import param_date, param_id, param_int, param_month


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12", 12), (" 7 ", 7), ("0", None), ("-1", None), ("abc", None), (None, None), ("", None)],
)
def test_ids_are_positive_integers(raw, expected):
    assert param_id(raw) == expected


def test_ids_past_the_database_range_match_nothing_instead_of_overflowing():
    assert param_id("9223372036854775807") == 2**63 - 1
    assert param_id("9223372036854775808") is None
    assert param_id("99999999999999999999") is None
    assert param_int("1" * 5000) is None


@pytest.mark.parametrize("raw", ["9999-12-31", "0001-01-01", "2026-02-30", "1e999999x", "x"])
def test_dates_outside_the_calendar_we_keep_are_ignored(raw):
    assert param_date(raw) is None


def test_a_real_date_is_read():
    assert param_date("2026-09-01") == date(2026, 9, 1)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-10", date(2026, 10, 1)),
        ("2026-1", date(2026, 1, 1)),
        ("0001-01", None),
        ("9999-12", None),
        ("2026-13", None),
        ("2026-00", None),
        ("2026", None),
        (None, None),
    ],
)
def test_months(raw, expected):
    assert param_month(raw) == expected
