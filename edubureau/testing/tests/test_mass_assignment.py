"""A school user's own forms take no other school's id (mass assignment).

The isolation walk (``edubureau.testing.isolation``) posts every form without object
ids with other parties' ids, as every account, and every form of a bureau's own rows
with the ids of a party the bureau hides. This test adds the case the walk leaves out:
a school's safety officer on the pages of the school's own rows (every registered
target of school B, and school B's hazards further along their lifecycle), each form
posted as the page offers it with one id-like field at a time (school, township,
school year, hazard, inspection, …, and those a forger adds) pointing at another
party's row — the sibling county's, the city's 市直 school's and another city's — and
then with all of them at once. One at a time matters: with every id forged, the form
fails on the first foreign choice and never reaches the one that would move the row.
The walk's own checks judge each answer: no 5xx, no other party's marker, and no row
written that belongs to another school or bureau (a row moved to the forged school
counts). Each post is rolled back.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from edubureau.testing.isolation import (
    FORGED_FIELDS,
    IGNORED_PARAMS,
    OWN,
    SCHOOL_B,
    TARGETS,
    form_body,
    prepare,
    sample_value,
    viewers_for,
)
from edubureau.testing.isolation import _forged_body as forged_body
from edubureau.testing.isolation import _request as checked_request
from edubureau.testing.tests.test_object_form_fuzz import (
    _later_states,
    _post_targets,
    _routes_with_ids,
)

# The officer's forms that must be reached, or the test has stopped meeting them.
MUST_POST = {
    "/safety/hazards/N/plan/",
    "/safety/hazards/N/rectify/",
    "/safety/inspections/N/edit/",
}


@pytest.mark.django_db
def test_a_school_users_own_forms_take_no_other_schools_id(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    walk = prepare(cast)
    (officer,) = viewers_for(cast, [cast.school_b_officer])
    # School B is the officer's own school: its rows may change, nobody else's.
    officer.relations[SCHOOL_B] = OWN
    foreign = [p for p in walk.parties if p.key != SCHOOL_B]
    later = _later_states(cast)
    posted: set[str] = set()
    forged = 0
    with walk.rows.watching():  # without it no write is seen, and every check passes
        officer.client.force_login(cast.school_b_officer)
        walk.rows.dirty = True
        walk.rows.changed()  # the rows made above and the sign-in are not the test's
        for name, ids, others in _routes_with_ids():
            choices = [[walk.objects.get(k, {}).get(SCHOOL_B)] for k in ids]
            if len(ids) == 1:
                choices[0] += later.get(ids[0], [])
            for objects in zip(*choices, strict=True):
                if any(o is None for o in objects):
                    continue
                kwargs = {k: o.pk for k, o in zip(ids, objects, strict=True)}
                kwargs |= {k: sample_value(k) for k in others}
                url = reverse(name, kwargs=kwargs)
                response, page = checked_request(walk, officer, name, "get", url)
                if response is None or response.status_code != 200:
                    continue
                for action in _post_targets(page, url):
                    base = form_body(page, action)
                    if not base:
                        continue
                    posted.add(re.sub(r"/\d+/", "/N/", action))
                    for party in foreign:
                        for field in sorted({*base, *FORGED_FIELDS} - IGNORED_PARAMS):
                            value = walk.party_value(field, party)
                            if value is not None:
                                body = {**base, field: [value]}
                                checked_request(walk, officer, name, "post", action, body)
                                forged += 1
                        body = forged_body(walk, party, base)
                        checked_request(walk, officer, name, "post", action, body)
    assert all(k in TARGETS for k in ("hazard_id", "inspection_id"))
    assert posted >= MUST_POST, f"forms never reached: {sorted(MUST_POST - posted)}"
    assert len(posted) >= 8, sorted(posted)
    assert forged >= 100, forged
    # Rows written for another school first: they are what this test is about.
    shown = sorted(map(str, walk.failures), key=lambda f: "changed rows" not in f)
    assert not shown, "\n".join(shown[:30])
