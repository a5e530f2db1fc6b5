"""Render an :class:`OfficialDocument` as .docx, laid out per GB/T 9704-2012.

A pure function of its input: no database, no clock, no files.

What it lays out, in order (each rule is GB/T 9704's; :mod:`.layout` has the measures):

- 版头, when the document has a masthead: the 发文机关标志 in red 小标宋 centred,
  its top 35 mm below the type area's; the 发文字号 two lines below it, centred;
  the red separator line 4 mm under the 发文字号 (the 发文字号 paragraph's bottom
  border, red, as wide as the type area).
- The title in 2号 方正小标宋简体, not bold, centred, two lines under the red line
  (or on the first line), broken between words (:mod:`.title`), then a blank line.
- 主送 flush left, ending with a full-width colon.
- The body, each paragraph with a first-line indent of two characters; sections
  numbered 一、（一）1.（1）in 黑体, 楷体_GB2312, 仿宋_GB2312 bold, 仿宋_GB2312;
  ``run_in`` sections have their heading and first paragraph in one paragraph.
  Tables that stay in the body (:func:`.tables.belongs_in_body`) follow their
  section's paragraphs; the others are replaced by "详见附件N。" and become 附件s.
- 附件说明 a line under the body: "附件：1．名称", later names aligned under the first.
- 落款 (7.3.5.1, the layout that leaves room for the seal, the default,
  ``sealed=True``): two blank lines, the issuer centred over the date, the date
  (成文日期, "2026年12月2日") right-aligned four characters from the right edge.
  ``sealed=False`` gives 7.3.5.2's unsealed layout: the issuer two characters from
  the right a line under the body, the date under it starting two characters
  further right. A draft with no date prints "（成文日期）" in its place.
- 附件s, each on a new page: "附件1" in 黑体 at the top left, its title centred on
  the third line, its paragraphs and tables (a table too wide for a portrait page
  at 小四 gets a landscape page).
- 版记 when there is a 抄送 or a 印发机关: 抄送 and 印发机关 / 印发日期 in 4号 仿宋,
  one character in from each side, between a thick rule (0.35 mm) at the top and
  bottom and a thin one (0.25 mm) between them, at the foot of the last page.
- Page numbers "— N —" in 4号 半角宋体, a PAGE field: odd pages on the right, even
  pages on the left, one character in (even and odd footers).

Every text goes through :func:`.text.fullwidth`. Every run names its font for
Chinese (``w:eastAsia``), as Word and WPS choose fonts for CJK characters by that
attribute; the theme fonts are removed from the defaults so they cannot win.
"""

from __future__ import annotations

import copy
import functools
import io
import math
import zipfile
from dataclasses import dataclass, field, replace
from datetime import datetime, time
from typing import IO, Any

from docx import Document as new_docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.opc.pkgwriter import PackageWriter
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor, Twips
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph

from edubureau.core.officialdoc import layout as L
from edubureau.core.officialdoc.tables import (
    CELL_PADDING_PT,
    CONDENSE_PT,
    PT_PER_MM,
    Fit,
    attachment_fit,
    belongs_in_body,
    body_fit,
    header_split,
    squeezed,
)
from edubureau.core.officialdoc.text import (
    chinese_date,
    fullwidth,
    heading_number,
    text_width,
)
from edubureau.core.officialdoc.title import break_title
from edubureau.core.officialdoc.tree import Attachment, OfficialDocument, Section, Table

LINE_PT = L.LINE_PITCH_TWIPS / 20  # 28.95
CHAR_PT = L.SIZE_3  # a character of indent, as Word counts it

# Style names (python-docx makes the style ids by dropping the spaces).
BODY = "Normal"
FLUSH = "OD Flush"
TITLE = "OD Title"
MASTHEAD = "OD Masthead"
NUMBER = "OD Number"
HEADINGS = {1: "OD Heading 1", 2: "OD Heading 2", 3: "OD Heading 3", 4: "OD Heading 4"}
HEADING_FONTS = {1: L.H1_FONT, 2: L.H2_FONT, 3: L.BODY_FONT, 4: L.BODY_FONT}
CAPTION = "OD Caption"
TABLE_TEXT = "OD Table Text"
TABLE_HEAD = "OD Table Header"
ATTACHMENT_LABEL = "OD Attachment Label"
PAGE_NUMBER = "OD Page Number"
IMPRINT = "OD Imprint"


# Low-level helpers ------------------------------------------------------------


