from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from edubureau.orgs import views as orgs_views

urlpatterns = [
    path("", orgs_views.home, name="home"),
    path("accounts/login/", orgs_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", orgs_views.password_change, name="password-change"),
    path("", include("edubureau.orgs.urls")),
    path("audit/", include("edubureau.audit.urls")),
    path("notifications/", include("edubureau.notifications.urls")),
    path("settings/calendar/", include("edubureau.core.urls")),
    path("safety/", include("edubureau.safety.urls")),
    path("api/v1/", include("edubureau.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

handler403 = "edubureau.audit.views.permission_denied"
