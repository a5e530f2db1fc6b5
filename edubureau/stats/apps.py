from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "edubureau.stats"
    label = "stats"
    verbose_name = "教育统计"
