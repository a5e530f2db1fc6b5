"""What each safety ledger (台账) is: one :class:`LedgerSpec` per ledger model says
what the generic list, form, export, import and overview need to know — which fields
a user fills in, which date the ledger is filtered on, which documents expire, which
figures add up. Everything else is derived from the model's own field definitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import models
from django.db.models import Count, Q, Sum

from edubureau.safety.models.ledgers import (
    Canteen,
    Drill,
    EducationActivity,
    EmergencyPlan,
    LedgerBase,
    ResponsibilityLetter,
    SecurityResources,
    Vehicle,
)

# A document "expires soon" within this many days (and the overview's horizon).
DEFAULT_EXPIRY_DAYS = 30
MAX_EXPIRY_DAYS = 3650


@dataclass(frozen=True)
class Expiry:
    """A date field on which a document runs out (驾驶证、车检、保险、许可证、预案修订)."""

    field: str
    label: str


@dataclass(frozen=True)
class Total:
    """A figure of the totals row: the sum of a number field, or how many rows have a
    boolean field set (``count_true``)."""

    label: str
    field: str
    count_true: bool = False

    def expression(self) -> models.Aggregate:
        if self.count_true:
            return Count("pk", filter=Q(**{self.field: True}))
        return Sum(self.field)


@dataclass(frozen=True)
class LedgerSpec:
    key: str  # URL names and registry: "drill" -> safety:drill-list
    path: str  # URL segment: "drills"
    model: type[LedgerBase]
    title: str
    fields: tuple[str, ...]  # what a user fills in (besides the school), in form order
    list_fields: tuple[str, ...]  # shown in the list after the school
    natural_key: tuple[str, ...]  # one row per key: imports update, creates refuse twins
    date_field: str | None = None  # since/until filter
    expiry: tuple[Expiry, ...] = ()
    choice_filters: tuple[str, ...] = ()
    totals: tuple[Total, ...] = ()
    rate: tuple[str, str, str] | None = None  # (label, numerator, denominator)
    related: tuple[str, ...] = ()
    order: tuple[str, ...] = ()  # list order before the school
    hint: str = ""

    @property
    def id_kwarg(self) -> str:
        return f"{self.model._meta.model_name}_id"

    @property
    def has_active(self) -> bool:
        return any(f.name == "is_active" for f in self.model._meta.fields)

    @property
    def flag_params(self) -> dict[str, str]:
        """GET parameter -> boolean field: every yes/no column filters with =1 / =0
        (``active`` for ``is_active``), so dashboards can link to e.g. buses with GPS."""
        return {
            ("active" if f.name == "is_active" else f.name): f.name
            for f in self.model._meta.fields
            if isinstance(f, models.BooleanField)
        }

    def field(self, name: str) -> models.Field:
        return self.model._meta.get_field(name)  # type: ignore[return-value]


LETTER = LedgerSpec(
    key="letter",
    path="letters",
    model=ResponsibilityLetter,
    title="安全责任书",
    fields=("school_year", "tier", "due_count", "signed_count", "signed_on", "note"),
    list_fields=("school_year", "tier", "due_count", "signed_count", "signed_on"),
    natural_key=("school", "school_year", "tier"),
    choice_filters=("tier",),
    totals=(Total("应签份数", "due_count"), Total("已签份数", "signed_count")),
    rate=("签订率", "signed_count", "due_count"),
    related=("school_year",),
    order=("-school_year__start_year",),
    hint="逐级签订：教育局与学校、学校与教职工、学校与家长。每校每学年每个层级一行。",
)
PLAN = LedgerSpec(
    key="plan",
    path="plans",
    model=EmergencyPlan,
    title="应急预案",
    fields=("name", "kind", "approved_on", "review_due", "note"),
    list_fields=("name", "kind", "approved_on", "review_due"),
    natural_key=("school", "name"),
    date_field="approved_on",
    expiry=(Expiry("review_due", "应急预案修订"),),
    hint="修订到期前30天提醒。",
)
DRILL = LedgerSpec(
    key="drill",
    path="drills",
    model=Drill,
    title="应急演练",
    fields=("held_on", "kind", "participants", "duration_minutes", "note"),
    list_fields=("held_on", "kind", "participants", "duration_minutes"),
    natural_key=("school", "held_on", "kind"),
    date_field="held_on",
    choice_filters=("kind",),
    totals=(Total("参与人数", "participants"),),
)
ACTIVITY = LedgerSpec(
    key="activity",
    path="activities",
    model=EducationActivity,
    title="安全教育活动",
    fields=("held_on", "kind", "title", "sessions", "participants", "note"),
    list_fields=("held_on", "kind", "title", "sessions", "participants"),
    natural_key=("school", "held_on", "title"),
    date_field="held_on",
    totals=(Total("场次", "sessions"), Total("参与人次", "participants")),
)
VEHICLE = LedgerSpec(
    key="vehicle",
    path="vehicles",
    model=Vehicle,
    title="校车及学生专车",
    fields=(
        "kind",
        "plate",
        "seats",
        "driver_name",
        "driver_licence_expires",
        "inspection_expires",
        "insurance_expires",
        "gps_fitted",
        "route",
        "operator",
        "is_active",
        "note",
    ),
    list_fields=(
        "plate",
        "kind",
        "seats",
        "driver_name",
        "driver_licence_expires",
        "inspection_expires",
        "insurance_expires",
        "gps_fitted",
        "route",
    ),
    natural_key=("plate",),
    expiry=(
        Expiry("driver_licence_expires", "驾驶证"),
        Expiry("inspection_expires", "车辆检验"),
        Expiry("insurance_expires", "车辆保险"),
    ),
    choice_filters=("kind",),
    totals=(Total("核载人数", "seats"), Total("安装卫星定位", "gps_fitted", count_true=True)),
    hint="车牌号如 川A12345（“川A·12345”亦可，保存时统一格式）。证件到期前30天提醒。",
)
CANTEEN = LedgerSpec(
    key="canteen",
    path="canteens",
    model=Canteen,
    title="学校食堂",
    fields=(
        "name",
        "grade",
        "licence_no",
        "licence_expires",
        "operation",
        "contractor",
        "is_active",
        "note",
    ),
    list_fields=("name", "grade", "licence_no", "licence_expires", "operation", "contractor"),
    natural_key=("school", "name"),
    expiry=(Expiry("licence_expires", "食品经营许可证"),),
    choice_filters=("grade", "operation"),
)
SECURITY = LedgerSpec(
    key="security",
    path="security",
    model=SecurityResources,
    title="人防物防技防",
    fields=(
        "guards_full_time",
        "cameras",
        "key_areas_covered",
        "one_key_alarm",
        "alarm_linked_to_police",
        "anti_collision_barriers",
        "note",
    ),
    list_fields=(
        "guards_full_time",
        "cameras",
        "key_areas_covered",
        "one_key_alarm",
        "alarm_linked_to_police",
        "anti_collision_barriers",
    ),
    natural_key=("school",),
    totals=(
        Total("专职保安", "guards_full_time"),
        Total("摄像头", "cameras"),
        Total("重点部位全覆盖", "key_areas_covered", count_true=True),
        Total("一键报警", "one_key_alarm", count_true=True),
    ),
    hint="每校一行，保持最新。",
)

LEDGERS: dict[str, LedgerSpec] = {
    spec.key: spec for spec in (LETTER, PLAN, DRILL, ACTIVITY, VEHICLE, CANTEEN, SECURITY)
}


def expiring_q(spec: LedgerSpec, limit: date) -> Q:
    """Rows of ``spec`` with a document running out on or before ``limit``."""
    q = Q()
    for expiry in spec.expiry:
        q |= Q(**{f"{expiry.field}__lte": limit})
    if spec.has_active:
        q &= Q(is_active=True)
    return q


def display_value(obj: Any, name: str) -> Any:
    """A field as people read it (and as exports write it): choice labels, 是/否,
    dates as dates, the school year as "2025—2026学年"."""
    value = getattr(obj, name)
    model_field = obj._meta.get_field(name)
    if value is None:
        return None
    if model_field.choices:
        return getattr(obj, f"get_{name}_display")()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, models.Model):
        return str(value)
    return value
