"""National targets with their year and source; the gap to each in 百分点 (seed 000's
"高出国家“2020目标”14.59和8.2个百分点"); whether a target is met compares the unrounded
value."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from edubureau.stats.indicators import BY_CODE, NOT_COMPUTED
from edubureau.stats.targets import (
    ABOVE,
    AMBER,
    AT_LEAST,
    GREEN,
    RED,
    SUPERVISION,
    TARGETS,
    target_for,
    targets_for,
    traffic_light,
)


def test_every_target_names_a_known_indicator_a_source_and_a_value():
    for target in TARGETS:
        assert target.indicator in BY_CODE or target.indicator in NOT_COMPUTED
        assert target.source.startswith(("《", "“"))
        assert Decimal(0) < target.value <= Decimal(100)


def test_the_2020_national_targets_of_seed_000():
    kg = target_for("kg_gross", 2020)
    assert kg is not None and (kg.value, kg.year, kg.label) == (Decimal(85), 2020, "国家2020目标")
    affordable = target_for("kg_affordable", 2020)
    assert affordable is not None and affordable.value == Decimal(80)
    assert kg.gap_text(Decimal("99.59"), places=2) == "高出国家2020目标14.59个百分点"
    assert affordable.gap_text(Decimal("88.2"), places=1) == "高出国家2020目标8.2个百分点"
    # The superseded 70% of the 2010 outline is listed, never the one in force.
    assert [t.value for t in targets_for("kg_gross", year=2020)] == [Decimal(70), Decimal(85)]


def test_the_target_in_force_is_the_next_planning_year():
    for year, expected in ((2018, 95), (2020, 95), (2021, 96), (2025, 96), (2030, 96)):
        target = target_for("consolidation_9", year)
        assert target is not None and target.value == Decimal(expected), year
    assert target_for("senior_gross", 2019).value == Decimal(90)  # type: ignore[union-attr]
    assert target_for("primary_pupil_teacher", 2025) is None


def test_met_compares_the_unrounded_value():
    target = target_for("kg_gross", 2020)
    assert target is not None
    almost = Decimal("84.999")  # displays as 85.0
    assert target.met_by(almost) is False
    assert target.gap_text(almost, places=1) == "略低于国家2020目标"
    assert target.met_by(Decimal(85)) is True
    assert target.gap_text(Decimal(85), places=1) == "达到国家2020目标"
    assert target.gap(Decimal("81.5")) == Decimal("-3.5")
    assert target.gap_text(Decimal("81.5"), places=1) == "低于国家2020目标3.5个百分点"
    assert target.met_by(None) is None and target.gap_text(None, places=1) == ""


def test_a_target_above_a_value_is_not_met_at_the_value():
    target = target_for("kg_gross", 2025)
    assert target is not None and target.comparison == ABOVE  # "> 90%"
    assert target.met_by(Decimal(90)) is False
    assert target.met_by(Decimal("90.01")) is True


def test_county_supervision_standards_are_standing():
    standard = target_for("migrant_public", 2024, kind=SUPERVISION)
    assert standard is not None and standard.year is None and standard.value == Decimal(85)
    assert standard.label == "县域督导评估标准"
    assert standard.gap_text(Decimal("83.64"), places=2) == "低于县域督导评估标准1.36个百分点"
    unconfirmed = [t for t in TARGETS if not t.confirmed]
    assert {t.indicator for t in unconfirmed} == {"kg_affordable", "kg_public"}
    assert all(t.year == 2025 for t in unconfirmed)


def test_traffic_light_compares_unrounded_values():
    target = target_for("kg_gross", 2020)  # at least 85
    assert traffic_light(Decimal(85), target) == GREEN
    assert traffic_light(Decimal("84.999"), target) == AMBER  # shows as 85.0, not met
    assert traffic_light(Decimal("80.01"), target) == AMBER
    assert traffic_light(Decimal(80), target) == RED  # 5 points short
    assert traffic_light(Decimal(80), target, amber_within=Decimal(6)) == AMBER
    assert traffic_light(None, target) == "" and traffic_light(Decimal(90), None) == ""
    above = target_for("senior_gross", 2025)  # more than 92
    assert traffic_light(Decimal(92), above) == AMBER
    assert traffic_light(Decimal("92.0001"), above) == GREEN


@given(
    value=st.decimals(min_value=0, max_value=120, places=4),
    places=st.integers(min_value=0, max_value=2),
    index=st.integers(min_value=0, max_value=len(TARGETS) - 1),
)
def test_the_words_agree_with_the_unrounded_check(value, places, index):
    """Whatever the value and the displayed precision, the sentence says the target is
    reached exactly when the unrounded value meets it (an "at least" target)."""
    target = TARGETS[index]
    if target.comparison != AT_LEAST:
        return
    text = target.gap_text(value, places=places)
    assert target.met_by(value) == text.startswith(("高出", "达到"))
    assert (traffic_light(value, target) == GREEN) == bool(target.met_by(value))
