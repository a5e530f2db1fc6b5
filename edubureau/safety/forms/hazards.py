"""Forms of the hazard pages: the ad hoc report and the four lifecycle actions.

The action forms carry the hidden ``version`` the page was loaded with
(edubureau.core.concurrency); the state machine's rules (which fields each plan
kind needs, who may act) are the lifecycle's, which answers with a Chinese
message the view shows on the form.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from edubureau.core.forms import label_choices, model_choices
from edubureau.rectification.lifecycle import DEFAULT_DEADLINE_WORKING_DAYS
from edubureau.rectification.models import PlanKind, Severity
from edubureau.safety.models import Checklist, ChecklistItem, Hazard, HazardSource
from edubureau.safety.selectors.hazards import (
    report_categories,
    report_items,
    report_schools,
)

MAX_PHOTOS = 9
PHOTO_ACCEPT = "image/jpeg,image/png,image/webp"
_DAYS = DEFAULT_DEADLINE_WORKING_DAYS
DEADLINE_HELP = (
    f"默认按隐患等级以工作日计算（一般{_DAYS[Severity.MINOR]}个、较大{_DAYS[Severity.MAJOR]}个、"
    f"重大{_DAYS[Severity.CRITICAL]}个工作日，节假日顺延），可修改"
)
AD_HOC_SOURCES = [c for c in HazardSource.choices if c[0] != HazardSource.INSPECTION]


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MultiplePhotoInput(forms.ClearableFileInput):
    """Rendered as the inspection form's 拍照 button (``.photo-btn``): the same look on
    the report and rectification forms; without JS the plain input shows inside it."""

    allow_multiple_selected = True
    template_name = "safety/widgets/photo_button.html"


class PhotosField(forms.FileField):
    """Several photos in one input; the server checks each one's content on store."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget", MultiplePhotoInput(attrs={"accept": PHOTO_ACCEPT, "data-photos": ""})
        )
        kwargs.setdefault("help_text", f"JPEG、PNG或WebP格式，每张不超过10MB，最多{MAX_PHOTOS}张")
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        items = data if isinstance(data, list | tuple) else [data]
        files = [super(PhotosField, self).clean(item, initial) for item in items if item]
        if self.required and not files:
            raise forms.ValidationError("请上传照片")
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(f"一次最多上传{MAX_PHOTOS}张照片")
        return files


