"""The measures of GB/T 9704-2012, in one place.

Page: A4; margins (页边) top 37 mm, bottom 35 mm, left (订口) 28 mm, right 26 mm,
so the type area (版心) is 156 mm × 225 mm. It holds 22 lines of 28 characters
of 3号 (16 pt) type.

The grid. 156 mm is 442.2 pt: 28 characters of 16 pt (448 pt) do not fit, 27 do
(that was the old circular's 27 characters per line). Word's usual answer is a
"lines and characters" document grid (``w:docGrid w:type="linesAndChars"`` with a
negative ``w:charSpace``), which LibreOffice lays out as 14 characters per line.
What all three of LibreOffice, Word and WPS lay out alike is a lines-only grid
(``w:type="lines"``, ``w:linePitch="579"``: 22 lines of 28.95 pt in 637.8 pt)
with every character condensed by 0.25 pt (``w:spacing w:val="-5"``, in
twentieths of a point): 28 × 15.75 pt = 441 pt fits, 29 × 15.75 pt = 456.75 pt
does not. ``test_officialdoc_pdf`` measures both numbers in the PDF.
"""

from __future__ import annotations

from typing import Final

# Page and type area, in millimetres.
PAGE_WIDTH_MM: Final = 210
PAGE_HEIGHT_MM: Final = 297
TOP_MM: Final = 37
BOTTOM_MM: Final = 35
LEFT_MM: Final = 28
RIGHT_MM: Final = 26
TYPE_WIDTH_MM: Final = PAGE_WIDTH_MM - LEFT_MM - RIGHT_MM  # 156
TYPE_HEIGHT_MM: Final = PAGE_HEIGHT_MM - TOP_MM - BOTTOM_MM  # 225

LINES_PER_PAGE: Final = 22
CHARS_PER_LINE: Final = 28

# The grid: 22 lines of 28.95 pt (579 twips); characters condensed by 0.25 pt.
LINE_PITCH_TWIPS: Final = 579
CHAR_SPACING_TWENTIETHS: Final = -5  # w:spacing w:val, in 1/20 pt: -0.25 pt

# Sizes (字号), in points.
SIZE_2: Final = 22.0  # 二号: title
SIZE_3: Final = 16.0  # 三号: body, headings, 主送, 落款, 附件说明
SIZE_4: Final = 14.0  # 四号: page number, 版记, tables that fit
SIZE_SMALL_4: Final = 12.0  # 小四: wide tables
MASTHEAD_MAX: Final = 42.0  # 初号 at most for the 发文机关标志; smaller if it is long

# The official fonts, by name, as Word and WPS look them up (w:eastAsia).
TITLE_FONT: Final = "方正小标宋简体"
BODY_FONT: Final = "仿宋_GB2312"
H1_FONT: Final = "黑体"
H2_FONT: Final = "楷体_GB2312"
PAGE_NUMBER_FONT: Final = "宋体"
LATIN_FONT: Final = "Times New Roman"
# What Word falls back to where the GB2312 names are missing (Windows has 仿宋, 楷体).
ALT_NAMES: Final = {BODY_FONT: "仿宋", H2_FONT: "楷体", TITLE_FONT: "宋体"}

RED: Final = "FF0000"

# Tables that stay in the body: at most this many rows (a 小四 row is about 0.7 of a
# body line; 15 rows and a header fill about half a page), and every cell on one
# line with headers on two at most (checked at 小四). Others go to a 附件.
BODY_TABLE_MAX_ROWS: Final = 15
# A cell of a name column (a school, a county) wraps over three lines at most.
NAME_MAX_LINES: Final = 3
# A column whose longest cell is longer than this is prose (a hazard's
# description): it wraps as it must.
PROSE_CHARS: Final = 16.0
