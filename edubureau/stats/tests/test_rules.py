"""The return's validation rules: what they reject, and that every message is Chinese
and names the field by its label."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from edubureau.stats.dictionary import GRADES, Level, fields_for
from edubureau.stats.rules import clean_values, parse_value, validate
from edubureau.stats.tests.factories import consistent_values

KINDS = ["kindergarten", "primary", "nine_year", "complete_secondary", "vocational", "special"]


def codes(problems):
    return [p.code for p in problems]


@pytest.mark.parametrize("kind", KINDS)
def test_a_consistent_return_passes(kind):
    assert validate(consistent_values(kind), kind) == ([], [])


def test_every_field_must_be_filled_with_a_whole_number():
    values = consistent_values("primary")
    values.pop("primary.migrant")
    values["primary.grade2"] = "四十"
    values["primary.teachers"] = 12.5
    values["primary.classes"] = -1
    errors, _ = validate(values, "primary")
    assert [p.message for p in errors] == [
        "小学在校生（二年级）应填写整数，填写的是“四十”。",
        "小学班数不能小于0个。",
        "小学专任教师应填写整数，填写的是“12.5”。",
        "小学随迁子女未填写（没有请填0）。",
    ]
    # One bad cell, one message: the sum of grades is not checked without grade 2.
    assert "sum.primary.grades" not in codes(errors)


def test_workbook_and_form_input_is_read_as_whole_numbers():
    assert parse_value(12.0) == 12
    assert parse_value(" 1,234 ") == 1234
    assert parse_value("") is None and parse_value(None) is None
    assert parse_value("１２") == 12  # typed with a Chinese input method
    for bad in ("1.5", "abc", True, 2.5, "Infinity", "NaN"):
        with pytest.raises(ValueError):
            parse_value(bad)
    values = consistent_values("primary")
    values["primary.grade1"] = "40.0"
    assert validate(values, "primary") == ([], [])


def test_the_grades_add_up_to_the_enrolment():
    values = consistent_values("junior")
    values["junior.grade3"] += 1
    errors, _ = validate(values, "junior")
    assert codes(errors) == ["sum.junior.grades"]
    assert errors[0].message == "初中各年级在校生之和（121人）与初中在校生（120人）不一致。"
    assert errors[0].field == "junior.enrolled"


def test_a_kindergarten_counts_children_in_its_three_years():
    values = consistent_values("kindergarten")
    values["kg.grade1"] = 0
    (error,), _ = validate(values, "kindergarten")
    assert error.message == "学前教育各年级在园幼儿之和（80人）与学前教育在园幼儿（120人）不一致。"


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        (
            {"primary.enrolled_female": 241},
            "le.primary.female",
            "小学在校生中女生（241人）不能多于小学在校生（240人）。",
        ),
        (
            {"primary.classes_56_65": 4, "primary.classes_66": 3},
            "le.primary.large_classes",
            "小学56—65人的班与66人及以上的班之和（7个）不能多于小学班数（6个）。"
            "|小学56人及以上的班至少容纳的学生数（422人）不能多于小学在校生（240人）。",
        ),
        (
            {"primary.teachers_qualified": 13},
            "le.primary.qualified",
            "小学学历合格的专任教师（13人）不能多于小学专任教师（12人）。",
        ),
        (
            {"primary.migrant_public": 5},
            "le.primary.migrant_public",
            "小学在公办学校（含政府购买学位）就读的随迁子女（5人）不能多于小学随迁子女（4人）。",
        ),
        (
            {"primary.graduates": 41},
            "le.primary.graduates",
            "小学毕业生（41人）不能多于小学在校生（六年级）（40人）。",
        ),
        (
            {"primary.dropouts": 241},
            "le.primary.dropouts",
            "小学学年内辍学（241人）不能多于小学在校生（240人）。",
        ),
        (
            {"primary.classes_66": 4},
            "le.primary.large_class_pupils",
            "小学56人及以上的班至少容纳的学生数（264人）不能多于小学在校生（240人）。",
        ),
    ],
)
def test_cross_field_rules(change, code, message):
    values = consistent_values("primary") | change
    errors, _ = validate(values, "primary")
    # A change may break a second rule: its message follows, after "|".
    assert [p.message for p in errors] == message.split("|")
    assert errors[0].code == code


def test_each_level_of_a_nine_year_school_is_checked():
    values = consistent_values("nine_year")
    values["junior.graduates"] = 41
    errors, _ = validate(values, "nine_year")
    assert codes(errors) == ["le.junior.graduates"]
    # A primary school's return is not asked for junior figures.
    assert validate(consistent_values("nine_year"), "primary") == ([], [])


def test_a_change_beyond_the_threshold_is_a_warning_not_an_error():
    previous = consistent_values("primary", per_grade=30)  # 180 pupils last year
    errors, warnings = validate(consistent_values("primary"), "primary", previous)
    assert errors == []
    assert codes(warnings) == ["change.primary.enrolled", "change.primary.entrants"]
    assert warnings[0].message == (
        "小学在校生比上年（180人）增加60人，增长33.33%，变动超过20%，请填写情况说明。"
    )
    # Within the threshold: nothing to explain.
    assert validate(consistent_values("primary"), "primary", previous, change_percent=40) == (
        [],
        [],
    )


@override_settings(STATS_CHANGE_WARNING_PERCENT=50)
def test_the_threshold_is_a_setting():
    previous = consistent_values("primary", per_grade=30)
    assert validate(consistent_values("primary"), "primary", previous) == ([], [])
    _, warnings = validate(consistent_values("primary"), "primary", previous, change_percent=10)
    assert "变动超过10%" in warnings[0].message


def test_a_count_up_from_nothing_is_a_warning():
    previous = consistent_values("primary") | {"primary.teachers": 0}
    _, warnings = validate(consistent_values("primary"), "primary", previous)
    assert [w.message for w in warnings] == [
        "小学专任教师上年为0人，今年为12人，变动超过20%，请填写情况说明。"
    ]


def test_a_draft_keeps_only_whole_numbers_of_its_kind():
    kept = clean_values(
        {"primary.grade1": "12", "primary.grade2": "x", "senior.grade1": 3}, "primary"
    )
    assert kept == {"primary.grade1": 12}


ASCII_BETWEEN_CHINESE = re.compile(r"[\u4e00-\u9fff][,:;()?!][\u4e00-\u9fff]")


@pytest.mark.parametrize("kind", KINDS)
def test_every_message_is_chinese_with_full_width_punctuation(kind):
    broken = {spec.code: 10**6 for spec in fields_for(kind)} | {fields_for(kind)[0].code: "x"}
    previous = {spec.code: 1 for spec in fields_for(kind)}
    errors, warnings = validate(broken, kind, previous)
    assert errors and warnings
    for problem in errors + warnings:
        assert problem.message.endswith("。")
        assert not ASCII_BETWEEN_CHINESE.search(problem.message)
        assert re.search(r"[\u4e00-\u9fff]", problem.message)


# Properties ----------------------------------------------------------------------

LEVEL_OF_KIND = {"primary": Level.PRIMARY, "junior": Level.JUNIOR, "senior": Level.SENIOR}


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from(sorted(LEVEL_OF_KIND)),
    grades=st.lists(st.integers(0, 500), min_size=6, max_size=6),
    total=st.integers(0, 3000),
)
def test_the_sum_rule_rejects_exactly_the_totals_that_differ(kind, grades, total):
    level = LEVEL_OF_KIND[kind]
    grades = grades[: GRADES[level]]
    values = {f"{level}.grade{n}": g for n, g in enumerate(grades, start=1)}
    values[f"{level}.enrolled"] = total
    # Make every other rule hold, whatever the grades.
    for name in ("enrolled_female", "entrants", "graduates", "dropouts", "transfers_in",
                 "transfers_out", "classes", "classes_56_65", "classes_66", "teachers",
                 "teachers_qualified", "disabled", "migrant", "migrant_public"):  # fmt: skip
        values.setdefault(f"{level}.{name}", 0)
    errors, _ = validate(values, kind)
    assert ("sum." + f"{level}.grades" in codes(errors)) == (sum(grades) != total)


@settings(max_examples=60, deadline=None)
@given(
    part=st.integers(0, 2000),
    whole=st.integers(0, 2000),
    which=st.sampled_from(
        [
            ("enrolled_female", "enrolled", "le.junior.female"),
            ("teachers_qualified", "teachers", "le.junior.qualified"),
            ("migrant_public", "migrant", "le.junior.migrant_public"),
            ("dropouts", "enrolled", "le.junior.dropouts"),
            ("graduates", "grade3", "le.junior.graduates"),
        ]
    ),
)
def test_an_at_most_rule_rejects_exactly_a_part_above_its_whole(part, whole, which):
    name, whole_name, code = which
    values = consistent_values("junior", per_grade=2000)
    values[f"junior.{name}"] = part
    values[f"junior.{whole_name}"] = whole
    if whole_name == "grade3":
        values["junior.enrolled"] = 4000 + whole
    errors, _ = validate(values, "junior")
    assert (code in codes(errors)) == (part > whole)


@settings(max_examples=60, deadline=None)
@given(before=st.integers(1, 5000), now=st.integers(0, 5000), limit=st.integers(1, 100))
def test_the_change_warning_fires_exactly_beyond_the_threshold(before, now, limit):
    previous = consistent_values("senior") | {"senior.teachers": before}
    values = consistent_values("senior") | {"senior.teachers": now, "senior.teachers_qualified": 0}
    _, warnings = validate(values, "senior", previous, change_percent=limit)
    moved = Decimal(abs(now - before)) * 100 / before > limit
    assert ("change.senior.teachers" in codes(warnings)) == moved
