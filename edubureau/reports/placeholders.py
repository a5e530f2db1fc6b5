"""Placeholders: the numbers inside a report's sentences.

A section's text is prose with ``{{key}}`` or ``{{key|format}}`` where a fact's value
goes: ``全年共排查发现隐患{{hazards.found}}个，整改率{{hazards.rectification_rate}}，
{{hazards.rectification_rate|change}}``. A person edits the prose; regenerating fills the
placeholders with the new facts, so their sentence keeps its wording and its numbers
stay true. Formats:

==========  =====================================================================
(none)      the value: counts as they are, rates as “94.1%”
``change``  the comparison with the previous period, “比上年增加8个，增长3.25%” /
            “比上年提高3.2个百分点”; empty when the previous period has no data
``big``     a large count with 万/亿 and its unit: “4.6万份”
``prev``    the previous period's value
``label``   the fact's label
``gap``     the gap to the fact's target (its ``target`` part): “高出国家2020目标14.59个
            百分点”; empty without a target
==========  =====================================================================

Values are looked up in :class:`Values`, a flat index of a FactSet (breakdown
entries included: ``hazards.found.major``) plus a few words of the report
(``period``, ``region`` …) that are not facts.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from edubureau.core import phrasing
from edubureau.core.facts import Fact, FactSet

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_.\-]+)\s*(?:\|\s*([a-z_]+)\s*)?\}\}")
FORMATS = frozenset({"", "change", "big", "prev", "label", "gap"})
MISSING = "【缺少数据：{key}】"


@dataclass(frozen=True)
class Filled:
    """One placeholder as filled: its text, where the number comes from and its label."""

    text: str
    source: str = ""
    label: str = ""
    note: str = ""  # where the number comes from, in words (Source.description)

    def as_json(self) -> dict[str, str]:
        return {"text": self.text, "source": self.source, "label": self.label, "note": self.note}


def _origin(fact: Fact, *, previous: bool = False) -> tuple[str, str]:
    """The link and the description of where a fact's number comes from."""
    if previous:
        return fact.previous_source, "统计自记录明细" if fact.previous_source else ""
    source = fact.provenance
    if source is None:
        return "", ""
    return source.url, source.description


class Values(Mapping[str, Fact]):
    """Every fact of a FactSet by key, breakdown entries included, and words."""

    def __init__(self, facts: FactSet | None, words: Mapping[str, str] | None = None) -> None:
        self._facts: dict[str, Fact] = {}
        self.words: dict[str, str] = dict(words or {})
        # A whole (school) year is compared with last year; a half year, a month or a
        # year still running with the same span of last year (比上年同期).
        earlier = facts.previous_period if facts is not None else None
        whole_year = earlier is None or earlier.kind in ("year", "school_year")
        self.compared_to = "比上年" if whole_year else "比上年同期"
        if facts is not None:
            for fact in facts.values():
                self._add(fact)

    def _add(self, fact: Fact) -> None:
        self._facts.setdefault(fact.key, fact)
        for part in fact.breakdown:
            self._add(part)

    def __getitem__(self, key: str) -> Fact:
        return self._facts[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._facts)

    def __len__(self) -> int:
        return len(self._facts)

    def knows(self, key: str) -> bool:
        return key in self._facts or key in self.words


def _number(fact: Fact) -> str:
    value = fact.value
    if fact.unit == "%":
        return phrasing.percent_text(value if isinstance(value, Decimal) else None, fact.places)
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(int(value))  # a median of 20 days reads "20天", not "20.0天"
    return fact.display


def fill_one(key: str, fmt: str, values: Values) -> Filled | None:
    """The text of one placeholder, None when its key is unknown."""
    if key in values.words and not fmt:
        return Filled(values.words[key])
    fact = values.get(key)
    if fact is None:
        return None
    if fmt == "gap":
        target = fact.part("target")
        if fact.value is None or target is None or target.value is None:
            return Filled("", "", f"{fact.label}（目标）")
        text = phrasing.gap_to_target(
            Decimal(fact.value),
            Decimal(target.value),
            places=fact.places,
            target_label=target.label,
        )
        return Filled(text, fact.source, f"{fact.label}（目标）", _origin(fact)[1])
    if fmt == "change":
        if isinstance(fact.value, Decimal) and fact.unit != "%":
            # A ratio (生师比, 职普比) is not a count: its change is not phrased here.
            return Filled("", fact.source, f"{fact.label}（比较）")
        if fact.unit == "%":
            text = phrasing.rate_change(
                _decimal(fact.value),
                _decimal(fact.previous),
                places=fact.places,
                compared_to=values.compared_to,
            )
        else:
            text = (
                phrasing.count_change(
                    int(fact.value),
                    _int(fact.previous),
                    unit=fact.unit,
                    compared_to=values.compared_to,
                )
                if fact.value is not None
                else ""
            )
        url, note = _origin(fact, previous=True)
        return Filled(text, url or fact.source, f"{fact.label}（比较）", note)
    url, note = _origin(fact)
    if fmt == "big":
        text = phrasing.large_number(fact.value, fact.unit) if fact.value is not None else "—"
        return Filled(text, url, fact.label, note)
    if fmt == "prev":
        url, note = _origin(fact, previous=True)
        return Filled(
            "—" if fact.previous is None else _number(_as_previous(fact)),
            url,
            f"{fact.label}（上期）",
            note,
        )
    if fmt == "label":
        return Filled(fact.label, url, fact.label, note)
    return Filled(_number(fact), url, fact.label, note)


