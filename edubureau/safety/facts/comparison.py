"""Which of a period's facts may be compared with the previous period ("比上年").

A fact's ``previous`` exists only where the previous period has data; otherwise it is
None, never 0 (a first-year draft must not say "提高90.3个百分点" over an empty year).
The rule, per family of facts (:data:`FAMILIES`), over the bureaus that run the scope's
schools (a school's own bureau; a city's counties and the city itself for its 市直):

1. if a bureau with a go-live (``Bureau.go_live``) went live after the first day of
   the previous span, no fact has a previous value: a span the records do not wholly
   cover is no basis for comparison (a first-year bureau; a city one of whose counties
   joined this year);
2. otherwise, if every bureau has a go-live, every family is compared: the bureaus
   were live throughout, so a zero is a real zero;
3. otherwise (some bureau has no go-live set), a family is compared only when each of
   those bureaus has rows of the family in the previous span (:func:`recorded_bureaus`):
   a bureau without a single row is taken as not having kept that record yet.

So a city's previous value exists only when each of its parts' does, and is then their
sum (or, for a rate, the rate of the sums).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from edubureau.core.facts import Fact, Period
from edubureau.orgs.scoping import SchoolScope
from edubureau.safety.facts.common import GoLive, closed_between, found_q
from edubureau.safety.facts.ledgers import school_year_for
from edubureau.safety.models import (
    Drill,
    EducationActivity,
    Hazard,
    Inspection,
    InspectionKind,
    InspectionStatus,
    ResponsibilityLetter,
)

# The families of facts that have a previous value, by key prefix (the longest first).
FAMILIES: tuple[tuple[str, str], ...] = (
    ("inspections.self.", "self_inspections"),
    ("inspections.", "inspections"),
    ("hazards.", "hazards"),
    ("drills.", "drills"),
    ("education.", "education"),
    ("letters.", "letters"),
)


def family_of(key: str) -> str | None:
    """The family of a fact key (``hazards.found.major`` → ``hazards``), None for the
    registries (vehicles, canteens, security), which are never compared."""
    for prefix, family in FAMILIES:
        if key.startswith(prefix):
            return family
    return None


def _bureaus(rows: QuerySet) -> set[int]:
    return set(rows.order_by().values_list("school__bureau_id", flat=True).distinct())


def recorded_bureaus(
    *, scope: SchoolScope, span: Period, letters_on: Period | None = None
) -> dict[str, set[int]]:
    """Per family, the bureaus (ids) with at least one row of it in ``span``: hazards
    found or closed in it, self-inspections submitted for its months, inspections
    submitted, drills and education activities held in it; letters of the school year
    in force at the end of ``letters_on`` (default: ``span``). Six queries."""
    dated = Q(inspected_on__gte=span.start, inspected_on__lte=span.end)
    year = school_year_for(scope=scope, day=(letters_on or span).end)
    letters: set[int] = set()
    if year is not None:
        letters = _bureaus(
            scope.rows(ResponsibilityLetter).filter(school_year__start_year=year.start_year)
        )
    return {
        "hazards": _bureaus(
            scope.rows(Hazard).filter(found_q(span) | closed_between(span.start, span.end))
        ),
        "self_inspections": _bureaus(
            scope.rows(Inspection).filter(
                kind=InspectionKind.SELF,
                status=InspectionStatus.SUBMITTED,
                period__gte=span.start.replace(day=1),
                period__lte=span.end,
            )
        ),
        "inspections": _bureaus(
            scope.rows(Inspection).filter(dated, status=InspectionStatus.SUBMITTED)
        ),
        "drills": _bureaus(
            scope.rows(Drill).filter(held_on__gte=span.start, held_on__lte=span.end)
        ),
        "education": _bureaus(
            scope.rows(EducationActivity).filter(held_on__gte=span.start, held_on__lte=span.end)
        ),
        "letters": letters,
    }


def comparable(
    earlier: Iterable[Fact],
    *,
    scope: SchoolScope,
    span: Period,
    go_live: GoLive,
    letters_on: Period | None = None,
) -> list[Fact]:
    """The facts of the earlier ``span`` that may be compared with (module docstring);
    the others are left out, so the current facts get no previous value."""
    if not go_live.live_throughout(span):
        return []
    facts = list(earlier)
    if not go_live.unknown:
        return facts
    recorded = recorded_bureaus(scope=scope, span=span, letters_on=letters_on)
    families = {family for family, ids in recorded.items() if go_live.unset <= ids}
    return [f for f in facts if family_of(f.key) in families]
