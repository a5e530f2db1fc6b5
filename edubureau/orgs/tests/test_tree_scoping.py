"""The scoping door over the bureau tree: down the tree, never up or sideways."""

from __future__ import annotations

from edubureau.orgs.models import Bureau, BureauLevel, Department, School, Township, User
from edubureau.orgs.scoping import schools_visible_to, schools_writable_by
from edubureau.testing.factories import BureauFactory


def test_paths_follow_the_tree(cast):
    assert cast.province.path == f"/{cast.province.pk}/"
    assert cast.bureau.path == f"/{cast.province.pk}/{cast.city.pk}/{cast.bureau.pk}/"
    assert cast.bureau.ancestor_ids == [cast.province.pk, cast.city.pk]
    assert cast.city.is_ancestor_of(cast.bureau)
    assert not cast.bureau.is_ancestor_of(cast.city)
    assert not cast.city.is_ancestor_of(cast.other_bureau)
    assert set(cast.city.subtree()) == {cast.city, cast.bureau, cast.sibling_bureau}


def test_an_unsaved_bureau_has_an_empty_subtree_not_the_whole_tree():
    assert list(Bureau(name="未保存", level=BureauLevel.COUNTY).subtree()) == []


def test_a_county_sees_its_own_schools_only(cast):
    for user in (cast.leader, cast.safety_staff, cast.admin):
        assert set(schools_visible_to(user)) == {cast.school_a, cast.school_b}


def test_a_city_sees_its_counties_and_its_own_schools(cast):
    expected = {cast.school_a, cast.school_b, cast.sibling_school, cast.city_school}
    for user in (cast.city_leader, cast.city_safety, cast.city_admin):
        assert set(schools_visible_to(user)) == expected


def test_the_province_sees_every_school(cast):
    assert set(schools_visible_to(cast.province_leader)) == set(School.objects.all())


def test_nobody_sees_up_or_sideways(cast):
    assert cast.city_school not in schools_visible_to(cast.leader)
    assert cast.sibling_school not in schools_visible_to(cast.leader)
    assert cast.school_a not in schools_visible_to(cast.sibling_safety)
    assert cast.other_school not in schools_visible_to(cast.city_leader)
    assert set(schools_visible_to(cast.other_admin)) == {cast.other_school}


def test_township_staff_read_the_schools_of_their_township(cast):
    assert list(schools_visible_to(cast.township_staff)) == [cast.school_a]
    assert not schools_writable_by(cast.township_staff).exists()


def test_records_are_written_where_they_are_owned(cast):
    # The county's safety department keeps its schools; the city writes only the
    # schools it runs itself, however far it reads.
    assert set(schools_writable_by(cast.safety_staff, owner="safety")) == {
        cast.school_a,
        cast.school_b,
    }
    assert list(schools_writable_by(cast.city_safety, owner="safety")) == [cast.city_school]
    assert not schools_writable_by(cast.province_safety, owner="safety").exists()
    assert not schools_writable_by(cast.office_staff, owner="safety").exists()
    assert not schools_writable_by(cast.city_leader).exists()


def test_bureau_records_are_read_down_the_tree(cast):
    city_dept = cast.city_safety_dept
    assert cast.safety_dept in Department.objects.visible_to(cast.city_safety)
    assert city_dept not in Department.objects.visible_to(cast.safety_staff)
    assert city_dept not in Department.objects.visible_to(cast.school_a_officer)
    assert cast.safety_dept in Department.objects.visible_to(cast.school_a_officer)
    # Read-only for the city: it maintains its own settings, not the county's.
    assert not Department.objects.writable_by(cast.city_admin).filter(pk=cast.safety_dept.pk)
    assert Township.objects.visible_to(cast.city_leader).filter(pk=cast.township_a.pk).exists()


def test_bureaus_are_visible_down_the_tree(cast):
    assert set(Bureau.objects.visible_to(cast.city_leader)) == {
        cast.city,
        cast.bureau,
        cast.sibling_bureau,
    }
    assert list(Bureau.objects.visible_to(cast.leader)) == [cast.bureau]
    assert list(Bureau.objects.visible_to(cast.school_a_officer)) == [cast.bureau]


def test_accounts_are_seen_down_the_tree_and_written_one_level_down(cast):
    assert cast.admin in User.objects.visible_to(cast.city_admin)
    assert cast.leader in User.objects.visible_to(cast.city_admin)
    assert cast.city_admin not in User.objects.visible_to(cast.admin)
    writable = User.objects.writable_by(cast.city_admin)
    assert cast.admin in writable and cast.sibling_admin in writable
    assert cast.leader not in writable
    assert cast.other_admin not in User.objects.visible_to(cast.city_admin)
    assert not User.objects.writable_by(cast.city_admin).filter(pk=cast.province_leader.pk)


def test_a_new_bureau_joins_its_parent_subtree(cast):
    county = BureauFactory.create(name="新设县教育局", parent=cast.city)
    assert county in Bureau.objects.visible_to(cast.city_leader)
    assert county not in Bureau.objects.visible_to(cast.leader)


def test_a_bureau_names_the_child_toward_each_bureau_of_its_subtree(cast):
    # The one rule by which a province's figures are summed per city, a city's per county.
    province, city = cast.province, cast.city
    assert province.child_toward(cast.bureau.path) == city.pk  # a county, two levels down
    assert province.child_toward(cast.other_bureau.path) == cast.other_city.pk
    assert city.child_toward(cast.bureau.path) == cast.bureau.pk
    assert city.child_toward(city.path) == city.pk  # its own (市直) schools
    assert city.child_toward(cast.other_bureau.path) is None  # outside the subtree
    assert cast.bureau.child_toward(city.path) is None  # nobody looks upward
