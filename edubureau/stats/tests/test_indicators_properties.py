"""Property tests (hypothesis): an indicator of a scope is the one of the union of its
parts' numerators and denominators, never the mean of the parts' rates — the two agree
exactly when the parts' rates or their denominators are equal."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from edubureau.orgs.models import BureauLevel, SchoolKind
from edubureau.orgs.scoping import system_scope
from edubureau.stats.indicators import INDICATORS, Measure, compute, compute_by
from edubureau.stats.tests.factories_returns import census_year, file_return
from edubureau.testing.factories import BureauFactory, SchoolFactory, TownshipFactory

Y = census_year()
RETURN_BASED = [i for i in INDICATORS if not i.uses_population]


@st.composite
def primary_return(draw: st.DrawFn) -> dict[str, int]:
    """A plausible primary return: every part within its whole."""
    small = st.integers(min_value=0, max_value=400)
    enrolled, classes, teachers, migrant = draw(small), draw(small), draw(small), draw(small)
    large = draw(st.integers(0, classes))
    huge = draw(st.integers(0, classes - large))
    return {
        "primary.enrolled": enrolled,
        "primary.dropouts": draw(st.integers(0, enrolled)),
        "primary.graduates": draw(st.integers(0, enrolled)),
        "primary.teachers": teachers,
        "primary.teachers_qualified": draw(st.integers(0, teachers)),
        "primary.classes": classes,
        "primary.classes_56_65": large,
        "primary.classes_66": huge,
        "primary.migrant": migrant,
        "primary.migrant_public": draw(st.integers(0, migrant)),
    }


# Two schools in each of two townships: this year's returns and last year's enrolment.
FOUR_SCHOOLS = st.lists(st.tuples(primary_return(), st.integers(0, 400)), min_size=4, max_size=4)


@pytest.fixture
def county(db):
    county = BureauFactory.create(name="性质县教育局", level=BureauLevel.COUNTY)
    townships = [TownshipFactory.create(bureau=county, name=n) for n in ("南镇", "北镇")]
    county.townships_ = townships
    county.schools_ = [
        SchoolFactory.create(
            bureau=county, township=townships[n % 2], name=f"性质小学{n}", kind=SchoolKind.PRIMARY
        )
        for n in range(4)
    ]
    return county


def _check_union(county, returns) -> None:
    for school, (values, last_year) in zip(county.schools_, returns, strict=True):
        file_return(school, Y, values)
        file_return(school, Y - 1, {"primary.enrolled": last_year})
    scope = system_scope(county)
    whole = compute(scope, Y, indicators=RETURN_BASED)
    grouped = compute_by(scope, Y, "township", indicators=RETURN_BASED)
    parts = [compute(system_scope(county, township=t), Y, indicators=RETURN_BASED) for t in
             county.townships_]  # fmt: skip
    for code, measure in whole.items():
        union = parts[0][code] + parts[1][code]
        assert (measure.numerator, measure.denominator) == (union.numerator, union.denominator)
        assert measure.value == union.value
        by_group = [grouped[t.pk][code] for t in county.townships_]
        assert [(m.numerator, m.denominator) for m in by_group] == [
            (m.numerator, m.denominator) for m in (parts[0][code], parts[1][code])
        ]
        _check_not_a_mean(measure, parts[0][code], parts[1][code])


def _check_not_a_mean(whole: Measure, a: Measure, b: Measure) -> None:
    """The union's rate is the mean of two rates exactly when the rates or the
    denominators are equal (the weighted mean of two values is their plain mean iff
    (r₁ − r₂)(d₁ − d₂) = 0)."""
    if a.value is None or b.value is None:
        return
    # Exact fractions: a Decimal quotient is rounded at 28 digits, so comparing Decimal
    # means would turn on the last digit.
    ra, rb = Fraction(a.numerator or 0, a.denominator), Fraction(b.numerator or 0, b.denominator)
    union = Fraction(whole.numerator or 0, whole.denominator)
    equal_weights = a.denominator == b.denominator
    assert (union == (ra + rb) / 2) == (ra == rb or equal_weights), whole.indicator.code
    # And the Decimal value is the exact quotient to 28 significant digits.
    scale = {"percent": 100, "per_one": 1, "split_of_ten": 10}[whole.indicator.form]
    assert whole.value == Decimal(union.numerator * scale) / Decimal(union.denominator)


@settings(
    max_examples=25,
    deadline=None,
    # Each example writes to the database: shrink briefly, never for minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(returns=FOUR_SCHOOLS)
def test_a_scope_is_the_union_of_its_parts(county, returns):
    # Each example in its own savepoint, rolled back: the county stays, the returns go.
    with transaction.atomic():
        _check_union(county, returns)
        transaction.set_rollback(True)


@given(
    parts=st.lists(
        st.tuples(st.integers(0, 10**6), st.integers(1, 10**6)).filter(lambda p: p[0] <= p[1]),
        min_size=1,
        max_size=8,
    )
)
def test_adding_measures_adds_numerators_and_denominators(parts):
    indicator = INDICATORS[1]  # 普惠率, a percentage
    total = Measure(indicator, None, None)
    for numerator, denominator in parts:
        total = total + Measure(indicator, numerator, denominator)
    n, d = sum(p[0] for p in parts), sum(p[1] for p in parts)
    assert (total.numerator, total.denominator) == (n, d)
    assert total.value == Decimal(100) * n / d
    assert Decimal(0) <= total.value <= Decimal(100)  # type: ignore[operator]
