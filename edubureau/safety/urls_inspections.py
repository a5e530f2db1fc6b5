from django.urls import path

from edubureau.safety.views import inspections as views

urlpatterns = [
    path("inspections/", views.inspection_list, name="inspection-list"),
    path("inspections/self/", views.self_inspection_new, name="self-inspection-new"),
    path("inspections/missing/", views.self_inspection_missing, name="self-inspection-missing"),
    path("inspections/missing/chase/", views.self_inspection_chase, name="self-inspection-chase"),
    path(
        "inspections/missing/export/",
        views.self_inspection_missing_export,
        name="self-inspection-missing-export",
    ),
    path("inspections/export/", views.inspection_export, name="inspection-export"),
    path("inspections/<int:inspection_id>/", views.inspection_detail, name="inspection-detail"),
    path("inspections/<int:inspection_id>/edit/", views.inspection_edit, name="inspection-edit"),
    path(
        "inspections/<int:inspection_id>/return/",
        views.inspection_return,
        name="inspection-return",
    ),
    path(
        "inspections/<int:inspection_id>/photos/",
        views.inspection_photo_upload,
        name="inspection-photo-upload",
    ),
    path(
        "inspections/photos/<int:inspectionphoto_id>/",
        views.inspection_photo,
        name="inspection-photo",
    ),
    path(
        "inspections/photos/<int:inspectionphoto_id>/delete/",
        views.inspection_photo_delete,
        name="inspection-photo-delete",
    ),
    path("campaigns/", views.campaign_list, name="campaign-list"),
    path("campaigns/new/", views.campaign_create, name="campaign-create"),
    path("campaigns/<int:campaign_id>/", views.campaign_detail, name="campaign-detail"),
    path(
        "campaigns/<int:campaign_id>/schools/<int:school_id>/inspect/",
        views.campaign_inspect,
        name="campaign-inspect",
    ),
    path("checklists/", views.checklist_current, name="checklist-current"),
    path("checklists/versions/", views.checklist_versions, name="checklist-versions"),
    path("checklists/install/", views.checklist_install, name="checklist-install"),
    path("checklists/items/new/", views.checklist_item_add, name="checklist-item-add"),
    path("checklists/<int:checklist_id>/", views.checklist_detail, name="checklist-detail"),
    path(
        "checklists/items/<int:checklistitem_id>/edit/",
        views.checklist_item_edit,
        name="checklist-item-edit",
    ),
    path(
        "checklists/items/<int:checklistitem_id>/remove/",
        views.checklist_item_remove,
        name="checklist-item-remove",
    ),
]
