"""``edubureau bureau_create``: the platform operator sets up the top bureau of a
deployment (a province, or a standalone city or county) and its first administrator.

    edubureau bureau_create --level province --name 安徽省教育厅 --region-code 340000 \\
        --issuer-code 皖教 --admin-username ahjyt_admin

The administrator's initial password is printed once; it must be changed at the
first login. Child bureaus are then set up by that administrator in the web pages
(下级教育局) or by Excel import.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from edubureau.core.forms import validation_text
from edubureau.orgs.models import BureauLevel
from edubureau.orgs.services.bureaus import (
    BureauData,
    bureau_create_top,
    first_administrator_create,
)


class Command(BaseCommand):
    help = "设立顶级教育局（省、或独立部署的市、县）及其系统管理员 / create the top bureau"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--level", choices=BureauLevel.values, required=True)
        parser.add_argument("--name", required=True, help="名称，如“安徽省教育厅”")
        parser.add_argument("--region-code", required=True, help="6位行政区划代码，如340000")
        parser.add_argument("--issuer-code", required=True, help="发文机关代字，如“皖教”")
        parser.add_argument("--short-name", default="")
        parser.add_argument("--address", default="")
        parser.add_argument("--phone", default="")
        parser.add_argument("--admin-username", required=True, help="首位系统管理员的用户名")
        parser.add_argument("--admin-name", default="", help="首位系统管理员的姓名")

    def handle(self, *args: Any, **options: Any) -> None:
        data = BureauData(
            name=options["name"],
            issuer_code=options["issuer_code"],
            region_code=options["region_code"],
            short_name=options["short_name"],
            address=options["address"],
            phone=options["phone"],
        )
        try:
            with transaction.atomic():
                bureau = bureau_create_top(operator=None, data=data, level=options["level"])
                admin, password = first_administrator_create(
                    actor=None,
                    bureau=bureau,
                    username=options["admin_username"],
                    full_name=options["admin_name"],
                )
        except ValidationError as exc:
            raise CommandError(validation_text(exc)) from exc
        w = self.stdout.write
        w(
            self.style.SUCCESS(
                f"已设立{bureau.name}（{bureau.get_level_display()}，{bureau.region_code}）"
            )
        )
        w(f"系统管理员 {admin.username} 的初始密码：{password}")
        w("初始密码只显示这一次，首次登录须修改。/ Shown once; must be changed at first login.")
