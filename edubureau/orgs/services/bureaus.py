"""Administering the tree of bureaus.

* The platform operator (a superuser; ``edubureau bureau_create`` on the command
  line) creates the top bureau of a deployment: a province, or a standalone city
  or county. :func:`bureau_create_top`.
* A bureau's administrator creates the bureaus one level below their own
  (:func:`bureau_create_child`), their first administrators, who must change the
  initial password at the first login (:func:`first_administrator_create`), and
  moves schools between the bureaus of their subtree (:func:`school_move`), which
  keeps a :class:`~edubureau.orgs.models.SchoolTransfer` row.
* The same administrator imports child bureaus, their townships and schools from one
  workbook (:func:`tree_import`), all or nothing.

Who may do what is asked of the scoping door: ``Bureau.objects.writable_by(actor)``
is the administrator's subtree; nothing here re-states it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from edubureau.audit.models import Action
from edubureau.audit.services import audit_change, audit_create, audit_log, snapshot
from edubureau.core.excel import (
    MAX_IMPORT_BYTES,
    CellError,
    Column,
    ImportRejected,
    ParsedSheet,
    as_cell,
    parse_date,
    parse_int,
    parse_text,
    read_sheet,
)
from edubureau.core.import_kinds import Progress, no_progress
from edubureau.orgs.models import (
    LEVEL_BELOW,
    Bureau,
    BureauLevel,
    Department,
    Role,
    School,
    SchoolTransfer,
    Township,
    User,
)
from edubureau.orgs.moves import transfers_changed

# (code, name in a county, in a city, in a province); "{}" takes 股 (county) or 科 (city).
STANDARD_DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("office", "办公室", "办公室"),
    ("safety", "安全{}", "安全稳定工作处"),
    ("basic_education", "基础教育{}", "基础教育处"),
    ("personnel", "人事{}", "人事处"),
    ("finance", "计划财务{}", "财务处"),
    ("supervision", "督导室", "督导办公室"),
    ("research", "教研室", "教学研究室"),
    ("student_aid", "学生资助管理中心", "学生资助管理中心"),
    ("preschool", "学前教育{}", "学前教育处"),
    ("vocational", "职成教{}", "职业教育与成人教育处"),
    ("policy", "政策法规{}", "政策法规处"),
    ("facilities", "装备与基建{}", "装备与基建处"),
)
DEPARTMENT_SUFFIX = {BureauLevel.COUNTY: "股", BureauLevel.CITY: "科"}


def standard_departments(level: str) -> list[tuple[str, str]]:
    """``(code, name)`` of the departments a new bureau of ``level`` starts with."""
    if level == BureauLevel.PROVINCE:
        return [(code, province) for code, _, province in STANDARD_DEPARTMENTS]
    suffix = DEPARTMENT_SUFFIX.get(BureauLevel(level), "股")
    return [(code, name.format(suffix)) for code, name, _ in STANDARD_DEPARTMENTS]


NOT_ADMINISTRATOR = "只有系统管理员可以管理下级教育局"
NOT_OPERATOR = "只有平台运维人员（超级用户）可以设立顶级教育局"
NO_LEVEL_BELOW = "县（区）教育局之下不再设立教育局"


@dataclass(frozen=True)
class BureauData:
    name: str
    issuer_code: str
    region_code: str
    short_name: str = ""
    address: str = ""
    phone: str = ""
    # 启用日期: records before it are not counted as missing nor compared (safety facts).
    go_live: date | None = None


def region_code_problem(code: str, *, level: str, parent: Bureau | None) -> str | None:
    """What is wrong with ``code`` as the 6-digit administrative division code of a
    bureau of ``level`` under ``parent`` (None when nothing is)."""
    if len(code) != 6 or not code.isdigit():
        return "行政区划代码必须是6位数字，如340100（合肥市）"
    if level == BureauLevel.PROVINCE and not code.endswith("0000"):
        return "省级行政区划代码的后4位应为0000，如340000"
    if level == BureauLevel.CITY and (not code.endswith("00") or code.endswith("0000")):
        return "市级行政区划代码的后2位应为00（后4位不能全为0），如340100"
    if level == BureauLevel.COUNTY and code.endswith("00"):
        return "县级行政区划代码的后2位不能为00，如340102"
    if parent is not None and len(parent.region_code) == 6:
        head = (
            parent.region_code[:2]
            if parent.level == BureauLevel.PROVINCE
            else parent.region_code[:4]
        )
        if not code.startswith(head):
            return f"应以上级教育局行政区划代码的前{len(head)}位“{head}”开头"
    return None


def _require_administrator(actor: User) -> None:
    if not (actor.is_authenticated and actor.is_active and actor.role == Role.ADMINISTRATOR):
        raise PermissionDenied(NOT_ADMINISTRATOR)


def child_level(parent: Bureau) -> str | None:
    """The level of a bureau under ``parent`` (None under a county)."""
    below = LEVEL_BELOW.get(BureauLevel(parent.level))
    return str(below) if below is not None else None


def has_bureaus_below(user: Any) -> bool:
    """Whether the user's bureau may have bureaus below it (a county has none)."""
    bureau = getattr(user, "bureau", None) if getattr(user, "bureau_id", None) else None
    return bureau is not None and child_level(bureau) is not None


