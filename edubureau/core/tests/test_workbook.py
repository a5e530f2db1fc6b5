"""core.workbook reads .xlsx, .xls and .ods cell by cell: values normalised, merged
multi-row headers labelled, every bad cell reported in Chinese.

The .xlsx files are written here with openpyxl and the .ods files by hand (a zip of
content.xml). The .xls fixture is checked in (data/returns.xls; data/README.md tells
how it was made): nothing installed writes .xls.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from openpyxl import Workbook as OpenpyxlWorkbook

from edubureau.core.workbook import (
    CellError,
    CellErrors,
    Sheet,
    WorkbookError,
    WorkbookRejected,
    normalise,
    read_workbook,
    to_int,
)

DATA = Path(__file__).parent / "data"


def xlsx_bytes(book: OpenpyxlWorkbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def returns_xlsx() -> bytes:
    """The same sheet as data/returns.xls: a title, a two-row merged header, data."""
    book = OpenpyxlWorkbook()
    sheet = book.active
    sheet.title = "在校生"
    sheet["A1"] = "2026年学校基本情况"
    sheet.merge_cells("A1:D1")
    sheet["A3"] = "学校名称"
    sheet.merge_cells("A3:A4")
    sheet["B3"] = "在校生"
    sheet.merge_cells("B3:C3")
    sheet["B4"], sheet["C4"] = "男", "女"
    sheet["D3"] = "填报日期"
    sheet.merge_cells("D3:D4")
    sheet.append([" 第一小学 ", 312, 298.0, date(2026, 9, 1)])
    sheet.append(["第二小学", "１２３", "abc", None])
    book.create_sheet("教师")["B7"] = 45
    return xlsx_bytes(book)


# A minimal OpenDocument spreadsheet: what calamine needs (mimetype, content.xml).
_ODS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
    ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    "<office:body><office:spreadsheet>"
)
_ODS_TAIL = "</office:spreadsheet></office:body></office:document-content>"
_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest'
    ' xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/"'
    ' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def ods_cell(value: object, span: int = 1, repeat: int = 1) -> str:
    attrs = f' table:number-columns-spanned="{span}"' if span > 1 else ""
    attrs += f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    if value is None:
        return f"<table:table-cell{attrs}/>"
    if isinstance(value, int | float):
        return (
            f'<table:table-cell{attrs} office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    if isinstance(value, date):
        return (
            f'<table:table-cell{attrs} office:value-type="date"'
            f' office:date-value="{value.isoformat()}"><text:p>{value}</text:p></table:table-cell>'
        )
    text = escape(str(value))
    return (
        f'<table:table-cell{attrs} office:value-type="string">'
        f"<text:p>{text}</text:p></table:table-cell>"
    )


def ods_row(*cells: str, repeat: int = 1) -> str:
    attrs = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{attrs}>{''.join(cells)}</table:table-row>"


def ods_bytes(tables: dict[str, list[str]]) -> bytes:
    body = "".join(
        f'<table:table table:name="{escape(name)}">{"".join(rows)}</table:table>'
        for name, rows in tables.items()
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        archive.writestr("content.xml", _ODS_HEAD + body + _ODS_TAIL)
        archive.writestr("META-INF/manifest.xml", _MANIFEST)
    return buffer.getvalue()


def returns_ods() -> bytes:
    """returns.xls as LibreOffice saves it: spans with covered cells, trailing
    repeated empty cells and rows."""
    covered = "<table:covered-table-cell/>"
    return ods_bytes(
        {
            "在校生": [
                ods_row(ods_cell("2026年学校基本情况", span=4), covered * 3),
                ods_row(ods_cell(None, repeat=4)),
                ods_row(ods_cell("学校名称"), ods_cell("在校生", span=2), covered,
                        ods_cell("填报日期"), ods_cell(None, repeat=1020)),
                ods_row(ods_cell(None), ods_cell("男"), ods_cell("女"), ods_cell(None)),
                ods_row(ods_cell(" 第一小学 "), ods_cell(312), ods_cell(298.0),
                        ods_cell(date(2026, 9, 1))),
                ods_row(ods_cell("第二小学"), ods_cell("１２３"), ods_cell("abc")),
                ods_row(ods_cell(None, repeat=1024), repeat=1048000),
            ],
            "教师": [ods_row(ods_cell(None)), *[ods_row(ods_cell(None))] * 5,
                     ods_row(ods_cell(None), ods_cell(45))],
        }
    )  # fmt: skip


def read_format(kind: str):
    if kind == "xlsx":
        return read_workbook(returns_xlsx(), "在校生.xlsx")
    if kind == "xls":
        return read_workbook((DATA / "returns.xls").read_bytes(), "在校生.xls")
    return read_workbook(returns_ods(), "在校生.ods")


@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods"])
def test_each_format_reads_every_sheet_cell_by_cell(kind):
    book = read_format(kind)
    assert book.format == kind
    assert book.sheet_names == ["在校生", "教师"]
    sheet = book.sheet("在校生")
    assert sheet.cell("A1") == "2026年学校基本情况"
    # calamine gives .xlsx and .ods numbers as floats: whole ones come back as int.
    assert sheet.cell("B5") == 312 and type(sheet.cell("B5")) is int
    assert sheet.cell("C5") == 298 and type(sheet.cell("C5")) is int
    assert sheet.cell(5, 2) == sheet.cell("B5") == sheet.cell((5, 2))
    assert sheet.cell("A5") == "第一小学"  # stripped
    assert sheet.cell("D5") == date(2026, 9, 1)
    assert sheet.cell("D6") is None  # empty, not ''
    assert sheet.cell("A2") is None
    assert sheet.cell("Z999") is None  # beyond the data
    assert book.sheet("教师").cell("B7") == 45


@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods"])
def test_a_merged_two_row_header_gives_joined_labels(kind):
    """.xlsx and .xls report their merged ranges; .ods does not (calamine), and the
    parent is carried to the right instead: the same labels either way."""
    sheet = read_format(kind).sheet("在校生")
    assert (sheet.merged is None) == (kind == "ods")
    labels = sheet.header(rows=(3, 4))
    assert [(h.letter, h.label) for h in labels] == [
        ("A", "学校名称"),
        ("B", "在校生/男"),
        ("C", "在校生/女"),
        ("D", "填报日期"),
    ]
    assert [h.label for h in sheet.header(rows=(3, 4), first_col=2, last_col=3)] == [
        "在校生/男",
        "在校生/女",
    ]


def test_where_merges_are_reported_an_unmerged_blank_parent_is_not_carried():
    """An .xlsx header whose "在校生" was typed over B only (not merged over C)."""
    book = OpenpyxlWorkbook()
    sheet = book.active
    sheet["A1"], sheet["B1"] = "学校名称", "在校生"
    sheet["B2"], sheet["C2"] = "男", "女"
    sheet = read_workbook(xlsx_bytes(book), "a.xlsx").sheets[0]
    assert [h.label for h in sheet.header(rows=(1, 2))] == ["学校名称", "在校生/男", "女"]
    # ... unless the caller knows the form is typed that way
    carried = sheet.header(rows=(1, 2), carry=True)
    assert [h.label for h in carried] == ["学校名称", "在校生/男", "在校生/女"]


def test_carrying_can_be_turned_off_where_merges_are_not_reported():
    sheet = read_format("ods").sheet("在校生")
    labels = sheet.header(rows=(3, 4), carry=False)
    assert [h.label for h in labels] == ["学校名称", "在校生/男", "女", "填报日期"]


def test_carrying_a_parent_stops_at_its_own_parent_and_skips_blank_columns():
    """Three header rows in an .ods (no merge information): "二年级" must not spill
    under "班额" (whose children sit in the third row), and a column with no header
    at all is left out."""
    book = ods_bytes(
        {
            "表一": [
                ods_row(*map(ods_cell, ["学校", "在校生", None, None, None, "班额", None, None])),
                ods_row(*map(ods_cell, [None, "一年级", None, "二年级", None, None, None, None])),
                ods_row(*map(ods_cell, [None, "男", "女", "男", "女", "最大", "平均", None])),
                ods_row(*map(ods_cell, ["一小", 1, 2, 3, 4, 5, 6, 7])),
            ]
        }
    )
    labels = read_workbook(book, "a.ods").sheet("表一").header(rows=(1, 3))
    assert [(h.column, h.label) for h in labels] == [
        (1, "学校"),
        (2, "在校生/一年级/男"),
        (3, "在校生/一年级/女"),
        (4, "在校生/二年级/男"),
        (5, "在校生/二年级/女"),
        (6, "班额/最大"),
        (7, "班额/平均"),
    ]


def test_header_texts_match_whatever_their_punctuation_and_line_breaks():
    book = OpenpyxlWorkbook()
    book.active["A1"] = "校长(园长)"
    book.active["B1"] = "其中：\n女"
    labels = read_workbook(xlsx_bytes(book), "a.xlsx").sheets[0].header(rows=1)
    assert [h.label for h in labels] == ["校长（园长）", "其中：女"]


def test_values_are_normalised():
    assert normalise(3.0) == 3 and type(normalise(3.0)) is int
    assert normalise(2.5) == 2.5
    assert normalise("") is None
    assert normalise("\u3000 王芳 \u3000") == "王芳"  # full-width spaces too
    assert normalise(datetime(2026, 9, 1)) == date(2026, 9, 1)
    assert normalise(datetime(2026, 9, 1, 8, 30)) == datetime(2026, 9, 1, 8, 30)
    assert normalise(True) is True
    assert normalise("'=1+1") == "=1+1"  # an export's escaped formula reads back as text


@pytest.mark.parametrize(
    ("raw", "number"),
    [("１２３", 123), ("－５", -5), ("1,200", 1200), ("１，２００", 1200), ("12.0", 12), (7.0, 7)],
)
def test_numbers_typed_as_text_or_full_width_are_integers(raw, number):
    assert to_int(raw) == number


@pytest.mark.parametrize("raw", ["abc", "12.5", 2.5, True, "1,20", "", "1 2"])
def test_what_is_not_an_integer_is_refused(raw):
    with pytest.raises(ValueError):
        to_int(raw)


def _sheet(rows: list[list[object]]) -> Sheet:
    return Sheet("在校生", [list(r) for r in rows], [])


def test_every_bad_cell_is_reported_with_sheet_row_column_value_and_rule():
    sheet = _sheet(
        [
            ["学校", "男", "女", "班级数", "备注"],
            ["一小", 10.0, "abc", "１２", ""],
            ["二小", -1.0, 2.5, "", "很长的备注"],
        ]
    )
    errors = CellErrors()
    assert sheet.int_at("B2", errors=errors) == 10
    assert sheet.int_at("C2", errors=errors) is None
    assert sheet.int_at("D2", errors=errors) == 12
    assert sheet.int_at("B3", errors=errors) is None
    assert sheet.int_at("C3", errors=errors, maximum=2) is None
    assert sheet.int_at("D3", errors=errors) is None
    assert sheet.int_at("D3", errors=errors, required=False) is None
    assert sheet.int_at((3, 2), errors=errors, minimum=None) == -1
    assert sheet.text_at("E3", errors=errors, max_length=3) is None
    assert sheet.text_at("A2", errors=errors) == "一小"
    assert errors.messages() == [
        "工作表“在校生”第2行C列（值“abc”）：应为不小于0的整数",
        "工作表“在校生”第3行B列（值“-1”）：应为不小于0的整数",
        "工作表“在校生”第3行C列（值“2.5”）：应为0至2之间的整数",
        "工作表“在校生”第3行D列：不能为空",
        "工作表“在校生”第3行E列（值“很长的备注”）：不能超过3个字符",
    ]
    assert errors.errors[0] == CellError("在校生", 2, "C", "abc", "应为不小于0的整数")
    with pytest.raises(WorkbookRejected) as rejected:
        errors.raise_if_any()
    assert len(rejected.value.errors) == 5


def test_a_clean_sheet_raises_nothing():
    errors = CellErrors()
    assert _sheet([["1"]]).int_at("A1", errors=errors) == 1
    assert not errors
    errors.raise_if_any()


def test_a_number_read_as_text_keeps_its_digits():
    errors = CellErrors()
    assert _sheet([[2026.0, "２０２６"]]).text_at("A1", errors=errors) == "2026"
    assert not errors


def test_bad_cells_across_sheets_of_a_real_file_are_all_reported():
    book = read_format("xls")
    errors = CellErrors()
    for row in (5, 6):
        for col in (2, 3):
            book.sheet("在校生").int_at((row, col), errors=errors)
    book.sheet("教师").int_at("B7", errors=errors, maximum=40)
    assert errors.messages() == [
        "工作表“在校生”第6行C列（值“abc”）：应为不小于0的整数",
        "工作表“教师”第7行B列（值“45”）：应为0至40之间的整数",
    ]


def test_rows_yield_normalised_values_with_their_numbers():
    sheet = read_format("xlsx").sheet("在校生")
    assert list(sheet.rows(5, first_col=2, last_col=3)) == [(5, [312, 298]), (6, ["１２３", "abc"])]


def test_an_unknown_sheet_is_named_in_chinese():
    with pytest.raises(WorkbookError) as refused:
        read_format("xlsx").sheet("教职工")
    assert str(refused.value) == "找不到工作表“教职工”，文件中的工作表为：在校生、教师"


def test_a_renamed_file_is_read_for_what_it_is():
    book = read_workbook(returns_xlsx(), "在校生.xls")
    assert book.format == "xlsx"
    assert book.sheet("在校生").cell("B5") == 312
