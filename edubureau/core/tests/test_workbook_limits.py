"""core.workbook refuses, with a Chinese message, what is not a workbook, what it
cannot open, and what would take the worker's memory: the extent of every sheet of
an .xlsx or .ods is bounded from its raw XML before calamine allocates it."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook as OpenpyxlWorkbook

from edubureau.core import excel, workbook
from edubureau.core.tests.test_workbook import (
    ods_bytes,
    ods_cell,
    ods_row,
    returns_ods,
    returns_xlsx,
    xlsx_bytes,
)
from edubureau.core.workbook import WorkbookError, read_workbook

DATA = Path(__file__).parent / "data"


@pytest.fixture
def calamine_never_called(monkeypatch):
    """Proves a refusal came before calamine parsed (and allocated) anything."""

    def refuse(*_args, **_kwargs):
        # pytest.fail is a BaseException: read_workbook's "except Exception" cannot hide it
        pytest.fail("calamine was asked to parse a file that should be refused")

    monkeypatch.setattr(workbook.python_calamine.CalamineWorkbook, "from_filelike", refuse)


def refused(data: bytes, filename: str = "a.xlsx", **limits: int) -> str:
    with pytest.raises(WorkbookError) as caught:
        read_workbook(data, filename, **limits)
    return str(caught.value)


def sheet_with(cells: dict[str, object], sheets: int = 1) -> bytes:
    book = OpenpyxlWorkbook()
    for index in range(sheets):
        sheet = book.active if index == 0 else book.create_sheet(f"表{index + 1}")
        for address, value in cells.items():
            sheet[address] = value
    return xlsx_bytes(book)


def test_a_file_over_the_byte_limit(calamine_never_called):
    assert refused(returns_xlsx(), max_bytes=1024) == "文件超过1KB，请拆分后导入"
    assert refused(b"x" * (2 * workbook.MB + 1), max_bytes=2 * workbook.MB) == (
        "文件超过2MB，请拆分后导入"
    )


def test_a_sheet_over_the_row_limit(calamine_never_called):
    data = sheet_with({f"A{row}": row for row in range(1, 32)})
    assert refused(data, max_rows=30) == "文件中有工作表超过30行，请拆分后导入"


def test_rows_at_the_limit_are_read():
    data = sheet_with({f"A{row}": row for row in range(1, 31)})
    assert read_workbook(data, "a.xlsx", max_rows=30).sheets[0].cell("A30") == 30


def test_a_sheet_over_the_column_limit(calamine_never_called):
    assert refused(sheet_with({"A1": 1, "K1": 2}), max_columns=10) == (
        "文件中有工作表超过10列，请删除无关的列后导入"
    )


def test_two_far_apart_cells_are_refused_before_calamine_allocates_the_rectangle(
    calamine_never_called,
):
    """A1 and CV200000: a 5 KB file that calamine would hold as 20 million cells."""
    data = sheet_with({"A1": 1, "CV200000": 2})
    assert len(data) < 10_000
    started = time.perf_counter()
    message = refused(data)
    assert time.perf_counter() - started < 1
    assert message == "文件中有工作表超过50000行，请拆分后导入"
    assert refused(sheet_with({"A1": 1, "CV40000": 2})).startswith(
        "文件中各工作表的数据区域合计超过3000000个单元格"
    )


@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods"])
def test_the_cell_budget_is_for_all_sheets_together(kind, calamine_never_called):
    """returns.*: 在校生 is A1:D6 (24 cells), 教师 A1:B7 (14)."""
    data = {"xlsx": returns_xlsx, "ods": returns_ods}.get(kind, (DATA / "returns.xls").read_bytes)
    assert refused(data(), f"a.{kind}", max_cells=37).startswith(
        "文件中各工作表的数据区域合计超过37个单元格"
    )


@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods"])
def test_a_workbook_within_the_cell_budget_is_read(kind):
    data = {"xlsx": returns_xlsx, "ods": returns_ods}.get(kind, (DATA / "returns.xls").read_bytes)
    assert read_workbook(data(), f"a.{kind}", max_cells=38).sheet("教师").cell("B7") == 45


def test_too_many_sheets():
    assert refused(sheet_with({"A1": 1}, sheets=4), max_sheets=3) == (
        "文件中的工作表超过3个，请删除无关的工作表后导入"
    )


def _xls_patched(old: bytes, new: bytes) -> bytes:
    """returns.xls with one BIFF record (type, length, first bytes) rewritten: the
    Workbook stream lies uncompressed in the compound file."""
    data = (DATA / "returns.xls").read_bytes()
    assert data.count(old) == 1 and len(old) == len(new)
    return data.replace(old, new)


def test_an_xls_over_the_limits_is_refused_before_calamine(calamine_never_called):
    assert refused((DATA / "returns.xls").read_bytes(), "a.xls", max_rows=5) == (
        "文件中有工作表超过5行，请拆分后导入"
    )
    assert refused((DATA / "returns.xls").read_bytes(), "a.xls", max_columns=3) == (
        "文件中有工作表超过3列，请删除无关的列后导入"
    )


def test_a_sparse_xls_is_refused_before_calamine_allocates(calamine_never_called):
    """Row 5's numbers (a MULRK record from row 4, column 1) moved to row 65,536, or
    the "男" of C4 (a LABELSST record at row 3, column 1) to column IV."""
    mulrk_row_5 = b"\xbd\x00\x18\x00\x04\x00\x01\x00"
    far_down = _xls_patched(mulrk_row_5, b"\xbd\x00\x18\x00\xff\xff\x01\x00")
    assert refused(far_down, "a.xls") == "文件中有工作表超过50000行，请拆分后导入"
    label_c4 = b"\xfd\x00\x0a\x00\x03\x00\x01\x00"
    far_right = _xls_patched(label_c4, b"\xfd\x00\x0a\x00\x03\x00\xff\x00")
    assert refused(far_right, "a.xls", max_columns=255) == (
        "文件中有工作表超过255列，请删除无关的列后导入"
    )


def test_the_xls_guard_finds_the_furthest_cell_of_each_sheet():
    book = (DATA / "returns.xls").read_bytes()
    workbook.check_xls(book, workbook.Limits(max_rows=7, max_columns=4))  # 教师!B7, 在校生!D6
    with pytest.raises(WorkbookError, match="超过6行"):
        workbook.check_xls(book, workbook.Limits(max_rows=6))


def test_an_xls_with_a_password_is_refused_in_chinese(calamine_never_called):
    """An encrypted .xls carries a FILEPASS record in its workbook globals (here put
    in place of the WINDOWPROTECT record, same length)."""
    window_protect = b"\x19\x00\x02\x00\x00\x00\x12\x00"
    encrypted = _xls_patched(window_protect, b"\x2f\x00\x02\x00\x00\x00\x12\x00")
    assert refused(encrypted, "a.xls") == workbook.PASSWORD_PROTECTED


def test_an_ods_with_a_value_repeated_far_away_is_refused(calamine_never_called):
    far = ods_bytes({"表一": [ods_row(ods_cell(1)), ods_row(ods_cell(2), repeat=60_000)]})
    assert refused(far, "a.ods") == "文件中有工作表超过50000行，请拆分后导入"
    wide = ods_bytes({"表一": [ods_row(ods_cell(1, repeat=300))]})
    assert refused(wide, "a.ods") == "文件中有工作表超过256列，请删除无关的列后导入"


def test_an_ods_padded_with_empty_rows_and_columns_is_read():
    """LibreOffice writes empty cells repeated to the sheet's last column and row."""
    assert read_workbook(returns_ods(), "a.ods").sheet("在校生").cell("B5") == 312


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _xlsx_parts(sheet: bytes) -> dict[str, bytes]:
    return {
        "[Content_Types].xml": b"<Types/>",
        "xl/workbook.xml": b"<workbook/>",
        "xl/worksheets/sheet1.xml": sheet,
    }


