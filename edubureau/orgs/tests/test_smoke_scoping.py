from edubureau.orgs.models import School


def test_it_scopes_schools_by_role(cast):
    assert list(School.objects.visible_to(cast.school_a_officer)) == [cast.school_a]
    assert list(School.objects.visible_to(cast.inspector)) == [cast.school_a]
    assert set(School.objects.visible_to(cast.leader)) == {cast.school_a, cast.school_b}
    assert cast.other_school not in School.objects.visible_to(cast.admin)
