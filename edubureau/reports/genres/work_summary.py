"""The bureau's work summaries, drawn from everything the record holds: the annual
**work summary and next year's ideas** (seeds 000, 001: 一、年度主要工作 （一）…, each
“一是…二是…” with numbers · 二、存在的主要问题 · 三、下一年工作思路) and the **half-year
summary and second-half plan** (seed 002: 上半年工作 · 存在的问题 · 下半年重点工作).

The main work follows the bureau's own plan (:func:`edubureau.plans.facts.plan_facts`):
one part per group of the plan, a point per task with what its targets reached; then the
development of education (:func:`edubureau.stats.facts.stat_facts`, the census of the
year) and campus safety (:func:`edubureau.safety.facts.safety_facts`). The problems are
derived, never typed: tasks lagging or overdue at the period's end, indicators short of
their target, hazards still overdue. Next year's ideas come from next year's plan when it
exists, else from what is unfinished. Every number is a placeholder on a fact.
"""

from __future__ import annotations

from datetime import date
from functools import partial

from edubureau.core.facts import FactSet, Period
from edubureau.core.phrasing import enumerate_points
from edubureau.orgs.scoping import SchoolScope
from edubureau.plans.facts import plan_facts
from edubureau.reports.genres.base import Context, GenreSpec, SectionSpec
from edubureau.safety.facts import safety_facts
from edubureau.stats.facts import stat_facts
from edubureau.stats.services import census_year

OWNER = "office"  # 办公室 drafts the bureau's work summaries
GROUP_SLOTS = 12  # parts of 主要工作: a plan's groups (seed 003 has six)
BEHIND = ("lagging", "overdue")

# The indicators a summary names, in its order: (code, words).
INDICATORS = (
    ("kg_gross", "学前三年毛入园率"),
    ("kg_affordable", "普惠性幼儿园覆盖率"),
    ("consolidation_9", "九年义务教育巩固率"),
    ("consolidation_junior", "初中三年巩固率"),
    ("senior_gross", "高中阶段毛入学率"),
    ("migrant_public", "随迁子女在公办学校就读比例"),
)


def _facts(*, scope: SchoolScope, period: Period, today: date) -> FactSet:
    """The plan's, safety's and statistics' facts of the period, as one set."""
    bureau = scope.bureau
    assert bureau is not None, "a work summary is a bureau's"
    safety = safety_facts(scope=scope, period=period, today=today)
    stats = stat_facts(scope, census_year(period.end), as_of=today)
    plan = plan_facts(bureau=bureau, scope=scope, period=period, today=today)
    merged = {**{f.key: f for f in stats.facts}, **{f.key: f for f in safety.facts}}
    merged.update({f.key: f for f in plan.facts})
    return FactSet(
        period=period,
        facts=tuple(merged.values()),
        previous_period=safety.previous_period,
        as_of=today,
    )


def _tasks(ctx: Context) -> list[int]:
    return sorted(
        int(key.split(".")[2])
        for key in ctx.values
        if key.startswith("plan.task.") and key.count(".") == 2
    )


def _group_of(ctx: Context, n: int) -> int:
    return ctx.count(f"plan.task.{n}.group")


def _status(ctx: Context, n: int) -> str:
    for status in ("done", "on_track", "lagging", "overdue", "not_started"):
        if ctx.values.get(f"plan.task.{n}.status.{status}") is not None:
            return status
    return ""


def _targets(ctx: Context, n: int) -> list[str]:
    out = []
    p = 1
    while (fact := ctx.values.get(f"plan.task.{n}.target.{p}")) is not None:
        key = f"plan.task.{n}.target.{p}"
        if fact.value is not None and fact.value != 0:
            if fact.unit == "%":  # a rate against its target: “…91.07%（目标90%）”
                out.append(f"{fact.label}{{{{{key}}}}}（目标{{{{{key}.planned}}}}）")
            else:
                out.append(f"{fact.label}{{{{{key}}}}}{fact.unit}，为计划的{{{{{key}.share}}}}")
        p += 1
    return out


def _task_point(ctx: Context, n: int) -> str:
    fact = ctx.values[f"plan.task.{n}"]
    clauses = [fact.label, *_targets(ctx, n)]
    status = _status(ctx, n)
    if status == "done":
        clauses.append("全面完成年度任务" if ctx.period.kind == "year" else "已完成")
    elif status in BEHIND or status == "on_track":
        clauses.append(f"完成进度{{{{plan.task.{n}}}}}")
    return "，".join(clauses)


