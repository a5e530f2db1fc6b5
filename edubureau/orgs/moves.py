"""Where a moved school's dated records belong (隶属关系调整).

A school moved from one bureau to another, or between two townships of its bureau
(:class:`~edubureau.orgs.models.SchoolTransfer`), spent its life in *stays*: one per
bureau (and township) it belonged to, each from the day it arrived to the day it left.
A dated record of the school (an inspection of a month, a hazard reported on a day, a
drill held on a day) belongs to the stay its date falls in. Three rules follow,
written here once and applied by the scoping door (``scoping.school_read_q`` and
``SchoolScope.rows``):

1. the school's current bureau (and its ancestors) reads all of its records, old and
   new: it chases what is still open;
2. a former bureau keeps reading, never writing, the records dated in its stay: they
   are its history (its past circulars and summaries quote them) — except where a
   model says a record belongs to the bureau of its date for writes too (a
   statistical return: the census is its bureau's; :func:`holder_on`);
3. a period's figures count each dated record under the bureau the school belonged to
   on the record's date (``SchoolScope.by_record_date()``), so a county's past summary
   does not change when a school leaves, and a city still equals the sum of its
   counties for every period.

A model opts in by naming its record date, ``record_date_field`` (a date field,
possibly through a relation: ``"hazard__reported_on"``). Registries without a date
(vehicles, canteens) stay with the school's current bureau.

Only schools with a transfer that crosses a subtree's edge are special; the rest read
by the ordinary rule. Only readers of a bureau whose subtree a school crossed
(``Bureau.has_moved_schools``) look for them: one query on the (small) transfer table,
made once per reader and per request (:func:`moved_stays`).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import models
from django.db.models.functions import Coalesce

# Bumped by every move, so that stays cached on a reader in this process are never
# stale; readers in another process are per request and read afresh.
_version = 0


def transfers_changed() -> None:
    """Called by ``school_move`` after it records a transfer."""
    global _version
    _version += 1


def may_have_moved(bureau: Any) -> bool:
    """Whether a reader of ``bureau``'s subtree must look for moved schools: a school
    crossed its edge (``Bureau.has_moved_schools``, set by ``school_move``; a reader's
    bureau is read afresh with every request)."""
    return bool(bureau.has_moved_schools)


@dataclass(frozen=True)
class Stay:
    """A school's time in one bureau (and township): from ``start`` (None: since its
    first record) up to, not including, ``end`` (None: to this day)."""

    school_id: int
    bureau_id: int
    bureau_path: str
    township_id: int | None
    start: date | None
    end: date | None
    # The bureau's go-live (self-inspections are due from it) and whether the school
    # is open now.
    go_live: date | None = None
    active: bool = True

    @property
    def current(self) -> bool:
        return self.end is None

    def start_on_or_before(self, day: date) -> bool:
        return self.start is None or self.start <= day

    def ends_after(self, day: date) -> bool:
        return self.end is None or day < self.end

    def q(self, *, school_key: str, date_key: str) -> models.Q:
        """The school's records dated in this stay."""
        q = models.Q(**{school_key: self.school_id})
        if self.start is not None:
            q &= models.Q(**{f"{date_key}__gte": self.start})
        if self.end is not None:
            q &= models.Q(**{f"{date_key}__lt": self.end})
        return q


Holds = Callable[[Stay], bool]


def _timeline(school: tuple, moves: list[tuple]) -> list[Stay]:
    """The stays of one school from its transfers in date order."""
    school_id, bureau_id, bureau_path, township_id, go_live, active = school
    stays: list[Stay] = []
    start: date | None = None
    # Each transfer names the bureau and township the school left on its date: the
    # stay that ends there began with the transfer before it.
    for from_bureau, from_path, from_township, from_go_live, moved_on in moves:
        stays.append(
            Stay(
                school_id,
                from_bureau,
                from_path,
                from_township,
                start,
                moved_on,
                from_go_live,
                active,
            )
        )
        start = moved_on
    stays.append(Stay(school_id, bureau_id, bureau_path, township_id, start, None, go_live, active))
    return stays


def stays_crossing(path: str) -> list[Stay]:
    """Every stay of every school moved into, out of or within the subtree at ``path``
    (one query on the transfer table). Whether a stay is in a given set of schools
    (a subtree, a bureau's own schools, a township) is the caller's ``holds``."""
    from edubureau.orgs.models import SchoolTransfer

    if not path:
        return []
    crossing = SchoolTransfer.objects.filter(
        models.Q(from_bureau__path__startswith=path) | models.Q(to_bureau__path__startswith=path)
    ).values("school_id")
    rows = (
        SchoolTransfer.objects.filter(school_id__in=crossing)
        .order_by("school_id", "moved_on", "id")
        .values_list(
            "school_id",
            "school__bureau_id",
            "school__bureau__path",
            "school__township_id",
            "school__bureau__go_live",
            "school__is_active",
            "from_bureau_id",
            "from_bureau__path",
            "from_township_id",
            "from_bureau__go_live",
            "moved_on",
        )
    )
    by_school: dict[tuple, list[tuple]] = {}
    for row in rows:
        by_school.setdefault(tuple(row[:6]), []).append(tuple(row[6:]))
    return [stay for school, moves in by_school.items() for stay in _timeline(school, moves)]


def moved_stays(cache: dict[tuple[str, int], list[Stay]], path: str) -> list[Stay]:
    """:func:`stays_crossing`, kept in ``cache`` (a request's user's, a scope's) for
    the life of its holder."""
    key = (path, _version)
    if key not in cache:
        cache[key] = stays_crossing(path)
    return cache[key]


