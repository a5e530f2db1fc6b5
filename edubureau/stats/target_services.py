"""A bureau's own targets (省级目标、本地目标): who sets them, their checks, save and
delete, audited.

Who: the leaders (局领导) and the statistics department's staff (``STATS_DEPARTMENT``,
基础教育股) of a bureau set its targets; every other account reads them (the targets
page, the dashboard's lights). A target belongs to the bureau that set it and applies
to its area and the bureaus below (:func:`edubureau.stats.targets.targets_in_force`).

Checks (:func:`clean`): the indicator is one of :data:`~edubureau.stats.indicators.BY_CODE`
with a sense (职普比 has none: nothing to aim at); the comparison agrees with it (不低于
or 高于 a rate that should be high, 不高于 one that should be low); the value is in the
indicator's range; the year is 2000—2100; the label is given, at most 40 characters,
with full-width punctuation (normalised, "本县2025目标"). One target per bureau,
indicator, kind and year. Every save takes the version the editor loaded
(``core.concurrency``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction

from edubureau.audit.services import audit_change, audit_create, audit_delete, snapshot
from edubureau.core.concurrency import UNCHECKED, LoadedVersion, ensure_unchanged
from edubureau.core.officialdoc.text import fullwidth
from edubureau.core.roles import Role
from edubureau.orgs.scoping import bureau_id_of, is_department_staff
from edubureau.rectification.lifecycle import NotAllowed
from edubureau.stats.indicators import BY_CODE, PER_ONE, PERCENT, Indicator
from edubureau.stats.models import STATS_DEPARTMENT, LocalTarget, TargetComparison, TargetKind

YEARS = (2000, 2100)
LABEL_MAX = 40
SOURCE_MAX = 200
# The largest value a target may take, by the indicator's form: a percentage may pass
# 100 (gross ratios, progression rates), 生师比 is students per teacher.
MAXIMUM = {PERCENT: Decimal(200), PER_ONE: Decimal(100)}


class TargetInvalid(Exception):
    """A target refused by its checks; ``errors`` {field: Chinese message}."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("；".join(errors.values()))


@dataclass(frozen=True)
class TargetInput:
    """A target as typed in the form (text, checked by :func:`clean`)."""

    indicator: str
    kind: str
    year: str
    value: str
    comparison: str
    label: str
    source: str = ""


@dataclass(frozen=True)
class CleanTarget:
    indicator: str
    kind: str
    year: int
    value: Decimal
    comparison: str
    label: str
    source: str


def can_set_targets(user: Any) -> bool:
    """A leader or the statistics staff of a bureau set that bureau's targets."""
    if user is None or not user.is_authenticated or not user.is_active or not user.bureau_id:
        return False
    return bool(user.role == Role.BUREAU_LEADER or is_department_staff(user, STATS_DEPARTMENT))


def targetable(indicator: Indicator) -> bool:
    """Whether a bureau may set a target for ``indicator``: it has a sense (higher or
    lower is better) and a form with a range."""
    return indicator.higher_is_better is not None and indicator.form in MAXIMUM


def targetable_indicators() -> list[Indicator]:
    return [indicator for indicator in BY_CODE.values() if targetable(indicator)]


def comparisons_for(indicator: Indicator) -> list[str]:
    if indicator.higher_is_better:
        return [TargetComparison.AT_LEAST, TargetComparison.ABOVE]
    return [TargetComparison.AT_MOST]


