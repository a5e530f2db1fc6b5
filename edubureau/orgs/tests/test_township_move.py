"""A school moved between two townships of its county (乡镇调整) keeps its records up
to the move with the township it left (orgs.moves), as a school moved between bureaus
keeps them with the bureau: the old 中心校 reads that history and nothing after it, the
new one reads and chases all of it, the county reads all of it as before. The move is
recorded whichever write changes the township: the school's edit page or a row of the
school directory import."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse

from edubureau.audit.models import AuditEvent
from edubureau.orgs.models import School, SchoolTransfer, User
from edubureau.orgs.scoping import moved_away_schools
from edubureau.orgs.services.schools import school_update
from edubureau.orgs.tests.test_school_directory import _sheet
from edubureau.safety.models import Hazard
from edubureau.safety.tests.factories_hazards import make_hazard
from edubureau.testing.dates import today
from edubureau.testing.factories import UserFactory


def fresh(user: User) -> User:
    """The account as the next request loads it (its bureau's flags read afresh)."""
    return User.objects.select_related("bureau").get(pk=user.pk)


def _hazards_of(user: User, school: School) -> set[Hazard]:
    return set(Hazard.objects.visible_to(fresh(user)).filter(school=school))


def _staff_of(cast, township) -> User:
    return UserFactory(role="township_staff", bureau=cast.bureau, township=township)


def _check_the_history(cast, old: Hazard, new: Hazard) -> None:
    school = cast.school_a
    old_staff, new_staff = cast.township_staff, _staff_of(cast, cast.township_b)
    assert _hazards_of(old_staff, school) == {old}
    assert not School.objects.visible_to(fresh(old_staff)).filter(pk=school.pk).exists()
    assert moved_away_schools(fresh(old_staff)) == {school.pk}
    assert _hazards_of(new_staff, school) == {old, new}
    assert moved_away_schools(fresh(new_staff)) == frozenset()
    # The county reads its school's records as before, and none is its history only.
    assert _hazards_of(cast.safety_staff, school) == {old, new}
    assert moved_away_schools(fresh(cast.safety_staff)) == frozenset()
    transfer = school.transfers.get()
    assert (
        transfer.from_bureau,
        transfer.to_bureau,
        transfer.from_township,
        transfer.to_township,
        transfer.moved_on,
    ) == (cast.bureau, cast.bureau, cast.township_a, cast.township_b, today())
    assert AuditEvent.objects.filter(
        model_label="orgs.SchoolTransfer", object_id=str(transfer.pk), school_id=school.pk
    ).exists()


def test_an_edit_moving_a_school_leaves_its_history_with_the_old_township(cast):
    old = make_hazard(cast, reported_on=today() - timedelta(days=20))
    school_update(actor=cast.admin, school=cast.school_a, data={"township": cast.township_b})
    new = make_hazard(cast)  # reported on the day of the move: the new township's
    _check_the_history(cast, old, new)


def test_an_import_row_moving_a_school_does_the_same(cast, client_for):
    old = make_hazard(cast, reported_on=today() - timedelta(days=20))
    a = cast.school_a
    upload = _sheet([[a.identifier, a.name, "小学", "公办", "镇区", "乙镇", "新校长", 1958]])
    response = client_for(cast.admin).post(reverse("orgs:school-import"), {"file": upload})
    assert response.status_code == 302
    new = make_hazard(cast)
    _check_the_history(cast, old, new)


def test_an_edit_that_keeps_the_township_records_no_move(cast):
    school_update(actor=cast.admin, school=cast.school_a, data={"principal": "钱校长"})
    school_update(actor=cast.admin, school=cast.school_a, data={"township": cast.township_a})
    assert not SchoolTransfer.objects.filter(school=cast.school_a).exists()
    cast.bureau.refresh_from_db()
    assert not cast.bureau.has_moved_schools


def test_the_move_page_lists_the_township_move(cast, client_for):
    school_update(actor=cast.admin, school=cast.school_a, data={"township": cast.township_b})
    page = client_for(cast.admin).get(reverse("orgs:school-move", args=[cast.school_a.pk]))
    table = page.content.decode().split('data-testid="transfer-table"')[1]
    assert f"{cast.bureau.name} · 甲镇" in table and f"{cast.bureau.name} · 乙镇" in table
    assert "所在乡镇（街道）调整" in table


def test_the_edit_page_says_what_changing_the_township_does(cast, client_for):
    page = client_for(cast.admin).get(reverse("orgs:school-edit", args=[cast.school_a.pk]))
    assert "改变所在乡镇即乡镇调整" in page.content.decode()
