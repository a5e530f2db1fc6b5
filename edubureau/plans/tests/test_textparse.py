"""Reading a pasted work plan: seed 003 (a county bureau's 2017 工作要点, issued as
大教发〔2017〕1号) comes out as its six groups — the source numbers two of them （三）,
kept and warned about — and 24 tasks, with task 14's training targets recognised.

The seed's punctuation was normalised to ASCII before it reached us ("(一)", ","): that
is the pasted input the parser normalises, not text any output keeps."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from edubureau.plans.textparse import chinese_to_int, find_targets, parse_plan

SEED_003 = (Path(__file__).parent / "data" / "seed_003.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed():
    return parse_plan(SEED_003)


def test_the_plan_header(seed):
    assert seed.title == "大英县教育局2017年工作要点"
    assert seed.year == 2017
    assert seed.issuer == "大英县教育局"
    assert seed.document_number == "大教发〔2017〕1号"
    assert seed.guiding_idea.startswith(
        "以党的十八大和十八届三中、四中、五中、六中全会精神为指引，"
    )
    assert seed.approach.startswith("继续坚持“四为”（德育为首、质量为本、师德为魂、安全为重）")


def test_six_groups_with_the_duplicate_number_warned(seed):
    assert [g.label for g in seed.groups] == [
        "（一）",
        "（二）",
        "（三）",
        "（三）",
        "（四）",
        "（五）",
    ]
    assert seed.groups[3].title == "坚持均衡发展，抓好名优队伍工程"
    assert [len(g.tasks) for g in seed.groups] == [4, 2, 6, 4, 7, 1]
    assert seed.warnings == ["第4组的序号“（三）”与第3组重复，已按出现顺序作为第4组，请核对。"]


def test_twenty_four_tasks_numbered_across_the_plan(seed):
    assert [t.number for t in seed.tasks] == list(range(1, 25))
    assert seed.tasks[13].title == "加强师资培训"
    assert seed.tasks[23].title == "丰富精神文化"
    # The notice before the plan (主送, 落款) is not a task or a stray paragraph.
    assert all("印发给你们" not in t.text for t in seed.tasks)


def test_task_14s_targets(seed):
    targets = [(t.value, t.unit, t.metric) for t in seed.tasks[13].targets]
    assert targets == [
        (Decimal(860), "人", "培训中小学班主任"),
        (Decimal(550), "人次", "培训教导主任、教科室主任"),
        (Decimal(700), "人次", "培训校级干部"),
        (Decimal(1000), "人", "培训农村教师"),
        (Decimal(200), "人次", "培训骨干教师"),
        (Decimal(170), "人", "培训2017年招聘的新教师"),
        (Decimal(5), "期", "举办“校长大讲堂”"),
        (Decimal(2500), "人次", "培训干部、教师"),
    ]
    assert [t.written for t in seed.tasks[13].targets][:2] == ["860名", "550人次"]
    assert seed.tasks[13].targets[6].written == "五期"


def test_slogans_years_and_codes_are_not_targets(seed):
    # Tasks 1–4: 十九大, 两学一做, 四种形态, 一岗双责, “七五”普法 — no quantity among them.
    assert all(not t.targets for t in seed.tasks[:4])
    # Task 17's “121”“127”“235” are model names; task 12's H7N9 a virus.
    assert not seed.tasks[16].targets and not seed.tasks[11].targets
    # Task 11's standards are amounts with their comparator left out of the metric.
    assert [(t.metric, t.value, t.unit) for t in seed.tasks[10].targets] == [
        ("义务教育阶段特殊教育学生生均预算内公用经费", Decimal(600), "元"),
        ("在校残疾学生生活补助", Decimal(200), "元"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("一", 1),
        ("十", 10),
        ("十五", 15),
        ("二十", 20),
        ("一百二十", 120),
        ("两千", 2000),
        ("三万五千", 35000),
        ("期", None),
    ],
)
def test_chinese_numerals(text, expected):
    assert chinese_to_int(text) == expected


def test_targets_in_full_width_and_ascii_text_alike():
    # Pasted text with ASCII punctuation on purpose: it must parse as the full-width one.
    ascii_ = parse_plan(
        "(一)建设\n1.办学条件.新建幼儿园3所,改扩建校舍1.2万平方米;力争完成投资2,500万元."
    )
    full = parse_plan(
        "（一）建设\n1．办学条件。新建幼儿园3所，改扩建校舍1.2万平方米；力争完成投资2,500万元。"
    )
    assert ascii_.tasks[0].targets == full.tasks[0].targets
    assert [(t.written, t.value, t.unit) for t in full.tasks[0].targets] == [
        ("3所", Decimal(3), "所"),
        ("1.2万平方米", Decimal(12000), "平方米"),
        ("2,500万元", Decimal(2500), "万元"),
    ]
    found = find_targets("新建幼儿园3所，开展培训十二期；力争完成投资2,500万元。")
    assert [(t.value, t.unit, t.metric) for t in found] == [
        (Decimal(3), "所", "新建幼儿园"),
        (Decimal(12), "期", "开展培训"),
        (Decimal(2500), "万元", "完成投资"),
    ]


def test_a_text_without_structure_says_so():
    parsed = parse_plan("今年要做好各项工作。\n确保安全。")
    assert parsed.tasks == []
    assert any("没有识别出" in w for w in parsed.warnings)


def test_gaps_in_task_numbers_are_warned():
    parsed = parse_plan("（一）抓党建\n1.学习。\n3.落实。\n（二）抓安全\n3.检查。")
    assert [t.number for t in parsed.tasks] == [1, 3, 3]
    assert parsed.warnings == [
        "第3项前面一项的序号是1，序号不连续，请核对。",
        "第3项的序号与前面重复或倒序，请核对。",
    ]