def _el(tag: str, **attrs: str) -> Any:
    element = OxmlElement(tag)
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), value)
    return element


def _fonts(rpr: Any, east_asian: str, latin: str = L.LATIN_FONT) -> None:
    fonts = rpr.get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:hint"), "eastAsia")


def _set_child(parent: Any, tag: str, **attrs: str) -> Any:
    """Replace parent's child `tag` (in schema order where python-docx knows it)."""
    for old in parent.findall(qn(tag)):
        parent.remove(old)
    element = _el(tag, **attrs)
    parent.append(element)
    return element


def _style(
    doc: DocxDocument,
    name: str,
    *,
    font: str,
    size: float,
    bold: bool = False,
    latin: str = L.LATIN_FONT,
    indent_chars: float = 0,
    align: WD_ALIGN_PARAGRAPH | None = None,
    grid: bool = True,
    line_pt: float | None = None,
    color: str | None = None,
    outline: int | None = None,
) -> ParagraphStyle:
    styles = doc.styles
    existing = [s for s in styles if s.name == name]
    style = existing[0] if existing else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    assert isinstance(style, ParagraphStyle)
    if name != BODY:
        style.base_style = styles[BODY]
        style.quick_style = True
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    if color:
        style.font.color.rgb = RGBColor.from_string(color)
    rpr = style.element.get_or_add_rPr()
    _fonts(rpr, font, latin)
    fmt = style.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.first_line_indent = Pt(indent_chars * CHAR_PT)
    fmt.left_indent = Pt(0)
    fmt.right_indent = Pt(0)
    fmt.widow_control = False
    if align is not None:
        fmt.alignment = align
    ppr = style.element.get_or_add_pPr()
    if line_pt is None:
        # On the grid: single spacing, each line takes one grid line of 28.95 pt.
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(line_pt)
    _set_child(ppr, "w:snapToGrid", val="1" if grid else "0")
    if outline is not None:
        _set_child(ppr, "w:outlineLvl", val=str(outline))
    return style


def _run(paragraph: Paragraph, text: str, font: str | None = None, **props: Any) -> Any:
    """A run; with `font`, the run repeats its east-asian font (so it stays right if a
    style is replaced)."""
    run = paragraph.add_run(text)
    if font:
        _fonts(run._element.get_or_add_rPr(), font, props.pop("latin", L.LATIN_FONT))
    for key, value in props.items():
        setattr(run.font, key, value)
    return run


def _mm(value: float) -> int:
    """Millimetres in twips."""
    return round(value * 1440 / 25.4)


# The page ---------------------------------------------------------------------


def _page(doc: DocxDocument) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(L.PAGE_WIDTH_MM), Mm(L.PAGE_HEIGHT_MM)
    section.top_margin, section.bottom_margin = Mm(L.TOP_MM), Mm(L.BOTTOM_MM)
    section.left_margin, section.right_margin = Mm(L.LEFT_MM), Mm(L.RIGHT_MM)
    # The page number's dash sits 7 mm under the type area: its line (4号, about
    # 5 mm) ends 23 mm above the paper's edge.
    section.footer_distance = Mm(L.BOTTOM_MM - 7 - 5)
    section.header_distance = Mm(15)
    _grid(section._sectPr)


def _grid(sect_pr: Any) -> None:
    for old in sect_pr.findall(qn("w:docGrid")):
        sect_pr.remove(old)
    # A lines-only grid: 22 lines of 28.95 pt. (No w:charSpace: it means nothing to a
    # lines-only grid; the 28 characters come from the condensed spacing.)
    sect_pr.append(_el("w:docGrid", type="lines", linePitch=str(L.LINE_PITCH_TWIPS)))


def _defaults(doc: DocxDocument) -> None:
    """Document defaults: the body font, Chinese language, condensed spacing, no theme
    fonts, no space after paragraphs."""
    styles_el = doc.styles.element
    defaults = styles_el.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _fonts(rpr, L.BODY_FONT)
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    ppr = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    _set_child(ppr, "w:spacing", after="0", line="240", lineRule="auto")
    settings = doc.settings.element
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:eastAsia"), "zh-CN")
    # Punctuation keeps its full width (no compression): 28 characters a line.
    control = settings.find(qn("w:characterSpacingControl"))
    if control is not None:
        control.set(qn("w:val"), "doNotCompress")
    doc.settings.odd_and_even_pages_header_footer = True


