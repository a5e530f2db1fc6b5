"""The phrasing of official reports: the worked cases of the bureaus' own summaries
(copied here as data, from the seeds 001 and 004 of the indicator reference), the
half-up rounding a float would get wrong, the 万/亿 edges and the enumerations."""

from __future__ import annotations

import ast
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from edubureau.core.facts import Fact, rounded
from edubureau.core.phrasing import (
    chinese_ordinal,
    count_change,
    date_text,
    enumerate_points,
    gap_to_target,
    join_clauses,
    large_number,
    per_one,
    percent_text,
    rate_change,
    ratio_text,
    share_text,
    table_date,
    zero_clause,
)

D = Decimal

# (previous, current, unit, the seed's text or the product's)
WORKED_COUNTS = [
    (38307, 46608, "人", "比上年增加8301人，增长21.67%"),  # 普通高中招生
    (96117, 115969, "人", "比上年增加19852人，增长20.65%"),  # 普通高中在校生
    # The seed wrote "增长27%" (an integer); the product keeps the declared 2 dp.
    (16400, 20800, "人", "比上年增加4400人，增长26.83%"),  # 中职招生
]


@pytest.mark.parametrize(("previous", "current", "unit", "text"), WORKED_COUNTS)
def test_it_writes_the_worked_count_changes(previous, current, unit, text):
    assert count_change(current, previous, unit=unit) == text


def test_it_names_the_previous_count_when_asked():
    # 中职在校生46268人，比上年（37455人）增加8813人，增长23.53%
    assert (
        count_change(46268, 37455, unit="人", with_previous=True)
        == "比上年（37455人）增加8813人，增长23.53%"
    )


def test_it_keeps_the_trailing_zero_of_a_decrease():
    # 1030 of 10000 lost: exactly 10.3%, written at the declared two places.
    assert count_change(8970, 10000, unit="人") == "比上年减少1030人，下降10.30%"


def test_it_rounds_the_growth_half_up_where_a_float_would_not():
    # 2.675% and 0.125% are exact here; float round() gives 2.67 and 0.12.
    assert round(2.675, 2) == 2.67  # the trap
    assert count_change(102675, 100000, unit="元") == "比上年增加2675元，增长2.68%"
    assert count_change(100125, 100000, unit="元") == "比上年增加125元，增长0.13%"


def test_it_says_level_steady_or_nothing():
    assert count_change(500, 500, unit="所") == "与上年持平"
    assert count_change(500, 500, unit="所", with_previous=True) == "与上年（500所）持平"
    # 1 in 100000 would read "增长0.00%".
    assert count_change(100001, 100000, unit="人") == "与上年基本持平"
    assert count_change(100001, 100000, unit="人", places=3) == ("比上年增加1人，增长0.001%")
    # A threshold of the report's own: below 1% is 基本持平, 1% is not.
    assert count_change(1009, 1000, unit="人", steady_below=D(1)) == "与上年基本持平"
    assert count_change(1010, 1000, unit="人", steady_below=D(1)) == ("比上年增加10人，增长1.00%")
    assert count_change(1000, None, unit="人") == ""


def test_it_gives_no_percentage_of_nothing():
    assert count_change(5, 0, unit="所") == "比上年增加5所"
    assert count_change(0, 0, unit="所") == "与上年持平"


def test_it_compares_with_the_period_it_is_told():
    assert count_change(12, 10, unit="所", compared_to="比上学期") == (
        "比上学期增加2所，增长20.00%"
    )
    assert count_change(10, 10, unit="所", compared_to="比上学期") == "与上学期持平"
    assert count_change(9, 10, unit="起", compared_to="同比") == "同比减少1起，下降10.00%"
    assert count_change(10, 10, unit="起", compared_to="同比") == "同比持平"


def test_it_refuses_negative_counts():
    with pytest.raises(ValueError):
        count_change(-1, 3, unit="人")


def test_it_compares_rates_in_percentage_points():
    assert rate_change(D("94.1"), D("92.0")) == "比上年提高2.1个百分点"
    assert rate_change(D("90.5"), D("91.26"), places=2) == "比上年降低0.76个百分点"
    assert rate_change(D("88.0"), D("88.0")) == "与上年持平"
    assert rate_change(D("88.0"), None) == ""
    assert rate_change(None, D("88.0")) == ""
    assert "%" not in rate_change(D("50"), D("40"))


def test_it_compares_the_rates_it_displays():
    # 94.14 shows as 94.1 and 90.86 as 90.9: the text must say 3.2, not 3.3 (94.14 − 90.86
    # = 3.28), or the reader's own subtraction contradicts it.
    assert rate_change(D("94.14"), D("90.86")) == "比上年提高3.2个百分点"
    assert rate_change(D("94.14"), D("90.86"), of_displayed=False) == "比上年提高3.3个百分点"
    # Both show as 88.0: level, as the reader sees it.
    assert rate_change(D("88.04"), D("87.96")) == "与上年持平"
    assert rate_change(D("88.01"), D("87.99"), of_displayed=False) == "与上年基本持平"


