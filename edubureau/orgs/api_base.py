"""Base classes for REST endpoints: the same scoping door as the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from rest_framework import viewsets

from edubureau.orgs.access import get_visible_or_404


class ScopedViewSetMixin:
    """List = ``visible_to(user)``; one object = :func:`get_visible_or_404`.

    URL kwargs name the model (``school_id``, ``hazard_id``), so the generic
    isolation test can find every id-taking route.
    """

    scoped_model: type[Model]
    request: Any
    kwargs: dict[str, Any]
    lookup_url_kwarg: str | None  # set by each viewset: "school_id", "hazard_id", …

    def base_queryset(self) -> QuerySet[Any]:
        return self.scoped_model._default_manager.visible_to(self.request.user)  # type: ignore[attr-defined]

    def get_queryset(self) -> QuerySet[Any]:
        return self.base_queryset()

    def get_object(self) -> Any:
        obj = get_visible_or_404(
            self.scoped_model,
            self.request.user,
            self.kwargs[self.lookup_url_kwarg or "pk"],
            for_write=self.request.method not in ("GET", "HEAD", "OPTIONS"),
        )
        self.check_object_permissions(self.request, obj)  # type: ignore[attr-defined]
        return obj


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass
