"""The audit log's hash chain: each event carries the hash of the one before it.

Every event gets the next ``seq`` and ``hash = sha256(prev_hash + canonical event)``
at insert, under a lock on the one-row :class:`~edubureau.audit.models.AuditChain`
head, so the chain is linear however many requests write at once. The head keeps
the last hash, so removing the newest rows is detected like any other gap.
:func:`verify_chain` recomputes everything and reports altered, deleted and
reordered rows. The purge job removes only the oldest events and leaves a
``purge`` event naming where the remaining chain starts.

Tamper evidence, not tamper proofing: on PostgreSQL a trigger also refuses UPDATE
and DELETE of audit rows outside the purge (docs/security.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction

from edubureau.audit.models import Action, AuditChain, AuditEvent

GENESIS = "0" * 64
# A purge event's changes name the last seq and hash it removed.
PURGED_THROUGH = "purged_through_seq"
PURGED_HASH = "purged_last_hash"


def canonical(event: AuditEvent) -> str:
    """The event's content as the hash sees it: every stored column but the hash."""
    ip_field = AuditEvent._meta.get_field("ip")
    payload = {
        "seq": event.seq,
        "created_at": event.created_at.isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "model_label": event.model_label,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "school_id": event.school_id,
        "bureau_id": event.bureau_id,
        "target_bureau_id": event.target_bureau_id,
        "ip": ip_field.get_prep_value(event.ip) or None,
        "path": event.path,
        "changes": event.changes,
        "detail": event.detail,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(canonical(event).encode()).hexdigest()


def append(event: AuditEvent) -> AuditEvent:
    """Insert ``event`` as the next link of the chain (inside the caller's
    transaction, so a failed audit write rolls the business change back)."""
    return append_many([event])[0]


def append_many(events: Sequence[AuditEvent]) -> list[AuditEvent]:
    """Insert ``events`` as the next links of the chain, in order, under one lock of
    the head: three queries however many there are (a submit that reports forty
    hazards writes forty-one events). The chain is the same as ``append`` called for
    each in turn."""
    events = list(events)
    if not events:
        return events
    n = len(events)
    # No savepoint of its own: a failed audit write fails the caller's whole
    # transaction, never leaves it to carry on without its audit row.
    with transaction.atomic(savepoint=False):
        # Take the write lock before reading the head: two writers never read the
        # same head (a row lock on PostgreSQL, the database lock on SQLite).
        head = _advance(n)
        if head is None:
            AuditChain.objects.get_or_create(pk=1, defaults={"seq": 0, "last_hash": GENESIS})
            head = _advance(n)
            assert head is not None
        last_seq, prev_hash = head
        for seq, event in enumerate(events, start=last_seq - n + 1):
            event.seq = seq
            event.prev_hash = prev_hash
            event.hash = prev_hash = event_hash(event)
        if n == 1:
            events[0].save()  # the one-event path every other writer takes, unchanged
        else:
            AuditEvent.objects.bulk_create(events)
        AuditChain.objects.filter(pk=1).update(last_hash=prev_hash)
    return events


def _advance(n: int) -> tuple[int, str] | None:
    """Take ``n`` sequence numbers: the head's new ``seq`` and the hash to chain
    from, locking the head (one UPDATE … RETURNING: PostgreSQL, SQLite ≥ 3.35)."""
    quote = connection.ops.quote_name
    table = quote(AuditChain._meta.db_table)
    seq, last_hash = quote("seq"), quote("last_hash")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {seq} = {seq} + %s WHERE {quote('id')} = 1 "
            f"RETURNING {seq}, {last_hash}",
            [n],
        )
        row = cursor.fetchone()
    return (int(row[0]), str(row[1])) if row else None


@dataclass
class Verification:
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _events() -> Iterator[AuditEvent]:
    return AuditEvent._base_manager.order_by("seq", "pk").iterator(chunk_size=2000)


def verify_chain(*, limit_problems: int = 50) -> Verification:
    """Walk the chain in ``seq`` order and recompute every hash."""
    result = Verification()
    previous: AuditEvent | None = None
    expected_prev = GENESIS
    for event in _events():
        result.checked += 1
        seq = event.seq
        if seq is None:
            result.problems.append(f"第{event.pk}号事件没有链序号（链外写入）")
            continue
        if previous is None or previous.seq is None:
            expected_prev = _anchor(seq) or GENESIS
        elif seq != previous.seq + 1:
            missing = seq - previous.seq - 1
            result.problems.append(f"序号{previous.seq}与{seq}之间缺少{missing}条事件（被删除）")
        if event.prev_hash != expected_prev:
            result.problems.append(f"序号{event.seq}的前一哈希不符（事件被删除、插入或重排）")
        if event.hash != event_hash(event):
            result.problems.append(f"序号{event.seq}的内容与哈希不符（事件被篡改）")
        expected_prev = event.hash
        previous = event
        if len(result.problems) >= limit_problems:
            break
    head = AuditChain.objects.filter(pk=1).first()
    if head is not None and len(result.problems) < limit_problems:
        last_seq = previous.seq if previous is not None else None
        if head.seq and last_seq != head.seq:
            result.problems.append(
                f"链头序号为{head.seq}，最后一条事件序号为{last_seq}（末尾事件被删除）"
            )
        elif previous is not None and head.last_hash != previous.hash:
            result.problems.append("链头哈希与最后一条事件不符")
    return result


def _anchor(first_seq: int) -> str | None:
    """Where the chain may start when the purge removed older events: the hash the
    purge recorded for the last event it removed."""
    if first_seq == 1:
        return GENESIS
    for purge in AuditEvent._base_manager.filter(action=Action.PURGE).order_by("seq"):
        if purge.changes.get(PURGED_THROUGH) == first_seq - 1:
            return str(purge.changes.get(PURGED_HASH))
    return None


# 网络安全法 第二十一条: logs are kept no less than six months.
MINIMUM_RETENTION_DAYS = 183


def retention_cutoff(days: int, *, now: Any) -> Any:
    """The moment before which events may go, keeping ``days`` of them; refuses a
    retention shorter than six months (the one rule for the command and the job)."""
    if days < MINIMUM_RETENTION_DAYS:
        raise ValueError(
            f"审计日志至少保留{MINIMUM_RETENTION_DAYS}天（6个月），保留天数不能小于"
            f"{MINIMUM_RETENTION_DAYS}（现为{days}）"
        )
    return now - dt.timedelta(days=days)


def purge_before(*, cutoff: Any, actor_name: str) -> int:
    """Delete events created before ``cutoff`` that form a prefix of the chain, and
    record the purge as an event of its own (the retention job's one path)."""
    from edubureau.audit.services import audit_log

    with transaction.atomic():
        old = AuditEvent._base_manager.filter(created_at__lt=cutoff).order_by("-seq")
        last = old.only("seq", "hash").first()
        if last is None:
            return 0
        count = old.count()
        _allow_purge()
        models.QuerySet.delete(AuditEvent._base_manager.filter(seq__lte=last.seq))
        audit_log(
            actor=None,
            actor_name=actor_name,
            action=Action.PURGE,
            model_label=AuditEvent._meta.label,
            changes={PURGED_THROUGH: last.seq, PURGED_HASH: last.hash, "count": count},
            detail=f"按保留期限删除{cutoff:%Y年%m月%d日}之前的审计事件{count}条",
        )
    return count


def _allow_purge() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL edubureau.audit_purge = 'on'")
