"""Reads of checklists, inspections and campaigns: the filtered inspection list, the
form's sections (only the items that apply to the school's kind), an inspection's
history, campaign progress and the missing self-inspections of a month.

The inspection list's GET parameters are shared with the dashboards, which link to it
(docs/HELPERS-BRIEF.md): kind, period (YYYY-MM), school, township, status, campaign,
and bureau (a bureau's subtree; with direct=1 the schools it runs itself), which
narrows through the scoping door (``scope_for``: another bureau's id answers 404).
The missing page takes period (YYYY-MM) and the same place parameters (bureau,
direct=1, township, school), narrowed through the same door, and is paged and
searched by the list component (``MISSING_LIST``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from edubureau.audit.models import AuditEvent
from edubureau.core.excel import Column
from edubureau.core.facts import percent
from edubureau.core.listing import ListSpec
from edubureau.core.params import param_date, param_id, param_month
from edubureau.core.phrasing import percent_text
from edubureau.orgs.models import Role, School, area_label
from edubureau.orgs.scoping import scope_for
from edubureau.safety.models import (
    Campaign,
    Checklist,
    ChecklistCategory,
    ChecklistItem,
    Hazard,
    Inspection,
    InspectionKind,
    InspectionPhoto,
    InspectionStatus,
    ItemResult,
)
from edubureau.safety.models.inspections import submitted_on_time, through_team
from edubureau.safety.services.chase import chase_is_open, missing_self_inspection_schools
from edubureau.safety.services.inspections import (
    ItemEntry,
    applicable_items,
    month_start,
    self_inspection_due_on,
)


def parse_period(value: str | None) -> date | None:
    """``2026-10`` → 2026-10-01; anything else → None."""
    return param_month(value)


@dataclass(frozen=True)
class InspectionFilter:
    kind: str = ""
    period: date | None = None
    school_id: int | None = None
    township_id: int | None = None
    status: str = ""
    campaign_id: int | None = None
    since: date | None = None
    until: date | None = None
    bureau_id: int | None = None
    direct: bool = False

    @classmethod
    def from_params(cls, params: Any) -> InspectionFilter:
        """Tolerant parsing: a malformed value is ignored, never an error page."""

        kind = params.get("kind") or ""
        status = params.get("status") or ""
        return cls(
            kind=kind if kind in InspectionKind.values else "",
            period=parse_period(params.get("period")),
            school_id=param_id(params.get("school")),
            township_id=param_id(params.get("township")),
            status=status if status in InspectionStatus.values else "",
            campaign_id=param_id(params.get("campaign")),
            since=param_date(params.get("since")),
            until=param_date(params.get("until")),
            bureau_id=param_id(params.get("bureau")),
            direct=params.get("direct") == "1",
        )


# The inspection list as the list component reads it (core.listing): it opens on this
# month; search looks in the school's and the campaign's names.
INSPECTION_LIST = ListSpec(
    filters=frozenset(
        {"kind", "period", "school", "township", "status", "campaign", "since", "until"}
        | {"bureau", "direct"}
    ),
    search=("school__name", "campaign__name"),
    search_hint="学校或检查活动名称",
    sorts={
        "inspected_on": ("inspected_on",),
        "school": ("school__name",),
        "status": ("status",),
        "hazards": ("hazards_found",),
    },
    default_sort="-inspected_on",
    tiebreak=("-id",),
    defaults=lambda: {"period": f"{timezone.localdate():%Y-%m}"},
)


def inspection_list(*, user: Any, filters: InspectionFilter) -> QuerySet[Inspection]:
    # The narrowing (a bureau's subtree or its own schools, a township, a school) is the
    # door's: an id outside the viewer's scope answers 404 and is audited.
    scope = scope_for(
        user,
        bureau=filters.bureau_id,
        direct=filters.direct,
        township=filters.township_id,
        school=filters.school_id,
    )
    qs = scope.rows(Inspection).select_related("school__township", "campaign")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.period:
        # A self-inspection belongs to its month; a campaign inspection to the month it was done.
        start = filters.period
        end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
        qs = qs.filter(
            Q(period=start) | Q(period__isnull=True, inspected_on__gte=start, inspected_on__lt=end)
        )
    if filters.since:
        # Same rule as the period: a self-inspection by its month, others by their date.
        qs = qs.filter(
            Q(period__gte=filters.since) | Q(period__isnull=True, inspected_on__gte=filters.since)
        )
    if filters.until:
        qs = qs.filter(
            Q(period__lte=filters.until) | Q(period__isnull=True, inspected_on__lte=filters.until)
        )
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.campaign_id:
        qs = qs.filter(campaign_id=filters.campaign_id)
    return qs.order_by("-inspected_on", "-id")


def inspection_counts(qs: QuerySet[Inspection]) -> dict[str, int]:
    return qs.aggregate(
        total=Count("id"),
        submitted=Count("id", filter=Q(status=InspectionStatus.SUBMITTED)),
        hazards=Sum("hazards_found", default=0),
    )


def own_self_inspection(user: Any, period: date) -> Inspection | None:
    """The self-inspection of ``period`` of the user's own school, if one was started:
    what the 填报 button and the workbench say about this month."""
    if getattr(user, "school_id", None) is None:
        return None
    return (
        Inspection.objects.visible_to(user)
        .filter(school_id=user.school_id, kind=InspectionKind.SELF, period=period)
        .select_related("school", "checklist")
        .first()
    )


def visible_schools(user: Any) -> QuerySet[School]:
    if user.role == Role.SCHOOL_USER:
        return School.objects.none()
    return School.objects.visible_to(user).filter(is_active=True).order_by("township", "name")


# The form and the detail page ------------------------------------------------------


@dataclass
class ItemRow:
    item: ChecklistItem
    entry: ItemEntry
    photos: list[InspectionPhoto] = field(default_factory=list)
    hazard: Hazard | None = None
    missing: bool = False

    @property
    def severity(self) -> str:
        return self.entry.severity or self.item.default_severity


@dataclass
class Section:
    category: ChecklistCategory
    rows: list[ItemRow]

    @property
    def answered(self) -> int:
        return sum(1 for r in self.rows if r.entry.result)

    @property
    def hazards(self) -> int:
        return sum(1 for r in self.rows if r.entry.result == ItemResult.HAZARD)

    @property
    def has_missing(self) -> bool:
        return any(r.missing for r in self.rows)


def inspection_sections(
    inspection: Inspection,
    *,
    posted: Mapping[int, ItemEntry] | None = None,
    missing: Iterable[ChecklistItem] = (),
    with_hazards: bool = False,
) -> list[Section]:
    """The applicable items grouped by category, each with its saved answer (or the
    answer just posted, when a submit was refused), photos and hazard."""
    photos: dict[int | None, list[InspectionPhoto]] = defaultdict(list)
    for photo in inspection.photos.all():
        photos[photo.item_id].append(photo)
    hazards: dict[int | None, Hazard] = {}
    if with_hazards:
        hazards = {h.item_id: h for h in inspection.hazards.filter(item__isnull=False)}
    return build_sections(
        applicable_items(inspection.checklist, inspection.school.kind),
        results=inspection.results or {},
        photos=photos,
        hazards=hazards,
        posted=posted,
        missing=missing,
    )


def new_form_sections(
    checklist: Checklist,
    school: School,
    *,
    posted: Mapping[int, ItemEntry] | None = None,
    missing: Iterable[ChecklistItem] = (),
) -> list[Section]:
    """Sections of a form that has no row yet: the school's applicable items."""
    return build_sections(
        applicable_items(checklist, school.kind), results={}, posted=posted, missing=missing
    )


