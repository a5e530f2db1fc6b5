"""What people do with reports: draft one from the record, edit it, regenerate its
numbers, approve, issue with a 发文字号, export.

Who may do what is decided here and in :class:`~edubureau.reports.models.ReportQuerySet`
(read and edit); views only call these functions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from edubureau.audit.models import Action
from edubureau.audit.services import audit_log
from edubureau.core.concurrency import LoadedVersion, ensure_unchanged
from edubureau.core.facts import FactSet, Period
from edubureau.core.officialdoc import (
    OfficialDocument,
    Section,
    Table,
    docx_to_pdf,
    render_docx,
)
from edubureau.core.roles import Role
from edubureau.orgs.models import Bureau, School
from edubureau.orgs.scoping import SchoolScope, is_department_staff, scope_for
from edubureau.orgs.services import numbering
from edubureau.reports import notices, placeholders
from edubureau.reports.genres import GENRES, Context, GenreSpec, genre
from edubureau.reports.genres.rectification_notice import with_open_hazards
from edubureau.reports.models import (
    GenreVariant,
    Report,
    ReportSection,
    ReportStatus,
    is_principal_of,
    receipt_overdue_q,
)
from edubureau.reports.placeholders import Values
from edubureau.safety.circulars import REGION_WORDS
from edubureau.safety.models import Campaign, Hazard

logger = logging.getLogger(__name__)

CHASE_ACTOR_NAME = "系统（整改通知书回执催办任务）"


class ReportError(ValueError):
    """A refused report action, with a Chinese message for the user."""


# Who may -----------------------------------------------------------------------


def genres_for(user: Any) -> list[GenreSpec]:
    """The genres ``user`` may draft: a bureau's department staff those their
    department owns, a school's accounts and inspectors every genre with their scope."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.role == Role.DEPARTMENT_STAFF:
        return [g for g in GENRES.values() if is_department_staff(user, g.owner_department)]
    if user.role == Role.SCHOOL_USER and user.school_id and not user.read_only:
        return [g for g in GENRES.values() if "school" in g.scopes]
    if user.role == Role.INSPECTOR:
        return [g for g in GENRES.values() if "assigned" in g.scopes]
    return []


def can_edit(user: Any, report: Report) -> bool:
    if not report.is_draft or report.generating:
        return False
    if not Report.objects.writable_by(user).filter(pk=report.pk).exists():
        return False
    return (
        report.school_id is not None
        or report.inspector_id is not None
        or any(g.key == report.genre for g in genres_for(user))
    )


def can_approve(user: Any, report: Report) -> bool:
    """A bureau's (or an inspector's) report is approved by a leader of its bureau; a
    school's by its principal."""
    if report.status != ReportStatus.DRAFT or not user.is_authenticated or not user.is_active:
        return False
    if report.generating or report.generation_error:
        return False
    return _reviews(user, report)


def _reviews(user: Any, report: Report) -> bool:
    """Who may approve or send back a report: a leader of its bureau; for a school's
    own report, its principal."""
    if report.school_id:
        return is_principal_of(user, report.school_id)
    return bool(
        user.is_authenticated
        and user.is_active
        and user.role == Role.BUREAU_LEADER
        and user.bureau_id == report.bureau_id
    )


def can_submit(user: Any, report: Report) -> bool:
    """送审: a draft not yet sent, by who may edit it."""
    return report.submitted_at is None and not report.generation_error and can_edit(user, report)


def can_issue(user: Any, report: Report) -> bool:
    """An approved report is issued by who drafts it or who approved it."""
    if report.status != ReportStatus.APPROVED:
        return False
    drafts = Report.objects.writable_by(user).filter(pk=report.pk).exists()
    leads = bool(
        user.is_authenticated
        and user.role == Role.BUREAU_LEADER
        and user.bureau_id == report.bureau_id
        and report.school_id is None
    )
    return drafts or leads or is_principal_of(user, report.school_id)


def can_return(user: Any, report: Report) -> bool:
    """A draft sent for review, or an approved report not yet issued, goes back to its
    drafter by whoever could approve it."""
    if not (report.status == ReportStatus.APPROVED or report.awaits_review):
        return False
    return _reviews(user, report)


# Scope and words -------------------------------------------------------------------


def scope_of(report: Report, user: Any) -> SchoolScope:
    """The schools a report speaks about, as ``user`` reaches them through the door."""
    if report.school_id:
        return scope_for(user, school=report.school_id)
    if report.to_school_id:
        return scope_for(user, school=report.to_school_id)
    if report.inspector_id:
        if user.pk != report.inspector_id:
            raise ReportError("责任督学的报告只能由其本人生成")
        return scope_for(user)
    return scope_for(user, bureau=report.bureau_id)


def period_of(report: Report) -> Period:
    return Period(report.period_start, report.period_end, report.period_label, report.period_kind)


