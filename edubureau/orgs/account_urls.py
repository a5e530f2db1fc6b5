"""Account management routes (administrators), part of the ``orgs`` namespace."""

from django.urls import path

from edubureau.orgs import views_accounts as views

urlpatterns = [
    path("users/", views.user_list, name="user-list"),
]
