"""The registry of notification topics, with their Chinese labels.

Each module registers the topics it sends from its ``AppConfig.ready()``, so the
notification settings page (通知设置) can offer one checkbox per topic, grouped by
module, without notifications importing the modules above it::

    from edubureau.notifications import topics
    topics.register("safety.hazard_reported", "隐患上报", module="安全管理")

A topic is *mutable* unless registered with ``mutable=False``: urgent messages such
as a 重大 hazard must reach their recipients whatever they chose. ``roles`` limits
who sees the checkbox (a school user has no use for a bureau-wide digest); a topic
that is not registered (or not shown to a role) is always delivered.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Topic:
    key: str
    label: str
    module: str
    mutable: bool = True
    help: str = ""
    # Roles (core.roles.Role values) offered the checkbox; empty: every role.
    roles: frozenset[str] = field(default_factory=frozenset)

    def offered_to(self, role: str) -> bool:
        return not self.roles or role in self.roles


_REGISTRY: dict[str, Topic] = {}


def register(
    key: str,
    label: str,
    *,
    module: str,
    mutable: bool = True,
    help: str = "",
    roles: Collection[str] = (),
) -> Topic:
    """Register (or re-register, idempotently: ``ready()`` may run twice) a topic."""
    topic = Topic(
        key=key, label=label, module=module, mutable=mutable, help=help, roles=frozenset(roles)
    )
    _REGISTRY[key] = topic
    return topic


def get(key: str) -> Topic | None:
    return _REGISTRY.get(key)


def all_topics() -> list[Topic]:
    """Every registered topic, in registration order."""
    return list(_REGISTRY.values())


def is_mutable(key: str) -> bool:
    """Whether a recipient may turn the topic off: registered and not marked urgent."""
    topic = _REGISTRY.get(key)
    return topic is not None and topic.mutable


def mutable_for(role: str) -> list[Topic]:
    """The topics a user of ``role`` may turn off, in registration order."""
    return [t for t in _REGISTRY.values() if t.mutable and t.offered_to(role)]


def grouped(items: Iterable[Topic]) -> list[tuple[str, list[Topic]]]:
    """``[(module, [topics…]), …]`` in the order modules first appear."""
    groups: dict[str, list[Topic]] = {}
    for topic in items:
        groups.setdefault(topic.module, []).append(topic)
    return list(groups.items())
