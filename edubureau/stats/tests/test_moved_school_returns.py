"""A statistical return belongs to the bureau that held its school when the return's
school year began (the census takes the figures as of that day): after the school
moves (隶属关系调整), that bureau still lists, reviews, locks, unlocks and chases that
year's return and counts it in its indicators, and the bureau that holds the school
now reads it and takes the school's returns over from the next school year. Before,
the list and the review followed where the school is now while the indicators counted
by the school year, so a county's figures named a return its list did not show."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.utils import timezone

from edubureau.orgs.models import Role
from edubureau.orgs.scoping import scope_for
from edubureau.orgs.services.bureaus import school_move
from edubureau.rectification.lifecycle import NotAllowed
from edubureau.stats import chase, services
from edubureau.stats.indicators import returns_of
from edubureau.stats.models import ReturnStatus, StatReturn
from edubureau.stats.selectors import returns_of_year, rows_for, schools_for_list, summary
from edubureau.stats.tests.factories import consistent_values
from edubureau.stats.tests.factories_returns import file_return
from edubureau.stats.tests.people import stats_staff
from edubureau.testing.dates import school_year_start, today
from edubureau.testing.factories import SchoolFactory, TownshipFactory, UserFactory

pytestmark = pytest.mark.django_db

Y = school_year_start(today())
# A fixed day of census year Y, after its school year began, whatever the test clock.
MOVED_ON = date(Y, 10, 15)
AFTER = datetime(Y, 11, 20, 10, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def moved(cast):
    """cast.school_a moves from cast.bureau to its sibling county on MOVED_ON, with its
    returns of last year (locked) and of this year (submitted) filed before."""
    values = consistent_values("primary")
    last = file_return(cast.school_a, Y - 1, values, status=ReturnStatus.LOCKED)
    this = file_return(cast.school_a, Y, values, status=ReturnStatus.SUBMITTED)
    stays = file_return(cast.school_b, Y, values, status=ReturnStatus.SUBMITTED)
    with time_machine.travel(AFTER):
        school_move(
            actor=cast.city_admin,
            school=cast.school_a,
            to_bureau=cast.sibling_bureau,
            township=TownshipFactory.create(bureau=cast.sibling_bureau, name="邻县新镇"),
            moved_on=MOVED_ON,
        )
        yield {
            "last": last,
            "this": this,
            "stays": stays,
            "left": stats_staff(cast.bureau),
            "holds": stats_staff(cast.sibling_bureau),
        }


def fresh(user):
    return type(user).objects.select_related("bureau", "school").get(pk=user.pk)


def test_the_bureau_of_the_census_day_reviews_that_years_return(cast, moved):
    left, holds = fresh(moved["left"]), fresh(moved["holds"])
    for key in ("this", "last"):
        assert services.can_review(left, moved[key]), key
        assert not services.can_review(holds, moved[key]), key
    # The bureau holding the school now reads its returns, old and new.
    assert StatReturn.objects.visible_to(holds).filter(pk=moved["this"].pk).exists()
    with pytest.raises(NotAllowed):
        services.return_accept(actor=holds, stat_return=moved["this"])
    accepted = services.return_accept(actor=left, stat_return=moved["this"])
    assert accepted.status == ReturnStatus.ACCEPTED
    # A school that did not move is its bureau's as before.
    assert services.can_review(left, moved["stays"])


def test_the_list_shows_each_year_where_its_returns_are_counted(cast, moved):
    left, holds = fresh(moved["left"]), fresh(moved["holds"])
    school = cast.school_a
    for viewer, listed in ((left, True), (holds, False)):
        scope = scope_for(viewer)
        assert schools_for_list(scope, Y).filter(pk=school.pk).exists() is listed
        rows = returns_of_year(scope, Y)
        assert rows.filter(pk=moved["this"].pk).exists() is listed
        # The indicators count exactly the returns the list shows.
        counted = returns_of(scope, Y, provisional=True)
        assert set(counted.values_list("pk", flat=True)) == set(
            rows.exclude(status=ReturnStatus.DRAFT).values_list("pk", flat=True)
        )
    # From the next census year the school is listed by the bureau that holds it.
    assert schools_for_list(scope_for(holds), Y + 1).filter(pk=school.pk).exists()
    assert not schools_for_list(scope_for(left), Y + 1).filter(pk=school.pk).exists()
    # The summary counts the same schools as the list.
    scope = scope_for(left)
    assert summary(scope, Y, today=AFTER.date()).schools == schools_for_list(scope, Y).count()


def test_the_census_days_bureau_unlocks_chases_and_imports(cast, moved):
    leader_left = fresh(cast.leader)
    leader_holds = fresh(UserFactory.create(role=Role.BUREAU_LEADER, bureau=cast.sibling_bureau))
    assert services.can_unlock(leader_left, moved["last"])
    assert not services.can_unlock(leader_holds, moved["last"])
    left, holds = fresh(moved["left"]), fresh(moved["holds"])
    school = cast.school_a
    assert chase.chaseable_schools(left, Y).filter(pk=school.pk).exists()
    assert not chase.chaseable_schools(holds, Y).filter(pk=school.pk).exists()
    assert chase.chaseable_schools(holds, Y + 1).filter(pk=school.pk).exists()
    assert not chase.chaseable_schools(left, Y + 1).filter(pk=school.pk).exists()
    # A bureau's workbook import (and its template) covers the schools it reviews.
    assert services.schools_importable_by(left, Y).filter(pk=school.pk).exists()
    assert not services.schools_importable_by(holds, Y).filter(pk=school.pk).exists()
    assert services.schools_importable_by(holds, Y + 1).filter(pk=school.pk).exists()
    # The school's own accounts moved with it and fill its returns wherever it is.
    officer = fresh(cast.school_a_officer)
    assert services.schools_importable_by(officer, Y).filter(pk=school.pk).exists()


def test_the_list_page_marks_the_school_that_left(cast, moved, client_for):
    page = client_for(moved["left"]).get(f"/stats/?year={Y}")
    assert page.status_code == 200
    text = page.content.decode()
    assert cast.school_a.name in text and 'data-testid="moved-away-tag"' in text
    other = client_for(moved["holds"]).get(f"/stats/?year={Y}").content.decode()
    assert cast.school_a.name not in other


def test_the_list_names_the_township_the_school_was_in_on_the_census_day(cast, moved, client_for):
    left, holds = fresh(moved["left"]), fresh(moved["holds"])
    school = (
        type(cast.school_a).objects.select_related("township", "bureau").get(pk=cast.school_a.pk)
    )
    assert school.township.name == "邻县新镇"

    def place(viewer, year):
        (row,) = [
            r
            for r in rows_for([school], scope_for(viewer), year, today=AFTER.date())
            if r.school.pk == school.pk
        ]
        return row.place

    assert place(left, Y) == "甲镇"  # cast.school_a's township before the move
    assert place(holds, Y + 1) == "邻县新镇"

    page = client_for(left).get(f"/stats/?year={Y}&q={school.identifier}").content.decode()
    assert '<td data-label="乡镇">甲镇</td>' in page and "邻县新镇" not in page


def test_a_return_opened_after_the_move_is_filed_with_the_census_days_bureau(cast, moved):
    """The school opens this year's return only after it moved (none was filed before):
    the return is still the old county's, under the old county's school year, and next
    year's is the new county's."""
    moved["this"].delete()
    officer = fresh(cast.school_a_officer)
    opened = services.return_open(actor=officer, school=officer.school, start_year=Y)
    assert opened.school_year.bureau_id == cast.bureau.pk
    assert services.can_review(fresh(moved["left"]), opened)
    following = services.return_open(actor=officer, school=officer.school, start_year=Y + 1)
    assert following.school_year.bureau_id == cast.sibling_bureau.pk


def test_the_list_orders_the_school_that_left_by_where_it_was_on_the_census_day(
    cast, moved, client_for
):
    """Listed by its township then (甲镇), as its place is shown, in the default order and
    sorted by township; not by its new bureau and township (邻县新镇)."""
    stone = TownshipFactory.create(bureau=cast.bureau, name="石镇")
    # 乙镇 < 甲镇 < 石镇 < 邻县新镇 in the sort.
    third = SchoolFactory.create(bureau=cast.bureau, township=stone, name="石镇小学")
    left = fresh(moved["left"])
    listed = [s.pk for s in schools_for_list(scope_for(left), Y)]
    assert listed.index(cast.school_a.pk) < listed.index(cast.school_b.pk)  # by township id
    page = client_for(left).get(f"/stats/?year={Y}&sort=township").content.decode()
    names = [cast.school_b.name, cast.school_a.name, third.name]
    assert sorted(names, key=page.index) == names
