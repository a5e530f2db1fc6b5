"""The status of a task, computed from its progress, its pace and its deadline, at the
boundary dates — a deadline on a public holiday is met on the next working day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from edubureau.plans.progress import (
    Point,
    TaskStatus,
    effective_deadline,
    expected_percent,
    target_share,
    task_percent,
    task_status,
)

# The calendar reads the holiday schedule an administrator may have entered.
pytestmark = pytest.mark.django_db

START, DEADLINE = date(2025, 1, 1), date(2025, 12, 31)


def status(today, percent, *, reported=True, start=START, deadline=DEADLINE, milestones=()):
    return task_status(
        today=today,
        start=start,
        deadline=deadline,
        percent=Decimal(percent),
        reported=reported,
        milestones=milestones,
    )


def test_expected_pace_is_linear_between_start_and_deadline():
    assert expected_percent(START, start=START, deadline=DEADLINE) == 0
    assert expected_percent(DEADLINE, start=START, deadline=DEADLINE) == 100
    mid = expected_percent(date(2025, 7, 2), start=START, deadline=DEADLINE)
    assert Decimal("49.5") < mid < Decimal("50.5")


def test_milestones_bend_the_pace():
    june = [Point(date(2025, 6, 30), Decimal(80))]
    assert (
        expected_percent(date(2025, 6, 30), start=START, deadline=DEADLINE, milestones=june) == 80
    )
    # Half-way from the milestone to the deadline: half-way from 80% to 100%.
    later = expected_percent(date(2025, 9, 30), start=START, deadline=DEADLINE, milestones=june)
    assert Decimal(89) < later < Decimal(91)


def test_statuses_at_their_boundaries():
    assert status(date(2024, 12, 31), 0, reported=False) == TaskStatus.NOT_STARTED
    assert status(date(2025, 1, 20), 0, reported=False) == TaskStatus.NOT_STARTED
    # 10 points behind the pace is still on track; more lags.
    assert status(date(2025, 7, 2), 40) == TaskStatus.ON_TRACK
    assert status(date(2025, 7, 2), 39) == TaskStatus.LAGGING
    assert status(date(2025, 7, 2), 0, reported=False) == TaskStatus.LAGGING
    # On the deadline (a working day) it is not yet overdue; the day after, it is.
    assert status(date(2025, 12, 31), 95) == TaskStatus.ON_TRACK
    assert status(date(2025, 12, 31), 85) == TaskStatus.LAGGING
    assert status(date(2026, 1, 1), 95) == TaskStatus.OVERDUE
    assert status(date(2026, 1, 1), 100) == TaskStatus.DONE


def test_a_passed_milestone_short_of_its_share_lags():
    june = [Point(date(2025, 6, 30), Decimal(80))]
    assert status(date(2025, 6, 30), 75, milestones=june) == TaskStatus.ON_TRACK  # due today
    assert status(date(2025, 7, 1), 75, milestones=june) == TaskStatus.LAGGING
    assert status(date(2025, 7, 1), 80, milestones=june) == TaskStatus.ON_TRACK


def test_a_deadline_on_national_day_is_met_on_the_first_working_day_after():
    # 1–8 October 2025 is the National Day and Mid-Autumn holiday.
    national_day = date(2025, 10, 1)
    assert effective_deadline(national_day) == date(2025, 10, 9)
    assert status(date(2025, 10, 9), 85, deadline=national_day) == TaskStatus.LAGGING
    assert status(date(2025, 10, 10), 85, deadline=national_day) == TaskStatus.OVERDUE
    assert effective_deadline(date(2025, 10, 9)) == date(2025, 10, 9)


@pytest.mark.parametrize(
    ("actual", "target", "share"),
    [(None, 10, 0), (0, 10, 0), (5, 10, 50), (12, 10, 100), (Decimal("2.5"), 10, 25), (3, 0, 0)],
)
def test_a_targets_share(actual, target, share):
    assert target_share(actual, Decimal(target)) == share


def test_a_tasks_percent_is_the_mean_of_its_targets_else_what_was_reported():
    assert task_percent([Decimal(100), Decimal(50)], 10) == 75
    assert task_percent([], 30) == 30
    assert task_percent([], None) == 0
