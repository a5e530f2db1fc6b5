"""Reading returns for the pages: the bureau's list of schools with their return of a
census year (a school without one is listed too — that is who is missing), the
counts by status and timeliness, and the form's layout from the data dictionary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    F,
    Q,
    QuerySet,
    Value,
    When,
)

from edubureau.core.listing import ListSpec
from edubureau.orgs.models import Bureau, School, Township
from edubureau.orgs.scoping import SchoolScope
from edubureau.stats.dictionary import GROUPS, FieldSpec, Level, fields_for, levels_for
from edubureau.stats.models import ReturnStatus, StatReturn
from edubureau.stats.rules import Problem
from edubureau.stats.services import Timeliness, census_date, due_date, timeliness

# The list's status filter: the return statuses and "not started".
NOT_STARTED = "none"
STATUS_FILTERS: tuple[tuple[str, str], ...] = (
    *ReturnStatus.choices,
    (NOT_STARTED, "未填报"),
)


def returns_of_year(scope: SchoolScope, start_year: int) -> QuerySet[StatReturn]:
    """The scope's returns of the census year: a moved school's under the bureau that
    held it when the school year began, which reviews and counts them (the list, the
    workbench and the indicators read the same rows)."""
    return scope.by_record_date().rows(StatReturn).filter(school_year__start_year=start_year)


def schools_of_year(scope: SchoolScope, start_year: int) -> QuerySet[School]:
    """The scope's schools in operation on the census day: a school that moved since is
    listed where it was then, with its return."""
    return scope.by_record_date().schools_on(census_date(start_year)).filter(is_active=True)


# The returns list as the list component reads it (core.listing): one row per school.
RETURN_LIST = ListSpec(
    filters=frozenset({"year", "status", "township", "bureau", "direct", "school"}),
    search=("name", "identifier"),
    search_hint="学校名称或标识码",
    # ``place_*``: where the school was on the census day (``schools_for_list``).
    sorts={"name": ("name",), "township": ("place_township_name", "name")},
)


def schools_for_list(scope: SchoolScope, start_year: int, *, status: str = "") -> QuerySet[School]:
    """The scope's schools of the census year, narrowed by the status of their return."""
    schools = schools_of_year(scope, start_year)
    returns = returns_of_year(scope, start_year)
    if status == NOT_STARTED:
        schools = schools.exclude(pk__in=returns.values("school_id"))
    elif status in ReturnStatus.values:
        schools = schools.filter(pk__in=returns.filter(status=status).values("school_id"))
    return _with_census_place(schools, scope, start_year).order_by(
        "place_bureau_path", "place_township_id", "name"
    )


def _with_census_place(
    schools: QuerySet[School], scope: SchoolScope, start_year: int
) -> QuerySet[School]:
    """``schools`` with where each was on the census day, for the list's order: its
    bureau's path and its township (``place_bureau_path``, ``place_township_id``,
    ``place_township_name``). A school that moved since is listed under the bureau and
    township it was in then (as its place is shown, :func:`_places_on`), not its new
    ones; the scope knows the few that moved."""
    day = census_date(start_year)
    dated = scope.by_record_date()
    then = {pk: dated.stay_on(pk, day) for pk in dated.moved_stays()}
    moved = {pk: stay for pk, stay in then.items() if stay is not None and not stay.current}
    names = dict(
        Township.objects.filter(
            pk__in={s.township_id for s in moved.values() if s.township_id}
        ).values_list("pk", "name")
    )

    def place(value: Any, default: str, field: Any) -> Case:
        cases = [When(pk=pk, then=Value(value(stay))) for pk, stay in moved.items()]
        return Case(*cases, default=F(default), output_field=field)

    return schools.select_related("township", "bureau").annotate(
        place_bureau_path=place(lambda s: s.bureau_path, "bureau__path", CharField()),
        place_township_id=place(lambda s: s.township_id, "township_id", BigIntegerField()),
        place_township_name=place(
            lambda s: names.get(s.township_id), "township__name", CharField()
        ),
    )


@dataclass
class SchoolRow:
    school: School
    stat_return: StatReturn | None
    timeliness: Timeliness
    # Where the school was on the census day: its township, or its bureau's (short)
    # name for a school without one (市直, 县直). A school that has moved since is listed by
    # the bureau that held it then, under the township it was in, not its new one.
    place: str = ""


