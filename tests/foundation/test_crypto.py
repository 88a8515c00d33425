"""Token encryption at rest: AES-256-GCM, key ring, row binding, rotation."""

from __future__ import annotations

import secrets
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from platforms import crypto
from platforms.models import PlatformConnection
from tests.factories import PlatformConnectionFactory, UserFactory

TOKEN = "vk1.a.super-secret-access-token-0123456789"


def aad(row: str = "row-1", field: str = "access_token") -> bytes:
    return crypto.associated_data(table="platformconnection", row_id=row, field=field)


def test_round_trip_returns_the_token():
    sealed = crypto.encrypt(TOKEN, aad=aad())
    assert crypto.decrypt(sealed, aad=aad()) == TOKEN


def test_sealed_form_names_version_and_key_and_hides_the_token():
    sealed = crypto.encrypt(TOKEN, aad=aad())
    version, key_id, nonce, _body = sealed.split(".")
    assert version == "v1"
    assert key_id == crypto.key_ring()[0].id
    assert len(crypto._b64d(nonce)) == 12
    assert TOKEN not in sealed


def test_two_encryptions_of_one_token_differ():
    assert crypto.encrypt(TOKEN, aad=aad()) != crypto.encrypt(TOKEN, aad=aad())


def test_flipped_byte_is_refused_without_revealing_the_token():
    sealed = crypto.encrypt(TOKEN, aad=aad())
    version, key_id, nonce, body = sealed.split(".")
    raw = bytearray(crypto._b64d(body))
    raw[3] ^= 0x01
    tampered = ".".join((version, key_id, nonce, crypto._b64e(bytes(raw))))
    with pytest.raises(crypto.TokenDecryptionError) as excinfo:
        crypto.decrypt(tampered, aad=aad())
    assert TOKEN not in str(excinfo.value)
    assert body not in str(excinfo.value)


def test_wrong_key_is_refused(settings):
    sealed = crypto.encrypt(TOKEN, aad=aad())
    settings.PLATFORM_TOKEN_SECRET = secrets.token_hex(32)
    with pytest.raises(crypto.TokenDecryptionError, match="not configured"):
        crypto.decrypt(sealed, aad=aad())


def test_same_key_id_with_forged_key_material_is_refused(settings):
    sealed = crypto.encrypt(TOKEN, aad=aad())
    version, _, nonce, body = sealed.split(".")
    settings.PLATFORM_TOKEN_SECRET = secrets.token_hex(32)
    forged = ".".join((version, crypto.key_ring()[0].id, nonce, body))
    with pytest.raises(crypto.TokenDecryptionError, match="failed authentication"):
        crypto.decrypt(forged, aad=aad())


def test_ciphertext_bound_to_its_row_and_field():
    sealed = crypto.encrypt(TOKEN, aad=aad(row="row-1"))
    with pytest.raises(crypto.TokenDecryptionError):
        crypto.decrypt(sealed, aad=aad(row="row-2"))
    with pytest.raises(crypto.TokenDecryptionError):
        crypto.decrypt(sealed, aad=aad(row="row-1", field="refresh_token"))


def test_malformed_key_is_a_clear_configuration_error(settings):
    settings.PLATFORM_TOKEN_SECRET = "not-hex"
    with pytest.raises(crypto.TokenKeyError, match="64 hex"):
        crypto.encrypt(TOKEN, aad=aad())


@pytest.mark.django_db
def test_connection_stores_only_ciphertext_in_the_database():
    conn = PlatformConnectionFactory(tokens=(TOKEN, "refresh-" + TOKEN))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token_sealed, refresh_token_sealed FROM platforms_platformconnection"
        )
        stored = cursor.fetchone()
    assert all(TOKEN not in value for value in stored)
    fresh = PlatformConnection.objects.get(pk=conn.pk)
    assert fresh.get_token("access_token") == TOKEN
    assert fresh.get_token("refresh_token") == "refresh-" + TOKEN


@pytest.mark.django_db
def test_ciphertext_copied_to_another_users_row_fails():
    victim = PlatformConnectionFactory(tokens=(TOKEN, "r"))
    attacker = PlatformConnectionFactory(user=UserFactory(), tokens=("mine", "r"))
    attacker.access_token_sealed = victim.access_token_sealed
    attacker.save()
    with pytest.raises(crypto.TokenDecryptionError):
        PlatformConnection.objects.get(pk=attacker.pk).get_token("access_token")


@pytest.mark.django_db
def test_rotation_reencrypts_under_newest_key_and_keeps_tokens_readable(settings):
    old_key = settings.PLATFORM_TOKEN_SECRET
    conns = [PlatformConnectionFactory(tokens=(f"access-{i}", f"refresh-{i}")) for i in range(3)]
    new_key = secrets.token_hex(32)
    settings.PLATFORM_TOKEN_SECRET = new_key
    settings.PLATFORM_TOKEN_OLD_SECRETS = [old_key]

    out = StringIO()
    call_command("rotate_platform_tokens", stdout=out)

    assert "Re-encrypted 6 token(s) in 3 connection(s)" in out.getvalue()
    newest_id = crypto.key_ring()[0].id
    for i, conn in enumerate(conns):
        fresh = PlatformConnection.objects.get(pk=conn.pk)
        assert crypto.key_id_of(fresh.access_token_sealed) == newest_id
        assert fresh.get_token("access_token") == f"access-{i}"
        assert fresh.get_token("refresh_token") == f"refresh-{i}"
    # The old key can now be retired: tokens still open with the newest key alone.
    settings.PLATFORM_TOKEN_OLD_SECRETS = []
    assert PlatformConnection.objects.get(pk=conns[0].pk).get_token("access_token") == "access-0"

    out = StringIO()
    call_command("rotate_platform_tokens", stdout=out)
    assert "Re-encrypted 0 token(s)" in out.getvalue()
