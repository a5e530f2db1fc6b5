"""The kinds of download modules offer, registered from their ``AppConfig.ready()``::

    from edubureau.core import download_kinds
    download_kinds.register("safety.inspections", title="安全检查导出",
                      build=build_inspections, inline_up_to=3000)

``build(user, params, progress) -> Built`` makes the file for ``user`` from the
request's query parameters (a ``QueryDict``). It applies the scoping door itself,
as ``user``, by calling the selectors the view calls: run later in the worker, as the
download's owner, it can never hold more than the owner may see then. It writes the
export's audit event (with the row count) when the file is produced, and reports
``progress(done, total)`` as it goes (throttled by the caller; calling it per row is
fine). It raises ``Http404``/``PermissionDenied`` if the owner may no longer see what
was asked, ``BuildRefused`` with a Chinese message for anything else the user must
be told.

The registry lives in core so that every layer can offer a file, orgs' school
directory included; the downloads app, above orgs, queues and builds them, and a view
below it reaches it through ``core.hooks.answer_download``.

``inline_up_to``: the size (the rows an export counts, the schools a circular
covers) up to which the file is made at once in the request; above it, in the
background. ``settings.DOWNLOAD_INLINE_LIMITS`` ({kind: size}) overrides it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import QueryDict

Progress = Callable[[int, int], None]


class Built(NamedTuple):
    filename: str  # Chinese, with its extension
    content_type: str
    content: bytes | Path


class BuildRefused(Exception):
    """The file cannot be made; the message (Chinese) is shown to the user."""


Build = Callable[[Any, QueryDict, Progress], Built]


@dataclass(frozen=True)
class DownloadKind:
    key: str
    title: str
    build: Build
    inline_up_to: int


_REGISTRY: dict[str, DownloadKind] = {}


def register(key: str, *, title: str, build: Build, inline_up_to: int) -> DownloadKind:
    """Register (idempotently: ``ready()`` may run twice) a kind of download."""
    kind = DownloadKind(key=key, title=title, build=build, inline_up_to=inline_up_to)
    _REGISTRY[key] = kind
    return kind


def get(key: str) -> DownloadKind:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise ImproperlyConfigured(f"download kind {key!r} is not registered") from None


def all_kinds() -> list[DownloadKind]:
    return list(_REGISTRY.values())


def inline_limit(key: str) -> int:
    limits: dict[str, int] = getattr(settings, "DOWNLOAD_INLINE_LIMITS", {}) or {}
    return limits.get(key, get(key).inline_up_to)


def no_progress(done: int, total: int) -> None:
    """The progress of a file made in the request: nobody watches it."""


T = TypeVar("T")


class counted(Generic[T]):
    """``rows`` as they are, reporting ``progress(done, total)`` every ``every`` rows;
    ``done`` is how many went by (the count the export's audit event states)."""

    def __init__(self, rows: Iterable[T], progress: Progress, total: int, *, every: int = 500):
        self._rows, self._progress, self._total, self._every = rows, progress, total, every
        self.done = 0

    def __iter__(self) -> Iterator[T]:
        for row in self._rows:
            yield row
            self.done += 1
            if self.done % self._every == 0:
                self._progress(self.done, self._total)
        self._progress(self.done, self._total)


def params_dict(params: QueryDict) -> dict[str, list[str]]:
    """A QueryDict as stored (JSON): {name: [values…]}."""
    return {key: params.getlist(key) for key in params}


def query_dict(stored: dict[str, Any]) -> QueryDict:
    """The stored parameters as the QueryDict the view read."""
    params = QueryDict(mutable=True)
    for key, values in (stored or {}).items():
        params.setlist(
            str(key), [str(v) for v in (values if isinstance(values, list) else [values])]
        )
    params._mutable = False
    return params
