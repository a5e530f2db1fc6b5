from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm

from edubureau.core.forms import ImportFileForm, label_choices, model_choices
from edubureau.orgs.models import Role, School, Township, User
from edubureau.orgs.services.schools import SCHOOL_CONTACT_FIELDS


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码错误。连续失败5次，账号将被锁定30分钟。",
        "inactive": "该账号已停用，请联系系统管理员。",
    }


class PasswordForm(PasswordChangeForm):
    pass


class SchoolForm(forms.ModelForm):
    version = forms.CharField(widget=forms.HiddenInput, required=False)
    # The column is encrypted text (no length in the database): the limit lives here.
    phone = forms.CharField(label="联系电话", max_length=40, required=False)

    class Meta:
        model = School
        fields = [
            "identifier",
            "name",
            "kind",
            "ownership",
            "locality",
            "township",
            "address",
            "principal",
            "phone",
            "founded_year",
            "is_active",
        ]

    def __init__(
        self, *args: Any, bureau_id: int, contact_only: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        model_choices(self, "township").queryset = Township.objects.filter(bureau_id=bureau_id)
        if self.instance.pk is not None:
            self.fields["township"].help_text = (
                "改变所在乡镇即乡镇调整：今天以前的记录仍可由原乡镇（学区）查阅，"
                "此后的记录归新乡镇。"
            )
        if contact_only:
            for name in list(self.fields):
                if name not in (*SCHOOL_CONTACT_FIELDS, "version"):
                    del self.fields[name]

    def validate_unique(self) -> None:
        # The service checks uniqueness inside its transaction (and the database
        # enforces it); checking here too would only race.
        pass


class SchoolImportForm(ImportFileForm):
    pass


class DepartmentForm(forms.Form):
    name = forms.CharField(label="名称", max_length=60)
    sort_order = forms.IntegerField(label="排序", min_value=0, max_value=32767)
    is_active = forms.BooleanField(label="启用", required=False)
    leader_in_charge = forms.ModelChoiceField(
        label="分管局领导",
        queryset=User.objects.none(),
        required=False,
        empty_label="未设置（逾期事项报全体局领导）",
        help_text="本股室负责的事项逾期时，督办升级到分管局领导；未设置时通知全体局领导。",
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, bureau_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        leaders = User.objects.filter(
            bureau_id=bureau_id, role=Role.BUREAU_LEADER, is_active=True
        ).order_by("full_name", "pk")
        field = model_choices(self, "leader_in_charge")
        field.queryset = leaders
        label_choices(field, lambda u: u.display_name)


from edubureau.orgs.forms_bureaus import (  # noqa: E402
    AdministratorForm,
    BureauForm,
    SchoolMoveForm,
    TreeImportForm,
)

__all__ = [
    "AdministratorForm",
    "BureauForm",
    "DepartmentForm",
    "LoginForm",
    "PasswordForm",
    "SchoolForm",
    "SchoolImportForm",
    "SchoolMoveForm",
    "TreeImportForm",
]