class VersionedForm(forms.Form):
    """An action form of the detail page. Several share one page, so each gets its own
    element ids (``auto_id``); field names stay plain."""

    id_prefix = "action"
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class HazardReportForm(forms.Form):
    """An ad hoc hazard: found on a walk-around, from a complaint, or in a circular."""

    school: forms.ModelChoiceField = forms.ModelChoiceField(
        label="学校", queryset=None, empty_label="请选择学校"
    )
    source = forms.ChoiceField(label="隐患来源", choices=AD_HOC_SOURCES)
    reported_on = forms.DateField(label="发现日期", widget=_date_widget())
    category: forms.ModelChoiceField = forms.ModelChoiceField(
        label="隐患类别", queryset=None, empty_label="请选择类别"
    )
    item: forms.ModelChoiceField = forms.ModelChoiceField(
        label="对应排查事项",
        queryset=None,
        required=False,
        empty_label="（不对应具体事项）",
        help_text="对应《排查指南》中的事项时，同一事项在本校再次出现会被标记为重复隐患",
    )
    severity = forms.ChoiceField(label="隐患等级", choices=Severity.choices)
    location = forms.CharField(label="隐患部位", max_length=100, required=False)
    description = forms.CharField(
        label="隐患描述", max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    responsible_person = forms.CharField(label="整改责任人", max_length=40, required=False)
    photos = PhotosField(label="隐患照片")

    def __init__(self, *args: Any, user: Any, checklist: Checklist | None, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial", {"reported_on": timezone.localdate(), "severity": Severity.MINOR}
        )
        super().__init__(*args, **kwargs)
        self.checklist = checklist
        schools = report_schools(user)
        model_choices(self, "school").queryset = schools
        if getattr(user, "school_id", None):
            # A school user reports for their own school only: nothing to choose, and
            # a posted value is ignored (a disabled field takes its initial value).
            self.fields["school"].initial = user.school_id
            self.fields["school"].disabled = True
            self.fields["school"].widget = forms.HiddenInput()
        model_choices(self, "category").queryset = report_categories(checklist)
        items = model_choices(self, "item")
        items.queryset = report_items(checklist)
        label_choices(items, lambda i: f"【{i.category.name}】{i.text}")

    def clean_reported_on(self) -> date:
        day: date = self.cleaned_data["reported_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("发现日期不能晚于今天")
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.checklist is None:
            raise forms.ValidationError("本局尚未发布现行的《排查指南》，暂不能登记隐患")
        item: ChecklistItem | None = data.get("item")
        category = data.get("category")
        if item is not None and category is not None and item.category_id != category.pk:
            self.add_error("item", "所选事项不属于所选隐患类别")
        return data


class PlanForm(VersionedForm):
    """The three ways of seed 004 篇二: immediate, by deadline, deferred."""

    id_prefix = "plan"

    kind = forms.ChoiceField(label="整改方式", choices=PlanKind.choices, widget=forms.RadioSelect)
    responsible_person = forms.CharField(label="整改责任人", max_length=40, required=False)
    plan_text = forms.CharField(
        label="整改措施", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    deadline = forms.DateField(
        label="整改期限（限期整改）",
        required=False,
        widget=_date_widget(),
        help_text=DEADLINE_HELP,
    )
    deferral_reason = forms.CharField(
        label="暂无法整改的原因",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    interim_measures = forms.CharField(
        label="临时管控措施",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    escalated_to = forms.CharField(
        label="已报告（上报）至",
        max_length=100,
        required=False,
        help_text="如：县教育局安全股、镇人民政府",
    )
    target_date = forms.DateField(
        label="预计整改日期（暂无法整改，可不填）", required=False, widget=_date_widget()
    )

    def __init__(self, *args: Any, hazard: Hazard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hazard = hazard

    def clean_deadline(self) -> date | None:
        day: date | None = self.cleaned_data.get("deadline")
        # Keeping the deadline already set is fine even if it has passed (the hazard
        # stays overdue); a new deadline must not lie in the past.
        if day is not None and day != self.hazard.deadline and day < timezone.localdate():
            raise forms.ValidationError("整改期限不能早于今天")
        return day

    def clean_target_date(self) -> date | None:
        day: date | None = self.cleaned_data.get("target_date")
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError("预计整改日期不能早于今天")
        return day


class RectifyForm(VersionedForm):
    id_prefix = "rectify"
    evidence_text = forms.CharField(
        label="整改情况说明", max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    rectified_on = forms.DateField(label="整改完成日期", widget=_date_widget())
    photos = PhotosField(label="整改后照片")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rectified_on"].initial = timezone.localdate()


class VerifyForm(VersionedForm):
    """复查: accept, reject with a reason, or, where the verifying bureau allows it
    (``SafetySettings.verify_closes``), accept and close in one step."""

    id_prefix = "verify"
    ACCEPT, ACCEPT_CLOSE, REJECT = "accept", "accept_close", "reject"

    decision = forms.ChoiceField(label="复查结论", choices=[], widget=forms.RadioSelect)
    reason = forms.CharField(
        label="复查意见（不通过时必填原因）",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, can_close: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(self.ACCEPT, "复查通过")]
        if can_close:
            choices.append((self.ACCEPT_CLOSE, "复查通过并销号"))
        choices.append((self.REJECT, "复查不通过，退回整改"))
        self.fields["decision"].choices = choices  # type: ignore[attr-defined]


class CloseForm(VersionedForm):
    id_prefix = "close"
    note = forms.CharField(label="销号说明", max_length=1000, required=False)


class SafetySettingsForm(VersionedForm):
    id_prefix = "settings"
    township_verifies_minor = forms.BooleanField(
        label="中心校（学区）复查销号一般隐患",
        required=False,
        help_text="勾选后，中心校（学区）工作人员可复查、销号本乡镇学校的一般隐患；"
        "较大、重大隐患和上级检查活动中由上级复查的隐患不受影响",
    )
    verify_closes = forms.BooleanField(
        label="复查通过即可销号",
        required=False,
        help_text="勾选后，复查人员可在复查时选择“复查通过并销号”，也可在待复查列表中批量办理；"
        "复查、销号仍须由整改人以外、有复查权限的人员办理，学校不能复查本校隐患",
    )
