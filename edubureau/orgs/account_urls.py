"""Account management routes (administrators), part of the ``orgs`` namespace."""

from django.urls import path

from edubureau.orgs import views_accounts as views
from edubureau.orgs import views_two_factor

urlpatterns = [
    path("users/", views.user_list, name="user-list"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/bulk/", views.user_bulk_create, name="user-bulk-create"),
    path("users/<int:user_id>/", views.user_detail, name="user-detail"),
    path("users/<int:user_id>/edit/", views.user_edit, name="user-edit"),
    path(
        "users/<int:user_id>/reset-password/",
        views.user_password_reset,
        name="user-password-reset",
    ),
    path("users/<int:user_id>/deactivate/", views.user_deactivate, name="user-deactivate"),
    path("users/<int:user_id>/reactivate/", views.user_reactivate, name="user-reactivate"),
    path("users/<int:user_id>/unlock/", views.user_unlock, name="user-unlock"),
    path(
        "users/<int:user_id>/sensitive-access/",
        views.user_sensitive_access,
        name="user-sensitive-access",
    ),
    path("users/<int:user_id>/schools/", views.user_inspector_schools, name="user-schools"),
    path(
        "users/<int:user_id>/two-factor-reset/",
        views_two_factor.user_two_factor_reset,
        name="user-two-factor-reset",
    ),
    path("settings/two-factor/", views_two_factor.two_factor_policy, name="two-factor-policy"),
]
