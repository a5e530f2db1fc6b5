"""Entering the State Council's holiday schedule.

An administrator pastes the year's schedule as text (:func:`calendar_text_parse`),
and :func:`calendar_year_save` replaces the year's entries in one transaction.
Both are all-or-nothing: every problem is reported (in Chinese, by line or by
date) and nothing is written while any remains.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from edubureau.core import calendar, hooks
from edubureau.core.calendar import CalendarEntry, group_ranges
from edubureau.core.concurrency import UNCHECKED, EditConflict, LoadedVersion, version_token
from edubureau.core.models import MAX_YEAR, MIN_YEAR, CalendarDay, CalendarDayKind, CalendarYear
from edubureau.core.roles import Role

# core.views compares against this name; it is the Role, not a copy of its value.
ADMINISTRATOR = Role.ADMINISTRATOR
SHARED_CALENDAR_NOTE = "多个教育局共用本平台，节假日安排由平台运维人员统一录入。"
CALENDAR_VIEWER_ROLES = frozenset({Role.ADMINISTRATOR, Role.BUREAU_LEADER, Role.DEPARTMENT_STAFF})

NAME_MAX_LENGTH = CalendarDay._meta.get_field("name").max_length or 30
# A single festival never spans more than a few weeks; a longer range is a typo.
MAX_RANGE_DAYS = 31

# Words an administrator may write for each kind, as they appear in notices.
KIND_WORDS = {
    "放假": CalendarDayKind.HOLIDAY,
    "休": CalendarDayKind.HOLIDAY,
    "休息": CalendarDayKind.HOLIDAY,
    "放假调休": CalendarDayKind.HOLIDAY,
    "上班": CalendarDayKind.WORKDAY,
    "班": CalendarDayKind.WORKDAY,
    "补班": CalendarDayKind.WORKDAY,
    "调休上班": CalendarDayKind.WORKDAY,
}
PASTE_EXAMPLE = "2027-01-01 元旦 放假"

_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_RANGE_SEPARATOR = re.compile(r"\s*(?:至|到|~|～|—|–)\s*")
_LIST_SEPARATOR = re.compile(r"[,，、;；]")


def calendar_can_view(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in CALENDAR_VIEWER_ROLES)


def calendar_can_edit(user: Any) -> bool:
    """The schedule is the State Council's: one for the whole deployment. Where a
    deployment serves one bureau, its administrators keep it. Where several bureaus
    share one, an administrator of one bureau must not move every other bureau's
    deadlines: only the platform operator (a superuser) enters it."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return bool(user.role == Role.ADMINISTRATOR and not calendar_is_shared())


def calendar_is_shared() -> bool:
    """Whether several bureaus share this deployment (and so its calendar)."""
    # orgs knows bureaus and plugs the rule in (core sits below orgs: core.hooks).
    return hooks.deployment_is_shared()


# Paste format ----------------------------------------------------------------


