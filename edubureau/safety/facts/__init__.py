"""The numbers of an annual (or half-year, school-year, monthly) safety summary.

``safety_facts(schools=…, period=…)`` returns a :class:`~edubureau.core.facts.FactSet`:
every figure the summaries of seed 004 quote, each with the list URL of the rows
it counts and, where the figure belongs to a period, last year's value. The
``reports`` module phrases them; the dashboards show some of them.

Definitions (the same on the dashboard, in circulars and in reports):

- *found*: hazards reported in the period (``reported_on``);
- *closed* (整改销号): of those, the ones closed by the end of the period, so a
  past year's figure does not change later; *rectification rate* = closed ÷ found;
- *overdue*: of those, the ones still reported/planned whose deadline has passed
  (as of ``today``, the rule of the hazard list's ``overdue=1``);
- *median days to close*: over hazards closed in the period, calendar days from
  ``reported_on`` to the (local) date of ``closed_at``;
- *closed late*: hazards closed in the period whose rectification was done after
  the deadline (``rectified_on > deadline``), by township;
- *repeats*: hazards found in the period flagged as a repeat (``repeat_of``), by item;
- *self-inspections due*: one per active school per month of the period that has
  begun; *on time*: submitted no later than ``due_on``;
- ledgers: drills and education activities held in the period; responsibility
  letters of the school year in force at the end of the period; vehicles,
  canteens, guards and cameras as registered now (no year-over-year value).

Every aggregate runs in the database (``values().annotate()``); the number of
queries does not depend on the number of schools.

The facts are grouped by what they count: ``common`` (links and period filters),
``hazards``, ``inspections`` and ``ledgers``; this module is the entry point and
re-exports what dashboards, circulars and tests use.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from edubureau.core.facts import Fact, FactSet, Period
from edubureau.orgs.models import School
from edubureau.safety.facts.common import (
    EXPIRY_DAYS,
    Links,
    closed_between,
    closed_by,
    closed_params,
    found_params,
    school_ids,
)
from edubureau.safety.facts.hazards import (
    CloseDays,
    HazardCell,
    close_days,
    days_to_close,
    hazard_cells,
    hazard_facts,
    late_fact,
    repeat_fact,
    repeat_items,
)
from edubureau.safety.facts.inspections import due_months, inspection_facts, self_inspection_months
from edubureau.safety.facts.ledgers import (
    canteen_facts,
    drill_and_education_facts,
    letter_facts,
    school_year_for,
    security_facts,
    vehicle_facts,
)

__all__ = [
    "EXPIRY_DAYS",
    "CloseDays",
    "HazardCell",
    "Links",
    "close_days",
    "closed_between",
    "closed_by",
    "closed_params",
    "days_to_close",
    "due_months",
    "found_params",
    "hazard_cells",
    "hazard_facts",
    "late_fact",
    "letter_facts",
    "repeat_fact",
    "repeat_items",
    "safety_facts",
    "safety_facts_for_user",
    "school_ids",
    "school_year_for",
    "self_inspection_months",
    "vehicle_facts",
]


# The entry point -------------------------------------------------------------------


def _period_facts(
    *, schools: QuerySet[School], period: Period, today: date, links: Links
) -> list[Fact]:
    return [
        *inspection_facts(schools=schools, period=period, today=today, links=links),
        *hazard_facts(schools=schools, period=period, today=today, links=links),
        *drill_and_education_facts(schools=schools, period=period, links=links),
        *letter_facts(schools=schools, on=period.end, links=links),
    ]


def safety_facts(
    *,
    schools: QuerySet[School],
    period: Period,
    today: date | None = None,
    scope: Mapping[str, object] | None = None,
) -> FactSet:
    """The safety facts of ``schools`` over ``period``, with last year's values.

    ``schools`` is the scope, already limited to what the caller may see (e.g.
    ``School.objects.visible_to(user)``, or one township's schools of a bureau).
    ``scope`` is added to every source link when the list pages need it to show
    the same rows (e.g. ``{"township": 3}``). ``today`` (default: the local date)
    decides what is overdue, which months are due and which documents expire.
    """
    today = today or timezone.localdate()
    links = Links(scope=dict(scope or {}))
    earlier_period = period.previous()
    earlier = FactSet.combine(
        earlier_period,
        _period_facts(schools=schools, period=earlier_period, today=today, links=links),
    )
    current = [
        *_period_facts(schools=schools, period=period, today=today, links=links),
        # Registries are as they stand now: no year-over-year value.
        *vehicle_facts(schools=schools, today=today, links=links),
        *canteen_facts(schools=schools, links=links),
        *security_facts(schools=schools, links=links),
    ]
    return FactSet.combine(period, current, earlier)


def safety_facts_for_user(*, user: Any, period: Period, today: date | None = None) -> FactSet:
    """``safety_facts`` over everything ``user`` may see (a school user: their school)."""
    return safety_facts(schools=School.objects.visible_to(user), period=period, today=today)
