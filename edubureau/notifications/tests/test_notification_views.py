from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse

from edubureau.audit.models import Action, AuditEvent
from edubureau.notifications.context_processors import unread_notifications
from edubureau.notifications.models import Notification
from edubureau.notifications.services import notify


def _note(user, title="通知", **kwargs) -> Notification:
    return notify(recipients=[user], title=title, **kwargs)[0]


def _titles(response) -> list[str]:
    return [n.title for n in response.context["page"]]


def test_it_lists_only_the_users_own_notifications_unread_first(cast, client_for):
    old_unread = _note(cast.school_a_officer, "旧的未读")
    read = _note(cast.school_a_officer, "新的已读")
    Notification.objects.filter(pk=old_unread.pk).update(
        created_at=read.created_at - dt.timedelta(hours=1)
    )
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    _note(cast.school_b_officer, "乙校的通知")
    client = client_for(cast.school_a_officer)
    url = reverse("notifications:list")
    response = client.get(url)
    assert _titles(response) == ["旧的未读", "新的已读"]
    assert "乙校的通知" not in response.content.decode()
    assert _titles(client.get(url, {"show": "unread"})) == ["旧的未读"]
    assert _titles(client.get(url, {"show": "bogus"})) == ["旧的未读", "新的已读"]


def test_it_shows_the_unread_count_in_the_header(cast, client_for):
    _note(cast.leader)
    _note(cast.leader)
    _note(cast.safety_staff)
    response = client_for(cast.leader).get(reverse("home"))
    assert response.context["unread_notifications"] == 2
    assert '<span class="badge" data-testid="unread-count">2</span>' in response.content.decode()


def test_it_counts_unread_in_one_query(cast, django_assert_num_queries):
    _note(cast.leader)
    request = RequestFactory().get("/")
    request.user = cast.leader
    with django_assert_num_queries(1):
        assert unread_notifications(request) == {"unread_notifications": 1}


def test_it_counts_nothing_for_anonymous_users():
    # No database access is allowed in this test: a query would raise.
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert unread_notifications(request) == {"unread_notifications": 0}


def test_it_marks_one_notification_read(cast, client_for):
    note = _note(cast.leader)
    other = _note(cast.leader)
    response = client_for(cast.leader).post(reverse("notifications:mark-read", args=[note.pk]))
    assert response.status_code == 302
    note.refresh_from_db()
    other.refresh_from_db()
    assert note.read_at is not None and other.read_at is None


def test_it_answers_htmx_with_the_inbox_fragment_and_the_new_badge(cast, client_for):
    note = _note(cast.leader, "甲")
    _note(cast.leader, "乙")
    response = client_for(cast.leader).post(
        reverse("notifications:mark-read", args=[note.pk]),
        {"show": "unread"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and 'id="inbox"' in body
    assert _titles(response) == ["乙"]
    assert 'hx-swap-oob="outerHTML:.usermenu .bell"' in body
    assert 'data-testid="unread-count">1</span>' in body


def test_it_marks_all_read(cast, client_for):
    for _ in range(3):
        _note(cast.leader)
    mine_elsewhere = _note(cast.safety_staff)
    client = client_for(cast.leader)
    response = client.post(reverse("notifications:mark-all-read"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'data-testid="unread-count"' not in response.content.decode()
    assert not Notification.objects.filter(recipient=cast.leader, read_at__isnull=True).exists()
    mine_elsewhere.refresh_from_db()
    assert mine_elsewhere.read_at is None
    response = client.post(reverse("notifications:mark-all-read"))
    assert response.status_code == 302


def test_it_marks_read_on_open_and_follows_the_site_link(cast, client_for):
    note = _note(cast.leader, link="/schools/?kind=primary")
    response = client_for(cast.leader).get(reverse("notifications:open", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == "/schools/?kind=primary"
    note.refresh_from_db()
    assert note.read_at is not None


def test_it_never_redirects_off_site(cast, client_for):
    note = _note(cast.leader)
    for link in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        # Written past the service's own check, as a corrupted row would be.
        Notification.objects.filter(pk=note.pk).update(link=link)
        response = client_for(cast.leader).get(reverse("notifications:open", args=[note.pk]))
        assert response["Location"] == reverse("notifications:list")


def test_it_hides_another_users_notification(cast, client_for):
    note = _note(cast.school_b_officer, "乙校的通知")
    client = client_for(cast.school_a_officer)
    assert client.get(reverse("notifications:open", args=[note.pk])).status_code == 404
    assert client.post(reverse("notifications:mark-read", args=[note.pk])).status_code == 404
    client.post(reverse("notifications:mark-all-read"))
    note.refresh_from_db()
    assert note.read_at is None
    denied = AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=cast.school_a_officer)
    assert (
        denied.filter(model_label="notifications.Notification", object_id=str(note.pk)).count() == 2
    )


def test_it_hides_notifications_even_from_the_administrator(cast, client_for):
    note = _note(cast.leader)
    response = client_for(cast.admin).get(reverse("notifications:open", args=[note.pk]))
    assert response.status_code == 404
