"""Facts: numbers a dashboard shows and a report phrases, each with its source.

A :class:`Fact` is one number of one scope over one :class:`Period`: a key, a
Chinese label, the value (an ``int`` count or a ``Decimal`` rate), its unit, and
``source`` — the URL (path and query string) of the list of rows it counts, so
every figure on a page or in a report can be traced back ("一数一源").

Numbers stay exact: counts are ints, rates and medians are ``Decimal`` computed
from integer counts (never floats). Rounding happens only for display, half-up,
as the seeds write them (94.140625 → "94.1").

A fact's ``previous`` is the value of the comparable earlier period, or None when
there is none (never 0 for "no data": the module that makes the facts decides what
is comparable). A running period is compared to date: :meth:`Period.to_date` cuts it
at today, and the cut period's :meth:`Period.previous` is the same span a year earlier.

Modules provide their facts through a ``<module>_facts(...)`` function returning
a :class:`FactSet`; ``reports`` phrases them, and an issued report stores the
:meth:`FactSet.to_json` snapshot of what it used (:meth:`FactSet.from_json` reads it
back, exactly). This module knows no app.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import quote_plus

Number = int | Decimal

HUNDRED = Decimal(100)


# Periods ---------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A span of days, both ends included, with its Chinese label.

    ``kind`` says how it was made (``year``, ``half_year``, ``school_year``,
    ``month``, ``to_date``, ``custom``) so that :meth:`previous` gives the comparable
    span a year earlier ("比上年"). ``to_date`` is a period cut at a day before its end
    (:meth:`to_date`): a running year "to date", compared with the same span of the
    year before ("比上年同期"), never with the whole of it."""

    start: date
    end: date
    label: str
    kind: str = "custom"

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("结束日期不能早于开始日期")

    @classmethod
    def calendar_year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31), f"{year}年", "year")

    @classmethod
    def half_year(cls, year: int, half: int) -> Period:
        if half not in (1, 2):
            raise ValueError("半年只能是上半年（1）或下半年（2）")
        if half == 1:
            return cls(date(year, 1, 1), date(year, 6, 30), f"{year}年上半年", "half_year")
        return cls(date(year, 7, 1), date(year, 12, 31), f"{year}年下半年", "half_year")

    @classmethod
    def school_year(
        cls, start_year: int, *, starts_on: date | None = None, ends_on: date | None = None
    ) -> Period:
        """9月1日 to 次年8月31日 unless the bureau's own dates are given."""
        return cls(
            starts_on or date(start_year, 9, 1),
            ends_on or date(start_year + 1, 8, 31),
            f"{start_year}—{start_year + 1}学年",
            "school_year",
        )

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        if not 1 <= month <= 12:
            raise ValueError("月份须在1到12之间")
        last = calendar.monthrange(year, month)[1]
        return cls(date(year, month, 1), date(year, month, last), f"{year}年{month}月", "month")

    @classmethod
    def parse(cls, value: str) -> Period:
        """ "2026" (a year) or "2026-05" (a month); a Chinese ``ValueError`` otherwise."""
        text = (value or "").strip()
        try:
            if len(text) == 4:
                year = int(text)
                if 2000 <= year <= 2100:
                    return cls.calendar_year(year)
            elif len(text) == 7 and text[4] == "-":
                year, month = int(text[:4]), int(text[5:])
                if 2000 <= year <= 2100:
                    return cls.month(year, month)
        except ValueError:
            pass
        raise ValueError(
            f"无法识别的统计期间“{text[:20]}”，请填写年份（如 2026）或月份（如 2026-05）"
        )

    @property
    def token(self) -> str:
        """The value :meth:`parse` reads back (year or month periods)."""
        if self.kind == "year":
            return f"{self.start.year}"
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        return f"{self.start:%Y-%m-%d}_{self.end:%Y-%m-%d}"

    def to_date(self, today: date) -> Period:
        """This period cut at ``today`` when it is still running (2026年 on 16 November:
        "2026年1月1日至11月16日", kind ``to_date``); itself once it is over.

        A whole month cut at a month's end reads "2026年1—10月". A period that has not
        begun by ``today`` has no "to date": ``ValueError``."""
        if today >= self.end:
            return self
        if today < self.start:
            raise ValueError("统计期间尚未开始")
        return Period(self.start, today, span_label(self.start, today), "to_date")

    @property
    def is_cut(self) -> bool:
        """Whether the period is a running period cut at a day (:meth:`to_date`)."""
        return self.kind == "to_date"

    def previous(self) -> Period:
        """The same span one year earlier, for year-over-year comparisons."""
        if self.kind == "to_date":
            start, end = _year_earlier(self.start), _year_earlier(self.end)
            if self.end == _month_end(self.end) and end != _month_end(end):
                end = _month_end(end)  # 1—29 February 2028: 1—28 February 2027
            return Period(start, end, span_label(start, end), "to_date")
        if self.kind == "year":
            return Period.calendar_year(self.start.year - 1)
        if self.kind == "half_year":
            return Period.half_year(self.start.year - 1, 1 if self.start.month == 1 else 2)
        if self.kind == "month":
            return Period.month(self.start.year - 1, self.start.month)
        if self.kind == "school_year":
            return Period(
                _year_earlier(self.start),
                _year_earlier(self.end),
                f"{self.start.year - 1}—{self.start.year}学年",
                "school_year",
            )
        start, end = _year_earlier(self.start), _year_earlier(self.end)
        return Period(start, end, f"{start:%Y年%m月%d日}至{end:%Y年%m月%d日}")

    def months(self) -> list[date]:
        """First days of the months the period touches, in order."""
        first = self.start.replace(day=1)
        out = []
        while first <= self.end:
            out.append(first)
            first = (first + timedelta(days=32)).replace(day=1)
        return out

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def span_label(start: date, end: date) -> str:
    """The Chinese label of a span of days: whole months of one year read
    "2026年3月" or "2026年1—10月", anything else "2026年1月1日至11月16日" (a span over
    two years names both: "2025年9月1日至2026年6月15日")."""
    whole_months = start.day == 1 and end == _month_end(end)
    if start.year == end.year:
        if whole_months and start.month == end.month:
            return f"{start.year}年{start.month}月"
        if whole_months:
            return f"{start.year}年{start.month}—{end.month}月"
        return f"{start.year}年{start.month}月{start.day}日至{end.month}月{end.day}日"
    return f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def last_months(*, ending: date, count: int) -> list[date]:
    """First days of ``count`` months ending with the month of ``ending``, oldest first."""
    months = []
    first = ending.replace(day=1)
    for _ in range(count):
        months.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return months[::-1]


