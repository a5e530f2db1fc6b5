from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "edubureau.notifications"
    label = "notifications"
    verbose_name = "通知"
