"""The generic isolation check, run over the inspection, campaign and checklist routes
only (the whole-project run is edubureau/orgs/tests/test_isolation.py)."""

from __future__ import annotations

from edubureau.safety.urls_inspections import urlpatterns
from edubureau.testing import isolation

OWN_ROUTES = {f"safety:{p.name}" for p in urlpatterns}


def test_it_denies_inspection_routes_to_other_schools_objects(cast, monkeypatch):
    every_route = isolation.iter_routes
    monkeypatch.setattr(
        isolation,
        "iter_routes",
        lambda urlconf=None: (r for r in every_route(urlconf) if r.name in OWN_ROUTES),
    )
    failures = isolation.check_isolation(cast, [cast.school_a_officer, cast.inspector])
    assert failures == [], "\n".join(map(str, failures))


def test_it_checks_every_inspection_route():
    names = {r.name for r in isolation.iter_routes()}
    assert OWN_ROUTES.issubset(names)
    assert "safety:inspection-list" in OWN_ROUTES
