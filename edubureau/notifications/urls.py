from django.urls import path

from edubureau.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("settings/", views.notification_settings, name="settings"),
    path("read-all/", views.notification_mark_all_read, name="mark-all-read"),
    path("<int:notification_id>/", views.notification_open, name="open"),
    path("<int:notification_id>/read/", views.notification_mark_read, name="mark-read"),
    path("webhooks/", views.webhook_list, name="webhook-list"),
    path("webhooks/new/", views.webhook_create, name="webhook-create"),
    path("webhooks/<int:endpoint_id>/edit/", views.webhook_edit, name="webhook-edit"),
    path(
        "webhooks/<int:endpoint_id>/deactivate/",
        views.webhook_deactivate,
        name="webhook-deactivate",
    ),
    path("webhooks/<int:endpoint_id>/test/", views.webhook_test, name="webhook-test"),
    path("webhooks/deliveries/", views.delivery_list, name="delivery-list"),
    path(
        "webhooks/deliveries/<int:delivery_id>/",
        views.delivery_detail,
        name="delivery-detail",
    ),
    path(
        "webhooks/deliveries/<int:delivery_id>/retry/",
        views.delivery_retry,
        name="delivery-retry",
    ),
]