def _styles(doc: DocxDocument) -> None:
    body = _style(
        doc, BODY, font=L.BODY_FONT, size=L.SIZE_3, indent_chars=2, align=WD_ALIGN_PARAGRAPH.JUSTIFY
    )
    rpr = body.element.get_or_add_rPr()
    _set_child(rpr, "w:spacing", val=str(L.CHAR_SPACING_TWENTIETHS))
    _set_child(rpr, "w:kern", val="0")
    # No extra space between Chinese and Latin letters or digits: "2026年" is 2026 and
    # 年, 28 characters stay 28 characters.
    ppr = body.element.get_or_add_pPr()
    _set_child(ppr, "w:autoSpaceDE", val="0")
    _set_child(ppr, "w:autoSpaceDN", val="0")
    _style(doc, FLUSH, font=L.BODY_FONT, size=L.SIZE_3, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _style(
        doc,
        TITLE,
        font=L.TITLE_FONT,
        size=L.SIZE_2,
        latin=L.TITLE_FONT,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        grid=False,
        line_pt=36,
        outline=None,
    )
    _style(
        doc,
        MASTHEAD,
        font=L.TITLE_FONT,
        size=L.MASTHEAD_MAX,
        latin=L.TITLE_FONT,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        grid=False,
        line_pt=L.MASTHEAD_MAX,
        color=L.RED,
    )
    # Off the grid, its line as tall as its type, so the red line is 4 mm under it.
    _style(
        doc,
        NUMBER,
        font=L.BODY_FONT,
        size=L.SIZE_3,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        grid=False,
        line_pt=L.SIZE_3,
    )
    for level, name in HEADINGS.items():
        style = _style(
            doc,
            name,
            font=HEADING_FONTS[level],
            size=L.SIZE_3,
            bold=level == 3,
            indent_chars=2,
            align=WD_ALIGN_PARAGRAPH.JUSTIFY,
            outline=level - 1,
        )
        style.paragraph_format.keep_with_next = True
    _style(
        doc,
        CAPTION,
        font=L.H1_FONT,
        size=L.SIZE_3,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    ).paragraph_format.keep_with_next = True
    for name, font in ((TABLE_TEXT, L.BODY_FONT), (TABLE_HEAD, L.H1_FONT)):
        _style(doc, name, font=font, size=L.SIZE_SMALL_4, grid=False, line_pt=18)
    _style(doc, ATTACHMENT_LABEL, font=L.H1_FONT, size=L.SIZE_3)
    _style(
        doc,
        PAGE_NUMBER,
        font=L.PAGE_NUMBER_FONT,
        size=L.SIZE_4,
        latin=L.PAGE_NUMBER_FONT,
        grid=False,
        line_pt=L.SIZE_4 * 1.2,
    )
    _style(doc, IMPRINT, font=L.BODY_FONT, size=L.SIZE_4, grid=False, line_pt=L.SIZE_4 * 1.5)


def _font_table(doc: DocxDocument) -> None:
    """Tell Word the official fonts' alternates (w:altName) and that they are Chinese
    (GB2312 charset), for machines that lack them."""
    part = next(
        rel.target_part for rel in doc.part.rels.values() if rel.reltype.endswith("/fontTable")
    )
    from lxml import etree

    root = etree.fromstring(part.blob)
    for name in (
        L.BODY_FONT,
        L.TITLE_FONT,
        L.H1_FONT,
        L.H2_FONT,
        L.PAGE_NUMBER_FONT,
    ):
        font = _el("w:font", name=name)
        if name in L.ALT_NAMES:
            font.append(_el("w:altName", val=L.ALT_NAMES[name]))
        font.append(_el("w:charset", val="86"))
        font.append(_el("w:family", val="modern" if name == L.H1_FONT else "roman"))
        font.append(_el("w:pitch", val="variable"))
        root.append(font)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _footers(doc: DocxDocument) -> None:
    """ "— N —": odd pages right, even pages left, one character in; a PAGE field."""
    section = doc.sections[0]
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        _use_style(paragraph, PAGE_NUMBER)
        paragraph.alignment = align
        side = "right_indent" if align == WD_ALIGN_PARAGRAPH.RIGHT else "left_indent"
        setattr(paragraph.paragraph_format, side, Pt(L.SIZE_4))
        _page_number(paragraph)


def _page_number(paragraph: Paragraph) -> None:
    font = L.PAGE_NUMBER_FONT
    _run(paragraph, "— ", font, latin=font)
    for kind, text in (("begin", None), ("instr", " PAGE "), ("separate", None), ("result", "1")):
        run = _run(paragraph, "", font, latin=font)
        if kind == "instr":
            instr = _el("w:instrText")
            instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            instr.text = text
            run._element.append(instr)
        elif kind == "result":
            run.text = text
        else:
            run._element.append(_el("w:fldChar", fldCharType=kind))
    _run(paragraph, "", font, latin=font)._element.append(_el("w:fldChar", fldCharType="end"))
    _run(paragraph, " —", font, latin=font)


# The content ------------------------------------------------------------------


@dataclass
class _Attached:
    """A document's 附件s: its own, then the tables moved out of the body."""

    items: list[Attachment] = field(default_factory=list)
    total: int = 0  # how many there will be, the moved tables counted in advance

    def add(self, attachment: Attachment) -> int:
        self.items.append(attachment)
        return len(self.items)


def _paragraph(doc: DocxDocument, text: str, style: str = BODY) -> Paragraph:
    paragraph = _add(doc, style)
    if text:
        _run(paragraph, fullwidth(text))
    return paragraph


def _blank(doc: DocxDocument, n: int = 1) -> None:
    for _ in range(n):
        _add(doc, FLUSH)


def _masthead(doc: DocxDocument, od: OfficialDocument) -> None:
    mark = fullwidth(od.masthead)
    width_pt = L.TYPE_WIDTH_MM * PT_PER_MM
    size = min(L.MASTHEAD_MAX, math.floor(width_pt / max(text_width(mark), 1) - 1))
    paragraph = _add(doc, MASTHEAD)
    paragraph.paragraph_format.space_before = Mm(35)
    paragraph.paragraph_format.line_spacing = Pt(size)
    _run(paragraph, mark, L.TITLE_FONT, latin=L.TITLE_FONT, size=Pt(size))
    number = _add(doc, NUMBER)
    number.paragraph_format.space_before = Pt(2 * LINE_PT)
    if od.number:
        _run(number, fullwidth(od.number))
    # The red separator line: the bottom border of the 发文字号's paragraph, 4 mm
    # under it, as wide as the type area.
    borders = _el("w:pBdr")
    # 7 pt under the line box (which ends about 4 pt under the characters): 4 mm.
    borders.append(_el("w:bottom", val="single", sz="12", space="7", color=L.RED))
    ppr = number._p.get_or_add_pPr()
    ppr.insert_element_before(
        borders,
        "w:shd",
        "w:tabs",
        "w:suppressAutoHyphens",
        "w:kinsoku",
        "w:wordWrap",
        "w:overflowPunct",
        "w:topLinePunct",
        "w:autoSpaceDE",
        "w:autoSpaceDN",
        "w:bidi",
        "w:adjustRightInd",
        "w:snapToGrid",
        "w:spacing",
        "w:ind",
        "w:contextualSpacing",
        "w:mirrorIndents",
        "w:suppressOverlap",
        "w:jc",
        "w:textDirection",
        "w:textAlignment",
        "w:textboxTightWrap",
        "w:outlineLvl",
        "w:divId",
        "w:cnfStyle",
        "w:rPr",
        "w:sectPr",
        "w:pPrChange",
    )
    _blank(doc, 1)


def _title(doc: DocxDocument, title: str, *, space_before_lines: int = 0) -> None:
    lines = break_title(fullwidth(title))
    paragraph = _add(doc, TITLE)
    if space_before_lines:
        paragraph.paragraph_format.space_before = Pt(space_before_lines * LINE_PT)
    for i, line in enumerate(lines):
        run = _run(paragraph, line, L.TITLE_FONT, latin=L.TITLE_FONT)
        if i < len(lines) - 1:
            run.add_break(WD_BREAK.LINE)


def _heading_paragraph(doc: DocxDocument, section: Section, level: int, n: int) -> tuple[str, ...]:
    """The heading; returns the paragraphs still to write (a run-in heading takes the
    first)."""
    style = HEADINGS[min(level, 4)]
    font = HEADING_FONTS[min(level, 4)]
    heading = fullwidth(section.heading)
    paragraph = _add(doc, style)
    rest = section.paragraphs
    if section.run_in and rest:
        if heading and heading[-1] not in "。！？：；":
            heading += "。"
        _run(paragraph, f"{heading_number(level, n)}{heading}", font)
        # The text after a run-in heading is body text: 仿宋, not bold.
        _run(paragraph, fullwidth(rest[0]), L.BODY_FONT, bold=False)
        paragraph.paragraph_format.keep_with_next = False
        rest = rest[1:]
    else:
        _run(paragraph, f"{heading_number(level, n)}{heading}", font)
    return rest


def _section(doc: DocxDocument, section: Section, level: int, n: int, attached: _Attached) -> None:
    n = section.number or n
    for text in _heading_paragraph(doc, section, level, n):
        _paragraph(doc, text)
    moved = []
    for table in section.tables:
        if belongs_in_body(table):
            _table(doc, table, body_fit(table))
        else:
            title = table.caption or section.heading
            moved.append(
                attached.add(Attachment(title=title, tables=(replace(table, caption=""),)))
            )
    if moved:
        refs = "、".join(f"附件{k}" if attached.total > 1 else "附件" for k in moved)
        _paragraph(doc, f"详见{refs}。")
    for i, child in enumerate(section.children, start=1):
        _section(doc, child, level + 1, i, attached)


def _cell_text(cell: Any, text: str, style: str, size: float, center: bool) -> None:
    paragraph = cell.paragraphs[0]
    _use_style(paragraph, style)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.LEFT
    paragraph.paragraph_format.line_spacing = Pt(round(size * 1.5))
    font = L.H1_FONT if style == TABLE_HEAD else L.BODY_FONT
    for i, line in enumerate(fullwidth(text).split("\n")):
        run = _run(paragraph, line, font, size=Pt(size))
        if i:
            run._element.insert(run._element.index(run._element.find(qn("w:t"))), _el("w:br"))
    tc_pr = cell._tc.get_or_add_tcPr()
    _set_child(tc_pr, "w:vAlign", val="center")


def _header_lines(text: str, capacity: float) -> str:
    """A header wider than its column, on two lines where it reads best."""
    if text_width(text) <= capacity:
        return text
    head, tail = header_split(text)
    if max(text_width(head), text_width(tail)) > capacity:
        return text
    return f"{head}\n{tail}"


def _centred_column(cells: list[str]) -> bool:
    """Numbers, dates and short words are centred; names and prose read from the left."""
    return all(text_width(c) <= 6 for c in cells)


def _table(doc: DocxDocument, table: Table, fitted: Fit) -> None:
    if table.caption:
        _paragraph(doc, table.caption, CAPTION)
    columns = len(table.headers)
    out = doc.add_table(rows=1, cols=columns)
    out._tbl.tblStyle_val = _STYLE_IDS["Table Grid"]
    out.alignment = WD_TABLE_ALIGNMENT.CENTER
    out.autofit = False
    tbl_pr = out._tbl.tblPr
    _set_child(tbl_pr, "w:tblLayout", type="fixed")
    margins = _el("w:tblCellMar")
    pad = str(round(CELL_PADDING_PT * 20))
    for side in ("top", "left", "bottom", "right"):
        margins.append(_el(f"w:{side}", w="0" if side in ("top", "bottom") else pad, type="dxa"))
    for old in tbl_pr.findall(qn("w:tblCellMar")):
        tbl_pr.remove(old)
    tbl_pr.append(margins)
    twips = [round(w * 20) for w in fitted.widths_pt]
    widths = [Twips(t) for t in twips]
    _set_child(tbl_pr, "w:tblW", w=str(sum(twips)), type="dxa")
    grid = out._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), twips, strict=True):
        col.set(qn("w:w"), str(width))
    header = out.rows[0]
    tr_pr = header._tr.get_or_add_trPr()
    tr_pr.append(_el("w:cantSplit"))
    tr_pr.append(_el("w:tblHeader"))  # repeated on every page
    centred = [
        _centred_column([row[i] if i < len(row) else "" for row in table.rows])
        for i in range(columns)
    ]
    for cell, text, width_pt in zip(header.cells, table.headers, fitted.widths_pt, strict=True):
        cell.width = Twips(round(width_pt * 20))
        capacity = (width_pt - 2 * CELL_PADDING_PT - 1) / (fitted.size - CONDENSE_PT)
        _cell_text(cell, _header_lines(fullwidth(text), capacity), TABLE_HEAD, fitted.size, True)
    # A long table (a circular's row per school) has rows that differ only in their
    # text: the first plain row is built through python-docx and copied for the rest
    # (~10× faster than styling every cell anew, the same XML).
    template = None
    for row in table.rows:
        values = [*row, *([""] * (columns - len(row)))][:columns]
        texts = [fullwidth(v) for v in values]
        if template is not None and all(_plain(t) for t in texts):
            out._tbl.append(_filled(template, texts))
            continue
        added = out.add_row()
        added._tr.get_or_add_trPr().append(_el("w:cantSplit"))
        for i, (cell, text) in enumerate(zip(added.cells, values, strict=True)):
            cell.width = widths[i]
            _cell_text(cell, text, TABLE_TEXT, fitted.size, centred[i])
        if template is None and all(t and _plain(t) for t in texts):
            template = copy.deepcopy(added._tr)