@dataclass(frozen=True)
class Voice:
    region: str
    author: str
    name: str
    issuer: str


def voice(*, bureau: Bureau, school: School | None, inspector: Any) -> Voice:
    if school is not None:
        return Voice("我校", "我校", school.name, school.name)
    if inspector is not None:
        name = f"{inspector.display_name}责任区"
        return Voice("责任区", "责任督学", name, f"责任督学{inspector.display_name}")
    return Voice(REGION_WORDS.get(bureau.level, "全县"), bureau.name, bureau.name, bureau.name)


def _context(report: Report, values: Values, today: date) -> Context:
    v = voice(bureau=report.bureau, school=report.school, inspector=report.inspector)
    return Context(
        values=values,
        period=period_of(report),
        scope_kind=report.scope_kind,
        region=v.region,
        author=v.author,
        name=v.name,
        today=today,
    )


# Drafting ---------------------------------------------------------------------------


def parse_period(
    genre_key: str, year: int | None, half: int | None = None, month: int | None = None
) -> Period:
    """The period a genre is drafted for, from the form's year (and half or month)."""
    spec = genre(genre_key)
    if year is None or not 2000 <= year <= 2100:
        raise ReportError("年份须在2000年到2100年之间")
    if "half_year" in spec.period_kinds:
        if half not in (1, 2):
            raise ReportError("请选择上半年或下半年")
        return Period.half_year(year, half)
    if "month" in spec.period_kinds:
        if month is None or not 1 <= month <= 12:
            raise ReportError("请选择月份")
        return Period.month(year, month)
    if "school_year" in spec.period_kinds:
        return Period.school_year(year)
    return Period.calendar_year(year)


def campaign_period(campaign: Campaign) -> Period:
    return Period(campaign.starts_on, campaign.ends_on, campaign.name, "campaign")


def campaigns_for(user: Any) -> QuerySet[Campaign]:
    """The campaigns whose circular the user may draft: their own bureau's."""
    if user.role != Role.DEPARTMENT_STAFF or not user.bureau_id:
        return Campaign.objects.none()
    return Campaign.objects.visible_to(user).filter(bureau_id=user.bureau_id).order_by("-starts_on")


def notice_schools(user: Any) -> QuerySet[School]:
    """The schools a notice may be addressed to: those whose safety records the user's
    bureau keeps (the door's write rule) and that have hazards not yet rectified, each
    with how many (``open_hazards``): a notice with nothing to rectify is not sent."""
    from edubureau.orgs.scoping import schools_writable_by

    if user.role != Role.DEPARTMENT_STAFF:
        return School.objects.none()
    keeps = schools_writable_by(user, owner=Hazard.owner_department_code)
    return with_open_hazards(keeps).order_by("name")


def create_report(
    *,
    user: Any,
    genre_key: str,
    period: Period | None = None,
    campaign: Campaign | None = None,
    to_school: School | None = None,
) -> Report:
    """A new draft of ``genre_key`` over ``period`` (a campaign circular: over its
    campaign): a bureau's for its department staff, the user's school's for a school
    account, the assigned schools' for an inspector."""
    spec = genre(genre_key)
    if spec not in genres_for(user):
        raise ReportError(f"您不能起草“{spec.label}”")
    if spec.needs_campaign:
        if campaign is None or not campaigns_for(user).filter(pk=campaign.pk).exists():
            raise ReportError("请选择本局组织的专项检查")
        period = campaign_period(campaign)
    else:
        campaign = None
    if spec.needs_school:
        if to_school is None or not notice_schools(user).filter(pk=to_school.pk).exists():
            raise ReportError("请选择本局管理、有未完成整改隐患的学校")
        today = timezone.localdate()
        period = Period(today, today, f"{today.year}年{today.month}月{today.day}日", "notice")
    else:
        to_school = None
    if period is None:
        raise ReportError("请选择期间")
    if period.kind not in spec.period_kinds:
        raise ReportError(
            f"“{spec.label}”的期间须为{'半年' if 'half_year' in spec.period_kinds else '年度'}"
        )
    if period.start > timezone.localdate():
        raise ReportError("不能为尚未开始的期间起草总结")
    school = user.school if user.role == Role.SCHOOL_USER else None
    inspector = user if user.role == Role.INSPECTOR else None
    bureau = school.bureau if school is not None else user.bureau
    v = voice(bureau=bureau, school=school, inspector=inspector)
    report = Report(
        bureau=bureau,
        school=school,
        inspector=inspector,
        genre=spec.key,
        campaign=campaign,
        to_school=to_school,
        period_kind=period.kind,
        period_start=period.start,
        period_end=period.end,
        period_label=period.label,
        title="",
        issuer=v.issuer,
        created_by=user,
    )
    background = _is_large(report, user)
    with transaction.atomic():
        if background:
            report.title = f"{v.name}{period.label}{spec.label}（正在生成）"
            report.generating, report.progress = True, 5
            report.save()
            _enqueue(report, user, fresh=True)
        else:
            report.save()
            _generate(report, user=user, spec=spec, fresh=True)
        audit_log(actor=user, action=Action.CREATE, obj=report, detail=f"起草{spec.label}")
    return report


def _is_large(report: Report, user: Any) -> bool:
    """Whether drafting reads enough schools to run in the worker with a progress bar
    (``REPORTS_BACKGROUND_SCHOOLS``; a county's 150 schools take well under a second)."""
    limit = int(getattr(settings, "REPORTS_BACKGROUND_SCHOOLS", 1000))
    return scope_of(report, user).schools().count() > limit


def _enqueue(report: Report, user: Any, *, fresh: bool) -> None:
    from edubureau.reports.tasks import generate_report

    transaction.on_commit(
        partial(generate_report.enqueue, report_id=report.pk, user_id=user.pk, fresh=fresh)
    )


def run_queued_generation(*, report_id: int, user_id: int, fresh: bool) -> str:
    """The worker's side of a queued generation: progress saved as it goes, a failure
    kept on the report (in Chinese) instead of lost in the worker's log."""
    from edubureau.orgs.models import User

    report = Report.objects.filter(pk=report_id, generating=True).first()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if report is None or user is None:
        return "skipped"

    def progress(percent: int) -> None:
        Report.objects.filter(pk=report_id).update(progress=percent)

    try:
        with transaction.atomic():
            _generate(report, user=user, spec=genre(report.genre), fresh=fresh, progress=progress)
            Report.objects.filter(pk=report_id).update(
                generating=False, progress=100, generation_error=""
            )
    except Exception as error:  # the report must say it failed, whatever failed
        logger.exception("report %s: generation failed", report_id)
        Report.objects.filter(pk=report_id).update(
            generating=False, generation_error=f"生成失败：{str(error)[:200]}"
        )
        return "failed"
    return "done"


def regenerate(report: Report, *, user: Any, loaded_version: LoadedVersion) -> list[str]:
    """Refresh every number from the record: sections nobody edited are drafted anew,
    edited ones keep their text and have their placeholders refilled. Returns the
    placeholders whose value changed (they are highlighted until checked)."""
    if not can_edit(user, report):
        raise ReportError("只有草稿状态的报告可以由起草人重新生成")
    if report.generating:
        raise ReportError("报告正在生成中，请稍候")
    background = _is_large(report, user)
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        ensure_unchanged(locked, loaded_version, what="该报告")
        if background:
            locked.generating, locked.progress, locked.generation_error = True, 5, ""
            locked.save()
            _enqueue(locked, user, fresh=False)
            changed: list[str] = []
        else:
            changed = _generate(locked, user=user, spec=genre(locked.genre), fresh=False)
        audit_log(actor=user, action=Action.UPDATE, obj=locked, detail="重新生成报告数据")
    report.refresh_from_db()
    return changed


def _generate(
    report: Report,
    *,
    user: Any,
    spec: GenreSpec,
    fresh: bool,
    progress: Callable[[int], None] | None = None,
) -> list[str]:
    today = timezone.localdate()
    scope = scope_of(report, user)
    if progress:
        progress(10)
    if spec.reply_by is not None:
        report.reply_by = spec.reply_by(scope=scope, today=today)
    if spec.outline is not None:
        drafts = _drafts_of_outline(report, spec.outline(report=report, scope=scope, today=today))
        values = Values(None)
    else:
        facts = spec.fact_set(scope=scope, period=period_of(report), today=today)
        values = Values(facts)
        ctx = _context(report, values, today)
        values.words.update(spec.words(ctx))
        if progress:
            progress(70)  # the facts are nearly all of the work
        drafts = _drafts_of_sections(spec, ctx)
        if fresh or not report.title_edited:
            report.title = spec.title(ctx) if spec.title else spec.label
        if fresh and spec.recipients:
            report.recipients = spec.recipients(ctx)
        report.facts_snapshot = facts.to_json() if facts is not None else {}
    report.generated_at = timezone.now()
    report.generation_error = ""
    report.save()
    existing = {s.key: s for s in report.sections.all()}
    variant = _variant_of(report, spec) if fresh else None
    changed_all: list[str] = []
    for position, draft in enumerate(drafts):
        section = existing.pop(draft.key, None)
        if section is None:
            section = ReportSection(report=report, key=draft.key, position=position)
        elif spec.outline is not None:
            section.position = position  # an outline's parts follow the module's order
        section.level, section.run_in = draft.level, draft.run_in
        if not section.edited:
            section.text = draft.text
        if not section.heading_edited:
            section.heading = draft.heading
        section.generated = draft.text
        section.tables = list(draft.tables)
        _, filled = placeholders.fill(section.text, values)
        changed = placeholders.changed_tokens(section.values or {}, filled) if section.pk else []
        section.changed = sorted(set(section.changed or []) | set(changed))
        section.values = filled
        section.save()
        changed_all.extend(f"{section.key}:{token}" for token in changed)
    # A part the new draft no longer has (an outline's section that emptied) goes,
    # unless a person wrote in it or added it.
    for gone in existing.values():
        if gone.custom or gone.edited:
            _, gone.values = placeholders.fill(gone.text, values)
            gone.save(update_fields=["values"])
        else:
            gone.delete()
    if variant is not None:
        apply_layout(report, variant.layout)
    return changed_all