def test_a_zip_bomb_is_refused_by_the_guard_of_core_excel(calamine_never_called):
    bomb = _zip(_xlsx_parts(b"<worksheet>" + b" " * (3 * workbook.MB) + b"</worksheet>"))
    assert refused(bomb) == excel.ODD_COMPRESSION
    big = _zip(_xlsx_parts(b"<worksheet/>") | {"xl/media/x.xml": b"<a/>" * (6 * workbook.MB)})
    assert refused(big) == excel.too_big_unpacked()


def test_a_dtd_is_refused(calamine_never_called):
    dtd = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet>&a;</worksheet>'
    assert refused(_zip(_xlsx_parts(dtd))) == excel.HAS_DTD


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"not a spreadsheet at all", "a.xlsx", workbook.NOT_A_SPREADSHEET),
        (b"\xef\xbb\xbf<html><table><tr><td>1</td></tr></table>", "a.xls", workbook.HTML_AS_XLS),
        (_zip({"word/document.xml": b"<w/>"}), "a.xlsx", workbook.NOT_A_SPREADSHEET),
        (
            b'<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n<Workbook/>',
            "a.xls",
            workbook.SPREADSHEET_ML,
        ),
        (b"PK\x03\x04" + b"\x00" * 100, "a.xlsx", workbook.DAMAGED),
        (returns_xlsx(), "a.csv", workbook.WRONG_EXTENSION),
        (returns_xlsx(), "xlsx", workbook.WRONG_EXTENSION),
    ],
)
def test_what_is_not_a_workbook_is_refused_in_chinese(data, filename, message):
    assert refused(data, filename) == message


