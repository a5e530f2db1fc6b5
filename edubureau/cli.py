"""The ``edubureau`` console command: Django's management commands under a name
users can remember (``edubureau demo``, ``edubureau worker``, ``edubureau migrate``)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edubureau.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if args and not args[0].startswith("-"):
        # ``edubureau audit-verify`` reads better than the module name audit_verify.
        args[0] = args[0].replace("-", "_")
    if args and args[0] == "demo":
        # The demo runs on the embedded default and may use the demo secret key.
        os.environ.setdefault("EDUBUREAU_DEMO", "1")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["edubureau", *args])
    except ImproperlyConfigured as exc:
        # A missing variable is the operator's to fix: one line naming it, no traceback.
        sys.stderr.write(f"edubureau：配置错误：{exc}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
