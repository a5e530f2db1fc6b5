from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class JobsConfig(AppConfig):
    name = "edubureau.jobs"
    label = "jobs"
    verbose_name = "后台任务"

    def ready(self) -> None:
        # Every app's tasks.py registers its recurring jobs with @recurring; importing
        # them here fills the registry in the web, worker and scheduler processes alike.
        autodiscover_modules("tasks")
