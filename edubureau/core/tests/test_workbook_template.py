"""core.workbook.write_template: merged multi-row Chinese headers, data validation,
locked header rows, frozen panes, fitted widths; and the round trip through a user
filling it in (openpyxl) and read_workbook reading it back."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from edubureau.core.workbook import (
    CellErrors,
    TemplateColumn,
    TemplateSheet,
    TemplateSpec,
    read_workbook,
    write_template,
)

COLUMNS = [
    TemplateColumn(("学校名称",)),
    TemplateColumn(("在校生", "男"), kind="int"),
    TemplateColumn(("在校生", "女"), kind="int"),
    TemplateColumn(("办学性质",), kind="choice", choices=("公办", "普惠性民办", "民办")),
    TemplateColumn(("填报日期",), kind="date"),
    TemplateColumn(("班级数",), kind="int", minimum=1, maximum=60),
]
SHEET = TemplateSheet("在校生", COLUMNS, title="2026年学校基本情况统计表", data_rows=20)
TEACHERS = TemplateSheet("教师", [TemplateColumn(("专任教师",), kind="int")], data_rows=10)
SPEC = TemplateSpec([SHEET, TEACHERS])


def opened(data: bytes):
    return load_workbook(io.BytesIO(data))


def test_headers_are_merged_from_the_column_paths():
    sheet = opened(write_template(SPEC))["在校生"]
    assert SHEET.header_rows == (3, 4) and SHEET.first_data_row == 5
    assert sheet["A1"].value == "2026年学校基本情况统计表"
    assert {str(r) for r in sheet.merged_cells.ranges} == {
        "A1:F1",  # the title
        "A3:A4",  # a single label is merged down the header
        "B3:C3",  # the parent over 男 and 女
        "D3:D4",
        "E3:E4",
        "F3:F4",
    }
    assert [sheet.cell(3, c).value for c in range(1, 7)] == [
        "学校名称", "在校生", None, "办学性质", "填报日期", "班级数",
    ]  # fmt: skip
    assert [sheet.cell(4, c).value for c in (2, 3)] == ["男", "女"]
    assert sheet["B3"].font.b


def test_data_validation_covers_the_data_rows():
    sheet = opened(write_template(SPEC))["在校生"]
    rules = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    assert set(rules) == {"B5:B24", "C5:C24", "D5:D24", "E5:E24", "F5:F24"}
    count = rules["B5:B24"]
    assert (count.type, count.operator, count.formula1) == ("whole", "greaterThanOrEqual", "0")
    assert count.showErrorMessage and count.error == "应为不小于0的整数"
    classes = rules["F5:F24"]
    assert (classes.operator, classes.formula1, classes.formula2) == ("between", "1", "60")
    assert classes.error == "应为1至60之间的整数"
    kind = rules["D5:D24"]
    assert (kind.type, kind.formula1) == ("list", '"公办,普惠性民办,民办"')
    assert rules["E5:E24"].type == "date"


def test_a_long_choice_list_lives_on_a_hidden_sheet():
    choices = tuple(f"第{n}中心学校附属幼儿园" for n in range(1, 40))
    column = TemplateColumn(("园名",), "choice", choices=choices)
    spec = TemplateSpec([TemplateSheet("幼儿园", [column])])
    book = opened(write_template(spec))
    (rule,) = book["幼儿园"].data_validations.dataValidation
    assert rule.formula1 == "'选项'!$A$1:$A$39"
    assert book["选项"].sheet_state == "hidden"
    assert [c.value for c in book["选项"]["A"]] == list(choices)


def test_header_rows_are_locked_data_cells_are_not_and_panes_freeze_below_the_header():
    sheet = opened(write_template(SPEC))["在校生"]
    assert sheet.protection.sheet
    assert sheet.protection.password is None  # documented: no password
    assert sheet["B3"].protection.locked and sheet["B4"].protection.locked
    assert not sheet["B5"].protection.locked and not sheet["F24"].protection.locked
    assert sheet.freeze_panes == "A5"
    assert opened(write_template(SPEC))["教师"].freeze_panes == "A2"


def test_column_widths_fit_the_headers():
    sheet = opened(write_template(SPEC))["在校生"]
    # four Chinese characters are eight units wide, plus a margin; never below 8
    assert sheet.column_dimensions["A"].width == 10
    assert sheet.column_dimensions["B"].width == 8
    wide = TemplateSheet("表", [TemplateColumn(("其中：进城务工人员随迁子女",))])
    assert opened(write_template(TemplateSpec([wide])))["表"].column_dimensions["A"].width == 28


def test_a_filled_template_reads_back_with_its_labels_and_values():
    book = opened(write_template(SPEC))
    sheet = book["在校生"]
    sheet["A5"], sheet["B5"], sheet["C5"] = "第一小学", 312, 298
    sheet["D5"], sheet["E5"], sheet["F5"] = "公办", date(2026, 9, 1), 12
    sheet["A6"], sheet["B6"], sheet["C6"], sheet["F6"] = "第二小学", "１２", "abc", 0
    book["教师"]["A2"] = 45
    buffer = io.BytesIO()
    book.save(buffer)

    read = read_workbook(buffer.getvalue(), "在校生.xlsx")
    back = read.sheet("在校生")
    labels = back.header(rows=SHEET.header_rows)
    assert [h.label for h in labels] == [c.label for c in COLUMNS]
    assert [h.label for h in labels][1] == "在校生/男"
    assert [back.cell(5, c) for c in range(1, 7)] == [
        "第一小学", 312, 298, "公办", date(2026, 9, 1), 12,
    ]  # fmt: skip
    errors = CellErrors()
    values = [back.int_at((6, c), errors=errors) for c in (2, 3)]
    values.append(back.int_at("F6", errors=errors, minimum=1, maximum=60))
    assert values == [12, None, None]
    assert errors.messages() == [
        "工作表“在校生”第6行C列（值“abc”）：应为不小于0的整数",
        "工作表“在校生”第6行F列（值“0”）：应为1至60之间的整数",
    ]
    assert read.sheet("教师").cell("A2") == 45


def test_prefilled_rows_are_written_and_formula_like_text_stays_text():
    sheet = TemplateSheet(
        "名录", [TemplateColumn(("学校名称",)), TemplateColumn(("人数",), "int")],
        rows=[["第一小学", 10], ["=HYPERLINK(\"x\")", 2]],
    )  # fmt: skip
    data = write_template(TemplateSpec([sheet]))
    assert opened(data)["名录"]["A3"].data_type == "s"
    back = read_workbook(data, "a.xlsx").sheet("名录")
    assert back.cell("A2") == "第一小学" and back.cell("B2") == 10
    assert back.cell("A3") == '=HYPERLINK("x")'


def test_the_columns_of_a_template_are_found_wherever_the_user_moved_them():
    book = opened(write_template(SPEC))
    sheet = book["在校生"]
    sheet.move_range("F3:F24", cols=1)  # 班级数 moved from F to G
    sheet["F3"] = "在校生"  # a stray copy of a parent label, no child under it
    buffer = io.BytesIO()
    book.save(buffer)
    back = read_workbook(buffer.getvalue(), "a.xlsx").sheet("在校生")
    errors = CellErrors()
    wanted = [c.label for c in COLUMNS] + ["教职工/专任"]
    found = back.columns(wanted, rows=SHEET.header_rows, errors=errors)
    assert found == {
        "学校名称": 1, "在校生/男": 2, "在校生/女": 3, "办学性质": 4, "填报日期": 5, "班级数": 7,
    }  # fmt: skip
    assert errors.messages() == ["工作表“在校生”第4行：缺少表头“教职工/专任”"]


def test_a_header_found_twice_is_reported_with_its_columns():
    book = opened(write_template(TemplateSpec([TEACHERS])))
    book["教师"]["B1"] = "专任教师"
    buffer = io.BytesIO()
    book.save(buffer)
    back = read_workbook(buffer.getvalue(), "a.xlsx").sheet("教师")
    errors = CellErrors()
    assert back.columns(["专任教师"], rows=1, errors=errors) == {}
    assert errors.messages() == ["工作表“教师”第1行：表头“专任教师”重复（A、B列）"]


def test_a_three_row_header_with_paths_of_every_depth_reads_back_as_written():
    columns = [
        TemplateColumn(("学校",)),
        *[
            TemplateColumn(("在校生", grade, sex), kind="int")
            for grade in ("一年级", "二年级")
            for sex in ("男", "女")
        ],
        TemplateColumn(("班额", "最大"), kind="int"),
        TemplateColumn(("班额", "平均"), kind="int"),
    ]
    sheet = TemplateSheet("表一", columns)
    data = write_template(TemplateSpec([sheet]))
    written = opened(data)["表一"]
    assert {str(r) for r in written.merged_cells.ranges} == {
        "A1:A3", "B1:E1", "B2:C2", "D2:E2", "F1:G1", "F2:F3", "G2:G3",
    }  # fmt: skip
    back = read_workbook(data, "a.xlsx").sheet("表一")
    assert sheet.header_rows == (1, 3)
    assert [h.label for h in back.header(rows=(1, 3))] == [c.label for c in columns]
    assert columns[1].label == "在校生/一年级/男"
