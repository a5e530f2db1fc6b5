"""A webhook address is shown (masked) in the edit form's help text: whatever it
contains comes back escaped."""

from __future__ import annotations

from django.urls import reverse

from edubureau.notifications.models import WebhookEndpoint, WebhookKind

PAYLOAD = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def test_a_crafted_address_comes_back_escaped_in_the_edit_form(cast, client_for):
    endpoint = WebhookEndpoint.objects.create(
        bureau=cast.bureau,
        name="企微群",
        kind=WebhookKind.WECOM,
        url=f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send/{PAYLOAD}?key=693a91f6-7a1b-5aaa",
    )
    response = client_for(cast.admin).get(reverse("notifications:webhook-edit", args=[endpoint.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "<script>alert(1)</script>" not in text
    assert "<img src=x" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
