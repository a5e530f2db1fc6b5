"""Isolation-check targets for the ledgers routes (see edubureau/testing/isolation.py):
a row of every ledger at each party's school."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from edubureau.safety.selectors.ledger_specs import LEDGERS
from edubureau.safety.tests import factories_ledgers as f
from edubureau.testing.cast import Cast
from edubureau.testing.isolation import Party, register_rowless_route, register_target

FACTORIES: dict[str, Callable[..., Any]] = {
    "responsibilityletter_id": f.ResponsibilityLetterFactory,
    "emergencyplan_id": f.EmergencyPlanFactory,
    "drill_id": f.DrillFactory,
    "educationactivity_id": f.EducationActivityFactory,
    "vehicle_id": f.VehicleFactory,
    "canteen_id": f.CanteenFactory,
    "securityresources_id": f.SecurityResourcesFactory,
}


def _maker(factory: Callable[..., Any]) -> Callable[[Cast, Party], Any]:
    def make(cast: Cast, party: Party) -> Any:
        model = factory._meta.model
        return model.objects.filter(school=party.school).first() or factory(school=party.school)

    return make


for spec in LEDGERS.values():
    register_target(
        spec.id_kwarg,
        _maker(FACTORIES[spec.id_kwarg]),
        listed_by=(f"safety:{spec.key}-list", f"safety:{spec.key}-export"),
    )
    register_rowless_route(f"safety:{spec.key}-create", "a form")
    register_rowless_route(f"safety:{spec.key}-import", "an upload form")