def rows_for(
    schools: list[School], scope: SchoolScope, start_year: int, *, today: date
) -> list[SchoolRow]:
    """The page's schools (``schools``, their township and bureau loaded) with their
    return of the census year."""
    found = {
        r.school_id: r
        for r in returns_of_year(scope, start_year).filter(school__in=[s.pk for s in schools])
    }
    places = _places_on(schools, scope, census_date(start_year))
    return [
        SchoolRow(
            s,
            found.get(s.pk),
            timeliness(found.get(s.pk), start_year=start_year, today=today),
            places[s.pk],
        )
        for s in schools
    ]


def _places_on(schools: list[School], scope: SchoolScope, day: date) -> dict[int, str]:
    """Each school's township (else its bureau's short name) on ``day``: two small
    queries for the names of the places moved schools left, none where no school moved."""
    dated = scope.by_record_date()
    then = {s.pk: dated.stay_on(s.pk, day) for s in schools}
    moved = {pk: stay for pk, stay in then.items() if stay is not None and not stay.current}
    townships: dict[int, str] = {}
    bureaus: dict[int, str] = {}
    if moved:
        townships = dict(
            Township.objects.filter(
                pk__in={s.township_id for s in moved.values() if s.township_id}
            ).values_list("pk", "name")
        )
        bureaus = {
            b.pk: b.display_name
            for b in Bureau.objects.filter(pk__in={s.bureau_id for s in moved.values()})
        }
    places = {}
    for school in schools:
        stay = moved.get(school.pk)
        if stay is None:
            township = school.township
            places[school.pk] = township.name if township else school.bureau.display_name
        elif stay.township_id:
            places[school.pk] = townships.get(stay.township_id, "")
        else:
            places[school.pk] = bureaus.get(stay.bureau_id, "")
    return places


@dataclass
class Summary:
    schools: int
    by_status: dict[str, int]
    not_started: int
    by_timeliness: dict[str, int]
    due: date


def summary(scope: SchoolScope, start_year: int, *, today: date) -> Summary:
    """Counts over the whole scope (not the page), in one aggregate query over the
    returns: schools, returns by status, and by timeliness (judged as
    :func:`~edubureau.stats.services.timeliness` does: on the first submission's local
    day; schools without a submitted return are missing once the due date passed)."""
    schools = schools_of_year(scope, start_year)
    total = schools.count()
    returns = returns_of_year(scope, start_year).filter(school__in=schools.values("pk"))
    due = due_date(start_year)
    counts = returns.aggregate(
        on_time=Count("pk", filter=Q(submitted_at__date__lte=due)),
        late=Count("pk", filter=Q(submitted_at__date__gt=due)),
        **{status: Count("pk", filter=Q(status=status)) for status in ReturnStatus.values},
    )
    started = sum(counts[s] for s in ReturnStatus.values)
    unsubmitted = total - counts["on_time"] - counts["late"]
    overdue = today > due
    return Summary(
        schools=total,
        by_status={s: counts[s] for s in ReturnStatus.values},
        not_started=total - started,
        by_timeliness={
            Timeliness.ON_TIME: counts["on_time"],
            Timeliness.LATE: counts["late"],
            Timeliness.MISSING: unsubmitted if overdue else 0,
            Timeliness.NOT_DUE: 0 if overdue else unsubmitted,
        },
        due=due,
    )


# The form --------------------------------------------------------------------------


@dataclass
class Cell:
    spec: FieldSpec
    value: Any
    hint: int | None
    errors: list[str] = field(default_factory=list)


@dataclass
class Group:
    key: str
    label: str
    cells: list[Cell]


@dataclass
class LevelBlock:
    level: Level
    label: str
    groups: list[Group]


def form_layout(
    kind: str,
    values: Mapping[str, Any],
    *,
    hints: Mapping[str, int] | None = None,
    errors: list[Problem] | None = None,
) -> list[LevelBlock]:
    """The return's inputs, level by level and group by group, straight from the data
    dictionary, each with its value, last year's hint and the errors it is first in."""
    by_field: dict[str, list[str]] = {}
    for problem in errors or []:
        by_field.setdefault(problem.field, []).append(problem.message)
    hints = hints or {}
    specs = fields_for(kind)
    blocks = []
    for level in levels_for(kind):
        groups = []
        for key, label in GROUPS.items():
            cells = [
                Cell(s, values.get(s.code, ""), hints.get(s.code), by_field.get(s.code, []))
                for s in specs
                if s.level == level and s.group == key
            ]
            if cells:
                groups.append(Group(key, label, cells))
        blocks.append(LevelBlock(level, Level(level).label, groups))
    return blocks
