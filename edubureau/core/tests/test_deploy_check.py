"""The production settings pass Django's deployment checklist at warning level."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[3]


def _check_deploy(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EDUBUREAU_", "DJANGO_"))}
    clean.pop("DATABASE_URL", None)
    clean.update(
        SECRET_KEY="x" * 20 + "production-secret-key-of-sufficient-length-1234567890",
        ALLOWED_HOSTS="edu.example.gov.cn",
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        DEBUG="false",
        **env,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_https_production_settings_pass_check_deploy():
    result = _check_deploy(HTTPS="true")
    assert result.returncode == 0, result.stdout + result.stderr


def test_without_https_the_check_fails_on_the_missing_protections():
    result = _check_deploy()
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012"):
        assert check in result.stderr + result.stdout
