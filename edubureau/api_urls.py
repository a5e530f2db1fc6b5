"""All REST endpoints under /api/v1/. Each app contributes a router."""

from django.urls import include, path

from edubureau.orgs.api import router as orgs_router

app_name = "api"
urlpatterns = [
    path("", include(orgs_router.urls)),
    path("", include("edubureau.orgs.api_urls")),
]
