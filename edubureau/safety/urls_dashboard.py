from django.urls import path

from edubureau.safety.views import dashboard as views

urlpatterns = [
    path("dashboard/", views.placeholder, name="dashboard"),
]
