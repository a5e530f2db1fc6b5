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


@pytest.mark.django_db
def test_a_multipart_post_with_nul_in_a_field_no_form_reads_is_refused(cast, settings, tmp_path):
    # The inspection form's item notes (n_<item id>) are read from request.POST by hand;
    # a NUL there was a server error on PostgreSQL before the guard read multipart too.
    settings.MEDIA_ROOT = tmp_path
    client = Client()
    client.force_login(cast.school_a_officer)
    url = reverse("safety:self-inspection-new")
    response = client.post(url, {"inspected_on": "2026-01-05", "n_1": "\x00", "r_1": "pass"})
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
    ordinary = client.post(url, {"inspected_on": "x", "n_1": "备注"})
    assert "NUL" not in ordinary.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary="])
def test_a_body_that_claims_multipart_and_is_not_is_a_400_in_chinese(cast, content_type):
    # Reading the body at the door must not turn a malformed one into a server error.
    client = Client(raise_request_exception=False)
    client.force_login(cast.school_a_officer)
    url = reverse("safety:self-inspection-new")
    response = client.post(url, b"garbage", content_type=content_type)
    assert response.status_code == 400
    assert "表单数据格式错误" in response.content.decode()
