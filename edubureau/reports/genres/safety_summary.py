"""The annual (and half-year) safety work summary, in the shape of seed 004's
fourteen summaries: 领导与责任制 · 制度建设（排查制度） · 宣传教育与演练 · 检查与隐患整改 ·
人防物防技防 · 存在问题 · 下一步打算.

Every number is a placeholder on a safety fact (:func:`edubureau.safety.facts.safety_facts`);
sentences whose numbers are zero are left out, comparisons appear only where the
previous period has data.
"""

from __future__ import annotations

from edubureau.core.phrasing import enumerate_points
from edubureau.reports.genres.base import Context, GenreSpec, SectionSpec
from edubureau.safety.facts import safety_facts
from edubureau.safety.models import Hazard


def _join(*sentences: str) -> str:
    return "".join(s for s in sentences if s)


def _opening(ctx: Context) -> str:
    if ctx.is_school:
        return (
            f"{{{{period}}}}，我校坚持“安全第一、预防为主、综合治理”，认真落实上级关于学校安全工作的部署，"
            f"以隐患排查整改为抓手，{ctx.span}安全形势总体平稳。现将{{{{period}}}}学校安全工作总结如下："
        )
    return (
        f"{{{{period}}}}，{ctx.author}坚持“安全第一、预防为主、综合治理”，压紧压实学校安全责任，"
        f"以隐患排查整改长效机制为抓手，{ctx.region}学校安全形势总体平稳。"
        f"现将{{{{period}}}}工作总结如下："
    )


def _duty(ctx: Context) -> str:
    points = []
    if ctx.has("letters.due.bureau_school") and not ctx.is_school:
        points.append(
            f"签订安全责任书。{ctx.author}与{{{{letters.signed.bureau_school}}}}所学校（幼儿园）"
            "签订安全工作目标责任书，签订率{{letters.rate.bureau_school}}"
        )
    staff, parent = ctx.has("letters.due.school_staff"), ctx.has("letters.due.school_parent")
    if staff or parent:
        who = "各学校" if not ctx.is_school else "学校"
        clauses = []
        if staff:
            clauses.append("与教职工签订责任书{{letters.signed.school_staff|big}}")
        if parent:
            clauses.append("与学生家长签订安全告知书{{letters.signed.school_parent|big}}")
        rates = "和".join(
            r
            for r, on in (
                ("{{letters.rate.school_staff}}", staff),
                ("{{letters.rate.school_parent}}", parent),
            )
            if on
        )
        label = "签订率分别为" if staff and parent else "签订率"
        points.append(f"{who}{'、'.join(clauses)}，{label}{rates}")
    if ctx.has("letters.rate"):
        points.append(
            "责任落实情况纳入年度考核，安全责任书总体签订率{{letters.rate}}，{{letters.rate|change}}"
        )
    if not points:
        return "坚持党政同责、一岗双责，逐级明确安全工作责任，做到责任到岗、任务到人。"
    return enumerate_points(points)


def _system(ctx: Context) -> str:
    sentences = []
    if ctx.has("inspections.self.submitted"):
        sentences.append(
            f"坚持月度排查制度，{ctx.span}"
            f"{'' if ctx.is_school else '各校'}开展月度自查{{{{inspections.self.submitted}}}}次，"
            "按时报送率{{inspections.self.on_time_rate}}，{{inspections.self.on_time_rate|change}}。"
        )
    if ctx.has("inspections.self.schools") and not ctx.is_school:
        sentences.append(
            "{{inspections.self.schools}}所学校按要求开展了月度自查，"
            "占应开展学校的{{inspections.self.schools_rate}}。"
        )
    if ctx.has("inspections.campaigns") and not ctx.is_school:
        sentences.append(
            f"{ctx.author}组织开学前、汛期、节假日前等专项检查{{{{inspections.campaigns}}}}次，"
            "覆盖学校{{inspections.campaign_schools}}所次。"
        )
    if not sentences:
        return "健全安全管理制度，落实日常巡查、月度自查和隐患台账管理制度。"
    return _join(*sentences)


def _education(ctx: Context) -> str:
    points = []
    if ctx.has("drills.count"):
        points.append(
            "开展应急疏散演练{{drills.count}}场次，参与师生{{drills.participants|big}}，"
            "{{drills.count|change}}"
            + (
                "，{{drills.schools_meeting_frequency}}所学校达到演练频次要求，"
                "达标率{{drills.frequency_rate}}"
                if ctx.has("drills.active_schools") and not ctx.is_school
                else ""
            )
        )
    if ctx.has("education.activities"):
        points.append(
            "开展“安全教育第一课”、防溺水、交通安全等专题教育活动{{education.sessions}}场次，"
            "参与师生{{education.participants|big}}"
        )
    if not points:
        return "通过主题班会、专题讲座等形式开展安全教育，组织开展应急疏散演练。"
    return enumerate_points(points)


