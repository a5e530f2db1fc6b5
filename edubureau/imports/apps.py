from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "edubureau.imports"
    label = "imports"
    verbose_name = "导入"

    def ready(self) -> None:
        from edubureau.core import hooks
        from edubureau.imports.services import TOPIC, answer
        from edubureau.notifications import topics

        topics.register(TOPIC, "Excel导入已完成", module="导入")
        # orgs' views sit below this app: they reach the one rule through core.
        hooks.set_import_answer(answer)