def _check_new_bureau(data: BureauData, *, level: str, parent: Bureau | None) -> None:
    errors: dict[str, str] = {}
    if not data.name.strip():
        errors["name"] = "请填写名称"
    elif Bureau.objects.filter(name=data.name.strip()).exists():
        errors["name"] = f"已有名为“{data.name.strip()}”的教育局"
    if not data.issuer_code.strip():
        errors["issuer_code"] = "请填写发文机关代字，如“合教发”"
    problem = region_code_problem(data.region_code.strip(), level=level, parent=parent)
    if problem:
        errors["region_code"] = problem
    elif Bureau.objects.filter(region_code=data.region_code.strip()).exists():
        errors["region_code"] = f"行政区划代码{data.region_code.strip()}已被其他教育局使用"
    if errors:
        raise ValidationError(errors)


def _create_bureau(
    *, actor: User | None, data: BureauData, level: str, parent: Bureau | None
) -> Bureau:
    _check_new_bureau(data, level=level, parent=parent)
    bureau = Bureau(
        parent=parent,
        level=level,
        name=data.name.strip(),
        short_name=data.short_name.strip(),
        issuer_code=data.issuer_code.strip(),
        region_code=data.region_code.strip(),
        address=data.address.strip(),
        phone=data.phone.strip(),
        go_live=data.go_live,
    )
    bureau.full_clean(exclude=["path"])
    bureau.save()
    Department.objects.bulk_create(
        Department(bureau=bureau, code=code, name=name, sort_order=(i + 1) * 10)
        for i, (code, name) in enumerate(standard_departments(level))
    )
    audit_create(
        actor=actor,
        obj=bureau,
        detail=(
            f"设立{BureauLevel(level).label}教育局"
            + (f"（上级：{parent.name}）" if parent else "（顶级）")
            + "，已建立标准股室"
        ),
    )
    return bureau


@transaction.atomic
def bureau_create_top(*, operator: User | None, data: BureauData, level: str) -> Bureau:
    """The top bureau of a deployment: a province, or a standalone city or county.
    ``operator`` is a superuser, or None on the command line (``bureau_create``)."""
    if operator is not None and not (operator.is_active and operator.is_superuser):
        raise PermissionDenied(NOT_OPERATOR)
    if level not in BureauLevel.values:
        raise ValidationError({"level": "请选择层级：province、city 或 county"})
    return _create_bureau(actor=operator, data=data, level=level, parent=None)


