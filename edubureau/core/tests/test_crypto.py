"""Phone numbers are stored encrypted, with Fernet or with 国密 SM4 (GCM); a key can be
rotated, and a deployment moves from one cipher to the other by putting the new key first."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from edubureau.core.crypto import (
    PREFIX,
    SM4_PREFIX,
    decrypt,
    encrypt,
    sm4_gcm_decrypt,
    sm4_gcm_encrypt,
)
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


# SM4 (国密) ------------------------------------------------------------------------

SM4_KEY = "sm4:0123456789abcdeffedcba9876543210"
OTHER_SM4_KEY = "sm4:" + "5a" * 16


def test_sm4_gcm_is_the_cipher_of_rfc_8998():
    # RFC 8998, appendix A.1: the SM4-GCM test vector.
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    nonce = bytes.fromhex("00001234567800000000ABCD")
    aad = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    plain = bytes.fromhex(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
        "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
    )
    body, tag = sm4_gcm_encrypt(key, nonce, plain, aad=aad)
    assert body.hex().upper() == (
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
    )
    assert tag.hex().upper() == "83DE3541E4C2B58177E065A9BF7B62EC"
    assert sm4_gcm_decrypt(key, nonce, body, tag, aad=aad) == plain
    with pytest.raises(InvalidTag):
        sm4_gcm_decrypt(key, nonce, body[:-1] + bytes([body[-1] ^ 1]), tag, aad=aad)


def test_with_an_sm4_key_first_a_phone_is_stored_with_sm4(cast, settings):
    settings.FIELD_ENCRYPTION_KEYS = [SM4_KEY]
    cast.school_a_officer.phone = "13912345678"
    cast.school_a_officer.save()
    stored = _stored_phone(cast.school_a_officer)
    assert stored.startswith(SM4_PREFIX) and "13912345678" not in stored
    assert User.objects.get(pk=cast.school_a_officer.pk).phone == "13912345678"
    assert encrypt("13912345678") != encrypt("13912345678")


def test_a_deployment_moves_from_fernet_to_sm4_and_rotates_sm4_keys(settings):
    fernet_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    written_with_fernet = encrypt("13912345678")
    assert written_with_fernet.startswith(PREFIX)

    settings.FIELD_ENCRYPTION_KEYS = [SM4_KEY, *fernet_keys]
    assert decrypt(written_with_fernet) == "13912345678"
    written_with_sm4 = encrypt("13800001111")
    assert written_with_sm4.startswith(SM4_PREFIX)

    settings.FIELD_ENCRYPTION_KEYS = [OTHER_SM4_KEY, SM4_KEY]
    assert decrypt(written_with_sm4) == "13800001111"
    assert decrypt(encrypt("13700002222")) == "13700002222"

    for keys in ([OTHER_SM4_KEY], fernet_keys):
        settings.FIELD_ENCRYPTION_KEYS = keys
        with pytest.raises(ImproperlyConfigured, match="cannot be read"):
            decrypt(written_with_sm4)


def test_an_sm4_value_changed_in_the_database_is_refused(settings):
    settings.FIELD_ENCRYPTION_KEYS = [SM4_KEY]
    token = encrypt("13912345678")
    middle = len(SM4_PREFIX) + 20
    changed = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
    for stored in (changed, token[:-8], SM4_PREFIX + "not base64!"):
        with pytest.raises(ImproperlyConfigured, match="cannot be read"):
            decrypt(stored)


@pytest.mark.parametrize("key", ["sm4:abc", "sm4:" + "zz" * 16, "sm4:" + "00" * 17])
def test_a_malformed_sm4_key_is_refused(settings, key):
    settings.FIELD_ENCRYPTION_KEYS = [key]
    with pytest.raises(ImproperlyConfigured, match="32 hex digits"):
        encrypt("13912345678")
