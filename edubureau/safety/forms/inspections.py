"""Forms of the inspection, campaign and checklist pages.

The inspection form itself is rendered item by item by its template (three big radio
buttons per item, a note, hazard details and a camera input); its fields are named
``r_<item id>`` (result), ``n_`` (note), ``d_`` (hazard description), ``l_``
(location), ``s_`` (severity) and ``photo_<item id>``, and are read by
:func:`parse_entries` / :func:`parse_photos`. A post may carry only some items (the
autosave posts the one that changed): only the items posted are merged.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import IO, Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from edubureau.core.forms import label_choices, model_choices
from edubureau.orgs.models import (
    DIRECT_LABELS,
    Bureau,
    BureauLevel,
    Role,
    School,
    SchoolKind,
    Township,
    User,
)
from edubureau.orgs.scoping import schools_visible_to
from edubureau.rectification.models import Severity
from edubureau.safety.models import Checklist, ChecklistCategory, InspectionKind
from edubureau.safety.services.campaigns import CAMPAIGN_KINDS
from edubureau.safety.services.inspections import Header, ItemEntry

GENERAL_PHOTO_FIELD = "photo_general"
MAX_PHOTOS_PER_POST = 20


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


_ENTRY_PREFIXES = ("r", "n", "d", "l", "s")
_ENTRY_FIELD = re.compile(rf"([{''.join(_ENTRY_PREFIXES)}])_([1-9][0-9]{{0,8}})")
_PHOTO_FIELD = re.compile(r"photo_([1-9][0-9]{0,8})")


def parse_entries(data: Mapping[str, Any]) -> dict[int, ItemEntry]:
    """The posted answers, by item id, of the items whose fields are present in
    ``data``. Which items those may be is the service's check (an id that is not one
    of the inspection's items is refused there), so the form is parsed before, and
    without, reading the inspection."""
    # One pass over the fields (a whole form posts ~450 of them), the last value of
    # each, as ``data.get`` would read it.
    fields: dict[int, dict[str, str]] = {}
    for name, value in data.items():
        if m := _ENTRY_FIELD.fullmatch(name):
            fields.setdefault(int(m[2]), {})[m[1]] = str(value or "").strip()
    entries: dict[int, ItemEntry] = {}
    for pk in sorted(fields):
        f = fields[pk]
        entries[pk] = ItemEntry(
            result=f.get("r", ""),
            note=f.get("n", ""),
            description=f.get("d", ""),
            location=f.get("l", ""),
            severity=f.get("s", ""),
        )
    return entries


def parse_photos(files: Any) -> dict[int | None, list[IO[bytes]]]:
    """Photos posted with the whole form (the no-JavaScript path), by item id (None:
    the whole visit's); the service checks that each item is the inspection's."""
    photos: dict[int | None, list[IO[bytes]]] = {}
    if not files:
        return photos  # the usual post: photos are uploaded one by one as they are taken
    for name in files:
        if name == GENERAL_PHOTO_FIELD:
            key: int | None = None
        elif m := _PHOTO_FIELD.fullmatch(name):
            key = int(m[1])
        else:
            continue
        uploads = [f for f in files.getlist(name) if f]
        if uploads:
            photos[key] = uploads
    if sum(len(v) for v in photos.values()) > MAX_PHOTOS_PER_POST:
        raise forms.ValidationError(f"一次最多上传{MAX_PHOTOS_PER_POST}张照片")
    return photos


def parse_client_id(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value or ""))
    except ValueError:
        return None


class HeaderForm(forms.Form):
    """The inspection's header: date, who led it, who took part, overall remarks."""

    inspected_on = forms.DateField(label="检查日期", widget=_date_widget())
    leader = forms.CharField(label="带队人", max_length=40, required=False)
    participants = forms.CharField(label="参加人员", max_length=200, required=False)
    summary = forms.CharField(
        label="总体情况",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def header(self) -> Header:
        d = self.cleaned_data
        return Header(
            inspected_on=d["inspected_on"],
            leader=d["leader"],
            participants=d["participants"],
            summary=d["summary"],
        )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label="退回原因",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="写明需要学校修改或补充的内容",
    )


# Campaigns -----------------------------------------------------------------------


class CampaignForm(forms.Form):
    """A campaign and its scope: schools picked by county (a city's or the province's
    form), township and/or kind, or one by one, all among ``schools_visible_to``."""

    name = forms.CharField(
        label="名称", max_length=100, help_text="如 2026年秋季开学前安全专项检查"
    )
    kind = forms.ChoiceField(
        label="检查类型", choices=[c for c in InspectionKind.choices if c[0] in CAMPAIGN_KINDS]
    )
    theme = forms.CharField(
        label="主题", max_length=40, required=False, help_text="如 开学前、汛期、节前"
    )
    starts_on = forms.DateField(label="开始日期", widget=_date_widget())
    ends_on = forms.DateField(label="结束日期", widget=_date_widget())
    checklist = forms.ModelChoiceField(
        label="排查指南",
        queryset=Checklist.objects.none(),
        required=False,
        empty_label="现行版本",
    )
    bureaus = forms.ModelMultipleChoiceField(
        label="按县（区）选择",
        queryset=Bureau.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="所选县（区）的全部学校；“市直学校”为本局直属学校（可与学校类型组合）",
    )
    townships = forms.ModelMultipleChoiceField(
        label="按乡镇选择",
        queryset=Township.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="所选乡镇的全部学校（可与学校类型组合）",
    )
    kinds = forms.MultipleChoiceField(
        label="按学校类型选择",
        choices=SchoolKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    schools = forms.ModelMultipleChoiceField(
        label="逐校选择",
        queryset=School.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="可再单独加入学校",
    )
    team = forms.ModelMultipleChoiceField(
        label="检查组成员",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    verification_delegated = forms.BooleanField(
        label="复查销号交由学校所属县（区）教育局",
        required=False,
        help_text="不勾选时，下级县（区）学校的隐患由本局复查销号，县（区）安全股跟踪整改",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        model_choices(self, "townships").queryset = Township.objects.visible_to(user)
        # A campaign is filled against its own bureau's checklist.
        model_choices(self, "checklist").queryset = Checklist.objects.owned_by(user)
        model_choices(self, "schools").queryset = (
            schools_visible_to(user).filter(is_active=True).order_by("township", "name")
        )
        below = Bureau.objects.visible_to(user).filter(parent_id=user.bureau_id)
        if below.exists():
            bureaus = model_choices(self, "bureaus")
            bureaus.queryset = Bureau.objects.visible_to(user).filter(
                pk__in=[user.bureau_id, *below.values_list("pk", flat=True)]
            )
            label_choices(
                bureaus,
                lambda b: (
                    f"{DIRECT_LABELS.get(BureauLevel(b.level), '直属')}学校"
                    if b.pk == user.bureau_id
                    else b.display_name
                ),
            )
        else:
            # A county's form: no bureau below to pick, nobody to delegate to.
            del self.fields["bureaus"]
            del self.fields["verification_delegated"]
        model_choices(self, "team").queryset = User.objects.filter(
            bureau_id=user.bureau_id,
            is_active=True,
            role__in=[Role.DEPARTMENT_STAFF, Role.INSPECTOR, Role.BUREAU_LEADER],
        ).order_by("role", "full_name", "username")
        label_choices(
            model_choices(self, "team"),
            lambda u: (
                f"{u.display_name}（{u.department.name if u.department else u.get_role_display()}）"
            ),
        )
        if not self.is_bound:
            self.initial.setdefault("starts_on", timezone.localdate())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "结束日期不能早于开始日期")
        data["scope"] = self.scope(data)
        if not data["scope"]:
            raise forms.ValidationError("请选择检查范围：按乡镇、按学校类型或逐校选择至少一所学校")
        return data

    def scope(self, data: Mapping[str, Any]) -> list[School]:
        """Schools matching the county, township and kind filters, plus those picked one
        by one. A county is its whole subtree; the user's own bureau, its own schools."""
        bureaus = data.get("bureaus") or []
        townships = data.get("townships") or []
        kinds = data.get("kinds") or []
        chosen: dict[int, School] = {}
        if bureaus or townships or kinds:
            qs: QuerySet[School] = schools_visible_to(self.user).filter(is_active=True)
            if bureaus:
                rule = Q(pk__in=[])
                for b in bureaus:
                    own = b.pk == self.user.bureau_id
                    rule |= Q(bureau=b) if own else Q(bureau__path__startswith=b.path)
                qs = qs.filter(rule)
            if townships:
                qs = qs.filter(township__in=townships)
            if kinds:
                qs = qs.filter(kind__in=kinds)
            chosen.update({s.pk: s for s in qs})
        chosen.update({s.pk: s for s in data.get("schools") or []})
        return list(chosen.values())


# Checklists ----------------------------------------------------------------------


class ChecklistItemForm(forms.Form):
    """Edit or add one item; saving makes a new checklist version with the note."""

    category = forms.ModelChoiceField(label="所属大类", queryset=ChecklistCategory.objects.none())
    text = forms.CharField(label="排查事项", max_length=200)
    guidance = forms.CharField(
        label="合格标准",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="写明怎样才算合格，检查人据此判断",
    )
    basis = forms.CharField(
        label="依据", max_length=200, required=False, help_text="如《中小学幼儿园安全管理办法》"
    )
    default_severity = forms.ChoiceField(label="默认隐患等级", choices=Severity.choices)
    applies_to = forms.MultipleChoiceField(
        label="适用学校类型",
        choices=SchoolKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="都不选表示适用于所有类型",
    )
    note = forms.CharField(label="修订说明", max_length=200, help_text="将作为新版本的修订说明")
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, checklist: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choices(self, "category").queryset = checklist.categories.order_by("sort_order")


class ChecklistRemoveForm(forms.Form):
    note = forms.CharField(label="修订说明", max_length=200, help_text="如 删除重复事项")
    version = forms.IntegerField(widget=forms.HiddenInput)