def _hazards(ctx: Context) -> str:
    if not ctx.has("hazards.found"):
        return "坚持隐患排查与整改同步推进，期内未排查发现安全隐患。"
    severity = "、".join(
        f"{p.label}{{{{{p.key}}}}}个" for p in ctx.parts("hazards.found") if p.value
    )
    of_which = f"，其中{severity}" if severity else ""
    sentences = [
        f"{ctx.span}共排查发现隐患{{{{hazards.found}}}}个，{{{{hazards.found|change}}}}{of_which}；"
        "已整改销号{{hazards.closed}}个，整改率{{hazards.rectification_rate}}，"
        "{{hazards.rectification_rate|change}}。"
    ]
    if ctx.has("hazards.closed_on_time"):
        sentences.append("按期整改率{{hazards.on_time_rate}}，{{hazards.on_time_rate|change}}。")
    if ctx.has("hazards.overdue"):
        escalated = (
            "，其中{{hazards.escalated}}个已挂牌督办" if ctx.has("hazards.escalated") else ""
        )
        sentences.append(f"逾期未整改{{{{hazards.overdue}}}}个{escalated}，已逐一督促落实整改。")
    if ctx.has("hazards.deferred"):
        sentences.append(
            "对{{hazards.deferred}}个暂时无法整改的隐患，督促学校落实临时管控措施并报告上级。"
        )
    top = ctx.parts("hazards.found_by_category")[:3]
    if len(top) >= 2:
        named = "、".join(f"{p.label}{{{{{p.key}}}}}个" for p in top)
        sentences.append(f"隐患较多的类别依次为{named}。")
    if ctx.value("hazards.median_days_to_close") is not None:
        sentences.append("隐患从发现到整改销号用时的中位数为{{hazards.median_days_to_close}}天。")
    return _join(*sentences)


def _security(ctx: Context) -> str:
    points = []
    if ctx.has("security.guards") or ctx.has("security.cameras"):
        clauses = []
        if ctx.has("security.guards"):
            clauses.append("配备专职保安{{security.guards}}人")
        if ctx.has("security.cameras"):
            clauses.append("安装监控摄像头{{security.cameras}}个")
        if ctx.has("security.one_key_alarm"):
            clauses.append("{{security.one_key_alarm}}所学校安装一键报警")
        who = "" if ctx.is_school else f"{ctx.region}学校"
        points.append(who + "，".join(clauses))
    if ctx.has("vehicles.count"):
        points.append(
            "加强校车管理，在册校车及学生专车{{vehicles.count}}辆，安装卫星定位{{vehicles.gps}}辆"
        )
    if ctx.has("canteens.count"):
        points.append(
            "强化食堂食品安全管理，{{canteens.count}}所学校食堂中A级食堂{{canteens.a_grade}}所，占{{canteens.a_grade_share}}"
        )
    if not points:
        return "落实人防、物防、技防措施，加强校园周边治安综合治理。"
    return enumerate_points(points)


def problems(ctx: Context) -> list[str]:
    """The problems the record shows, each with its numbers (as placeholders)."""
    found = []
    if ctx.has("hazards.overdue") or ctx.has("hazards.closed_late"):
        parts = []
        if ctx.has("hazards.overdue"):
            parts.append("仍有{{hazards.overdue}}个隐患逾期未整改")
        if ctx.has("hazards.closed_late"):
            late = f"{ctx.span}有{{{{hazards.closed_late}}}}个隐患超期整改"
            towns = ctx.parts("hazards.closed_late")
            if towns and not ctx.is_school and towns[0].label and len(towns) > 1:
                late += f"，其中{{{{{towns[0].key}}}}}个集中在{towns[0].label}"
            parts.append(late)
        found.append("部分隐患整改不够及时，" + "，".join(parts))
    repeats = ctx.parts("hazards.repeats")
    if repeats:
        top = repeats[0]
        found.append(
            f"同类隐患反复出现，“{top.label}”重复出现{{{{{top.key}}}}}次，"
            f"{ctx.span}重复出现的隐患共{{{{hazards.repeats}}}}个"
        )
    if ctx.has("inspections.self.missing"):
        found.append(
            f"月度自查报送仍有遗漏，{ctx.span}有{{{{inspections.self.missing}}}}次自查未按要求报送"
        )
    meeting, active = (
        ctx.count("drills.schools_meeting_frequency"),
        ctx.count("drills.active_schools"),
    )
    if active and meeting < active and not ctx.is_school:
        found.append(
            "应急演练开展不够均衡，{{drills.active_schools}}所学校中仅"
            "{{drills.schools_meeting_frequency}}所达到演练频次要求"
            if meeting
            else "应急演练开展不够到位，{{drills.active_schools}}所学校均未达到演练频次要求"
        )
    signed, due = ctx.count("letters.signed"), ctx.count("letters.due")
    if due and signed < due:
        found.append("安全责任书签订尚未全覆盖，应签{{letters.due}}份，已签{{letters.signed}}份")
    if ctx.has("vehicles.expiring"):
        found.append("校车管理仍有薄弱环节，{{vehicles.expiring}}辆车的证件将于30日内到期或已过期")
    return found


