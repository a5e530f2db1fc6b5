"""The suite's clock (edubureau.testing.clock) and the rule that factories date
themselves from it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from edubureau.testing.clock import SHANGHAI, parse_today

EDUBUREAU = Path(__file__).resolve().parents[2]


def test_today_takes_a_date_at_ten_beijing_time_or_an_exact_moment():
    assert parse_today("2027-02-10") == dt.datetime(2027, 2, 10, 10, 0, tzinfo=SHANGHAI)
    assert parse_today("2027-12-31T23:50") == dt.datetime(2027, 12, 31, 23, 50, tzinfo=SHANGHAI)
    with pytest.raises(pytest.UsageError, match="YYYY-MM-DD"):
        parse_today("10/02/2027")


def test_today_moves_the_clock_of_the_whole_run(pytester):
    pytester.makepyfile(
        """
        import datetime as dt
        import time

        def test_moved():
            assert dt.date.today() == dt.date(2031, 1, 2)
            assert time.localtime(time.time()).tm_year == 2031

        def test_still_ticks():
            first = dt.datetime.now()
            time.sleep(0.01)
            assert dt.datetime.now() > first
        """
    )
    result = pytester.runpytest_inprocess(
        "-p", "edubureau.testing.clock", "--today", "2031-01-02", "-p", "no:django"
    )
    result.assert_outcomes(passed=2)
    assert any("clock: moved to 2031-01-02" in line for line in result.outlines)


# A calendar constant in a factory is a failure waiting for its day. The dated county of
# scenario_2026.py is the exception: it is built only under a frozen clock.
DATE_LITERAL = re.compile(r"\b(?:date|datetime)\(\s*(?:19|20)\d\d\s*,")


def test_no_factory_holds_a_calendar_date():
    factory_files = [
        *EDUBUREAU.glob("*/tests/factories*.py"),
        *EDUBUREAU.glob("*/tests/isolation*.py"),
        *EDUBUREAU.glob("testing/*.py"),
    ]
    assert len(factory_files) > 8  # the glob found the factories
    offending = [
        f"{path.relative_to(EDUBUREAU)}:{number}: {line.strip()}"
        for path in factory_files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if DATE_LITERAL.search(line)
    ]
    assert offending == []
