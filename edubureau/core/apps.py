from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "edubureau.core"
    label = "core"
    verbose_name = "公共"

    def ready(self) -> None:
        from edubureau.core import choice_ids, navigation
        from edubureau.core.services import CALENDAR_VIEWER_ROLES

        navigation.register("工作日历", "core:calendar", roles=CALENDAR_VIEWER_ROLES, order=600)
        choice_ids.install()
