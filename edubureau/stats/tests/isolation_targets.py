"""Isolation-check targets for the stats routes (see edubureau/testing/isolation.py):
each party's school has a submitted return of the current census year, listed on the
returns list; the school's name carries the party's marker, and so does an
explanation."""

from __future__ import annotations

from edubureau.stats.models import ReturnStatus, StatReturn
from edubureau.stats.tests.factories import StatReturnFactory
from edubureau.testing.cast import Cast
from edubureau.testing.isolation import Party, register_rowless_route, register_target


def _return(cast: Cast, party: Party) -> StatReturn:
    existing = StatReturn.objects.filter(school=party.school).first()
    if existing is not None:
        return existing
    return StatReturnFactory.create(
        school=party.school,
        status=ReturnStatus.SUBMITTED,
        explanations={"change.primary.enrolled": party.marker},
    )


register_target("return_id", _return, listed_by=("stats:return-list",))
register_rowless_route(
    "stats:population",
    "the viewer's own bureau's population by age: figures only, never another bureau's",
)
register_rowless_route(
    "stats:return-chase", "an action: notifies the schools the user's department reviews"
)
register_rowless_route(
    "stats:return-start", "an action: opens the signed-in school user's own school's return"
)
