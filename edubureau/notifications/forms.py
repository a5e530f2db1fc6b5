from __future__ import annotations

from typing import Any

from django import forms

from edubureau.core.forms import model_choices
from edubureau.notifications.models import WebhookEndpoint, WebhookKind, webhook_url_validator
from edubureau.orgs.models import School

URL_HELP = (
    "在群设置中添加“群机器人”后复制其Webhook地址。企业微信形如 "
    "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…;钉钉形如 "
    "https://oapi.dingtalk.com/robot/send?access_token=…"
)
SECRET_HELP = "仅钉钉：机器人安全设置选择“加签”时，填写以 SEC 开头的密钥。"
TOPICS_HELP = (
    "逗号分隔，如 safety，plans.task_overdue；填 safety 即接收所有 safety.* 主题。"
    "留空接收全部通知。"
    "若钉钉机器人使用“自定义关键词”，可设关键词为“工作平台”。"
)


class WebhookEndpointForm(forms.Form):
    name = forms.CharField(label="名称", max_length=60)
    kind = forms.ChoiceField(label="类型", choices=WebhookKind.choices)
    url = forms.CharField(
        label="Webhook地址",
        max_length=500,
        validators=[webhook_url_validator],
        widget=forms.URLInput(attrs={"autocomplete": "off"}),
        help_text=URL_HELP,
    )
    secret = forms.CharField(
        label="加签密钥",
        max_length=200,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=SECRET_HELP,
    )
    clear_secret = forms.BooleanField(label="清除已设置的加签密钥", required=False)
    topics = forms.CharField(
        label="订阅主题", max_length=500, required=False, help_text=TOPICS_HELP
    )
    school = forms.ModelChoiceField(
        label="仅限学校",
        queryset=School.objects.none(),
        required=False,
        empty_label="不限（接收全局通知）",
        help_text="选择一所学校后，此群只接收与该校有关的通知（如学校自己的工作群）。",
    )
    is_active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(
        self, *args: Any, bureau_id: int, endpoint: WebhookEndpoint | None = None, **kwargs: Any
    ) -> None:
        if endpoint is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": endpoint.name,
                    "kind": endpoint.kind,
                    "topics": endpoint.topics,
                    "school": endpoint.school_id,
                    "is_active": endpoint.is_active,
                },
            )
        super().__init__(*args, **kwargs)
        model_choices(self, "school").queryset = School.objects.filter(bureau_id=bureau_id)
        if endpoint is None:
            del self.fields["clear_secret"]
            return
        # The stored address and secret are credentials: never put them back into the page.
        self.fields["url"].required = False
        self.fields["url"].help_text = f"当前：{endpoint.masked_url}。留空则保持不变。"
        if endpoint.secret:
            self.fields["secret"].help_text = (
                f"当前：{endpoint.masked_secret}。留空则保持不变。" + SECRET_HELP
            )
        else:
            del self.fields["clear_secret"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == WebhookKind.WECOM and data.get("secret"):
            self.add_error("secret", "企业微信群机器人没有加签设置，请不要填写加签密钥")
        return data
