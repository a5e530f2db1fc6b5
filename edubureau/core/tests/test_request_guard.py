"""A NUL byte in a query string or a url-encoded form is refused with 400, in Chinese."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
@pytest.mark.parametrize("query", [{"q": "a\x00b"}, {"q\x00": "x"}, {"school": ["1", "\x00"]}])
def test_a_query_with_nul_is_refused_before_any_view(query):
    response = Client().get(reverse("login"), query)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


@pytest.mark.django_db
def test_a_form_post_with_nul_is_refused_and_nothing_is_logged_in():
    client = Client()
    body = urlencode({"username": "admin\x00", "password": "x"})
    response = client.post(reverse("login"), body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_ordinary_text_passes():
    assert Client().get(reverse("login"), {"q": "安全隐患（第1期）"}).status_code == 200
