"""The generic isolation test: every route, as every role of every level of the
bureau tree, against the rows of school B, the sibling county, the city's 市直
school and the other city (edubureau/testing/isolation.py; its self-tests are in
edubureau/testing/tests/test_isolation_selftest.py).

A failure found in a route this test does not own is listed in KNOWN with what is
wrong: the walk passes without it, and the matching strict xfail below fails as
soon as the route is fixed, so that the entry is removed."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest

from edubureau.orgs.models import School
from edubureau.testing import isolation


@dataclass(frozen=True)
class Known:
    route: str
    users: frozenset[str]
    says: str  # part of the problem
    reason: str

    def matches(self, failure: isolation.Failure) -> bool:
        return (
            failure.route == self.route
            and failure.user in self.users
            and self.says in failure.problem
        )


KNOWN: list[Known] = []


# The walk runs as SHARDS tests, each walking every role over its share of the routes,
# so that the suite's workers share its few thousand requests out.
SHARDS = 6

_walked: dict[int, list[isolation.Failure]] = {}


def walked(shard: int, cast, settings, tmp_path) -> list[isolation.Failure]:
    """The failures of one share of the walk as every viewer (made once per process)."""
    if shard not in _walked:
        settings.MEDIA_ROOT = tmp_path
        started = time.monotonic()
        walk = isolation.prepare(cast)
        viewers = isolation.viewers_for(cast, isolation.every_viewer(cast))
        failures = isolation.run(walk, viewers, shard=(shard, SHARDS))
        seconds = time.monotonic() - started
        print(f"isolation walk, share {shard}: {walk.requests} requests in {seconds:.0f}s")
        assert walk.requests > 2400 / SHARDS, "the walk reached far fewer routes than it should"
        _walked[shard] = failures
    return _walked[shard]


@pytest.mark.walk
@pytest.mark.parametrize("shard", range(SHARDS))
def test_it_walks_every_route_as_every_role(shard, cast, settings, tmp_path):
    failures = walked(shard, cast, settings, tmp_path)
    unknown = [f for f in failures if not any(k.matches(f) for k in KNOWN)]
    assert unknown == [], "\n".join(map(str, unknown))


@pytest.mark.parametrize(
    "known",
    [
        pytest.param(k, marks=pytest.mark.xfail(strict=True, reason=k.reason), id=k.route)
        for k in KNOWN
    ],
)
def test_a_known_failure_is_still_there(known, cast, settings, tmp_path):
    found = [
        f
        for shard in range(SHARDS)
        for f in walked(shard, cast, settings, tmp_path)
        if known.matches(f)
    ]
    assert found == [], "\n".join(map(str, found))


def test_every_share_has_its_part_of_the_routes():
    names = [str(r.name) for r in isolation.iter_routes() if r.name]
    shares = [isolation._share(name, SHARDS) for name in names]
    assert set(shares) == set(range(SHARDS))
    # Every share has work (a share with a tenth of the routes would leave a worker idle).
    assert min(shares.count(i) for i in range(SHARDS)) > len(names) / SHARDS / 2


def test_it_walks_every_role_of_every_level(cast):
    roles = {(u.role, u.bureau.level) for u in isolation.every_viewer(cast)}
    assert len(roles) >= 9
    relations = {
        (v.name, p.key): v.relations[p.key]
        for v in isolation.viewers_for(cast, isolation.every_viewer(cast))
        for p in isolation.parties(cast)
    }
    # Sideways, upward, and the other city: hidden; below: read.
    assert relations["leader", "sibling"] == isolation.HIDDEN
    assert relations["leader", "city"] == isolation.HIDDEN
    assert relations["sibling_admin", "school_b"] == isolation.HIDDEN
    assert relations["city_safety", "other_city"] == isolation.HIDDEN
    assert relations["city_safety", "sibling"] == isolation.READS
    assert relations["province_leader", "other_city"] == isolation.READS
    assert relations["a_teacher", "school_b"] == isolation.HIDDEN


def test_it_walks_api_and_page_routes():
    names = {r.name for r in isolation.iter_routes()}
    # The walk must reach the pages, the REST API and nested namespaces.
    assert {"orgs:school-detail", "api:school-detail", "orgs:school-list", "api:api-me"} <= names


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