def _variant_of(report: Report, spec: GenreSpec) -> GenreVariant | None:
    if report.school_id or report.inspector_id or report.to_school_id or spec.outline:
        return None
    return GenreVariant.objects.filter(bureau_id=report.bureau_id, genre=spec.key).first()


def apply_layout(report: Report, layout: list[dict[str, Any]]) -> None:
    """Give a fresh draft the bureau's shape: order, headings, parts left out, parts
    added. Parts of the genre the layout does not know keep their place at the end."""
    sections = {s.key: s for s in report.sections.all()}
    position = 0
    for part in layout:
        key = str(part.get("key", ""))[:60]
        section = sections.pop(key, None)
        if section is None:
            if not part.get("custom"):
                continue  # a part the genre no longer has
            section = ReportSection(report=report, key=key, custom=True, edited=True)
            section.text = str(part.get("text", ""))
            section.level = min(max(int(part.get("level", 1)), 1), 3)
        heading = str(part.get("heading", ""))[:120]
        if heading and heading != section.heading:
            section.heading, section.heading_edited = heading, True
        section.enabled = bool(part.get("enabled", True))
        section.position = position
        position += 1
        section.save()
    for section in sorted(sections.values(), key=lambda s: s.position):
        section.position = position
        position += 1
        section.save(update_fields=["position"])


@dataclass(frozen=True)
class Draft:
    key: str
    level: int
    heading: str
    text: str
    run_in: bool = False
    tables: tuple[dict[str, Any], ...] = ()


def _drafts_of_sections(spec: GenreSpec, ctx: Context) -> list[Draft]:
    return [
        Draft(
            key=s.key,
            level=s.level,
            heading=s.heading_in(ctx),
            text=s.draft(ctx) if s.draft else "",
            run_in=s.run_in,
        )
        for s in spec.sections
    ]


def _drafts_of_outline(report: Report, document: OfficialDocument) -> list[Draft]:
    """A whole document written by its module, as sections keyed by their place
    ("s2.1"): its title and 主送 become the report's, its tables the sections'."""
    if not report.title_edited:
        report.title = document.title
    report.recipients = document.recipients
    drafts = [Draft("opening", 0, "", "\n".join(document.opening))]

    def walk(sections: Any, path: str, level: int) -> None:
        for i, section in enumerate(sections, start=1):
            key = f"{path}{i}" if not path else f"{path}.{i}"
            drafts.append(
                Draft(
                    key=f"s{key}",
                    level=level,
                    heading=section.heading,
                    text="\n".join(section.paragraphs),
                    run_in=getattr(section, "run_in", False),
                    tables=tuple(
                        {
                            "caption": t.caption,
                            "headers": list(t.headers),
                            "rows": [list(r) for r in t.rows],
                        }
                        for t in section.tables
                    ),
                )
            )
            walk(section.children, key, level + 1)

    walk(document.sections, "", 1)
    closing = tuple(getattr(document, "closing", ()))
    if closing:
        drafts.append(Draft("closing", 0, "", "\n".join(closing)))
    return drafts


def section_values(report: Report) -> Values:
    """The values of the last generation, rebuilt from the snapshot (for checking an
    edited text's placeholders without recomputing the facts)."""
    facts = FactSet.from_json(report.facts_snapshot) if report.facts_snapshot else None
    values = Values(facts)
    spec = genre(report.genre)
    if spec.outline is None:
        ctx = _context(report, values, timezone.localdate())
        values.words.update(spec.words(ctx))
    return values


def save_section(
    report: Report,
    *,
    user: Any,
    key: str,
    heading: str,
    text: str,
    loaded_version: LoadedVersion,
) -> ReportSection:
    """A person's edit of one section. Its placeholders must name known facts; the
    section is marked edited so regeneration keeps the wording."""
    if not can_edit(user, report):
        raise ReportError("只有草稿状态的报告可以由起草人修改")
    heading, text = heading.strip(), text.strip().replace("\r\n", "\n")
    if len(heading) > 120:
        raise ReportError("标题不能超过120个字")
    if len(text) > 20000:
        raise ReportError("一个段落的正文不能超过20000个字")
    values = section_values(report)
    problems = placeholders.problems(text, values)
    if problems:
        raise ReportError("；".join(problems))
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        ensure_unchanged(locked, loaded_version, what="该报告")
        if not locked.is_draft:
            raise ReportError("报告已审核或印发，不能再修改")
        section = locked.sections.filter(key=key).first()
        if section is None:
            raise ReportError("该段落不存在")
        before = {"heading": section.heading, "text": section.text}
        if text != section.text:
            section.edited = True
        if heading != section.heading:
            section.heading_edited = True
        section.heading, section.text = heading, text
        _, section.values = placeholders.fill(text, values)
        section.changed = []
        section.save()
        locked.save(update_fields=["updated_at"])
        audit_log(
            actor=user,
            action=Action.UPDATE,
            obj=locked,
            changes={"section": key, "before": before, "after": {"heading": heading, "text": text}},
            detail=f"修改段落“{heading or key}”",
        )
    report.refresh_from_db()
    return section


