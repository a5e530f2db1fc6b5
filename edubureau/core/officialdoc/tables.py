"""Where a table goes and how wide its columns are, measured in characters.

A column's *natural* width is its longest cell on one line (its header on two);
its *minimum* is what keeps a name (a school, a county) on three lines at most
and a number or a date whole; a prose column (a hazard's description) may wrap
as it must. Widths start at the minimum and share the rest of the line in
proportion to what each column still lacks from its natural width.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from edubureau.core.officialdoc.layout import (
    BODY_TABLE_MAX_ROWS,
    NAME_MAX_LINES,
    PROSE_CHARS,
    SIZE_4,
    SIZE_SMALL_4,
    TYPE_WIDTH_MM,
)
from edubureau.core.officialdoc.text import text_width
from edubureau.core.officialdoc.tree import Table

PT_PER_MM = 72 / 25.4
# Cell padding left and right, in points (w:tblCellMar, 85 twips ≈ 1.5 mm).
CELL_PADDING_PT = 4.25
# What a character of table text is wide, as a share of its size: the renderer
# condenses every character by 0.25 pt.
CONDENSE_PT = 0.25


@dataclass(frozen=True)
class Fit:
    size: float  # points
    widths_pt: tuple[float, ...]  # of each column, padding included

    @property
    def total_pt(self) -> float:
        return sum(self.widths_pt)


def _unbreakable(text: str) -> float:
    """The widest run that may not wrap: numbers, dates, Latin words."""
    runs = re.findall(r"[0-9A-Za-z.,:%\-/]+", text)
    return max((text_width(run) for run in runs), default=0.0)


def _columns(table: Table) -> list[tuple[str, list[str]]]:
    return [
        (header, [row[i] if i < len(row) else "" for row in table.rows])
        for i, header in enumerate(table.headers)
    ]


# Room for rounding and the odd wider glyph: a column is this much wider than its text.
SLACK_CHARS = 0.5


def header_split(text: str) -> tuple[str, str]:
    """A header on two lines where it reads best: before a bracket, else in the
    middle ("检查/情况", "未整改/完成", "乡镇/（街道）")."""
    cut = text.index("（", 1) if "（" in text[1:] else math.ceil(len(text) / 2)
    return text[:cut], text[cut:]


def natural_chars(header: str, cells: list[str]) -> float:
    """Every cell and the header on one line."""
    body = max((text_width(c) for c in cells), default=0.0)
    return max(body, text_width(header), 1.0) + SLACK_CHARS


def comfortable_chars(header: str, cells: list[str]) -> float:
    """Every cell on one line, the header on two."""
    body = max((text_width(c) for c in cells), default=0.0)
    two_lines = max(text_width(part) for part in header_split(header)) if header else 0.0
    return max(body, two_lines, _unbreakable(header), 1.0) + SLACK_CHARS


def minimum_chars(header: str, cells: list[str]) -> float:
    """Names on three lines at most, prose as narrow as six characters, numbers whole,
    the header on two lines."""
    body = max((text_width(c) for c in cells), default=0.0)
    unbreakable = max([_unbreakable(c) for c in cells] + [_unbreakable(header)])
    wrapped = min(body, 6.0) if body > PROSE_CHARS else math.ceil(body / NAME_MAX_LINES)
    header_min = max(text_width(part) for part in header_split(header)) if header else 0.0
    return max(wrapped, unbreakable, header_min, 1.0) + SLACK_CHARS


def _char_pt(size: float) -> float:
    return size - CONDENSE_PT


def _spread(low: list[float], high: list[float], width: float) -> list[float]:
    """From `low`, share what is left of `width` in proportion to what each lacks from
    `high` (or to `high` itself once every column has it)."""
    if sum(high) <= width:
        return [h + (width - sum(high)) * h / sum(high) for h in high]
    lacking = [h - lo for lo, h in zip(low, high, strict=True)]
    spare = width - sum(low)
    return [lo + spare * lack / sum(lacking) for lo, lack in zip(low, lacking, strict=True)]


def fit(table: Table, size: float, width_pt: float) -> Fit | None:
    """Column widths for the table at this size within width_pt, or None if even
    the minimum widths do not fit. The most generous of natural (one line each),
    comfortable (headers on two lines) and minimum that fits, widened to the width."""
    columns = _columns(table)
    char = _char_pt(size)
    pad = 2 * CELL_PADDING_PT + 1  # padding and the border
    natural = [natural_chars(h, c) * char + pad for h, c in columns]
    comfortable = [
        min(comfortable_chars(h, c) * char + pad, n)
        for (h, c), n in zip(columns, natural, strict=True)
    ]
    minimum = [
        min(minimum_chars(h, c) * char + pad, n)
        for (h, c), n in zip(columns, comfortable, strict=True)
    ]
    if sum(minimum) > width_pt:
        return None
    if sum(comfortable) <= width_pt:
        return Fit(size, tuple(_spread(comfortable, natural, width_pt)))
    return Fit(size, tuple(_spread(minimum, comfortable, width_pt)))


def fits_on_one_line(table: Table, size: float, width_pt: float) -> bool:
    """Every cell on one line, headers on two at most."""
    char = _char_pt(size)
    pad = 2 * CELL_PADDING_PT + 1
    return sum(comfortable_chars(h, c) * char + pad for h, c in _columns(table)) <= width_pt


BODY_WIDTH_PT = TYPE_WIDTH_MM * PT_PER_MM


def belongs_in_body(table: Table) -> bool:
    """Whether a table stays in the body (else it goes to a 附件): its own choice, or
    at most BODY_TABLE_MAX_ROWS rows with every cell on one line at 小四."""
    if table.attach is not None:
        return not table.attach
    return len(table.rows) <= BODY_TABLE_MAX_ROWS and fits_on_one_line(
        table, SIZE_SMALL_4, BODY_WIDTH_PT
    )


def body_fit(table: Table) -> Fit:
    """In the body: 四号 when its cells fit on one line at 四号, else 小四."""
    for size in (SIZE_4, SIZE_SMALL_4):
        if fits_on_one_line(table, size, BODY_WIDTH_PT):
            found = fit(table, size, BODY_WIDTH_PT)
            assert found is not None
            return found
    return attachment_fit(table, BODY_WIDTH_PT) or squeezed(table, BODY_WIDTH_PT)


def attachment_fit(table: Table, width_pt: float) -> Fit | None:
    """In a 附件: 四号 if it fits, else 小四; None if not even 小四 fits this width."""
    for size in (SIZE_4, SIZE_SMALL_4):
        if fits_on_one_line(table, size, width_pt):
            return fit(table, size, width_pt)
    return fit(table, SIZE_SMALL_4, width_pt)


def squeezed(table: Table, width_pt: float) -> Fit:
    """Last resort: columns in proportion to their natural widths at 小四."""
    columns = _columns(table)
    natural = [natural_chars(h, c) for h, c in columns]
    return Fit(SIZE_SMALL_4, tuple(width_pt * n / sum(natural) for n in natural))
