"""Every table on a page is the one list component (``table.list`` in app.css): ruled,
readable at 1366 px, and — with ``stack`` — one card per row on a phone, each cell
named by its ``data-label``. A table written without it renders as bare, unpadded
text on a desktop and as a strip wider than the screen on a phone."""

from __future__ import annotations

import re
from pathlib import Path

EDUBUREAU = Path(__file__).resolve().parents[2]
TABLE = re.compile(r"<table\b[^>]*>(.*?)</table>", re.S)
CLASSES = re.compile(r'\bclass="([^"]*)"')


def tables() -> list[tuple[str, str, str]]:
    """(template, opening tag, body) of every table in the project's templates."""
    found = []
    for path in sorted(EDUBUREAU.rglob("templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        for match in TABLE.finditer(text):
            tag = match.group(0)[: match.group(0).index(">") + 1]
            found.append((str(path.relative_to(EDUBUREAU)), tag, match.group(1)))
    return found


def classes(tag: str) -> set[str]:
    match = CLASSES.search(tag)
    return set(match.group(1).split()) if match else set()


def test_every_table_is_the_list_component():
    bare = [(template, tag) for template, tag, _ in tables() if "list" not in classes(tag)]
    assert bare == []


def test_a_table_that_stacks_on_a_phone_names_its_cells():
    # Action and filler cells may go unnamed; a stacked table with no named cell
    # at all shows its values without saying what they are.
    unnamed = [
        (template, tag)
        for template, tag, body in tables()
        if "stack" in classes(tag) and "data-label" not in body
    ]
    assert unnamed == []


def test_the_walk_finds_the_tables():
    found = {template for template, _, _ in tables()}
    assert "plans/templates/plans/list.html" in found
    assert "safety/templates/safety/hazards/list.html" in found
    assert len(found) > 20
