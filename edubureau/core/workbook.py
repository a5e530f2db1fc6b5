"""Cell-addressed, multi-sheet workbooks: read .xlsx, legacy .xls and .ods, write templates.

:mod:`core.excel` reads one sheet with one header row through openpyxl (.xlsx only).
The national 基层表 forms and the returns bureaus send each other are multi-sheet,
with titles above merged, multi-row headers, and still often saved as .xls or .ods:
this module reads them cell by cell, wherever the data sits.

Reading goes through python-calamine (Rust; ~10× faster than openpyxl, and the one
library that reads all three formats). Its raw values are normalised once, at access:
a whole float is an ``int`` (calamine returns every .xlsx number as a float), an empty
cell (``''``) is ``None``, text is stripped, a date-time at midnight is a ``date``.

An upload is a stranger's file, so before calamine parses anything :func:`read_workbook`
refuses what would exhaust the worker: more bytes than ``max_bytes``; for the zip
formats, the zip-bomb guard of :mod:`core.excel` (part sizes, compression ratio, DTDs)
and then a scan of the raw sheet XML for the furthest row and column, because calamine
allocates every cell of a sheet's rectangle (a 5 KB .xlsx with cells at A1 and CV200000
takes 600 MB). A .xls is not compressed, but it can be as sparse (a 6 KB .xls with
cells at A1 and IV65536 takes 1 GB): its BIFF records are walked for the same bound
(olefile opens the compound file).

Errors about cells are collected (:class:`CellErrors`) so that an import reports every
bad cell at once; errors about the file raise :class:`WorkbookError`. Every message is
Chinese.

:func:`write_template` writes the matching .xlsx template with openpyxl: multi-row,
merged Chinese headers from each column's label path, data validation, locked header
rows and frozen panes.
"""

from __future__ import annotations

import io
import re
import struct
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Literal
from xml.parsers import expat

import olefile
import python_calamine
from openpyxl import Workbook as OpenpyxlWorkbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from edubureau.core import excel

MB = 1024 * 1024
MAX_BYTES = 20 * MB  # the upload as sent
# A province-scale return (30,000 schools, one row each) with its header rows.
MAX_ROWS = 50_000
MAX_COLUMNS = 256
# Calamine holds each sheet as a dense rectangle (rows × columns, ~32 bytes a cell),
# all sheets at once: 3,000,000 cells is ~100 MB, e.g. 30,000 rows of 100 columns.
MAX_CELLS = 3_000_000
MAX_SHEETS = 50

FORMATS = ("xlsx", "xls", "ods")
EXTENSIONS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods"}
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2 compound file: .xls, encrypted OOXML
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"

NOT_A_SPREADSHEET = "文件不是Excel（.xlsx、.xls）或WPS/LibreOffice（.ods）表格，请另存为.xlsx后导入"
WRONG_EXTENSION = "只能导入.xlsx、.xls或.ods格式的表格文件"
HTML_AS_XLS = "文件内容是网页（HTML），不是真正的Excel表格，请用Excel打开后另存为.xlsx再导入"
SPREADSHEET_ML = "文件是Excel 2003 XML表格，请用Excel打开后另存为.xlsx再导入"
PASSWORD_PROTECTED = "文件设置了打开密码，无法读取，请取消密码后另存再导入"
DAMAGED = "文件已损坏或格式不正确，无法读取，请用Excel打开检查后另存为.xlsx再导入"
NO_SHEETS = "文件中没有工作表"


class WorkbookError(Exception):
    """The file as a whole is refused; ``message`` is Chinese, for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


# Limits ------------------------------------------------------------------------


@dataclass
class Limits:
    max_bytes: int = MAX_BYTES
    max_rows: int = MAX_ROWS
    max_columns: int = MAX_COLUMNS
    max_cells: int = MAX_CELLS  # summed over the sheets: calamine holds them all
    max_sheets: int = MAX_SHEETS
    cells_before: int = 0  # the rectangles of the sheets already bounded in this pass

    def check_extent(self, rows: int, columns: int, sheet: str = "") -> None:
        """Refuse a sheet whose rectangle (1-based last row and column) is too big,
        alone or with the sheets before it."""
        where = f"工作表“{sheet}”" if sheet else "文件中有工作表"
        if rows > self.max_rows:
            raise WorkbookError(f"{where}超过{self.max_rows}行，请拆分后导入")
        if columns > self.max_columns:
            raise WorkbookError(f"{where}超过{self.max_columns}列，请删除无关的列后导入")
        if self.cells_before + rows * columns > self.max_cells:
            raise WorkbookError(
                f"文件中各工作表的数据区域合计超过{self.max_cells}个单元格"
                "（每个工作表从A1到最后一行、最后一列），"
                "请删除表格下方或右侧的无关内容，或拆分后导入"
            )

    def next_sheet(self, rows: int, columns: int) -> None:
        self.cells_before += rows * columns


# Values ------------------------------------------------------------------------


def normalise(value: Any) -> Any:
    """A raw calamine value as the rest of the code sees it."""
    if isinstance(value, str):
        if value.startswith(excel.TEXT_MARK) and value[1:2] in excel.FORMULA_TRIGGERS:
            value = value[1:]  # written by excel.as_cell: an export reads back unchanged
        value = value.strip()  # str.strip also removes the full-width space U+3000
        return value or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date()
    return value


_INTEGER = re.compile(r"[+-]?\d+(?:\.0*)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+")


def to_int(value: Any) -> int:
    """``value`` (normalised) as an integer, or ``ValueError``. Text counts too: typed
    full-width ("１２３", "－５"), with thousands separators ("1,200") or as "12.0"."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError(value)
    if isinstance(value, str):
        # NFKC folds full-width digits, signs and the full-width comma and point.
        text = unicodedata.normalize("NFKC", value).strip()
        if _GROUPED.fullmatch(text):
            text = text.replace(",", "")
        if _INTEGER.fullmatch(text):
            return int(text.split(".")[0])
    raise ValueError(value)


