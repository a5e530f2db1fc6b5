from django.apps import AppConfig


class DownloadsConfig(AppConfig):
    name = "edubureau.downloads"
    label = "downloads"
    verbose_name = "下载"

    def ready(self) -> None:
        from edubureau.core import hooks
        from edubureau.downloads.services import TOPIC, answer
        from edubureau.notifications import topics

        topics.register(TOPIC, "下载文件已生成", module="下载")
        # orgs' views sit below this app: they reach the one rule through core.
        hooks.set_download_answer(answer)
