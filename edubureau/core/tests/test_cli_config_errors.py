"""A missing setting stops every command with one line naming the variable."""

from __future__ import annotations

import os
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


@pytest.mark.parametrize(
    ("env", "variable"),
    [({}, "SECRET_KEY"), ({"SECRET_KEY": "s" * 50}, "FIELD_ENCRYPTION_KEYS")],
)
def test_a_missing_variable_is_one_line_not_a_traceback(env, variable):
    result = _run("migrate", "--check", **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and variable in lines[0] and "Traceback" not in result.stderr
