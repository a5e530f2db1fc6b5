from django.urls import path

from edubureau.stats import views
from edubureau.stats.urls_dashboard import urlpatterns as dashboard
from edubureau.stats.urls_import import urlpatterns as imports

app_name = "stats"

urlpatterns = [
    path("", views.return_list, name="return-list"),
    path("start/", views.return_start, name="return-start"),
    path("chase/", views.return_chase, name="return-chase"),
    path("population/", views.population, name="population"),
    path("returns/<int:return_id>/", views.return_detail, name="return-detail"),
    path("returns/<int:return_id>/edit/", views.return_edit, name="return-edit"),
    path("returns/<int:return_id>/review/", views.return_review, name="return-review"),
    *imports,
    *dashboard,
]
