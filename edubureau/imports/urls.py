from django.urls import path

from edubureau.imports import views

app_name = "imports"
urlpatterns = [
    path("<int:job_id>/", views.import_detail, name="detail"),
    path("<int:job_id>/progress/", views.import_progress, name="progress"),
]