def reset_section(report: Report, *, user: Any, key: str, loaded_version: LoadedVersion) -> None:
    """Drop a person's wording and go back to the generated text."""
    if not can_edit(user, report):
        raise ReportError("只有草稿状态的报告可以由起草人修改")
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        ensure_unchanged(locked, loaded_version, what="该报告")
        section = locked.sections.filter(key=key).first()
        if section is None:
            raise ReportError("该段落不存在")
        section.text, section.edited, section.changed = section.generated, False, []
        _, section.values = placeholders.fill(section.text, section_values(locked))
        section.save()
        locked.save(update_fields=["updated_at"])
        audit_log(
            actor=user,
            action=Action.UPDATE,
            obj=locked,
            detail=f"段落“{section.heading or key}”恢复为生成的正文",
        )
    report.refresh_from_db()


def change_layout(
    report: Report,
    *,
    user: Any,
    key: str,
    action: str,
    loaded_version: LoadedVersion,
    heading: str = "",
    text: str = "",
    level: int = 2,
) -> None:
    """Move a part up or down, leave it out or take it back, or add a part of one's own
    after it (``action``: up, down, drop, restore, add, remove)."""
    if not can_edit(user, report):
        raise ReportError("只有草稿状态的报告可以由起草人修改")
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        ensure_unchanged(locked, loaded_version, what="该报告")
        parts = list(locked.sections.all())
        index = next((i for i, s in enumerate(parts) if s.key == key), None)
        if index is None:
            raise ReportError("该段落不存在")
        section = parts[index]
        if action in ("up", "down"):
            other = index - 1 if action == "up" else index + 1
            if not 0 <= other < len(parts):
                raise ReportError("已经是第一段" if action == "up" else "已经是最后一段")
            parts[index], parts[other] = parts[other], parts[index]
        elif action in ("drop", "restore"):
            section.enabled = action == "restore"
            section.save(update_fields=["enabled"])
        elif action == "remove":
            if not section.custom:
                raise ReportError("只能删除自行添加的段落；生成的段落可以选择“不纳入正文”")
            parts.pop(index)
            section.delete()
        elif action == "add":
            heading = heading.strip()
            if not heading:
                raise ReportError("请填写新段落的标题")
            if len(heading) > 120:
                raise ReportError("标题不能超过120个字")
            values = section_values(locked)
            problems = placeholders.problems(text, values)
            if problems:
                raise ReportError("；".join(problems))
            added = ReportSection(
                report=locked,
                key=_new_key(parts),
                level=min(max(level, 1), 3),
                heading=heading,
                heading_edited=True,
                text=text.strip(),
                custom=True,
                edited=True,
                position=0,
            )
            _, added.values = placeholders.fill(added.text, values)
            added.save()
            parts.insert(index + 1, added)
        else:
            raise ReportError("无法识别的操作")
        for position, part in enumerate(parts):
            if part.position != position:
                part.position = position
                part.save(update_fields=["position"])
        locked.save(update_fields=["updated_at"])
        audit_log(
            actor=user,
            action=Action.UPDATE,
            obj=locked,
            changes={"section": key, "action": action, "heading": heading},
            detail="调整报告结构",
        )
    report.refresh_from_db()


def _new_key(parts: list[ReportSection]) -> str:
    taken = {p.key for p in parts}
    n = 1
    while f"custom{n}" in taken:
        n += 1
    return f"custom{n}"


def can_save_variant(user: Any, report: Report) -> bool:
    """A bureau's safety (genre-owning) staff keep the bureau's shape of a genre."""
    return bool(
        report.school_id is None
        and report.inspector_id is None
        and report.to_school_id is None
        and genre(report.genre).outline is None
        and user.is_authenticated
        and user.role == Role.DEPARTMENT_STAFF
        and user.bureau_id == report.bureau_id
        and any(g.key == report.genre for g in genres_for(user))
    )