def build_sections(
    items: Iterable[ChecklistItem],
    *,
    results: Mapping[str, Any],
    photos: Mapping[int | None, list[InspectionPhoto]] | None = None,
    hazards: Mapping[int | None, Hazard] | None = None,
    posted: Mapping[int, ItemEntry] | None = None,
    missing: Iterable[ChecklistItem] = (),
) -> list[Section]:
    missing_ids = {i.pk for i in missing}
    sections: dict[int, Section] = {}
    for item in items:
        entry = ItemEntry.from_json(results.get(str(item.pk)))
        if posted and item.pk in posted:
            p = posted[item.pk]
            entry = ItemEntry(
                result=p.result or entry.result,
                note=p.note,
                description=p.description,
                location=p.location,
                severity=p.severity,
            )
        section = sections.setdefault(item.category_id, Section(item.category, []))
        section.rows.append(
            ItemRow(
                item=item,
                entry=entry,
                photos=(photos or {}).get(item.pk, []),
                hazard=(hazards or {}).get(item.pk),
                missing=item.pk in missing_ids,
            )
        )
    return list(sections.values())


def general_photos(inspection: Inspection) -> list[InspectionPhoto]:
    return list(inspection.photos.filter(item__isnull=True))


@dataclass(frozen=True)
class HistoryRow:
    at: Any
    who: str
    what: str