def shown(value: Any) -> str:
    """A value as an error message quotes it."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


# Addresses ---------------------------------------------------------------------

_ADDRESS = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


def column_index(letters: str) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number


def parse_address(address: str) -> tuple[int, int]:
    """``"B7"`` → ``(7, 2)``: row and column, 1-based."""
    match = _ADDRESS.fullmatch(address.strip())
    if not match or int(match[2]) < 1:
        raise ValueError(f"not a cell address: {address!r}")
    return int(match[2]), column_index(match[1])


# Cell errors -------------------------------------------------------------------


@dataclass(frozen=True)
class CellError:
    """One bad cell: ``column`` is the spreadsheet letter; ``row`` 1-based."""

    sheet: str
    row: int
    column: str
    value: Any
    rule: str

    def __str__(self) -> str:
        # A header missing from its rows has no column.
        where = f"工作表“{self.sheet}”第{self.row}行" + (f"{self.column}列" if self.column else "")
        if self.value is not None:
            where += f"（值“{shown(self.value)}”）"
        return f"{where}：{self.rule}"


class WorkbookRejected(Exception):
    """Raised with every cell error found; the caller has written nothing."""

    def __init__(self, errors: Sequence[CellError]) -> None:
        super().__init__(f"{len(errors)} errors")
        self.errors = list(errors)


@dataclass
class CellErrors:
    """Collects every bad cell of an import, so that the user fixes them in one go."""

    errors: list[CellError] = field(default_factory=list)

    def add(self, error: CellError) -> None:
        self.errors.append(error)

    def __iter__(self) -> Iterator[CellError]:
        return iter(self.errors)

    def __len__(self) -> int:
        return len(self.errors)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def messages(self) -> list[str]:
        return [str(error) for error in self.errors]

    def raise_if_any(self) -> None:
        if self.errors:
            raise WorkbookRejected(self.errors)


def int_rule(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f"应为{minimum}至{maximum}之间的整数"
    if minimum is not None:
        return f"应为不小于{minimum}的整数"
    if maximum is not None:
        return f"应为不大于{maximum}的整数"
    return "应为整数"


REQUIRED = "不能为空"


# Sheets ------------------------------------------------------------------------

Address = str | tuple[int, int]


@dataclass(frozen=True)
class HeaderLabel:
    column: int  # 1-based
    letter: str
    label: str  # the header rows' texts, top to bottom, joined by "/"


@dataclass
class Sheet:
    """One worksheet; rows and columns are 1-based, as Excel shows them."""

    name: str
    raw: list[list[Any]]  # calamine's values from A1, not normalised
    # Merged ranges ((first row, first column), (last row, last column)), 1-based;
    # None where the format does not report them (calamine: .ods).
    merged: list[tuple[tuple[int, int], tuple[int, int]]] | None

    @property
    def max_row(self) -> int:
        return len(self.raw)

    @property
    def max_column(self) -> int:
        return max((len(row) for row in self.raw), default=0)

    def _at(self, address: Address, column: int | None) -> tuple[int, int]:
        if isinstance(address, tuple):
            return address
        if isinstance(address, int):
            if column is None:
                raise TypeError("cell(row, column) needs both")
            return address, column
        return parse_address(address)

    def cell(self, address: Address | int, column: int | None = None) -> Any:
        """``cell("B7")`` or ``cell(7, 2)``: the normalised value, None when empty."""
        row, col = self._at(address, column)  # type: ignore[arg-type]
        if row < 1 or col < 1:
            raise ValueError("rows and columns start at 1")
        if row > len(self.raw):
            return None
        values = self.raw[row - 1]
        return normalise(values[col - 1]) if col <= len(values) else None

    def rows(
        self,
        first: int = 1,
        last: int | None = None,
        *,
        first_col: int = 1,
        last_col: int | None = None,
    ) -> Iterator[tuple[int, list[Any]]]:
        """(row number, normalised values from ``first_col``) for each row in the range."""
        last = len(self.raw) if last is None else min(last, len(self.raw))
        start = first_col - 1
        for number in range(first, last + 1):
            values = self.raw[number - 1]
            stop = len(values) if last_col is None else last_col
            yield number, [normalise(v) for v in values[start:stop]]

    def header(
        self,
        rows: tuple[int, int] | int,
        *,
        first_col: int = 1,
        last_col: int | None = None,
        carry: bool | None = None,
    ) -> list[HeaderLabel]:
        """The column labels of a header spanning ``rows`` (first, last; inclusive).

        A merged cell's text stands for every cell it covers, so a parent "在校生" over
        "男" and "女" gives "在校生/男" and "在校生/女", and "学校名称" merged down both
        rows gives "学校名称". Where the format reports its merged ranges (.xlsx, .xls)
        they are used as they are; where it does not (.ods), or with ``carry=True``
        (a header typed without merging, its parent over the first child only), a
        blank cell in any header row but the last takes the text to its left, as long
        as the row above is the same as to its left (so a parent never spills past
        its own parent). ``carry=False`` never carries. Blank columns (no text in any
        header row) are left out. Texts are matched as
        :func:`core.excel.header_key` does (full-width punctuation), line breaks inside
        a cell dropped."""
        top, bottom = (rows, rows) if isinstance(rows, int) else rows
        last_col = self.max_column if last_col is None else last_col
        width = last_col - first_col + 1
        grid = [
            [_header_text(self.cell(r, c)) for c in range(first_col, last_col + 1)]
            for r in range(top, bottom + 1)
        ]
        for (r0, c0), (r1, c1) in self.merged or ():
            text = _header_text(self.cell(r0, c0))
            for r in range(max(r0, top), min(r1, bottom) + 1):
                for c in range(max(c0, first_col), min(c1, last_col) + 1):
                    grid[r - top][c - first_col] = text
        if carry or (carry is None and self.merged is None):
            for level in range(len(grid) - 1):
                for i in range(1, width):
                    # Same parent as the column to the left (or no parent at all).
                    same_parent = level == 0 or grid[level - 1][i] == grid[level - 1][i - 1]
                    if grid[level][i] == "" and same_parent and _has_below(grid, level, i):
                        grid[level][i] = grid[level][i - 1]
        labels = []
        for i in range(width):
            parts: list[str] = []
            for level in range(len(grid)):
                text = grid[level][i]
                if text and (not parts or parts[-1] != text):
                    parts.append(text)
            if parts:
                column = first_col + i
                labels.append(HeaderLabel(column, get_column_letter(column), "/".join(parts)))
        return labels

    def columns(
        self, labels: Sequence[str], *, rows: tuple[int, int] | int, errors: CellErrors
    ) -> dict[str, int]:
        """The column of each of ``labels`` in the header on ``rows`` (as
        :meth:`header` labels them, matched as :func:`core.excel.header_key` does),
        wherever the user moved it. A label missing, or found twice, is added to
        ``errors`` against the header's last row, and left out of the result."""
        found: dict[str, list[HeaderLabel]] = {}
        for label in self.header(rows):
            found.setdefault(label.label, []).append(label)
        bottom = rows if isinstance(rows, int) else rows[1]
        result = {}
        for wanted in labels:
            matches = found.get(_header_text(wanted), [])
            if len(matches) == 1:
                result[wanted] = matches[0].column
            elif not matches:
                errors.add(CellError(self.name, bottom, "", None, f"缺少表头“{wanted}”"))
            else:
                letters = "、".join(m.letter for m in matches)
                errors.add(
                    CellError(self.name, bottom, "", None, f"表头“{wanted}”重复（{letters}列）")
                )
        return result

    # Typed readers: a bad cell is added to ``errors`` and read as None.

    def _typed(
        self,
        address: Address,
        errors: CellErrors,
        required: bool,
        convert: Callable[[Any], Any],
        rule: str,
    ) -> Any:
        row, col = self._at(address, None)
        value = self.cell(row, col)
        if value is None:
            if required:
                errors.add(CellError(self.name, row, get_column_letter(col), None, REQUIRED))
            return None
        try:
            return convert(value)
        except RuleError as exc:
            errors.add(CellError(self.name, row, get_column_letter(col), value, str(exc)))
        except ValueError:
            errors.add(CellError(self.name, row, get_column_letter(col), value, rule))
        return None

    def int_at(
        self,
        address: Address,
        *,
        errors: CellErrors,
        minimum: int | None = 0,
        maximum: int | None = None,
        required: bool = True,
    ) -> int | None:
        """The integer at ``address`` (a count by default: ≥ 0), or None with the cell
        added to ``errors``. Full-width digits and text such as "1,200" are read."""
        rule = int_rule(minimum, maximum)

        def convert(value: Any) -> int:
            number = to_int(value)
            if (minimum is not None and number < minimum) or (
                maximum is not None and number > maximum
            ):
                raise ValueError(number)
            return number

        result: int | None = self._typed(address, errors, required, convert, rule)
        return result

    def text_at(
        self, address: Address, *, errors: CellErrors, max_length: int = 200, required: bool = True
    ) -> str | None:
        """The text at ``address`` (a number reads as its digits: "2026", not "2026.0")."""

        def convert(value: Any) -> str:
            text = shown(value)
            if len(text) > max_length:
                raise RuleError(f"不能超过{max_length}个字符")
            return text

        result: str | None = self._typed(address, errors, required, convert, "应为文字")
        return result


