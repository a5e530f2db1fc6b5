"""Isolation-check targets for the hazards routes (see edubureau/testing/isolation.py)."""

from __future__ import annotations

from edubureau.safety.models import Hazard, HazardPhoto
from edubureau.safety.tests.factories_hazards import make_hazard
from edubureau.testing.cast import SCHOOL_B_MARKER, Cast
from edubureau.testing.isolation import register_target


def _school_b_hazard(cast: Cast) -> Hazard:
    existing = Hazard.objects.filter(school=cast.school_b).first()
    if existing is not None:
        return existing
    return make_hazard(
        cast,
        school=cast.school_b,
        description=f"乙校实验室危化品柜未上锁{SCHOOL_B_MARKER}",
        actor=cast.safety_staff,
    )


def _school_b_hazard_photo(cast: Cast) -> HazardPhoto:
    hazard = _school_b_hazard(cast)
    # The row alone is enough: access is refused before the file would be opened.
    return HazardPhoto.objects.create(
        school=cast.school_b,
        hazard=hazard,
        stage=HazardPhoto.Stage.REPORT,
        uploaded_by=cast.school_b_officer,
        path="hazards/isolation/none.png",
        content_type="image/png",
        size=1,
        width=1,
        height=1,
    )


# 催办 of a bureau: another city's county, out of reach of every account of 甲市's tree
# (a school-A user gets 404; the city and the province's accounts are not walked here).
register_target("bureau_id", lambda cast: cast.other_bureau)
register_target("hazard_id", _school_b_hazard)
register_target("hazardphoto_id", _school_b_hazard_photo)
