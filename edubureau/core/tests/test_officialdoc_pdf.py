"""The official document as a PDF, through LibreOffice headless: measured, not assumed.

These tests need ``soffice`` (libreoffice-writer-nogui), poppler's ``pdftoppm``, and
the fonts that ``officialdoc/fonts.conf`` maps the official ones to (fonts-noto-cjk,
fonts-arphic-gkai00mp). ``scripts/test.sh`` installs them; where they are missing
these tests fail, never skip.
"""

from __future__ import annotations

import io
import itertools
import subprocess
import tempfile
import threading
import unicodedata
from collections import defaultdict
from datetime import date
from pathlib import Path

import pdfplumber
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont

from edubureau.core.officialdoc import (
    ConversionError,
    OfficialDocument,
    Section,
    docx_to_pdf,
    render_docx,
    render_pdf,
)
from edubureau.core.officialdoc import pdf as pdf_module
from edubureau.core.tests.test_officialdoc import sample

MM = 72 / 25.4
# Hanzi only: no punctuation that the line-breaking rules (禁则) could push or pull.
HANZI = "国家教育事业发展规划要求各地加强学校安全管理工作全面排查整治隐患切实保障师生生命安全"


def cjk(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def lines_of(page) -> list[list[dict]]:
    """The page's lines of text, top to bottom, each left to right."""
    rows: dict[int, list[dict]] = defaultdict(list)
    for ch in page.chars:
        rows[round(ch["bottom"])].append(ch)
    return [sorted(rows[k], key=lambda c: c["x0"]) for k in sorted(rows)]


def text(line: list[dict]) -> str:
    return "".join(c["text"] for c in line)


@pytest.fixture(scope="module")
def sample_pdf() -> bytes:
    return render_pdf(sample())


@pytest.fixture(scope="module")
def full_pages() -> bytes:
    """Pages of nothing but body text: paragraphs of 258 Hanzi."""
    paragraphs = (HANZI * 6,) * 8
    return render_pdf(
        OfficialDocument(title="测试", issuer="某某县教育局", dated=None, opening=paragraphs)
    )


def test_a_page_holds_22_lines_of_28_characters(full_pages):
    with pdfplumber.open(io.BytesIO(full_pages)) as pdf:
        page = pdf.pages[1]  # a page of body text only
        assert (round(page.width / MM), round(page.height / MM)) == (210, 297)
        body = [line for line in lines_of(page) if round(line[0]["size"]) == 16]
        footer = [line for line in lines_of(page) if round(line[0]["size"]) != 16]
    assert len(body) == 22
    assert [text(line) for line in footer] == ["— 2 —"]
    counts = [len(line) for line in body]
    # Every line is full but a paragraph's first (indented two characters) and last.
    indented = [abs(line[0]["x0"] - (28 * MM + 32)) < 1 for line in body]
    assert any(indented)
    for i, line in enumerate(body):
        last = i + 1 < len(body) and indented[i + 1]
        assert len(line) == (26 if indented[i] else 28) or last, counts
    assert counts.count(28) >= 16, counts
    # The lines sit in the type area: 28 mm from the left, 26 mm from the right, 28.95 pt
    # apart, from 37 mm below the top to 35 mm above the bottom.
    assert min(line[0]["x0"] for line in body) == pytest.approx(28 * MM, abs=0.5)
    assert max(line[-1]["x1"] for line in body) <= (210 - 26) * MM + 0.5
    pitches = {round(b[0]["bottom"] - a[0]["bottom"], 1) for a, b in itertools.pairwise(body)}
    assert pitches <= {28.9, 29.0, 28.95}
    assert body[0][0]["top"] >= 37 * MM - 1
    assert body[-1][0]["bottom"] <= (297 - 35) * MM + 1


def test_a_circular_keeps_28_characters_a_line(sample_pdf):
    with pdfplumber.open(io.BytesIO(sample_pdf)) as pdf:
        for page in pdf.pages:
            for line in lines_of(page):
                if round(line[0]["size"]) == 16:
                    width = sum(1 if cjk(c["text"]) else 0.5 for c in line)
                    assert width <= 28.5, text(line)


def faces(pdf_bytes: bytes) -> dict[str, set[str]]:
    """The embedded font of the characters of each kind of line of the sample."""
    found: dict[str, set[str]] = defaultdict(set)
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        for page in pdf.pages:
            for line in lines_of(page):
                content = text(line)
                names = {c["fontname"].split("+")[-1] for c in line if cjk(c["text"])}
                if content == "某某县教育局文件":
                    found["masthead"] |= names
                elif round(line[0]["size"]) == 22:
                    found["title"] |= names
                elif content.startswith("一、基本情况"):
                    found["heading 1"] |= names
                elif content.startswith("（二）隐患类别分布"):
                    found["heading 2"] |= names
                elif content.startswith("1.消防设施"):
                    found["heading 3"] |= names
                elif content.startswith("本次检查共发现隐患"):
                    found["body"] |= names
                found["all"] |= names
    return found


def test_each_style_renders_in_its_aliased_face(sample_pdf):
    found = faces(sample_pdf)
    assert all(name.startswith("NotoSerifCJK") and "Bold" in name for name in found["title"])
    assert all(name.startswith("NotoSerifCJK") and "Bold" in name for name in found["masthead"])
    assert all(name.startswith("NotoSerifCJK") and "Regular" in name for name in found["body"])
    assert all(name.startswith("NotoSansCJK") for name in found["heading 1"])
    assert found["heading 2"] == {"GBZenKai-Medium"}  # AR PL KaitiM GB
    assert all("Bold" in name for name in found["heading 3"])
    # Title, body and the two headings: four faces, not one fallback.
    kinds = ("title", "body", "heading 1", "heading 2")
    assert all(found[kind] for kind in kinds)
    assert len({frozenset(found[kind]) for kind in kinds}) == 4
    # Every Chinese character is in one of the aliased faces: no fallback font, no box.
    assert all(n.startswith(("NotoSerifCJK", "NotoSansCJK", "GBZenKai")) for n in found["all"])


def test_no_glyph_is_missing(sample_pdf):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sample.pdf"
        path.write_bytes(sample_pdf)
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
        extracted = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True
        ).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes " in row for row in rows)  # every font embedded
    assert not any(fallback in fonts for fallback in ("DejaVu", "Droid", "WenQuanYi", "Unifont"))
    assert "\ufffd" not in extracted and "\x00" not in extracted
    for expected in ("某某县教育局文件", "安全专项检查情况的通报", "各乡镇中心校，县直各学校："):
        assert expected in extracted