def save_variant(report: Report, *, user: Any) -> GenreVariant:
    """Keep this report's shape (order, headings, parts left out, parts added) as the
    bureau's for the genre: every later draft starts from it."""
    if not can_save_variant(user, report):
        raise ReportError("只有本局起草该文种的股室工作人员可以保存本局模板")
    layout = [
        {
            "key": s.key,
            "heading": s.heading,
            "level": s.level,
            "enabled": s.enabled,
            "custom": s.custom,
            **({"text": s.text} if s.custom else {}),
        }
        for s in report.sections.all()
    ]
    variant, _ = GenreVariant.objects.update_or_create(
        bureau_id=report.bureau_id,
        genre=report.genre,
        defaults={"layout": layout, "updated_by": user},
    )
    audit_log(actor=user, action=Action.UPDATE, obj=variant, detail="保存本局文种模板")
    return variant


def forget_variant(report: Report, *, user: Any) -> None:
    if not can_save_variant(user, report):
        raise ReportError("只有本局起草该文种的股室工作人员可以恢复默认模板")
    deleted, _ = GenreVariant.objects.filter(
        bureau_id=report.bureau_id, genre=report.genre
    ).delete()
    if deleted:
        audit_log(actor=user, action=Action.DELETE, obj=report, detail="恢复该文种的默认结构")


# The lifecycle ------------------------------------------------------------------------


def submit_for_review(report: Report, *, user: Any, loaded_version: LoadedVersion) -> None:
    """送审: ask the reviewers (``ReportQuerySet.awaiting_review_by``) to approve the
    draft; they are told and find it on their workbench. The draft stays editable."""
    if not can_submit(user, report):
        raise ReportError("只有可编辑、尚未送审的草稿可以送审")
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        ensure_unchanged(locked, loaded_version, what="该报告")
        if not can_submit(user, locked):
            raise ReportError("该报告已被他人送审或审核，请刷新页面")
        locked.submitted_by, locked.submitted_at = user, timezone.now()
        locked.return_reason = ""
        locked.save()
        to = notices.reviewers(locked)
        if not to:
            who = "本校校长" if locked.school_id else "本局局领导"
            raise ReportError(f"{who}还没有可用的账号，无法送审，请联系系统管理员")
        audit_log(
            actor=user,
            action=Action.UPDATE,
            obj=locked,
            detail=f"送审（{'、'.join(u.display_name for u in to)}）",
        )
        notices.submitted(locked, actor=user, to=to)
    report.refresh_from_db()


def approve(report: Report, *, user: Any, loaded_version: LoadedVersion) -> None:
    if not can_approve(user, report):
        raise ReportError("您不能审核该报告（须为草稿，且由本局领导或本校校长审核）")
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        ensure_unchanged(locked, loaded_version, what="该报告")
        locked.status = ReportStatus.APPROVED
        locked.approved_by, locked.approved_at = user, timezone.now()
        locked.return_reason = ""
        locked.save()
        # Approving is reviewing: the numbers a regeneration changed count as checked.
        locked.sections.exclude(changed=[]).update(changed=[])
        audit_log(actor=user, action=Action.UPDATE, obj=locked, detail="审核通过")
        notices.approved(locked, actor=user, drafters=notices.drafters_of(locked))
    report.refresh_from_db()


def return_to_draft(
    report: Report, *, user: Any, reason: str, loaded_version: LoadedVersion
) -> None:
    """Send a draft waiting for review, or an approved report not yet issued, back to
    its drafter with the reason (shown on the report and in the message)."""
    if not can_return(user, report):
        raise ReportError("只有待审核或已审核、未印发的报告可以退回修改")
    reason = " ".join(reason.split())[:200] or "未说明理由"
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        ensure_unchanged(locked, loaded_version, what="该报告")
        drafters = notices.drafters_of(locked)
        locked.status = ReportStatus.DRAFT
        locked.approved_by, locked.approved_at = None, None
        locked.submitted_by, locked.submitted_at = None, None
        locked.return_reason = reason
        locked.save()
        audit_log(actor=user, action=Action.UPDATE, obj=locked, detail=f"退回修改：{reason}")
        notices.returned(locked, actor=user, drafters=drafters)
    report.refresh_from_db()


