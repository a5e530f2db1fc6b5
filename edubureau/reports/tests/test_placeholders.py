"""Placeholders: how a sentence's numbers are filled, linked to their source and
dropped cleanly when there is nothing to compare with."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from edubureau.core.facts import Fact, FactSet, Period, Source
from edubureau.reports import placeholders
from edubureau.reports.placeholders import Values

YEAR = Period.calendar_year(2026)


def values(*facts: Fact, previous: Period | None = None) -> Values:
    return Values(FactSet(period=YEAR, facts=facts, previous_period=previous))


FOUND = Fact(
    "hazards.found", "排查发现隐患", 256, "个", "/safety/hazards/?since=2026-01-01", previous=247
)
RATE = Fact(
    "hazards.rate",
    "整改率",
    Decimal("94.140625"),
    "%",
    "/safety/hazards/?status=closed",
    previous=Decimal("90.9"),
)


def test_each_format_phrases_the_fact():
    v = values(FOUND, RATE, previous=YEAR.previous())
    text, filled = placeholders.fill(
        "发现隐患{{hazards.found}}个，{{hazards.found|change}}；整改率{{hazards.rate}}，"
        "{{hazards.rate|change}}；上年{{hazards.found|prev}}个。",
        v,
    )
    assert text == (
        "发现隐患256个，比上年增加9个，增长3.64%；整改率94.1%，比上年提高3.2个百分点；上年247个。"
    )
    assert filled["hazards.found"]["source"] == FOUND.source


def test_a_running_period_is_compared_with_the_same_span():
    cut = Period(date(2025, 1, 1), date(2025, 11, 16), "2025年1月1日至11月16日", "to_date")
    text, _ = placeholders.fill("{{hazards.found|change}}", values(FOUND, previous=cut))
    assert text == "比上年同期增加9个，增长3.64%"


def test_no_previous_period_leaves_no_stray_comma():
    first_year = Fact("hazards.found", "排查发现隐患", 12, "个", "/x")
    text, _ = placeholders.fill(
        "发现隐患{{hazards.found}}个，{{hazards.found|change}}。", values(first_year)
    )
    assert text == "发现隐患12个。"
    html = placeholders.render_html(
        "发现{{hazards.found}}个，{{hazards.found|change}}。",
        {
            "hazards.found": {"text": "12", "source": "/x", "label": "隐患"},
            "hazards.found|change": {"text": "", "source": "/x", "label": "隐患"},
        },
    )
    assert "，。" not in html and html.endswith("个。")


def test_unknown_keys_and_formats_are_reported_in_chinese():
    v = values(FOUND)
    problems = placeholders.problems("{{hazards.nope}} {{hazards.found|weird}} {{broken", v)
    assert any("hazards.nope" in p and "不存在" in p for p in problems)
    assert any("weird" in p for p in problems)
    assert any("未闭合" in p for p in problems)
    text, _ = placeholders.fill("{{hazards.nope}}", v)
    assert text == "【缺少数据：hazards.nope】"


def test_an_imported_or_typed_number_says_where_it_comes_from():
    imported = Fact(
        "stats.senior.entrants",
        "普通高中招生",
        46608,
        "人",
        origin=Source.imported(
            batch="2026-3", sheet="基础基111", cell="D7", url="/stats/imports/3/"
        ),
    )
    typed = Fact(
        "stats.population",
        "3—5岁人口",
        21000,
        "人",
        origin=Source.manual(entered_by="张三", entered_on=date(2026, 9, 3)),
    )
    _, filled = placeholders.fill(
        "{{stats.senior.entrants}}{{stats.population}}", values(imported, typed)
    )
    one = filled["stats.senior.entrants"]
    assert one["source"] == "/stats/imports/3/"
    assert one["note"] == "导入数据：批次2026-3，工作表“基础基111”，单元格D7"
    assert filled["stats.population"]["note"] == "手工填报：张三于2026年9月3日录入"
    html = placeholders.render_html("{{stats.senior.entrants}}", filled)
    assert "工作表“基础基111”" in html and 'href="/stats/imports/3/"' in html


def test_a_snapshot_keeps_the_typed_source():
    fact = Fact("x", "甲", 1, "人", origin=Source.imported(batch="b", sheet="s", cell="A1"))
    again = FactSet.from_json(FactSet(period=YEAR, facts=(fact,)).to_json())
    assert again["x"].origin == fact.origin
    assert again["x"].provenance is not None and again["x"].provenance.kind == "cell"
