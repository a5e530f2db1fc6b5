"""The validation rules of a return, declared as data.

Four kinds, each generated for every level from the data dictionary:

- **field** — every field of the school's kind is filled with a whole number within
  its range (``FieldSpec.minimum`` / ``maximum``); "没有请填0", a blank is not a zero;
- **sum** (:class:`SumRule`) — the parts add up to the total (grades to 在校生);
- **at most** (:class:`AtMostRule`) — the sum of some fields (each with a weight) is
  no more than another field: girls within enrolment, 大班额 classes within classes,
  qualified teachers within teachers, migrant children in public schools within
  migrant children, graduates within the final grade, dropouts within enrolment, and
  the pupils that the 56+ and 66+ classes hold at least within enrolment;
- **change** (:class:`ChangeRule`) — year-over-year plausibility: a count that moved
  by more than ``STATS_CHANGE_WARNING_PERCENT`` per cent (setting, default 20) against
  last year's accepted or locked return is a *warning*.

Errors block submission; a warning needs a written explanation from the school (kept
in ``StatReturn.explanations`` under the warning's code). :func:`validate` is the one
entry point; every message is Chinese and names the field by its label.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings

from edubureau.core.phrasing import count_change
from edubureau.stats.dictionary import (
    FIELDS,
    GRADES,
    MIGRANT_LEVELS,
    FieldSpec,
    Level,
    field_code,
    fields_for,
    final_grade,
    levels_for,
)

DEFAULT_CHANGE_WARNING_PERCENT = 20


@dataclass(frozen=True)
class Problem:
    """One broken rule: ``code`` is stable (a warning's explanation is stored under
    it), ``fields`` the codes it concerns (the form marks the first), ``message`` the
    Chinese sentence."""

    code: str
    message: str
    fields: tuple[str, ...]

    @property
    def field(self) -> str:
        return self.fields[0]

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class SumRule:
    """``parts`` add up to ``total``."""

    code: str
    total: str
    parts: tuple[str, ...]
    parts_label: str


@dataclass(frozen=True)
class AtMostRule:
    """Σ weight × part ≤ ``whole``. ``label`` names the left side when it is more than
    one plain field."""

    code: str
    parts: tuple[tuple[str, int], ...]
    whole: str
    label: str = ""


@dataclass(frozen=True)
class ChangeRule:
    """A year-over-year move of ``field`` beyond the threshold is a warning."""

    code: str
    field: str


def _label(code: str) -> str:
    return FIELDS[code].full_label


def _unit(code: str) -> str:
    return FIELDS[code].unit


def _level_rules(level: Level) -> list[SumRule | AtMostRule | ChangeRule]:
    def f(name: str) -> str:
        return field_code(level, name)

    name = Level(level).label
    grades = tuple(f(f"grade{n}") for n in range(1, GRADES[level] + 1))
    enrolled_label = "在园幼儿" if level == Level.KG else "在校生"
    rules: list[SumRule | AtMostRule | ChangeRule] = [
        SumRule(f"sum.{level}.grades", f("enrolled"), grades, f"{name}各年级{enrolled_label}之和"),
        AtMostRule(f"le.{level}.female", ((f("enrolled_female"), 1),), f("enrolled")),
        AtMostRule(
            f"le.{level}.large_classes",
            ((f("classes_56_65"), 1), (f("classes_66"), 1)),
            f("classes"),
            f"{name}56—65人的班与66人及以上的班之和",
        ),
        # A class of 56—65 holds at least 56 pupils, one of 66 or more at least 66.
        AtMostRule(
            f"le.{level}.large_class_pupils",
            ((f("classes_56_65"), 56), (f("classes_66"), 66)),
            f("enrolled"),
            f"{name}56人及以上的班至少容纳的学生数",
        ),
        AtMostRule(f"le.{level}.qualified", ((f("teachers_qualified"), 1),), f("teachers")),
        AtMostRule(f"le.{level}.graduates", ((f("graduates"), 1),), final_grade(level)),
        AtMostRule(f"le.{level}.dropouts", ((f("dropouts"), 1),), f("enrolled")),
        AtMostRule(f"le.{level}.disabled", ((f("disabled"), 1),), f("enrolled")),
    ]
    if level in MIGRANT_LEVELS:
        rules += [
            AtMostRule(f"le.{level}.migrant_public", ((f("migrant_public"), 1),), f("migrant")),
            AtMostRule(f"le.{level}.migrant", ((f("migrant"), 1),), f("enrolled")),
        ]
    rules += [ChangeRule(f"change.{level}.{n}", f(n)) for n in ("enrolled", "entrants", "teachers")]
    return rules


RULES: dict[Level, list[SumRule | AtMostRule | ChangeRule]] = {
    level: _level_rules(level) for level in Level
}


def rules_for(kind: str) -> list[SumRule | AtMostRule | ChangeRule]:
    return [rule for level in levels_for(kind) for rule in RULES[level]]


def change_warning_percent() -> Decimal:
    return Decimal(
        str(getattr(settings, "STATS_CHANGE_WARNING_PERCENT", DEFAULT_CHANGE_WARNING_PERCENT))
    )


def parse_value(raw: Any) -> int | None:
    """A figure as typed, from a form or a workbook (python-calamine reads 12 as 12.0
    and an empty cell as ''): an int, None when blank; ValueError otherwise."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise ValueError(raw)
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if raw.is_integer():
            return int(raw)
        raise ValueError(raw)
    text = str(raw).strip().replace(",", "").replace("，", "")
    if text.startswith(("+", "-")) and text[1:].isdigit():
        return int(text)
    if text.isdigit() and text.isascii():
        return int(text)
    try:
        number = Decimal(text)
    except ArithmeticError:
        raise ValueError(raw) from None
    if number.is_finite() and number == number.to_integral_value():
        return int(number)
    raise ValueError(raw)


