from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated

from edubureau.orgs import views as orgs_views
from edubureau.orgs import views_two_factor
from edubureau.orgs.api_auth import PasswordChanged

# The API description is for signed-in users only (drf-spectacular serves it to
# anyone by default). The split Swagger view serves its start-up script as a
# file, which the Content-Security-Policy (no inline scripts) allows.
_SCHEMA_PERMISSIONS = [IsAuthenticated, PasswordChanged]

urlpatterns = [
    path("", orgs_views.home, name="home"),
    path("accounts/login/", orgs_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", orgs_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", orgs_views.password_change, name="password-change"),
    path("accounts/login/verify/", views_two_factor.login_verify, name="login-verify"),
    path("accounts/two-factor/", views_two_factor.two_factor_status, name="two-factor"),
    path("accounts/two-factor/setup/", views_two_factor.two_factor_setup, name="two-factor-setup"),
    path(
        "accounts/two-factor/disable/",
        views_two_factor.two_factor_disable,
        name="two-factor-disable",
    ),
    path("", include("edubureau.orgs.urls")),
    path("audit/", include("edubureau.audit.urls")),
    path("notifications/", include("edubureau.notifications.urls")),
    path("settings/calendar/", include("edubureau.core.urls")),
    path("downloads/", include("edubureau.downloads.urls")),
    path("imports/", include("edubureau.imports.urls")),
    path("safety/", include("edubureau.safety.urls")),
    path("stats/", include("edubureau.stats.urls")),
    path("plans/", include("edubureau.plans.urls")),
    path("reports/", include("edubureau.reports.urls")),
    path("api/v1/", include("edubureau.api_urls")),
    path(
        "api/schema/",
        SpectacularAPIView.as_view(permission_classes=_SCHEMA_PERMISSIONS),
        name="api-schema",
    ),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", permission_classes=_SCHEMA_PERMISSIONS
        ),
        name="api-docs",
    ),
]

handler400 = "edubureau.core.views.bad_request"
handler403 = "edubureau.audit.views.permission_denied"
handler500 = "edubureau.core.request_id.server_error"
