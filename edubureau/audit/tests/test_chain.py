"""The audit log is a hash chain: altered, deleted and reordered events are found,
and on PostgreSQL the database itself refuses to change or remove them."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from edubureau.audit.chain import GENESIS, event_hash, verify_chain
from edubureau.audit.models import Action, AuditChain, AuditEvent
from edubureau.audit.services import audit_log

pytestmark = pytest.mark.django_db


def _write(n: int, actor=None) -> list[AuditEvent]:
    return [
        audit_log(actor=actor, actor_name="tester", action=Action.UPDATE, detail=f"第{i}次修改")
        for i in range(n)
    ]


def _as_owner(sql: str, params: list) -> None:
    """What someone with the table owner's rights (or a raw connection) can do."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The owner may switch its triggers off (the suite's role owns the tables;
            # it is not a superuser). Pending foreign-key checks must run first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def test_every_event_is_linked_to_the_one_before():
    events = _write(3)
    assert [e.seq for e in events] == [events[0].seq, events[0].seq + 1, events[0].seq + 2]
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    assert AuditChain.objects.get(pk=1).last_hash == events[2].hash
    stored = AuditEvent.objects.get(pk=events[1].pk)
    assert event_hash(stored) == stored.hash  # the hash survives the database round trip
    assert verify_chain().ok


def test_the_hash_covers_json_changes_as_stored():
    event = audit_log(
        actor=None,
        action=Action.UPDATE,
        changes={"deadline": [timezone.localdate(), None], "amount": ["1.50", 2]},
    )
    assert event_hash(AuditEvent.objects.get(pk=event.pk)) == event.hash


def test_an_altered_event_is_found():
    events = _write(3)
    _as_owner("UPDATE audit_auditevent SET detail = %s WHERE id = %s", ["无事发生", events[1].pk])
    result = verify_chain()
    assert not result.ok
    assert any(f"序号{events[1].seq}的内容与哈希不符" in p for p in result.problems)


def test_a_deleted_event_in_the_middle_is_found():
    events = _write(3)
    _as_owner("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    problems = verify_chain().problems
    assert any("被删除" in p for p in problems)


def test_deleting_the_newest_events_is_found_through_the_head():
    events = _write(3)
    _as_owner("DELETE FROM audit_auditevent WHERE id = %s", [events[2].pk])
    assert any("末尾事件被删除" in p for p in verify_chain().problems)


def test_reordered_events_are_found():
    a, b = _write(2)
    # Swap the two rows' places in the chain (through a free seq to pass the unique key).
    _as_owner("UPDATE audit_auditevent SET seq = %s WHERE id = %s", [-1, a.pk])
    _as_owner("UPDATE audit_auditevent SET seq = %s WHERE id = %s", [a.seq, b.pk])
    _as_owner("UPDATE audit_auditevent SET seq = %s WHERE id = %s", [b.seq, a.pk])
    assert not verify_chain().ok


def test_every_path_around_the_model_is_refused_or_found():
    """The model refuses ordinary updates; these paths go around it. PostgreSQL's
    trigger refuses them; on SQLite (the demo database) the chain finds them."""
    (event,) = _write(1)
    bypasses = [
        lambda: AuditEvent._base_manager.filter(pk=event.pk).update(detail="改"),
        lambda: models.QuerySet.delete(AuditEvent._base_manager.filter(pk=event.pk)),
        lambda: AuditEvent._base_manager.filter(pk=event.pk)._raw_delete(connection.alias),
        lambda: AuditEvent._base_manager.bulk_update(
            [AuditEvent(pk=event.pk, detail="改")], ["detail"]
        ),
        lambda: models.Model.save_base(
            AuditEvent.objects.get(pk=event.pk), force_update=True, update_fields=["detail"]
        ),
    ]
    for bypass in bypasses:
        if connection.vendor == "postgresql":
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                bypass()
            assert AuditEvent.objects.filter(pk=event.pk, hash=event.hash).exists()
    if connection.vendor != "postgresql":
        bypasses[0]()
        assert not verify_chain().ok


def test_the_purge_keeps_the_chain_verifiable():
    old = _write(2)
    cutoff = timezone.now() + timedelta(seconds=1)
    _as_owner(
        "UPDATE audit_auditevent SET created_at = %s WHERE id IN (%s, %s)",
        [cutoff - timedelta(days=400), old[0].pk, old[1].pk],
    )
    # The back-dating above broke those two hashes; the purge removes exactly them.
    call_command("audit_prune", days=365)
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    purge = AuditEvent.objects.get(action=Action.PURGE)
    assert purge.changes["purged_through_seq"] == old[1].seq
    _write(1)
    assert verify_chain().ok, verify_chain().problems


def test_retention_under_six_months_is_refused(settings):
    """The purge is a command run from cron as the schema owner (the app's own role may
    not delete audit rows, docs/security.md); its retention comes from --days or
    AUDIT_RETENTION_DAYS and is never under six months."""
    old = _write(1)
    _as_owner(
        "UPDATE audit_auditevent SET created_at = %s WHERE id = %s",
        [timezone.now() - timedelta(days=400), old[0].pk],
    )
    settings.AUDIT_RETENTION_DAYS = 182
    with pytest.raises(CommandError, match="保留天数不能小于183"):
        call_command("audit_prune")
    with pytest.raises(CommandError, match="审计日志至少保留183天"):
        call_command("audit_prune", days=30)
    assert AuditEvent.objects.filter(pk=old[0].pk).exists()
    assert not AuditEvent.objects.filter(action=Action.PURGE).exists()
    settings.AUDIT_RETENTION_DAYS = 190
    call_command("audit_prune")
    assert not AuditEvent.objects.filter(pk=old[0].pk).exists()


def test_a_prefix_removed_without_the_purge_is_found():
    events = _write(3)
    _as_owner("DELETE FROM audit_auditevent WHERE seq <= %s", [events[0].seq])
    assert not verify_chain().ok


def test_the_verify_command_reports_in_chinese():
    events = _write(2)
    call_command("audit_verify")
    _as_owner("UPDATE audit_auditevent SET detail = %s WHERE id = %s", ["篡改", events[0].pk])
    with pytest.raises(CommandError, match="审计日志校验未通过"):
        call_command("audit_verify")


def test_a_fresh_chain_starts_from_the_genesis_hash():
    AuditChain.objects.all().delete()
    _as_owner("DELETE FROM audit_auditevent", [])  # an empty log
    (first,) = _write(1)
    assert first.seq == 1 and first.prev_hash == GENESIS
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_linear_chain():
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(8):
                with transaction.atomic():
                    _write(1)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    result = verify_chain()
    assert result.ok, result.problems
    assert result.checked >= 32
