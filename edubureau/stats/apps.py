from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "edubureau.stats"
    label = "stats"
    verbose_name = "教育统计"

    def ready(self) -> None:
        from edubureau.core import navigation
        from edubureau.core.roles import Role

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
