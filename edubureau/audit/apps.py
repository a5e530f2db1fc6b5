from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "edubureau.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from edubureau.audit import signals  # noqa: F401  (connects login signals)
        from edubureau.audit import workbench as audit_workbench
        from edubureau.audit.selectors import AUDIT_READER_ROLES, last_change_described
        from edubureau.audit.services import audit_log
        from edubureau.core import hooks, navigation, workbench

        # core sits below audit and cannot import it: its calendar services write
        # their audit events through this hook.
        hooks.set_audit_writer(audit_log)
        hooks.set_last_change_describer(last_change_described)
        navigation.register("审计日志", "audit:event-list", roles=AUDIT_READER_ROLES, order=800)
        workbench.register("audit", audit_workbench.items, order=800)
