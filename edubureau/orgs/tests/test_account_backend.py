"""Every signed-in request reads its account once, with the bureau and the school: the
middleware asks the bureau for its second-factor rule on every request, and most pages
name the bureau or the school."""

from __future__ import annotations

from django.contrib import auth
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory


def signed_in_request(client_for, user):
    request = RequestFactory().get("/")
    request.session = client_for(user).session
    return request


def test_the_account_comes_with_its_bureau_and_school_in_one_query(
    cast, client_for, django_assert_num_queries
):
    request = signed_in_request(client_for, cast.school_a_officer)
    with django_assert_num_queries(2):  # the session, then the account with both
        user = auth.get_user(request)
        assert user.pk == cast.school_a_officer.pk
        assert user.bureau.name == cast.bureau.name
        assert user.school.name == cast.school_a.name


def test_an_account_without_a_school_is_still_read(cast, client_for):
    request = signed_in_request(client_for, cast.leader)
    user = auth.get_user(request)
    assert user.pk == cast.leader.pk
    assert user.school is None


def test_a_deactivated_account_is_signed_out(cast, client_for):
    request = signed_in_request(client_for, cast.school_a_officer)
    cast.school_a_officer.is_active = False
    cast.school_a_officer.save(update_fields=["is_active"])
    assert isinstance(auth.get_user(request), AnonymousUser)
