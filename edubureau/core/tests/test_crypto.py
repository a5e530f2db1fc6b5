"""Phone numbers are stored encrypted; a key can be rotated."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from edubureau.core.crypto import PREFIX, decrypt, encrypt
from edubureau.orgs.models import User

pytestmark = pytest.mark.django_db


def _stored_phone(user: User) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM orgs_user WHERE id = %s", [user.pk])
        return str(cursor.fetchone()[0])


def test_a_phone_number_is_unreadable_in_the_database(cast):
    cast.school_a_officer.phone = "13912345678"
    cast.school_a_officer.save()
    stored = _stored_phone(cast.school_a_officer)
    assert stored.startswith(PREFIX) and "13912345678" not in stored
    assert User.objects.get(pk=cast.school_a_officer.pk).phone == "13912345678"


def test_the_same_number_encrypts_differently_each_time():
    assert encrypt("13912345678") != encrypt("13912345678")


def test_an_empty_phone_stays_empty(cast):
    cast.leader.phone = ""
    cast.leader.save()
    assert _stored_phone(cast.leader) == ""


def test_a_value_written_before_encryption_is_still_read():
    assert decrypt("13912345678") == "13912345678"


def test_a_new_key_first_still_reads_values_of_the_old_one(settings):
    old_value = encrypt("13912345678")
    settings.FIELD_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.FIELD_ENCRYPTION_KEYS,
    ]
    assert decrypt(old_value) == "13912345678"
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        decrypt(old_value)


def test_the_audit_log_shows_a_phone_change_but_not_the_number(cast):
    from edubureau.audit.models import AuditEvent
    from edubureau.orgs.services.accounts import user_reassign

    user_reassign(
        actor=cast.admin,
        user=cast.leader,
        role=cast.leader.role,
        department=None,
        school=None,
        school_position="",
        read_only=False,
        phone="13912345678",
    )
    event = AuditEvent.objects.filter(object_id=str(cast.leader.pk)).last()
    before, after = event.changes["phone"]
    assert "13912345678" not in str(event.changes) and after.startswith("（已加密")
    assert before != after


@pytest.mark.parametrize("table", ["orgs_school", "orgs_bureau"])
def test_an_office_phone_is_unreadable_in_the_database_too(cast, table):
    from edubureau.orgs.models import Bureau, School

    row = cast.school_a if table == "orgs_school" else cast.bureau
    row.phone = "0551-62345678"
    row.save()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT phone FROM {table} WHERE id = %s", [row.pk])
        stored = str(cursor.fetchone()[0])
    assert stored.startswith(PREFIX) and "62345678" not in stored
    model = School if table == "orgs_school" else Bureau
    assert model.objects.values_list("phone", flat=True).get(pk=row.pk) == "0551-62345678"


def test_a_school_edit_keeps_the_number_out_of_the_audit_log(cast):
    from edubureau.audit.models import AuditEvent
    from edubureau.orgs.services.schools import school_update

    school_update(actor=cast.admin, school=cast.school_a, data={"phone": "0551-62345678"})
    event = AuditEvent.objects.filter(object_id=str(cast.school_a.pk)).last()
    assert "62345678" not in str(event.changes) and event.changes["phone"][1].startswith("（已加密")
