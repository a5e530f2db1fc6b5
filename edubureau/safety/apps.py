from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "edubureau.safety"
    label = "safety"
    verbose_name = "安全管理"

    def ready(self) -> None:
        from edubureau.core import metrics, navigation, workbench
        from edubureau.core.roles import SCHOOL_WORK_ROLES
        from edubureau.safety import metrics as safety_metrics
        from edubureau.safety import notices
        from edubureau.safety import workbench as safety_workbench

        working = SCHOOL_WORK_ROLES
        navigation.register("安全看板", "safety:dashboard", roles=working, order=100)
        navigation.register("安全检查", "safety:inspection-list", roles=working, order=110)
        navigation.register("隐患整改", "safety:hazard-list", roles=working, order=120)
        navigation.register("安全台账", "safety:ledger-home", roles=working, order=130)
        metrics.register_source(
            "safety", safety_metrics.MODULE, safety_metrics.readings, safety_metrics.METRICS
        )
        notices.register_topics()
        notices.connect()
        workbench.register("safety", safety_workbench.items, order=100)
        from edubureau.safety import downloads as safety_downloads
        from edubureau.safety import imports as safety_imports

        safety_downloads.register()
        safety_imports.register()
        from edubureau.orgs import wall
        from edubureau.safety.models.inspections import team_schools

        wall.register_schools(team_schools)