def _plain(text: str) -> bool:
    """One line that a run holds as one ``w:t`` (no break, tab or carriage return)."""
    return not any(c in text for c in "\n\r\t")


def _filled(template: Any, texts: list[str]) -> Any:
    """A copy of a table row built by :func:`_cell_text` from plain texts, with
    ``texts`` in its cells (each cell's one run, as python-docx writes a run's text)."""
    row = copy.deepcopy(template)
    for tc, text in zip(row.iterchildren(qn("w:tc")), texts, strict=True):
        t = tc.find(f"{qn('w:p')}/{qn('w:r')}/{qn('w:t')}")
        if not text:
            t.getparent().remove(t)  # python-docx's run of "" has no text element
            continue
        t.text = text
        if len(text.strip()) < len(text):
            t.set(qn("xml:space"), "preserve")
        else:
            t.attrib.pop(qn("xml:space"), None)
    return row


def _attachment_note(doc: DocxDocument, titles: list[str]) -> None:
    """附件说明: "附件：1．名称", the next names under the first, wrapped names aligned
    with their first character."""
    _blank(doc)
    label = "附件："
    for i, title in enumerate(titles, start=1):
        number = f"{i}．" if len(titles) > 1 else ""
        paragraph = _add(doc, FLUSH)
        fmt = paragraph.paragraph_format
        text_start = (2 + text_width(label) + text_width(number)) * CHAR_PT
        fmt.left_indent = Pt(text_start)
        first = 2 * CHAR_PT if i == 1 else (2 + text_width(label)) * CHAR_PT
        fmt.first_line_indent = Pt(first - text_start)
        _run(paragraph, (label if i == 1 else "") + number + fullwidth(title).rstrip("。"))