def _as_previous(fact: Fact) -> Fact:
    return Fact(fact.key, fact.label, fact.previous, fact.unit, places=fact.places)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _token(match: re.Match[str]) -> str:
    key, fmt = match.group(1), match.group(2) or ""
    return f"{key}|{fmt}" if fmt else key


def problems(text: str, values: Values) -> list[str]:
    """What is wrong with the placeholders of ``text``, in Chinese (empty: nothing)."""
    out = []
    for match in PLACEHOLDER.finditer(text):
        key, fmt = match.group(1), match.group(2) or ""
        if fmt not in FORMATS:
            out.append(f"“{match.group(0)}”的格式“{fmt}”无法识别（可用：change、big、prev、label）")
        elif not values.knows(key):
            out.append(f"“{match.group(0)}”引用的数据“{key}”不存在")
    if text.count("{{") != len(PLACEHOLDER.findall(text)):
        out.append("正文中有未闭合或写法有误的“{{…}}”占位符")
    return out


def fill(text: str, values: Values) -> tuple[str, dict[str, dict[str, str]]]:
    """``text`` with every placeholder replaced, and what each was filled with."""
    filled: dict[str, dict[str, str]] = {}
    for match in PLACEHOLDER.finditer(text):
        one = fill_one(match.group(1), match.group(2) or "", values)
        if one is not None:
            filled[_token(match)] = one.as_json()
    return render(text, filled), filled


@dataclass(frozen=True)
class Piece:
    """A run of a rendered text: literal prose, or a placeholder as filled."""

    text: str
    token: str = ""  # "" for prose
    source: str = ""
    label: str = ""
    note: str = ""
    missing: bool = False


def pieces(text: str, filled: Mapping[str, Mapping[str, str]]) -> list[Piece]:
    """The text cut into prose and filled placeholders. A placeholder filled with
    nothing (a comparison without a previous period) takes the "，" before it along
    when a punctuation mark follows, so no "，，" or "，。" is left behind."""
    out: list[Piece] = []
    last = 0
    for match in PLACEHOLDER.finditer(text):
        out.append(Piece(text[last : match.start()]))
        token = _token(match)
        one = filled.get(token)
        if one is None:
            out.append(Piece(MISSING.format(key=match.group(1)), token, missing=True))
        else:
            out.append(
                Piece(
                    one["text"],
                    token,
                    one.get("source", ""),
                    one.get("label", ""),
                    one.get("note", ""),
                )
            )
        last = match.end()
    out.append(Piece(text[last:]))
    for i, piece in enumerate(out):
        if piece.token and not piece.text and 0 < i < len(out) - 1:
            before, after = out[i - 1], out[i + 1]
            if before.text.endswith("，") and after.text[:1] in _CLAUSE_ENDS:
                out[i - 1] = Piece(before.text[:-1])
    return [p for p in out if p.text or p.token]


_CLAUSE_ENDS = frozenset("，。；：、")


def render(text: str, filled: Mapping[str, Mapping[str, str]]) -> str:
    """The text as stored values make it (an issued report's, which no longer reads facts)."""
    return "".join(p.text for p in pieces(text, filled))


def render_html(
    text: str, filled: Mapping[str, Mapping[str, str]], changed: frozenset[str] = frozenset()
) -> str:
    """The text as HTML: each number a link to the rows it counts (its label as the
    title), numbers changed by the last regeneration marked for review."""
    out = []
    for p in pieces(text, filled):
        body = html.escape(p.text)
        if not p.token:
            out.append(body)
        elif p.missing:
            out.append(f'<mark class="missing">{body}</mark>')
        elif p.text:
            css = "fact changed" if p.token in changed else "fact"
            title = html.escape(f"{p.label}（{p.note}）" if p.note else p.label)
            if p.source:
                out.append(
                    f'<a class="{css}" href="{html.escape(p.source)}" title="{title}"'
                    f' data-fact="{html.escape(p.token)}">{body}</a>'
                )
            else:
                out.append(f'<span class="{css}" title="{title}">{body}</span>')
    return "".join(out)


def changed_tokens(
    before: Mapping[str, Mapping[str, str]], after: Mapping[str, Mapping[str, str]]
) -> list[str]:
    """Placeholders whose text differs between two fillings (new ones are not changes)."""
    return sorted(
        token
        for token, one in after.items()
        if token in before and before[token]["text"] != one["text"]
    )
