from django.urls import path

from edubureau.plans import views

app_name = "plans"

urlpatterns = [
    path("", views.plan_list, name="plan-list"),
    path("import/", views.plan_import, name="plan-import"),
    path("<int:plan_id>/", views.plan_detail, name="plan-detail"),
    path("<int:plan_id>/issue/", views.plan_issue, name="plan-issue"),
    path("<int:plan_id>/carry-over/", views.plan_carry_over, name="plan-carry-over"),
    path("<int:plan_id>/notice.docx", views.plan_notice, name="plan-notice"),
    path("follow-ups/", views.follow_up_board, name="follow-up-board"),
    path(
        "follow-ups/<int:follow_up_id>/respond/", views.follow_up_respond, name="follow-up-respond"
    ),
    path("tasks/<int:task_id>/", views.task_detail, name="task-detail"),
    path("tasks/<int:task_id>/edit/", views.task_edit, name="task-edit"),
    path("tasks/<int:task_id>/progress/", views.task_report, name="task-report"),
    path("photos/<int:progressphoto_id>/", views.progress_photo, name="progress-photo"),
    path("targets/<int:plan_target_id>/link/", views.target_link, name="target-link"),
]
