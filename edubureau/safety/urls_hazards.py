from django.urls import path

from edubureau.safety.views import hazards as views

urlpatterns = [
    path("hazards/", views.placeholder, name="hazard-list"),
]