@transaction.atomic
def bureau_create_child(*, actor: User, parent: Bureau, data: BureauData) -> Bureau:
    """A bureau one level below the administrator's own (a city's county, a
    province's city). Nobody creates a sibling, or a bureau two levels down."""
    _require_administrator(actor)
    if parent.pk != actor.bureau_id:
        raise PermissionDenied("只能在本局之下设立下级教育局")
    level = child_level(parent)
    if level is None:
        raise ValidationError(NO_LEVEL_BELOW)
    return _create_bureau(actor=actor, data=data, level=level, parent=parent)


def _may_appoint(actor: User, bureau: Bureau) -> bool:
    if actor.is_active and actor.is_superuser:
        return True
    return (
        actor.is_active
        and actor.role == Role.ADMINISTRATOR
        and bureau.parent_id is not None
        and bureau.parent_id == actor.bureau_id
    )


@transaction.atomic
def first_administrator_create(
    *, actor: User | None, bureau: Bureau, username: str, full_name: str = "", phone: str = ""
) -> tuple[User, str]:
    """An administrator of ``bureau``, created by an administrator of its parent (or
    by the platform operator, ``actor`` None on the command line, for a top bureau).
    The initial password is returned once; it must be changed at the first login."""
    from edubureau.orgs.services.accounts import new_account

    if actor is not None and not _may_appoint(actor, bureau):
        raise PermissionDenied("只能为本局的下级教育局设立管理员")
    user, password = new_account(
        bureau=bureau,
        username=username,
        role=Role.ADMINISTRATOR,
        full_name=full_name,
        phone=phone,
    )
    audit_log(
        actor=actor,
        actor_name=None if actor is not None else "platform",
        action=Action.CREATE,
        obj=user,
        detail=f"为{bureau.name}设立系统管理员，已生成初始密码（首次登录须修改）",
    )
    return user, password


def move_targets(actor: User) -> Any:
    """Bureaus a school may be moved into by ``actor``: the administrator's subtree,
    as the scoping door gives it."""
    return Bureau.objects.writable_by(actor)


@transaction.atomic
def school_move(
    *,
    actor: User,
    school: School,
    to_bureau: Bureau,
    township: Township | None = None,
    moved_on: date | None = None,
    reason: str = "",
) -> SchoolTransfer:
    """Move a school to another bureau of the administrator's subtree (隶属关系调整).

    The school's accounts move with it; inspectors of other bureaus stop supervising
    it. A :class:`SchoolTransfer` row keeps where it was until ``moved_on``."""
    _require_administrator(actor)
    subtree = move_targets(actor)
    locked = School.objects.select_for_update().select_related("bureau").get(pk=school.pk)
    if not subtree.filter(pk=locked.bureau_id).exists():
        raise PermissionDenied("只能调整本局及下级教育局的学校")
    if not subtree.filter(pk=to_bureau.pk).exists():
        raise PermissionDenied("只能调入本局或下级教育局")
    moved_on = moved_on or timezone.localdate()
    errors: dict[str, str] = {}
    if to_bureau.pk == locked.bureau_id:
        errors["to_bureau"] = "学校已属于该教育局"
    if township is not None and township.bureau_id != to_bureau.pk:
        errors["township"] = "所选乡镇（街道）不属于调入的教育局"
    if township is None and to_bureau.level == BureauLevel.COUNTY:
        errors["township"] = "调入县（区）教育局的学校须选择所在乡镇（街道）"
    if moved_on > timezone.localdate():
        errors["moved_on"] = "调整日期不能晚于今天"
    last = locked.transfers.order_by("-moved_on").first()
    if last is not None and moved_on < last.moved_on:
        errors["moved_on"] = f"调整日期不能早于该校上一次调整（{last.moved_on:%Y-%m-%d}）"
    if School.objects.filter(bureau=to_bureau, name=locked.name).exclude(pk=locked.pk).exists():
        errors["to_bureau"] = f"{to_bureau.name}已有同名学校“{locked.name}”"
    if errors:
        raise ValidationError(errors)
    from_bureau, from_township = locked.bureau, locked.township
    locked.bureau, locked.township = to_bureau, township
    locked.save(update_fields=["bureau", "township", "updated_at"])
    accounts = User.objects.filter(school=locked).update(bureau=to_bureau)
    Assigned = User.assigned_schools.through
    dropped, _ = Assigned.objects.filter(school=locked).exclude(user__bureau=to_bureau).delete()
    transfer = SchoolTransfer.objects.create(
        school=locked,
        from_bureau=from_bureau,
        to_bureau=to_bureau,
        from_township=from_township,
        to_township=township,
        moved_on=moved_on,
        reason=reason.strip(),
        actor=actor,
    )
    # Readers of these subtrees now look for moved schools (orgs.moves).
    touched = {from_bureau.pk, to_bureau.pk, *from_bureau.ancestor_ids, *to_bureau.ancestor_ids}
    Bureau.objects.filter(pk__in=touched).update(has_moved_schools=True)
    transfers_changed()
    detail = (
        f"学校隶属调整：{from_bureau.name} → {to_bureau.name}，调整日期{moved_on:%Y-%m-%d}；"
        f"随校调整账号{accounts}个，解除其他教育局督学分配{dropped}条"
    )
    audit_log(
        actor=actor,
        action=Action.UPDATE,
        obj=locked,
        changes={
            "bureau": [from_bureau.pk, to_bureau.pk],
            "township": [
                from_township.pk if from_township else None,
                township.pk if township else None,
            ],
        },
        detail=detail + (f"；原因：{reason.strip()}" if reason.strip() else ""),
    )
    # The old bureau's audit trail keeps the move too.
    audit_log(
        actor=actor,
        action=Action.CREATE,
        obj=transfer,
        school_id=locked.pk,
        detail=detail,
    )
    return transfer


