"""Chinese text uses full-width punctuation (docs: the official register); what users
type or re-import in the older ASCII form is still understood."""

from __future__ import annotations

import io
from datetime import date

from edubureau.core.excel import CellError, Column, parse_choice, read_sheet, write_workbook
from edubureau.core.services import calendar_text_parse


def test_a_cell_error_reads_with_full_width_punctuation():
    error = CellError("学校名录", 3, "D", "校长（园长）", "不能超过40个字符")
    assert str(error) == "工作表“学校名录”第3行D列（“校长（园长）”）：不能超过40个字符"


def test_a_sheet_exported_with_ascii_punctuation_in_its_headers_still_imports():
    old_export = write_workbook(
        title="学校名录",
        columns=[Column("name", "学校名称"), Column("principal", "校长(园长)")],
        rows=[["第一小学", "王芳"]],
    )
    columns = [Column("name", "学校名称", required=True), Column("principal", "校长（园长）")]
    parsed = read_sheet(io.BytesIO(old_export), columns)
    assert not parsed.errors
    assert parsed.rows[0].values == {"name": "第一小学", "principal": "王芳"}


def test_a_choice_label_with_ascii_punctuation_still_parses():
    parse = parse_choice([("A", "A级（优秀）"), ("B", "B级（良好）")])
    assert parse("A级(优秀)") == "A"
    assert parse(" B级（良好） ") == "B"
    assert parse("B") == "B"


def test_a_calendar_line_may_be_separated_by_full_width_commas():
    entries = calendar_text_parse(text="2027-01-01，元旦；放假", year=2027)
    assert [(e.day, e.name) for e in entries] == [(date(2027, 1, 1), "元旦")]
