"""The generic isolation walk over the stats routes alone, as every role of every level
of the tree (the whole-site walk covers them too; this one runs in seconds and names
the area when it fails)."""

from __future__ import annotations

import pytest
from django.urls import include, path, reverse

from edubureau.stats.tests.isolation_targets import _return
from edubureau.stats.urls import urlpatterns as stats_patterns
from edubureau.testing.cast import CITY_SCHOOL_MARKER, SCHOOL_B_MARKER, SIBLING_MARKER
from edubureau.testing.isolation import check_isolation, every_viewer, iter_routes, parties

pytestmark = pytest.mark.django_db

urlpatterns = [path("stats/", include((stats_patterns, "stats")))]


@pytest.mark.walk
def test_every_stats_route_keeps_other_schools_and_bureaus_out(cast):
    routes = {r.name for r in iter_routes(__name__)}
    assert {"stats:return-list", "stats:return-detail", "stats:return-edit",
            "stats:return-review", "stats:return-start"} <= routes  # fmt: skip
    failures = check_isolation(cast, every_viewer(cast), urlconf=__name__)
    assert failures == [], "\n".join(map(str, failures))


def test_the_walk_has_something_to_find(cast, client_for):
    school_b, sibling, city = (_return(cast, p) for p in parties(cast)[:3])
    # A school cannot read another school's return.
    school_a = client_for(cast.school_a_officer)
    assert school_a.get(reverse("stats:return-detail", args=[school_b.pk])).status_code == 404
    assert school_a.post(reverse("stats:return-edit", args=[school_b.pk])).status_code == 404
    assert SCHOOL_B_MARKER not in school_a.get(reverse("stats:return-list")).text
    leader = client_for(cast.leader)
    assert SCHOOL_B_MARKER in leader.get(reverse("stats:return-detail", args=[school_b.pk])).text
    assert SCHOOL_B_MARKER in leader.get(reverse("stats:return-list")).text
    assert leader.get(reverse("stats:return-detail", args=[sibling.pk])).status_code == 404
    assert leader.get(reverse("stats:return-detail", args=[city.pk])).status_code == 404
    city_leader = client_for(cast.city_leader)
    listing = city_leader.get(reverse("stats:return-list")).text
    assert SIBLING_MARKER in listing and CITY_SCHOOL_MARKER in listing
