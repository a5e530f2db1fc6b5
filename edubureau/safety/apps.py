from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "edubureau.safety"
    label = "safety"
    verbose_name = "安全管理"
