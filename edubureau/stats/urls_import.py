"""Routes of the Excel template and workbook import (views in ``views_import``)."""

from django.urls import URLPattern, path

from edubureau.stats import views_import

urlpatterns: list[URLPattern] = [
    path("excel/template/", views_import.import_template, name="import-template"),
    path("excel/upload/", views_import.import_upload, name="import-upload"),
    path("excel/<int:batch_id>/", views_import.import_detail, name="import-detail"),
    path("excel/<int:batch_id>/apply/", views_import.import_apply, name="import-apply"),
    path("excel/<int:batch_id>/discard/", views_import.import_discard, name="import-discard"),
]
