"""Writing the safety ledgers: create, update, delete, and Excel import/export.

The same rules check a form and an imported row (:func:`ledger_errors`), so a
user gets the same Chinese message whichever way the data came in.

Who writes is the scoping door's rule (``schools_writable_by(user, owner="safety")``,
``Model.objects.writable_by``): a school's own users (not read-only ones) for their
school, the assigned inspector for their schools, the safety department
(``owner_department_code``) for the schools its bureau runs itself. Leaders, higher
bureaus and administrators read; nobody else writes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from edubureau.audit.models import Action
from edubureau.audit.services import audit_change, audit_create, audit_delete, audit_log, snapshot
from edubureau.core.concurrency import UNCHECKED, LoadedVersion, ensure_unchanged
from edubureau.core.excel import (
    CellError,
    Column,
    ImportRejected,
    ParsedSheet,
    parse_bool,
    parse_choice,
    parse_date,
    parse_int,
    parse_text,
    read_sheet,
    write_workbook,
)
from edubureau.core.import_kinds import Progress, no_progress
from edubureau.orgs import wall
from edubureau.orgs.models import School, SchoolYear, User
from edubureau.orgs.scoping import bureau_id_of, schools_writable_by
from edubureau.safety.models.ledgers import LedgerBase
from edubureau.safety.selectors.ledger_specs import LedgerSpec, display_value

# Permissions -----------------------------------------------------------------


def _writable_schools(user: User | Any) -> QuerySet[School]:
    """The door's schools whose safety records ``user`` may write."""
    return schools_writable_by(user, owner=LedgerBase.owner_department_code)


def can_write_ledgers(user: User | Any) -> bool:
    return _writable_schools(user).exists()


def _ensure_school_writable(user: User, school_id: int) -> None:
    if not _writable_schools(user).filter(pk=school_id).exists():
        raise PermissionDenied("您没有填报该学校安全台账的权限")


# Rules -----------------------------------------------------------------------

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Province, issuing-office letter, then 5 characters (6 for new-energy plates);
# I and O are never used on Chinese plates.
PLATE_RE = re.compile(rf"^[{PROVINCES}][A-HJ-NP-Z][A-HJ-NP-Z0-9]{{5,6}}$")


def normalise_plate(text: str) -> str:
    """ "川a·12345" -> "川A12345"; raises ``ValueError`` with a Chinese message."""
    plate = re.sub(r"[\s·•.．\-_]", "", str(text)).upper()
    if not PLATE_RE.match(plate):
        raise ValueError(f"车牌号“{text}”格式不正确，应如 川A12345 或 川A·12345")
    return plate


def _not_future(
    errors: dict[str, str], v: dict[str, Any], name: str, what: str, today: date
) -> None:
    if v.get(name) is not None and v[name] > today:
        errors[name] = f"{what}不能晚于今天（{today:%Y-%m-%d}）"


def _positive(errors: dict[str, str], v: dict[str, Any], name: str, what: str) -> None:
    if v.get(name) is not None and v[name] < 1:
        errors[name] = f"{what}应大于0"


def _letter_rules(v: dict[str, Any], today: date) -> dict[str, str]:
    errors: dict[str, str] = {}
    _positive(errors, v, "due_count", "应签份数")
    due, signed = v.get("due_count"), v.get("signed_count")
    if due is not None and signed is not None and signed > due:
        errors["signed_count"] = f"已签份数（{signed}）不能大于应签份数（{due}）"
    _not_future(errors, v, "signed_on", "签订日期", today)
    return errors


def _plan_rules(v: dict[str, Any], today: date) -> dict[str, str]:
    errors: dict[str, str] = {}
    _not_future(errors, v, "approved_on", "印发日期", today)
    approved, review = v.get("approved_on"), v.get("review_due")
    if approved is not None and review is not None and review <= approved:
        errors["review_due"] = "修订到期日应晚于印发日期"
    return errors