def font_file(family: str) -> tuple[str, int]:
    """The file and face index that fontconfig, with our aliases, gives for a family."""
    with tempfile.TemporaryDirectory() as tmp:
        conf = pdf_module._fontconfig(Path(tmp))
        out = subprocess.run(
            ["fc-match", "-f", "%{file}|%{index}", family],
            capture_output=True,
            text=True,
            env={"FONTCONFIG_FILE": str(conf), "PATH": "/usr/bin:/bin"},
            check=True,
        ).stdout
    file, index = out.split("|")
    return file, int(index)


def shape(image: Image.Image) -> Image.Image:
    """A glyph's ink, cropped and scaled to 48 × 48, black and white."""
    ink = image.convert("L").point(lambda v: 0 if v < 140 else 255)
    box = ImageChops.invert(ink).getbbox()
    assert box, "no ink where a character should be"
    return ink.crop(box).resize((48, 48))


def drawn(char: str, family: str) -> Image.Image:
    file, index = font_file(family)
    font = ImageFont.truetype(file, 200, index=index)
    image = Image.new("L", (260, 260), 255)
    ImageDraw.Draw(image).text((20, 20), char, font=font, fill=0)
    return shape(image)


def mismatch(a: Image.Image, b: Image.Image) -> int:
    return sum(1 for v in ImageChops.difference(a, b).tobytes() if v > 128)


