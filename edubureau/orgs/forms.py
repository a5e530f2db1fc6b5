from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm

from edubureau.orgs.models import School, Township
from edubureau.orgs.services.schools import SCHOOL_CONTACT_FIELDS


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码错误。连续失败5次,账号将被锁定30分钟。",
        "inactive": "该账号已停用,请联系系统管理员。",
    }


class PasswordForm(PasswordChangeForm):
    pass


class SchoolForm(forms.ModelForm):
    version = forms.CharField(widget=forms.HiddenInput, required=False)

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
        self.fields["township"].queryset = Township.objects.filter(bureau_id=bureau_id)
        if contact_only:
            for name in list(self.fields):
                if name not in (*SCHOOL_CONTACT_FIELDS, "version"):
                    del self.fields[name]

    def validate_unique(self) -> None:
        # The service checks uniqueness inside its transaction (and the database
        # enforces it); checking here too would only race.
        pass


class SchoolImportForm(forms.Form):
    file = forms.FileField(label="Excel文件(.xlsx)")