def _drill_rules(v: dict[str, Any], today: date) -> dict[str, str]:
    errors: dict[str, str] = {}
    _not_future(errors, v, "held_on", "演练日期", today)
    _positive(errors, v, "participants", "参与人数")
    _positive(errors, v, "duration_minutes", "用时")
    return errors


def _activity_rules(v: dict[str, Any], today: date) -> dict[str, str]:
    errors: dict[str, str] = {}
    _not_future(errors, v, "held_on", "开展日期", today)
    _positive(errors, v, "sessions", "场次")
    _positive(errors, v, "participants", "参与人次")
    return errors


def _vehicle_rules(v: dict[str, Any], today: date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if v.get("plate"):
        try:
            v["plate"] = normalise_plate(v["plate"])
        except ValueError as exc:
            errors["plate"] = str(exc)
    _positive(errors, v, "seats", "核载人数")
    return errors


def _canteen_rules(v: dict[str, Any], today: date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if v.get("operation") == "contracted" and not (v.get("contractor") or "").strip():
        errors["contractor"] = "委托经营的食堂须填写受托单位"
    return errors


def _security_rules(v: dict[str, Any], today: date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if v.get("key_areas_covered") and not v.get("cameras"):
        errors["cameras"] = "已勾选“重点部位监控全覆盖”，监控摄像头数应大于0"
    if v.get("alarm_linked_to_police") and not v.get("one_key_alarm"):
        errors["alarm_linked_to_police"] = "报警与公安联网须先配备一键报警"
    return errors


RULES: dict[str, Callable[[dict[str, Any], date], dict[str, str]]] = {
    "letter": _letter_rules,
    "plan": _plan_rules,
    "drill": _drill_rules,
    "activity": _activity_rules,
    "vehicle": _vehicle_rules,
    "canteen": _canteen_rules,
    "security": _security_rules,
}

# A second row with the same natural key: (field the message goes to, message).
DUPLICATE: dict[str, tuple[str, str]] = {
    "letter": ("tier", "该校该学年已登记此层级的责任书，请编辑原记录"),
    "plan": ("name", "该校已登记同名应急预案，请编辑原记录"),
    "drill": ("kind", "该校当天已登记同类演练，请编辑原记录"),
    "activity": ("title", "该校当天已登记同主题的教育活动，请编辑原记录"),
    "vehicle": ("plate", "该车牌号已登记，请编辑原记录"),
    "canteen": ("name", "该校已登记同名食堂，请编辑原记录"),
    "security": ("school", "该校已登记人防物防技防情况，请编辑原记录"),
}
FOREIGN_PLATE = "该车牌号已由其他单位登记，请联系安全股核实"


def ledger_errors(*, spec: LedgerSpec, obj: LedgerBase, today: date) -> dict[str, str]:
    """Every problem of ``obj`` (its fields already set), field by field, in Chinese.
    May normalise values in place (the plate)."""
    values = {name: getattr(obj, name) for name in spec.fields}
    errors = RULES[spec.key](values, today)
    for name, value in values.items():
        setattr(obj, name, value)
    try:
        # Foreign keys were resolved by the caller; checking them again costs a query each.
        obj.full_clean(
            exclude=["school", "school_year", "created_by"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, messages[0])
    return errors


_FK = {"school", "school_year"}  # natural-key parts compared by id


def _natural_key(spec: LedgerSpec, obj: LedgerBase) -> tuple[Any, ...]:
    return tuple(getattr(obj, f"{name}_id" if name in _FK else name) for name in spec.natural_key)


def _twin(spec: LedgerSpec, obj: LedgerBase) -> LedgerBase | None:
    """Another row with the same natural key (any school: plates are unique nationally,
    so this read crosses the database wall; the caller is told only that it exists)."""
    lookup = dict(zip(spec.natural_key, _natural_key(spec, obj), strict=True))
    query = {(f"{k}_id" if k in _FK else k): v for k, v in lookup.items()}
    with wall.unrestricted():
        return spec.model.objects.filter(**query).exclude(pk=obj.pk).first()


def _raise_if(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError({name: [message] for name, message in errors.items()})


def _save(spec: LedgerSpec, obj: LedgerBase) -> None:
    """Save; a twin saved by someone else a moment ago (caught by a database
    constraint) becomes the same message as one found before."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        field, message = DUPLICATE[spec.key]
        raise ValidationError({field: [message]}) from None


# One record at a time ---------------------------------------------------------


@transaction.atomic
def ledger_create(
    *, actor: User, spec: LedgerSpec, data: dict[str, Any], today: date | None = None
) -> LedgerBase:
    """Add a ledger row for ``data["school"]``. Raises ``PermissionDenied`` for a
    school the actor may not fill in, ``ValidationError`` (by field) for bad data."""
    today = today or timezone.localdate()
    school = data["school"]
    _ensure_school_writable(actor, school.pk)
    obj = spec.model(school=school, created_by=actor)
    for name in spec.fields:
        if name in data:
            setattr(obj, name, data[name])
    errors = ledger_errors(spec=spec, obj=obj, today=today)
    if not errors and _twin(spec, obj) is not None:
        field, message = DUPLICATE[spec.key]
        errors[field] = message
    _raise_if(errors)
    _save(spec, obj)
    audit_create(actor=actor, obj=obj)
    return obj


@transaction.atomic
def ledger_update(
    *,
    actor: User,
    spec: LedgerSpec,
    obj: LedgerBase,
    data: dict[str, Any],
    loaded_version: LoadedVersion = UNCHECKED,
    today: date | None = None,
) -> LedgerBase:
    """Change a ledger row (its school stays). ``loaded_version`` is what the editor
    saw: a row saved by someone else since is refused with ``EditConflict``."""
    today = today or timezone.localdate()
    locked = spec.model.objects.select_for_update().get(pk=obj.pk)
    _ensure_school_writable(actor, locked.school_id)
    ensure_unchanged(locked, loaded_version, what=f"该{spec.title}记录")
    before = snapshot(locked)
    for name in spec.fields:
        if name in data:
            setattr(locked, name, data[name])
    errors = ledger_errors(spec=spec, obj=locked, today=today)
    if not errors and _twin(spec, locked) is not None:
        field, message = DUPLICATE[spec.key]
        errors[field] = message
    _raise_if(errors)
    _save(spec, locked)
    audit_change(actor=actor, obj=locked, before=before)
    return locked


@transaction.atomic
def ledger_delete(*, actor: User, spec: LedgerSpec, obj: LedgerBase) -> None:
    _ensure_school_writable(actor, obj.school_id)
    audit_delete(actor=actor, obj=obj)
    obj.delete()


# Excel -----------------------------------------------------------------------

SCHOOL_COLUMNS = (
    Column("school", "学校标识码", required=True, parse=lambda v: _parse_identifier(v)),
    Column("school_name", "学校名称", width=26),  # informative; the identifier decides
    Column("township", "所在乡镇", width=12),
)
LABELS = {"school_year": "学年"}


def _parse_identifier(value: Any) -> str:
    text = str(int(value)) if isinstance(value, float | int) else str(value).strip()
    if len(text) != 10 or not text.isdigit():
        raise ValueError("学校标识码必须是10位数字")
    return text


def _parse_school_year(value: Any) -> int:
    """ "2025—2026学年", "2025-2026" or 2025 -> 2025."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    years = [int(y) for y in re.findall(r"\d{4}", str(value))]
    if not years or len(years) > 2 or (len(years) == 2 and years[1] != years[0] + 1):
        raise ValueError(f"“{value}”不是学年，应如 2025—2026学年")
    return years[0]


def _parse_plate(value: Any) -> str:
    return normalise_plate(str(value))


def _column(spec: LedgerSpec, name: str) -> Column:
    f = spec.field(name)
    header = LABELS.get(name, str(f.verbose_name))
    required = not f.blank and not f.has_default()
    parse: Callable[[Any], Any]
    width = 14
    if name == "school_year":
        parse, width = _parse_school_year, 16
    elif name == "plate":
        parse = _parse_plate
    elif f.choices:
        parse = parse_choice(f.choices)
    elif isinstance(f, models.BooleanField):
        parse, width = parse_bool, 10
    elif isinstance(f, models.DateField):
        parse = parse_date
    elif isinstance(f, models.PositiveSmallIntegerField):
        parse, width = parse_int(0, 32767), 10
    elif isinstance(f, models.IntegerField):
        parse, width = parse_int(0, 10_000_000), 10
    else:
        parse, width = parse_text(f.max_length or 200), max(14, min(30, (f.max_length or 20)))
    return Column(name, header, required=required, parse=parse, width=width)


def ledger_columns(spec: LedgerSpec) -> tuple[Column, ...]:
    """The sheet's columns: the school, then every field a user fills in."""
    return (*SCHOOL_COLUMNS, *(_column(spec, name) for name in spec.fields))


def ledger_workbook(*, spec: LedgerSpec, rows: Any) -> bytes:
    """The filtered list as .xlsx, in the layout the import reads back."""
    columns = ledger_columns(spec)

    def cells(obj: LedgerBase) -> list[Any]:
        school = obj.school
        return [
            school.identifier,
            school.name,
            school.area_name,
            *(display_value(obj, c.key) for c in columns[len(SCHOOL_COLUMNS) :]),
        ]

    return write_workbook(
        title=spec.title, columns=columns, rows=(cells(o) for o in rows), note=import_note(spec)
    )


def import_note(spec: LedgerSpec) -> str:
    keys = "、".join(
        "学校标识码"
        if k == "school"
        else ("学年" if k == "school_year" else str(spec.field(k).verbose_name))
        for k in spec.natural_key
    )
    return "\n".join(
        [
            f"{spec.title}导入说明",
            "1. 第1行为表头，请勿修改；从第2行起每行一条记录。",
            "   “学校名称”“所在乡镇”两列仅供核对，导入时以学校标识码为准。",
            f"2. 按“{keys}”识别记录：已有的按表格内容更新，没有的新增。",
            "3. 只能导入您有权填报的学校；日期格式如 2026-09-01；是否类填“是”或“否”。",
            "4. 任一行有错误时整个文件不导入，请按错误提示（工作表、行、列、规则）修改后重新导入。",
            *([f"5. {spec.hint}"] if spec.hint else []),
        ]
    )


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


@dataclass
class _Planned:
    row: int
    obj: LedgerBase
    before: dict[str, Any] | None  # None: a new row


def ledger_import(
    *,
    actor: User,
    spec: LedgerSpec,
    upload: IO[bytes],
    today: date | None = None,
    progress: Progress = no_progress,
) -> ImportResult:
    """Create or update ledger rows from a sheet, all or nothing.

    Raises :class:`ImportRejected` with every problem found (sheet, row, column,
    rule), having written nothing. Reports ``progress(rows written, rows)``."""
    if not can_write_ledgers(actor):
        raise PermissionDenied("您没有导入安全台账的权限")
    today = today or timezone.localdate()
    columns = ledger_columns(spec)
    parsed = read_sheet(upload, columns)
    if parsed.errors and not parsed.rows:
        raise ImportRejected(parsed.errors)
    planned = _plan_import(actor, spec, parsed, columns, today)
    if parsed.errors:
        raise ImportRejected(sorted(parsed.errors, key=lambda e: (e.row, e.column)))
    created = updated = unchanged = 0
    try:
        with transaction.atomic():
            for done, item in enumerate(planned):
                progress(done, len(planned))
                if item.before is None:
                    item.obj.save()
                    audit_create(actor=actor, obj=item.obj, detail="Excel导入")
                    created += 1
                elif snapshot(item.obj) == item.before:
                    unchanged += 1
                else:
                    item.obj.save()
                    audit_change(actor=actor, obj=item.obj, before=item.before, detail="Excel导入")
                    updated += 1
            audit_log(
                actor=actor,
                action=Action.IMPORT,
                model_label=spec.model._meta.label,
                detail=f"{spec.title}导入：新增{created}条，更新{updated}条，未变{unchanged}条",
            )
    except IntegrityError as exc:
        # Someone saved a clashing row between our checks and the write.
        raise ImportRejected(
            [
                CellError(
                    parsed.title, 0, "", "", "与他人同时保存的记录冲突，未导入任何数据，请重新导入"
                )
            ]
        ) from exc
    return ImportResult(created=created, updated=updated, unchanged=unchanged)


def _plan_import(
    actor: User,
    spec: LedgerSpec,
    parsed: ParsedSheet,
    columns: Sequence[Column],
    today: date,
) -> list[_Planned]:
    """Check every row against the database and the rules; return what to write.
    Errors go into ``parsed.errors``."""
    identifiers = {r.values.get("school") for r in parsed.rows} - {None}
    schools = {
        s.identifier: s
        for s in _writable_schools(actor)
        .filter(identifier__in=identifiers)
        .select_related("township")
    }
    years = {y.start_year: y for y in SchoolYear.objects.filter(bureau_id=bureau_id_of(actor))}
    writable_ids = set(_writable_schools(actor).values_list("pk", flat=True))

    def error(row: int, key: str, rule: str) -> None:
        parsed.error(row, key, rule, columns)

    bad_rows = {e.row for e in parsed.errors}
    staged: list[tuple[int, dict[str, Any]]] = []
    for row in parsed.rows:
        errors_before = len(parsed.errors)
        v = dict(row.values)
        if v.get("school") is not None:
            school = schools.get(v["school"])
            if school is None:
                error(row.row, "school", f"学校标识码“{v['school']}”不存在或您无权填报该学校")
            v["school"] = school
        if v.get("school_year") is not None:
            year = years.get(v["school_year"])
            if year is None:
                error(row.row, "school_year", "系统中没有该学年，请联系系统管理员先设置学年")
            v["school_year"] = year
        if row.row in bad_rows or len(parsed.errors) > errors_before:
            continue  # the cells are wrong already; the rules would only repeat it
        staged.append((row.row, v))

    existing = _existing_by_key(spec, [v for _, v in staged])
    seen: dict[tuple[Any, ...], int] = {}
    planned: list[_Planned] = []
    for number, v in staged:
        key = tuple(_key_value(v[name]) for name in spec.natural_key if name in v)
        if len(key) == len(spec.natural_key):
            if key in seen:
                field, _ = DUPLICATE[spec.key]
                error(number, field, f"与第{seen[key]}行是同一条记录，请合并")
                continue
            seen[key] = number
        obj = existing.get(key)
        before = None
        if obj is not None:
            if obj.school_id not in writable_ids:
                error(number, "plate", FOREIGN_PLATE)  # only plates reach across schools
                continue
            before = snapshot(obj)
            obj.school = v["school"]
        else:
            obj = spec.model(school=v["school"], created_by=actor)
        for name in spec.fields:
            if name not in v:
                continue  # column absent from the sheet: keep what is there
            value = v[name]
            if value is None:
                value = _blank(spec.field(name))
            setattr(obj, name, value)
        for name, rule in ledger_errors(spec=spec, obj=obj, today=today).items():
            error(number, name, rule)
        planned.append(_Planned(row=number, obj=obj, before=before))
    return planned


def _key_value(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


def _blank(f: models.Field) -> Any:
    if f.has_default():
        return f.get_default()
    return None if f.null else ""


def _existing_by_key(
    spec: LedgerSpec, staged: list[dict[str, Any]]
) -> dict[tuple[Any, ...], LedgerBase]:
    """Rows already in the database with a natural key of the sheet, in one query.
    Not scoped, and across the database wall: a plate is unique across schools, and
    its owner must be known."""
    lookups = Q()
    for name in spec.natural_key:
        values = {_key_value(v[name]) for v in staged if v.get(name) is not None}
        column = f"{name}_id" if name in _FK else name
        lookups &= Q(**{f"{column}__in": values})
    if not staged:
        return {}
    with wall.unrestricted():
        rows = list(spec.model.objects.filter(lookups).select_related("school"))
    return {_natural_key(spec, row): row for row in rows}
