from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "edubureau.stats"
    label = "stats"
    verbose_name = "教育统计"

    def ready(self) -> None:
        from edubureau.core import metrics, navigation, workbench
        from edubureau.core.roles import Role
        from edubureau.stats import metrics as stats_metrics
        from edubureau.stats import workbench as stats_workbench

        # The people who file, review or read returns; administrators and auditors keep
        # accounts and logs, not statistics.
        navigation.register(
            "教育统计",
            "stats:return-list",
            roles=[
                Role.BUREAU_LEADER,
                Role.DEPARTMENT_STAFF,
                Role.SCHOOL_USER,
                Role.INSPECTOR,
                Role.TOWNSHIP_STAFF,
            ],
            order=200,
        )
        metrics.register_source(
            "stats", stats_metrics.MODULE, stats_metrics.readings, stats_metrics.METRICS
        )
        workbench.register("stats", stats_workbench.items, order=200)