def inspection_history(inspection: Inspection) -> list[HistoryRow]:
    """Every round of the inspection (start, submissions, returns), from the audit log."""
    events = (
        AuditEvent.objects.filter(model_label=Inspection._meta.label, object_id=str(inspection.pk))
        .select_related("actor")
        .order_by("created_at", "id")
    )
    return [
        HistoryRow(
            at=e.created_at,
            who=e.actor.display_name if e.actor else e.actor_name,
            what=e.detail or e.get_action_display(),
        )
        for e in events
        if e.detail != "保存草稿"
    ]


# Campaigns ------------------------------------------------------------------------


def campaign_list(
    *, user: Any, running_on: date | None = None, on_team: bool = False
) -> QuerySet[Campaign]:
    """The campaigns ``user`` sees; with ``running_on``, those in progress that day
    (started, not yet ended): the list's ``?active=1`` and the workbench's count; with
    ``on_team``, only those whose inspection team ``user`` is on (``?mine=1``)."""
    # A subquery, not Count("schools"): a school user's list is filtered on the same
    # relation, which would make every campaign count one school.
    scope = (
        Campaign.schools.through.objects.filter(campaign_id=OuterRef("pk"))
        .values("campaign_id")
        .annotate(n=Count("*"))
        .values("n")  # type: ignore[misc]  # the stubs do not see annotations on a through model
    )
    campaigns = Campaign.objects.visible_to(user)
    if running_on is not None:
        campaigns = campaigns.filter(starts_on__lte=running_on, ends_on__gte=running_on)
    if on_team:
        mine = through_team().filter(user_id=user.pk).values("campaign_id")
        campaigns = campaigns.filter(pk__in=mine)
    return campaigns.annotate(school_count=Subquery(scope))


@dataclass
class CampaignSchoolRow:
    school: School
    inspection: Inspection | None


@dataclass
class CampaignProgress:
    rows: list[CampaignSchoolRow]
    in_scope: int
    inspected: int
    hazards: int

    @property
    def percent(self) -> Decimal | None:
        """Schools inspected of those in scope, exact (None for an empty scope)."""
        return percent(self.inspected, self.in_scope)

    @property
    def percent_text(self) -> str:
        # Rounded once, half up, as every percentage of pages and documents is: 397 of
        # 400 reads 99.3% here and in the ledgers (a float round() gave 99 and 99.2).
        return percent_text(self.percent)


def campaign_progress(*, user: Any, campaign: Campaign) -> CampaignProgress:
    """Schools in scope (those ``user`` may see; the campaign's team sees its whole
    scope, which it inspects), their inspection, and the totals."""
    in_scope = School.objects.filter(campaigns=campaign)
    found = Inspection.objects.filter(campaign=campaign)
    if not Campaign.objects.fillable_by(user).filter(pk=campaign.pk).exists():
        in_scope = in_scope & School.objects.visible_to(user)
        found = found.visible_to(user)
    schools = list(
        in_scope.select_related("township", "bureau").order_by("township__sort_order", "name")
    )
    inspections = {i.school_id: i for i in found}
    hazards = Hazard.objects.visible_to(user).filter(inspection__campaign=campaign).count()
    rows = [CampaignSchoolRow(s, inspections.get(s.pk)) for s in schools]
    inspected = sum(
        1 for r in rows if r.inspection and r.inspection.status == InspectionStatus.SUBMITTED
    )
    return CampaignProgress(rows=rows, in_scope=len(rows), inspected=inspected, hazards=hazards)


# Missing self-inspections -------------------------------------------------------------


@dataclass
class MissingRow:
    school: School
    inspection: Inspection | None

    @property
    def state(self) -> str:
        if self.inspection is None:
            return "未开始"
        if self.inspection.status == InspectionStatus.RETURNED:
            return "已退回待重报"
        return "草稿未提交"


