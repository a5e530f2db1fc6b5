from django.urls import path

from edubureau.orgs import api
from edubureau.orgs.api_token import obtain_expiring_token

urlpatterns = [
    path("me/", api.me, name="api-me"),
    path("auth/token/", obtain_expiring_token, name="api-token"),
]
