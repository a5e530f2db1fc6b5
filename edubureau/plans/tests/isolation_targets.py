"""Isolation-check targets for the plans routes (see edubureau/testing/isolation.py):
a draft work plan of each party's bureau, its title carrying the party's marker.

An *issued* plan is read by the bureaus below its own (it is addressed to them), which
the walk's "nobody sees upward" would count as a leak; that rule has its own tests
(test_plan_access.py). School B's party has no bureau of its own: no plan."""

from __future__ import annotations

from edubureau.plans.models import WorkPlan
from edubureau.testing.cast import Cast
from edubureau.testing.dates import today
from edubureau.testing.isolation import Party, register_rowless_route, register_target


def _plan(cast: Cast, party: Party) -> WorkPlan | None:
    if party.bureau is None:
        return None
    plan, _ = WorkPlan.objects.get_or_create(
        bureau=party.bureau,
        year=today().year,
        defaults={"title": f"{party.marker}{today().year}年工作要点"},
    )
    return plan


register_target("plan_id", _plan, listed_by=("plans:plan-list",))
register_rowless_route(
    "plans:plan-import", "a form: parses the pasted text and saves the user's own bureau's plan"
)
