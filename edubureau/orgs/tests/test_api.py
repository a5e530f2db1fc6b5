from __future__ import annotations

from django.test import Client
from rest_framework.authtoken.models import Token

from edubureau.audit.models import Action, AuditEvent
from edubureau.testing.factories import TEST_PASSWORD


def test_it_lists_only_visible_schools(cast, client_for):
    body = client_for(cast.school_a_officer).get("/api/v1/schools/").json()
    assert [s["identifier"] for s in body["results"]] == [cast.school_a.identifier]
    body = client_for(cast.leader).get("/api/v1/schools/", {"kind": "junior"}).json()
    assert [s["name"] for s in body["results"]] == [cast.school_b.name]


def test_it_hides_another_schools_detail_and_audits_the_attempt(cast, client_for):
    client = client_for(cast.inspector)
    assert client.get(f"/api/v1/schools/{cast.school_a.pk}/").status_code == 200
    response = client.get(f"/api/v1/schools/{cast.school_b.pk}/")
    assert response.status_code == 404
    event = AuditEvent.objects.get(action=Action.ACCESS_DENIED, actor=cast.inspector)
    assert event.school_id == cast.school_b.pk


def test_it_keeps_bureaus_apart(cast, client_for):
    body = client_for(cast.other_admin).get("/api/v1/townships/").json()
    assert [t["name"] for t in body["results"]] == ["丙镇"]
    assert (
        client_for(cast.other_admin).get(f"/api/v1/departments/{cast.office.pk}/").status_code
        == 404
    )


def test_it_describes_the_current_user(cast, client_for):
    body = client_for(cast.school_a_officer).get("/api/v1/me/").json()
    assert body["school_name"] == cast.school_a.name
    assert body["role"] == "school_user"


def test_it_authenticates_with_a_token(cast):
    response = Client().post(
        "/api/v1/auth/token/", {"username": "a_officer", "password": TEST_PASSWORD}
    )
    token = response.json()["token"]
    assert Token.objects.get(user=cast.school_a_officer).key == token
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/me/").json()["username"] == "a_officer"
    assert len(api.get("/api/v1/schools/").json()["results"]) == 1


def test_it_refuses_anonymous_and_bad_tokens(cast):
    assert Client().get("/api/v1/schools/").status_code in (401, 403)
    assert Client(HTTP_AUTHORIZATION="Token nope").get("/api/v1/schools/").status_code == 401


def test_it_counts_token_failures_towards_the_lockout(cast):
    for _ in range(5):
        Client().post("/api/v1/auth/token/", {"username": "a_officer", "password": "bad"})
    response = Client().post(
        "/api/v1/auth/token/", {"username": "a_officer", "password": TEST_PASSWORD}
    )
    assert response.status_code != 200


def test_it_serves_the_openapi_schema(cast, client_for):
    response = client_for(cast.leader).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json() if response["Content-Type"].startswith("application/json") else None
    text = response.content.decode()
    assert "/api/v1/schools/{school_id}/" in text
    assert schema is None or "paths" in schema