def test_a_corrupt_workbook_is_refused_in_chinese():
    truncated = returns_xlsx()[:-200]  # the zip directory cut off
    assert refused(truncated) == workbook.DAMAGED
    garbage = _zip(_xlsx_parts(b"<worksheet><sheetData><row><c r='A1'") | {"x": b""})
    assert refused(garbage) == workbook.DAMAGED
    xls = bytearray((DATA / "returns.xls").read_bytes())
    xls[600:4000] = b"\xff" * 3400  # the sheet streams overwritten
    assert refused(bytes(xls), "a.xls") == workbook.DAMAGED


def test_a_password_protected_workbook_is_refused_in_chinese(calamine_never_called):
    """Excel encrypts an .xlsx into a compound file with an "EncryptedPackage" stream;
    here only its signature and directory entry name, which is what is sniffed."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    encrypted = header + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 100
    assert refused(encrypted) == workbook.PASSWORD_PROTECTED
    assert refused(header + "EncryptedPackage".encode("utf-16-le"), "a.xls") == (
        workbook.PASSWORD_PROTECTED
    )


def test_messages_use_full_width_punctuation():
    for message in (
        workbook.NOT_A_SPREADSHEET,
        workbook.HTML_AS_XLS,
        workbook.PASSWORD_PROTECTED,
        workbook.DAMAGED,
        workbook.WRONG_EXTENSION,
        workbook.SPREADSHEET_ML,
        workbook.NESTED_TABLE,
    ):
        assert not set(",;:()?!") & set(message), message


def _sheet_xml(body: str, prefix: str = "") -> bytes:
    ns = f"xmlns:{prefix[:-1]}" if prefix else "xmlns"
    return (
        f'<{prefix}worksheet {ns}="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<{prefix}sheetData>{body}</{prefix}sheetData></{prefix}worksheet>"
    ).encode()


@pytest.mark.parametrize(
    ("body", "prefix", "message"),
    [
        # cells without r: their position is counted
        ('<row r="1">' + "<c><v>1</v></c>" * 300 + "</row>", "", "超过256列"),
        # rows without r follow one another
        ("".join(f"<row><c><v>{n * 7919 % 100_003}</v></c></row>" for n in range(50_001)), "",
         "超过50000行"),
        # r is not the first attribute
        ('<row r="1"><c s="1" r="ZZ1"><v>1</v></c></row>', "", "超过256列"),
        # a namespace prefix on every tag
        ('<x:row r="1"><x:c r="A1"/></x:row><x:row r="60001"><x:c r="A60001"/></x:row>', "x:",
         "超过50000行"),
        # rows out of order: the furthest counts, not the last
        ('<row r="60001"><c r="A60001"/></row><row r="1"><c r="A1"/></row>', "", "超过50000行"),
    ],
)  # fmt: skip
def test_every_way_of_writing_a_sheet_is_bounded(body, prefix, message, calamine_never_called):
    assert message in refused(_zip(_xlsx_parts(_sheet_xml(body, prefix))))


def test_the_extent_is_found_across_chunk_boundaries():
    """A 3 MB sheet is read in 1 MB chunks: tags cut in two still count, on the fast
    path and tag by tag alike."""
    for cell in ('<c r="B{n}" t="n"><v>1</v></c>', '<c t="n"><v>1</v></c><c><v>2</v></c>'):
        rows = "".join(f'<row r="{n}">{cell.format(n=n)}</row>' for n in range(1, 60_001))
        part = _sheet_xml(rows)
        assert len(part) > 2 * workbook.MB
        limits = workbook.Limits(max_rows=60_000, max_columns=2, max_cells=10**6)
        workbook._xlsx_extent(io.BytesIO(part), limits)  # exactly at the limits
        with pytest.raises(WorkbookError, match="超过59999行"):
            workbook._xlsx_extent(io.BytesIO(part), workbook.Limits(max_rows=59_999))
        with pytest.raises(WorkbookError, match="超过1列"):
            workbook._xlsx_extent(io.BytesIO(part), workbook.Limits(max_columns=1))


def _ods_with_prefix(prefix: str, rows: str) -> bytes:
    """content.xml binding the table namespace to ``prefix`` instead of "table"."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        f' xmlns:{prefix}="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
        f'<office:body><office:spreadsheet><{prefix}:table {prefix}:name="表一">{rows}'
        f"</{prefix}:table></office:spreadsheet></office:body></office:document-content>"
    )
    return _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                 "content.xml": content.encode()})  # fmt: skip


