"""The generic isolation test: every route, as a school-A user and as school A's
inspector, against school B's and another bureau's objects."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from edubureau.orgs.models import School
from edubureau.testing.isolation import check_isolation, iter_routes


def test_it_denies_every_route_to_other_schools_objects(cast):
    failures = check_isolation(cast, [cast.school_a_officer, cast.inspector])
    assert failures == [], "\n".join(map(str, failures))


def test_it_walks_api_and_page_routes():
    names = {r.name for r in iter_routes()}
    # The walk must reach the pages, the REST API and nested namespaces.
    assert {"orgs:school-detail", "api:school-detail", "orgs:school-list", "api:api-me"} <= names


# A deliberately unscoped view, served only by the urlconf below.
def leaky_school(request: HttpRequest, school_id: int) -> HttpResponse:
    return HttpResponse(School.objects.get(pk=school_id).name)


def leaky_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse(", ".join(School.objects.values_list("name", flat=True)))


def unnamed_kwarg_view(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [
    path("", include("edubureau.urls")),
    path("leaky/<int:school_id>/", leaky_school, name="leaky-school"),
    path("leaky-list/", leaky_list, name="leaky-list"),
    path("opaque/<int:pk>/", unnamed_kwarg_view, name="opaque"),
]


@pytest.mark.urls(__name__)
def test_it_flags_a_route_added_without_scoping(cast):
    failures = check_isolation(cast, [cast.school_a_officer])
    flagged = {f.route for f in failures}
    assert "leaky-school" in flagged
    problems = " ".join(str(f) for f in failures if f.route == "leaky-school")
    assert "answered 200" in problems and "leaked" in problems
    assert "leaky-list" in flagged
    # A route whose id the check cannot interpret is itself a failure.
    assert "opaque" in flagged


def test_it_scopes_every_school_owned_model():
    """Every model with a ``school`` foreign key reads through the scoping door."""
    from django.apps import apps

    from edubureau.orgs.models import User
    from edubureau.orgs.scoping import SchoolScopedQuerySet

    unscoped = []
    for model in apps.get_models():
        field = next((f for f in model._meta.concrete_fields if f.name == "school"), None)
        if field is None or field.related_model is not School or model is User:
            continue
        if not isinstance(model._default_manager.all(), SchoolScopedQuerySet):
            unscoped.append(model._meta.label)
    assert unscoped == []
