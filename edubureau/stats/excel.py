"""Returns in and out of Excel: the template a school fills, the workbook a bureau
fills for its schools, and the reading of either back into figures with the cell of
each one.

**One layout for both.** A workbook has one sheet per level (学前教育, 小学, 初中, …,
named by ``Level.label``), one row per school: 学校标识码, 学校名称 (a kindergarten's
sheet also 幼儿园类别, a dropdown), then every field of the level from the data
dictionary, its header two rows deep (the form group over "label（unit）"). A school's
template is the same workbook with one row (its own) on each sheet of the levels it
reports; a bureau's has every school it may import on the sheets of their levels.
One sheet per level rather than one sheet for every field keeps the columns to a
level's 21—26 (a sheet over every level would have ~140, most of them blank for any
school), and one reader serves the template and the bureau's workbook alike: a
nine-year school is a row on 小学 and a row on 初中, and its figures are the two
rows together.

Nothing here lists a field of its own: sheets, headers, ranges and the data
validation come from :mod:`edubureau.stats.dictionary`, the checks from
:func:`edubureau.stats.rules.validate`.

Reading is two steps, so that the database is asked once for every school of the
file: :func:`parse_returns` reads the workbook (``core.workbook.read_workbook``:
.xlsx, .xls, .ods) into rows, matching headers by their text wherever the columns
are; :func:`check_returns` takes what the caller knows of the schools named
(:class:`SchoolInfo`) and gives each school's figures, cells and changes, and every
problem as a :class:`~edubureau.core.workbook.CellError` (sheet, row, column, value,
the rule in Chinese): errors block the import, warnings (year over year) are shown
and the school explains them when it submits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from edubureau.core import excel as core_excel
from edubureau.core.workbook import (
    CellError,
    Sheet,
    TemplateColumn,
    TemplateSheet,
    TemplateSpec,
    normalise,
    read_workbook,
    shown,
    write_template,
)
from edubureau.orgs.models import SchoolKind
from edubureau.stats.dictionary import FIELDS, GROUPS, FieldSpec, Level, levels_for
from edubureau.stats.models import KgCategory, ReturnStatus
from edubureau.stats.rules import clean_values, parse_value, validate

IDENTIFIER = "学校标识码"
NAME = "学校名称"
KG_CATEGORY = "幼儿园类别"
# The sheet of each level is named by the level's Chinese name.
LEVEL_SHEETS: dict[str, Level] = {Level(level).label: Level(level) for level in Level}
# Sheets a template may carry besides the levels' (write_template's hidden choices).
IGNORED_SHEETS = frozenset({"选项"})
# The header is looked for in the first rows of a sheet (a title may sit above it).
HEADER_SEARCH_ROWS = 10
MAX_HEADER_DEPTH = 4
EDITABLE_STATUSES = frozenset({ReturnStatus.DRAFT.value, ReturnStatus.RETURNED.value})
_YEAR = re.compile(r"(\d{4})" + "年")  # syntax and word apart: see the punctuation check

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def level_fields(level: Level) -> list[FieldSpec]:
    """The fields of one level, in dictionary order."""
    return [spec for spec in FIELDS.values() if spec.level == level]


def field_header(spec: FieldSpec) -> str:
    """A field's column header: its label and unit, 在校生（人）."""
    return f"{spec.label}（{spec.unit}）"


def kg_category_label(value: str) -> str:
    return str(dict(KgCategory.choices).get(value, ""))


_KG_BY_LABEL = {core_excel.header_key(label): str(value) for value, label in KgCategory.choices}


# Writing -------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateRow:
    """One school as a workbook lists it: its identity and its current figures."""

    identifier: str
    name: str
    kind: str
    values: Mapping[str, Any] = field(default_factory=dict)
    kg_category: str = ""


def sheet_title(year: int, level: Level) -> str:
    return f"{year}年教育事业统计基层表（{Level(level).label}）"


def level_columns(level: Level) -> list[TemplateColumn]:
    columns = [
        TemplateColumn((IDENTIFIER,), width=14),
        TemplateColumn((NAME,), width=30),
    ]
    if level == Level.KG:
        columns.append(
            TemplateColumn((KG_CATEGORY,), kind="choice", choices=tuple(KgCategory.labels))
        )
    columns += [
        TemplateColumn(
            (GROUPS[spec.group], field_header(spec)),
            kind="int",
            minimum=spec.minimum,
            maximum=spec.maximum,
        )
        for spec in level_fields(level)
    ]
    return columns


