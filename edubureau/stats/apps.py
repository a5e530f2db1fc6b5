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
        from edubureau.stats import downloads as stats_downloads

        stats_downloads.register()
        from edubureau.notifications import topics
        from edubureau.stats.chase import CHASE_TOPIC
        from edubureau.stats.services import RETURN_TOPIC, SUBMITTED_TOPIC

        topics.register(
            SUBMITTED_TOPIC, "统计报表待审核", module="教育统计", roles=[Role.DEPARTMENT_STAFF]
        )
        # A return sent back or unlocked must be redone: not something to mute.
        topics.register(RETURN_TOPIC, "统计报表被退回或解锁", module="教育统计", mutable=False)
        topics.register(CHASE_TOPIC, "统计报表催报", module="教育统计", mutable=False)