def calendar_text_parse(*, text: str, year: int) -> list[CalendarEntry]:
    """Parse pasted lines ``日期[至日期] 名称 放假|上班`` into entries of ``year``.

    Blank lines and lines starting with ``#`` are skipped. Raises
    :class:`ValidationError` listing every bad line ("第3行:…"); a day named
    twice is reported at its second line.
    """
    entries: list[CalendarEntry] = []
    errors: list[str] = []
    first_line: dict[date, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            line_entries = _parse_line(line)
        except ValueError as exc:
            errors.append(f"第{number}行：{exc}")
            continue
        for entry in line_entries:
            problems = _entry_problems(entry, year)
            if entry.day in first_line:
                problems.append(f"{entry.day.isoformat()}已在第{first_line[entry.day]}行出现")
            first_line.setdefault(entry.day, number)
            errors.extend(f"第{number}行：{p}" for p in problems)
            entries.append(entry)
    if not entries and not errors:
        errors.append(f"请至少填写一行安排，如“{PASTE_EXAMPLE}”")
    if errors:
        raise ValidationError(errors)
    return entries


def calendar_text_format(entries: Sequence[CalendarEntry]) -> str:
    """The inverse of :func:`calendar_text_parse`: one line per range, ready to edit."""
    lines = []
    for r in group_ranges(entries):
        when = r.start.isoformat() if r.days == 1 else f"{r.start.isoformat()}至{r.end.isoformat()}"
        word = "放假" if r.kind == CalendarDayKind.HOLIDAY else "上班"
        lines.append(f"{when} {r.name} {word}")
    return "\n".join(lines)


def _parse_line(line: str) -> list[CalendarEntry]:
    line = _RANGE_SEPARATOR.sub("至", _LIST_SEPARATOR.sub(" ", line))
    tokens = line.split()
    if len(tokens) < 3:
        raise ValueError(f"格式应为“日期 名称 放假/上班”，如“{PASTE_EXAMPLE}”")
    when, name, word = tokens[0], "".join(tokens[1:-1]), tokens[-1]
    kind = KIND_WORDS.get(word)
    if kind is None:
        raise ValueError(f"“{word}”不是有效类型，应为“放假”或“上班”")
    start_text, _, end_text = when.partition("至")
    start = _parse_date(start_text)
    end = _parse_date(end_text) if end_text else start
    if end < start:
        raise ValueError(f"结束日期{end.isoformat()}早于开始日期{start.isoformat()}")
    days = (end - start).days + 1
    if days > MAX_RANGE_DAYS:
        raise ValueError(f"日期区间超过{MAX_RANGE_DAYS}天，请检查")
    return [CalendarEntry(start + timedelta(days=i), kind, name) for i in range(days)]


def _parse_date(text: str) -> date:
    match = _DATE.match(text)
    if match:
        try:
            return date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    raise ValueError(f"“{text}”不是有效日期，应为 2027-01-01 格式")


def _entry_problems(entry: CalendarEntry, year: int) -> list[str]:
    """What is wrong with one entry on its own (without the line or date prefix)."""
    problems = []
    if entry.day.year != year:
        problems.append(f"{entry.day.isoformat()}不在{year}年内")
    if entry.kind not in CalendarDayKind.values:
        problems.append(f"类型“{entry.kind}”无效，应为“放假”或“上班”")
    if not entry.name.strip():
        problems.append("缺少节日名称")
    elif len(entry.name) > NAME_MAX_LENGTH:
        problems.append(f"节日名称不能超过{NAME_MAX_LENGTH}个字")
    if entry.kind == CalendarDayKind.WORKDAY and entry.day.weekday() < 5:
        problems.append(
            f"{calendar.day_label(entry.day)}本来就是工作日，调休上班的日期应是周六或周日"
        )
    return problems


# Saving ----------------------------------------------------------------------


# The version of a year nobody has entered yet: a token like any other, so that
# a form without a version is told apart from a form for a new year.
NEW_YEAR_VERSION = "new"


def calendar_year_version(entered: CalendarYear | None) -> str:
    return version_token(entered) if entered else NEW_YEAR_VERSION


def calendar_year_save(
    *,
    actor: Any,
    year: int,
    entries: Sequence[CalendarEntry | tuple[date, str, str]],
    published_on: date | None = None,
    note: str = "",
    loaded_version: LoadedVersion = UNCHECKED,
) -> CalendarYear:
    """Replace ``year``'s official schedule with ``entries``, all or nothing.

    ``loaded_version`` is :func:`calendar_year_version` when the editor opened the
    page; a save over someone else's newer save, or a form without the version,
    raises :class:`EditConflict`. Unchanged days keep their rows, so ``created_by``
    still names who first entered them.
    """
    calendar_require_editor(actor)
    new = [CalendarEntry(*entry) for entry in entries]
    _validate(year=year, entries=new, note=note)
    with transaction.atomic():
        existing = CalendarYear.objects.select_for_update().filter(year=year).first()
        if loaded_version is not UNCHECKED:
            if not loaded_version:
                raise EditConflict(
                    f"{year}年节假日安排的编辑页面缺少版本信息，无法确认是否已被他人修改，"
                    "请刷新页面后重新录入。"
                )
            if calendar_year_version(existing) != loaded_version:
                raise EditConflict(f"{year}年的节假日安排已被他人修改，请刷新页面后重新录入。")
        before = _summary(existing)
        calendar_year = existing or CalendarYear(year=year)
        calendar_year.published_on = published_on
        calendar_year.note = note.strip()
        calendar_year.entered_by = actor
        calendar_year.save()
        _replace_days(actor=actor, calendar_year=calendar_year, entries=new)
        after = _summary(calendar_year)
        changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
        if changes:
            hooks.audit(
                actor=actor,
                action="update" if existing else "create",
                obj=calendar_year,
                changes=changes,
                detail=_detail(year, new, replaced=existing is not None),
            )
        _invalidate_now_and_on_commit()
    return calendar_year


def calendar_year_delete(*, actor: Any, year: int) -> None:
    """Remove an entered year, so the package (or Monday–Friday) decides it again."""
    calendar_require_editor(actor)
    with transaction.atomic():
        calendar_year = CalendarYear.objects.select_for_update().filter(year=year).first()
        if calendar_year is None:
            raise ValidationError(f"{year}年尚未录入节假日安排，无需删除")
        before = _summary(calendar_year)
        hooks.audit(
            actor=actor,
            action="delete",
            obj=calendar_year,
            changes={k: [v, None] for k, v in before.items()},
            detail=f"删除{year}年节假日安排，恢复使用内置数据或按周一至周五计算",
        )
        calendar_year.delete()
        _invalidate_now_and_on_commit()


def calendar_require_editor(actor: Any) -> None:
    """Refuse, with the reason, anyone who may not change the schedule."""
    if calendar_can_edit(actor):
        return
    if getattr(actor, "role", None) == Role.ADMINISTRATOR:
        raise PermissionDenied(SHARED_CALENDAR_NOTE)
    raise PermissionDenied("只有系统管理员可以录入节假日安排")


def _validate(*, year: int, entries: list[CalendarEntry], note: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(f"年份应在{MIN_YEAR}至{MAX_YEAR}之间")
    errors: list[str] = []
    if not entries:
        errors.append("请至少录入一天安排")
    seen: set[date] = set()
    for entry in entries:
        problems = _entry_problems(entry, year)
        if entry.day in seen:
            problems.append("日期重复")
        seen.add(entry.day)
        errors.extend(f"{entry.day.isoformat()}：{p}" for p in problems)
    if len(note.strip()) > 200:
        errors.append("文号或说明不能超过200个字")
    if errors:
        raise ValidationError(errors)


def _replace_days(*, actor: Any, calendar_year: CalendarYear, entries: list[CalendarEntry]) -> None:
    wanted = {e.day: e for e in entries}
    current = {row.date: row for row in calendar_year.days.all()}
    CalendarDay.objects.filter(calendar_year=calendar_year).exclude(date__in=wanted).delete()
    for day, entry in wanted.items():
        row = current.get(day)
        if row is None:
            CalendarDay.objects.create(
                calendar_year=calendar_year,
                date=day,
                kind=entry.kind,
                name=entry.name.strip(),
                created_by=actor,
            )
        elif (row.kind, row.name) != (entry.kind, entry.name.strip()):
            row.kind, row.name = entry.kind, entry.name.strip()
            row.save(update_fields=["kind", "name", "updated_at"])


def _summary(calendar_year: CalendarYear | None) -> dict[str, Any]:
    """The audit view of a year: its notice and its days as paste-format lines."""
    if calendar_year is None or calendar_year.pk is None:
        return {}
    days = [CalendarEntry(d.date, d.kind, d.name) for d in calendar_year.days.all()]
    return {
        "published_on": calendar_year.published_on.isoformat()
        if calendar_year.published_on
        else None,
        "note": calendar_year.note,
        "schedule": calendar_text_format(days).splitlines(),
    }


def _detail(year: int, entries: list[CalendarEntry], *, replaced: bool) -> str:
    off = sum(1 for e in entries if e.kind == CalendarDayKind.HOLIDAY)
    work = len(entries) - off
    verb = "更新" if replaced else "录入"
    return f"{verb}{year}年节假日安排：放假{off}天，调休上班{work}天"


def _invalidate_now_and_on_commit() -> None:
    # Now, so reads later in this transaction see the new schedule; on commit,
    # so a read made meanwhile cannot leave a stale copy behind.
    calendar.invalidate_cache()
    transaction.on_commit(calendar.invalidate_cache)
