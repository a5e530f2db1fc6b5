from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "edubureau.reports"
    label = "reports"
    verbose_name = "公文报告"

    def ready(self) -> None:
        from edubureau.core import navigation
        from edubureau.core.roles import Role

        navigation.register(
            "总结报告",
            "reports:list",
            roles=[
                Role.BUREAU_LEADER,
                Role.DEPARTMENT_STAFF,
                Role.SCHOOL_USER,
                Role.INSPECTOR,
                Role.TOWNSHIP_STAFF,
            ],
            order=300,
        )
        from edubureau.core import workbench
        from edubureau.reports import notices
        from edubureau.reports import workbench as reports_workbench

        workbench.register("reports", reports_workbench.items, order=300)
        notices.register_topics()
