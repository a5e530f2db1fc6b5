from django.urls import path

from edubureau.orgs import views, views_bureaus, views_departments

app_name = "orgs"
urlpatterns = [
    path("schools/", views.school_list, name="school-list"),
    path("schools/export.xlsx", views.school_export, name="school-export"),
    path("schools/new/", views.school_create, name="school-create"),
    path("schools/import/", views.school_import, name="school-import"),
    path("schools/<int:school_id>/", views.school_detail, name="school-detail"),
    path("schools/<int:school_id>/edit/", views.school_edit, name="school-edit"),
    path("schools/<int:school_id>/move/", views_bureaus.school_move, name="school-move"),
    path("bureaus/", views_bureaus.bureau_list, name="bureau-list"),
    path("bureaus/import/", views_bureaus.bureau_import, name="bureau-import"),
    path(
        "bureaus/import/template.xlsx",
        views_bureaus.bureau_import_template,
        name="bureau-import-template",
    ),
    path(
        "bureaus/<int:bureau_id>/administrators/new/",
        views_bureaus.bureau_admin_create,
        name="bureau-admin-create",
    ),
    path("departments/", views_departments.department_list, name="department-list"),
    path(
        "departments/<int:department_id>/edit/",
        views_departments.department_edit,
        name="department-edit",
    ),
]

from edubureau.orgs.account_urls import urlpatterns as account_urlpatterns  # noqa: E402

urlpatterns += account_urlpatterns