def _signature(doc: DocxDocument, od: OfficialDocument) -> None:
    issuer = fullwidth(od.issuer)
    dated = chinese_date(od.dated) if od.dated else "（成文日期）"
    w_issuer, w_date = text_width(issuer), text_width(dated)
    if od.sealed:
        # 7.3.5.1: room for the seal; the date four characters from the right, the
        # issuer centred over it.
        _blank(doc, 2)
        date_right = 4.0
        issuer_right = max(0.0, date_right + (w_date - w_issuer) / 2)
    else:
        # 7.3.5.2: a line under the body, the issuer two characters from the right,
        # the date's first character two characters right of the issuer's.
        _blank(doc, 1)
        date_right = max(2.0, w_issuer - w_date)
        issuer_right = date_right + w_date + 2 - w_issuer
    for text, right in ((issuer, issuer_right), (dated, date_right)):
        paragraph = _add(doc, FLUSH)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.right_indent = Pt(right * CHAR_PT)
        _run(paragraph, text)


def _landscape(doc: DocxDocument) -> None:
    """A landscape section for a table too wide for a portrait page (GB/T 9704 8: the
    table's top towards the binding edge)."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(L.PAGE_HEIGHT_MM), Mm(L.PAGE_WIDTH_MM)
    section.top_margin, section.bottom_margin = Mm(L.LEFT_MM), Mm(L.RIGHT_MM)
    section.left_margin, section.right_margin = Mm(L.BOTTOM_MM), Mm(L.TOP_MM)
    section.footer_distance = Mm(10)
    _grid(section._sectPr)


def _portrait(doc: DocxDocument) -> None:
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(L.PAGE_WIDTH_MM), Mm(L.PAGE_HEIGHT_MM)
    section.top_margin, section.bottom_margin = Mm(L.TOP_MM), Mm(L.BOTTOM_MM)
    section.left_margin, section.right_margin = Mm(L.LEFT_MM), Mm(L.RIGHT_MM)
    section.footer_distance = Mm(L.BOTTOM_MM - 12)
    _grid(section._sectPr)


def _attachment(
    doc: DocxDocument, attachment: Attachment, n: int, total: int, attached: _Attached
) -> bool:
    """One 附件 on a new page; returns whether it left a landscape section open."""
    portrait_pt = L.TYPE_WIDTH_MM * PT_PER_MM
    landscape_pt = (L.PAGE_HEIGHT_MM - L.TOP_MM - L.BOTTOM_MM) * PT_PER_MM
    fits = [attachment_fit(t, portrait_pt) for t in attachment.tables]
    wide = any(f is None for f in fits)
    if wide:
        _landscape(doc)
        fits = [attachment_fit(t, landscape_pt) for t in attachment.tables]
    label = _add(doc, ATTACHMENT_LABEL)
    if not wide:
        label.paragraph_format.page_break_before = True
    _run(label, f"附件{n}" if total > 1 else "附件", L.H1_FONT)
    _blank(doc)
    _title(doc, attachment.title)
    _blank(doc)
    for text in attachment.paragraphs:
        _paragraph(doc, text)
    for table, fitted in zip(attachment.tables, fits, strict=True):
        chosen = fitted or attachment_fit(table, landscape_pt)
        _table(doc, table, chosen or squeezed(table, landscape_pt))
    for i, section in enumerate(attachment.sections, start=1):
        _section(doc, section, 1, i, attached)
    return wide


def _imprint(doc: DocxDocument, od: OfficialDocument) -> None:
    """版记 at the foot of the last page: a floating table with its rules."""
    rows: list[tuple[str, str]] = []
    if od.copy_to:
        copy_to = fullwidth(od.copy_to).rstrip("。")
        rows.append((f"抄送：{copy_to}。", ""))
    if od.printed_by or od.printed_on:
        printed = f"{chinese_date(od.printed_on)}印发" if od.printed_on else ""
        rows.append((fullwidth(od.printed_by), printed))
    if not rows:
        return
    table = doc.add_table(rows=len(rows), cols=1)
    tbl_pr = table._tbl.tblPr
    width = _mm(L.TYPE_WIDTH_MM)
    _set_child(tbl_pr, "w:tblW", w=str(width), type="dxa")
    # Its last rule on the type area's bottom edge: placed from the top margin.
    height = len(rows) * round(L.SIZE_4 * 1.5 * 20) + 40
    _set_child(
        tbl_pr,
        "w:tblpPr",
        leftFromText="0",
        rightFromText="0",
        topFromText="0",
        bottomFromText="0",
        vertAnchor="margin",
        # Placed from the page's edge: LibreOffice keeps a table as wide as the type
        # area in the text flow unless it is positioned relative to the page.
        horzAnchor="page",
        tblpX=str(_mm(L.LEFT_MM)),
        tblpY=str(_mm(L.TYPE_HEIGHT_MM) - height),
    )
    margins = _el("w:tblCellMar")
    for side in ("top", "left", "bottom", "right"):
        margins.append(_el(f"w:{side}", w="0", type="dxa"))
    tbl_pr.append(margins)
    _set_child(tbl_pr, "w:tblLayout", type="fixed")
    borders = _el("w:tblBorders")
    # The first and last rules thick (0.35 mm, 1 pt), the ones between thin (0.25 mm).
    for side, size in (("top", "8"), ("left", "0"), ("bottom", "8"), ("right", "0")):
        borders.append(
            _el(
                f"w:{side}",
                val="single" if size != "0" else "nil",
                sz=size,
                space="0",
                color="000000",
            )
        )
    borders.append(_el("w:insideH", val="single", sz="6", space="0", color="000000"))
    borders.append(_el("w:insideV", val="nil"))
    for old in tbl_pr.findall(qn("w:tblBorders")):
        tbl_pr.remove(old)
    tbl_pr.append(borders)
    table._tbl.tblGrid.findall(qn("w:gridCol"))[0].set(qn("w:w"), str(width))
    for row, (left, right) in zip(table.rows, rows, strict=True):
        cell = row.cells[0]
        cell.width = Twips(width)
        paragraph = cell.paragraphs[0]
        _use_style(paragraph, IMPRINT)
        fmt = paragraph.paragraph_format
        fmt.left_indent = Pt(L.SIZE_4)
        fmt.right_indent = Pt(L.SIZE_4)
        _run(paragraph, left)
        if right:
            tabs = _el("w:tabs")
            tab_pos = width - 2 * round(L.SIZE_4 * 20)
            tabs.append(_el("w:tab", val="right", pos=str(tab_pos)))
            paragraph._p.get_or_add_pPr().insert(0, tabs)
            _run(paragraph, "\t" + right)


def _moved(section: Section) -> int:
    """How many of the section's tables (its sub-sections' too) go to 附件s."""
    own = sum(not belongs_in_body(table) for table in section.tables)
    return own + sum(_moved(child) for child in section.children)


def _body(doc: DocxDocument, od: OfficialDocument) -> _Attached:
    attached = _Attached(
        items=list(od.attachments),
        total=len(od.attachments)
        + sum(_moved(section) for section in od.sections)
        + sum(_moved(section) for a in od.attachments for section in a.sections),
    )
    if od.masthead:
        _masthead(doc, od)
        _title(doc, od.title, space_before_lines=1)
    else:
        _title(doc, od.title)
    _blank(doc)
    if od.recipients:
        recipients = fullwidth(od.recipients).rstrip("：:，,。")
        _paragraph(doc, recipients + "：", FLUSH)
    for text in od.opening:
        _paragraph(doc, text)
    for i, section in enumerate(od.sections, start=1):
        _section(doc, section, 1, i, attached)
    for text in od.closing:
        _paragraph(doc, text)
    if attached.items:
        _attachment_note(doc, [a.title for a in attached.items])
    _signature(doc, od)
    return attached


@functools.cache
def _base() -> tuple[bytes, dict[str, str]]:
    """The page, styles, font table and footers every document shares, built once per
    process (most of a short document's rendering time went into them), with the id
    of each style by name: python-docx finds a style by name with a scan of every
    style, once per paragraph, which made a 150-row table take seconds."""
    doc = new_docx()
    # The template's empty first paragraph goes: the document starts with our own.
    body = doc.element.body
    for paragraph in list(body.findall(qn("w:p"))):
        body.remove(paragraph)
    _page(doc)
    _defaults(doc)
    _styles(doc)
    _font_table(doc)
    ids = {str(s.name): str(s.style_id) for s in doc.styles}
    # Like python-docx, the default paragraph style is written as no style at all.
    ids[str(doc.styles.default(WD_STYLE_TYPE.PARAGRAPH).name)] = ""
    _STYLE_IDS.update(ids)
    _footers(doc)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue(), ids


_STYLE_IDS: dict[str, str] = {}


def _use_style(paragraph: Paragraph, name: str) -> None:
    paragraph._p.style = _STYLE_IDS[name] or None


def _add(container: Any, name: str) -> Paragraph:
    """A new paragraph of style ``name`` (by its id: see :func:`_base`)."""
    paragraph: Paragraph = container.add_paragraph()
    _use_style(paragraph, name)
    return paragraph


def render_docx(od: OfficialDocument) -> bytes:
    """The document as .docx bytes, laid out per GB/T 9704-2012."""
    base, ids = _base()
    _STYLE_IDS.update(ids)
    doc = new_docx(io.BytesIO(base))
    attached = _body(doc, od)
    landscape = False
    for n, attachment in enumerate(attached.items, start=1):
        if landscape:
            _portrait(doc)
        landscape = _attachment(doc, attachment, n, len(attached.items), attached)
    if od.copy_to or od.printed_by or od.printed_on:
        if landscape:
            _portrait(doc)
            _add(doc, FLUSH)  # LibreOffice keeps a page's first frame on the last
        _imprint(doc, od)
        _add(doc, FLUSH)  # the floating table's anchor
    properties = doc.core_properties
    properties.title = fullwidth(od.title)
    properties.author = fullwidth(od.issuer)
    properties.comments = ""
    if od.dated:
        properties.created = properties.modified = datetime.combine(od.dated, time())
    return _save(doc)


class _FixedTimeZip:
    """python-docx's package writer stamps each zip member with the moment of saving;
    this one stamps 1980-01-01, so the same document gives the same bytes."""

    def __init__(self, target: IO[bytes]) -> None:
        self._zip = zipfile.ZipFile(target, "w")

    def write(self, pack_uri: Any, blob: bytes) -> None:
        info = zipfile.ZipInfo(pack_uri.membername, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        self._zip.writestr(info, blob)

    def close(self) -> None:
        self._zip.close()


def _save(doc: DocxDocument) -> bytes:
    """``doc.save`` with reproducible zip members (and without saving twice)."""
    package = doc.part.package
    parts = list(package.parts)
    for part in parts:
        part.before_marshal()
    out = io.BytesIO()
    writer = _FixedTimeZip(out)
    PackageWriter._write_content_types_stream(writer, parts)
    PackageWriter._write_pkg_rels(writer, package.rels)
    PackageWriter._write_parts(writer, parts)  # type: ignore[arg-type]
    writer.close()
    return out.getvalue()