def returns_workbook(year: int, rows: Iterable[TemplateRow]) -> bytes:
    """The .xlsx of ``rows``: a sheet for each level any of them reports (every level
    when there is no row), each school on the sheets of its levels, with its figures
    and its kindergarten category; headers locked, whole numbers within the
    dictionary's range validated, a dropdown for the category."""
    by_level: dict[Level, list[list[Any]]] = {}
    for row in rows:
        for level in levels_for(row.kind):
            cells: list[Any] = [row.identifier, row.name]
            if level == Level.KG:
                cells.append(kg_category_label(row.kg_category) or None)
            cells += [row.values.get(spec.code) for spec in level_fields(level)]
            by_level.setdefault(level, []).append(cells)
    levels = [Level(level) for level in Level if level in by_level] or list(Level)
    sheets = [
        TemplateSheet(
            name=Level(level).label,
            columns=level_columns(level),
            title=sheet_title(year, level),
            rows=by_level.get(level, []),
            data_rows=max(len(by_level.get(level, [])), 1),
        )
        for level in levels
    ]
    return write_template(TemplateSpec(sheets))


# Reading -------------------------------------------------------------------------


@dataclass
class Row:
    """One school's row on one level's sheet, as read: raw values by field code (a
    whole number as an int, a blank as None), and the column letter of each."""

    sheet: str
    number: int
    level: Level
    identifier: str | None
    identifier_value: Any
    values: dict[str, Any]
    letters: dict[str, str]
    kg_category: Any = None
    kg_letter: str = ""
    identifier_letter: str = "A"

    def address(self, code: str) -> str:
        return f"{self.sheet}!{self.letters[code]}{self.number}"


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)

    def identifiers(self) -> set[str]:
        return {row.identifier for row in self.rows if row.identifier}


@dataclass(frozen=True)
class SchoolInfo:
    """What the reader must know of a school named in the file: whether the importer
    may write its return, and that return as it stands (``status`` "" when none)."""

    pk: int
    identifier: str
    name: str
    kind: str
    importable: bool
    status: str = ""
    status_label: str = ""
    version: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)
    kg_category: str = ""
    previous: Mapping[str, Any] | None = None


@dataclass
class SchoolFigures:
    """One school's figures from the file, with the cell of each, and what they
    change: ``action`` "new" (no return yet), "changed" or "unchanged"."""

    info: SchoolInfo
    values: dict[str, int]
    kg_category: str
    action: str
    changes: list[tuple[str, Any, Any]]
    rows: list[Row]

    @property
    def cells(self) -> dict[str, str]:
        """Each figure's cell, ``{code: "小学!C5"}`` (made when asked: the preview
        does not keep them, the import does)."""
        return {code: row.address(code) for row in self.rows for code in row.values}


@dataclass
class Checked:
    schools: list[SchoolFigures] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    warnings: list[CellError] = field(default_factory=list)


def _raw(value: Any) -> Any:
    """A calamine value as the rules read it, cheaply: a whole float an int, '' None;
    anything else through ``core.workbook.normalise``."""
    if type(value) is float:
        return int(value) if value.is_integer() else value
    if value == "" or value is None:
        return None
    return normalise(value)


def parse_returns(data: bytes, filename: str, *, year: int) -> Parsed:
    """The rows of every level's sheet of an upload, or ``WorkbookError`` for a file
    that cannot be read at all. Problems of the layout (a sheet that is not a level's,
    a header missing or twice, a title of another year) are collected as cell errors."""
    book = read_workbook(data, filename)
    parsed = Parsed()
    names = "、".join(LEVEL_SHEETS)
    found = False
    for sheet in book.sheets:
        level = LEVEL_SHEETS.get(sheet.name.strip())
        if level is None:
            if sheet.name.strip() in IGNORED_SHEETS or not _has_content(sheet):
                continue
            parsed.errors.append(
                CellError(sheet.name, 1, "", None, f"不是统计报表的工作表，工作表名称应为：{names}")
            )
            continue
        found = True
        _parse_sheet(sheet, level, year, parsed)
    if not found:
        parsed.errors.append(
            CellError(
                book.sheets[0].name,
                1,
                "",
                None,
                f"文件中没有统计报表的工作表（应为：{names}），请使用下载的模板填写",
            )
        )
    return parsed


def _has_content(sheet: Sheet) -> bool:
    return any(v not in ("", None) for row in sheet.raw for v in row)


