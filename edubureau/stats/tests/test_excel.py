"""The returns' workbook (stats.excel): the template is the data dictionary's — a sheet
per level, Chinese headers with units, whole numbers validated, headers locked — and
reading it back gives each school's figures with the cell of each, or every bad cell
with its sheet, row and column. No database: the schools are described as the import
service would describe them (SchoolInfo)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from edubureau.core.tests.test_workbook import ods_bytes, ods_cell, ods_row
from edubureau.core.workbook import WorkbookError, read_workbook
from edubureau.stats import excel
from edubureau.stats.dictionary import FIELDS, Level, fields_for
from edubureau.stats.models import KgCategory, ReturnStatus
from edubureau.stats.tests.factories import consistent_values

YEAR = 2030  # any census year: nothing here reads the clock
DATA = Path(__file__).parent / "data"


def info(pk, identifier, kind, **extra):
    extra.setdefault("importable", True)
    return excel.SchoolInfo(pk=pk, identifier=identifier, name=f"学校{pk}", kind=kind, **extra)


PRIMARY = info(1, "5100000001", "primary")
NINE_YEAR = info(2, "5100000002", "nine_year")
KINDERGARTEN = info(3, "5100000003", "kindergarten")
SCHOOLS = {s.identifier: s for s in (PRIMARY, NINE_YEAR, KINDERGARTEN)}


def template(*rows):
    return excel.returns_workbook(YEAR, rows)


def row_of(school, values=None, kg=""):
    return excel.TemplateRow(school.identifier, school.name, school.kind, values or {}, kg)


def read(data, filename="returns.xlsx", schools=SCHOOLS, only=None):
    parsed = excel.parse_returns(data, filename, year=YEAR)
    return excel.check_returns(parsed, year=YEAR, schools=schools, only_school=only)


def fill(data, figures_by_identifier, *, edit=None):
    """The template with each school's row filled with its figures (as a user would,
    in Excel): the columns found by their header text."""
    book = load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        if sheet.title not in excel.LEVEL_SHEETS:
            continue
        headers = {
            sheet.cell(4, c).value or sheet.cell(3, c).value: c
            for c in range(1, sheet.max_column + 1)
        }
        level = excel.LEVEL_SHEETS[sheet.title]
        for r in range(5, sheet.max_row + 1):
            identifier = sheet.cell(r, 1).value
            figures = figures_by_identifier.get(identifier)
            if figures is None:
                continue
            for spec in excel.level_fields(level):
                if spec.code in figures:
                    sheet.cell(r, headers[excel.field_header(spec)], figures[spec.code])
            if level == Level.KG and "kg" in figures:
                sheet.cell(r, headers[excel.KG_CATEGORY], figures["kg"])
    if edit:
        edit(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_schools_template_is_the_dictionary_with_its_row_and_figures():
    values = consistent_values("nine_year")
    data = template(row_of(NINE_YEAR, values))
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["小学", "初中"]  # the levels it reports, nothing else
    primary = book["小学"]
    assert primary["A1"].value == f"{YEAR}年教育事业统计基层表（小学）"
    headers = [
        primary.cell(4, c).value or primary.cell(3, c).value
        for c in range(1, primary.max_column + 1)
    ]
    expected = ["学校标识码", "学校名称"] + [
        f"{s.label}（{s.unit}）" for s in fields_for("primary")
    ]
    assert headers == expected
    assert primary.cell(3, 3).value == "在校生"  # the form group above its fields
    assert [primary.cell(5, c).value for c in (1, 2)] == [NINE_YEAR.identifier, NINE_YEAR.name]
    assert primary.cell(5, 3).value == values["primary.enrolled"]
    assert book["初中"].cell(5, 3).value == values["junior.enrolled"]
    # Headers locked, the data row editable; whole numbers ≥ 0 validated.
    assert primary.protection.sheet and primary.cell(3, 1).protection.locked
    assert not primary.cell(5, 3).protection.locked
    rules = {(v.type, v.operator, v.formula1) for v in primary.data_validations.dataValidation}
    assert ("whole", "greaterThanOrEqual", "0") in rules


def test_a_kindergartens_template_offers_the_category_as_a_dropdown():
    data = template(row_of(KINDERGARTEN, {"kg.enrolled": 90}, kg=KgCategory.AFFORDABLE))
    sheet = load_workbook(io.BytesIO(data))["学前教育"]
    assert sheet.cell(4, 3).value or sheet.cell(3, 3).value == "幼儿园类别"
    assert sheet.cell(5, 3).value == "普惠性民办园"
    lists = [v.formula1 for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert lists == ['"公办园,普惠性民办园,其他民办园"']


def test_the_template_filled_reads_back_with_the_cell_of_every_figure():
    values = consistent_values("nine_year")
    data = fill(template(row_of(NINE_YEAR)), {NINE_YEAR.identifier: values})
    checked = read(data)
    assert checked.errors == []
    (figures,) = checked.schools
    assert figures.values == values and figures.action == "new"
    assert figures.cells["primary.enrolled"] == "小学!C5"
    assert figures.cells["junior.enrolled"] == "初中!C5"
    letter = chr(
        ord("A") + 2 + list(excel.level_fields(Level.PRIMARY)).index(FIELDS["primary.teachers"])
    )
    assert figures.cells["primary.teachers"] == f"小学!{letter}5"


def test_unchanged_and_changed_figures_are_told_apart():
    values = consistent_values("primary")
    current = info(1, PRIMARY.identifier, "primary", status=ReturnStatus.DRAFT, values=values)
    data = template(row_of(current, values))
    assert read(data, schools={current.identifier: current}).schools[0].action == "unchanged"
    changed = dict(values, **{"primary.teachers": 13})
    figures = read(fill(data, {current.identifier: changed}), schools={current.identifier: current})
    assert figures.schools[0].action == "changed"
    assert figures.schools[0].changes == [("primary.teachers", 12, 13)]


def test_several_bad_cells_are_each_reported_with_sheet_row_and_column():
    values = consistent_values("primary")
    bad = dict(
        values, **{"primary.teachers": 12.5, "primary.classes": -1, "primary.dropouts": "很多"}
    )
    bad.pop("primary.disabled")  # left blank
    rows = [row_of(PRIMARY), row_of(NINE_YEAR)]
    nine = consistent_values("nine_year") | {"junior.grade1": 41}
    checked = read(fill(template(*rows), {PRIMARY.identifier: bad, NINE_YEAR.identifier: nine}))
    assert checked.schools == []  # nothing to import for either school
    found = {(e.sheet, e.row, e.column) for e in checked.errors}

    def where(code, row, sheet="小学"):
        specs = list(excel.level_fields(FIELDS[code].level))
        return (sheet, row, chr(ord("A") + 2 + specs.index(FIELDS[code])))

    assert where("primary.teachers", 5) in found
    assert where("primary.classes", 5) in found
    assert where("primary.dropouts", 5) in found
    assert where("primary.disabled", 5) in found
    assert where("junior.enrolled", 5, "初中") in found  # the sum rule, at its first field
    messages = [e.rule for e in checked.errors]
    assert "小学专任教师应填写整数，填写的是“12.5”。" in messages
    assert "小学残疾学生（随班就读、附设班等）未填写（没有请填0）。" in messages
    assert "初中各年级在校生之和（121人）与初中在校生（120人）不一致。" in messages
    assert len(checked.errors) == 5
    shown = str(next(e for e in checked.errors if e.column == where("primary.dropouts", 5)[2]))
    assert shown.startswith("工作表“小学”第5行") and "很多" in shown


def test_headers_are_found_by_their_text_wherever_the_columns_are():
    values = consistent_values("primary")
    data = fill(template(row_of(PRIMARY)), {PRIMARY.identifier: values})

    def shuffle(book):
        sheet = book["小学"]
        sheet.protection.sheet = False
        sheet.unmerge_cells(start_row=3, start_column=1, end_row=4, end_column=1)
        sheet.insert_cols(1, 2)  # two blank columns in front
        sheet.move_range("C3:C5", cols=sheet.max_column - 2)  # the identifier last

    checked = read(fill(data, {}, edit=shuffle))
    assert checked.errors == []
    assert checked.schools[0].values == values


@pytest.mark.parametrize(
    ("edit", "rule"),
    [
        (lambda b: setattr(b["小学"], "title", "Sheet1"), "不是统计报表的工作表"),
        (lambda b: b["小学"].cell(4, 5, "班级人数"), "缺少表头“在校生（一年级）（人）”"),
        (lambda b: b["小学"].cell(1, 1, "2019年教育事业统计基层表"), "表格为2019年的统计报表"),
    ],
)
def test_a_wrong_sheet_header_or_year_is_named(edit, rule):
    checked = read(
        fill(
            template(row_of(PRIMARY)), {PRIMARY.identifier: consistent_values("primary")}, edit=edit
        )
    )
    assert checked.schools == []
    assert any(rule in e.rule for e in checked.errors), [e.rule for e in checked.errors]


def test_schools_the_file_may_not_hold_are_refused_each_with_its_reason():
    values = consistent_values("primary")
    other = info(9, "5100000009", "primary", importable=False)
    locked = info(4, "5100000004", "primary", status=ReturnStatus.LOCKED, status_label="已锁定")
    junior = info(5, "5100000005", "junior")
    schools = {s.identifier: s for s in (PRIMARY, other, locked, junior)}

    def rows(book):
        sheet = book["小学"]
        for r, identifier in enumerate(
            [
                "5100000099",
                other.identifier,
                locked.identifier,
                junior.identifier,
                PRIMARY.identifier,
            ],
            6,
        ):
            for c in range(1, sheet.max_column + 1):
                sheet.cell(r, c, sheet.cell(5, c).value)
            sheet.cell(r, 1, identifier)

    data = fill(template(row_of(PRIMARY)), {PRIMARY.identifier: values}, edit=rows)
    checked = read(data, schools=schools)
    by_row = {e.row: e.rule for e in checked.errors}
    assert by_row[6].startswith("学校标识码不存在")
    assert by_row[7].startswith("您不能导入该校的统计报表")
    assert by_row[8].startswith(f"该校{YEAR}年统计报表已锁定，导入不能覆盖")
    assert by_row[9] == "该校为初级中学，不报送小学"
    assert by_row[10] == "该校在本工作表中重复（第5行已填写）"
    assert {e.column for e in checked.errors} == {"A"}
    # A school's own template holds no other school.
    mine = read(data, schools=schools, only=PRIMARY.pk)
    assert {e.row for e in mine.errors if e.rule == "本校的模板只能填写本校的统计报表"} == {7, 8, 9}


def test_a_locked_return_with_the_same_figures_is_no_overwrite():
    values = consistent_values("primary")
    locked = info(
        1,
        PRIMARY.identifier,
        "primary",
        status=ReturnStatus.LOCKED,
        status_label="已锁定",
        values=values,
    )
    checked = read(template(row_of(locked, values)), schools={locked.identifier: locked})
    assert checked.errors == [] and checked.schools[0].action == "unchanged"


def test_a_year_over_year_move_is_a_warning_at_its_cell_not_an_error():
    values = consistent_values("primary")
    last_year = dict(values, **{"primary.teachers": 8})
    school = info(1, PRIMARY.identifier, "primary", previous=last_year)
    checked = read(
        fill(template(row_of(school)), {school.identifier: values}),
        schools={school.identifier: school},
    )
    assert checked.errors == [] and len(checked.schools) == 1
    (warning,) = checked.warnings
    assert warning.sheet == "小学" and warning.row == 5
    assert "小学专任教师比上年（8人）增加4人" in warning.rule


def test_a_nine_year_school_missing_from_one_of_its_sheets_is_named():
    values = consistent_values("nine_year")
    data = fill(
        template(row_of(NINE_YEAR)),
        {NINE_YEAR.identifier: values},
        edit=lambda b: b.remove(b["初中"]),
    )
    checked = read(data)
    assert [e.rule for e in checked.errors] == ["该校还报送初中，但工作表“初中”中没有该校的行"]


def test_a_file_that_is_no_spreadsheet_is_refused_whole():
    with pytest.raises(WorkbookError):
        excel.parse_returns(b"not a workbook", "returns.xlsx", year=YEAR)


LEGACY_VALUES = consistent_values("nine_year") | {
    "primary.teachers": 13,
    "primary.teachers_qualified": 13,
}


def test_an_ods_reads_as_the_xlsx_does():
    data = fill(template(row_of(NINE_YEAR)), {NINE_YEAR.identifier: LEGACY_VALUES})
    book = load_workbook(io.BytesIO(data))
    sheets = {s.title: [[c.value for c in row] for row in s.iter_rows()] for s in book.worksheets}
    # Typed without merging (a group over its first field only), as the reader carries it.
    ods = ods_bytes(
        {name: [ods_row(*map(ods_cell, row)) for row in rows] for name, rows in sheets.items()}
    )
    assert read_workbook(ods, "returns.ods").format == "ods"
    checked = read(ods, "returns.ods")
    assert checked.errors == []
    assert checked.schools[0].values == LEGACY_VALUES
    assert checked.schools[0].cells["junior.enrolled"] == "初中!C5"


def test_a_legacy_xls_reads_as_the_xlsx_does():
    """data/returns.xls: the nine-year school's template filled with LEGACY_VALUES,
    merged headers and all, written with xlwt 1.3.0 in a throw-away virtualenv (nothing
    the project installs writes .xls, and the LibreOffice here has no Calc) from the
    rows of ``fill(template(row_of(NINE_YEAR)), {...: LEGACY_VALUES})``."""
    data = (DATA / "returns.xls").read_bytes()
    assert read_workbook(data, "returns.xls").format == "xls"
    checked = read(data, "returns.xls")
    assert checked.errors == []
    assert checked.schools[0].values == LEGACY_VALUES
    assert checked.schools[0].cells["primary.teachers"].startswith("小学!")
