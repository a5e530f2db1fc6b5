"""Factories for the stats app's tests (shared by every stats test module).

``values`` default to a small consistent return for the school's kind (grades add up,
girls, classes and qualified teachers within their totals), so a factory return
passes :func:`edubureau.stats.rules.validate` unless a test breaks it on purpose.
"""

from __future__ import annotations

from datetime import date

import factory

from edubureau.orgs.models import SchoolYear
from edubureau.stats.dictionary import GRADES, MIGRANT_LEVELS, levels_for
from edubureau.stats.models import Population, ReturnStatus, StatReturn
from edubureau.testing.dates import school_year_start, today
from edubureau.testing.factories import SchoolFactory


class StatSchoolYearFactory(factory.django.DjangoModelFactory[SchoolYear]):
    class Meta:
        model = SchoolYear
        django_get_or_create = ("bureau", "start_year")

    start_year = factory.LazyFunction(lambda: school_year_start(today()))
    starts_on = factory.LazyAttribute(lambda o: date(o.start_year, 9, 1))
    ends_on = factory.LazyAttribute(lambda o: date(o.start_year + 1, 8, 31))


def consistent_values(kind: str, *, per_grade: int = 40) -> dict[str, int]:
    """A return that passes every rule: ``per_grade`` pupils in each grade, half girls,
    one class per grade, two teachers per class, all qualified."""
    values: dict[str, int] = {}
    for level in levels_for(kind):
        grades = GRADES[level]
        enrolled = per_grade * grades
        values.update({f"{level}.grade{n}": per_grade for n in range(1, grades + 1)})
        values.update(
            {
                f"{level}.enrolled": enrolled,
                f"{level}.enrolled_female": enrolled // 2,
                f"{level}.entrants": per_grade,
                f"{level}.graduates": per_grade,
                f"{level}.dropouts": 0,
                f"{level}.transfers_in": 1,
                f"{level}.transfers_out": 1,
                f"{level}.classes": grades,
                f"{level}.classes_56_65": 0,
                f"{level}.classes_66": 0,
                f"{level}.teachers": 2 * grades,
                f"{level}.teachers_qualified": 2 * grades,
                f"{level}.disabled": 1,
            }
        )
        if level in MIGRANT_LEVELS:
            values[f"{level}.migrant"] = 4
            values[f"{level}.migrant_public"] = 4
    return values


class StatReturnFactory(factory.django.DjangoModelFactory[StatReturn]):
    class Meta:
        model = StatReturn

    school = factory.SubFactory(SchoolFactory)
    school_year = factory.SubFactory(
        StatSchoolYearFactory, bureau=factory.SelfAttribute("..school.bureau")
    )
    status = ReturnStatus.DRAFT
    values = factory.LazyAttribute(lambda o: consistent_values(o.school.kind))


class PopulationFactory(factory.django.DjangoModelFactory[Population]):
    class Meta:
        model = Population
        django_get_or_create = ("bureau", "year", "age")

    year = factory.LazyFunction(lambda: school_year_start(today()))
    age = 6
    count = 100
