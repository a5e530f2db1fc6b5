"""What every group of safety facts shares: list links, the period filters, the one
meaning of "closed in a period" and the bureaus' go-live dates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from edubureau.core.facts import Period, link
from edubureau.orgs.models import Bureau, School
from edubureau.orgs.scoping import SchoolScope
from edubureau.rectification.models import Status

EXPIRY_DAYS = 30


# Links -------------------------------------------------------------------------


@dataclass(frozen=True)
class Links:
    """List URLs with their filters (docs: the list filter names shared by the safety
    pages). ``scope`` is added to every link (e.g. ``{"school": 12}`` for one school):
    :meth:`of` takes it from a :class:`~edubureau.orgs.scoping.SchoolScope`'s narrowing."""

    scope: Mapping[str, object]
    # One reverse() per URL name and instance: pages build thousands of links.
    _paths: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, scope: SchoolScope) -> Links:
        return cls(scope=scope.params)

    def _to(self, name: str, params: Mapping[str, object]) -> str:
        path = self._paths.get(name)
        if path is None:
            path = self._paths[name] = reverse(name)
        return link(path, {**self.scope, **params})

    def hazards(self, **params: object) -> str:
        return self._to("safety:hazard-list", params)

    def inspections(self, **params: object) -> str:
        return self._to("safety:inspection-list", params)

    def missing(self, **params: object) -> str:
        return self._to("safety:self-inspection-missing", params)

    def ledger(self, key: str, **params: object) -> str:
        return self._to(f"safety:{key}-list", params)


def found_params(period: Period) -> dict[str, object]:
    return {"since": period.start.isoformat(), "until": period.end.isoformat()}


def closed_params(period: Period) -> dict[str, object]:
    return {"closed_since": period.start.isoformat(), "closed_until": period.end.isoformat()}


def closed_between(start: date, end: date) -> Q:
    """Closed (``closed_at``) on a local date from ``start`` to ``end``: the same rows as
    ``closed_at__date`` between them, as a range on the column itself, which an index on
    ``closed_at`` serves and which needs no time-zone conversion of every row."""
    return Q(closed_at__gte=_local_midnight(start), closed_at__lt=_local_midnight(end, 1))


def closed_in_q(period: Period) -> Q:
    """Hazards closed (销号) on a local date within the period: the hazard list's
    ``status=closed&closed_since=…&closed_until=…``."""
    return Q(status=Status.CLOSED) & closed_between(period.start, period.end)


def closed_by(end: date) -> Q:
    """Closed on or before the local date ``end`` (``closed_at__date__lte=end``)."""
    return Q(closed_at__lt=_local_midnight(end, 1))


def closed_q(period: Period) -> Q:
    """The one meaning of "closed" (整改销号) for the hazards of a period, on the
    dashboard, in circulars and in reports: closed by the end of the period. A past
    period's figure (a March circular read in June, last year's rate) never changes
    afterwards; for a running period it is "closed by now". Combine it with the
    period's hazards (found in it: :func:`found_q`) for the rectification rate."""
    return Q(status=Status.CLOSED) & closed_by(period.end)


def found_q(period: Period) -> Q:
    """Hazards found (``reported_on``) in the period."""
    return Q(reported_on__gte=period.start, reported_on__lte=period.end)


def closed_by_params(period: Period) -> dict[str, object]:
    """The hazard-list filters of :func:`closed_q` (with :func:`found_params`)."""
    return {"status": Status.CLOSED.value, "closed_until": period.end.isoformat()}


# Go-live -------------------------------------------------------------------------


@dataclass(frozen=True)
class GoLive:
    """When the bureaus running a scope's schools started using the system.

    ``dates`` are the distinct go-live dates set (``Bureau.go_live``); ``unset`` the
    bureaus (ids) that have none set, whose start is not known."""

    dates: tuple[date, ...]
    unset: frozenset[int]

    @property
    def latest(self) -> date | None:
        """The day from which every bureau of the scope with a go-live is live."""
        return max(self.dates) if self.dates else None

    @property
    def unknown(self) -> bool:
        return bool(self.unset)

    def live_throughout(self, period: Period) -> bool:
        """Whether every bureau with a go-live was live for the whole of ``period``
        (went live on or before its first day)."""
        return self.latest is None or self.latest <= period.start


def go_live_of(scope: SchoolScope) -> GoLive:
    """The go-live dates of the bureaus that run the scope's schools (one query): for a
    school its own bureau's, for a city its counties' and its own (市直)."""
    rows = list(
        Bureau.objects.filter(pk__in=scope.schools().order_by().values("bureau_id"))
        .values_list("pk", "go_live")
        .order_by()
    )
    return GoLive(
        dates=tuple(sorted({d for _, d in rows if d is not None})),
        unset=frozenset(pk for pk, d in rows if d is None),
    )


def before_go_live_q(go_lives: Iterable[date | None]) -> Q | None:
    """Monthly records (``period``: the month's first day) of months before the school's
    bureau went live, for the go-live dates ``go_lives`` of the scope's bureaus (None
    when none is set): months before a bureau's go-live are not due, so nothing of them
    counts. One ``period < d AND school IN (schools of bureaus live from d)`` per distinct
    date — a handful at most — rather than a join of every row to its school and bureau,
    which PostgreSQL plans badly inside a test's transaction (no statistics)."""
    dates = sorted({d for d in go_lives if d is not None})
    if not dates:
        return None
    q = Q()
    for day in dates:
        schools = School.objects.filter(bureau__go_live=day).order_by().values("pk")
        q |= Q(period__lt=day, school_id__in=schools)
    return q


def _local_midnight(day: date, days_after: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=days_after), time.min))
