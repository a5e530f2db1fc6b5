"""Routes of the statistics dashboard and the bureau's targets (views in ``views_dashboard``)."""

from django.urls import URLPattern, path

from edubureau.stats import views_dashboard as views

urlpatterns: list[URLPattern] = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/schools/", views.dashboard_schools, name="dashboard-schools"),
    path("targets/", views.targets, name="targets"),
    path("targets/<int:target_id>/edit/", views.target_edit, name="target-edit"),
    path("targets/<int:target_id>/delete/", views.target_delete, name="target-delete"),
]