class RuleError(ValueError):
    """A converter's refusal whose rule (Chinese) depends on the value."""


def _header_text(value: Any) -> str:
    if value is None:
        return ""
    return excel.header_key(re.sub(r"\s*\n\s*", "", shown(value)))


def _has_below(grid: list[list[str]], level: int, i: int) -> bool:
    return any(grid[lower][i] for lower in range(level + 1, len(grid)))


@dataclass
class Workbook:
    format: Literal["xlsx", "xls", "ods"]
    sheets: list[Sheet]

    @property
    def sheet_names(self) -> list[str]:
        return [sheet.name for sheet in self.sheets]

    def sheet(self, name: str) -> Sheet:
        """The sheet called ``name`` (surrounding spaces ignored), or WorkbookError."""
        for sheet in self.sheets:
            if sheet.name.strip() == name.strip():
                return sheet
        raise WorkbookError(
            f"找不到工作表“{name}”，文件中的工作表为：{'、'.join(self.sheet_names)}"
        )


# Reading -----------------------------------------------------------------------


def read_workbook(
    data: bytes,
    filename: str,
    *,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
    max_cells: int = MAX_CELLS,
    max_sheets: int = MAX_SHEETS,
) -> Workbook:
    """Every worksheet of an .xlsx, .xls or .ods upload, or WorkbookError (Chinese).

    The format is told by the content (a renamed file is read for what it is); the
    name must still have a spreadsheet extension. ``max_rows`` and ``max_columns``
    bound each sheet's last used row and column, ``max_cells`` their product."""
    limits = Limits(max_bytes, max_rows, max_columns, max_cells, max_sheets)
    if len(data) > limits.max_bytes:
        raise WorkbookError(f"文件超过{_size(limits.max_bytes)}，请拆分后导入")
    extension = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in EXTENSIONS:
        raise WorkbookError(WRONG_EXTENSION)
    kind = sniff(data)
    if kind == "xlsx" or kind == "ods":
        check_zip(data, kind, limits)
    else:
        check_xls(data, limits)
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError as exc:
        raise WorkbookError(PASSWORD_PROTECTED) from exc
    except Exception as exc:  # calamine, zip and XML errors alike: a broken file
        raise WorkbookError(DAMAGED) from exc
    with book:
        return Workbook(kind, _read_sheets(book, limits))


