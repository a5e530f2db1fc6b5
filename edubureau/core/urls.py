from django.urls import path

from edubureau.core import views

app_name = "core"
urlpatterns = [
    path("", views.calendar_overview, name="calendar"),
    path("<int:year>/", views.calendar_year, name="calendar-year"),
    path("<int:year>/delete/", views.calendar_year_delete, name="calendar-year-delete"),
]