# Numbers ---------------------------------------------------------------------


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in per cent, exact (no rounding); None when nothing is due."""
    if not whole:
        return None
    return Decimal(part) * HUNDRED / Decimal(whole)


def ratio(part: int, whole: int) -> Decimal | None:
    """``part`` ÷ ``whole`` as a Decimal (e.g. drills per school); None for ``whole`` 0."""
    if not whole:
        return None
    return Decimal(part) / Decimal(whole)


def median(values: Sequence[int]) -> Decimal | None:
    """The median of integer values as a Decimal (the mean of the middle two for an
    even count); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return Decimal(ordered[mid])
    return (Decimal(ordered[mid - 1]) + Decimal(ordered[mid])) / 2


def rounded(value: Number | None, places: int = 1) -> Decimal | int | None:
    """Half-up rounding for display: 94.15 → 94.2 (Python's round() would give 94.2 or
    94.1 depending on the binary value; Decimal half-up is what people expect)."""
    if value is None or isinstance(value, int):
        return value
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def display(value: Number | None, places: int = 1, *, empty: str = "—") -> str:
    """The value as shown: ints as they are, Decimals rounded half-up to ``places``."""
    if value is None:
        return empty
    return str(rounded(value, places))


@lru_cache(maxsize=4096)
def _quoted(text: str) -> str:
    # A dashboard builds ~500 links from a few dozen distinct names and values.
    return quote_plus(text)


def link(path: str, params: Mapping[str, object] | None = None) -> str:
    """``path`` with ``params`` as its query string (empty values dropped), as
    ``urlencode`` writes it."""
    query = "&".join(
        f"{_quoted(k)}={_quoted(str(v))}" for k, v in (params or {}).items() if v not in (None, "")
    )
    return f"{path}?{query}" if query else path