def _check_field(spec: FieldSpec, raw: Any) -> tuple[int | None, Problem | None]:
    if type(raw) is int and raw >= spec.minimum and (spec.maximum is None or raw <= spec.maximum):
        return raw, None  # the common case (a workbook's figures), checked on the int alone
    label = spec.full_label
    try:
        value = parse_value(raw)
    except (ValueError, ArithmeticError):
        return None, Problem(
            f"type.{spec.code}", f"{label}应填写整数，填写的是“{raw}”。", (spec.code,)
        )
    if value is None:
        return None, Problem(f"required.{spec.code}", f"{label}未填写（没有请填0）。", (spec.code,))
    if value < spec.minimum:
        return value, Problem(
            f"range.{spec.code}", f"{label}不能小于{spec.minimum}{spec.unit}。", (spec.code,)
        )
    if spec.maximum is not None and value > spec.maximum:
        return value, Problem(
            f"range.{spec.code}", f"{label}不能大于{spec.maximum}{spec.unit}。", (spec.code,)
        )
    return value, None


def _check_sum(rule: SumRule, values: Mapping[str, int]) -> Problem | None:
    total = values[rule.total]
    parts = sum(values[p] for p in rule.parts)
    if parts == total:
        return None
    unit = _unit(rule.total)
    return Problem(
        rule.code,
        f"{rule.parts_label}（{parts}{unit}）与{_label(rule.total)}（{total}{unit}）不一致。",
        (rule.total, *rule.parts),
    )


def _check_at_most(rule: AtMostRule, values: Mapping[str, int]) -> Problem | None:
    left = 0
    for code, weight in rule.parts:  # one or two parts: a loop, not a generator
        left += weight * values[code]
    whole = values[rule.whole]
    if left <= whole:
        return None
    first = rule.parts[0][0]
    label = rule.label or _label(first)
    unit = _unit(rule.whole) if rule.label and rule.parts[0][1] != 1 else _unit(first)
    return Problem(
        rule.code,
        f"{label}（{left}{unit}）不能多于{_label(rule.whole)}（{whole}{_unit(rule.whole)}）。",
        (*(code for code, _ in rule.parts), rule.whole),
    )


def _check_change(
    rule: ChangeRule, values: Mapping[str, int], previous: Mapping[str, Any], limit: Decimal
) -> Problem | None:
    try:
        before = parse_value(previous.get(rule.field))
    except (ValueError, ArithmeticError):
        return None
    if before is None:
        return None
    now = values[rule.field]
    if now == before:
        return None
    unit = _unit(rule.field)
    if before == 0:
        moved = f"上年为0{unit}，今年为{now}{unit}"
    else:
        change = Decimal(abs(now - before)) * 100 / Decimal(before)
        if change <= limit:
            return None
        moved = count_change(now, before, unit=unit, with_previous=True)
    return Problem(
        rule.code,
        f"{_label(rule.field)}{moved}，变动超过{limit.normalize():f}%，请填写情况说明。",
        (rule.field,),
    )


# The dictionary and the rules are fixed at import: each kind's lists are made once
# (a province's workbook validates 30,000 returns).
@functools.cache
def _kind_fields(kind: str) -> tuple[FieldSpec, ...]:
    return tuple(fields_for(kind))


@functools.cache
def _kind_rules(kind: str) -> tuple[SumRule | AtMostRule | ChangeRule, ...]:
    return tuple(rules_for(kind))


def validate(
    values: Mapping[str, Any],
    kind: str,
    previous_values: Mapping[str, Any] | None = None,
    *,
    change_percent: Decimal | int | None = None,
) -> tuple[list[Problem], list[Problem]]:
    """Check a return's figures for a school of ``kind``: ``(errors, warnings)``.

    ``values`` may hold raw input (strings, floats from a workbook); codes that are not
    the kind's fields are ignored. ``previous_values`` are last year's closed figures
    (None: no year-over-year warnings). Sum and cross-field rules run only on fields
    that are themselves valid, so one bad cell gives one message, not a cascade.
    """
    errors: list[Problem] = []
    clean: dict[str, int] = {}
    for spec in _kind_fields(kind):
        value, problem = _check_field(spec, values.get(spec.code))
        if problem is not None:
            errors.append(problem)
        else:
            assert value is not None
            clean[spec.code] = value
    warnings: list[Problem] = []
    limit = Decimal(0)
    if previous_values:
        limit = Decimal(change_percent) if change_percent is not None else change_warning_percent()
    complete = not errors  # every field valid: every rule runs (the common case, asked once)
    for rule in _kind_rules(kind):
        if isinstance(rule, SumRule):
            if complete or (rule.total in clean and all(p in clean for p in rule.parts)):
                problem = _check_sum(rule, clean)
                if problem:
                    errors.append(problem)
        elif isinstance(rule, AtMostRule):
            if complete or (rule.whole in clean and all(code in clean for code, _ in rule.parts)):
                problem = _check_at_most(rule, clean)
                if problem:
                    errors.append(problem)
        elif previous_values and rule.field in clean:
            problem = _check_change(rule, clean, previous_values, limit)
            if problem:
                warnings.append(problem)
    return errors, warnings


def clean_values(values: Mapping[str, Any], kind: str) -> dict[str, int]:
    """The kind's figures that parse as whole numbers (blanks and bad input left out):
    what a draft keeps."""
    clean: dict[str, int] = {}
    for spec in fields_for(kind):
        try:
            value = parse_value(values.get(spec.code))
        except (ValueError, ArithmeticError):
            continue
        if value is not None:
            clean[spec.code] = value
    return clean
