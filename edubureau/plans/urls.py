from django.urls import path

from edubureau.plans import views

app_name = "plans"

urlpatterns = [
    path("", views.plan_list, name="plan-list"),
    path("import/", views.plan_import, name="plan-import"),
    path("<int:plan_id>/", views.plan_detail, name="plan-detail"),
]
