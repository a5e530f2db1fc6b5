"""Writing the school directory: one school at a time, or a whole sheet at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from edubureau.audit.models import Action
from edubureau.audit.services import audit_change, audit_create, audit_log, snapshot
from edubureau.core.concurrency import UNCHECKED, LoadedVersion, ensure_unchanged
from edubureau.core.excel import (
    Column,
    ImportRejected,
    parse_bool,
    parse_choice,
    parse_int,
    parse_text,
    read_sheet,
    write_workbook,
)
from edubureau.core.import_kinds import Progress, no_progress
from edubureau.core.roles import Role
from edubureau.orgs.models import (
    Bureau,
    Locality,
    Ownership,
    School,
    SchoolKind,
    SchoolTransfer,
    Township,
    User,
)
from edubureau.orgs.models import school_identifier_validator as _identifier_validator
from edubureau.orgs.moves import transfers_changed
from edubureau.orgs.scoping import bureau_id_of


def _parse_identifier(value: Any) -> str:
    text = str(int(value)) if isinstance(value, float | int) else str(value).strip()
    if len(text) != 10 or not text.isdigit():
        raise ValueError("学校标识码必须是10位数字")
    return text


SCHOOL_COLUMNS: tuple[Column, ...] = (
    Column("identifier", "学校标识码", required=True, parse=_parse_identifier, width=14),
    Column("name", "学校名称", required=True, parse=parse_text(100), width=28),
    Column("kind", "办学类型", required=True, parse=parse_choice(SchoolKind.choices), width=16),
    Column("ownership", "举办者", required=True, parse=parse_choice(Ownership.choices), width=8),
    Column("locality", "城乡分类", required=True, parse=parse_choice(Locality.choices), width=10),
    Column("township", "所在乡镇", required=True, parse=parse_text(60), width=14),
    Column("address", "地址", parse=parse_text(200), width=30),
    Column("principal", "校长（园长）", parse=parse_text(40), aliases=("校长", "园长")),
    Column("phone", "联系电话", parse=parse_text(40)),
    Column("founded_year", "建校年份", parse=parse_int(1800, 2100), width=10),
    Column("is_active", "在办", parse=parse_bool, width=8),
)

IMPORT_NOTE = """学校名录导入说明
1. 第1行为表头，请勿修改；从第2行起每行一所学校。
2. 以“学校标识码”（10位数字）识别学校：已存在的学校按表格内容更新，不存在的新增。
3. 办学类型：幼儿园、小学、初级中学、九年一贯制学校、完全中学、高级中学、
   中等职业学校、特殊教育学校、教学点。
