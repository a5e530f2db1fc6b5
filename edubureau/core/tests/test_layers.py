"""The import contracts in pyproject.toml ([tool.importlinter]) hold for the project,
and they do catch an arrow against the layers.

Each check runs ``lint-imports`` with the project's own configuration, in a fresh
process: on the project itself, and once on a copy of the package's Python files with
modules planted that import the wrong way (about a second in all).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "edubureau"

# Modules planted in a copy of the project, each against one rule. Every arrow is
# reported on its own, so one run of lint-imports checks them all.
PLANTED = {
    "edubureau.core.upward": "from edubureau.audit import services\n",
    "edubureau.audit.upward": "from edubureau.orgs.models import Bureau\n",
    "edubureau.orgs.upward": "import edubureau.notifications.services\n",
    # An import inside a function counts as much as one at the top.
    "edubureau.rectification.upward": (
        "def hazards():\n    from edubureau.safety.models import Hazard\n\n    return Hazard\n"
    ),
    # Indirect: the test helpers build bureaus from orgs, so core must not use them.
    "edubureau.core.helpers": "from edubureau.testing import factories\n",
    "edubureau.rectification.chase": "from edubureau.notifications import services\n",
    "edubureau.safety.shortcut": "from edubureau.testing import cast\n",
    # A new app that nobody placed in a layer.
    "edubureau.newapp.models": "",
    # Tests are exempt: this one must not be reported.
    "edubureau.core.tests.test_upward": (
        "from edubureau.safety.models import Hazard\nfrom edubureau.testing import factories\n"
    ),
}


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    # lint-imports reads pyproject.toml in, and finds the package under, its working
    # directory; PYTHONPATH makes a copy win over the installed (editable) package.
    env = {**os.environ, "PYTHONPATH": str(cwd), "NO_COLOR": "1", "COLUMNS": "200"}
    command = "from importlinter.cli import lint_imports_command; lint_imports_command()"
    return subprocess.run(
        [sys.executable, "-c", command, "--no-cache", "--no-logo"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _python_files_only(folder: str, names: list[str]) -> list[str]:
    return [
        name
        for name in names
        if name == "__pycache__" or not (name.endswith(".py") or (Path(folder) / name).is_dir())
    ]


def _plant(root: Path, dotted: str, source: str) -> None:
    path = root.joinpath(*dotted.split(".")).with_suffix(".py")
    path.parent.mkdir(parents=True, exist_ok=True)
    for folder in path.relative_to(root).parents:
        init = root / folder / "__init__.py"
        if folder != Path(".") and not init.exists():
            init.write_text("")
    path.write_text(source)


@pytest.fixture(scope="module")
def broken() -> Iterator[str]:
    """What lint-imports reports on a copy of the project with the PLANTED modules."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
        shutil.copytree(PACKAGE, root / "edubureau", ignore=_python_files_only)
        for dotted, source in PLANTED.items():
            _plant(root, dotted, source)
        result = _lint_imports(root)
        assert result.returncode == 1, result.stdout + result.stderr
        yield result.stdout


def test_the_project_keeps_its_import_contracts():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken" in result.stdout


@pytest.mark.parametrize(
    "report",
    [
        "edubureau.core is not allowed to import edubureau.audit",
        "edubureau.audit is not allowed to import edubureau.orgs",
        "edubureau.orgs is not allowed to import edubureau.notifications",
        "edubureau.rectification is not allowed to import edubureau.safety",
        "edubureau.core is not allowed to import edubureau.orgs",
    ],
)
def test_an_import_against_the_layers_breaks_the_layers_contract(broken, report):
    assert "Layers: core <- audit <- orgs" in broken and "BROKEN" in broken
    assert report in broken


def test_notifications_and_rectification_stay_independent(broken):
    assert "edubureau.rectification is not allowed to import edubureau.notifications" in broken


def test_a_new_app_must_be_given_a_layer(broken):
    assert "The following modules are not listed as layers:" in broken
    assert "- edubureau.newapp" in broken


def test_the_application_does_not_import_the_test_helpers(broken):
    assert "The application does not import the test helpers BROKEN" in broken
    assert "edubureau.safety.shortcut -> edubureau.testing.cast" in broken


def test_tests_may_import_any_layer(broken):
    assert "edubureau.core.tests" not in broken