# Facts -----------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where a number comes from, so a reader can follow it ("一数一源"):

    - ``rows``: counted over records; ``url`` is the list that shows exactly those rows;
    - ``cell``: read from an imported workbook (the statistical returns): the import
      ``batch``, the ``sheet`` and the ``cell`` ("D7"), ``url`` the batch's page;
    - ``manual``: typed in by a person (``entered_by``, ``entered_on``), ``url`` the
      page where it was entered.
    """

    kind: str
    url: str = ""
    batch: str = ""
    sheet: str = ""
    cell: str = ""
    entered_by: str = ""
    entered_on: date | None = None

    KINDS = ("rows", "cell", "manual")

    def __post_init__(self) -> None:
        if self.kind not in self.KINDS:
            raise ValueError(f"unknown kind of source: {self.kind!r}")

    @classmethod
    def rows(cls, url: str) -> Source:
        return cls("rows", url=url)

    @classmethod
    def imported(cls, *, batch: str, sheet: str, cell: str, url: str = "") -> Source:
        return cls("cell", url=url, batch=batch, sheet=sheet, cell=cell)

    @classmethod
    def manual(cls, *, entered_by: str, entered_on: date, url: str = "") -> Source:
        return cls("manual", url=url, entered_by=entered_by, entered_on=entered_on)

    @property
    def description(self) -> str:
        """What a reader is told about the number's origin, in Chinese."""
        if self.kind == "cell":
            return f"导入数据：批次{self.batch}，工作表“{self.sheet}”，单元格{self.cell}"
        if self.kind == "manual":
            day = (
                f"于{self.entered_on.year}年{self.entered_on.month}月{self.entered_on.day}日"
                if self.entered_on
                else ""
            )
            return f"手工填报：{self.entered_by}{day}录入"
        return "统计自记录明细"

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "url": self.url,
            "batch": self.batch,
            "sheet": self.sheet,
            "cell": self.cell,
            "entered_by": self.entered_by,
            "entered_on": self.entered_on.isoformat() if self.entered_on else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Source:
        on = data.get("entered_on")
        return cls(
            kind=data["kind"],
            url=data.get("url", ""),
            batch=data.get("batch", ""),
            sheet=data.get("sheet", ""),
            cell=data.get("cell", ""),
            entered_by=data.get("entered_by", ""),
            entered_on=date.fromisoformat(on) if on else None,
        )


@dataclass(frozen=True)
class Fact:
    """One number with its label, unit, source and (optionally) its breakdown.

    ``previous`` is the value of the comparable earlier period (year over year),
    when there is one; rates compare in percentage points (百分点). ``source`` is the
    URL of the rows counted (most facts); ``origin`` types it when the number is not a
    count of rows (an imported cell, a manual entry): :attr:`provenance` gives either."""

    key: str
    label: str
    value: Number | None
    unit: str = ""
    source: str = ""
    breakdown: tuple[Fact, ...] = ()
    previous: Number | None = None
    previous_source: str = ""
    places: int = 1
    origin: Source | None = None

    @property
    def display(self) -> str:
        return display(self.value, self.places)

    @property
    def provenance(self) -> Source | None:
        """The typed source: ``origin`` when set, else the rows of ``source``."""
        if self.origin is not None:
            return self.origin
        return Source.rows(self.source) if self.source else None

    @property
    def change(self) -> Number | None:
        """value − previous (a difference of rates is in percentage points)."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def growth(self) -> Decimal | None:
        """Relative change in per cent ("增长21.67%"); None without a non-zero previous."""
        if self.value is None or not self.previous:
            return None
        return (Decimal(self.value) - Decimal(self.previous)) * HUNDRED / Decimal(self.previous)

    def part(self, key: str) -> Fact | None:
        """The breakdown entry whose key ends with ``key`` (``found.part("major")``)."""
        for item in self.breakdown:
            if item.key == key or item.key.endswith(f".{key}"):
                return item
        return None

    def with_previous(self, earlier: Fact | None) -> Fact:
        """This fact with the earlier period's values attached (breakdown by key)."""
        if earlier is None:
            return self
        by_key = {item.key: item for item in earlier.breakdown}
        return replace(
            self,
            previous=earlier.value,
            previous_source=earlier.source,
            breakdown=tuple(item.with_previous(by_key.get(item.key)) for item in self.breakdown),
        )


