from django.urls import path

from edubureau.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("webhooks/", views.webhook_list, name="webhook-list"),
]
