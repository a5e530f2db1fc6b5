"""Routes of the statistics dashboard and the bureau's targets (views in ``views_dashboard``)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