# Importing child bureaus, their townships and schools ----------------------------

BUREAU_SHEET = "下级教育局"
TOWNSHIP_SHEET = "乡镇（街道）"
SCHOOL_SHEET = "学校"
NO_SHEET = "找不到该工作表"
NO_ROWS = "没有数据行"


def _parse_code6(value: Any) -> str:
    text = str(int(value)) if isinstance(value, float | int) else str(value).strip()
    if len(text) != 6 or not text.isdigit():
        raise ValueError("行政区划代码必须是6位数字，如340100")
    return text


def _parse_township_code(value: Any) -> str:
    text = str(int(value)) if isinstance(value, float | int) else str(value).strip()
    if len(text) not in (9, 12) or not text.isdigit():
        raise ValueError("乡级区划代码应为9位或12位数字")
    return text


BUREAU_COLUMNS: tuple[Column, ...] = (
    Column("region_code", "行政区划代码", required=True, parse=_parse_code6, width=12),
    Column("name", "名称", required=True, parse=parse_text(100), width=24),
    Column("short_name", "简称", parse=parse_text(40), width=12),
    Column("issuer_code", "发文机关代字", required=True, parse=parse_text(20), width=14),
    Column("address", "地址", parse=parse_text(200), width=30),
    Column("phone", "电话", parse=parse_text(40)),
    Column("go_live", "启用日期", parse=parse_date, width=12),
)
TOWNSHIP_COLUMNS: tuple[Column, ...] = (
    Column("bureau", "所属教育局代码", required=True, parse=_parse_code6, width=14),
    Column("name", "名称", required=True, parse=parse_text(60), width=16),
    Column("code", "乡级区划代码", parse=_parse_township_code, width=14),
    Column("sort_order", "排序", parse=parse_int(0, 1_000_000), width=8),
)


def _school_columns() -> tuple[Column, ...]:
    from edubureau.orgs.services.schools import SCHOOL_COLUMNS

    own = tuple(
        Column(c.key, c.header, False, c.parse, c.width, c.aliases) if c.key == "township" else c
        for c in SCHOOL_COLUMNS
    )
    return (Column("bureau", "所属教育局代码", required=True, parse=_parse_code6, width=14), *own)


