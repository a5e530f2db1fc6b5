from django.urls import path

from edubureau.downloads import views

app_name = "downloads"
urlpatterns = [
    path("", views.download_list, name="list"),
    path("<int:download_id>/", views.download_detail, name="detail"),
    path("<int:download_id>/progress/", views.download_progress, name="progress"),
    path("<int:download_id>/file/", views.download_file, name="file"),
]