# The 未报送 list as the list component reads it (core.listing): paged, grouped by
# township (the order a county phones down its schools), searchable by school name.
MISSING_LIST = ListSpec(
    filters=frozenset({"period", "bureau", "direct", "township", "school"}),
    search=("name",),
    search_hint="学校名称",
    sorts={
        "township": ("bureau__path", "township__sort_order", "township_id", "name"),
        "name": ("name",),
    },
    default_sort="township",
    tiebreak=("pk",),
)


@dataclass
class MissingReport:
    period: date
    due_on: date
    overdue: bool
    # The schools that have not reported (a queryset: the page reads one page of it).
    schools: QuerySet[School]
    total_schools: int
    on_time: int
    late: int
    township_id: int | None = None  # the township it was limited to, if any
    bureau_id: int | None = None  # the bureau (with its subtree) it was limited to
    direct: bool = False  # only the schools that bureau runs itself (市直)
    school_id: int | None = None  # the one school it was limited to

    @cached_property
    def missing_count(self) -> int:
        return self.schools.count()

    @property
    def rows(self) -> list[MissingRow]:
        """Every row (the export's); a page shows :func:`missing_rows` of its schools."""
        return missing_rows(self, list(self.schools))


def missing_rows(report: MissingReport, schools: Sequence[School]) -> list[MissingRow]:
    """The rows of ``schools`` (one page of ``report.schools``): each with its draft or
    returned self-inspection, if one was started (one query for the page)."""
    started = {
        i.school_id: i
        for i in Inspection.objects.filter(
            kind=InspectionKind.SELF, period=report.period, school__in=[s.pk for s in schools]
        )
    }
    return [MissingRow(s, started.get(s.pk)) for s in schools]


def missing_report(
    *,
    user: Any,
    period: date,
    township_id: int | None = None,
    today: date | None = None,
    bureau_id: int | None = None,
    direct: bool = False,
    school_id: int | None = None,
) -> MissingReport:
    """Schools ``user`` may see (narrowed through the scoping door to ``bureau_id``'s
    subtree or, with ``direct``, its direct schools, a township or a school) with no
    submitted self-inspection for ``period``, and how many submitted on time or late."""
    period = month_start(period)
    today = today or timezone.localdate()
    due_on = self_inspection_due_on(period)
    scope = scope_for(user, bureau=bureau_id, direct=direct, township=township_id, school=school_id)
    schools = scope.schools().filter(is_active=True)
    missing = (
        missing_self_inspection_schools(schools=schools, period=period)
        .select_related("township", "bureau")
        .order_by("bureau__path", "township__sort_order", "township_id", "name", "pk")
    )
    submitted = Inspection.objects.filter(
        kind=InspectionKind.SELF,
        period=period,
        status=InspectionStatus.SUBMITTED,
        school__in=schools.values("pk"),
    ).aggregate(
        total=Count("id"),
        on_time=Count("id", filter=Q(submitted_at__date__lte=due_on)),
    )
    return MissingReport(
        period=period,
        due_on=due_on,
        overdue=chase_is_open(period, today),
        schools=missing,
        total_schools=schools.count(),
        on_time=submitted["on_time"],
        late=submitted["total"] - submitted["on_time"],
        township_id=township_id,
        bureau_id=bureau_id,
        direct=direct,
        school_id=school_id,
    )


@dataclass(frozen=True)
class MissingGroup:
    label: str
    query: str  # the 未报送 list narrowed to this group (the page's other filters kept)
    missing: int


def missing_by_place(report: MissingReport, place: Any, params: Any) -> list[MissingGroup]:
    """How many schools have not reported under each option of the place chooser's next
    step (each city or county, each township), for a viewer above a township: one
    aggregate by the school's bureau or township. Empty below that."""
    if place is None or place.param not in ("bureau", "township") or not place.options:
        return []
    from edubureau.orgs.models import Bureau

    options = dict(place.options)
    counts: dict[int, int] = defaultdict(int)
    if place.param == "township":
        for township_id, n in (
            report.schools.order_by().values_list("township_id").annotate(n=Count("pk"))
        ):
            if township_id in options:
                counts[township_id] += n
    else:
        paths = dict(Bureau.objects.filter(pk__in=options).values_list("pk", "path"))
        for path, n in (
            report.schools.order_by().values_list("bureau__path").annotate(n=Count("pk"))
        ):
            for pk, prefix in paths.items():
                if path.startswith(prefix):
                    counts[pk] += n
                    break
    groups = []
    for pk, label in place.options:
        query = params.copy()
        query.pop("page", None)
        query[place.param] = str(pk)
        if place.param == "bureau":
            query.pop("direct", None)
            query.pop("township", None)
        groups.append(MissingGroup(label, query.urlencode(), counts.get(pk, 0)))
    return groups