def test_pdftoppm_shows_the_chinese_in_the_aliased_faces(sample_pdf):
    """Render the pages as a reader sees them and compare characters with the faces
    fonts.conf names: each looks most like its own face, not a box or another face."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sample.pdf"
        path.write_bytes(sample_pdf)
        subprocess.run(
            ["pdftoppm", "-r", "300", "-png", "-f", "1", "-l", "2", str(path), f"{tmp}/page"],
            check=True,
        )
        pages = [Image.open(f"{tmp}/page-{n}.png").convert("RGB") for n in (1, 2)]
        with pdfplumber.open(io.BytesIO(sample_pdf)) as pdf:
            chars = [(n, c) for n in (0, 1) for c in pdf.pages[n].chars]
    scale = 300 / 72

    def glyph(content: str, char: str) -> Image.Image:
        for number in (0, 1):
            for line in lines_of_chars(chars, number):
                if text(line).startswith(content):
                    c = next(c for c in line if c["text"] == char)
                    box = (c["x0"], c["top"], c["x1"], c["bottom"])
                    return shape(pages[number].crop(tuple(round(v * scale) for v in box)))
        raise AssertionError(content)

    faces_by_style = {
        ("本次检查共发现隐患", "查"): "仿宋_GB2312",
        ("一、基本情况", "情"): "黑体",
        ("（二）隐患类别分布", "类"): "楷体_GB2312",
    }
    families = ["仿宋_GB2312", "黑体", "楷体_GB2312"]
    for (content, char), family in faces_by_style.items():
        seen = glyph(content, char)
        scores = {f: mismatch(seen, drawn(char, f)) for f in families}
        assert min(scores, key=scores.__getitem__) == family, (char, scores)
    # The masthead is red, the rest black on white.
    first = pages[0]
    pixels = first.resize((300, 420)).tobytes()
    reds = sum(
        1
        for i in range(0, len(pixels), 3)
        if pixels[i] > 180 and pixels[i + 1] < 90 and pixels[i + 2] < 90
    )
    assert reds > 200


def lines_of_chars(chars, n: int) -> list[list[dict]]:
    rows: dict[int, list[dict]] = defaultdict(list)
    for page, ch in chars:
        if page == n:
            rows[round(ch["bottom"])].append(ch)
    return [sorted(rows[k], key=lambda c: c["x0"]) for k in sorted(rows)]


def test_the_title_is_centred_and_the_masthead_above_the_red_line(sample_pdf):
    with pdfplumber.open(io.BytesIO(sample_pdf)) as pdf:
        page = pdf.pages[0]
        lines = lines_of(page)
        rules = [r for r in page.rects + page.lines if r["width"] > 400]
    centre = (28 + 156 / 2) * MM
    title = [line for line in lines if round(line[0]["size"]) == 22]
    assert [text(line) for line in title] == ["关于2026年春季开学", "安全专项检查情况的通报"]
    for line in title:
        middle = (line[0]["x0"] + line[-1]["x1"]) / 2
        assert middle == pytest.approx(centre, abs=3)
    mark = next(line for line in lines if text(line) == "某某县教育局文件")
    assert mark[0]["top"] == pytest.approx((37 + 35) * MM, abs=4 * MM)
    number = next(line for line in lines if text(line) == "某教安〔2026〕3号")
    assert rules, "no red line"
    red_line = min(rules, key=lambda r: r["top"])
    assert red_line["top"] > number[0]["bottom"]
    assert red_line["top"] - number[0]["bottom"] == pytest.approx(4 * MM, abs=1 * MM)
    assert red_line["width"] == pytest.approx(156 * MM, abs=2)


def test_page_numbers_alternate_sides(sample_pdf):
    with pdfplumber.open(io.BytesIO(sample_pdf)) as pdf:
        for page in pdf.pages[:4]:
            number = next(line for line in lines_of(page) if text(line).startswith("—"))
            assert text(number) == f"— {page.page_number} —"
            if page.page_number % 2:
                assert number[-1]["x1"] == pytest.approx((210 - 26) * MM - 14, abs=2)
            else:
                assert number[0]["x0"] == pytest.approx(28 * MM + 14, abs=2)
            assert round(number[0]["size"]) == 14


def test_the_imprint_sits_on_the_foot_of_the_last_page(sample_pdf):
    """版记: its last rule on the type area's bottom edge, its rules as wide as it."""
    with pdfplumber.open(io.BytesIO(sample_pdf)) as pdf:
        page = pdf.pages[-1]
        rules = sorted(
            (r for r in page.rects + page.lines if r["width"] > 400), key=lambda r: r["top"]
        )[-3:]
        copy_to = next(line for line in lines_of(page) if text(line).startswith("抄送"))
    assert rules[-1]["top"] == pytest.approx((297 - 35) * MM, abs=1.5)
    assert all(r["width"] == pytest.approx(156 * MM, abs=1.5) for r in rules)
    assert rules[0]["top"] < copy_to[0]["top"] < rules[1]["top"]


def test_concurrent_conversions_each_get_their_pdf():
    """Each conversion has its own LibreOffice profile: two at once both succeed."""
    documents = [
        render_docx(
            OfficialDocument(
                title=f"第{n}份",
                issuer="某某县教育局",
                dated=date(2026, 1, n),
                sections=(Section("情况", paragraphs=(f"内容{n}。",)),),
            )
        )
        for n in (1, 2, 3)
    ]
    results: dict[int, bytes | Exception] = {}

    def convert(n: int) -> None:
        try:
            results[n] = docx_to_pdf(documents[n - 1])
        except Exception as error:  # reported below
            results[n] = error

    threads = [threading.Thread(target=convert, args=(n,)) for n in (1, 2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for n in (1, 2, 3):
        data = results[n]
        assert isinstance(data, bytes), data
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            assert f"内容{n}。" in pdf.pages[0].extract_text().replace(" ", "")


def test_a_missing_libreoffice_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(pdf_module, "soffice_path", lambda: None)
    with pytest.raises(ConversionError, match="未安装 LibreOffice"):
        docx_to_pdf(render_docx(sample()))


def test_a_conversion_that_takes_too_long_is_stopped():
    with pytest.raises(ConversionError, match="超时"):
        docx_to_pdf(render_docx(sample()), timeout=0.05)