def _group(ctx: Context, g: int) -> str:
    points = [_task_point(ctx, n) for n in _tasks(ctx) if _group_of(ctx, n) == g]
    return enumerate_points(points)


def _group_heading(ctx: Context, g: int) -> str:
    fact = ctx.values.get(f"plan.group.{g}")
    return fact.label if fact is not None and fact.value else ""


def _opening(ctx: Context) -> str:
    plan = ""
    if ctx.has("plan.tasks"):
        plan = "紧扣年初确定的{{plan.tasks}}项重点工作，"
    what = (
        f"现将{ctx.year}年工作总结和{ctx.year + 1}年工作思路报告如下："
        if ctx.period.kind == "year"
        else f"现将{ctx.year}年上半年工作总结和下半年工作计划报告如下："
    )
    return (
        f"{{{{period}}}}，{ctx.author}坚持以人民为中心发展教育，{plan}"
        f"统筹推进教育改革发展和校园安全稳定各项工作，{ctx.region}教育事业持续健康发展。{what}"
    )


def _development(ctx: Context) -> str:
    points = []
    if ctx.has("count.kg.enrolled"):
        points.append("在园幼儿{{count.kg.enrolled}}人，{{count.kg.enrolled|change}}")
    compulsory = [
        f"{words}{{{{count.{key}}}}}人"
        for key, words in (("primary.enrolled", "小学在校生"), ("junior.enrolled", "初中在校生"))
        if ctx.has(f"count.{key}")
    ]
    if compulsory:
        points.append("义务教育阶段" + "、".join(compulsory))
    for code, words in INDICATORS:
        key = f"indicator.{code}"
        if ctx.value(key) is not None:
            points.append(f"{words}{{{{{key}}}}}，{{{{{key}|change}}}}，{{{{{key}|gap}}}}")
    if ctx.has("count.teachers"):
        points.append("专任教师{{count.teachers}}人，学历合格率{{indicator.teachers_qualified}}")
    return enumerate_points(points)


def _safety(ctx: Context) -> str:
    points = []
    if ctx.has("inspections.self.submitted"):
        points.append(
            "坚持学校安全隐患月度排查，各校开展月度自查{{inspections.self.submitted}}次，"
            "按时报送率{{inspections.self.on_time_rate}}"
        )
    if ctx.has("hazards.found"):
        points.append(
            "排查发现隐患{{hazards.found}}个，已整改销号{{hazards.closed}}个，"
            "整改率{{hazards.rectification_rate}}，{{hazards.rectification_rate|change}}"
        )
    if ctx.has("drills.count"):
        points.append("开展应急演练{{drills.count}}场次，参与师生{{drills.participants|big}}")
    return enumerate_points(points)


def _problems(ctx: Context) -> str:
    points = []
    behind = [n for n in _tasks(ctx) if _status(ctx, n) in BEHIND]
    if behind:
        named = "；".join(
            f"“{ctx.values[f'plan.task.{n}'].label}”完成进度{{{{plan.task.{n}}}}}"
            + ("，已超过完成时限" if _status(ctx, n) == "overdue" else "，进度滞后")
            for n in behind
        )
        points.append(f"部分重点工作推进不够均衡。{named}")
    short = [
        f"{words}{{{{indicator.{code}}}}}，{{{{indicator.{code}|gap}}}}"
        for code, words in INDICATORS
        if ctx.values.get(f"indicator.{code}.met") is not None
        and not ctx.value(f"indicator.{code}.met")
    ]
    if short:
        points.append("部分教育发展指标尚未达到目标。" + "；".join(short))
    if ctx.has("hazards.overdue"):
        points.append("隐患整改仍有短板，尚有{{hazards.overdue}}个隐患超过整改期限未销号")
    if not points:
        return "对照年初目标，各项工作总体按计划推进，但与人民群众对优质教育的期盼相比仍有差距。"
    return enumerate_points(points)