@dataclass(frozen=True)
class FactSet(Mapping[str, Fact]):
    """The facts of one scope and period, by key, in the order they were produced."""

    period: Period
    facts: tuple[Fact, ...]
    previous_period: Period | None = None
    # The day the facts were read ("today"): what is overdue, due or expiring is as of it.
    as_of: date | None = None
    _index: dict[str, Fact] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {f.key: f for f in self.facts})

    def __getitem__(self, key: str) -> Fact:
        return self._index[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def value(self, key: str) -> Number | None:
        return self._index[key].value

    @classmethod
    def combine(
        cls,
        period: Period,
        facts: Iterable[Fact],
        previous: FactSet | None = None,
        *,
        as_of: date | None = None,
    ) -> FactSet:
        earlier = previous._index if previous is not None else {}
        return cls(
            period=period,
            facts=tuple(f.with_previous(earlier.get(f.key)) for f in facts),
            previous_period=previous.period if previous is not None else None,
            as_of=as_of,
        )

    # Snapshots: what an issued report stores of the facts it quoted. -------------

    def to_json(self) -> dict[str, Any]:
        """Every field as JSON-ready data (``json.dumps`` takes it as it is): ints stay
        numbers, Decimals become strings (exact: "94.140625"), dates ISO strings, so
        :meth:`from_json` gives back an equal FactSet."""
        return {
            "version": SNAPSHOT_VERSION,
            "period": _period_json(self.period),
            "previous_period": _period_json(self.previous_period),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "facts": [_fact_json(f) for f in self.facts],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str) -> FactSet:
        """The FactSet of a :meth:`to_json` snapshot (the dict, or its JSON text)."""
        if isinstance(data, str):
            data = json.loads(data)
        assert isinstance(data, Mapping)
        if data.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"无法读取的指标快照版本：{data.get('version')}")
        period = _period_from(data["period"])
        assert period is not None
        return cls(
            period=period,
            facts=tuple(_fact_from(f) for f in data["facts"]),
            previous_period=_period_from(data.get("previous_period")),
            as_of=date.fromisoformat(data["as_of"]) if data.get("as_of") else None,
        )


SNAPSHOT_VERSION = 1


def _number_json(value: Number | None) -> int | str | None:
    # bool is an int: a fact never holds one, and a snapshot must not invent one.
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"a fact's value is an int or a Decimal, not {type(value).__name__}")


def _number_from(value: int | str | None) -> Number | None:
    if value is None or isinstance(value, int):
        return value
    return Decimal(value)


def _period_json(period: Period | None) -> dict[str, str] | None:
    if period is None:
        return None
    return {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "label": period.label,
        "kind": period.kind,
    }


def _period_from(data: Mapping[str, str] | None) -> Period | None:
    if data is None:
        return None
    return Period(
        date.fromisoformat(data["start"]),
        date.fromisoformat(data["end"]),
        data["label"],
        data["kind"],
    )


def _fact_json(fact: Fact) -> dict[str, Any]:
    return {
        "key": fact.key,
        "label": fact.label,
        "value": _number_json(fact.value),
        "unit": fact.unit,
        "source": fact.source,
        "breakdown": [_fact_json(item) for item in fact.breakdown],
        "previous": _number_json(fact.previous),
        "previous_source": fact.previous_source,
        "places": fact.places,
        "origin": fact.origin.as_json() if fact.origin else None,
    }


def _fact_from(data: Mapping[str, Any]) -> Fact:
    return Fact(
        key=data["key"],
        label=data["label"],
        value=_number_from(data["value"]),
        unit=data["unit"],
        source=data["source"],
        breakdown=tuple(_fact_from(item) for item in data["breakdown"]),
        previous=_number_from(data["previous"]),
        previous_source=data["previous_source"],
        places=data["places"],
        origin=Source.from_json(data["origin"]) if data.get("origin") else None,
    )