def _problems(ctx: Context) -> str:
    found = problems(ctx)
    if not found:
        return "对照上级要求，学校安全工作仍需在隐患整改时效、安全教育针对性等方面持续用力。"
    return enumerate_points(found)


def _next(ctx: Context) -> str:
    steps = []
    if ctx.has("hazards.overdue") or ctx.has("hazards.closed_late"):
        steps.append("紧盯逾期和超期隐患，实行挂牌督办、销号管理，确保隐患动态清零")
    if ctx.parts("hazards.repeats"):
        steps.append("针对反复出现的隐患开展专项治理，从制度和投入上解决根源问题")
    if ctx.has("inspections.self.missing"):
        steps.append("严格落实月度自查报送制度，对未按时报送的学校及时通报、约谈")
    if ctx.count("drills.schools_meeting_frequency") < ctx.count("drills.active_schools"):
        steps.append("督促演练次数不足的学校按规定频次开展应急疏散演练")
    if ctx.count("letters.signed") < ctx.count("letters.due"):
        steps.append("督促未签订安全责任书的学校限期完成签订，做到全覆盖")
    if ctx.has("vehicles.expiring"):
        steps.append("督促证件即将到期的校车及时年检、换证，杜绝带病运行")
    steps.append("持续开展安全教育和应急演练，提升师生安全意识和自救自护能力")
    return enumerate_points(steps)


def _next_heading(ctx: Context) -> str:
    if ctx.period.kind == "half_year" and ctx.period.start.month == 1:
        return "下半年工作打算"
    return f"{ctx.year + 1}年工作打算"


def _title(ctx: Context) -> str:
    return f"{ctx.name}{ctx.period.label}学校安全工作总结"


def _recipients(ctx: Context) -> str:
    if ctx.is_school:
        return ""
    return "上级教育行政部门："


def _words(ctx: Context) -> dict[str, str]:
    return {"period": ctx.period.label, "region": ctx.region}


SECTIONS = (
    SectionSpec("opening", "", level=0, draft=_opening),
    SectionSpec("work", "主要工作"),
    SectionSpec(
        "duty",
        "层层压实责任，安全责任体系更加健全",
        level=2,
        run_in=True,
        uses=("letters.signed", "letters.due", "letters.rate"),
        draft=_duty,
    ),
    SectionSpec(
        "system",
        "坚持月度排查，安全管理制度有效落实",
        level=2,
        run_in=True,
        uses=(
            "inspections.self.submitted",
            "inspections.self.on_time_rate",
            "inspections.campaigns",
        ),
        draft=_system,
    ),
    SectionSpec(
        "education",
        "强化宣传演练，师生安全素养持续提升",
        level=2,
        run_in=True,
        uses=("drills.count", "drills.participants", "education.sessions"),
        draft=_education,
    ),
    SectionSpec(
        "hazards",
        "狠抓隐患整改，排查整改形成闭环",
        level=2,
        run_in=True,
        uses=("hazards.found", "hazards.closed", "hazards.rectification_rate", "hazards.overdue"),
        draft=_hazards,
    ),
    SectionSpec(
        "security",
        "夯实人防物防技防，校园安全保障能力不断增强",
        level=2,
        run_in=True,
        uses=("security.guards", "security.cameras", "vehicles.count", "canteens.count"),
        draft=_security,
    ),
    SectionSpec(
        "problems",
        "存在的主要问题",
        uses=(
            "hazards.overdue",
            "hazards.closed_late",
            "hazards.repeats",
            "inspections.self.missing",
        ),
        draft=_problems,
    ),
    SectionSpec("next", "下一步工作打算", draft=_next, heading_for=_next_heading),
)


ANNUAL_SAFETY = GenreSpec(
    key="annual_safety",
    label="年度学校安全工作总结",
    owner_department=Hazard.owner_department_code,
    period_kinds=("year",),
    scopes=("bureau", "school", "assigned"),
    sections=SECTIONS,
    title=_title,
    recipients=_recipients,
    facts=safety_facts,
    summary="领导与责任制、排查制度、宣传教育与演练、隐患整改、人防物防技防、存在问题、下一步打算",
    words=_words,
)

HALF_YEAR_SAFETY = GenreSpec(
    key="half_year_safety",
    label="半年学校安全工作总结",
    owner_department=Hazard.owner_department_code,
    period_kinds=("half_year",),
    scopes=("bureau", "school", "assigned"),
    sections=SECTIONS,
    title=_title,
    recipients=_recipients,
    facts=safety_facts,
    summary="上半年（下半年）安全工作的主要做法、存在问题和下一阶段打算",
    words=_words,
)
