"""The generic school-isolation check.

It walks the whole URL configuration, so a route added later is covered without
editing any test. For every route that takes an object id it requests that route
as a school-A user (and as an inspector assigned to school A) with the id of an
object the user must not reach — school B's, or another bureau's — by GET and by
POST, and requires:

* the answer is 404 or 403 (405 where the method is not allowed at all);
* the body (decoded, for .xlsx and .docx) contains none of the marker strings
  carried by school B's and the other bureau's rows;
* an ``access_denied`` audit event was written for every 403/404.

Routes without id arguments (lists, exports, dashboards) are requested with
every school filter pointing at school B, and their bodies must not contain the
markers either.

Object ids are recognised by the URL kwarg's name: ``<model>_id``. Each such name
must appear in :data:`TARGETS`, which says which object of the cast is out of
reach; an unknown id kwarg, an unnamed route or an unknown non-id kwarg is itself
reported as a failure, so nobody can add a route the check silently skips.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.module_loading import autodiscover_modules

from edubureau.audit.models import Action, AuditEvent
from edubureau.testing.cast import SCHOOL_B_MARKER, Cast

OTHER_BUREAU_MARKER = "外局标记"
MARKERS = (SCHOOL_B_MARKER, OTHER_BUREAU_MARKER)

# kwarg name -> the object of the cast that a school-A user must not reach.
# Each app adds its own in ``<app>/tests/isolation_targets.py`` (autodiscovered).
TARGETS: dict[str, Callable[[Cast], models.Model]] = {
    "school_id": lambda c: c.school_b,
    "department_id": lambda c: c.other_bureau.departments.get_or_create(
        name=f"外局股室{OTHER_BUREAU_MARKER}", defaults={"code": "other"}
    )[0],
    "township_id": lambda c: c.other_school.township,
    "user_id": lambda c: c.school_b_officer,
}

# Non-id kwargs and a harmless sample value for each.
SAMPLE_VALUES: dict[str, Any] = {"year": 2026, "format": "json", "month": 9}

# Query parameters that try to point a list page at school B.
SCHOOL_FILTER_PARAMS = ("school", "school_id", "township")

# Routes the check must not call: they end the session or are not part of the app.
SKIP_ROUTE_NAMES = {"logout"}


def register_target(kwarg: str, factory: Callable[[Cast], models.Model]) -> None:
    TARGETS[kwarg] = factory


@dataclass(frozen=True)
class Route:
    name: str | None
    pattern: str
    kwargs: tuple[str, ...]


@dataclass(frozen=True)
class Failure:
    route: str
    user: str
    problem: str

    def __str__(self) -> str:
        return f"{self.route} as {self.user}: {self.problem}"


def iter_routes(urlconf: str | None = None) -> Iterator[Route]:
    """Every named leaf route with the kwargs of its whole path (prefixes included)."""

    def walk(
        patterns: list[Any], prefix: str, ns: str | None, kwargs: tuple[str, ...]
    ) -> Iterator[Route]:
        for p in patterns:
            own = tuple(p.pattern.regex.groupindex)
            if isinstance(p, URLResolver):
                inner = ns
                if p.namespace:
                    inner = f"{ns}:{p.namespace}" if ns else p.namespace
                yield from walk(p.url_patterns, prefix + str(p.pattern), inner, kwargs + own)
            elif isinstance(p, URLPattern):
                name = f"{ns}:{p.name}" if ns and p.name else p.name
                yield Route(name=name, pattern=prefix + str(p.pattern), kwargs=kwargs + own)

    seen: set[tuple[str | None, tuple[str, ...]]] = set()
    for route in walk(get_resolver(urlconf).url_patterns, "", None, ()):
        key = (route.name, route.kwargs)
        if key not in seen:
            seen.add(key)
            yield route


def response_text(response: Any) -> str:
    """The body as text; .xlsx and .docx are unzipped so markers inside are found."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                return " ".join(
                    archive.read(name).decode("utf-8", "replace")
                    for name in archive.namelist()
                    if name.endswith(".xml")
                )
        except zipfile.BadZipFile:
            pass
    return content.decode("utf-8", "replace")


def _leaks(text: str) -> list[str]:
    return [m for m in MARKERS if m in text]


def check_isolation(cast: Cast, users: list[Any], urlconf: str | None = None) -> list[Failure]:
    autodiscover_modules("tests.isolation_targets")
    failures: list[Failure] = []
    targets: dict[str, models.Model] = {}
    for route in iter_routes(urlconf):
        label = route.name or route.pattern
        if route.name in SKIP_ROUTE_NAMES:
            continue
        if route.name is None:
            failures.append(
                Failure(route.pattern, "-", "route has no name; name it so it can be checked")
            )
            continue
        id_kwargs = [k for k in route.kwargs if k.endswith("_id")]
        other = [k for k in route.kwargs if not k.endswith("_id")]
        unknown = [k for k in id_kwargs if k not in TARGETS] + [
            k for k in other if k not in SAMPLE_VALUES
        ]
        if unknown:
            failures.append(
                Failure(
                    label,
                    "-",
                    f"kwargs {unknown} unknown to the isolation check: "
                    "name ids <model>_id and register a target",
                )
            )
            continue
        kwargs: dict[str, Any] = {k: SAMPLE_VALUES[k] for k in other}
        for k in id_kwargs:
            if k not in targets:
                targets[k] = TARGETS[k](cast)
            kwargs[k] = targets[k].pk
        url = reverse(route.name, kwargs=kwargs, urlconf=urlconf)
        for user in users:
            client = Client()
            client.force_login(user)
            if id_kwargs:
                failures.extend(_check_object_route(client, url, label, user))
            else:
                failures.extend(_check_list_route(client, url, label, user, cast))
    return failures


def _check_object_route(client: Client, url: str, label: str, user: Any) -> list[Failure]:
    failures = []
    for method in ("get", "post"):
        before = AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=user).count()
        response = getattr(client, method)(url)
        status = response.status_code
        if status not in (403, 404, 405):
            failures.append(
                Failure(label, user.username, f"{method.upper()} {url} answered {status}")
            )
        leaked = _leaks(response_text(response))
        if leaked:
            failures.append(
                Failure(label, user.username, f"{method.upper()} {url} leaked {leaked}")
            )
        if status in (403, 404):
            after = AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=user).count()
            if after <= before:
                failures.append(
                    Failure(
                        label,
                        user.username,
                        f"{method.upper()} {url} denied without an audit event",
                    )
                )
    return failures


def _check_list_route(client: Client, url: str, label: str, user: Any, cast: Cast) -> list[Failure]:
    params = {p: cast.school_b.pk for p in SCHOOL_FILTER_PARAMS}
    params["township"] = cast.township_b.pk
    response = client.get(url, params)
    leaked = _leaks(response_text(response))
    if leaked:
        return [Failure(label, user.username, f"GET {url} leaked {leaked}")]
    return []
