"""Safety's Excel imports (``core.import_kinds``), registered from ``ready()``: one
per ledger (drills, letters, plans, vehicles, canteens, …), each all rows or none. A
large workbook runs in the worker as the person who sent it."""

from __future__ import annotations

from typing import IO, Any

from edubureau.core import import_kinds
from edubureau.core.import_kinds import Progress, Run
from edubureau.safety.selectors.ledger_specs import LEDGERS, LedgerSpec
from edubureau.safety.services.ledgers import ledger_import


def ledger_import_kind(spec: LedgerSpec) -> str:
    return f"safety.ledger.{spec.key}"


def _run_ledger(spec: LedgerSpec) -> Run:
    def run(user: Any, upload: IO[bytes], progress: Progress) -> str:
        r = ledger_import(actor=user, spec=spec, upload=upload, progress=progress)
        return f"新增{r.created}条，更新{r.updated}条，未变{r.unchanged}条。"

    return run


def register() -> None:
    for spec in LEDGERS.values():
        import_kinds.register(
            ledger_import_kind(spec),
            title=f"{spec.title}导入",
            run=_run_ledger(spec),
            form_url=f"safety:{spec.key}-import",
            done_url=f"safety:{spec.key}-list",
        )
