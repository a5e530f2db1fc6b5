from django.apps import AppConfig


def bureaus_share_deployment() -> bool:
    """Whether several bureaus share this deployment (and so its holiday calendar)."""
    from edubureau.orgs.models import Bureau

    return Bureau._default_manager.count() > 1


class OrgsConfig(AppConfig):
    name = "edubureau.orgs"
    label = "orgs"
    verbose_name = "组织机构"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.core.signals import request_finished

        from edubureau.core import hooks, navigation
        from edubureau.core.roles import SCHOOL_WORK_ROLES, Role
        from edubureau.orgs import wall
        from edubureau.orgs.middleware import mark_session_start
        from edubureau.orgs.services import bureaus

        user_logged_in.connect(mark_session_start, dispatch_uid="orgs.session_start")
        # After the response is sent (a streamed export included), the wall comes down.
        request_finished.connect(wall.lift, dispatch_uid="orgs.wall_lift")

        # core sits below orgs and knows no bureau: it asks through this hook.
        hooks.set_shared_deployment_check(bureaus_share_deployment)
        from edubureau.orgs import downloads, imports

        downloads.register()
        imports.register()
        navigation.register("首页", "home", order=0)
        navigation.register("学校名录", "orgs:school-list", roles=SCHOOL_WORK_ROLES, order=500)
        navigation.register(
            "下级教育局",
            "orgs:bureau-list",
            roles={Role.ADMINISTRATOR},
            order=505,
            when=bureaus.has_bureaus_below,
        )
        navigation.register("账号管理", "orgs:user-list", roles={Role.ADMINISTRATOR}, order=510)