def _size(count: int) -> str:
    return f"{count // MB}MB" if count >= MB else f"{count // 1024}KB"


def _read_sheets(book: python_calamine.CalamineWorkbook, limits: Limits) -> list[Sheet]:
    limits = replace(limits, cells_before=0)  # counted again, as calamine built them
    worksheets = [
        meta.name
        for meta in book.sheets_metadata
        if meta.typ == python_calamine.SheetTypeEnum.WorkSheet
    ]
    if not worksheets:
        raise WorkbookError(NO_SHEETS)
    if len(worksheets) > limits.max_sheets:
        raise WorkbookError(f"文件中的工作表超过{limits.max_sheets}个，请删除无关的工作表后导入")
    sheets = []
    for name in worksheets:
        try:
            found = book.get_sheet_by_name(name)
            end = found.end
            # The zip formats were bounded before parsing; this catches a .xls.
            if end is not None:
                limits.check_extent(end[0] + 1, end[1] + 1, name)
                limits.next_sheet(end[0] + 1, end[1] + 1)
            raw = found.to_python(skip_empty_area=False) if end is not None else []
            merged = found.merged_cell_ranges
        except WorkbookError:
            raise
        except python_calamine.PasswordError as exc:
            raise WorkbookError(PASSWORD_PROTECTED) from exc
        except Exception as exc:
            raise WorkbookError(DAMAGED) from exc
        ranges = (
            None
            if merged is None
            else [((r0 + 1, c0 + 1), (r1 + 1, c1 + 1)) for (r0, c0), (r1, c1) in merged]
        )
        sheets.append(Sheet(name, raw, ranges))
    return sheets


def sniff(data: bytes) -> Literal["xlsx", "xls", "ods"]:
    """The format from the content, whatever the name says."""
    head = data[:8]
    if head == _CFB_MAGIC:
        # An .xlsx with a password to open is an encrypted package inside a compound
        # file; its directory names the stream (UTF-16).
        if "EncryptedPackage".encode("utf-16-le") in data[:MB] or (
            "EncryptionInfo".encode("utf-16-le") in data[:MB]
        ):
            raise WorkbookError(PASSWORD_PROTECTED)
        try:
            with olefile.OleFileIO(io.BytesIO(data)) as compound:
                streams = {"/".join(entry) for entry in compound.listdir()}
        except Exception as exc:  # olefile's errors for a broken compound file
            raise WorkbookError(DAMAGED) from exc
        if streams & {"EncryptedPackage", "EncryptionInfo"}:
            raise WorkbookError(PASSWORD_PROTECTED)
        if streams & {"Workbook", "Book"}:
            return "xls"
        raise WorkbookError(NOT_A_SPREADSHEET)  # a Word .doc or .ppt, say
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                if "xl/workbook.xml" in names:
                    return "xlsx"
                if "mimetype" in names and "content.xml" in names:
                    with archive.open("mimetype") as part:
                        if part.read(len(_ODS_MIMETYPE) + 1).strip() == _ODS_MIMETYPE:
                            return "ods"
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
            raise WorkbookError(DAMAGED) from exc
        raise WorkbookError(NOT_A_SPREADSHEET)
    start = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html", b"<table")) or b"<html" in start:
        raise WorkbookError(HTML_AS_XLS)
    if start.startswith(b"<?xml") and b"<?mso-application" in start:
        raise WorkbookError(SPREADSHEET_ML)
    raise WorkbookError(NOT_A_SPREADSHEET)


