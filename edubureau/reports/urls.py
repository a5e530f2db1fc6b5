from django.urls import path

from edubureau.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("new/", views.report_create, name="create"),
    path("<int:report_id>/", views.report_detail, name="detail"),
    path("<int:report_id>/progress/", views.report_progress, name="progress"),
    path("<int:report_id>/edit/", views.report_edit, name="edit"),
    path("<int:report_id>/regenerate/", views.report_regenerate, name="regenerate"),
    path("<int:report_id>/submit/", views.report_submit, name="submit"),
    path("<int:report_id>/approve/", views.report_approve, name="approve"),
    path("<int:report_id>/return/", views.report_return, name="return"),
    path("<int:report_id>/issue/", views.report_issue, name="issue"),
    path("<int:report_id>/variant/", views.report_variant, name="variant"),
    path("<int:report_id>/reply/", views.report_reply, name="reply"),
    path("<int:report_id>/receipt/", views.report_check_receipt, name="check-receipt"),
    path("<int:report_id>/chase/", views.report_chase_receipt, name="chase-receipt"),
    path("<int:report_id>/docx/", views.report_docx, name="docx"),
    path("<int:report_id>/pdf/", views.report_pdf, name="pdf"),
]
