"""How official Chinese reports (公文) write numbers: changes, rates, targets, large
numbers, ratios, enumerations and dates — one place for stats, plans, safety and reports.

Pure functions of plain values (no Django, no database). They follow the register of the
bureaus' own summaries:

- counts change in 人/所/个 and in per cent: "比上年增加8301人，增长21.67%"; a percentage
  keeps its declared decimals ("下降10.30%");
- rates change in 百分点, never "%": "比上年提高2.1个百分点", "高出国家2020目标14.59个百分点";
- large numbers use Arabic numerals with 万 or 亿 (GB/T 15835-2011): "4.6万份", "1.35亿元",
  never "1亿3500万元";
- every rounding is :func:`edubureau.core.facts.rounded` (Decimal, half up, once, at
  display), never ``round()`` on a float (``round(2.675, 2)`` is 2.67);
- punctuation is full width (，；。（）); the ratio sign stays ":" between digits ("3.1:6.9"),
  as the bureaus' reports write it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from edubureau.core.facts import Number, percent, rounded

EMPTY = "—"  # a figure that cannot be computed (nothing due, no denominator)

WAN = Decimal(10_000)
YI = Decimal(100_000_000)

DIGITS = "零一二三四五六七八九"

# What may end a point of an enumeration; the enumeration writes its own separators.
_POINT_END = "。；，、,;.!！?？ \t\r\n\u3000"


# Numbers ----------------------------------------------------------------------------


def _decimal(value: Number) -> Decimal:
    # A float already carries binary error (2.675 is 2.67499…); refuse it rather than
    # round it "correctly" from the wrong value.
    if isinstance(value, float):
        raise TypeError("phrasing takes int or Decimal values, not float")
    return value if isinstance(value, Decimal) else Decimal(value)


def _round(value: Number, places: int) -> Decimal:
    """``value`` rounded half up to ``places`` (the project's one rounding function)."""
    result = rounded(_decimal(value), places)
    assert isinstance(result, Decimal)  # a Decimal in gives a Decimal out
    return result


def _fixed(value: Decimal) -> str:
    """Fixed-point text, trailing zeros kept (a declared precision: "10.30")."""
    return format(value, "f")


def _trimmed(value: Decimal) -> str:
    """Fixed-point text without trailing zeros ("4.60" → "4.6", "1.00" → "1")."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def plain_number(value: Number) -> str:
    """A number as a document writes a target: "860", "2.5", never "8.6E+2"."""
    return _trimmed(_decimal(value))


def _same_level(compared_to: str, word: str) -> str:
    """The level phrase: 比上年 + 持平 → 与上年持平; 同比 + 持平 → 同比持平."""
    if compared_to[:1] in ("比", "较"):
        return f"与{compared_to[1:]}{word}"
    return f"{compared_to}{word}"


def count_change(
    current: int,
    previous: int | None,
    *,
    unit: str,
    places: int = 2,
    steady_below: Decimal | None = None,
    compared_to: str = "比上年",
    with_previous: bool = False,
) -> str:
    """A count against the earlier period's: "比上年增加8301人，增长21.67%".

    - ``previous`` None: "" (no comparison to write);
    - equal: "与上年持平"; a change too small to show: "与上年基本持平" — by default one
      whose percentage rounds to zero at ``places`` (it would read "增长0.00%"), or, with
      ``steady_below`` (in per cent), one whose exact percentage is below it;
    - ``previous`` 0: "比上年增加5所" (no percentage of nothing);
    - ``with_previous``: "比上年（37455人）增加8813人，增长23.53%";
    - ``compared_to``: "比上年", "比上学期", "同比"… (a percentage keeps its trailing
      zeros: "下降10.30%").
    """
    if previous is None:
        return ""
    if current < 0 or previous < 0:
        raise ValueError("数量不能为负数")
    basis = f"{compared_to}（{previous}{unit}）" if with_previous else compared_to
    if current == previous:
        return _same_level(basis, "持平")
    difference = current - previous
    head = f"{basis}{'增加' if difference > 0 else '减少'}{abs(difference)}{unit}"
    growth = percent(abs(difference), previous)
    if growth is None:  # previous 0: a percentage of nothing means nothing
        return head
    shown = _round(growth, places)
    if (steady_below is None and not shown) or (steady_below is not None and growth < steady_below):
        return _same_level(basis, "基本持平")
    return f"{head}，{'增长' if difference > 0 else '下降'}{_fixed(shown)}%"


def rate_change(
    current: Number | None,
    previous: Number | None,
    *,
    places: int = 1,
    compared_to: str = "比上年",
    of_displayed: bool = True,
) -> str:
    """A rate against the earlier period's, in 百分点: "比上年提高2.1个百分点",
    "比上年降低0.4个百分点", "与上年持平"; "" without both rates.

    With ``of_displayed`` (the default) the difference is that of the two rates as
    displayed at ``places``, so the sentence agrees with the figures printed beside it
    (94.1% this year and 90.9% last year read "提高3.2个百分点", even when the unrounded
    rates differ by 3.24). A difference of unrounded rates that rounds to zero is
    "与上年基本持平"."""
    if current is None or previous is None:
        return ""
    if of_displayed:
        difference = _round(current, places) - _round(previous, places)
    else:
        difference = _decimal(current) - _decimal(previous)
    if not difference:
        return _same_level(compared_to, "持平")
    shown = _round(abs(difference), places)
    if not shown:
        return _same_level(compared_to, "基本持平")
    return f"{compared_to}{'提高' if difference > 0 else '降低'}{_fixed(shown)}个百分点"


def gap_to_target(
    value: Number, target: Number, *, places: int, target_label: str = "国家2020目标"
) -> str:
    """A rate against a target, in 百分点: "高出国家2020目标14.59个百分点",
    "低于国家2020目标3.5个百分点", "达到国家2020目标".

    Whether the target is met compares the unrounded value (84.999 does not meet 85): a
    shortfall too small to show at ``places`` reads "略低于国家2020目标", never
    "低于…0.00个百分点"."""
    gap = _decimal(value) - _decimal(target)
    shown = _round(abs(gap), places)
    if gap >= 0 and not shown:
        return f"达到{target_label}"
    if gap > 0:
        return f"高出{target_label}{_fixed(shown)}个百分点"
    if not shown:
        return f"略低于{target_label}"
    return f"低于{target_label}{_fixed(shown)}个百分点"


def large_number(n: Number, unit: str, *, places: int = 2) -> str:
    """A count or an amount in 万 or 亿 from 10000 on: "4.6万份", "1.35亿元",
    "4092.98万人"; below 10000 as it is ("3120份").

    GB/T 15835-2011 (which 公文 follow): Arabic numerals with 万/亿 as the unit, at most
    ``places`` decimals, trailing zeros dropped ("4.6万", not "4.60万"; "1万", not
    "1.00万"), and never split into "1亿3500万元". A value that rounds up to the next
    unit takes it (99999999 → "1亿", not "10000万")."""
    value = _decimal(n)
    magnitude = abs(value)
    plain = _round(magnitude, places)
    sign = "-" if value < 0 and plain else ""  # never "-0元"
    if plain < WAN:
        return f"{sign}{_trimmed(plain)}{unit}"
    wan = _round(magnitude / WAN, places)
    if wan < WAN:
        return f"{sign}{_trimmed(wan)}万{unit}"
    return f"{sign}{_trimmed(_round(magnitude / YI, places))}亿{unit}"


def percent_text(value: Number | None, places: int = 1, *, empty: str = EMPTY) -> str:
    """A percentage as written: "94.1%", half up at ``places`` decimals (trailing zeros
    kept: "50.0%", one declared precision).

    Exactly 100 and exactly 0 are written "100%" and "0%" (every letter signed, no
    school missing), as the issue asks. A rate that only rounds to 100 (99.96) keeps its
    decimals ("100.0%"), so a reader can tell "all" from "nearly all". ``None`` (nothing
    due) is ``empty``."""
    if value is None:
        return empty
    exact = _decimal(value)
    if exact == 100:
        return "100%"
    if exact == 0:
        return "0%"
    return f"{_fixed(_round(exact, places))}%"


def share_text(part: int, whole: int, places: int = 1, *, empty: str = EMPTY) -> str:
    """``part`` of ``whole`` as a percentage: 203 of 729 → "27.8%" (see :func:`percent_text`)."""
    return percent_text(percent(part, whole), places, empty=empty)


def ratio_text(a: int, b: int, *, scale: int = 10, places: int = 1) -> str:
    """Two counts as shares of ``scale``: 职普比 20800 : 46608 → "3.1:6.9".

    The first part is rounded half up and the second is the rest, so the two always sum
    to ``scale`` (rounding both could give 2.5:7.5 → "3:8")."""
    if a < 0 or b < 0:
        raise ValueError("数量不能为负数")
    if not a + b:
        return EMPTY
    first = _round(Decimal(a) * scale / (a + b), places)
    return f"{_fixed(first)}:{_fixed(Decimal(scale) - first)}"


def per_one(a: int, b: int, places: int = 2) -> str:
    """``a`` per one ``b``: 生师比 in 在校生 per 专任教师 → "12.70:1" (trailing zeros kept)."""
    if not b:
        return EMPTY
    return f"{_fixed(_round(Decimal(a) / Decimal(b), places))}:1"


# Words ------------------------------------------------------------------------------


def _below_hundred(n: int, *, leading: bool) -> str:
    tens, ones = divmod(n, 10)
    if tens == 0:
        return DIGITS[ones]
    # "十二" at the start of a number, "一百一十二" inside one.
    head = "" if tens == 1 and leading else DIGITS[tens]
    return f"{head}十{DIGITS[ones] if ones else ''}"


def chinese_ordinal(n: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 101 → 一百零一, 110 → 一百一十 (1 to 999),
    for "一是", "（一）" and "第十一"."""
    if not 1 <= n <= 999:
        raise ValueError(f"序号须在1到999之间（{n}）")
    hundreds, rest = divmod(n, 100)
    if not hundreds:
        return _below_hundred(rest, leading=True)
    text = f"{DIGITS[hundreds]}百"
    if rest == 0:
        return text
    if rest < 10:
        return f"{text}零{DIGITS[rest]}"
    return f"{text}{_below_hundred(rest, leading=False)}"


def enumerate_points(points: Sequence[str]) -> str:
    """Points as the reports list them: "一是……；二是……；三是……。".

    Empty points are dropped; each point's own final punctuation is replaced by the
    enumeration's; a single point is written without "一是". Points that hold sentences
    of their own (an inner "。", as in "一是签订安全责任书。县教育局与……") are separated
    by "。" instead of "；"."""
    cleaned = [text for text in (p.strip().rstrip(_POINT_END) for p in points) if text]
    if not cleaned:
        return ""
    if len(cleaned) == 1:
        return f"{cleaned[0]}。"
    separator = "。" if any("。" in text for text in cleaned) else "；"
    return (
        separator.join(f"{chinese_ordinal(i)}是{text}" for i, text in enumerate(cleaned, 1)) + "。"
    )


def join_clauses(*clauses: str) -> str:
    """Non-empty clauses joined by "，": a clause dropped for a zero leaves no stray comma
    (``join_clauses("已整改销号241个", zero_clause(0, "其中逾期未整改{n}个"))``)."""
    kept = (c.strip().rstrip("，,") for c in clauses if c and c.strip())
    return "，".join(c for c in kept if c)


def zero_clause(n: Number | None, template: str, **values: object) -> str:
    """``template`` with ``{n}`` filled in, or "" when ``n`` is zero or unknown: reports
    leave out "其中逾期未整改0个" rather than write it."""
    if not n:
        return ""
    return template.format(n=n, **values)


# Dates ------------------------------------------------------------------------------


def date_text(day: date) -> str:
    """A date in prose and in the 成文日期: "2026年8月19日" (no leading zeros, GB/T 9704)."""
    return f"{day.year}年{day.month}月{day.day}日"


def table_date(day: date) -> str:
    """A date in a table cell: "2026-08-19".

    One convention for every table: GB/T 15835-2011 (5.4.1) allows the GB/T 7408
    extended format in tables, with "-" and two-digit months and days; "2026.8.19" is
    not in the standard, and "8月19日" is ambiguous in tables spanning a school year
    (September to August)."""
    return f"{day:%Y-%m-%d}"