def issue(
    report: Report, *, user: Any, dated: date | None = None, loaded_version: LoadedVersion
) -> None:
    """Allocate the 发文字号 (bureaus' reports), fix the 成文日期 and freeze the .docx.

    The number comes from the counter row of (bureau, 代字, year), locked in the same
    transaction that issues the report: two issues at once get consecutive numbers,
    and a failed issue gives its number back (no gap)."""
    if not can_issue(user, report):
        raise ReportError("只有已审核的报告可以印发")
    dated = dated or timezone.localdate()
    if dated > timezone.localdate():
        raise ReportError("成文日期不能晚于今天")
    if dated < report.period_start:
        raise ReportError("成文日期不能早于报告期间")
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        ensure_unchanged(locked, loaded_version, what="该报告")
        if locked.status != ReportStatus.APPROVED:
            raise ReportError("该报告已被他人印发或退回，请刷新页面")
        if locked.school_id is None and locked.inspector_id is None:
            code = locked.bureau.issuer_code.strip()
            if not code:
                raise ReportError("本局尚未设置发文机关代字，请管理员在教育局信息中填写后再印发")
            locked.issuer_code, locked.year = code, dated.year
            locked.serial = numbering.next_serial(locked.bureau, code, dated.year)
            locked.number = numbering.document_number(code, dated.year, locked.serial)
        locked.dated = dated
        locked.status = ReportStatus.ISSUED
        locked.issued_by, locked.issued_at = user, timezone.now()
        locked.docx = render_docx(document_of(locked))
        locked.save()
        audit_log(
            actor=user,
            action=Action.UPDATE,
            obj=locked,
            detail=f"印发{('，文号' + locked.number) if locked.number else ''}",
        )
        notices.notice_issued(locked, actor=user)
    report.refresh_from_db()


def can_reply(user: Any, report: Report) -> bool:
    """The addressed school's (not read-only) accounts answer an issued notice, and
    correct the answer until the bureau has accepted it."""
    return bool(
        report.is_issued
        and report.to_school_id
        and report.receipt_checked_at is None
        and user.is_authenticated
        and user.is_active
        and user.role == Role.SCHOOL_USER
        and user.school_id == report.to_school_id
        and not user.read_only
    )


def submit_receipt(report: Report, *, user: Any, text: str, loaded_version: LoadedVersion) -> None:
    """The school's 回执: how it rectified what the notice listed. It may be sent
    again (corrected) until the bureau accepts it; each sending is in the audit log."""
    if not can_reply(user, report):
        raise ReportError("只有受文学校可以对已印发的整改通知书填写回执")
    text = text.strip()
    if not text:
        raise ReportError("请填写整改情况")
    if len(text) > 5000:
        raise ReportError("回执不能超过5000个字")
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        ensure_unchanged(locked, loaded_version, what="该通知书")
        before = locked.receipt_text
        locked.receipt_text, locked.receipt_by, locked.receipt_at = text, user, timezone.now()
        locked.receipt_note = ""  # answered again: what the bureau asked for is addressed
        locked.save()
        audit_log(
            actor=user,
            action=Action.UPDATE,
            obj=locked,
            changes={"receipt_text": [before, text]},
            detail="填写整改通知书回执",
            school_id=locked.to_school_id,
        )
        notices.receipt_sent(locked, actor=user)
    report.refresh_from_db()


def _keeps_notice(user: Any, report: Report) -> bool:
    """The department that drafts the bureau's notices (who may write this one) keeps
    it after it is issued: it reads the school's 回执 and chases a missing one."""
    return bool(
        report.is_issued
        and report.to_school_id
        and user.is_authenticated
        and user.is_active
        and any(g.key == report.genre for g in genres_for(user))
        and Report.objects.writable_by(user).filter(pk=report.pk).exists()
    )


def can_check_receipt(user: Any, report: Report) -> bool:
    """A 回执 not yet accepted is accepted or sent back by whoever keeps the notice."""
    return report.awaits_receipt_check and _keeps_notice(user, report)


def can_chase_receipt(user: Any, report: Report, today: date) -> bool:
    """A 回执 missing after the notice's 回执期限 is chased (催回执) by whoever keeps
    the notice; before that day the school is not late."""
    return report.receipt_overdue(today) and _keeps_notice(user, report)


def chase_receipt(report: Report, *, user: Any | None, today: date) -> bool:
    """Remind the school of its overdue 回执 (``user`` None: the daily job). At most
    once a day per notice, however often the button and the job run: False when it
    was already reminded today (nothing is sent)."""
    if user is not None and not can_chase_receipt(user, report, today):
        raise ReportError("只有本局起草通知书的股室可以催办逾期未回执的整改通知书")
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        if not locked.receipt_overdue(today):
            raise ReportError("该通知书已回执或尚未到回执期限，请刷新页面")
        chased = locked.receipt_chased_at
        if chased is not None and timezone.localdate(chased) >= today:
            return False
        locked.receipt_chased_at = timezone.now()
        # Not a change of the notice (updated_at, its version, stays): a school that
        # opened the notice before the reminder still sends its 回执.
        locked.save(update_fields=["receipt_chased_at"])
        audit_log(
            actor=user,
            actor_name=None if user is not None else CHASE_ACTOR_NAME,
            action=Action.UPDATE,
            obj=locked,
            detail=f"催办回执（逾期{locked.receipt_days_overdue(today)}天）",
            school_id=locked.to_school_id,
        )
        notices.receipt_chased(locked, actor=user, today=today)
    report.refresh_from_db()
    return True


