"""Routes of the Excel template and workbook import (views in ``views_import``)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
