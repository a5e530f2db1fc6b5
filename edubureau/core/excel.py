"""Excel in and out, shared by every module.

Import is two-phase so that it is all-or-nothing: :func:`read_sheet` parses and
validates every row and collects every error (sheet, row, column, rule, in
Chinese); the caller writes only when the list is empty. :func:`rehearse` runs an
import as a dry run (仅检查，不导入). Exports use the same
column headers, so an exported sheet can be edited and imported back.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any, TypeVar
from xml.parsers import expat

import xlsxwriter
from django.db import transaction
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

MB = 1024 * 1024
MAX_IMPORT_BYTES = 20 * MB  # the upload as sent
MAX_IMPORT_ROWS = 20_000  # data rows, below the header
MAX_IMPORT_COLUMNS = 100
# Unpacked, an .xlsx is a zip of XML that openpyxl reads whole (shared strings) or
# cell by cell (~13 µs a cell): these bound the memory and time one import may take.
# A county's largest sheet (20,000 rows of a 20-column ledger) is ~15 MB of sheet XML.
MAX_SHARED_STRINGS_BYTES = 20 * MB
MAX_WORKSHEET_BYTES = 50 * MB
MAX_OTHER_PART_BYTES = 20 * MB
MAX_UNPACKED_BYTES = 100 * MB
MAX_IMPORT_CELLS = 1_000_000  # per worksheet, empty (formatted) cells included
MAX_PARTS = 1_000
MAX_COMPRESSION_RATIO = 200  # for parts over 1 MB: real sheets compress 5-30 times
XML_SUFFIXES = (".xml", ".rels", ".vml")

NOT_A_WORKBOOK = "文件不是有效的Excel（.xlsx）文件，请使用导出的模板填写"
ODD_COMPRESSION = "文件的压缩比例异常，不像是Excel保存的文件，请用Excel打开后另存为.xlsx再导入"
HAS_DTD = (
    "文件含有Excel文件不会有的XML声明（DOCTYPE或ENTITY），已拒绝导入，请用Excel另存为.xlsx后再导入"
)
DAMAGED_ROW = "该行内容已损坏，无法读取，请用Excel打开检查后另存为.xlsx再导入"


# Messages naming a limit read it when refusing, so that a changed limit is told.
def too_big_unpacked() -> str:
    return (
        f"文件解压后过大（共享字符串不能超过{MAX_SHARED_STRINGS_BYTES // MB}MB，"
        f"每个工作表不能超过{MAX_WORKSHEET_BYTES // MB}MB，"
        f"合计不能超过{MAX_UNPACKED_BYTES // MB}MB），请删除无关内容或拆分后导入"
    )


def too_many_cells() -> str:
    return f"工作表的单元格超过{MAX_IMPORT_CELLS}个，请删除无关内容或拆分后导入"


def too_many_rows() -> str:
    return f"数据超过{MAX_IMPORT_ROWS}行，请拆分后导入"


def too_many_columns() -> str:
    return f"超过{MAX_IMPORT_COLUMNS}列，请删除无关的列后导入"


# A text cell starting with one of these is taken as a formula (or DDE command) by
# Excel, LibreOffice or a CSV re-save: "=HYPERLINK(...)" or "=cmd|' /C calc'!A0" in a
# school's hazard description must reach the bureau as text, never as a live formula.
# A line break (CR, which a written .xlsx holds as LF) leads one onto a line of its own.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
TEXT_MARK = "'"


@dataclass(frozen=True)
class CellError:
    sheet: str
    row: int
    column: str  # spreadsheet letter, "" when the error is about the whole row or file
    header: str
    rule: str

    def __str__(self) -> str:
        if not (self.sheet or self.row or self.column or self.header):
            return self.rule  # about the file as a whole
        where = f"工作表“{self.sheet}”"
        if self.row:
            where += f"第{self.row}行"
        if self.column:
            where += f"{self.column}列"
        if self.header:
            where += f"（“{self.header}”）"
        return f"{where}：{self.rule}"


class ImportRejected(Exception):
    """Raised with every error found; nothing has been written."""

    def __init__(self, errors: Sequence[CellError]) -> None:
        super().__init__(f"{len(errors)} errors")
        self.errors = list(errors)


T = TypeVar("T")

CHECK_ONLY_LABEL = "仅检查，不导入"
CHECKED_PREFIX = "检查通过，未导入任何数据。导入后将"


def rehearse(run: Callable[[], T]) -> T:
    """An import's dry run: every check and every write, then all of it undone. The
    counts it returns are what the import will do, because it did it (the same code,
    the same database constraints), and nothing is kept: no row, no audit event, no
    notification (on-commit work is dropped with the transaction)."""
    with transaction.atomic():
        result = run()
        transaction.set_rollback(True)
    return result


def file_error(rule: str) -> CellError:
    return CellError("", 0, "", "", rule)


Parser = Callable[[Any], Any]


# Headers and choice labels are matched whatever the width of their punctuation: a
# sheet exported before they took full-width punctuation (“校长(园长)”, “A级(优秀)”)
# imports as one exported now (“校长（园长）”).
_FULL_WIDTH = str.maketrans(",;:()?!", "，；：（）？！")


def header_key(header: Any) -> str:
    """A header (or a choice label) as matched against the expected ones."""
    return str(header).strip().translate(_FULL_WIDTH)


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


def check_upload(data: bytes) -> None:
    """Refuse an upload as a whole, before any cell is read: over the size limit, or a
    package :func:`check_package` refuses. ``data``: the upload read up to one byte past
    ``MAX_IMPORT_BYTES``."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRejected([file_error(f"文件超过{MAX_IMPORT_BYTES // MB}MB，请拆分后导入")])
    check_package(data)


def check_package(data: bytes) -> None:
    """Refuse, from the zip's directory and the head of each XML part, an upload
    that is not a workbook or whose reading would exhaust the worker: parts that
    unpack too big or compress suspiciously well, DTDs (entity expansion, external
    entities; Excel never writes one), more cells than any sheet of ours holds.

    Sizes come from the zip directory; zipfile never unpacks a part past its
    declared size (and then fails its CRC), so they bound what openpyxl reads."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise ImportRejected([file_error(NOT_A_WORKBOOK)]) from exc
    with archive:
        parts = archive.infolist()
        names = {info.filename for info in parts}
        if len(parts) > MAX_PARTS or not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
            raise ImportRejected([file_error(NOT_A_WORKBOOK)])
        if sum(info.file_size for info in parts) > MAX_UNPACKED_BYTES:
            raise ImportRejected([file_error(too_big_unpacked())])
        for info in parts:
            if info.file_size > _part_limit(info.filename):
                raise ImportRejected([file_error(too_big_unpacked())])
            if info.file_size > MB and info.file_size > MAX_COMPRESSION_RATIO * max(
                info.compress_size, 1
            ):
                raise ImportRejected([file_error(ODD_COMPRESSION)])
        try:
            for info in parts:
                if info.filename.lower().endswith(XML_SUFFIXES):
                    _check_xml_head(archive, info)
                if _is_worksheet(info.filename):
                    rows, cells = _count_rows_and_cells(archive, info)
                    if rows > MAX_IMPORT_ROWS + 1:
                        raise ImportRejected([file_error(f"文件中有工作表的{too_many_rows()}")])
                    if cells > MAX_IMPORT_CELLS:
                        raise ImportRejected([file_error(too_many_cells())])
        except ImportRejected:
            raise
        except Exception as exc:  # a corrupt part (bad CRC, bad deflate stream, ...)
            raise ImportRejected([file_error(NOT_A_WORKBOOK)]) from exc


def count_rows(data: bytes) -> int:
    """Rows of the largest worksheet of an .xlsx (header rows included), counted in the
    raw XML: how much an import will do, to decide where it runs. 0 for anything that
    is not a readable workbook (the import itself then says what is wrong)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return max(
                (
                    _count_rows_and_cells(archive, info)[0]
                    for info in archive.infolist()
                    if _is_worksheet(info.filename)
                ),
                default=0,
            )
    except Exception:  # a damaged package: read_sheet refuses it with its message
        return 0


def _is_worksheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def _part_limit(name: str) -> int:
    if name == "xl/sharedStrings.xml":
        return MAX_SHARED_STRINGS_BYTES
    if _is_worksheet(name):
        return MAX_WORKSHEET_BYTES
    return MAX_OTHER_PART_BYTES


class _RootReached(Exception):
    pass


class _DtdFound(Exception):
    pass


def _check_xml_head(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """A DTD can only come before the root element: expat reads the part up to it
    (whatever its encoding, past any comments) and stops there."""
    if info.file_size == 0:
        return

    def root(*_: Any) -> None:
        raise _RootReached

    def dtd(*_: Any) -> None:
        raise _DtdFound

    parser = expat.ParserCreate()
    parser.StartElementHandler = root
    parser.StartDoctypeDeclHandler = dtd
    parser.EntityDeclHandler = dtd
    try:
        with archive.open(info) as part:
            while chunk := part.read(64 * 1024):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _RootReached:
        return
    except _DtdFound:
        raise ImportRejected([file_error(HAS_DTD)]) from None
    except expat.ExpatError as exc:
        raise ImportRejected([file_error(NOT_A_WORKBOOK)]) from exc


_ROW_OR_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)[\s/>]")


def _count_rows_and_cells(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, int]:
    """Rows and cells of a worksheet part, counted in its raw XML (~0.1 s for 10 MB)
    before openpyxl spends ~13 µs on each cell; stops once past either limit."""
    rows = cells = 0
    tail = b""
    with archive.open(info) as part:
        while chunk := part.read(MB):
            chunk = tail + chunk
            cut = chunk.rfind(b"<")  # a tag cut in two waits for the next chunk
            cut = len(chunk) if cut <= 0 else cut
            tags = _ROW_OR_CELL_TAG.findall(chunk, 0, cut)
            found_rows = tags.count(b"row")
            rows, cells = rows + found_rows, cells + len(tags) - found_rows
            tail = chunk[cut:]
            if rows > MAX_IMPORT_ROWS + 1 or cells > MAX_IMPORT_CELLS:
                return rows, cells
    tags = _ROW_OR_CELL_TAG.findall(tail)
    return rows + tags.count(b"row"), cells + tags.count(b"c")


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        if value.startswith(TEXT_MARK) and value[1:2] in FORMULA_TRIGGERS:
            value = value[1:]  # written by as_cell: an export imports back unchanged
        value = value.strip()
        return value or None
    return value


def read_sheet(
    upload: IO[bytes], columns: Sequence[Column], *, sheet_name: str | None = None
) -> ParsedSheet:
    """Parse the first sheet (or ``sheet_name``): row 1 holds headers, data from row 2.

    Each column's ``parse`` turns a cell into a value or raises ``ValueError``
    whose message (Chinese) becomes the rule in the error list.

    The upload is a stranger's zip of XML: :func:`check_package` refuses what
    would take the worker's memory or time (or is not a workbook) before openpyxl
    reads any of it, and whatever openpyxl still cannot read is refused with a
    message naming the file's problem, never a server error.
    """
    data = upload.read(MAX_IMPORT_BYTES + 1)
    check_upload(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl, zipfile and XML errors alike: a broken file
        raise ImportRejected([file_error(NOT_A_WORKBOOK)]) from exc
    try:
        return _read_rows(workbook, columns, sheet_name)
    finally:
        workbook.close()


def _read_rows(workbook: Any, columns: Sequence[Column], sheet_name: str | None) -> ParsedSheet:
    try:
        if sheet_name is not None:
            if sheet_name not in workbook.sheetnames:
                raise ImportRejected([CellError(sheet_name, 0, "", "", "找不到该工作表")])
            sheet = workbook[sheet_name]
        else:
            sheet = workbook.worksheets[0]
        title = str(sheet.title)
        # At most one row and one column past the limits are read: enough to tell
        # that a sheet is too big, never the whole of a hostile one.
        raw_rows = sheet.iter_rows(
            max_row=MAX_IMPORT_ROWS + 2, max_col=MAX_IMPORT_COLUMNS + 1, values_only=True
        )
    except ImportRejected:
        raise
    except Exception as exc:  # openpyxl, zipfile and XML errors alike: a broken file
        raise ImportRejected([file_error(NOT_A_WORKBOOK)]) from exc
    result = ParsedSheet(title=title)
    # The sheet's declared size (<dimension ref="A1:H120"/>) refuses an oversized
    # sheet at once; it may be missing or lie, so the rows are counted as well.
    if (sheet.max_row or 0) - 1 > MAX_IMPORT_ROWS:
        result.errors.append(CellError(title, 0, "", "", too_many_rows()))
        return result
    rows = _numbered(raw_rows, title)
    header = next(rows, None)
    if header is None:
        result.errors.append(CellError(title, 1, "", "", "工作表为空，第1行应为表头"))
        return result
    if _beyond_columns(header[1]):
        result.errors.append(CellError(title, 1, "", "", too_many_columns()))
        return result
    positions: dict[str, int] = {}
    headers = [header_key(h) if h is not None else "" for h in header[1]]
    for column in columns:
        names = {header_key(name) for name in (column.header, *column.aliases)}
        index = next((i for i, h in enumerate(headers) if h in names), None)
        if index is None:
            if column.required:
                result.errors.append(
                    CellError(title, 1, "", column.header, f"缺少必填列“{column.header}”")
                )
            continue
        positions[column.key] = index
        result.letters[column.key] = get_column_letter(index + 1)
    if result.errors:
        return result
    for number, raw in rows:
        if number - 1 > MAX_IMPORT_ROWS:
            result.errors.append(CellError(title, number, "", "", too_many_rows()))
            break
        if _beyond_columns(raw):
            result.errors.append(CellError(title, number, "", "", too_many_columns()))
            break
        _parse_row(result, number, raw, positions, columns)
    if not result.rows and not result.errors:
        result.errors.append(CellError(title, 2, "", "", "没有数据行"))
    return result


def _numbered(rows: Iterator[tuple[Any, ...]], title: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """``rows`` with their sheet row numbers; a row openpyxl cannot read (a damaged
    cell such as the number ``1e999999x``, broken XML) refuses the file there."""
    number = 0
    while True:
        try:
            raw = next(rows)
        except StopIteration:
            return
        except Exception as exc:
            raise ImportRejected([CellError(title, number + 1, "", "", DAMAGED_ROW)]) from exc
        number += 1
        yield number, raw


def _beyond_columns(raw: Sequence[Any]) -> bool:
    return any(value is not None for value in raw[MAX_IMPORT_COLUMNS:])


def _parse_row(
    result: ParsedSheet,
    number: int,
    raw: Sequence[Any],
    positions: dict[str, int],
    columns: Sequence[Column],
) -> None:
    cells = {key: _clean(raw[i]) if i < len(raw) else None for key, i in positions.items()}
    if all(v is None for v in cells.values()):
        return  # blank lines between blocks are common in hand-kept sheets
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
    """Accepts the Chinese label (as shown in exports, whatever the width of its
    punctuation) or the code."""
    labels = {label: code for code, label in choices}
    by_label = {header_key(label): code for label, code in labels.items()}
    codes = set(labels.values())

    def parse(value: Any) -> str:
        text = str(value).strip()
        if header_key(text) in by_label:
            return by_label[header_key(text)]
        if text in codes:
            return text
        raise ValueError(f"“{text}”不是有效选项，应为：{'、'.join(labels)}")

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
    raise ValueError(f"“{value}”不是日期，应为 2026-09-01 格式")


# Export ----------------------------------------------------------------------


def as_cell(value: Any) -> Any:
    """``value`` as an export writes it: text that a spreadsheet would read as a
    formula gets a leading apostrophe (OWASP) and stays a text cell; numbers and
    dates (a negative number included) are left alone. Characters an .xlsx cannot
    hold (control characters) are dropped rather than failing the whole export."""
    if not isinstance(value, str):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if text.startswith(FORMULA_TRIGGERS):
        return TEXT_MARK + text
    return text


def write_workbook(
    *, title: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]], note: str = ""
) -> bytes:
    """One sheet with a bold, frozen header row; returns the .xlsx bytes.

    Written by XlsxWriter in its constant-memory mode: each row goes to a temporary
    file as it comes, so ``rows`` may be an iterator (``values_list().iterator()``) and
    a 50,000-row export holds one row at a time; about 1.6× faster than openpyxl's
    write-only mode, which took 3.6 s of a city's 25,000-row inspection export. Every
    text is written as text (never as a formula or a link: ``as_cell`` marks one that
    a spreadsheet would read as a formula all the same, for whoever copies it on)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
        },
    )
    header = workbook.add_format(
        {"bold": True, "bg_color": "#DDE7F3", "pattern": 1, "align": "center"}
    )
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet = workbook.add_worksheet(title[:31])
    sheet.freeze_panes(1, 0)
    for index, column in enumerate(columns):
        sheet.set_column(index, index, column.width)
        sheet.write_string(0, index, _text(column.header), header)
    for number, row in enumerate(rows, start=1):
        for index, value in enumerate(row):
            _write_cell(sheet, number, index, value, day=day, moment=moment)
    if note:
        notes = workbook.add_worksheet("说明")
        notes.set_column(0, 0, 100)
        for number, line in enumerate(note.splitlines()):
            notes.write_string(number, 0, _text(line))
    workbook.close()
    return buffer.getvalue()


def _write_cell(sheet: Any, row: int, col: int, value: Any, *, day: Any, moment: Any) -> None:
    if value is None or value == "":
        return  # an empty cell, as openpyxl left it
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, (int, float, Decimal)):
        sheet.write_number(row, col, float(value) if isinstance(value, Decimal) else value)
    elif isinstance(value, datetime):
        sheet.write_datetime(row, col, value, moment)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, value, day)
    else:
        sheet.write_string(row, col, _text(str(value)))


def _text(value: str) -> str:
    """``as_cell``, with line breaks as an .xlsx holds them (LF): XlsxWriter would
    store a CR as the escape ``_x000D_``, which not every reader turns back."""
    return as_cell(value).replace("\r\n", "\n").replace("\r", "\n")


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
