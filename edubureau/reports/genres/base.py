"""What a genre is: a tree of sections, each declaring the facts it uses and how it
phrases them, plus the document's title, 主送 and where its facts come from.

A section's ``draft(ctx)`` returns prose with placeholders (see
:mod:`edubureau.reports.placeholders`): numbers stay facts, so the text a person edits
keeps up with the record. A draft may leave a sentence out when its numbers are zero
(no “尚未整改完成0个”) and returns "" when the section has nothing to say.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from edubureau.core.facts import Fact, FactSet, Period
from edubureau.core.officialdoc import OfficialDocument
from edubureau.orgs.scoping import SchoolScope
from edubureau.reports.placeholders import Values

# Where a report's scope sits: the words its text uses for it.
SCOPES = ("bureau", "school", "assigned")


@dataclass(frozen=True)
class Context:
    """What a draft reads: the facts (flat, by key), the scope and the period."""

    values: Values
    period: Period
    scope_kind: str  # "bureau" | "school" | "assigned"
    region: str  # 全县 / 全市 / 全省 / 我校 / 责任区
    author: str  # 县教育局 / 我校 / 责任督学
    name: str  # 甲县教育局 / 甲县第一中学
    today: date

    def value(self, key: str) -> int | Decimal | None:
        fact = self.values.get(key)
        return None if fact is None else fact.value

    def count(self, key: str) -> int:
        value = self.value(key)
        return int(value) if value is not None else 0

    def has(self, key: str) -> bool:
        """The fact exists and is not zero."""
        return bool(self.value(key))

    def compared(self, key: str) -> bool:
        fact = self.values.get(key)
        return fact is not None and fact.previous is not None

    def parts(self, key: str) -> list[Fact]:
        """The non-zero breakdown of a fact, largest first."""
        fact = self.values.get(key)
        if fact is None:
            return []
        return sorted(
            (p for p in fact.breakdown if p.value), key=lambda p: (-(p.value or 0), p.label)
        )

    @property
    def is_school(self) -> bool:
        return self.scope_kind == "school"

    @property
    def span(self) -> str:
        """How the text names the period's whole: 全年, 上半年, 下半年, 期内."""
        if self.period.kind == "year":
            return "全年"
        if self.period.kind == "half_year":
            return "上半年" if self.period.start.month == 1 else "下半年"
        return "期内"

    @property
    def year(self) -> int:
        return self.period.start.year


@dataclass(frozen=True)
class SectionSpec:
    key: str
    heading: str
    level: int = 1  # 0: untitled (opening, closing); 1: 一、; 2: （一）; 3: 1.
    run_in: bool = False
    uses: tuple[str, ...] = ()
    draft: Callable[[Context], str] | None = None
    heading_for: Callable[[Context], str] | None = None

    def heading_in(self, ctx: Context) -> str:
        return self.heading_for(ctx) if self.heading_for else self.heading


@dataclass(frozen=True)
class GenreSpec:
    """A genre drafted section by section from facts (``sections``, ``facts``), or one
    whose module writes the whole document tree (``outline``: circulars, whose content
    is per-school tables more than sentences)."""

    key: str
    label: str
    owner_department: str  # the department whose staff draft the bureau's version
    period_kinds: tuple[str, ...]
    scopes: tuple[str, ...]
    sections: tuple[SectionSpec, ...] = ()
    title: Callable[[Context], str] | None = None
    recipients: Callable[[Context], str] | None = None
    facts: Callable[..., FactSet] | None = None
    # outline(report=…, scope=…, today=…) -> OfficialDocument
    outline: Callable[..., OfficialDocument] | None = None
    needs_campaign: bool = False
    needs_school: bool = False  # addressed to one school (to_school): a notice
    # reply_by(scope=…, today=…) -> date: the day a notice asks its school to answer
    # by; stored on the report (Report.reply_by) before ``outline`` writes it out.
    reply_by: Callable[..., date] | None = None
    masthead: bool = False
    summary: str = ""
    words: Callable[[Context], dict[str, str]] = field(default=lambda ctx: {})

    def fact_set(self, *, scope: SchoolScope, period: Period, today: date) -> FactSet | None:
        if self.facts is None:
            return None
        return self.facts(scope=scope, period=period, today=today)
