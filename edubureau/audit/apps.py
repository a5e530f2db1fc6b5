from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "edubureau.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from edubureau.audit import signals  # noqa: F401  (connects login signals)