def by_school(stays: Iterable[Stay]) -> dict[int, list[Stay]]:
    """The stays grouped by school, in their order."""
    grouped: dict[int, list[Stay]] = {}
    for stay in stays:
        grouped.setdefault(stay.school_id, []).append(stay)
    return grouped


def mixed(stays: Iterable[Stay], holds: Holds) -> dict[int, list[Stay]]:
    """The stays of schools that were in the set (``holds``) for part of their life
    only, by school."""
    return {
        school: own
        for school, own in by_school(stays).items()
        if any(holds(s) for s in own) and not all(holds(s) for s in own)
    }


@dataclass(frozen=True)
class Correction:
    """How the ordinary rule (the rows of the set's schools now) changes for moved
    schools: ``add`` schools to the set, and keep only the rows of the ``restricted``
    ones that ``windows`` (their stays in the set, by date) allow.

    Applied as ``school IN (set's schools + add) AND (school NOT IN restricted OR
    windows)``: the school set stays one subquery, which the planner joins on the row's
    school index as before; the windows only filter the rows of moved schools. (An OR
    of the windows beside the subquery would make the planner scan the whole table.)"""

    add: tuple[int, ...]
    restricted: tuple[int, ...]
    windows: models.Q

    def rows_q(self, school_key: str) -> models.Q:
        return ~models.Q(**{f"{school_key}__in": self.restricted}) | self.windows


def correction(
    stays: Iterable[Stay], holds: Holds, *, dated: bool, school_key: str, date_key: str
) -> Correction | None:
    """Rule 2 (``dated`` False: what a reader sees): the schools that have left the
    set, with their records dated in their stays in it. Rule 3 (``dated``: a period's
    figures): every school that was in the set for part of its life, with its records
    dated in its stays in it. None when no school is concerned.

    Stays with the same dates (a 区划调整 moves many schools on one day) share one
    window: ``school IN (…) AND date ≥ start AND date < end``."""
    add: list[int] = []
    restricted: list[int] = []
    by_window: dict[tuple[date | None, date | None], list[int]] = {}
    for school, own in mixed(stays, holds).items():
        departed = not holds(own[-1])
        if not dated and not departed:
            continue  # held now: all of its records, by the ordinary rule
        if departed:
            add.append(school)
        restricted.append(school)
        for stay in own:
            if holds(stay):
                by_window.setdefault((stay.start, stay.end), []).append(school)
    if not restricted:
        return None
    # Every restricted school has a stay in the set, so there is at least one window.
    windows: list[models.Q] = []
    for (start, end), schools in sorted(by_window.items(), key=lambda kv: str(kv[0])):
        window = models.Q(**{f"{school_key}__in": sorted(set(schools))})
        if start is not None:
            window &= models.Q(**{f"{date_key}__gte": start})
        if end is not None:
            window &= models.Q(**{f"{date_key}__lt": end})
        windows.append(window)
    return Correction(
        tuple(sorted(add)), tuple(sorted(restricted)), functools.reduce(operator.or_, windows)
    )


def departure(stays: Iterable[Stay], holds: Holds, school_id: int) -> Stay | None:
    """Where ``school_id`` went when it last left the set, if it is no longer in it:
    its first stay after leaving (None for a school in the set, or never in it)."""
    own = [s for s in stays if s.school_id == school_id]
    if not own or holds(own[-1]) or not any(holds(s) for s in own):
        return None
    last_held = max(i for i, s in enumerate(own) if holds(s))
    return own[last_held + 1]


def in_subtree(path: str) -> Holds:
    return lambda stay: stay.bureau_path.startswith(path)


def in_bureau(bureau_id: int) -> Holds:
    return lambda stay: stay.bureau_id == bureau_id


def in_township(township_id: int) -> Holds:
    return lambda stay: stay.township_id == township_id


def both(first: Holds, second: Holds) -> Holds:
    return lambda stay: first(stay) and second(stay)


def record_date_key(model: type[models.Model]) -> str | None:
    """The model's record date (``record_date_field``), None for a registry."""
    return getattr(model, "record_date_field", None)


def holder_on(*, school_key: str, bureau_key: str, day: Any) -> models.Expression:
    """An expression for the key of the bureau a school belonged to on ``day`` (a date
    or an expression): the bureau it left by its first move after that day, else its
    bureau now. ``school_key`` and ``bureau_key`` name the school and its bureau from
    the rows annotated ("pk" and "bureau_id" on schools). For writes that stay with the
    bureau of the record's date: the write rule (``scoping.school_write_q``) takes the
    result as its ``bureau_key``."""
    from edubureau.orgs.models import SchoolTransfer

    left = (
        SchoolTransfer.objects.filter(school_id=models.OuterRef(school_key), moved_on__gt=day)
        .order_by("moved_on", "pk")
        .values("from_bureau_id")[:1]
    )
    return Coalesce(
        models.Subquery(left), models.F(bureau_key), output_field=models.BigIntegerField()
    )


def bureau_on(school: Any, day: date) -> int:
    """The key of the bureau that held ``school`` on ``day``: :func:`holder_on` for
    one school."""
    from edubureau.orgs.models import School

    holder = holder_on(school_key="pk", bureau_key="bureau_id", day=day)
    return int(
        School.objects.filter(pk=school.pk)
        .annotate(holder=holder)
        .values_list("holder", flat=True)
        .get()
    )