def chase_overdue_receipts(*, today: date) -> int:
    """The daily job: remind every school of each notice whose 回执 is overdue and
    was not chased today. Returns how many notices were chased."""
    chased = 0
    overdue = Report.objects.filter(receipt_overdue_q(today)).order_by("pk")
    for report in overdue.select_related("to_school"):
        try:
            chased += chase_receipt(report, user=None, today=today)
        except ReportError:
            continue  # answered since it was listed: one notice never stops the rest
    return chased


def check_receipt(
    report: Report, *, user: Any, accept: bool, note: str, loaded_version: LoadedVersion
) -> None:
    """Accept the school's 回执 (the notice's loop is closed) or send it back with what
    is missing (``note``, required): the school is told either way."""
    if not can_check_receipt(user, report):
        raise ReportError("只有本局起草通知书的股室可以确认学校已提交的回执")
    note = " ".join(note.split())[:200]
    if not accept and not note:
        raise ReportError("退回回执时请说明还需补充的整改情况")
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        ensure_unchanged(locked, loaded_version, what="该回执")
        if not can_check_receipt(user, locked):
            raise ReportError("该回执已被他人处理或学校尚未提交，请刷新页面")
        locked.receipt_note = note
        if accept:
            locked.receipt_checked_by, locked.receipt_checked_at = user, timezone.now()
        else:
            locked.receipt_at = None  # the school answers again; its text stays to edit
        locked.save()
        audit_log(
            actor=user,
            action=Action.UPDATE,
            obj=locked,
            detail=("确认回执" if accept else "退回回执") + (f"：{note}" if note else ""),
            school_id=locked.to_school_id,
        )
        notices.receipt_checked(locked, actor=user, accepted=accept)
    report.refresh_from_db()


# The document ---------------------------------------------------------------------------


def document_of(report: Report) -> OfficialDocument:
    """The report as an official document, from its stored sections and values (no facts
    are read: an issued report stays what it was)."""
    spec = genre(report.genre)
    opening: list[str] = []
    closing: list[str] = []
    roots: list[dict[str, Any]] = []
    stack: list[dict[str, Any]] = []
    for section in report.sections.all():
        if not section.enabled:
            continue
        text = placeholders.render(section.text, section.values or {})
        paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
        if section.level == 0:
            (closing if roots else opening).extend(paragraphs)
            continue
        node = {"s": section, "paragraphs": paragraphs, "children": []}
        while stack and stack[-1]["s"].level >= section.level:
            stack.pop()
        (stack[-1]["children"] if stack else roots).append(node)
        stack.append(node)
    return OfficialDocument(
        title=report.title,
        issuer=report.issuer,
        dated=report.dated,
        recipients=report.recipients,
        opening=tuple(opening),
        sections=tuple(_section(n) for n in roots if _has_text(n)),
        closing=tuple(closing),
        number=report.number,
        masthead=f"{report.bureau.name}文件" if spec.masthead and not report.school_id else "",
    )


def _has_text(node: dict[str, Any]) -> bool:
    return (
        bool(node["paragraphs"])
        or bool(node["s"].tables)
        or any(_has_text(c) for c in node["children"])
    )


def _section(node: dict[str, Any]) -> Section:
    s: ReportSection = node["s"]
    return Section(
        heading=s.heading,
        paragraphs=tuple(node["paragraphs"]),
        tables=tuple(
            Table(
                headers=tuple(t["headers"]),
                rows=tuple(tuple(r) for r in t["rows"]),
                caption=t.get("caption", ""),
            )
            for t in s.tables or []
        ),
        children=tuple(_section(c) for c in node["children"] if _has_text(c)),
        run_in=s.run_in and bool(node["paragraphs"]),
    )


def docx_of(report: Report) -> bytes:
    """The .docx: an issued report's frozen bytes, a draft's rendered now."""
    if report.is_issued and report.docx:
        return bytes(report.docx)
    return render_docx(document_of(report))


# What a failed LibreOffice conversion raises (missing, timed out, no output).
CONVERSION_ERRORS: tuple[type[Exception], ...] = (RuntimeError, OSError)


def pdf_of(report: Report) -> bytes:
    """The PDF: an issued report's as kept when it was issued (converted from its frozen
    .docx), a draft's converted now."""
    if report.is_issued and report.pdf:
        return bytes(report.pdf)
    return docx_to_pdf(docx_of(report))


def store_pdf(report: Report) -> bool:
    """Keep the PDF of a just-issued report, so it downloads the same every time. A
    conversion that fails leaves none kept (the download converts then); False."""
    try:
        data = docx_to_pdf(docx_of(report))
    except CONVERSION_ERRORS:
        return False
    Report.objects.filter(pk=report.pk, pdf__isnull=True).update(pdf=data)
    return True


def file_name(report: Report, extension: str) -> str:
    state = "" if report.is_issued else "（草稿）"
    return f"{report.title}{state}.{extension}"


def visible_reports(user: Any) -> QuerySet[Report]:
    return Report.objects.visible_to(user).select_related("bureau", "school", "inspector")
