from django.apps import AppConfig


class RectificationConfig(AppConfig):
    name = "edubureau.rectification"
    label = "rectification"
    verbose_name = "整改闭环"
