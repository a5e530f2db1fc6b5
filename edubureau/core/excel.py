"""Excel in and out, shared by every module.

Import is two-phase so that it is all-or-nothing: :func:`read_sheet` parses and
validates every row and collects every error (sheet, row, column, rule, in
Chinese); the caller writes only when the list is empty. Exports use the same
column headers, so an exported sheet can be edited and imported back.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_IMPORT_ROWS = 50_000


@dataclass(frozen=True)
class CellError:
    sheet: str
    row: int
    column: str  # spreadsheet letter, "" when the error is about the whole row or file
    header: str
    rule: str

    def __str__(self) -> str:
        where = f"工作表“{self.sheet}”"
        if self.row:
            where += f"第{self.row}行"
        if self.column:
            where += f"{self.column}列"
        if self.header:
            where += f"(“{self.header}”)"
        return f"{where}:{self.rule}"


class ImportRejected(Exception):
    """Raised with every error found; nothing has been written."""

    def __init__(self, errors: Sequence[CellError]) -> None:
        super().__init__(f"{len(errors)} errors")
        self.errors = list(errors)


Parser = Callable[[Any], Any]


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    parse: Parser = lambda value: value
    width: int = 14
    aliases: tuple[str, ...] = ()


@dataclass
class ParsedRow:
    row: int
    values: dict[str, Any]


@dataclass
class ParsedSheet:
    title: str
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    letters: dict[str, str] = field(default_factory=dict)  # key -> column letter

    def error(self, row: int, key: str, rule: str, columns: Sequence[Column]) -> None:
        header = next((c.header for c in columns if c.key == key), "")
        self.errors.append(CellError(self.title, row, self.letters.get(key, ""), header, rule))


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def read_sheet(
    upload: IO[bytes], columns: Sequence[Column], *, sheet_name: str | None = None
) -> ParsedSheet:
    """Parse the first sheet (or ``sheet_name``): row 1 holds headers, data from row 2.

    Each column's ``parse`` turns a cell into a value or raises ``ValueError``
    whose message (Chinese) becomes the rule in the error list.
    """
    try:
        data = upload.read(MAX_IMPORT_BYTES + 1)
        if len(data) > MAX_IMPORT_BYTES:
            raise ImportRejected([CellError("", 0, "", "", "文件超过20MB,请拆分后导入")])
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportRejected(
            [CellError("", 0, "", "", "文件不是有效的Excel(.xlsx)文件,请使用导出的模板填写")]
        ) from exc
    try:
        if sheet_name is not None:
            if sheet_name not in workbook.sheetnames:
                raise ImportRejected([CellError(sheet_name, 0, "", "", "找不到该工作表")])
            sheet = workbook[sheet_name]
        else:
            sheet = workbook.worksheets[0]
        result = ParsedSheet(title=sheet.title)
        rows = sheet.iter_rows(values_only=True)
        header_row = next(rows, None)
        if header_row is None:
            result.errors.append(CellError(sheet.title, 1, "", "", "工作表为空,第1行应为表头"))
            return result
        positions: dict[str, int] = {}
        headers = [str(h).strip() if h is not None else "" for h in header_row]
        for column in columns:
            names = (column.header, *column.aliases)
            index = next((i for i, h in enumerate(headers) if h in names), None)
            if index is None:
                if column.required:
                    result.errors.append(
                        CellError(sheet.title, 1, "", column.header, f"缺少必填列“{column.header}”")
                    )
                continue
            positions[column.key] = index
            result.letters[column.key] = get_column_letter(index + 1)
        if result.errors:
            return result
        for number, raw in enumerate(rows, start=2):
            if number - 1 > MAX_IMPORT_ROWS:
                result.errors.append(
                    CellError(sheet.title, number, "", "", f"超过{MAX_IMPORT_ROWS}行,请拆分后导入")
                )
                break
            cells = {key: _clean(raw[i]) if i < len(raw) else None for key, i in positions.items()}
            if all(v is None for v in cells.values()):
                continue  # blank lines between blocks are common in hand-kept sheets
            values: dict[str, Any] = {}
            for column in columns:
                if column.key not in positions:
                    continue
                value = cells[column.key]
                if value is None:
                    if column.required:
                        result.error(number, column.key, "必填项不能为空", columns)
                    values[column.key] = None
                    continue
                try:
                    values[column.key] = column.parse(value)
                except ValueError as exc:
                    result.error(number, column.key, str(exc), columns)
            result.rows.append(ParsedRow(number, values))
        if not result.rows and not result.errors:
            result.errors.append(CellError(sheet.title, 2, "", "", "没有数据行"))
        return result
    finally:
        workbook.close()


# Parsers shared by importers -------------------------------------------------


def parse_text(max_length: int) -> Parser:
    def parse(value: Any) -> str:
        text = str(value).strip()
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        if len(text) > max_length:
            raise ValueError(f"不能超过{max_length}个字符")
        return text

    return parse


def parse_choice(choices: Iterable[tuple[Any, Any]]) -> Parser:
    """Accepts the Chinese label (as shown in exports) or the code."""
    by_label = {label: code for code, label in choices}
    codes = set(by_label.values())

    def parse(value: Any) -> str:
        text = str(value).strip()
        if text in by_label:
            return by_label[text]
        if text in codes:
            return text
        raise ValueError(f"“{text}”不是有效选项,应为:{'、'.join(by_label)}")

    return parse


def parse_int(minimum: int | None = None, maximum: int | None = None) -> Parser:
    def parse(value: Any) -> int:
        if isinstance(value, bool):
            raise ValueError("应为整数")
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError("应为整数")
            number = int(value)
        else:
            try:
                number = int(str(value).strip())
            except ValueError:
                raise ValueError(f"“{value}”不是整数") from None
        if minimum is not None and number < minimum:
            raise ValueError(f"不能小于{minimum}")
        if maximum is not None and number > maximum:
            raise ValueError(f"不能大于{maximum}")
        return number

    return parse


def parse_bool(value: Any) -> bool:
    text = str(value).strip().lower()
    if text in {"是", "1", "true", "y", "yes", "√", "在办", "启用"}:
        return True
    if text in {"否", "0", "false", "n", "no", "×", "停办", "停用"}:
        return False
    raise ValueError(f"“{value}”应填“是”或“否”")


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    for fmt in ("%Y-%m-%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"“{value}”不是日期,应为 2026-09-01 格式")


# Export ----------------------------------------------------------------------


def write_workbook(
    *, title: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]], note: str = ""
) -> bytes:
    """One sheet with a bold, frozen header row; returns the .xlsx bytes."""
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = title[:31]
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDE7F3")
    sheet.append([c.header for c in columns])
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    if note:
        notes = workbook.create_sheet("说明")
        for line in note.splitlines():
            notes.append([line])
        notes.column_dimensions["A"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
