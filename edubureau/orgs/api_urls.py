from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token

from edubureau.orgs import api

urlpatterns = [
    path("me/", api.me, name="api-me"),
    path("auth/token/", obtain_auth_token, name="api-token"),
]
