"""The kinds of Excel import modules offer, registered from their ``AppConfig.ready()``::

    from edubureau.core import import_kinds
    import_kinds.register("safety.ledger.drill", title="演练台账导入", run=run_drills,
                          form_url="safety:drill-import", done_url="safety:drill-list")

``run(user, upload, progress) -> str`` imports the workbook as ``user`` through the
module's own service (every check, all rows or none) and returns what it did as one
Chinese sentence ending in “。” (“新增3条，更新0条，未变1条。”); it raises
``ImportRejected`` with every problem found, having written nothing, and
``PermissionDenied`` if the user may not import it. It reports
``progress(done, total)`` as it writes (throttled by the caller).

The imports app (above orgs) answers an upload through ``core.hooks.answer_import``:
at once in the request up to ``settings.IMPORT_INLINE_ROWS`` data rows (a few
seconds at most), otherwise stored and run by the worker, with a page that shows
its progress and, at the end, the counts or every rejected cell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Progress = Callable[[int, int], None]
Run = Callable[[Any, IO[bytes], Progress], str]

# A 2,000-row drill sheet takes about 3 s to import and a 20,000-row one about 26 s
# (SQLite, one audit event per row): past 500 rows the worker takes it.
DEFAULT_INLINE_ROWS = 500


@dataclass(frozen=True)
class ImportKind:
    key: str
    title: str  # “学校名录导入”
    run: Run
    form_url: str  # URL name of the upload form (where a rejected sheet goes back to)
    done_url: str  # URL name of the list the imported rows appear in


_REGISTRY: dict[str, ImportKind] = {}


def register(key: str, *, title: str, run: Run, form_url: str, done_url: str) -> ImportKind:
    """Register (idempotently: ``ready()`` may run twice) a kind of import."""
    kind = ImportKind(key=key, title=title, run=run, form_url=form_url, done_url=done_url)
    _REGISTRY[key] = kind
    return kind


def get(key: str) -> ImportKind:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise ImproperlyConfigured(f"import kind {key!r} is not registered") from None


def all_kinds() -> list[ImportKind]:
    return list(_REGISTRY.values())


def inline_rows() -> int:
    return int(getattr(settings, "IMPORT_INLINE_ROWS", DEFAULT_INLINE_ROWS))


def no_progress(done: int, total: int) -> None:
    """The progress of an import run in the request: nobody watches it."""
