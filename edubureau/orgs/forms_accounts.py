"""Forms of the account pages. They parse input only; the combination rules
(a school user needs a school…) live in :mod:`edubureau.orgs.services.accounts`,
whose errors are attached back to these fields."""

from __future__ import annotations

from typing import Any

from django import forms

from edubureau.core.forms import model_choices
from edubureau.core.roles import administrator_role_choices
from edubureau.orgs.models import (
    Department,
    School,
    SchoolKind,
    SchoolPosition,
    Township,
    User,
)
from edubureau.orgs.services.accounts import BULK_POSITIONS


def _departments(actor: User) -> Any:
    return Department.objects.writable_by(actor).filter(is_active=True)


def _schools(actor: User) -> Any:
    return (
        School.objects.writable_by(actor)
        .active()
        .select_related("township")
        .order_by("township__sort_order", "township_id", "kind", "name")
    )


class SchoolChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: School) -> str:
        return f"{obj.name}（{obj.identifier}）"


class _RoleFields(forms.Form):
    """Role and the fields that go with it; shared by creation and editing."""

    role = forms.ChoiceField(label="角色", choices=administrator_role_choices)
    department = forms.ModelChoiceField(
        label="所属股室",
        queryset=Department.objects.none(),
        required=False,
        help_text="股室工作人员必填",
    )
    school = SchoolChoiceField(
        label="所属学校",
        queryset=School.objects.none(),
        required=False,
        help_text="学校用户必填",
    )
    school_position = forms.ChoiceField(
        label="学校岗位",
        choices=[("", "—"), *SchoolPosition.choices],
        required=False,
        help_text="学校用户必填",
    )
    read_only = forms.BooleanField(
        label="只读", required=False, help_text="只读的学校用户只能查看本校记录，不能修改"
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choices(self, "department").queryset = _departments(actor)
        model_choices(self, "school").queryset = _schools(actor)


class UserCreateForm(_RoleFields):
    username = forms.CharField(
        label="用户名", max_length=150, help_text="登录用，建议用拼音或手机号；创建后不可修改"
    )
    full_name = forms.CharField(label="姓名", max_length=40, required=False)
    phone = forms.CharField(label="手机号", max_length=20, required=False)
    assigned_schools = forms.ModelMultipleChoiceField(
        label="督导学校",
        queryset=School.objects.none(),
        required=False,
        help_text="仅责任督学；可稍后在账号页面调整",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    field_order = ["username", "full_name", "phone", "role"]

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        model_choices(self, "assigned_schools").queryset = _schools(actor)


class UserEditForm(_RoleFields):
    full_name = forms.CharField(label="姓名", max_length=40, required=False)
    phone = forms.CharField(label="手机号", max_length=20, required=False)
    version = forms.CharField(widget=forms.HiddenInput, required=False)
    field_order = ["full_name", "phone", "role"]


class BulkAccountsForm(forms.Form):
    MISSING = "missing"
    SELECTED = "selected"

    mode = forms.ChoiceField(
        label="创建范围",
        choices=[
            (MISSING, "筛选范围内所有尚缺账号的在办学校"),
            (SELECTED, "仅下表中勾选的学校"),
        ],
        initial=MISSING,
        widget=forms.RadioSelect,
    )
    positions = forms.MultipleChoiceField(
        label="岗位",
        choices=[(p, SchoolPosition(p).label) for p in BULK_POSITIONS],
        initial=list(BULK_POSITIONS),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一个岗位"},
    )
    schools = forms.ModelMultipleChoiceField(queryset=School.objects.none(), required=False)
    township = forms.ModelChoiceField(queryset=Township.objects.none(), required=False)
    kind = forms.ChoiceField(choices=[("", "全部"), *SchoolKind.choices], required=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choices(self, "schools").queryset = School.objects.writable_by(actor)
        model_choices(self, "township").queryset = Township.objects.visible_to(actor)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") == self.SELECTED and not data.get("schools"):
            self.add_error("schools", "请在下表中勾选学校")
        return data


class SensitiveAccessForm(forms.Form):
    enabled = forms.TypedChoiceField(
        label="学生敏感信息查看权限",
        choices=[("1", "开启"), ("0", "关闭")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="原因",
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="开启时必填，将记入审计日志",
    )


class InspectorSchoolsForm(forms.Form):
    schools = forms.ModelMultipleChoiceField(
        label="督导学校", queryset=School.objects.none(), required=False
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choices(self, "schools").queryset = _schools(actor)
