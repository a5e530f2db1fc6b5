from django.urls import path

from edubureau.safety.views import hazards as views

# Object routes first: the generic isolation check walks routes in order and creates
# school B's hazard for the first one, so the list and export are then checked with
# a row that must not leak.
urlpatterns = [
    path("hazards/<int:hazard_id>/", views.hazard_detail, name="hazard-detail"),
    path("hazards/<int:hazard_id>/plan/", views.hazard_plan, name="hazard-plan"),
    path("hazards/<int:hazard_id>/rectify/", views.hazard_rectify, name="hazard-rectify"),
    path("hazards/<int:hazard_id>/verify/", views.hazard_verify, name="hazard-verify"),
    path("hazards/<int:hazard_id>/close/", views.hazard_close, name="hazard-close"),
    path("hazards/photos/<int:hazardphoto_id>/", views.hazard_photo, name="hazard-photo"),
    path("hazards/bureaus/<int:bureau_id>/chase/", views.bureau_chase, name="hazard-bureau-chase"),
    path("hazards/", views.hazard_list, name="hazard-list"),
    path("hazards/export/", views.hazard_export, name="hazard-export"),
    path("hazards/new/", views.hazard_report, name="hazard-report"),
    path("hazards/bureaus/", views.hazard_bureaus, name="hazard-bureaus"),
    path("hazards/settings/", views.safety_settings, name="safety-settings"),
    path("hazards/verify/", views.hazard_bulk_verify, name="hazard-bulk-verify"),
]
