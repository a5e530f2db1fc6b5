"""Text rules of official documents: punctuation, numbers, dates, widths.

- :func:`fullwidth`: ASCII punctuation written among Chinese text becomes the
  full-width mark (GB/T 15834), full-width digits and Latin letters become
  half-width (GB/T 15835: Arabic numerals are half-width).
- :func:`chinese_date`: "2026年12月2日" (GB/T 15835, GB/T 9704 7.3.5.4: the year in
  full, no leading zeros).
- :func:`heading_number`: 一、 （一） 1. （1） by depth (GB/T 9704 7.3.3).
- :func:`text_width`: the width of a text in characters of its font size (a CJK
  character or full-width mark is 1, an ASCII character 0.5), the unit every
  layout decision of the renderer is measured in.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

DIGITS = "零一二三四五六七八九"


def is_cjk(ch: str) -> bool:
    """A Chinese character or full-width mark (anything East-Asian wide)."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


def text_width(text: str) -> float:
    """Width in characters: CJK and full-width 1, everything else ½."""
    return sum(1.0 if is_cjk(ch) else 0.5 for ch in text)


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
    """The official numbering: 一、 （一） 1. （1） (deeper levels repeat （1）)."""
    if level == 1:
        return f"{chinese_number(n)}、"
    if level == 2:
        return f"（{chinese_number(n)}）"
    if level == 3:
        return f"{n}."
    return f"（{n}）"


def chinese_date(day: date) -> str:
    """2026年12月2日: the year in full, month and day without a leading zero."""
    return f"{day.year}年{day.month}月{day.day}日"


# Full-width digits and Latin letters → half-width (U+FF10.. → U+0030..).
_HALF = {
    cp: cp - 0xFEE0
    for cp in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))
}
_SIMPLE = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}


def _cjk_at(text: str, i: int) -> bool:
    return 0 <= i < len(text) and is_cjk(text[i]) and text[i] not in "　"


def _neighbour(text: str, i: int, step: int) -> int:
    """The index of the nearest character from i in direction step that is not a space."""
    j = i + step
    while 0 <= j < len(text) and text[j] == " ":
        j += step
    return j


def fullwidth(text: str) -> str:
    """Chinese punctuation in Chinese text.

    ASCII , : ; ? ! next to a Chinese character become ，：；？！; a sentence-final
    "." after a Chinese character becomes 。; (…) around or beside Chinese becomes
    （…）; "…" around Chinese becomes “…”; spaces next to a converted mark go.
    Numbers keep theirs ("1,000", "10:30", "3.5", "1."), and full-width digits and
    Latin letters become half-width. Idempotent.
    """
    text = text.translate(_HALF)
    text = re.sub(r"\(([^()]*)\)", _paren, text)
    text = re.sub(r'"([^"]*)"', _quote, text)
    out = list(text)
    drop: set[int] = set()

    def convert(i: int, mark: str) -> None:
        out[i] = mark
        for step in (-1, 1):
            j = i + step
            while 0 <= j < len(text) and text[j] == " ":
                drop.add(j)
                j += step

    for i, ch in enumerate(text):
        before, after = _neighbour(text, i, -1), _neighbour(text, i, 1)
        if ch in ",;:":
            if _cjk_at(text, before) or _cjk_at(text, after):
                convert(i, _SIMPLE[ch])
        elif ch in "?!":
            if _cjk_at(text, before):
                convert(i, _SIMPLE[ch])
        elif ch == "." and _cjk_at(text, before) and (after >= len(text) or _cjk_at(text, after)):
            convert(i, "。")
    return "".join(c for i, c in enumerate(out) if i not in drop)


def _paren(match: re.Match[str]) -> str:
    inner = match.group(1)
    string, start, end = match.string, match.start(), match.end()
    beside = (start > 0 and is_cjk(string[start - 1])) or (
        end < len(string) and is_cjk(string[end])
    )
    if beside or any(is_cjk(ch) for ch in inner):
        return f"（{inner.strip()}）"
    return match.group(0)


def _quote(match: re.Match[str]) -> str:
    inner = match.group(1)
    if any(is_cjk(ch) for ch in inner):
        return f"“{inner}”"
    return match.group(0)
