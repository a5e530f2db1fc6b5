"""Every answer carries a request id; a server error shows it (and nothing else) and
the log lines of that request carry it too."""

from __future__ import annotations

import logging

import pytest
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path

from edubureau.core.request_id import RequestIdFilter


def crash(request):
    raise RuntimeError("secret internal detail")


def fine(request):
    logging.getLogger("edubureau.test").warning("handled")
    return HttpResponse("ok")


urlpatterns = [path("crash/", crash), path("fine/", fine)]
handler500 = "edubureau.core.request_id.server_error"


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_shows_the_request_id_and_no_details():
    response = Client(raise_request_exception=False).get("/crash/")
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    assert len(request_id) == 16
    text = response.content.decode()
    assert f'请求编号：<code data-testid="request-id">{request_id}</code>' in text
    assert "secret internal detail" not in text and "Traceback" not in text


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_log_lines_of_a_request_carry_its_id_and_a_proxys_id_is_kept(caplog):
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.WARNING, logger="edubureau.test"):
        response = Client().get("/fine/", headers={"X-Request-ID": "proxy-abc-12345"})
    assert response["X-Request-ID"] == "proxy-abc-12345"
    assert [r.request_id for r in caplog.records if r.name == "edubureau.test"] == [
        "proxy-abc-12345"
    ]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_malformed_incoming_id_is_replaced():
    response = Client().get("/fine/", headers={"X-Request-ID": "x\nFORGED LOG LINE"})
    assert response["X-Request-ID"] != "x\nFORGED LOG LINE"
    assert len(response["X-Request-ID"]) == 16
