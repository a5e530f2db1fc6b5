"""A work plan issued as an official notice (seed 003): the 印发通知 — 文号, title
“关于印发《…》的通知”, 主送, one paragraph, 附件说明, 落款 and 成文日期 — with the plan
as its attachment: 一、指导思想 · 二、工作思路 · 三、工作举措, the groups （一）（二）… and
the tasks numbered 1…N through the whole plan, each a run-in heading. Laid out by the
shared GB/T 9704 renderer (:mod:`edubureau.core.officialdoc`)."""

from __future__ import annotations

from edubureau.core.officialdoc.tree import Attachment, OfficialDocument, Section
from edubureau.orgs.models import Bureau, BureauLevel
from edubureau.plans.models import Task, WorkPlan


def default_recipients(bureau: Bureau) -> str:
    """Who a bureau's plan is addressed to, as bureaus write it."""
    if bureau.level == BureauLevel.COUNTY:
        return "各乡镇中心学校，县直各学校、幼儿园，局机关各股室"
    if bureau.level == BureauLevel.CITY:
        return "各县（区）教育局，市直各学校，局机关各科室"
    return "各市（州）教育局，厅直属各单位，厅机关各处室"


def _task_section(task: Task) -> Section:
    body = task.text
    if body.startswith(task.title):
        body = body[len(task.title) :].lstrip("。；，")
    paragraphs = tuple(p for p in body.split("\n") if p.strip())
    return Section(
        heading=task.title, paragraphs=paragraphs, run_in=bool(paragraphs), number=task.number
    )


def plan_document(plan: WorkPlan) -> OfficialDocument:
    """The notice and its plan. A draft has no 文号 or 成文日期 yet: the document shows
    what issuing will print, without them."""
    bureau = plan.bureau
    groups = plan.groups.prefetch_related("tasks").order_by("position")
    works = tuple(
        Section(
            heading=g.title, children=tuple(_task_section(t) for t in g.tasks.order_by("number"))
        )
        for g in groups
    )
    sections = []
    if plan.guiding_idea:
        sections.append(Section("指导思想", paragraphs=tuple(plan.guiding_idea.split("\n"))))
    if plan.approach:
        sections.append(Section("工作思路", paragraphs=tuple(plan.approach.split("\n"))))
    sections.append(Section("工作举措", children=works))
    return OfficialDocument(
        title=f"关于印发《{plan.title}》的通知",
        issuer=bureau.name,
        dated=plan.dated,
        recipients=f"{plan.recipients or default_recipients(bureau)}：",
        opening=(f"现将《{plan.title}》印发给你们，请认真组织学习，结合实际抓好贯彻落实。",),
        attachments=(Attachment(title=plan.title, sections=tuple(sections)),),
        number=plan.number,
        masthead=f"{bureau.name}文件",
        printed_by=f"{bureau.name}办公室",
        printed_on=plan.dated,
    )