def _parse_sheet(sheet: Sheet, level: Level, year: int, parsed: Parsed) -> None:
    top = next(
        (
            r
            for r in range(1, min(sheet.max_row, HEADER_SEARCH_ROWS) + 1)
            if any(_text(v) == IDENTIFIER for v in sheet.raw[r - 1] if isinstance(v, str) and v)
        ),
        None,
    )
    if top is None:
        parsed.errors.append(
            CellError(
                sheet.name, 1, "", None, f"前{HEADER_SEARCH_ROWS}行中找不到表头“{IDENTIFIER}”"
            )
        )
        return
    id_col = next(i for i, v in enumerate(sheet.raw[top - 1], 1) if _text(v) == IDENTIFIER)
    bottom = top
    while bottom < sheet.max_row and bottom - top + 1 < MAX_HEADER_DEPTH:
        below = sheet.raw[bottom]
        if _raw(below[id_col - 1]) is None and any(_raw(v) is not None for v in below):
            bottom += 1  # a header row under the first: 学校标识码 merged down over it
        else:
            break
    for r in range(1, top):
        for value in sheet.raw[r - 1]:
            match = _YEAR.search(value) if isinstance(value, str) else None
            if match and int(match[1]) != year:
                parsed.errors.append(
                    CellError(
                        sheet.name,
                        r,
                        "",
                        value,
                        f"表格为{match[1]}年的统计报表，导入的是{year}年，请选择正确的年份",
                    )
                )
                return
    columns: dict[str, list[int]] = {}
    for label in sheet.header((top, bottom)):
        columns.setdefault(label.label.split("/")[-1], []).append(label.column)
    wanted: list[tuple[str, str]] = [(IDENTIFIER, IDENTIFIER), (NAME, NAME)]
    if level == Level.KG:
        wanted.append((KG_CATEGORY, KG_CATEGORY))
    specs = level_fields(level)
    wanted += [(spec.code, field_header(spec)) for spec in specs]
    where: dict[str, int] = {}
    for key, header in wanted:
        matches = columns.get(core_excel.header_key(header), [])
        if key in FIELDS and not matches:
            matches = columns.get(core_excel.header_key(FIELDS[key].label), [])
        if len(matches) == 1:
            where[key] = matches[0]
        elif len(matches) > 1:
            twice = "、".join(get_column_letter(c) for c in matches)
            parsed.errors.append(
                CellError(sheet.name, bottom, "", None, f"表头“{header}”重复（{twice}列）")
            )
        elif key != NAME:
            parsed.errors.append(CellError(sheet.name, bottom, "", None, f"缺少表头“{header}”"))
    if any(spec.code not in where for spec in specs) or IDENTIFIER not in where:
        return
    field_cols = [(spec.code, where[spec.code] - 1) for spec in specs]
    letters = {code: get_column_letter(index + 1) for code, index in field_cols}
    kg_index = where[KG_CATEGORY] - 1 if KG_CATEGORY in where else None
    kg_letter = get_column_letter(kg_index + 1) if kg_index is not None else ""
    id_index = where[IDENTIFIER] - 1
    id_letter = get_column_letter(id_index + 1)
    full_width = max(i for _, i in field_cols) + 1
    for number in range(bottom + 1, sheet.max_row + 1):
        raw = sheet.raw[number - 1]
        width = len(raw)
        if width >= full_width:  # the usual row: every column there, numbers as floats
            values = {
                code: int(v) if type(v) is float and v.is_integer() else _raw(v)
                for code, i in field_cols
                for v in (raw[i],)
            }
        else:
            values = {code: _raw(raw[i]) if i < width else None for code, i in field_cols}
        identifier_value = _raw(raw[id_index]) if id_index < width else None
        kg = _raw(raw[kg_index]) if kg_index is not None and kg_index < width else None
        if identifier_value is None and kg is None and all(v is None for v in values.values()):
            continue  # a blank row
        parsed.rows.append(
            Row(
                sheet=sheet.name,
                number=number,
                level=level,
                identifier=shown(identifier_value) if identifier_value is not None else None,
                identifier_value=identifier_value,
                values=values,
                letters=letters,
                kg_category=kg,
                kg_letter=kg_letter,
                identifier_letter=id_letter,
            )
        )


