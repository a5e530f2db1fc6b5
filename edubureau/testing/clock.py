"""The suite's clock: ``pytest --today 2027-02-10`` runs every test as if it were that day.

Factories and tests take their dates from ``timezone.localdate()`` (or freeze the clock
themselves with time_machine), so the whole suite must pass on any day. This plugin moves
the process clock — the test thread, the live server's threads, Django's ``now()`` —
to the chosen day and lets it tick from there. A test that freezes its own date still
does: time_machine's travels nest. Only the browser's own JavaScript clock is not moved;
the pages take their dates from the server.

``EDUBUREAU_TEST_TODAY`` is read when the option is not given (handy for an IDE).
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

import pytest
import time_machine

SHANGHAI = ZoneInfo("Asia/Shanghai")
_DEFAULT_TIME = dt.time(10, 0)


def parse_today(value: str) -> dt.datetime:
    """``2027-02-10`` (10:00 Beijing time) or ``2027-12-31T23:50`` → an aware datetime."""
    try:
        if "T" in value:
            moment = dt.datetime.fromisoformat(value)
        else:
            moment = dt.datetime.combine(dt.date.fromisoformat(value), _DEFAULT_TIME)
    except ValueError as exc:
        raise pytest.UsageError(
            f"--today expects YYYY-MM-DD or YYYY-MM-DDTHH:MM, not {value!r}"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--today",
        default=os.environ.get("EDUBUREAU_TEST_TODAY") or None,
        help="run the whole suite as if today were this date (YYYY-MM-DD[THH:MM], Beijing time)",
    )


def pytest_configure(config: pytest.Config) -> None:
    value = config.getoption("--today")
    if not value:
        return
    traveller = time_machine.travel(parse_today(value), tick=True)
    traveller.start()
    config.stash[_TRAVELLER] = traveller


def pytest_unconfigure(config: pytest.Config) -> None:
    traveller = config.stash.get(_TRAVELLER, None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config: pytest.Config) -> str:
    value = config.getoption("--today")
    now = dt.datetime.now(SHANGHAI)
    if value:
        return f"clock: moved to {now:%Y-%m-%d %H:%M} Beijing time (--today {value})"
    return f"clock: the real date, {now:%Y-%m-%d %H:%M} Beijing time"


_TRAVELLER = pytest.StashKey[time_machine.travel]()
