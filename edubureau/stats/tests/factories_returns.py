"""Returns with hand-written figures, for the indicator and facts tests.

The census year of a test is derived from the test clock (:func:`census_year`), never a
calendar constant: the figures are the same whatever day the suite runs.
"""

from __future__ import annotations

from collections.abc import Mapping

from edubureau.orgs.models import Bureau, School
from edubureau.stats.models import Population, ReturnStatus, StatReturn
from edubureau.stats.tests.factories import StatReturnFactory, StatSchoolYearFactory
from edubureau.testing.dates import school_year_start, today


def census_year() -> int:
    """This school year's census year (the last 1 September on or before today)."""
    return school_year_start(today())


def file_return(
    school: School,
    year: int,
    values: Mapping[str, int],
    *,
    status: str = ReturnStatus.ACCEPTED,
    kg_category: str = "",
) -> StatReturn:
    """``school``'s return of census ``year`` holding exactly ``values`` (missing fields
    count as nothing), accepted unless ``status`` says otherwise."""
    school_year = StatSchoolYearFactory.create(bureau=school.bureau, start_year=year)
    return StatReturnFactory.create(
        school=school,
        school_year=school_year,
        status=status,
        values=dict(values),
        kg_category=kg_category,
    )


def record_population(bureau: Bureau, year: int, by_age: Mapping[int, int]) -> None:
    """The population of ``bureau``'s area in ``year``, by single year of age."""
    Population.objects.bulk_create(
        Population(bureau=bureau, year=year, age=age, count=count) for age, count in by_age.items()
    )