def _text(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    return core_excel.header_key(re.sub(r"\s*\n\s*", "", value))


def check_returns(
    parsed: Parsed,
    *,
    year: int,
    schools: Mapping[str, SchoolInfo],
    only_school: int | None = None,
) -> Checked:
    """Each school's figures from ``parsed`` and every problem, against what the
    caller knows of the schools named (``schools`` by identifier; one missing is
    unknown). ``only_school``: a school's own template, which may hold no other."""
    checked = Checked(errors=list(parsed.errors))
    errors = checked.errors
    by_school: dict[int, list[Row]] = {}
    seen: dict[tuple[Level, int], int] = {}

    def refuse(row: Row, rule: str) -> None:
        errors.append(
            CellError(row.sheet, row.number, row.identifier_letter, row.identifier_value, rule)
        )

    for row in parsed.rows:
        if row.identifier is None:
            refuse(row, "学校标识码不能为空")
            continue
        info = schools.get(row.identifier)
        if info is None:
            refuse(row, "学校标识码不存在，请核对（应为10位数字）")
            continue
        if only_school is not None and info.pk != only_school:
            refuse(row, "本校的模板只能填写本校的统计报表")
            continue
        if not info.importable:
            refuse(row, "您不能导入该校的统计报表（只能导入本校或本局所属学校的）")
            continue
        if row.level not in levels_for(info.kind):
            kind = SchoolKind(info.kind).label if info.kind in SchoolKind.values else info.kind
            refuse(row, f"该校为{kind}，不报送{row.level.label}")
            continue
        earlier = seen.get((row.level, info.pk))
        if earlier is not None:
            refuse(row, f"该校在本工作表中重复（第{earlier}行已填写）")
            continue
        seen[(row.level, info.pk)] = row.number
        by_school.setdefault(info.pk, []).append(row)
    infos = {info.pk: info for info in schools.values()}
    for pk, rows in by_school.items():
        figures = _check_school(infos[pk], rows, year, checked)
        if figures is not None:
            checked.schools.append(figures)
    return checked


def _check_school(
    info: SchoolInfo, rows: list[Row], year: int, checked: Checked
) -> SchoolFigures | None:
    first = rows[0]
    missing = [level for level in levels_for(info.kind) if level not in {r.level for r in rows}]
    if missing:
        labels = "、".join(Level(level).label for level in missing)
        checked.errors.append(
            CellError(
                first.sheet,
                first.number,
                first.identifier_letter,
                first.identifier_value,
                f"该校还报送{labels}，但工作表“{labels}”中没有该校的行",
            )
        )
        return None
    values: dict[str, Any] = first.values if len(rows) == 1 else {}
    kg_raw: Any = None
    kg_row = first
    for row in rows:
        if len(rows) > 1:
            values.update(row.values)
        if row.level == Level.KG:
            kg_raw, kg_row = row.kg_category, row
    errors, warnings = validate(values, info.kind, info.previous)
    row_of = _row_of(rows) if errors or warnings else {}
    bad = bool(errors)
    for problem in errors:
        row = row_of[problem.field]
        value = values.get(problem.field) if problem.code.startswith(("type.", "range.")) else None
        checked.errors.append(
            CellError(row.sheet, row.number, row.letters[problem.field], value, problem.message)
        )
    kg_category = ""
    if kg_raw is not None:
        kg_category = _KG_BY_LABEL.get(core_excel.header_key(shown(kg_raw)), "")
        if not kg_category:
            bad = True
            checked.errors.append(
                CellError(
                    kg_row.sheet,
                    kg_row.number,
                    kg_row.kg_letter,
                    kg_raw,
                    "幼儿园类别应从下拉列表中选择：" + "、".join(KgCategory.labels),
                )
            )
    for problem in warnings:
        row = row_of[problem.field]
        checked.warnings.append(
            CellError(row.sheet, row.number, row.letters[problem.field], None, problem.message)
        )
    if bad:
        return None
    # Every field of the kind is valid (no error): its figure as the rules parsed it.
    clean = {c: v if type(v) is int else _whole(v) for c, v in values.items()}
    changes: list[tuple[str, Any, Any]] = []
    if info.status:  # a new return's figures are all new: no list of them
        before = clean_values(info.values, info.kind)
        changes = [(c, before.get(c), v) for c, v in clean.items() if before.get(c) != v]
    kg_after = kg_category or info.kg_category
    if kg_after != info.kg_category:
        changes.append((KG_CATEGORY, info.kg_category or None, kg_after))
    if not info.status:
        action = "new"
    elif changes:
        action = "changed"
    else:
        action = "unchanged"
    if action != "unchanged" and info.status and info.status not in EDITABLE_STATUSES:
        hint = (
            "如需修改，请联系教育局领导解锁"
            if info.status == ReturnStatus.LOCKED
            else "如需修改，请联系教育局退回"
        )
        checked.errors.append(
            CellError(
                first.sheet,
                first.number,
                first.identifier_letter,
                first.identifier_value,
                f"该校{year}年统计报表{info.status_label}，导入不能覆盖（{hint}）",
            )
        )
        return None
    return SchoolFigures(info, clean, kg_category, action, changes, rows)


def _whole(raw: Any) -> int:
    """A figure the rules passed ("１２", "1,200"), as they read it."""
    value = parse_value(raw)
    if value is None:  # validate reports a blank: never here
        raise ValueError(raw)
    return value


def _row_of(rows: list[Row]) -> dict[str, Row]:
    """The row each field code of a school was read from."""
    return {code: row for row in rows for code in row.values}


def cell_errors_as_dicts(errors: Sequence[CellError]) -> list[dict[str, Any]]:
    """Cell errors as the import's summary keeps them (JSON)."""
    return [
        {
            "sheet": e.sheet,
            "row": e.row,
            "column": e.column,
            "value": shown(e.value) if e.value is not None else "",
            "rule": e.rule,
        }
        for e in errors
    ]