TREE_IMPORT_NOTE = """下级教育局、乡镇（街道）与学校导入说明
1. 本文件有三个工作表：“下级教育局”“乡镇（街道）”“学校”，可只填其中一部分；
   第1行为表头，请勿修改。
2. “下级教育局”：本局之下一级的教育局（省教育厅之下为市，市之下为县（区））。
   以6位行政区划代码识别，如340100（合肥市）、340102（瑶海区）；
   已有的按表格更新，没有的新增，新增的教育局自动建立标准股室。
3. “乡镇（街道）”：所属教育局代码须为本局下属的县（区）教育局（已有的或本文件中新增的）。
4. “学校”：所属教育局代码为学校所属的教育局（本局或下级）；以10位学校标识码识别学校。
   县（区）的学校须填所在乡镇（街道），市直、省直学校不填。
   学校改属其他教育局请使用“学校调整”，不在此导入。
5. 任一行有错误时整个文件不导入，请按错误提示（工作表、行、列、规则）修改后重新导入。"""


@dataclass(frozen=True)
class TreeImportResult:
    bureaus_created: int = 0
    bureaus_updated: int = 0
    townships_created: int = 0
    townships_updated: int = 0
    schools_created: int = 0
    schools_updated: int = 0

    def __str__(self) -> str:
        return (
            f"新增教育局{self.bureaus_created}个、更新{self.bureaus_updated}个；"
            f"新增乡镇（街道）{self.townships_created}个、更新{self.townships_updated}个；"
            f"新增学校{self.schools_created}所、更新{self.schools_updated}所"
        )


def _read_optional(data: bytes, columns: tuple[Column, ...], title: str) -> ParsedSheet | None:
    try:
        parsed = read_sheet(io.BytesIO(data), columns, sheet_name=title)
    except ImportRejected as exc:
        if len(exc.errors) == 1 and exc.errors[0].rule == NO_SHEET:
            return None
        raise
    if not parsed.rows and all(e.rule == NO_ROWS for e in parsed.errors):
        return None
    return parsed


def tree_import(
    *, actor: User, upload: IO[bytes], progress: Progress = no_progress
) -> TreeImportResult:
    """Create or update child bureaus, their townships and the schools of the
    administrator's subtree from one workbook; all rows of all sheets or none.

    Raises :class:`ImportRejected` with every problem found, having written nothing.
    Reports ``progress(rows written, rows)`` over the three sheets as it writes."""
    _require_administrator(actor)
    if actor.bureau is None:
        raise PermissionDenied(NOT_ADMINISTRATOR)
    parent: Bureau = actor.bureau
    data = upload.read(MAX_IMPORT_BYTES + 1)
    school_columns = _school_columns()
    bureau_sheet = _read_optional(data, BUREAU_COLUMNS, BUREAU_SHEET)
    township_sheet = _read_optional(data, TOWNSHIP_COLUMNS, TOWNSHIP_SHEET)
    school_sheet = _read_optional(data, school_columns, SCHOOL_SHEET)
    if bureau_sheet is None and township_sheet is None and school_sheet is None:
        raise ImportRejected(
            [
                CellError(
                    "",
                    0,
                    "",
                    "",
                    f"文件中没有“{BUREAU_SHEET}”“{TOWNSHIP_SHEET}”或“{SCHOOL_SHEET}”工作表的数据，"
                    "请使用下载的模板填写",
                )
            ]
        )
    # The administrator's subtree, as the scoping door gives it.
    subtree = {b.region_code: b for b in Bureau.objects.writable_by(actor) if b.region_code}
    level = child_level(parent)
    new_bureaus: dict[str, str] = {}  # code -> name, of bureaus the sheet creates
    plan = _check_bureaus(bureau_sheet, parent=parent, level=level, new=new_bureaus)

    def bureau_level(code: str) -> str | None:
        if code in new_bureaus:
            return level
        found = subtree.get(code)
        return str(found.level) if found is not None else None

    townships = _check_townships(township_sheet, subtree=subtree, level_of=bureau_level)
    schools = _check_schools(
        school_sheet,
        columns=school_columns,
        subtree=subtree,
        level_of=bureau_level,
        townships=townships,
    )
    sheets = [s for s in (bureau_sheet, township_sheet, school_sheet) if s is not None]
    errors = [e for s in sheets for e in sorted(s.errors, key=lambda e: (e.row, e.column))]
    if errors:
        raise ImportRejected(errors)
    return _write_tree(
        actor=actor,
        parent=parent,
        level=level,
        bureaus=plan,
        township_rows=township_sheet.rows if township_sheet else [],
        school_rows=school_sheet.rows if school_sheet else [],
        existing_schools=schools,
        progress=progress,
    )


