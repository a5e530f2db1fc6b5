"""Render a circular's document tree (:class:`edubureau.safety.circulars.Document`) as .docx.

A pure function of its input: no database, no clock. The layout is readable and
close to official documents — A4, the GB/T 9704 margins, title centred, headings
numbered 一、（一）1.（1）, body in 仿宋 with a two-character first-line indent, level-1
headings in 黑体, level-2 in 楷体, tables in a smaller 仿宋 with a repeated header
row. The complete GB/T 9704 layout (版头, 文号, page numbers "— 1 —") comes with
the reports module.

Chinese font names are set as the east-asian font (``w:eastAsia``) of each style
and run: Word uses that attribute, not ``font.name``, for CJK characters.
"""

from __future__ import annotations

import io

from docx import Document as new_docx
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.styles.style import ParagraphStyle
from docx.table import Table as DocxTable
from docx.text.run import Run

from edubureau.safety.circulars import Document, Section, Table

TITLE_FONT = "宋体"  # 方正小标宋简体 is not installed everywhere; 宋体 bold reads close to it
BODY_FONT = "仿宋"
H1_FONT = "黑体"
H2_FONT = "楷体"
LATIN_FONT = "Times New Roman"
BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
TABLE_SIZE = Pt(12)  # 小四
LINE = Pt(28)  # 22 lines of type area per page at 三号

DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (for 1..99)."""
    if not 1 <= n <= 99:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return DIGITS[ones]
    head = "" if tens == 1 else DIGITS[tens]
    return f"{head}十{DIGITS[ones] if ones else ''}"


def heading_number(level: int, n: int) -> str:
    """The official numbering: 一、 （一） 1. （1）"""
    if level == 1:
        return f"{chinese_number(n)}、"
    if level == 2:
        return f"（{chinese_number(n)}）"
    if level == 3:
        return f"{n}."
    return f"（{n}）"


def _east_asian(element: object, name: str) -> None:
    rpr = element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)


def _style(
    doc: DocxDocument, name: str, *, font: str, size: Pt, bold: bool = False
) -> ParagraphStyle:
    styles = doc.styles
    style = (
        styles[name]
        if name in [s.name for s in styles]
        else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    )
    assert isinstance(style, ParagraphStyle)
    if name != "Normal":
        style.base_style = styles["Normal"]
    style.font.size = size
    style.font.bold = bold
    _east_asian(style.element, font)
    fmt = style.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    return style


def _setup(doc: DocxDocument) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    body = _style(doc, "Normal", font=BODY_FONT, size=BODY_SIZE)
    body.paragraph_format.first_line_indent = Pt(32)  # two characters
    title = _style(doc, "Circular Title", font=TITLE_FONT, size=TITLE_SIZE, bold=True)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.first_line_indent = Pt(0)
    title.paragraph_format.line_spacing = Pt(36)
    title.paragraph_format.space_after = Pt(16)
    _style(doc, "Circular Heading 1", font=H1_FONT, size=BODY_SIZE)
    _style(doc, "Circular Heading 2", font=H2_FONT, size=BODY_SIZE)
    _style(doc, "Circular Heading 3", font=BODY_FONT, size=BODY_SIZE, bold=True)
    flush = _style(doc, "Circular Flush", font=BODY_FONT, size=BODY_SIZE)
    flush.paragraph_format.first_line_indent = Pt(0)
    cell = _style(doc, "Circular Table Text", font=BODY_FONT, size=TABLE_SIZE)
    cell.paragraph_format.first_line_indent = Pt(0)
    cell.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    # The heading styles keep the document's outline for Word's navigation pane.
    for level in (1, 2, 3):
        ppr = doc.styles[f"Circular Heading {level}"].element.get_or_add_pPr()
        outline = OxmlElement("w:outlineLvl")
        outline.set(qn("w:val"), str(level - 1))
        ppr.append(outline)


def _run(run: Run, font: str) -> Run:
    # Runs repeat the east-asian font, so the text stays right if a style is replaced.
    _east_asian(run._element, font)
    return run


def _table(doc: DocxDocument, table: Table) -> DocxTable:
    if table.caption:
        doc.add_paragraph(table.caption, style="Circular Flush")
    out = doc.add_table(rows=1, cols=len(table.headers))
    out.style = doc.styles["Table Grid"]
    out.alignment = WD_TABLE_ALIGNMENT.CENTER
    header = out.rows[0]
    # Repeat the header row on every page.
    tr_pr = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    for cell, text in zip(header.cells, table.headers, strict=True):
        paragraph = cell.paragraphs[0]
        paragraph.style = doc.styles["Circular Table Text"]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(paragraph.add_run(text), H1_FONT).bold = False
    for row in table.rows:
        cells = out.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            paragraph = cell.paragraphs[0]
            paragraph.style = doc.styles["Circular Table Text"]
            _run(paragraph.add_run(text), BODY_FONT)
    doc.add_paragraph("", style="Circular Flush")
    return out


def _section(doc: DocxDocument, section: Section, level: int, n: int) -> None:
    style = f"Circular Heading {min(level, 3)}"
    font = {1: H1_FONT, 2: H2_FONT}.get(level, BODY_FONT)
    paragraph = doc.add_paragraph(style=style)
    _run(paragraph.add_run(f"{heading_number(level, n)}{section.heading}"), font)
    for text in section.paragraphs:
        _run(doc.add_paragraph(style="Normal").add_run(text), BODY_FONT)
    for table in section.tables:
        _table(doc, table)
    for i, child in enumerate(section.children, start=1):
        _section(doc, child, level + 1, i)


def render_circular_docx(document: Document) -> bytes:
    """The circular as .docx bytes."""
    doc = new_docx()
    _setup(doc)
    title = doc.add_paragraph(style="Circular Title")
    _run(title.add_run(document.title), TITLE_FONT)
    recipients = doc.add_paragraph(style="Circular Flush")
    _run(recipients.add_run(document.recipients), BODY_FONT)
    for text in document.opening:
        _run(doc.add_paragraph(style="Normal").add_run(text), BODY_FONT)
    for i, section in enumerate(document.sections, start=1):
        _section(doc, section, 1, i)
    doc.add_paragraph("", style="Circular Flush")
    for text in (
        document.issuer,
        f"{document.dated.year}年{document.dated.month}月{document.dated.day}日",
    ):
        paragraph = doc.add_paragraph(style="Circular Flush")
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.right_indent = Pt(64)
        _run(paragraph.add_run(text), BODY_FONT)
    doc.core_properties.title = document.title
    doc.core_properties.author = document.issuer
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
