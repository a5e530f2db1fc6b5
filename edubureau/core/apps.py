from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "edubureau.core"
    label = "core"
    verbose_name = "公共"
