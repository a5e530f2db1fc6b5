from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "edubureau.notifications"
    label = "notifications"
    verbose_name = "通知"

    def ready(self) -> None:
        from edubureau.core import navigation
        from edubureau.core.roles import Role

        navigation.register(
            "消息推送", "notifications:webhook-list", roles={Role.ADMINISTRATOR}, order=700
        )