def _check_bureaus(
    sheet: ParsedSheet | None, *, parent: Bureau, level: str | None, new: dict[str, str]
) -> list[tuple[dict[str, Any], Bureau | None]]:
    if sheet is None:
        return []
    codes = [r.values.get("region_code") for r in sheet.rows if r.values.get("region_code")]
    names = [r.values.get("name") for r in sheet.rows if r.values.get("name")]
    by_code = {b.region_code: b for b in Bureau.objects.filter(region_code__in=codes)}
    by_name = {b.name: b for b in Bureau.objects.filter(name__in=names)}
    seen_codes: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    plan: list[tuple[dict[str, Any], Bureau | None]] = []
    for row in sheet.rows:
        v = row.values
        code, name = v.get("region_code"), v.get("name")
        existing = by_code.get(code) if code else None
        if level is None:
            sheet.error(row.row, "region_code", NO_LEVEL_BELOW, BUREAU_COLUMNS)
            continue
        if code:
            if code in seen_codes:
                sheet.error(
                    row.row,
                    "region_code",
                    f"与第{seen_codes[code]}行的行政区划代码重复",
                    BUREAU_COLUMNS,
                )
            seen_codes.setdefault(code, row.row)
            problem = region_code_problem(code, level=level, parent=parent)
            if problem:
                sheet.error(row.row, "region_code", problem, BUREAU_COLUMNS)
            elif existing is not None and existing.parent_id != parent.pk:
                sheet.error(
                    row.row,
                    "region_code",
                    f"该行政区划代码已属于{existing.name}，不是本局的下级教育局",
                    BUREAU_COLUMNS,
                )
        if name:
            if name in seen_names:
                sheet.error(row.row, "name", f"与第{seen_names[name]}行的名称重复", BUREAU_COLUMNS)
            seen_names.setdefault(name, row.row)
            other = by_name.get(name)
            if other is not None and (existing is None or other.pk != existing.pk):
                sheet.error(row.row, "name", f"已有名为“{name}”的教育局", BUREAU_COLUMNS)
        if code and existing is None:
            new[code] = name or ""
        plan.append((v, existing))
    return plan


def _check_townships(
    sheet: ParsedSheet | None,
    *,
    subtree: dict[str, Bureau],
    level_of: Any,
) -> set[tuple[str, str]]:
    """Checks the townships sheet; returns ``(bureau code, name)`` of every township
    that will exist after the import (those in the database and in the sheet)."""
    counties = [b for b in subtree.values() if b.level == BureauLevel.COUNTY]
    known = {
        (subtree_code, name)
        for subtree_code, name in Township.objects.filter(bureau__in=counties).values_list(
            "bureau__region_code", "name"
        )
    }
    if sheet is None:
        return known
    seen: dict[tuple[str, str], int] = {}
    for row in sheet.rows:
        code, name = row.values.get("bureau"), row.values.get("name")
        if code:
            found = level_of(code)
            if found is None:
                sheet.error(
                    row.row,
                    "bureau",
                    f"本局及下级中没有行政区划代码为{code}的教育局",
                    TOWNSHIP_COLUMNS,
                )
            elif found != BureauLevel.COUNTY:
                sheet.error(row.row, "bureau", "乡镇（街道）只属于县（区）教育局", TOWNSHIP_COLUMNS)
        if code and name:
            if (code, name) in seen:
                sheet.error(
                    row.row,
                    "name",
                    f"与第{seen[(code, name)]}行重复（同一教育局的同名乡镇）",
                    TOWNSHIP_COLUMNS,
                )
            seen.setdefault((code, name), row.row)
            known.add((code, name))
    return known


