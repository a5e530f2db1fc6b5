"""Forms of the tree's administration: child bureaus, their administrators, moving a
school, importing a workbook."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from edubureau.core.forms import ImportFileForm, label_choices, model_choices
from edubureau.orgs.models import Bureau, BureauLevel, School, Township, User


class BureauForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100, help_text="如“瑶海区教育体育局”")
    short_name = forms.CharField(label="简称", max_length=40, required=False)
    region_code = forms.CharField(
        label="行政区划代码", max_length=6, min_length=6, help_text="6位数字，如340102"
    )
    issuer_code = forms.CharField(label="发文机关代字", max_length=20, help_text="如“瑶教发”")
    address = forms.CharField(label="地址", max_length=200, required=False)
    phone = forms.CharField(label="电话", max_length=40, required=False)
    go_live = forms.DateField(
        label="启用日期",
        required=False,
        help_text="本局学校开始使用本系统的日期；此前的月份不计缺报，也不作同比",
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class AdministratorForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    full_name = forms.CharField(label="姓名", max_length=40, required=False)
    phone = forms.CharField(label="手机号", max_length=20, required=False)


class SchoolMoveForm(forms.Form):
    to_bureau = forms.ModelChoiceField(label="调入教育局", queryset=Bureau.objects.none())
    township = forms.ModelChoiceField(
        label="所在乡镇（街道）",
        queryset=Township.objects.none(),
        required=False,
        help_text="调入县（区）时必选；调为市直、省直学校时留空",
    )
    moved_on = forms.DateField(
        label="调整日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="此日期之前的检查、隐患、演练等记录仍计入原教育局，原教育局可查看、不可修改",
    )
    reason = forms.CharField(label="调整原因", max_length=200, required=False)

    def __init__(self, *args: Any, user: User, school: School, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("moved_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        from edubureau.orgs.services.bureaus import move_targets

        bureaus = move_targets(user).exclude(pk=school.bureau_id).order_by("path")
        field = model_choices(self, "to_bureau")
        field.queryset = bureaus
        label_choices(field, lambda b: f"{b.name}（{BureauLevel(b.level).label}）")
        townships = model_choices(self, "township")
        townships.queryset = (
            Township.objects.filter(bureau__in=move_targets(user), bureau__level="county")
            .select_related("bureau")
            .order_by("bureau__path", "sort_order")
        )
        label_choices(townships, lambda t: f"{t.bureau.display_name} · {t.name}")


class TreeImportForm(ImportFileForm):
    pass
