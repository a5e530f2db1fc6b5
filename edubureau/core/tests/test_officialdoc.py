"""The official-document renderer, read back from its .docx: GB/T 9704's page, grid,
fonts (with the East-Asian attribute), numbering, 版头 and its red line, page numbers
on even and odd footers, 附件, 落款, 版记 and full-width punctuation; the title
breaker and the punctuation normaliser on their own. (The PDF: test_officialdoc_pdf.)"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from datetime import date

import docx
import pytest
from docx.oxml.ns import qn
from lxml import etree

from edubureau.core.officialdoc import (
    Attachment,
    OfficialDocument,
    Section,
    Table,
    break_title,
    chinese_date,
    fullwidth,
    render_docx,
)
from edubureau.core.officialdoc.tables import belongs_in_body, fit, minimum_chars
from edubureau.core.officialdoc.text import text_width

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def schools(n: int) -> tuple[tuple[str, ...], ...]:
    return tuple(
        (
            f"某某县第{i}实验小学附属幼儿园" if i % 3 == 0 else f"甲镇第{i}小学",
            "甲镇",
            "已检查",
            "2026-03-22",
            str(i % 5),
            "1",
            "0",
        )
        for i in range(1, n + 1)
    )


SCHOOL_HEADERS = ("学校", "乡镇（街道）", "检查情况", "检查日期", "发现隐患", "未整改完成", "逾期")


def sample(**changes) -> OfficialDocument:
    # The recipients, opening and first paragraph are written with ASCII punctuation on
    # purpose, as the seeds reached us: the renderer must print them full-width
    # (test_text_is_in_full_width_punctuation).
    fields = dict(
        title="关于2026年春季开学安全专项检查情况的通报",
        issuer="某某县教育局",
        dated=date(2026, 12, 2),
        recipients="各乡镇中心校,县直各学校",
        opening=("县教育局于2026年3月21日至28日组织开展了检查(含幼儿园).现将情况通报如下:",),
        sections=(
            Section(
                "基本情况",
                paragraphs=("本次检查共发现隐患5个;已整改3个.",),
                children=(
                    Section(
                        "层层压实责任,体系更加健全",
                        paragraphs=("一是健全组织体系。二是细化责任清单。", "第二段。"),
                        run_in=True,
                    ),
                    Section(
                        "隐患类别分布",
                        tables=(
                            Table(
                                ("隐患类别", "发现", "已销号"),
                                (("消防安全", "3", "2"), ("校舍安全", "2", "1")),
                            ),
                        ),
                        children=(
                            Section(
                                "消防设施",
                                children=(
                                    Section(
                                        "灭火器",
                                    ),
                                ),
                            ),
                        ),
                    ),
                    Section("各校检查情况", tables=(Table(SCHOOL_HEADERS, schools(24)),)),
                ),
            ),
            Section("整改要求", paragraphs=("各校要逐项整改.",)),
        ),
        closing=("特此通报。",),
        attachments=(Attachment("检查组名单", paragraphs=("组长：张三。",)),),
        number="某教安〔2026〕3号",
        masthead="某某县教育局文件",
        copy_to="市教育局,县政府办公室",
        printed_by="某某县教育局办公室",
        printed_on=date(2026, 12, 3),
    )
    fields.update(changes)
    return OfficialDocument(**fields)


def opened(od: OfficialDocument) -> docx.document.Document:
    return docx.Document(io.BytesIO(render_docx(od)))


def texts(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.text]


def paragraph(document, text: str):
    return next(p for p in document.paragraphs if p.text == text)


def east_asian(element) -> str | None:
    fonts = element.find(f"{W}rPr/{W}rFonts")
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


@pytest.fixture(scope="module")
def document():
    return opened(sample())


def test_the_page_is_a4_with_the_gbt_9704_margins(document):
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]


def test_the_grid_is_22_lines_with_characters_condensed_for_28(document):
    grid = document.sections[0]._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines"
    assert grid.get(qn("w:linePitch")) == "579"  # 28.95 pt: 22 lines in 225 mm
    # A lines-only grid: no w:charSpace (LibreOffice lays out Word's linesAndChars
    # grid as 14 characters a line); 28 characters come from the condensed spacing.
    assert grid.get(qn("w:charSpace")) is None
    normal = document.styles["Normal"].element
    assert normal.find(f"{W}rPr/{W}spacing").get(qn("w:val")) == "-5"  # -0.25 pt
    assert normal.find(f"{W}rPr/{W}sz").get(qn("w:val")) == "32"  # 三号
    assert 28 * (16 - 0.25) <= 156 / 25.4 * 72 < 29 * (16 - 0.25)
    line = normal.find(f"{W}pPr/{W}spacing")
    assert (line.get(qn("w:line")), line.get(qn("w:lineRule"))) == ("240", "auto")
    assert normal.find(f"{W}pPr/{W}autoSpaceDN").get(qn("w:val")) == "0"


def test_fonts_are_named_for_east_asian_text(document):
    styles = document.styles
    expected = {
        "Normal": "仿宋_GB2312",
        "OD Title": "方正小标宋简体",
        "OD Masthead": "方正小标宋简体",
        "OD Heading 1": "黑体",
        "OD Heading 2": "楷体_GB2312",
        "OD Heading 3": "仿宋_GB2312",
        "OD Page Number": "宋体",
    }
    for name, font in expected.items():
        assert east_asian(styles[name].element) == font, name
    # Theme fonts would win over the names: the defaults carry none.
    xml = etree.tostring(document.styles.element.find(f"{W}docDefaults"), encoding="unicode")
    assert "eastAsiaTheme" not in xml and 'w:eastAsia="仿宋_GB2312"' in xml
    assert 'w:eastAsia="zh-CN"' in xml
    title = styles["OD Title"]
    assert title.font.bold is False and title.font.size.pt == 22
    assert styles["OD Heading 3"].font.bold is True
    assert styles["OD Heading 1"].font.bold is False
    # Every run of the title and headings names its font too.
    heading = paragraph(document, "一、基本情况")
    assert {east_asian(r._element) for r in heading.runs} == {"黑体"}


def test_the_title_is_centred_not_bold_and_broken_between_words(document):
    title = next(p for p in document.paragraphs if p.style.name == "OD Title")
    assert title.text == "关于2026年春季开学\n安全专项检查情况的通报"
    assert title.alignment is None or title.style.paragraph_format.alignment == 1
    assert all(run.bold is None for run in title.runs)
    assert {east_asian(r._element) for r in title.runs} == {"方正小标宋简体"}


def test_headings_are_numbered_by_depth(document):
    lines = texts(document)
    headings = ("一、基本情况", "（二）隐患类别分布", "1.消防设施", "（1）灭火器", "二、整改要求")
    for heading in headings:
        assert heading in lines, heading
    styles = {p.text: p.style.name for p in document.paragraphs}
    assert styles["一、基本情况"] == "OD Heading 1"
    assert styles["（二）隐患类别分布"] == "OD Heading 2"
    assert styles["1.消防设施"] == "OD Heading 3"
    assert styles["（1）灭火器"] == "OD Heading 4"


def test_a_run_in_heading_shares_its_paragraph_with_the_first_text(document):
    run_in = next(p for p in document.paragraphs if p.text.startswith("（一）"))
    assert run_in.text == "（一）层层压实责任，体系更加健全。一是健全组织体系。二是细化责任清单。"
    heading, text = run_in.runs
    assert east_asian(heading._element) == "楷体_GB2312"
    assert east_asian(text._element) == "仿宋_GB2312" and text.bold is False
    assert "第二段。" in texts(document)


def test_the_masthead_is_red_with_the_number_and_the_red_line_under_it(document):
    mark = paragraph(document, "某某县教育局文件")
    assert mark.style.name == "OD Masthead"
    assert str(mark.style.font.color.rgb) == "FF0000"
    assert mark.paragraph_format.space_before.mm == pytest.approx(35, abs=0.1)
    number = paragraph(document, "某教安〔2026〕3号")
    assert number.style.paragraph_format.alignment == 1  # centred
    line = number._p.find(f"{W}pPr/{W}pBdr/{W}bottom")
    assert line.get(qn("w:color")) == "FF0000" and line.get(qn("w:val")) == "single"
    # 4 mm under the number's characters: 7 pt under its line, which ends 4 pt under
    # them (test_officialdoc_pdf measures it).
    assert int(line.get(qn("w:space"))) == 7


def test_a_document_without_a_masthead_has_no_red_line():
    document = opened(sample(masthead="", number=""))
    xml = document.element.xml
    assert "w:pBdr" not in xml
    first = next(p for p in document.paragraphs if p.text)
    assert first.style.name == "OD Title"


def test_page_numbers_are_a_page_field_on_even_and_odd_footers():
    data = render_docx(sample())
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        settings = z.read("word/settings.xml").decode()
        footers = [z.read(n).decode() for n in z.namelist() if n.startswith("word/footer")]
        body = z.read("word/document.xml").decode()
    assert "<w:evenAndOddHeaders/>" in settings
    assert re.search(r'<w:footerReference w:type="default"', body)
    assert re.search(r'<w:footerReference w:type="even"', body)
    assert len(footers) == 2
    for footer in footers:
        assert '<w:instrText xml:space="preserve"> PAGE </w:instrText>' in footer
        assert 'w:fldCharType="begin"' in footer and 'w:fldCharType="end"' in footer
        assert "— " in footer and " —" in footer
    document = opened(sample())
    section = document.sections[0]
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    assert odd.alignment == 2 and odd.paragraph_format.right_indent.pt == 14  # right, 1 字
    assert even.alignment == 0 and even.paragraph_format.left_indent.pt == 14  # left, 1 字
    assert odd.style.font.size.pt == 14  # 4号
    assert east_asian(odd.style.element) == "宋体"


def test_text_is_in_full_width_punctuation(document):
    lines = texts(document)
    assert "各乡镇中心校，县直各学校：" in lines
    assert "县教育局于2026年3月21日至28日组织开展了检查（含幼儿园）。现将情况通报如下：" in lines
    assert "本次检查共发现隐患5个；已整改3个。" in lines
    for line in lines:
        assert not re.search(r"[\u4e00-\u9fff][,:;()?!]|[,:;()?!][\u4e00-\u9fff]", line), line


def test_the_recipients_are_flush_left_and_the_body_indented_two_characters(document):
    recipients = paragraph(document, "各乡镇中心校，县直各学校：")
    assert recipients.style.paragraph_format.first_line_indent.pt == 0
    body = document.styles["Normal"].paragraph_format
    assert body.first_line_indent.pt == 32  # two characters of 16 pt


def test_the_attachment_note_and_the_signature_follow_the_body(document):
    lines = texts(document)
    closing = lines.index("特此通报。")
    assert lines[closing + 1 : closing + 5] == [
        "附件：1．检查组名单",
        "2．各校检查情况",
        "某某县教育局",
        "2026年12月2日",
    ]
    # 7.3.5.1: the date four characters from the right, the issuer centred over it.
    dated = paragraph(document, "2026年12月2日")
    assert dated.alignment == 2 and dated.paragraph_format.right_indent.pt == 64
    issuer = paragraph(document, "某某县教育局")
    centre_of_date = 4 + text_width("2026年12月2日") / 2
    assert issuer.paragraph_format.right_indent.pt / 16 + 6 / 2 == pytest.approx(centre_of_date)
    # The later attachment names line up under the first.
    first = paragraph(document, "附件：1．检查组名单")
    second = paragraph(document, "2．各校检查情况")
    assert first.paragraph_format.left_indent == second.paragraph_format.left_indent
    start = first.paragraph_format.left_indent.pt + first.paragraph_format.first_line_indent.pt
    assert start == 32


def test_an_unsealed_document_signs_two_characters_from_the_right():
    document = opened(sample(sealed=False))
    issuer, dated = paragraph(document, "某某县教育局"), paragraph(document, "2026年12月2日")
    assert dated.paragraph_format.right_indent.pt == 32
    # The date's first character two characters right of the issuer's first.
    issuer_start = issuer.paragraph_format.right_indent.pt / 16 + 6
    date_start = 2 + text_width("2026年12月2日")
    assert issuer_start - date_start == pytest.approx(2)


def test_a_draft_has_a_placeholder_for_its_date():
    assert "（成文日期）" in texts(opened(sample(dated=None)))


def test_a_long_table_goes_to_an_attachment_with_its_header_repeated(document):
    lines = texts(document)
    assert "详见附件2。" in lines
    assert lines[lines.index("附件1") + 1] == "检查组名单"
    assert lines[lines.index("附件2") + 1] == "各校检查情况"
    label = paragraph(document, "附件2")
    assert label.style.name == "OD Attachment Label"
    assert east_asian(label.style.element) == "黑体"
    assert label.paragraph_format.page_break_before
    short, long = document.tables[0], document.tables[1]
    assert len(short.rows) == 3  # in the body, after its section's heading
    assert len(long.rows) == 25
    header = long.rows[0]._tr
    assert header.find(f"{W}trPr/{W}tblHeader") is not None
    sizes = {
        run.font.size.pt
        for row in long.rows
        for cell in row.cells
        for p in cell.paragraphs
        for run in p.runs
    }
    assert sizes <= {12.0, 14.0}  # 小四 or 四号
    assert {east_asian(r._element) for r in long.rows[1].cells[0].paragraphs[0].runs} == {
        "仿宋_GB2312"
    }


def test_column_widths_keep_school_names_on_three_lines_at_most(document):
    long = document.tables[1]
    widths = [int(c.get(qn("w:w"))) / 20 for c in long._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert sum(widths) <= 156 / 25.4 * 72 + 1
    size = long.rows[1].cells[0].paragraphs[0].runs[0].font.size.pt
    chars = (widths[0] - 9.5) / (size - 0.25)
    longest = max(text_width(row[0]) for row in schools(24))
    assert longest / int(chars) <= 3
    assert widths[3] >= text_width("2026-03-22") * (size - 0.25)  # dates stay whole


def test_the_table_rule_is_measured_in_rows_and_characters():
    narrow = Table(("类别", "发现"), tuple((f"类{i}", str(i)) for i in range(15)))
    assert belongs_in_body(narrow)
    assert not belongs_in_body(Table(narrow.headers, (*narrow.rows, ("类", "1"))))  # 16 rows
    wide = Table((*SCHOOL_HEADERS, "备注"), tuple((*r, "无") for r in schools(3)))
    assert not belongs_in_body(wide)
    assert belongs_in_body(Table(narrow.headers, narrow.rows * 2, attach=False))
    assert not belongs_in_body(Table(narrow.headers, narrow.rows[:1], attach=True))
    assert minimum_chars("学校", ["一二三四五六七八九十一二"]) == 4.5  # 12 on 3 lines
    assert fit(Table(("甲",) * 40, (("一二三四五",) * 40,)), 12, 442) is None


def test_the_imprint_has_its_rules_and_dates(document):
    imprint = document.tables[-1]
    rows = [row.cells[0].text for row in imprint.rows]
    assert rows == ["抄送：市教育局，县政府办公室。", "某某县教育局办公室\t2026年12月3日印发"]
    borders = imprint._tbl.tblPr.find(qn("w:tblBorders"))
    sizes = {b.tag.split("}")[1]: b.get(qn("w:sz")) for b in borders}
    assert sizes["top"] == sizes["bottom"] == "8"  # 0.35 mm
    assert sizes["insideH"] == "6"  # 0.25 mm
    position = imprint._tbl.tblPr.find(qn("w:tblpPr"))
    assert position.get(qn("w:vertAnchor")) == "margin"


def test_a_table_too_wide_for_a_portrait_page_gets_a_landscape_one():
    headers = tuple(f"第{i}项指标名称" for i in range(1, 15))
    wide = Table(headers, tuple(tuple(f"某某县第{i}实验小学" for i in range(14)) for _ in range(3)))
    document = opened(sample(sections=(Section("明细", tables=(wide,)),), attachments=()))
    orientations = [s.orientation for s in document.sections]
    assert orientations == [0, 1, 0]  # portrait, the 附件 landscape, back for the 版记
    landscape = document.sections[1]
    assert (round(landscape.page_width.mm), round(landscape.page_height.mm)) == (297, 210)
    lines = texts(document)
    assert "详见附件。" in lines and "附件：明细" in lines and "附件" in lines  # the only one


def test_no_imprint_without_copy_to_or_printer():
    document = opened(sample(copy_to="", printed_by="", printed_on=None))
    assert not any("抄送" in c.text for t in document.tables for r in t.rows for c in r.cells)


def test_the_renderer_is_pure(time_machine):
    """No clock: the same document gives the same bytes, whenever it is rendered."""
    first = render_docx(sample())
    time_machine.move_to("2031-05-06 10:00")
    assert render_docx(sample()) == first


# The title breaker ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "lines"),
    [
        ("关于做好寒假安全工作的通知", ("关于做好寒假安全工作的通知",)),
        (
            "关于2026年3月学校安全隐患排查整改情况的通报",
            ("关于2026年3月学校安全隐患", "排查整改情况的通报"),
        ),
        (
            "关于进一步加强全县中小学校舍安全管理工作的通知",
            ("关于进一步加强全县中小学", "校舍安全管理工作的通知"),
        ),
        (
            "关于印发《某某县中小学校园安全隐患排查整治专项行动方案》的通知",
            ("关于印发《某某县中小学校园安全隐患", "排查整治专项行动方案》的通知"),
        ),
    ],
)
def test_titles_break_between_words(title, lines):
    assert break_title(title) == lines


@pytest.mark.parametrize(
    "title",
    [
        "关于2026年春季开学安全专项检查情况的通报",
        "关于甲县第一实验中学附属幼儿园消防安全检查情况的通报",
        "某某县教育局关于2026年度学校安全工作目标责任考核结果的通报",
        "关于2026年3月示例市各县（市、区）学校安全隐患排查整改情况的通报",
        "2026年春季开学安全专项检查检查情况反馈",
    ],
)
def test_broken_titles_keep_words_and_numbers_whole(title):
    lines = break_title(title)
    assert "".join(lines) == title
    assert len(lines) >= 2
    assert all(text_width(line) <= 18 for line in lines)
    for line, following in itertools.pairwise(lines):
        assert not line.endswith(("的", "和", "与", "及", "（", "《"))
        assert not (line[-1].isdigit() and following[0].isdigit())
        assert not following.startswith(("，", "、", "）", "》", "的"))
    joined = "/".join(lines)
    for broken in ("检查情/况", "情/况", "通/报", "通/知", "学/校", "安/全", "隐/患"):
        assert broken not in joined
    if len(lines) == 3:  # a diamond or a trapezoid, not an hourglass
        widths = [text_width(line) for line in lines]
        assert widths[1] >= min(widths[0], widths[2])


# Punctuation and dates -----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("各校,县直各学校:", "各校，县直各学校："),
        ("共3个(含1个重大)", "共3个（含1个重大）"),
        ("整改到位.", "整改到位。"),
        ("是否完成?请于3日内报送!", "是否完成？请于3日内报送！"),
        ('建立"日巡查"制度', "建立“日巡查”制度"),
        ("甲镇, 乙镇 ; 丙镇", "甲镇，乙镇；丙镇"),
        ("１２３所学校", "123所学校"),
        ("1,000人, 10:30开会", "1,000人，10:30开会"),
        ("1.消防设施", "1.消防设施"),
        ("整改率50.0%", "整改率50.0%"),
        ("see (a) b, c", "see (a) b, c"),
        ("已经是全角，不变。", "已经是全角，不变。"),
    ],
)
def test_fullwidth_normalises_punctuation_among_chinese(raw, normalised):
    assert fullwidth(raw) == normalised
    assert fullwidth(normalised) == normalised


def test_dates_are_written_per_gbt_15835():
    assert chinese_date(date(2026, 12, 2)) == "2026年12月2日"
    assert chinese_date(date(2027, 1, 9)) == "2027年1月9日"