def _check_schools(
    sheet: ParsedSheet | None,
    *,
    columns: tuple[Column, ...],
    subtree: dict[str, Bureau],
    level_of: Any,
    townships: set[tuple[str, str]],
) -> dict[str, School]:
    """Checks the schools sheet; returns the existing schools it updates, by identifier."""
    if sheet is None:
        return {}
    identifiers = [r.values.get("identifier") for r in sheet.rows if r.values.get("identifier")]
    existing = {
        s.identifier: s
        for s in School.objects.filter(identifier__in=identifiers).select_related("bureau")
    }
    in_use = {
        (code, name): identifier
        for code, name, identifier in School.objects.filter(
            bureau__in=list(subtree.values())
        ).values_list("bureau__region_code", "name", "identifier")
    }
    seen_ids: dict[str, int] = {}
    seen_names: dict[tuple[str, str], int] = {}
    for row in sheet.rows:
        v = row.values
        code, identifier, name = v.get("bureau"), v.get("identifier"), v.get("name")
        township = v.get("township")
        found = level_of(code) if code else None
        if code and found is None:
            sheet.error(row.row, "bureau", f"本局及下级中没有行政区划代码为{code}的教育局", columns)
        if found == BureauLevel.COUNTY:
            if not township:
                sheet.error(row.row, "township", "县（区）的学校须填写所在乡镇（街道）", columns)
            elif (code, township) not in townships:
                sheet.error(
                    row.row,
                    "township",
                    f"该教育局没有乡镇（街道）“{township}”，请先在“{TOWNSHIP_SHEET}”中列出",
                    columns,
                )
        elif found is not None and township:
            sheet.error(row.row, "township", "市直、省直学校不属于乡镇（街道），请留空", columns)
        if identifier:
            if identifier in seen_ids:
                sheet.error(
                    row.row, "identifier", f"与第{seen_ids[identifier]}行的学校标识码重复", columns
                )
            seen_ids.setdefault(identifier, row.row)
            other = existing.get(identifier)
            if other is not None:
                if other.bureau.region_code not in subtree:
                    sheet.error(row.row, "identifier", "该学校标识码已属于其他教育局", columns)
                elif code and other.bureau.region_code != code:
                    sheet.error(
                        row.row,
                        "bureau",
                        f"该学校现属{other.bureau.name}，调整隶属关系请使用“学校调整”",
                        columns,
                    )
        if code and name:
            if (code, name) in seen_names:
                sheet.error(
                    row.row, "name", f"与第{seen_names[(code, name)]}行的学校名称重复", columns
                )
            seen_names.setdefault((code, name), row.row)
            owner = in_use.get((code, name))
            if owner is not None and owner != identifier:
                sheet.error(row.row, "name", f"名称已被学校（标识码{owner}）使用", columns)
    return existing


