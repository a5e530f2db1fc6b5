"""Isolation-check targets for the hazards routes (see edubureau/testing/isolation.py):
a hazard and its photo at each party's school. (``bureau_id``, of 催办 to a bureau, is
registered with the directory's targets in edubureau/testing/isolation.py.)"""

from __future__ import annotations

from typing import Any

from edubureau.safety.models import Hazard, HazardPhoto
from edubureau.safety.tests.factories_hazards import add_photo, make_hazard
from edubureau.testing.cast import Cast
from edubureau.testing.isolation import (
    Party,
    parties,
    register_listing,
    register_rowless_route,
    register_target,
)


def _hazard(cast: Cast, party: Party) -> Hazard:
    existing = Hazard.objects.filter(school=party.school, description__contains=party.marker)
    if existing.exists():
        return existing.earliest("pk")
    return make_hazard(
        cast,
        school=party.school,
        description=f"实验室危化品柜未上锁{party.marker}",
        actor=_reporter(cast, party),
    )


def _reporter(cast: Cast, party: Party) -> Any:
    """Someone of the party's own bureau: the hazard's audit row belongs to the bureau
    of whoever reported it, so a reporter from 甲县 would put another party's hazard
    into 甲县's audit trail (the walk once read it there as a leak)."""
    own = {
        cast.bureau.pk: cast.safety_staff,
        cast.sibling_bureau.pk: cast.sibling_safety,
        cast.city.pk: cast.city_safety,
    }
    # 丙县 has no safety staff in the cast: its administrator reports there (left to
    # the factory's default, 甲县's safety staff, the row leaked into 甲县's audit log).
    return own.get(party.school.bureau_id, cast.other_admin)


def _hazard_photo(cast: Cast, party: Party) -> HazardPhoto:
    """With its file (under the walk's MEDIA_ROOT), so that a reader gets 200."""
    hazard = _hazard(cast, party)
    return hazard.photos.first() or add_photo(hazard, user=cast.school_b_officer)


def _school_b_hazard(cast: Cast) -> Hazard:
    return _hazard(cast, parties(cast)[0])


def _school_b_hazard_photo(cast: Cast) -> HazardPhoto:
    return _hazard_photo(cast, parties(cast)[0])


register_target(
    "hazard_id",
    _hazard,
    listed_by=(
        "safety:hazard-list",
        "safety:hazard-export",
        "safety:dashboard",
        "safety:circular-month",
    ),
)
register_target("hazardphoto_id", _hazard_photo)
# The bureaus below the viewer's (their names carry no marker) and its own schools.
register_listing("bureau_id", "safety:hazard-bureaus")
register_rowless_route("safety:hazard-report", "a form")
register_rowless_route("safety:safety-settings", "the bureau's own settings form")
# POST only: verifies the ticked hazards; the walk posts it every party's hazard id
# ("hazard" is a forged field) and checks that none it may not verify changes.
register_rowless_route("safety:hazard-bulk-verify", "an action: bulk verification, POST only")