def check_zip(data: bytes, kind: str, limits: Limits) -> None:
    """The zip-bomb guard of core.excel (sizes from the zip directory, compression
    ratio, DTDs in the XML heads) with this module's bounds on each sheet's extent,
    scanned in the raw XML before calamine allocates it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise WorkbookError(DAMAGED) from exc
    with archive:
        parts = archive.infolist()
        if len(parts) > excel.MAX_PARTS:
            raise WorkbookError(DAMAGED)
        if sum(info.file_size for info in parts) > excel.MAX_UNPACKED_BYTES:
            raise WorkbookError(excel.too_big_unpacked())
        for info in parts:
            limit = excel.MAX_WORKSHEET_BYTES if _is_sheet_part(info.filename, kind) else None
            if info.file_size > (limit or excel._part_limit(info.filename)):
                raise WorkbookError(excel.too_big_unpacked())
            if info.file_size > MB and info.file_size > excel.MAX_COMPRESSION_RATIO * max(
                info.compress_size, 1
            ):
                raise WorkbookError(excel.ODD_COMPRESSION)
        try:
            for info in parts:
                if info.filename.lower().endswith(excel.XML_SUFFIXES):
                    excel._check_xml_head(archive, info)
                if _is_sheet_part(info.filename, kind):
                    with archive.open(info) as part:
                        if kind == "xlsx":
                            limits.next_sheet(*_xlsx_extent(part, limits))
                        else:
                            _ods_extent(part, limits)
        except excel.ImportRejected as exc:
            raise WorkbookError(str(exc.errors[0])) from exc
        except WorkbookError:
            raise
        except Exception as exc:  # a corrupt part (bad CRC, bad deflate stream, ...)
            raise WorkbookError(DAMAGED) from exc


def _is_sheet_part(name: str, kind: str) -> bool:
    if kind == "ods":
        return name == "content.xml"
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


# <row r="12" ...> and <c r="AB12" ...>; r is optional in the format (then the next
# row or column), so positions are also counted.
_PREFIX = rb"<(?:[A-Za-z_][\w.-]*:)?"
_XLSX_TAG = re.compile(_PREFIX + rb"(row|c)(?=[\s/>])([^>]*)>")
_R_ATTRIBUTE = re.compile(rb'\sr="([A-Z]*)(\d+)"')
# The fast path: tags without a namespace prefix whose first attribute is r, as
# Excel, WPS, LibreOffice and openpyxl write them. These patterns start with a
# literal, which the regular expression engine searches for at C speed.
_ROW_TAG = re.compile(rb"<row[\s/>]")
_CELL_TAG = re.compile(rb"<c[\s/>]")
_ROW_NUMBER = re.compile(rb'<row r="(\d+)"')
_CELL_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})\d')
_PREFIXED_TAG = re.compile(rb":(?:row|c)[\s/>]")


def _xlsx_extent(part: Any, limits: Limits) -> tuple[int, int]:
    """The furthest row and column of a worksheet, read from its raw XML before
    calamine allocates the rectangle between them. Where every row and cell tag of a
    chunk has its ``r`` attribute, as Excel, WPS, LibreOffice and openpyxl write
    them, the chunk is scanned by regular expressions alone (~0.3 s for 30,000 rows
    of 32 cells, 34 MB); otherwise tag by tag, counting positions."""
    state = [0, 0, 0, 0]  # current row, current column, furthest row, furthest column
    tail = b""
    while True:
        chunk = part.read(MB)
        text = tail + chunk
        cut = text.rfind(b"<") if chunk else len(text)
        cut = len(text) if cut <= 0 else cut  # a tag cut in two waits for the next chunk
        window, tail = text[:cut], text[cut:]
        rows = _ROW_NUMBER.findall(window)
        columns = _CELL_COLUMN.findall(window)
        if (
            len(rows) == len(_ROW_TAG.findall(window))
            and len(columns) == len(_CELL_TAG.findall(window))
            and not _PREFIXED_TAG.search(window)
        ):
            if rows:
                state[0], state[1] = int(rows[-1]), 0
                state[2] = max(state[2], *map(int, rows))
            if columns:
                widest = max(set(columns), key=lambda letters: (len(letters), letters))
                state[3] = max(state[3], column_index(widest.decode()))
                state[1] = column_index(columns[-1].decode())
            limits.check_extent(max(state[2], 1), max(state[3], 1))
        else:
            _xlsx_extent_by_tag(window, limits, state)
        if not chunk:
            break
    return max(state[2], 1), max(state[3], 1)


def _xlsx_extent_by_tag(window: bytes, limits: Limits, state: list[int]) -> None:
    for match in _XLSX_TAG.finditer(window):
        ref = _R_ATTRIBUTE.search(match[2])
        if match[1] == b"row":
            state[0] = int(ref[2]) if ref else state[0] + 1
            state[1] = 0
            if state[0] <= state[2]:
                continue
            state[2] = state[0]
        else:
            state[1] = column_index(ref[1].decode()) if ref and ref[1] else state[1] + 1
            if state[1] <= state[3]:
                continue
            state[3] = state[1]
        limits.check_extent(max(state[2], 1), max(state[3], 1))


# BIFF8 records that hold a value at (row, column), the first two fields of each;
# calamine leaves blank (formatted-only) cells out of a sheet, and so does this.
_XLS_VALUE_RECORDS = frozenset(
    {
        0x0203,  # NUMBER
        0x027E,  # RK
        0x00FD,  # LABELSST
        0x0204,  # LABEL
        0x00D6,  # RSTRING
        0x0006,  # FORMULA
        0x0205,  # BOOLERR
    }
)
_XLS_MULRK = 0x00BD  # row, first column, values, last column (the record's last two bytes)
_XLS_FILEPASS = 0x002F  # the workbook is encrypted
_XLS_BOF = 0x0809


def check_xls(data: bytes, limits: Limits) -> None:
    """The furthest row and column of each sheet of a .xls, from its BIFF records,
    before calamine allocates the rectangle between them (a 6 KB file with cells at
    A1 and IV65536 takes calamine 1 GB): olefile opens the compound file, and each
    value record's position is read (~1 µs a record)."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as compound:
            name = "Workbook" if compound.exists("Workbook") else "Book"
            if not compound.exists(name):
                raise WorkbookError(DAMAGED)
            stream = compound.openstream(name).read()
    except WorkbookError:
        raise
    except Exception as exc:  # olefile's errors for a broken compound file
        raise WorkbookError(DAMAGED) from exc
    max_row = max_column = 0
    position, end = 0, len(stream)
    unpack = struct.unpack_from
    while position + 4 <= end:
        kind, length = unpack("<HH", stream, position)
        body, position = position + 4, position + 4 + length
        if kind in _XLS_VALUE_RECORDS and length >= 4:
            row, last = unpack("<HH", stream, body)
        elif kind == _XLS_MULRK and length >= 6:
            row, last = unpack("<H", stream, body)[0], unpack("<H", stream, body + length - 2)[0]
        elif kind == _XLS_BOF:  # the next sheet
            limits.next_sheet(max_row, max_column)
            max_row = max_column = 0
            continue
        elif kind == _XLS_FILEPASS:
            raise WorkbookError(PASSWORD_PROTECTED)
        else:
            continue
        if row >= max_row or last >= max_column:
            max_row, max_column = max(max_row, row + 1), max(max_column, last + 1)
            limits.check_extent(max_row, max_column)


_ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODS_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


_ODS_TABLE_XMLNS = f'xmlns:table="{_ODS_TABLE}"'.encode()
_ODS_TOKEN = re.compile(
    rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*)>"
)
_ODS_REPEAT = re.compile(rb'table:number-(?:rows|columns)-repeated="(\d+)"')
# The attributes an empty cell carries (LibreOffice pads rows with such cells): any
# other, such as office:value-type, or any content makes the cell count.
_ODS_EMPTY_CELL = re.compile(
    rb"(?:\s*table:(?:style-name|number-columns-repeated|number-columns-spanned"
    rb'|number-rows-spanned|content-validation-name)="[^"]*")*\s*/?'
)
_ODS_EMPTY_NAMES = {
    f"{_ODS_TABLE} {name}"
    for name in (
        "style-name",
        "number-columns-repeated",
        "number-columns-spanned",
        "number-rows-spanned",
        "content-validation-name",
    )
}
NESTED_TABLE = "文件中的工作表嵌套了表格，无法导入，请用Excel或WPS另存为.xlsx后再导入"


def _ods_extent(part: Any, limits: Limits) -> None:
    """The furthest non-empty cell of each table in content.xml, repeats counted
    (an empty cell repeated to the sheet's end, as LibreOffice writes, does not
    count: calamine leaves it out of the sheet too). Where the table namespace has
    the prefix "table:" throughout, as every office suite writes it, the part is
    scanned by one regular expression (~0.5 s for 10,000 rows of 32 cells);
    otherwise expat resolves the namespaces (~4× slower)."""
    content = part.read()
    if content.count(_ODS_TABLE.encode()) != 1 or _ODS_TABLE_XMLNS not in content:
        _ods_extent_by_element(content, limits)
        return
    depth = row = column = max_row = max_column = 0
    rows_repeated, row_filled = 1, False
    cell_first = cell_repeat = cell_open_end = 0
    for match in _ODS_TOKEN.finditer(content):
        closing, name, attributes = match[1], match[2], match[3]
        self_closing = attributes.endswith(b"/")
        if name == b"table":
            if closing:
                depth -= 1
                limits.next_sheet(max_row, max_column)
            elif not self_closing:
                depth += 1
                if depth > 1:
                    raise WorkbookError(NESTED_TABLE)
                row = max_row = max_column = 0
            continue
        if name == b"table-row":
            if not closing:
                repeat = _ODS_REPEAT.search(attributes)
                rows_repeated, column, row_filled = int(repeat[1]) if repeat else 1, 0, False
            if closing or self_closing:
                row += rows_repeated
                if row_filled:
                    max_row = row
                    limits.check_extent(max_row, max(max_column, 1))
            continue
        if closing:
            filled = match.start() != cell_open_end  # text or elements inside
        else:
            repeat = _ODS_REPEAT.search(attributes)
            cell_first, cell_repeat = column, int(repeat[1]) if repeat else 1
            column += cell_repeat
            filled = not _ODS_EMPTY_CELL.fullmatch(attributes)
            if not self_closing:
                cell_open_end = -1 if filled else match.end()
                continue
        if filled:
            row_filled = True
            max_column = max(max_column, cell_first + cell_repeat)