@transaction.atomic
def _write_tree(
    *,
    actor: User,
    parent: Bureau,
    level: str | None,
    bureaus: list[tuple[dict[str, Any], Bureau | None]],
    township_rows: list[Any],
    school_rows: list[Any],
    existing_schools: dict[str, School],
    progress: Progress,
) -> TreeImportResult:
    from edubureau.orgs.services.schools import save_imported_school

    rows = len(bureaus) + len(township_rows) + len(school_rows)

    counts = dict.fromkeys(
        (
            "bureaus_created",
            "bureaus_updated",
            "townships_created",
            "townships_updated",
            "schools_created",
            "schools_updated",
        ),
        0,
    )
    for values, existing in bureaus:
        fields: dict[str, Any] = {
            key: (values.get(key) or "")
            for key in ("name", "short_name", "issuer_code", "address", "phone")
        }
        if values.get("go_live") or existing is None:
            # An empty cell keeps the go-live an existing bureau has.
            fields["go_live"] = values.get("go_live") or None
        if existing is None:
            assert level is not None
            _create_bureau(
                actor=actor,
                data=BureauData(region_code=values["region_code"], **fields),
                level=level,
                parent=parent,
            )
            counts["bureaus_created"] += 1
            continue
        before = snapshot(existing)
        for key, value in fields.items():
            setattr(existing, key, value)
        if snapshot(existing) != before:
            existing.full_clean(exclude=["path"], validate_unique=False)
            existing.save()
            audit_change(actor=actor, obj=existing, before=before, detail="Excel导入")
            counts["bureaus_updated"] += 1
    by_code = {b.region_code: b for b in Bureau.objects.writable_by(actor) if b.region_code}
    for row in township_rows:
        v = row.values
        bureau = by_code[v["bureau"]]
        township = Township.objects.filter(bureau=bureau, name=v["name"]).first()
        if township is None:
            township = Township(bureau=bureau, name=v["name"])
            township.code = v.get("code") or ""
            township.sort_order = v.get("sort_order") or (
                Township.objects.filter(bureau=bureau).count() + 1
            )
            township.save()
            audit_create(actor=actor, obj=township, detail="Excel导入")
            counts["townships_created"] += 1
            continue
        before = snapshot(township)
        if v.get("code"):
            township.code = v["code"]
        if v.get("sort_order") is not None:
            township.sort_order = v["sort_order"]
        if snapshot(township) != before:
            township.save()
            audit_change(actor=actor, obj=township, before=before, detail="Excel导入")
            counts["townships_updated"] += 1
    townships = {
        (t.bureau_id, t.name): t for t in Township.objects.filter(bureau__in=list(by_code.values()))
    }
    for done, row in enumerate(school_rows, start=rows - len(school_rows)):
        progress(done, rows)
        v = dict(row.values)
        bureau = by_code[v.pop("bureau")]
        name = v.get("township")
        v["township"] = townships[(bureau.pk, name)] if name else None
        created = save_imported_school(
            actor=actor, bureau=bureau, values=v, existing=existing_schools.get(v["identifier"])
        )
        if created is True:
            counts["schools_created"] += 1
        elif created is False:
            counts["schools_updated"] += 1
    result = TreeImportResult(**counts)
    audit_log(
        actor=actor,
        action=Action.IMPORT,
        model_label=Bureau._meta.label,
        detail=f"下级教育局与学校导入：{result}",
    )
    return result


def tree_workbook(actor: User) -> bytes:
    """The import template: the three sheets with their headers, the administrator's
    child bureaus filled in, and the notes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    children = (
        Bureau.objects.filter(parent_id=actor.bureau_id).order_by("region_code", "name")
        if actor.bureau_id
        else Bureau.objects.none()
    )
    sheets: list[tuple[str, tuple[Column, ...], list[tuple[Any, ...]]]] = [
        (
            BUREAU_SHEET,
            BUREAU_COLUMNS,
            [
                (b.region_code, b.name, b.short_name, b.issuer_code, b.address, b.phone)
                for b in children
            ],
        ),
        (TOWNSHIP_SHEET, TOWNSHIP_COLUMNS, []),
        (SCHOOL_SHEET, _school_columns(), []),
    ]
    first = True
    for title, columns, rows in sheets:
        sheet = workbook.active if first else workbook.create_sheet()
        first = False
        sheet.title = title
        sheet.append([c.header for c in columns])
        for index, column in enumerate(columns, start=1):
            sheet.cell(row=1, column=index).font = Font(bold=True)
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        for row in rows:
            sheet.append([as_cell(value) for value in row])
        sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("说明")
    for line in TREE_IMPORT_NOTE.splitlines():
        notes.append([line])
    notes.column_dimensions["A"].width = 110
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
