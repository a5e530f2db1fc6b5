"""Chinese text on the dashboard, in facts and in circulars uses full-width punctuation
（，：；（）？！）, never ASCII ``,:;()?!`` (docs: the official register). Code,
docstrings and comments are English and are not checked; an f-string's expressions
and format specs (``{day:%Y-%m-%d}``) are not text."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
MODULES = [
    "edubureau/core/facts.py",
    "edubureau/orgs/scoping.py",
    "edubureau/safety/circulars.py",
    "edubureau/safety/facts/__init__.py",
    "edubureau/safety/facts/common.py",
    "edubureau/safety/facts/hazards.py",
    "edubureau/safety/facts/inspections.py",
    "edubureau/safety/facts/ledgers.py",
    "edubureau/safety/facts/units.py",
    "edubureau/safety/renderers/circular_docx.py",
    "edubureau/safety/selectors/dashboard.py",
    "edubureau/safety/selectors/ledger_coverage.py",
    "edubureau/safety/views/dashboard.py",
    "edubureau/safety/management/commands/safety_circular.py",
]
TEMPLATES = ["edubureau/safety/templates/safety/dashboard/dashboard.html"]

CJK = re.compile(r"[\u3400-\u9fff]")
ASCII_PUNCTUATION = re.compile(r"[,;:()?!]")


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            found.add(id(node.value))
    return found


def _texts(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, text) of every string literal but docstrings; for an f-string, its
    literal parts only."""
    skip = _docstrings(tree)
    inside_fstrings = {
        id(part)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for part in ast.walk(node)
        if isinstance(part, ast.Constant)
    }
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(
                part.value
                for part in node.values
                if isinstance(part, ast.Constant) and isinstance(part.value, str)
            )
            out.append((node.lineno, text))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skip
            and id(node) not in inside_fstrings
        ):
            out.append((node.lineno, node.value))
    return out


def _faults(text: str) -> bool:
    return bool(CJK.search(text) and ASCII_PUNCTUATION.search(text))


@pytest.mark.parametrize("module", MODULES)
def test_chinese_strings_use_full_width_punctuation(module):
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    wrong = [f"{module}:{line}: {text!r}" for line, text in _texts(tree) if _faults(text)]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("template", TEMPLATES)
def test_the_dashboard_template_uses_full_width_punctuation(template):
    source = (ROOT / template).read_text(encoding="utf-8")
    source = re.sub(r"{%.*?%}|{{.*?}}", " ", source, flags=re.S)
    texts = re.findall(r">([^<]+)<", source) + re.findall(r'="([^"]*)"', source)
    wrong = [t.strip() for t in texts if _faults(t)]
    assert not wrong, wrong


def test_the_check_catches_ascii_punctuation():
    tree = ast.parse('x = f"共{n}个,其中{m:%Y}"\ny = "整改率(%)"\n"""文档(docstring)"""\n')
    assert [text for _, text in _texts(tree) if _faults(text)] == ["共个,其中", "整改率(%)"]
