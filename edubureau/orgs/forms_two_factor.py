"""Forms of the second factor (TOTP): the sign-in's second step, enrolment, disabling,
and the bureau's requirement."""

from __future__ import annotations

from django import forms

from edubureau.orgs.two_factor import TwoFactorGroup

_CODE_ATTRS = {"autocomplete": "one-time-code", "autofocus": True, "autocapitalize": "off"}


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label="动态验证码",
        max_length=20,
        widget=forms.TextInput(attrs=_CODE_ATTRS),
        help_text="打开手机上的身份验证器，输入“教育局工作平台”的6位数字；手机丢失时可输入一个恢复码。",
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label="验证码",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={**_CODE_ATTRS, "inputmode": "numeric", "pattern": "[0-9]*"}),
        help_text="扫码后，输入身份验证器显示的6位数字。",
    )


class DisableForm(forms.Form):
    password = forms.CharField(
        label="当前密码",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label="动态验证码（或恢复码）",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "off"}),
    )


class TwoFactorPolicyForm(forms.Form):
    groups = forms.MultipleChoiceField(
        label="须启用两步验证的账号",
        choices=TwoFactorGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="勾选的账号登录时，除密码外还须输入手机身份验证器上的动态验证码；"
        "尚未设置的账号登录后须先完成设置，才能使用其他功能和接口。",
    )
