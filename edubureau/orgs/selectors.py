"""Reads of the organisation directory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from edubureau.core.params import param_id
from edubureau.orgs.models import School, Township, User


@dataclass(frozen=True)
class SchoolFilter:
    q: str = ""
    township_id: int | None = None
    kind: str = ""
    ownership: str = ""
    locality: str = ""
    active: bool | None = True

    @classmethod
    def from_params(cls, params: Any) -> SchoolFilter:
        """Tolerant parsing of query parameters: a malformed value is ignored."""

        active_raw = params.get("active", "1")
        return cls(
            q=(params.get("q") or "").strip()[:50],
            township_id=param_id(params.get("township")),
            kind=params.get("kind") or "",
            ownership=params.get("ownership") or "",
            locality=params.get("locality") or "",
            active=None if active_raw == "all" else active_raw != "0",
        )


def school_list(*, user: User, filters: SchoolFilter) -> QuerySet[School]:
    qs = School.objects.visible_to(user).select_related("township")
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(identifier__startswith=filters.q))
    if filters.township_id:
        qs = qs.filter(township_id=filters.township_id)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.ownership:
        qs = qs.filter(ownership=filters.ownership)
    if filters.locality:
        qs = qs.filter(locality=filters.locality)
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    return qs.order_by("township__sort_order", "township_id", "kind", "name")


def school_counts_by_kind(*, user: User) -> list[dict[str, Any]]:
    return list(
        School.objects.visible_to(user)
        .filter(is_active=True)
        .values("kind")
        .annotate(n=Count("id"))
        .order_by("-n")
    )


def townships_for(user: User) -> QuerySet[Township]:
    return Township.objects.visible_to(user)
