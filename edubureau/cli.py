"""The ``edubureau`` console command: Django's management commands under a name
users can remember (``edubureau demo``, ``edubureau worker``, ``edubureau migrate``)."""

from __future__ import annotations

import os
import sys
import textwrap


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
        if not args or (args[0] in ("help", "--help", "-h") and len(args) == 1):
            sys.stdout.write(product_help())
            return
        execute_from_command_line(["edubureau", *args])
    except ImproperlyConfigured as exc:
        # A missing variable is the operator's to fix: one line naming it, no traceback.
        sys.stderr.write(f"edubureau：配置错误：{exc}\n")
        raise SystemExit(2) from None


def _first_sentence(text: str) -> str:
    """A help text's first sentence, so that each command takes one line."""
    line = " ".join(text.split())
    for end in ("。", ". ", "; ", "（", " ("):
        line = line.split(end)[0]
    return line.rstrip(".")


def product_help() -> str:
    """``edubureau --help``: the product's own commands first, one line each, then
    the names of Django's and the libraries' commands."""
    import django
    from django.core.management import get_commands, load_command_class

    django.setup()
    ours: list[tuple[str, str]] = []
    others: list[str] = []
    for name, app in sorted(get_commands().items()):
        if app.startswith("edubureau"):
            ours.append((name, _first_sentence(load_command_class(app, name).help or "")))
        else:
            others.append(name)
    width = max(len(n) for n, _ in ours) + 2
    lines = ["用法：edubureau <命令> [选项]；edubureau help <命令> 查看某个命令的说明。", ""]
    lines.append("本平台的命令：")
    lines += [f"  {name.ljust(width)}{text}" for name, text in ours]
    lines += [
        "",
        "Django及所用组件的命令：",
        *textwrap.wrap(" ".join(others), 88, initial_indent="  ", subsequent_indent="  "),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
