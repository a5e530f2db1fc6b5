"""orgs' Excel imports (``core.import_kinds``), registered from ``ready()``: the school
directory and the bureau tree (child bureaus, townships, schools). Their views answer
through ``core.hooks.answer_import`` (the imports app sits above orgs), which runs a
large workbook in the worker as the administrator who sent it."""

from __future__ import annotations

from typing import IO, Any

from edubureau.core import import_kinds
from edubureau.core.import_kinds import Progress
from edubureau.orgs.services import bureaus, schools

SCHOOLS = "orgs.schools"
TREE = "orgs.tree"


def run_schools(user: Any, upload: IO[bytes], progress: Progress) -> str:
    r = schools.school_import(actor=user, upload=upload, progress=progress)
    return f"新增{r.created}所，更新{r.updated}所，未变{r.unchanged}所。"


def run_tree(user: Any, upload: IO[bytes], progress: Progress) -> str:
    return f"{bureaus.tree_import(actor=user, upload=upload, progress=progress)}。"


def register() -> None:
    import_kinds.register(
        SCHOOLS,
        title="学校名录导入",
        run=run_schools,
        form_url="orgs:school-import",
        done_url="orgs:school-list",
    )
    import_kinds.register(
        TREE,
        title="下级教育局与学校导入",
        run=run_tree,
        form_url="orgs:bureau-import",
        done_url="orgs:bureau-list",
    )