def test_it_writes_the_worked_gaps_to_targets():
    # 毛入园率99.59%…高出国家“2020目标”14.59个百分点; 普惠率88.2%…高出8.2个百分点.
    assert gap_to_target(D("99.59"), 85, places=2) == "高出国家2020目标14.59个百分点"
    assert gap_to_target(D("88.2"), 80, places=1, target_label="目标") == ("高出目标8.2个百分点")
    assert gap_to_target(D("81.5"), 85, places=1) == "低于国家2020目标3.5个百分点"
    assert gap_to_target(85, 85, places=1) == "达到国家2020目标"


def test_it_never_rounds_a_shortfall_into_a_met_target():
    # The threshold compares the unrounded value: 84.999 has not met 85.
    assert gap_to_target(D("84.999"), 85, places=2) == "略低于国家2020目标"
    assert gap_to_target(D("85.001"), 85, places=2) == "达到国家2020目标"


@pytest.mark.parametrize(
    ("n", "unit", "text"),
    [
        (3120, "份", "3120份"),
        (9999, "份", "9999份"),
        (10000, "份", "1万份"),
        (46000, "份", "4.6万份"),
        (89000, "人次", "8.9万人次"),
        (61000, "元", "6.1万元"),
        (40929800, "人", "4092.98万人"),
        (135000000, "元", "1.35亿元"),
        (99999999, "元", "1亿元"),  # 9999.9999万 rounds to the next unit
        (D("9999.996"), "元", "1万元"),
        (D("12345.5"), "元", "1.23万元"),
        (D("3120.50"), "元", "3120.5元"),
        (-46000, "元", "-4.6万元"),
    ],
)
def test_it_writes_large_numbers_in_wan_and_yi(n, unit, text):
    assert large_number(n, unit) == text


def test_it_rounds_large_numbers_half_up():
    assert large_number(26750, "人", places=1) == "2.7万人"
    assert large_number(26750, "人", places=2) == "2.68万人"  # 2.675 → 2.68
    assert large_number(135000000, "元", places=0) == "1亿元"
    assert "亿" in large_number(135000000, "元") and "万" not in large_number(135000000, "元")


def test_it_writes_percentages_half_up_at_their_precision():
    assert percent_text(D("94.140625")) == "94.1%"
    assert percent_text(D("99.25")) == "99.3%"  # float round(99.25, 1) is 99.2
    assert percent_text(D("0.125"), 2) == "0.13%"
    assert percent_text(D("2.675"), 2) == "2.68%"
    assert percent_text(D("50")) == "50.0%"
    assert percent_text(None) == "—"


def test_it_writes_a_whole_hundred_and_zero_without_decimals():
    assert percent_text(D(100)) == "100%"
    assert percent_text(D("100.00"), 2) == "100%"
    assert percent_text(D(0)) == "0%"
    assert share_text(851, 851) == "100%"
    assert share_text(0, 7) == "0%"
    # Only rounding to 100 is not "all": the decimal stays.
    assert percent_text(D("99.96")) == "100.0%"
    assert percent_text(D("0.04")) == "0.0%"


def test_it_writes_the_worked_shares():
    assert share_text(203, 729) == "27.8%"  # 交流校级干部占符合交流条件校长
    assert share_text(2551, 16728, 2) == "15.25%"  # 交流教师占符合交流条件教师
    assert share_text(1, 0) == "—"


def test_it_writes_ratios_that_sum_to_the_scale():
    assert ratio_text(20800, 46608) == "3.1:6.9"  # 职普比 (招生)
    assert ratio_text(1, 1) == "5.0:5.0"
    # Rounding each part would give 3:8 (2.5 and 7.5 both round up).
    assert ratio_text(25, 75, places=0) == "3:7"
    assert ratio_text(0, 0) == "—"
    assert per_one(127, 10) == "12.70:1"  # 生师比
    assert per_one(1, 0) == "—"


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "一"),
        (2, "二"),
        (10, "十"),
        (11, "十一"),
        (20, "二十"),
        (35, "三十五"),
        (99, "九十九"),
        (100, "一百"),
        (101, "一百零一"),
        (110, "一百一十"),
        (256, "二百五十六"),
    ],
)
def test_it_counts_in_chinese(n, text):
    assert chinese_ordinal(n) == text


def test_it_refuses_ordinals_it_cannot_write():
    with pytest.raises(ValueError):
        chinese_ordinal(0)
    with pytest.raises(ValueError):
        chinese_ordinal(1000)


