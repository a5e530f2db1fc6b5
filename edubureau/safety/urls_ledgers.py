from django.urls import path

from edubureau.safety.views import ledgers as views

urlpatterns = [
    path("ledgers/", views.placeholder, name="ledger-home"),
]
