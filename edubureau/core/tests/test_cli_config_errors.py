"""A missing setting stops every command with one line naming the variable."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EDUBUREAU_", "DJANGO_"))}
    for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "DEBUG", "DATABASE_URL"):
        clean.pop(name, None)
    clean.update(env)
    code = f"from edubureau.cli import main; main({list(args)!r})"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )


# Production: a database of its own (PostgreSQL). Settings fail before any connection.
PRODUCTION = {"DATABASE_URL": "postgres://edubureau@127.0.0.1:1/edubureau"}


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        (PRODUCTION, "SECRET_KEY"),
        ({**PRODUCTION, "SECRET_KEY": "s" * 50}, "FIELD_ENCRYPTION_KEYS"),
    ],
)
def test_in_production_a_missing_variable_is_one_line_not_a_traceback(env, variable):
    result = _run("migrate", "--check", **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and variable in lines[0] and "Traceback" not in result.stderr


def test_the_embedded_default_makes_its_own_secret_key_once_and_keeps_it(tmp_path):
    var = str(tmp_path / "var")
    first = _run("check", EDUBUREAU_VAR_DIR=var)
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "var" / "secret_key"
    key = key_file.read_text()
    assert len(key) >= 50
    assert key_file.stat().st_mode & 0o777 == 0o600
    again = _run("check", EDUBUREAU_VAR_DIR=var)
    assert again.returncode == 0, again.stderr
    assert key_file.read_text() == key


def test_help_lists_the_products_own_commands_first_one_line_each(tmp_path):
    result = _run("--help", EDUBUREAU_VAR_DIR=str(tmp_path / "var"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    ours, _, theirs = out.partition("Django及所用组件的命令：")
    listed = [line.split()[0] for line in ours.splitlines() if line.startswith("  ")]
    for command in ("demo", "worker", "scheduler", "audit_prune", "safety_mark_overdue"):
        assert command in listed
        line = next(x for x in ours.splitlines() if x.split()[:1] == [command])
        assert len(line.split(maxsplit=1)) == 2  # the name and its one-line summary
    assert "migrate" in theirs.split() and "migrate" not in listed
    assert out.index("demo") < out.index("migrate")


def _readme_commands() -> list[str]:
    """The commands of the README's table (``edubureau <name> …``), in its order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index("| command | what it does |") :]
    table = table[: table.index("\n\n")]
    return [m.group(1) for m in re.finditer(r"^\| `edubureau ([a-z_-]+)", table, re.M)]


def test_every_readme_command_runs_on_the_embedded_default_with_no_variable_set(tmp_path):
    """As after ``scripts/demo.sh`` on a fresh clone: no SECRET_KEY, no DATABASE_URL.
    Every command of the README's table answers its --help; then the database is
    migrated and the ones that only read or dry-run are run for real."""
    var = str(tmp_path / "var")
    commands = _readme_commands()
    assert {"demo", "migrate", "worker", "scheduler", "audit-verify", "backup"} <= set(commands)
    for name in commands:
        result = _run(name, "--help", EDUBUREAU_VAR_DIR=var)
        assert result.returncode == 0, f"edubureau {name} --help: {result.stderr[-500:]}"
        assert "usage:" in result.stdout
    real_runs = [
        ["migrate", "--no-input", "-v", "0"],
        ["scheduler", "--list"],
        ["audit-verify"],
        ["safety_mark_overdue", "--dry-run"],
        ["safety_chase_self_inspections", "--dry-run"],
        ["safety_remind_expiring_documents", "--dry-run"],
        ["backup", "--output", str(tmp_path / "backup")],
    ]
    for args in real_runs:
        result = _run(*args, EDUBUREAU_VAR_DIR=var)
        assert result.returncode == 0, f"edubureau {' '.join(args)}: {result.stderr[-800:]}"
    assert (tmp_path / "backup" / "manifest.json").exists()
