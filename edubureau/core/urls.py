from django.urls import path

from edubureau.core import views

app_name = "core"
urlpatterns = [
    path("", views.calendar, name="calendar"),
]
