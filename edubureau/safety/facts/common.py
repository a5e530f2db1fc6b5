"""What every group of safety facts shares: list links and the period filters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from edubureau.core.facts import Period, link
from edubureau.orgs.scoping import SchoolScope

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


def closed_by(end: date) -> Q:
    """Closed on or before the local date ``end`` (``closed_at__date__lte=end``)."""
    return Q(closed_at__lt=_local_midnight(end, 1))


def _local_midnight(day: date, days_after: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=days_after), time.min))