@pytest.mark.parametrize("prefix", ["table", "t"])
def test_an_ods_is_bounded_whatever_its_namespace_prefix(prefix, calamine_never_called):
    p = prefix
    value = f'<{p}:table-cell office:value-type="float" office:value="1"/>'
    far_down = f"<{p}:table-row>{value}</{p}:table-row>" + (
        f'<{p}:table-row {p}:number-rows-repeated="60000">{value}</{p}:table-row>'
    )
    assert refused(_ods_with_prefix(p, far_down), "a.ods") == (
        "文件中有工作表超过50000行，请拆分后导入"
    )
    wide_value = value.replace("/>", f' {p}:number-columns-repeated="300"/>')
    assert refused(
        _ods_with_prefix(p, f"<{p}:table-row>{wide_value}</{p}:table-row>"), "a.ods"
    ) == ("文件中有工作表超过256列，请删除无关的列后导入")
    text = f'<{p}:table-cell {p}:number-columns-repeated="300"><text:p>x</text:p></{p}:table-cell>'
    assert "超过256列" in refused(
        _ods_with_prefix(p, f"<{p}:table-row>{text}</{p}:table-row>"), "a.ods"
    )


@pytest.mark.parametrize("prefix", ["table", "t"])
def test_empty_padding_in_an_ods_does_not_count(prefix):
    """Styled empty cells and rows repeated to the sheet's end, as LibreOffice pads."""
    p = prefix
    value = (
        f'<{p}:table-cell office:value-type="float" office:value="7">'
        f"<text:p>7</text:p></{p}:table-cell>"
    )
    padding = f'<{p}:table-cell {p}:style-name="ce1" {p}:number-columns-repeated="16000"/>'
    rows = (
        f"<{p}:table-row>{value}{padding}</{p}:table-row>"
        f'<{p}:table-row {p}:number-rows-repeated="1048000">{padding}</{p}:table-row>'
        f"<{p}:table-row>{padding}<{p}:table-cell></{p}:table-cell></{p}:table-row>"
    )
    ods = _ods_with_prefix(p, rows)
    if prefix == "table":  # calamine itself needs the usual prefix and a manifest
        workbook.check_zip(ods, "ods", workbook.Limits())
    else:
        workbook._ods_extent(io.BytesIO(zipfile.ZipFile(io.BytesIO(ods)).read("content.xml")),
                             workbook.Limits())  # fmt: skip


def test_a_table_nested_in_an_ods_cell_is_refused(calamine_never_called):
    nested = (
        '<table:table-row><table:table-cell><table:table table:name="x"></table:table>'
        "</table:table-cell></table:table-row>"
    )
    assert refused(_ods_with_prefix("table", nested), "a.ods") == workbook.NESTED_TABLE


def test_a_compound_file_that_is_not_a_workbook_is_refused(calamine_never_called):
    """returns.xls with its "Workbook" stream renamed, as a Word .doc has none."""
    doc = _xls_patched("Workbook".encode("utf-16-le"), "WordDocx".encode("utf-16-le"))
    assert refused(doc, "a.xls") == workbook.NOT_A_SPREADSHEET
