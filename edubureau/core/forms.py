from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from edubureau.core.excel import CHECK_ONLY_LABEL
from edubureau.core.import_kinds import inline_rows
from edubureau.core.models import MAX_YEAR, MIN_YEAR

SCHEDULE_HELP = (
    "每行一条：日期（或“开始日期至结束日期”）、节日名称、放假或上班，用空格分隔。例如：<br>"
    "2027-01-01 元旦 放假<br>"
    "2027-02-06至2027-02-12 春节 放假<br>"
    "2027-02-14 春节 上班<br>"
    "放假区间请包含其中的周六、周日；保存后将整体替换该年已录入的安排。"
)


class CalendarYearForm(forms.Form):
    """A year's official schedule, pasted as text (parsed by calendar_text_parse)."""

    published_on = forms.DateField(
        label="通知发布日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(
        label="文号或说明",
        max_length=200,
        required=False,
        help_text="如 国办发明电〔2026〕×号",
    )
    schedule = forms.CharField(
        label="节假日安排",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        help_text=SCHEDULE_HELP,
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)


class WorkingDayCalculatorForm(forms.Form):
    """Start date + n working days, for staff who set deadlines by hand."""

    start = forms.DateField(
        label="起始日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    n = forms.IntegerField(
        label="工作日数",
        min_value=-1000,
        max_value=1000,
        help_text="正数向后推算，负数向前推算；0表示起始日当天或之后的第一个工作日。",
    )

    def clean_start(self) -> date:
        start = self.cleaned_data["start"]
        # Stay well inside the years the calendar can reason about.
        if not MIN_YEAR <= start.year <= MAX_YEAR - 5:
            raise forms.ValidationError(f"起始日期应在{MIN_YEAR}年至{MAX_YEAR - 5}年之间")
        return start


def model_choices(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """The form's (multiple) model choice field ``name``, typed: forms narrow its
    queryset to what the user may pick."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


def label_choices(field: forms.ModelChoiceField, label: Callable[[Any], str]) -> None:
    """Show each option as ``label(obj)`` instead of ``str(obj)`` (Django's documented
    hook is overriding ``label_from_instance``; this sets it on one form's field)."""
    field.label_from_instance = label  # type: ignore[method-assign,assignment]


def validation_text(exc: ValidationError) -> str:
    """A service's refusal as one line (for a command's error): “字段：原因；…”."""
    if hasattr(exc, "error_dict"):
        return "；".join(
            f"{key}：{'、'.join(m for e in errors for m in e.messages)}"
            for key, errors in exc.error_dict.items()
        )
    return "；".join(exc.messages)


class ImportFileForm(forms.Form):
    """An Excel import's form: the file, and whether to only check it (a dry run,
    :func:`edubureau.core.excel.rehearse`)."""

    file = forms.FileField(label="Excel文件（.xlsx）")
    check_only = forms.BooleanField(
        label=CHECK_ONLY_LABEL,
        required=False,
        help_text="逐行检查并报告导入后将新增、更新多少条，不写入任何数据",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[
            "file"
        ].help_text = f"超过{inline_rows()}行的文件在后台导入：可以离开页面，完成后在“通知”里提醒您"