def _ods_extent_by_element(content: bytes, limits: Limits) -> None:
    """:func:`_ods_extent` for a content.xml that binds the table namespace to
    another prefix (or more than one)."""
    state = {"depth": 0, "row": 0, "col": 0, "max_row": 0, "max_col": 0, "rows_rep": 1}
    state["filled"] = 0
    cell: dict[str, int] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == f"{_ODS_TABLE} table":
            state["depth"] += 1
            if state["depth"] > 1:
                raise WorkbookError(NESTED_TABLE)
            state.update(row=0, max_row=0, max_col=0)
        elif name == f"{_ODS_TABLE} table-row":
            state["rows_rep"] = int(attrs.get(f"{_ODS_TABLE} number-rows-repeated", "1"))
            state["col"] = 0
            state["filled"] = 0
        elif name in (f"{_ODS_TABLE} table-cell", f"{_ODS_TABLE} covered-table-cell"):
            repeat = int(attrs.get(f"{_ODS_TABLE} number-columns-repeated", "1"))
            filled = any(key not in _ODS_EMPTY_NAMES for key in attrs)
            cell.update(start=state["col"], repeat=repeat, filled=int(filled), open=1)
            state["col"] += repeat
        elif cell.get("open"):
            cell["filled"] = 1  # text:p and the like inside a cell

    def text(data: str) -> None:
        if cell.get("open") and data.strip():
            cell["filled"] = 1

    def end(name: str) -> None:
        if name == f"{_ODS_TABLE} table":
            state["depth"] -= 1
            limits.next_sheet(state["max_row"], state["max_col"])
        elif name in (f"{_ODS_TABLE} table-cell", f"{_ODS_TABLE} covered-table-cell"):
            cell["open"] = 0
            if cell["filled"]:
                state["filled"] = 1
                state["max_col"] = max(state["max_col"], cell["start"] + cell["repeat"])
        elif name == f"{_ODS_TABLE} table-row":
            state["row"] += state["rows_rep"]
            if state["filled"]:
                state["max_row"] = state["row"]
                limits.check_extent(state["max_row"], max(state["max_col"], 1))

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(content, True)
    except expat.ExpatError as exc:
        raise WorkbookError(DAMAGED) from exc


# Templates ---------------------------------------------------------------------

ColumnKind = Literal["text", "int", "choice", "date"]


@dataclass(frozen=True)
class TemplateColumn:
    """A column; ``path`` is its header from the top row down: ("在校生", "男").

    Neighbouring columns sharing a label at the same level under the same parents
    are merged there; a path shorter than the header is merged down to its bottom."""

    path: tuple[str, ...]
    kind: ColumnKind = "text"
    minimum: int | None = 0  # for "int"
    maximum: int | None = None
    choices: tuple[str, ...] = ()  # for "choice"
    width: float | None = None  # None: fitted to the header

    @property
    def label(self) -> str:
        """As :meth:`Sheet.header` reads it back."""
        return "/".join(self.path)


@dataclass(frozen=True)
class TemplateSheet:
    name: str
    columns: Sequence[TemplateColumn]
    title: str = ""  # a merged title row above the header, when given
    rows: Sequence[Sequence[Any]] = ()  # pre-filled data rows (e.g. last year's)
    data_rows: int = 500  # rows that get validation and stay editable

    @property
    def header_rows(self) -> tuple[int, int]:
        """The first and last header row, 1-based (as :meth:`Sheet.header` takes them)."""
        first = 3 if self.title else 1  # a blank row between the title and the header
        return first, first + max(len(c.path) for c in self.columns) - 1

    @property
    def first_data_row(self) -> int:
        return self.header_rows[1] + 1


@dataclass(frozen=True)
class TemplateSpec:
    sheets: Sequence[TemplateSheet]
    # The header rows are locked to prevent accidental edits, not as a security
    # control: the protection has no password, and anyone can lift it in Excel.
    protect: bool = True


