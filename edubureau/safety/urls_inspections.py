from django.urls import path

from edubureau.safety.views import inspections as views

urlpatterns = [
    path("inspections/", views.placeholder, name="inspection-list"),
]
