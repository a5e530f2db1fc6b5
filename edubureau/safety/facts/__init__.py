"""The numbers of an annual (or half-year, school-year, monthly) safety summary.

``safety_facts(scope=…, period=…)`` returns a :class:`~edubureau.core.facts.FactSet`:
every figure the summaries of seed 004 quote, each with the list URL of the rows
it counts and, where the figure belongs to a period, last year's value. The
``reports`` module phrases them; the dashboards show some of them.

The scope is a :class:`~edubureau.orgs.scoping.SchoolScope`, made only by the
scoping door: ``scope_for(user)`` (what the user sees), ``scope_for(user, bureau=…)``
(one bureau's subtree within it: a city's county), ``…, township=…`` or
``…, school=…``; a job without a user takes ``system_scope(bureau)``. Every row is
read through ``scope.rows(Model)`` (``visible_to`` narrowed), never from a
queryset of schools a caller limited.

Aggregating upward: a city's facts are the sums of its counties' and its 市直
schools' for every fact except those in :data:`NOT_ADDITIVE`: the rates of
:data:`RATES`, recomputed from the summed numerator and denominator (never
averaged), the median days to close, and the number of campaigns (a city's
campaign covers schools of several counties).

Definitions (the same on the dashboard, in circulars and in reports):

- *found*: hazards reported in the period (``reported_on``: ``found_q``);
- *closed* (整改销号): of those, the ones closed by the end of the period
  (``closed_q(period)``, the one meaning of "closed" for a period's hazards), so a
  past period's figure does not change later; *rectification rate* = closed ÷ found;
- *closed on time* (按期整改): of the closed ones, those rectified on or before their
  deadline, or that had no deadline (a deferred hazard without a target date is never
  late): ``closed_q(period) & on_time_q()``, the hazard list's ``on_time=1``;
  *on-time rate* (隐患按期整改率) = closed on time ÷ found, so it never exceeds the
  rectification rate;
- *overdue*: of those found, the ones still reported/planned whose deadline has passed
  (as of ``today``, the rule of the hazard list's ``overdue=1``);
- *挂牌督办* (``hazards.escalated``): of those overdue, the ones on the top rung of the
  escalation ladder (``overdue_level`` 5, the list's ``supervised=1``), as of ``today``
  (a close-out resets the level);
- *deferred* (``hazards.deferred``, 暂无法整改、落实管控措施): of those found, the ones
  planned as ``PlanKind.DEFERRED``, whatever their status now (the list's
  ``plan=deferred``);
- *median days to close*: over hazards closed in the period, calendar days from
  ``reported_on`` to the (local) date of ``closed_at``;
- *closed late*: hazards closed in the period whose rectification was done after
  the deadline (``rectified_on > deadline``), by township;
- *repeats*: hazards found in the period flagged as a repeat (``repeat_of``), by item;
- *self-inspections due*: one per active school per month of the period that has
  begun, from the month its bureau went live (``Bureau.go_live`` on or before the
  month's first day; a bureau without one: every month); *submitted* counts only due
  months; *on time*: submitted no later than ``due_on``; *schools that self-inspected*
  (``inspections.self.schools``): active schools with at least one submitted
  self-inspection of a due month, of the active schools with at least one due month
  (``inspections.self.schools_due``);
- *schools meeting the drill frequency* (``drills.schools_meeting_frequency``): active
  schools that held at least :func:`drills_required` drills in the period — two per
  semester ("每学期至少2次", setting ``SAFETY_DRILLS_PER_SEMESTER``), a semester counted
  as six months, rounded up: 4 in a year, 2 in a half year, 1 in a month; for a running
  period, of the months to date — of the active schools (``drills.active_schools``);
- ledgers: drills and education activities held in the period; responsibility
  letters of the school year in force at the end of the period; vehicles,
  canteens, guards and cameras as registered now (no year-over-year value).

Comparing with last year (:mod:`~edubureau.safety.facts.comparison`): a fact's
``previous`` is None, never 0, unless the previous span is comparable — every bureau
running the scope's schools was live (``Bureau.go_live``) on its first day, and, for
bureaus without a go-live set, each has rows of the fact's family in it. A first-year
bureau's facts carry no previous values. A running period (``today`` before its end)
is compared with the same span of the year before (``Period.to_date``,
:func:`comparison_period`): on 16 November 2026, 2026 with 1 January to 16 November
2025, never with the whole of 2025. ``FactSet.to_json()`` is the snapshot an issued
report stores of the facts it used.

Every aggregate runs in the database (``values().annotate()``); the number of
queries does not depend on the number of schools.

The facts are grouped by what they count: ``common`` (links, period filters, the
"closed" rule, go-live), ``comparison`` (which previous values exist), ``hazards``,
``inspections`` and ``ledgers``; this module is the entry point and re-exports what
dashboards, circulars and tests use.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from edubureau.core.facts import Fact, FactSet, Period
from edubureau.orgs.scoping import SchoolScope, scope_for
from edubureau.safety.facts.common import (
    EXPIRY_DAYS,
    GoLive,
    Links,
    before_go_live_q,
    closed_between,
    closed_by,
    closed_by_params,
    closed_in_q,
    closed_params,
    closed_q,
    found_params,
    found_q,
    go_live_of,
)
from edubureau.safety.facts.comparison import (
    FAMILIES,
    comparable,
    family_of,
    recorded_bureaus,
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
from edubureau.safety.facts.inspections import (
    due_months,
    inspection_facts,
    self_inspection_months,
    self_inspection_schools,
)
from edubureau.safety.facts.ledgers import (
    canteen_facts,
    drill_and_education_facts,
    drill_frequency_facts,
    drills_required,
    letter_facts,
    school_year_for,
    security_facts,
    vehicle_facts,
)
from edubureau.safety.selectors.hazards import on_time_q

__all__ = [
    "EXPIRY_DAYS",
    "FAMILIES",
    "NOT_ADDITIVE",
    "RATES",
    "CloseDays",
    "GoLive",
    "HazardCell",
    "Links",
    "before_go_live_q",
    "close_days",
    "closed_between",
    "closed_by",
    "closed_by_params",
    "closed_in_q",
    "closed_params",
    "closed_q",
    "comparable",
    "comparison_period",
    "days_to_close",
    "drill_frequency_facts",
    "drills_required",
    "due_months",
    "family_of",
    "found_params",
    "found_q",
    "go_live_of",
    "hazard_cells",
    "hazard_facts",
    "late_fact",
    "letter_facts",
    "on_time_q",
    "recorded_bureaus",
    "repeat_fact",
    "repeat_items",
    "safety_facts",
    "safety_facts_for_user",
    "school_year_for",
    "self_inspection_months",
    "self_inspection_schools",
    "vehicle_facts",
]


# Adding up ------------------------------------------------------------------------

# Each rate and the facts it divides (numerator, denominator), in per cent.
RATES: dict[str, tuple[str, str]] = {
    "hazards.rectification_rate": ("hazards.closed", "hazards.found"),
    "hazards.on_time_rate": ("hazards.closed_on_time", "hazards.found"),
    "inspections.self.on_time_rate": ("inspections.self.on_time", "inspections.self.due"),
    "inspections.self.schools_rate": (
        "inspections.self.schools",
        "inspections.self.schools_due",
    ),
    "drills.frequency_rate": ("drills.schools_meeting_frequency", "drills.active_schools"),
    "letters.rate": ("letters.signed", "letters.due"),
    "canteens.a_grade_share": ("canteens.a_grade", "canteens.count"),
}

# Facts whose value over a bureau is not the sum of its parts' (their breakdowns are
# not added either, except a campaign's schools covered, which are).
NOT_ADDITIVE = frozenset({*RATES, "hazards.median_days_to_close", "inspections.campaigns"})


# The entry point -------------------------------------------------------------------


def _period_facts(
    *,
    scope: SchoolScope,
    period: Period,
    today: date,
    links: Links,
    letters_on: date,
    drills: int,
) -> list[Fact]:
    return [
        *inspection_facts(scope=scope, period=period, today=today, links=links),
        *hazard_facts(scope=scope, period=period, today=today, links=links),
        *drill_and_education_facts(scope=scope, period=period, links=links),
        *drill_frequency_facts(scope=scope, period=period, links=links, required=drills),
        *letter_facts(scope=scope, on=letters_on, links=links),
    ]


def comparison_period(period: Period, today: date) -> Period:
    """The span of ``period`` its figures cover as of ``today``: a running period to
    date (2026年 on 16 November: 1 January to 16 November), else the period itself."""
    if period.start <= today < period.end:
        return period.to_date(today)
    return period


def safety_facts(*, scope: SchoolScope, period: Period, today: date | None = None) -> FactSet:
    """The safety facts of ``scope`` over ``period``, with last year's values where the
    previous period can be compared (:func:`comparable`).

    A running period (``today`` before its end) holds what is recorded to date and is
    compared with the same span of the year before (:func:`comparison_period`): on
    16 November 2026 the FactSet's ``period`` is still 2026年 and its
    ``previous_period`` is 1 January to 16 November 2025 (kind ``to_date``, "比上年同期"),
    never the whole of 2025. The drill frequency asked of a school is that of the span to
    date. Letters are those of the school year in force at the end of the period asked
    for (and a year before it); registries are as they stand, never compared.

    Every source link carries the scope's narrowing (``scope.params``: ``bureau``,
    ``township``, ``school``), so the list shows the rows counted. ``today`` (default:
    the local date) decides what is overdue, which months are due and which documents
    expire; the FactSet keeps it as ``as_of``.
    """
    today = today or timezone.localdate()
    links = Links.of(scope)
    # A moved school's records count where it was on their date (orgs.moves, rule 3).
    scope = scope.by_record_date()
    span = comparison_period(period, today)
    earlier_span = span.previous()
    earlier = FactSet.combine(
        earlier_span,
        comparable(
            _period_facts(
                scope=scope,
                period=earlier_span,
                today=today,
                links=links,
                letters_on=period.previous().end,
                drills=drills_required(earlier_span),
            ),
            scope=scope,
            span=earlier_span,
            go_live=go_live_of(scope),
            letters_on=period.previous(),
        ),
    )
    current = [
        *_period_facts(
            scope=scope,
            period=period,
            today=today,
            links=links,
            letters_on=period.end,
            drills=drills_required(span),
        ),
        # Registries are as they stand now: no year-over-year value.
        *vehicle_facts(scope=scope, today=today, links=links),
        *canteen_facts(scope=scope, links=links),
        *security_facts(scope=scope, links=links),
    ]
    return FactSet.combine(period, current, earlier, as_of=today)


def safety_facts_for_user(*, user: Any, period: Period, today: date | None = None) -> FactSet:
    """``safety_facts`` over everything ``user`` may see (a school user: their school)."""
    return safety_facts(scope=scope_for(user), period=period, today=today)
