"""``edubureau auditor_account``: the platform operator keeps the audit administrators'
accounts (三员分立: a bureau's account administrator cannot).

    edubureau auditor_account create --bureau 340100 --username hf_shenji --full-name 王审
    edubureau auditor_account reset --username hf_shenji
    edubureau auditor_account deactivate --username hf_shenji
    edubureau auditor_account activate --username hf_shenji

An initial password is printed once and must be changed at the first login.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from edubureau.core.forms import validation_text
from edubureau.orgs.services.auditors import (
    auditor_create,
    auditor_password_reset,
    auditor_set_active,
    find_bureau,
)


class Command(BaseCommand):
    help = "设立、重置、停用或启用审计管理员账号（三员分立）/ keep audit administrators"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["create", "reset", "deactivate", "activate"])
        parser.add_argument("--username", required=True)
        parser.add_argument("--bureau", default="", help="create：教育局的行政区划代码或全称")
        parser.add_argument("--full-name", default="")
        parser.add_argument("--phone", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        action, username = options["action"], options["username"]
        w = self.stdout.write
        try:
            if action == "create":
                if not options["bureau"]:
                    raise CommandError("create 须给出 --bureau（行政区划代码或全称）")
                bureau = find_bureau(options["bureau"])
                user, password = auditor_create(
                    bureau=bureau,
                    username=username,
                    full_name=options["full_name"],
                    phone=options["phone"],
                )
                w(self.style.SUCCESS(f"已为{bureau.name}设立审计管理员 {user.username}"))
                w(f"初始密码：{password}")
                w("初始密码只显示这一次，首次登录须修改。/ Shown once; change it at first login.")
            elif action == "reset":
                password = auditor_password_reset(username=username)
                w(self.style.SUCCESS(f"已重置审计管理员 {username} 的密码"))
                w(f"新的初始密码：{password}（只显示这一次，下次登录须修改）")
            else:
                active = action == "activate"
                auditor_set_active(username=username, active=active)
                w(self.style.SUCCESS(f"已{'启用' if active else '停用'}审计管理员 {username}"))
        except ValidationError as exc:
            raise CommandError(validation_text(exc)) from exc