def write_template(spec: TemplateSpec) -> bytes:
    """The .xlsx template of ``spec``: per sheet an optional title row, the merged,
    multi-row header (bold, shaded, locked), data validation on ``data_rows`` rows
    (whole numbers within their bounds, lists of choices), frozen panes below the
    header, column widths fitted to the headers."""
    book = OpenpyxlWorkbook()
    book.remove(book.active)
    for sheet_spec in spec.sheets:
        _write_sheet(book, sheet_spec, spec.protect)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
_CENTRED = Alignment(horizontal="center", vertical="center", wrap_text=True)
_UNLOCKED = Protection(locked=False)
_LIST_SHEET = "选项"


def _write_sheet(book: OpenpyxlWorkbook, spec: TemplateSheet, protect: bool) -> None:
    sheet = book.create_sheet(spec.name[:31])
    columns = list(spec.columns)
    top, bottom = spec.header_rows
    if spec.title:
        sheet.cell(1, 1, excel.as_cell(spec.title)).font = Font(bold=True, size=14)
        if len(columns) > 1:
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    depth = bottom - top + 1
    for level in range(depth):
        index = 0
        while index < len(columns):
            path = columns[index].path
            if level >= len(path):
                index += 1
                continue  # merged down from the level above
            span = 1
            while (
                index + span < len(columns)
                and len(columns[index + span].path) > level
                and columns[index + span].path[: level + 1] == path[: level + 1]
                and level < len(path) - 1  # only parents span columns
            ):
                span += 1
            row = top + level
            down = bottom if level == len(path) - 1 else row
            cell = sheet.cell(row, index + 1, excel.as_cell(path[level]))
            if span > 1 or down > row:
                sheet.merge_cells(
                    start_row=row, start_column=index + 1, end_row=down, end_column=index + span
                )
            index += span
    for row in range(top, bottom + 1):
        for col in range(1, len(columns) + 1):
            cell = sheet.cell(row, col)
            cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _CENTRED
    first = spec.first_data_row
    last = first + max(spec.data_rows, len(spec.rows)) - 1
    for offset, values in enumerate(spec.rows):
        for col, value in enumerate(values, start=1):
            sheet.cell(first + offset, col, excel.as_cell(value))
    for col, column in enumerate(columns, start=1):
        letter = get_column_letter(col)
        sheet.column_dimensions[letter].width = column.width or _fitted_width(column.path[-1])
        validation = _validation(book, column)
        if validation is not None:
            sheet.add_data_validation(validation)
            validation.add(f"{letter}{first}:{letter}{last}")
        if protect:
            for row in range(first, last + 1):
                sheet.cell(row, col).protection = _UNLOCKED
    sheet.freeze_panes = f"A{first}"
    if protect:
        # Users may still resize columns and rows; only locked cells are protected.
        sheet.protection.sheet = True
        sheet.protection.formatColumns = False
        sheet.protection.formatRows = False


def _fitted_width(label: str) -> float:
    """Excel's width unit is about one Latin character; a Chinese one takes two."""
    shown_width = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in label)
    return max(8, min(40, shown_width + 2))


def _validation(book: OpenpyxlWorkbook, column: TemplateColumn) -> DataValidation | None:
    if column.kind == "int":
        minimum, maximum = column.minimum, column.maximum
        if minimum is not None and maximum is not None:
            rule = DataValidation(
                type="whole", operator="between", formula1=str(minimum), formula2=str(maximum)
            )
        elif minimum is not None:
            rule = DataValidation(
                type="whole", operator="greaterThanOrEqual", formula1=str(minimum)
            )
        elif maximum is not None:
            rule = DataValidation(type="whole", operator="lessThanOrEqual", formula1=str(maximum))
        else:
            rule = DataValidation(
                type="whole", operator="between", formula1="-2147483648", formula2="2147483647"
            )
        rule.error = int_rule(minimum, maximum)
    elif column.kind == "choice" and column.choices:
        inline = '"' + ",".join(column.choices) + '"'
        if len(inline) <= 255 and not any("," in c or '"' in c for c in column.choices):
            rule = DataValidation(type="list", formula1=inline)
        else:
            # Excel caps an inline list at 255 characters: longer ones live on a
            # hidden sheet the validation points to.
            rule = DataValidation(type="list", formula1=_choices_range(book, column.choices))
        rule.error = "请从下拉列表中选择"
    elif column.kind == "date":
        rule = DataValidation(type="date", operator="greaterThan", formula1="1")
        rule.error = "应为日期，如2026-09-01"
    else:
        return None
    rule.errorTitle = "输入有误"
    rule.showErrorMessage = True
    rule.allow_blank = True
    return rule


def _choices_range(book: OpenpyxlWorkbook, choices: tuple[str, ...]) -> str:
    if _LIST_SHEET in book.sheetnames:
        lists = book[_LIST_SHEET]
    else:
        lists = book.create_sheet(_LIST_SHEET)
        lists.sheet_state = "hidden"
    col = lists.max_column + 1 if lists.max_row > 1 or lists["A1"].value is not None else 1
    for row, choice in enumerate(choices, start=1):
        lists.cell(row, col, excel.as_cell(choice))
    letter = get_column_letter(col)
    return f"'{_LIST_SHEET}'!${letter}$1:${letter}${len(choices)}"