# Checklists -----------------------------------------------------------------------


@dataclass
class ChecklistSection:
    category: ChecklistCategory
    items: list[ChecklistItem]


def checklist_sections(checklist: Checklist) -> list[ChecklistSection]:
    sections: dict[int, ChecklistSection] = {
        c.pk: ChecklistSection(c, []) for c in checklist.categories.order_by("sort_order", "id")
    }
    for item in checklist.items.order_by("category__sort_order", "sort_order", "id"):
        sections[item.category_id].items.append(item)
    return list(sections.values())


def current_checklist(user: Any) -> Checklist | None:
    """The current checklist of the user's own bureau (a city also reads its counties'
    through ``visible_to``, but its pages show its own)."""
    return Checklist.objects.owned_by(user).current().first()


def checklist_versions(user: Any) -> Sequence[Checklist]:
    return list(
        Checklist.objects.owned_by(user)
        .select_related("created_by")
        .annotate(item_count=Count("items"))
        .order_by("-version")
    )


# Exports ------------------------------------------------------------------------------


INSPECTION_EXPORT_COLUMNS = [
    Column("school", "学校", width=28),
    Column("township", "乡镇（街道）"),
    Column("kind", "检查类型", width=10),
    Column("subject", "月份或检查活动", width=26),
    Column("inspected_on", "检查日期", width=12),
    Column("status", "状态", width=10),
    Column("submitted_at", "提交时间", width=18),
    Column("timeliness", "报送情况", width=10),
    Column("items", "检查事项数", width=10),
    Column("hazards", "发现隐患", width=10),
]


_EXPORT_FIELDS = (
    "school__name",
    "school__township__name",
    "school__bureau__level",
    "kind",
    "period",
    "campaign__name",
    "inspected_on",
    "status",
    "submitted_at",
    "due_on",
    "items_total",
    "hazards_found",
)


def inspection_export_rows(inspections: QuerySet[Inspection]) -> Iterator[list[Any]]:
    """The export sheet of a filtered inspection list: every row, no paging. Rows are
    read as values, chunk by chunk as the database returns them: no model instances,
    none of a school's other columns (its phone would be decrypted for every row), no
    item results (the bulk of each row, not exported)."""
    kinds, statuses = dict(InspectionKind.choices), dict(InspectionStatus.choices)
    local = timezone.get_current_timezone()
    rows = inspections.values_list(*_EXPORT_FIELDS).iterator(chunk_size=2000)
    for (
        school,
        township,
        level,
        kind,
        period,
        campaign,
        inspected_on,
        status,
        submitted_at,
        due_on,
        items_total,
        hazards_found,
    ) in rows:
        if kind == InspectionKind.SELF:
            subject = f"{period:%Y年%m月}" if period else ""
            on_time = submitted_on_time(submitted_at, due_on)
            timeliness = "" if on_time is None else ("按时" if on_time else "逾期")
        else:
            subject, timeliness = campaign or "", ""
        yield [
            school,
            area_label(township, level),
            kinds.get(kind, kind),
            subject,
            inspected_on,
            statuses.get(status, status),
            submitted_at.astimezone(local).replace(tzinfo=None) if submitted_at else None,
            timeliness,
            items_total or None,
            hazards_found if status == InspectionStatus.SUBMITTED else None,
        ]


MISSING_EXPORT_COLUMNS = [
    Column("township", "乡镇（街道）"),
    Column("school", "学校", width=28),
    Column("kind", "学校类型", width=12),
    Column("principal", "校长（园长）", width=12),
    Column("phone", "联系电话", width=16),
    Column("state", "情况", width=14),
]


def missing_export_rows(report: MissingReport) -> list[list[Any]]:
    """The 未报送 list as a sheet to phone down: who, where, whom to call."""
    return [
        [
            row.school.area_name,
            row.school.name,
            row.school.get_kind_display(),
            row.school.principal,
            row.school.phone,
            row.state,
        ]
        for row in report.rows
    ]
