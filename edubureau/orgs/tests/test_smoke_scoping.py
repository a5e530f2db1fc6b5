import pytest
from django.core.exceptions import PermissionDenied

from edubureau.orgs.models import School
from edubureau.orgs.scoping import bureau_id_of
from edubureau.orgs.services.schools import school_create
from edubureau.testing.factories import UserFactory


def test_it_scopes_schools_by_role(cast):
    assert list(School.objects.visible_to(cast.school_a_officer)) == [cast.school_a]
    assert list(School.objects.visible_to(cast.inspector)) == [cast.school_a]
    assert set(School.objects.visible_to(cast.leader)) == {cast.school_a, cast.school_b}
    assert cast.other_school not in School.objects.visible_to(cast.admin)


def test_it_refuses_bureau_writes_by_an_account_without_a_bureau(cast):
    # A superuser made on the command line has no bureau: writing services refuse it
    # instead of creating rows that belong to no bureau.
    assert bureau_id_of(cast.admin) == cast.bureau.pk
    stray = UserFactory(bureau=None, role="administrator", is_superuser=True)
    with pytest.raises(PermissionDenied, match="不属于任何教育局"):
        bureau_id_of(stray)
    count = School.objects.count()
    with pytest.raises(PermissionDenied):
        school_create(actor=stray, data={"name": "无主学校", "identifier": "3100000099"})
    assert School.objects.count() == count