def test_it_enumerates_points_as_the_reports_do():
    assert enumerate_points(["签订安全责任书", "健全工作制度", "开展应急演练"]) == (
        "一是签订安全责任书；二是健全工作制度；三是开展应急演练。"
    )


def test_it_normalises_each_points_own_punctuation_and_drops_empty_ones():
    points = [
        "部分学校隐患整改不够及时。",
        "",
        "  ",
        "同类隐患反复出现；",
        "校车管理仍有薄弱环节，",
    ]
    assert enumerate_points(points) == (
        "一是部分学校隐患整改不够及时；二是同类隐患反复出现；三是校车管理仍有薄弱环节。"
    )


def test_a_single_point_is_a_sentence_without_yi_shi():
    assert enumerate_points(["", "加强校车管理；"]) == "加强校车管理。"
    assert enumerate_points([]) == ""
    assert enumerate_points(["", " "]) == ""


def test_points_of_several_sentences_are_separated_by_full_stops():
    points = ["签订安全责任书。县教育局与全县156所学校签订责任书", "健全工作制度"]
    assert enumerate_points(points) == (
        "一是签订安全责任书。县教育局与全县156所学校签订责任书。二是健全工作制度。"
    )


def test_it_counts_past_ten_points():
    text = enumerate_points([f"第{i}项" for i in range(1, 12)])
    assert text.startswith("一是第1项；")
    assert "；十一是第11项。" in text


def test_it_drops_zero_clauses_without_leaving_a_comma():
    assert zero_clause(0, "其中逾期未整改{n}个") == ""
    assert zero_clause(None, "其中逾期未整改{n}个") == ""
    assert zero_clause(9, "其中逾期未整改{n}个") == "其中逾期未整改9个"
    assert zero_clause(3, "涉及{n}所{kind}", kind="幼儿园") == "涉及3所幼儿园"
    assert (
        join_clauses("已整改销号241个", zero_clause(0, "其中逾期未整改{n}个"), "整改率94.1%")
        == "已整改销号241个，整改率94.1%"
    )
    assert join_clauses("", zero_clause(0, "逾期{n}个")) == ""
    assert join_clauses("发现隐患256个，", " 已整改241个 ") == "发现隐患256个，已整改241个"


def test_it_writes_dates_in_prose_and_in_tables():
    assert date_text(date(2026, 8, 19)) == "2026年8月19日"
    assert date_text(date(2027, 1, 1)) == "2027年1月1日"
    assert table_date(date(2026, 8, 19)) == "2026-08-19"
    assert table_date(date(2027, 1, 1)) == "2027-01-01"


def test_it_refuses_floats():
    with pytest.raises(TypeError):
        percent_text(99.25)  # type: ignore[arg-type]


# ASCII marks; a colon between digits is the ratio sign ("3.1:6.9").
ASCII_MARK = re.compile(r"[,;()?!]|(?<!\d):|:(?!\d)")


def test_every_output_uses_full_width_punctuation():
    outputs = [
        count_change(46268, 37455, unit="人", with_previous=True),
        count_change(8970, 10000, unit="人"),
        rate_change(D("94.1"), D("92.0")),
        gap_to_target(D("99.59"), 85, places=2),
        large_number(135000000, "元"),
        ratio_text(20800, 46608),
        per_one(127, 10),
        join_clauses("甲", "乙"),
        date_text(date(2026, 8, 19)),
    ]
    for text in outputs:
        assert not ASCII_MARK.search(text), text
    enumerated = enumerate_points(["甲（一）", "乙"])
    assert enumerated == "一是甲（一）；二是乙。"


def test_a_negative_amount_that_rounds_to_nothing_has_no_sign():
    assert large_number(D("-0.001"), "元") == "0元"


def test_ratio_parts_always_sum_to_the_scale():
    for a in range(0, 60, 7):
        for b in range(1, 60, 5):
            first, second = (D(part) for part in ratio_text(a, b).split(":"))
            assert first + second == 10, (a, b)
            assert first == rounded(D(a) * 10 / (a + b), 1)


def test_the_growth_it_writes_is_the_facts_growth_rounded_once():
    # One rule: core.facts.Fact.growth and the sentence agree on every worked case.
    for previous, current, unit, text in WORKED_COUNTS:
        growth = Fact("k", "招生", current, unit, previous=previous).growth
        assert text.endswith(f"增长{rounded(growth, 2)}%")
        assert count_change(current, previous, unit=unit) == text


def test_it_is_a_pure_module():
    # Stats, plans and reports call it from anywhere: no Django, no database.
    import edubureau.core.phrasing as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert imported <= {
        "__future__",
        "collections.abc",
        "datetime",
        "decimal",
        "edubureau.core.facts",
    }
