"""教育事业发展统计公报: the bureau's yearly statistical bulletin, from the school returns
of one census year (:func:`edubureau.stats.facts.stat_facts`), in the register of seed
001's figures: counts with 比上年增加…人，增长…%, rates with 提高…个百分点 and their gap to
the national target, 职普比 as 3.1:6.9. A sentence is left out when its figures are
missing (a level the area has no school of, a census without returns).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from edubureau.core.facts import FactSet, Period
from edubureau.orgs.scoping import SchoolScope
from edubureau.reports.genres.base import Context, GenreSpec, SectionSpec
from edubureau.stats.facts import stat_facts
from edubureau.stats.models import StatReturn

# The ratio sign of "3.1:6.9" and "12.70:1", as the indicator conventions write it
# between digits (not the full-width colon of prose).
RATIO = ":"


def _facts(*, scope: SchoolScope, period: Period, today: date) -> FactSet:
    return stat_facts(scope, period.start.year, as_of=today)


def _count(ctx: Context, key: str, words: str) -> str:
    """ "普通高中招生46608人，比上年增加8301人，增长21.67%" — or "" without the figure."""
    if not ctx.has(f"count.{key}"):
        return ""  # no such school in the area (or no returns): no sentence
    return f"{words}{{{{count.{key}}}}}人，{{{{count.{key}|change}}}}"


def _rate(ctx: Context, code: str, words: str) -> str:
    """ "毛入园率99.59%，比上年提高1.2个百分点，高出国家2020目标14.59个百分点"."""
    if ctx.value(f"indicator.{code}") is None:
        return ""
    key = f"indicator.{code}"
    return f"{words}{{{{{key}}}}}，{{{{{key}|change}}}}，{{{{{key}|gap}}}}"


def _sentence(parts: Sequence[str]) -> str:
    kept = [p for p in parts if p]
    return "；".join(kept) + "。" if kept else ""


def _opening(ctx: Context) -> str:
    return (
        f"{ctx.period.label}，{ctx.author}统计范围内有各级各类学校（幼儿园）"
        "{{count.schools}}所。现将主要统计数据公布如下："
        if ctx.has("count.schools")
        else "本学年尚无审核通过的学校统计报表。"
    )


def _preschool(ctx: Context) -> str:
    return _sentence(
        [
            _count(ctx, "kg.enrolled", "在园幼儿"),
            _rate(ctx, "kg_gross", "学前三年毛入园率"),
            _rate(ctx, "kg_affordable", "普惠性幼儿园覆盖率"),
            _rate(ctx, "kg_public", "公办园在园幼儿占比"),
        ]
    )


def _compulsory(ctx: Context) -> str:
    return _sentence(
        [
            _count(ctx, "primary.entrants", "小学招生"),
            _count(ctx, "primary.enrolled", "小学在校生"),
            _count(ctx, "junior.entrants", "初中招生"),
            _count(ctx, "junior.enrolled", "初中在校生"),
            _rate(ctx, "junior_gross", "初中毛入学率"),
            _rate(ctx, "consolidation_junior", "九年义务教育巩固率"),
            _rate(ctx, "primary_dropout", "小学年辍学率"),
            _rate(ctx, "junior_dropout", "初中年辍学率"),
            _rate(ctx, "primary_progression", "小学毕业升学率"),
            _rate(ctx, "junior_progression", "初中毕业升学率"),
        ]
    )


def _upper_secondary(ctx: Context) -> str:
    share = ""
    if ctx.value("indicator.vocational_share") is not None:
        share = (
            "职普比为{{indicator.vocational_share}}" + RATIO + "{{indicator.vocational_share.rest}}"
        )
    return _sentence(
        [
            _count(ctx, "senior.entrants", "普通高中招生"),
            _count(ctx, "senior.enrolled", "普通高中在校生"),
            _count(ctx, "vocational.entrants", "中职招生"),
            _count(ctx, "vocational.enrolled", "中职在校生"),
            share,
            _rate(ctx, "senior_gross", "高中阶段毛入学率"),
        ]
    )


def _inclusion(ctx: Context) -> str:
    return _sentence(
        [
            _count(ctx, "disabled", "残疾学生在校生"),
            _count(ctx, "migrant", "义务教育阶段随迁子女"),
            _rate(ctx, "migrant_public", "随迁子女在公办学校（含政府购买学位）就读比例"),
        ]
    )


def _teachers(ctx: Context) -> str:
    ratios = [
        f"{name}生师比{{{{indicator.{code}_pupil_teacher}}}}{RATIO}1"
        for code, name in (
            ("primary", "小学"),
            ("junior", "初中"),
            ("senior", "普通高中"),
            ("vocational", "中职"),
        )
        if ctx.value(f"indicator.{code}_pupil_teacher") is not None
    ]
    return _sentence(
        [
            _count(ctx, "teachers", "专任教师"),
            _rate(ctx, "teachers_qualified", "专任教师学历合格率"),
            "，".join(ratios),
            _rate(ctx, "large_classes", "大班额比例"),
            _rate(ctx, "huge_classes", "超大班额比例"),
        ]
    )


def _title(ctx: Context) -> str:
    return f"{ctx.name}{ctx.period.start.year}年教育事业发展统计公报"


def _recipients(ctx: Context) -> str:
    return ""


def _words(ctx: Context) -> dict[str, Any]:
    return {"period": ctx.period.label, "region": ctx.region}


BULLETIN = GenreSpec(
    key="stats_bulletin",
    label="教育事业发展统计公报",
    owner_department=StatReturn.owner_department_code,
    period_kinds=("school_year",),
    scopes=("bureau",),
    sections=(
        SectionSpec("opening", "", level=0, draft=_opening),
        SectionSpec("preschool", "学前教育", draft=_preschool),
        SectionSpec("compulsory", "义务教育", draft=_compulsory),
        SectionSpec("upper_secondary", "高中阶段教育", draft=_upper_secondary),
        SectionSpec("inclusion", "特殊教育与随迁子女", draft=_inclusion),
        SectionSpec("teachers", "教师队伍与办学条件", draft=_teachers),
    ),
    title=_title,
    recipients=_recipients,
    facts=_facts,
    summary="学前、义务教育、高中阶段的规模与主要指标，比上年变化与国家目标差距",
    words=_words,
)
