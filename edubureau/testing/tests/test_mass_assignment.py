"""An account's forms on its own rows take no id of a party it may not write (mass
assignment).

The isolation walk (``edubureau.testing.isolation``) posts every form without object
ids with other parties' ids, as every account, and every form of a bureau's own rows
with the ids of a party the bureau hides, all at once. This test takes the pages of
an account's own rows — school B's officer, the county's safety department and
administrator on school B's rows (every registered target, and school B's hazards
further along their lifecycle), the city's safety department on the city's — and posts
each form as the page offers it with one id-like field at a time (school, township,
school year, hazard, inspection, …, and those a forger adds) pointing at another
party's row the account does not see (for the school and the county: the sibling
county's, the city's 市直 school's and another city's; for the city: another city's),
and then with all of them at once. One at a time matters: with every id forged, the
form fails on the first foreign choice and never reaches the one that would move the
row.
The walk's own checks judge each answer: no 5xx, no other party's marker, and no row
written that belongs to another school or bureau (a row moved to the forged school
counts). Each post is rolled back.
"""

from __future__ import annotations

import re

import pytest

from edubureau.testing.isolation import (
    CITY,
    FORGED_FIELDS,
    HIDDEN,
    IGNORED_PARAMS,
    OWN,
    SCHOOL_B,
    form_body,
    prepare,
    viewers_for,
)
from edubureau.testing.isolation import _forged_body as forged_body
from edubureau.testing.isolation import _request as checked_request
from edubureau.testing.tests.test_object_form_fuzz import (
    _later_states,
    _post_targets,
    object_pages,
)

# The officer's forms that must be reached, or the test has stopped meeting them.
MUST_POST = {
    "/safety/hazards/N/plan/",
    "/safety/hazards/N/rectify/",
    "/safety/inspections/N/edit/",
}


# (account, the party whose rows are its own): a school's officer, the county's safety
# department and administrator on the county's school, the city's safety department on
# the city's own rows. One test each, so that the suite's workers share them out. The
# last two figures are floors a little under what the walk reaches today (forms posted,
# one-field posts): fewer means the test has stopped meeting forms it met.
ACCOUNTS = [
    ("school_b_officer", SCHOOL_B, 18, 250),
    ("safety_staff", SCHOOL_B, 15, 210),
    ("admin", SCHOOL_B, 8, 110),
    ("city_safety", CITY, 15, 70),
]


@pytest.mark.django_db
@pytest.mark.walk
@pytest.mark.parametrize(
    ("account", "own", "min_forms", "min_posts"), ACCOUNTS, ids=[a[0] for a in ACCOUNTS]
)
def test_own_rows_forms_take_no_id_of_a_party_the_account_may_not_write(
    account, own, min_forms, min_posts, cast, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    walk = prepare(cast)
    later = _later_states(cast)
    posted: set[str] = set()
    (viewer,) = viewers_for(cast, [getattr(cast, account)])
    # A school's own account writes its school's rows (the walk, which never walks
    # school A's, marks every party hidden from school-side accounts).
    viewer.relations[own] = OWN
    # Forged toward the parties it hides: a city may rightly name its counties' schools
    # on its own records (a campaign's schools), as the walk allows.
    foreign = viewer.with_relation(walk.parties, HIDDEN)
    forged = _walk_own_rows(walk, viewer, own, foreign, later, posted)
    print(f"{account}: {forged} forged posts to {len(posted)} forms")
    if account == "school_b_officer":
        assert posted >= MUST_POST, f"forms never reached: {sorted(MUST_POST - posted)}"
    assert len(posted) >= min_forms, sorted(posted)
    assert forged >= min_posts, forged
    # Rows written for another school first: they are what this test is about.
    shown = sorted(map(str, walk.failures), key=lambda f: "changed rows" not in f)
    assert not shown, "\n".join(shown[:30])


def _walk_own_rows(walk, viewer, own, foreign, later, posted) -> int:
    """Every form on the pages of ``own``'s rows, forged toward each of ``foreign``;
    the number of one-field posts."""
    forged = 0
    with walk.rows.watching():  # without it no write is seen, and every check passes
        viewer.client.force_login(viewer.user)
        walk.rows.dirty = True
        walk.rows.changed()  # the rows made before and the sign-in are not the test's
        for name, url in object_pages(walk, own, later):
            response, page = checked_request(walk, viewer, name, "get", url)
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
                            checked_request(walk, viewer, name, "post", action, body)
                            forged += 1
                    body = forged_body(walk, party, base)
                    checked_request(walk, viewer, name, "post", action, body)
    return forged
