"""The generic isolation walk over the reports routes alone, as every role of every
level of the tree (the whole-site walk covers them too; this one runs in seconds and
names the area when it fails)."""

from __future__ import annotations

import pytest
from django.urls import include, path, reverse

from edubureau.reports.tests.isolation_targets import _report
from edubureau.reports.urls import urlpatterns as report_patterns
from edubureau.testing.cast import SCHOOL_B_MARKER, SIBLING_MARKER
from edubureau.testing.isolation import check_isolation, every_viewer, iter_routes, parties

pytestmark = pytest.mark.django_db

urlpatterns = [path("reports/", include((report_patterns, "reports")))]


@pytest.mark.walk
def test_every_report_route_keeps_other_schools_and_bureaus_out(cast):
    routes = {r.name for r in iter_routes(__name__)}
    assert {"reports:list", "reports:detail", "reports:docx", "reports:edit"} <= routes
    failures = check_isolation(cast, every_viewer(cast), urlconf=__name__)
    assert failures == [], "\n".join(map(str, failures))


def test_the_walk_has_something_to_find(cast, client_for):
    school_b, sibling = (_report(cast, p) for p in parties(cast)[:2])
    leader = client_for(cast.leader)
    assert SCHOOL_B_MARKER in leader.get(reverse("reports:detail", args=[school_b.pk])).text
    assert leader.get(reverse("reports:detail", args=[sibling.pk])).status_code == 404
    city = client_for(cast.city_leader)
    assert SIBLING_MARKER in city.get(reverse("reports:detail", args=[sibling.pk])).text