def _next(ctx: Context) -> str:
    groups = sorted(
        int(key.split(".")[3])
        for key in ctx.values
        if key.startswith("plan.next.group.") and key.count(".") == 3
    )
    if groups:
        points = []
        for g in groups:
            titles = [
                ctx.values[key].label
                for key in ctx.values
                if key.startswith("plan.next.task.") and ctx.value(key) == g
            ]
            head = ctx.values[f"plan.next.group.{g}"].label
            points.append(f"{head}：{'；'.join(titles)}" if titles else head)
        return enumerate_points(points)
    unfinished = [n for n in _tasks(ctx) if _status(ctx, n) != "done"]
    if unfinished:
        named = "、".join(f"“{ctx.values[f'plan.task.{n}'].label}”" for n in unfinished[:8])
        more = f"等{len(unfinished)}项" if len(unfinished) > 8 else ""
        return (
            f"对照年度目标查漏补缺，继续推进{named}{more}尚未完成的工作，"
            "逐项明确牵头股室和完成时限，确保按期完成。"
        )
    return "巩固已有成果，谋划新一年重点工作，推动教育事业高质量发展。"


def _second_half(ctx: Context) -> str:
    open_tasks = [n for n in _tasks(ctx) if _status(ctx, n) != "done"]
    if not open_tasks:
        return "全年重点工作已基本完成，下半年重在巩固成果、总结提升。"
    points = []
    for n in open_tasks:
        fact = ctx.values[f"plan.task.{n}"]
        pending = []
        p = 1
        while (target := ctx.values.get(f"plan.task.{n}.target.{p}")) is not None:
            planned = ctx.values.get(f"plan.task.{n}.target.{p}.planned")
            if planned is not None and planned.value is not None:
                unit = "" if target.unit == "%" else target.unit
                pending.append(f"{target.label}{{{{plan.task.{n}.target.{p}.planned}}}}{unit}")
            p += 1
        goal = f"，确保完成{'、'.join(pending)}的目标" if pending else ""
        points.append(f"{fact.label}{goal}")
    return enumerate_points(points)


def _title(ctx: Context) -> str:
    if ctx.period.kind == "year":
        return f"{ctx.name}{ctx.year}年工作总结和{ctx.year + 1}年工作思路"
    return f"{ctx.name}{ctx.year}年上半年工作总结暨下半年工作计划"


def _recipients(ctx: Context) -> str:
    return ""


def _words(ctx: Context) -> dict[str, str]:
    return {"period": f"{ctx.year}年" if ctx.period.kind == "year" else ctx.period.label}


def _group_sections() -> tuple[SectionSpec, ...]:
    return tuple(
        SectionSpec(
            f"group_{g}",
            "",
            level=2,
            run_in=True,
            draft=partial(_group, g=g),
            heading_for=partial(_group_heading, g=g),
        )
        for g in range(1, GROUP_SLOTS + 1)
    )


ANNUAL_WORK = GenreSpec(
    key="annual_work",
    label="年度工作总结和下一年工作思路",
    owner_department=OWNER,
    period_kinds=("year",),
    scopes=("bureau",),
    sections=(
        SectionSpec("opening", "", level=0, draft=_opening),
        SectionSpec(
            "main",
            "主要工作",
            heading_for=lambda ctx: f"{ctx.year}年主要工作",
            draft=lambda ctx: "",
        ),
        *_group_sections(),
        SectionSpec("development", "教育事业持续发展", level=2, run_in=True, draft=_development),
        SectionSpec("safety", "校园安全持续稳定", level=2, run_in=True, draft=_safety),
        SectionSpec("problems", "存在的主要问题", draft=_problems),
        SectionSpec(
            "next", "工作思路", heading_for=lambda ctx: f"{ctx.year + 1}年工作思路", draft=_next
        ),
    ),
    title=_title,
    recipients=_recipients,
    facts=_facts,
    words=_words,
    summary="按工作要点逐项总结任务完成情况，教育事业发展与校园安全，滞后任务和未达标指标，下一年工作思路",
)

HALF_YEAR_WORK = GenreSpec(
    key="half_year_work",
    label="上半年工作总结暨下半年工作计划",
    owner_department=OWNER,
    period_kinds=("half_year",),
    scopes=("bureau",),
    sections=(
        SectionSpec("opening", "", level=0, draft=_opening),
        SectionSpec("main", "上半年主要工作", draft=lambda ctx: ""),
        *_group_sections(),
        SectionSpec("safety", "校园安全持续稳定", level=2, run_in=True, draft=_safety),
        SectionSpec("problems", "存在的问题", draft=_problems),
        SectionSpec("next", "下半年重点工作", draft=_second_half),
    ),
    title=_title,
    recipients=_recipients,
    facts=_facts,
    words=_words,
    summary="上半年按工作要点逐项推进情况，存在的问题，下半年尚未完成的重点任务",
)
