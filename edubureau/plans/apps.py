from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "edubureau.plans"
    label = "plans"
    verbose_name = "工作计划"

    def ready(self) -> None:
        from edubureau.core import navigation, workbench
        from edubureau.core.roles import Role
        from edubureau.plans import workbench as plans_workbench

        # Leaders and departments run the plan; school-side accounts read the tasks
        # that concern their schools.
        navigation.register(
            "工作要点",
            "plans:plan-list",
            roles=[
                Role.BUREAU_LEADER,
                Role.DEPARTMENT_STAFF,
                Role.SCHOOL_USER,
                Role.INSPECTOR,
                Role.TOWNSHIP_STAFF,
            ],
            order=250,
        )
        workbench.register("plans", plans_workbench.items, order=250)
        from edubureau.notifications import topics
        from edubureau.plans.followups import TOPIC as FOLLOW_UP_TOPIC

        topics.register(FOLLOW_UP_TOPIC, "工作任务督办", module="工作要点", mutable=False)