4. 举办者：公办、民办；城乡分类：城区、镇区、乡村；所在乡镇须为系统中已有的乡镇名称。
5. 任一行有错误时整个文件不导入，请按错误提示（工作表、行、列、规则）修改后重新导入。"""


def schools_workbook(schools: Any) -> bytes:
    rows = (
        (
            s.identifier,
            s.name,
            s.get_kind_display(),
            s.get_ownership_display(),
            s.get_locality_display(),
            s.area_name,
            s.address,
            s.principal,
            s.phone,
            s.founded_year,
            "是" if s.is_active else "否",
        )
        for s in schools
    )
    return write_workbook(title="学校名录", columns=SCHOOL_COLUMNS, rows=rows, note=IMPORT_NOTE)


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


NOT_IMPORTER = "只有系统管理员可以导入学校名录"


def school_import(
    *, actor: User, upload: IO[bytes], progress: Progress = no_progress
) -> ImportResult:
    """Create or update schools from a sheet; all rows or none.

    Raises :class:`ImportRejected` with every problem found, having written nothing.
    Reports ``progress(rows written, rows)`` as it writes."""
    if actor.role != Role.ADMINISTRATOR:  # checked again in the worker, as the owner is now
        raise PermissionDenied(NOT_IMPORTER)
    parsed = read_sheet(upload, SCHOOL_COLUMNS)
    if parsed.errors and not parsed.rows:
        raise ImportRejected(parsed.errors)
    # Cross-row and database checks run even when some cells failed to parse, so
    # the user gets every error of the sheet in one round.
    bureau_id = bureau_id_of(actor)
    townships = {t.name: t for t in Township.objects.filter(bureau_id=bureau_id)}
    identifiers = [r.values.get("identifier") for r in parsed.rows if r.values.get("identifier")]
    existing = {s.identifier: s for s in School.objects.filter(identifier__in=identifiers)}
    names_in_use = dict(
        School.objects.filter(bureau_id=bureau_id).values_list("name", "identifier")
    )
    seen_ids: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    for row in parsed.rows:
        v = row.values
        identifier, name, township = v.get("identifier"), v.get("name"), v.get("township")
        if identifier:
            if identifier in seen_ids:
                parsed.error(
                    row.row,
                    "identifier",
                    f"与第{seen_ids[identifier]}行的学校标识码重复",
                    SCHOOL_COLUMNS,
                )
            seen_ids.setdefault(identifier, row.row)
            other = existing.get(identifier)
            if other is not None and other.bureau_id != bureau_id:
                parsed.error(row.row, "identifier", "该学校标识码已属于其他教育局", SCHOOL_COLUMNS)
        if name:
            if name in seen_names:
                parsed.error(
                    row.row, "name", f"与第{seen_names[name]}行的学校名称重复", SCHOOL_COLUMNS
                )
            seen_names.setdefault(name, row.row)
            owner = names_in_use.get(name)
            if owner is not None and owner != identifier:
                parsed.error(row.row, "name", f"名称已被学校（标识码{owner}）使用", SCHOOL_COLUMNS)
        if township and township not in townships:
            parsed.error(row.row, "township", f"系统中没有乡镇“{township}”", SCHOOL_COLUMNS)
    if parsed.errors:
        raise ImportRejected(sorted(parsed.errors, key=lambda e: (e.row, e.column)))

    created = updated = unchanged = 0
    with transaction.atomic():
        for done, row in enumerate(parsed.rows):
            progress(done, len(parsed.rows))
            v = dict(row.values)
            v["township"] = townships[v["township"]]
            outcome = save_imported_school(
                actor=actor,
                bureau_id=bureau_id,
                values=v,
                existing=existing.get(v["identifier"]),
            )
            if outcome is True:
                created += 1
            elif outcome is False:
                updated += 1
            else:
                unchanged += 1
        audit_log(
            actor=actor,
            action=Action.IMPORT,
            model_label=School._meta.label,
            detail=f"学校名录导入：新增{created}所，更新{updated}所，未变{unchanged}所",
        )
    return ImportResult(created=created, updated=updated, unchanged=unchanged)


def save_imported_school(
    *,
    actor: User,
    values: dict[str, Any],
    existing: School | None,
    bureau_id: int | None = None,
    bureau: Any = None,
) -> bool | None:
    """Write one checked row of a school sheet: True if created, False if updated,
    None if the row changed nothing. Audited like any other edit."""
    v = dict(values)
    if v.get("is_active") is None:
        v.pop("is_active", None)
    for optional in ("address", "principal", "phone"):
        if v.get(optional) is None:
            v[optional] = ""
    if existing is None:
        owner = bureau.pk if bureau is not None else bureau_id
        if owner is None:
            raise ValueError("save_imported_school needs the school's bureau")
        school = School(bureau_id=owner, **v)
        school.full_clean(validate_unique=False)
        school.save()
        audit_create(actor=actor, obj=school, detail="Excel导入")
        return True
    before, township_id = snapshot(existing), existing.township_id
    for key, value in v.items():
        setattr(existing, key, value)
    if snapshot(existing) == before:
        return None
    existing.full_clean(validate_unique=False)
    existing.save()
    audit_change(actor=actor, obj=existing, before=before, detail="Excel导入")
    record_township_move(actor=actor, school=existing, from_township_id=township_id)
    return False


# Fields a school's own principal may keep current; the rest belongs to the bureau.
SCHOOL_CONTACT_FIELDS = ("address", "principal", "phone")


@transaction.atomic
def school_create(*, actor: User, data: dict[str, Any]) -> School:
    school = School(bureau_id=bureau_id_of(actor), **data)
    _identifier_validator(school.identifier)
    school.full_clean()
    school.save()
    audit_create(actor=actor, obj=school)
    return school


@transaction.atomic
def school_update(
    *, actor: User, school: School, data: dict[str, Any], loaded_version: LoadedVersion = UNCHECKED
) -> School:
    """Update a school. ``loaded_version`` is what the editor saw: if the row
    changed since, the edit is refused rather than silently overwriting."""
    locked = School.objects.select_for_update().get(pk=school.pk)
    ensure_unchanged(locked, loaded_version, what="该学校信息")
    before, township_id = snapshot(locked), locked.township_id
    for key, value in data.items():
        setattr(locked, key, value)
    locked.full_clean()
    locked.save()
    audit_change(actor=actor, obj=locked, before=before)
    record_township_move(actor=actor, school=locked, from_township_id=township_id)
    return locked


def record_township_move(
    *, actor: User, school: School, from_township_id: int | None
) -> SchoolTransfer | None:
    """A school moved between two townships of its bureau (乡镇调整) keeps its records
    up to today with the township it left, as a move between bureaus keeps them with
    the bureau (orgs.moves): the old 中心校 reads that history, the new one reads and
    chases everything from now on. Called by every write that changes a school's
    township, after the school is saved; None when the township did not change (or
    the school had none: nobody's history is lost)."""
    if from_township_id is None or from_township_id == school.township_id:
        return None
    from_township = Township.objects.get(pk=from_township_id)
    moved_on = timezone.localdate()
    transfer = SchoolTransfer.objects.create(
        school=school,
        from_bureau_id=school.bureau_id,
        to_bureau_id=school.bureau_id,
        from_township=from_township,
        to_township=school.township,
        moved_on=moved_on,
        reason="所在乡镇（街道）调整",
        actor=actor,
    )
    # Readers of this bureau now look for moved schools; its ancestors read the school
    # before and after alike, so they need not.
    Bureau.objects.filter(pk=school.bureau_id).update(has_moved_schools=True)
    transfers_changed()
    to = school.township.name if school.township is not None else "无"
    audit_log(
        actor=actor,
        action=Action.CREATE,
        obj=transfer,
        school_id=school.pk,
        detail=f"学校所在乡镇调整：{from_township.name} → {to}，调整日期{moved_on:%Y-%m-%d}",
    )
    return transfer