def clean(data: TargetInput) -> CleanTarget:
    """The typed target checked; :class:`TargetInvalid` with every problem."""
    errors: dict[str, str] = {}
    indicator = BY_CODE.get(data.indicator.strip())
    if indicator is None or not targetable(indicator):
        errors["indicator"] = "请选择可以设定目标的指标（比率类指标，职普比除外）。"
    kind = data.kind.strip()
    if kind not in TargetKind.values:
        errors["kind"] = "请选择目标类别（省级目标或本地目标）。"
    year = _int(data.year)
    if year is None or not YEARS[0] <= year <= YEARS[1]:
        errors["year"] = f"目标年份应为{YEARS[0]}至{YEARS[1]}之间的整数。"
    value = _decimal(data.value)
    comparison = data.comparison.strip()
    if indicator is not None and targetable(indicator):
        top = MAXIMUM[indicator.form]
        unit = "%" if indicator.form == PERCENT else ""
        if value is None or not Decimal(0) <= value <= top:
            errors["value"] = f"目标值应为0至{top}{unit}之间的数，最多两位小数。"
        if comparison not in comparisons_for(indicator):
            allowed = "、".join(TargetComparison(c).label for c in comparisons_for(indicator))
            errors["comparison"] = f"{indicator.name}的目标只能是“{allowed}”。"
    label = fullwidth(" ".join(data.label.split()))
    if not label:
        errors["label"] = "请填写目标的称谓，如“本县2025目标”。"
    elif len(label) > LABEL_MAX:
        errors["label"] = f"称谓不能超过{LABEL_MAX}个字。"
    source = fullwidth(" ".join(data.source.split()))
    if len(source) > SOURCE_MAX:
        errors["source"] = f"依据文件不能超过{SOURCE_MAX}个字。"
    if errors:
        raise TargetInvalid(errors)
    assert indicator is not None and year is not None and value is not None
    return CleanTarget(indicator.code, kind, year, value, comparison, label, source)


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) <= 4 else None


def _decimal(text: str) -> Decimal | None:
    text = text.strip().removesuffix("%").strip()
    if not text or len(text) > 12:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        return None
    return value


def _own(actor: Any, target: LocalTarget) -> None:
    if not can_set_targets(actor) or target.bureau_id != bureau_id_of(actor):
        raise NotAllowed("只有本局领导和统计股室工作人员可以修改本局设定的目标")


def target_save(
    *,
    actor: Any,
    data: TargetInput,
    target: LocalTarget | None = None,
    loaded_version: LoadedVersion = UNCHECKED,
) -> LocalTarget:
    """Add a target for the actor's bureau (``target`` None) or change one of its
    own; refused (:class:`NotAllowed`) for anyone else, :class:`TargetInvalid` for a
    bad value or a second target of the same indicator, kind and year."""
    if not can_set_targets(actor):
        raise NotAllowed("只有局领导和统计股室工作人员可以设定本局的目标")
    bureau_id = bureau_id_of(actor)
    cleaned = clean(data)
    fields = {
        "indicator": cleaned.indicator,
        "kind": cleaned.kind,
        "year": cleaned.year,
        "value": cleaned.value,
        "comparison": cleaned.comparison,
        "label": cleaned.label,
        "source": cleaned.source,
    }
    try:
        with transaction.atomic():
            if target is None:
                row = LocalTarget.objects.create(bureau_id=bureau_id, updated_by=actor, **fields)
                audit_create(actor=actor, obj=row, detail=f"设定指标目标：{row.label}")
                return row
            row = LocalTarget.objects.select_for_update().get(pk=target.pk)
            _own(actor, row)
            ensure_unchanged(row, loaded_version, what="该目标")
            before = snapshot(row)
            for name, value in fields.items():
                setattr(row, name, value)
            row.updated_by = actor
            row.save()
            audit_change(actor=actor, obj=row, before=before, detail=f"修改指标目标：{row.label}")
            return row
    except IntegrityError:
        raise TargetInvalid(
            {"year": "本局已设定该指标同一类别、同一年份的目标，请修改原有目标。"}
        ) from None


def target_delete(
    *, actor: Any, target: LocalTarget, loaded_version: LoadedVersion = UNCHECKED
) -> None:
    """Remove one of the actor's bureau's targets (audited)."""
    with transaction.atomic():
        row = LocalTarget.objects.select_for_update().get(pk=target.pk)
        _own(actor, row)
        ensure_unchanged(row, loaded_version, what="该目标")
        audit_delete(actor=actor, obj=row, detail=f"删除指标目标：{row.label}")
        row.delete()
