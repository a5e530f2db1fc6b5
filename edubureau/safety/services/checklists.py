"""Versioned checklists (排查指南): installing the default one and making new versions.

A version is never edited in place: an edit copies the current version, applies the
changes and makes the copy current, so every past inspection keeps the exact items it
was filled against. Item keys are stable across versions (repeat detection groups
hazards by key), and a key once used in a bureau is never given to a different item.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from edubureau.audit.services import audit_change, audit_create, snapshot
from edubureau.core.concurrency import EditConflict
from edubureau.orgs.models import Bureau, SchoolKind
from edubureau.orgs.scoping import is_department_staff
from edubureau.rectification.lifecycle import NotAllowed
from edubureau.rectification.models import Severity
from edubureau.safety.models import SAFETY, Checklist, ChecklistCategory, ChecklistItem

DEFAULT_CHECKLIST_FILE = Path(__file__).resolve().parent.parent / "data" / "checklist_default.json"
ITEM_FIELDS = ("text", "guidance", "basis", "default_severity", "applies_to")


class ChecklistError(ValueError):
    """A checklist change that cannot be made; the message says why, in Chinese."""


@cache
def default_checklist_data() -> dict[str, Any]:
    """The shipped default checklist (data/checklist_default.json): 13 categories, ~90 items."""
    return json.loads(DEFAULT_CHECKLIST_FILE.read_text(encoding="utf-8"))


@transaction.atomic
def checklist_install_default(*, bureau: Bureau, actor: Any = None) -> Checklist:
    """Give ``bureau`` the default checklist as version 1, current. Idempotent: a bureau
    that already has a checklist keeps it (its current version is returned)."""
    existing = Checklist.objects.filter(bureau=bureau).order_by("-is_current", "-version").first()
    if existing is not None:
        return existing
    data = default_checklist_data()
    try:
        with transaction.atomic():
            checklist = Checklist.objects.create(
                bureau=bureau,
                name=data["name"],
                version=1,
                is_current=True,
                note=data.get("version_note", ""),
                created_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError:
        # Another process installed it at the same moment.
        return Checklist.objects.get(bureau=bureau, is_current=True)
    items: list[ChecklistItem] = []
    for c_order, cat in enumerate(data["categories"], start=1):
        category = ChecklistCategory.objects.create(
            checklist=checklist, key=cat["key"], name=cat["name"], sort_order=c_order
        )
        for i_order, it in enumerate(cat["items"], start=1):
            items.append(
                ChecklistItem(
                    checklist=checklist,
                    category=category,
                    key=it["key"],
                    text=it["text"],
                    guidance=it.get("guidance", ""),
                    basis=it.get("basis", ""),
                    default_severity=it.get("severity", Severity.MINOR),
                    applies_to=list(it.get("applies_to", [])),
                    sort_order=i_order,
                )
            )
    ChecklistItem.objects.bulk_create(items)
    audit_create(actor=actor, obj=checklist, detail=f"安装默认排查指南：{len(items)}个事项")
    return checklist


@dataclass(frozen=True)
class ChecklistChanges:
    """Edits for a new version.

    ``edits`` maps an item key to the fields to change (text, guidance, basis,
    default_severity, applies_to, category — the category's key); ``additions`` are
    new items (category, text, optional guidance/basis/default_severity/applies_to);
    ``removals`` are item keys; ``note`` is the revision note (修订说明), required.
    """

    note: str
    edits: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    additions: Sequence[Mapping[str, Any]] = ()
    removals: Collection[str] = ()


def can_edit_checklists(user: Any) -> bool:
    """Safety-department staff revise their own bureau's checklist
    (``Checklist.objects.writable_by``); everyone in the bureau reads it, and the
    bureaus above read it too."""
    return is_department_staff(user, SAFETY)


@transaction.atomic
def checklist_new_version(*, actor: Any, base: Checklist, changes: ChecklistChanges) -> Checklist:
    """Copy ``base`` (which must be the current version), apply ``changes`` and make the
    copy the current version. Past inspections keep pointing at their own version."""
    if not Checklist.objects.writable_by(actor).filter(pk=base.pk).exists():
        raise NotAllowed("只有安全股工作人员可以修订排查指南")
    note = changes.note.strip()
    if not note:
        raise ChecklistError("请填写修订说明")
    if len(note) > 200:
        raise ChecklistError("修订说明不能超过200字")
    if not (changes.edits or changes.additions or changes.removals):
        raise ChecklistError("没有任何修改")
    base = Checklist.objects.select_for_update().get(pk=base.pk)
    before = snapshot(base)
    if not base.is_current:
        raise EditConflict("排查指南已有更新的版本，请刷新页面后在最新版本上修改。")

    categories = list(base.categories.order_by("sort_order", "id"))
    items = list(
        base.items.select_related("category").order_by("category__sort_order", "sort_order")
    )
    by_key = {i.key: i for i in items}
    cat_by_key = {c.key: c for c in categories}
    unknown = [k for k in [*changes.edits, *changes.removals] if k not in by_key]
    if unknown:
        raise ChecklistError("要修改或删除的事项不在当前版本中：" + "、".join(unknown))
    if len(changes.removals) >= len(items) and not changes.additions:
        raise ChecklistError("排查指南至少要保留一个事项")

    number = (
        (Checklist.objects.filter(bureau_id=base.bureau_id).aggregate(m=Max("version"))["m"]) or 0
    )
    Checklist.objects.filter(pk=base.pk).update(is_current=False)
    new = Checklist.objects.create(
        bureau_id=base.bureau_id,
        name=base.name,
        version=number + 1,
        is_current=True,
        note=note,
        created_by=actor,
    )
    new_cats = {
        c.key: ChecklistCategory.objects.create(
            checklist=new, key=c.key, name=c.name, sort_order=c.sort_order
        )
        for c in categories
    }
    rows: list[ChecklistItem] = []
    for item in items:
        if item.key in changes.removals:
            continue
        values = {f: getattr(item, f) for f in ITEM_FIELDS}
        category_key = item.category.key
        edit = changes.edits.get(item.key)
        if edit:
            values.update(_clean_item_values(edit, partial=True))
            category_key = edit.get("category", category_key) or category_key
        if category_key not in cat_by_key:
            raise ChecklistError(f"类别“{category_key}”不存在")
        rows.append(
            ChecklistItem(
                checklist=new,
                category=new_cats[category_key],
                key=item.key,
                sort_order=item.sort_order,
                **values,
            )
        )
    used_keys = set(
        ChecklistItem.objects.filter(checklist__bureau_id=base.bureau_id).values_list(
            "key", flat=True
        )
    )
    for addition in changes.additions:
        category_key = addition.get("category") or ""
        if category_key not in new_cats:
            raise ChecklistError("请选择新增事项所属的大类")
        values = _clean_item_values(addition, partial=False)
        key = _new_key(category_key, used_keys)
        used_keys.add(key)
        last = max((r.sort_order for r in rows if r.category.key == category_key), default=0)
        rows.append(
            ChecklistItem(
                checklist=new,
                category=new_cats[category_key],
                key=key,
                sort_order=last + 1,
                **values,
            )
        )
    ChecklistItem.objects.bulk_create(rows)
    base.is_current = False
    audit_change(actor=actor, obj=base, before=before, detail=f"被第{new.version}版替代")
    audit_create(actor=actor, obj=new, detail=_change_summary(changes))
    return new


def _clean_item_values(values: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "text" in values or not partial:
        text = str(values.get("text") or "").strip()
        if not text:
            raise ChecklistError("请填写排查事项内容")
        if len(text) > 200:
            raise ChecklistError("排查事项内容不能超过200字")
        out["text"] = text
    for name, limit in (("guidance", 2000), ("basis", 200)):
        if name in values or not partial:
            value = str(values.get(name) or "").strip()
            if len(value) > limit:
                raise ChecklistError(
                    f"{'合格标准' if name == 'guidance' else '依据'}不能超过{limit}字"
                )
            out[name] = value
    if "default_severity" in values or not partial:
        severity = values.get("default_severity") or Severity.MINOR
        if severity not in Severity.values:
            raise ChecklistError("隐患等级无效")
        out["default_severity"] = severity
    if "applies_to" in values or not partial:
        kinds = list(values.get("applies_to") or [])
        bad = [k for k in kinds if k not in SchoolKind.values]
        if bad:
            raise ChecklistError("适用学校类型无效：" + "、".join(map(str, bad)))
        # Every kind listed is the same as "all kinds": keep it empty.
        out["applies_to"] = [] if set(kinds) == set(SchoolKind.values) else kinds
    return out


def _new_key(category_key: str, used: set[str]) -> str:
    n = 1
    while f"{category_key}_x{n}" in used:
        n += 1
    return f"{category_key}_x{n}"


def _change_summary(changes: ChecklistChanges) -> str:
    parts = [changes.note.strip()]
    if changes.edits:
        parts.append("修改：" + "、".join(changes.edits))
    if changes.additions:
        parts.append(f"新增{len(changes.additions)}项")
    if changes.removals:
        parts.append("删除：" + "、".join(changes.removals))
    return "；".join(parts)
