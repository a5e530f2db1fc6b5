import pytest
from django.db import IntegrityError

from edubureau.orgs.models import SchoolKind
from edubureau.stats.models import Population, ReturnStatus, StatReturn
from edubureau.stats.tests.factories import PopulationFactory, StatReturnFactory


@pytest.mark.django_db
def test_one_return_per_school_per_school_year(cast):
    first = StatReturnFactory.create(school=cast.school_a)
    assert first.status == ReturnStatus.DRAFT
    assert first.school_year.bureau == cast.school_a.bureau
    assert first.value("primary.grade1") == 40
    assert first.value("junior.grade1") == 0
    with pytest.raises(IntegrityError):
        StatReturnFactory.create(school=cast.school_a, school_year=first.school_year)


@pytest.mark.django_db
def test_returns_are_scoped_by_the_door(cast):
    a = StatReturnFactory.create(school=cast.school_a)
    b = StatReturnFactory.create(school=cast.school_b)
    assert b.school.kind == SchoolKind.JUNIOR
    assert list(StatReturn.objects.visible_to(cast.school_a_officer)) == [a]
    assert set(StatReturn.objects.visible_to(cast.leader)) == {a, b}
    assert list(StatReturn.objects.writable_by(cast.school_a_officer)) == [a]
    assert not StatReturn.objects.writable_by(cast.school_a_teacher).exists()  # read-only
    # The inspector assigned to school A reads its return but never files it.
    assert list(StatReturn.objects.visible_to(cast.inspector)) == [a]
    assert not StatReturn.objects.writable_by(cast.inspector).exists()
    # The safety department does not own statistics.
    assert not StatReturn.objects.writable_by(cast.safety_staff).exists()


@pytest.mark.django_db
def test_population_by_age_is_unique(cast):
    PopulationFactory.create(bureau=cast.bureau, year=2026, age=6, count=120)
    assert Population.objects.visible_to(cast.leader).count() == 1
    assert not Population.objects.visible_to(cast.other_admin).exists()
    with pytest.raises(IntegrityError):
        Population.objects.create(bureau=cast.bureau, year=2026, age=6, count=1)
