"""Tokens are nowhere they should not be: platform tokens never appear in API answers, pages,
the admin, error pages, logs, broker messages or the database; the product's own API tokens are
stored as digests, expire, are listed and revocable, and die with a password change."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from clipmaker.accounts.tokens import api_token_create, token_short_id
from platforms.constants import Platform
from tests.factories import PlatformConnectionFactory, UserFactory

pytestmark = pytest.mark.django_db

PLATFORM_SECRETS = {
    Platform.VK: ("vk1.a.SECRET-ACCESS-7f3a9c", "vk1.r.SECRET-REFRESH-91bd2e"),
    Platform.RUTUBE: ("rutube-SECRET-TOKEN-5d8e1f", None),
    Platform.DZEN: ("y0_SECRET-DZEN-ACCESS-2c4b", "1:SECRET-DZEN-REFRESH-8a7f"),
    Platform.TELEGRAM: ("7012345678:AAF-SECRET-BOT-TOKEN-abcdefghijk", None),
}


def every_secret() -> list[str]:
    return [s for pair in PLATFORM_SECRETS.values() for s in pair if s]


def database_text() -> str:
    """Every text value of every table, as stored."""
    chunks: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - our own table names
            chunks.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(chunks)


@pytest.fixture
def owner() -> Any:
    user = UserFactory(username="owner")
    for platform, (access, refresh) in PLATFORM_SECRETS.items():
        PlatformConnectionFactory(user=user, platform=platform, tokens=(access, refresh))
    return user


def test_platform_tokens_are_absent_from_api_pages_admin_errors_and_the_database(owner, caplog):
    caplog.set_level(logging.DEBUG)
    staff = UserFactory(username="staff", is_staff=True, is_superuser=True)
    user_client, staff_client = Client(), Client()
    user_client.force_login(owner)
    staff_client.force_login(staff)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=owner)[1]}")

    answers = [
        api.get("/api/v1/platforms/"),
        api.get("/api/v1/clips/"),
        api.post("/api/v1/platforms/connect/", {"platform": "nope"}, format="json"),
        user_client.get("/settings/platforms/"),
        user_client.get("/settings/security/"),
        user_client.get("/settings/platforms/telegram/disconnect/"),
        user_client.get("/clips/"),
        user_client.get("/no-such-page/"),
        user_client.get("/api/v1/clips/abc/"),
        staff_client.get("/admin/platforms/platformconnection/"),
        staff_client.get("/admin/knox/authtoken/"),
        staff_client.get("/admin/axes/accessattempt/"),
    ]
    from platforms.models import PlatformConnection

    for conn in PlatformConnection.objects.filter(user=owner):
        answers.append(staff_client.get(f"/admin/platforms/platformconnection/{conn.pk}/change/"))

    shown = "\n".join(a.content.decode(errors="replace") for a in answers)
    logged = "\n".join(
        r.getMessage() + json.dumps(getattr(r, "fields", {}), default=str) for r in caplog.records
    )
    stored = database_text()
    for secret in every_secret():
        assert secret not in shown
        assert secret not in logged
        assert secret not in stored
        # Not even a recognisable part of it.
        assert secret[6:20] not in shown
        assert secret[6:20] not in stored


def test_the_products_api_tokens_are_stored_as_digests_only(owner):
    _, token = api_token_create(user=owner)
    assert token not in database_text()
    assert token[15:] not in database_text()
    answer = APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/clips/")
    assert answer.status_code == 200


def test_an_api_token_expires(owner):
    instance, token = api_token_create(user=owner)
    assert instance.expiry > timezone.now() + timedelta(days=1)
    AuthToken.objects.filter(pk=instance.pk).update(expiry=timezone.now() - timedelta(seconds=1))

    answer = APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/clips/")

    assert answer.status_code == 401
    assert "истёк" in answer.json()["detail"]


def test_tokens_are_listed_and_revoked_on_the_settings_page(owner):
    client = Client()
    client.force_login(owner)
    created = client.post("/settings/security/tokens/")
    assert created.status_code == 201
    token = created.context["new_token"]
    assert token in created.content.decode()  # shown once, to its owner

    page = client.get("/settings/security/").content.decode()
    row = AuthToken.objects.get(user=owner)
    assert token_short_id(row) in page
    assert token not in page  # never shown again

    client.post(f"/settings/security/tokens/{token_short_id(row)}/revoke/")

    assert not AuthToken.objects.filter(user=owner).exists()
    assert APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/clips/").status_code == 401


def test_a_password_change_revokes_every_api_token(owner):
    tokens = [api_token_create(user=owner)[1] for _ in range(2)]
    client = Client()
    client.force_login(owner)

    answer = client.post(
        "/settings/security/password/",
        {
            "old_password": "secret-pass-123",
            "new_password1": "another-Long-pass-2026",
            "new_password2": "another-Long-pass-2026",
        },
    )

    assert answer.status_code == 302
    assert not AuthToken.objects.filter(user=owner).exists()
    for token in tokens:
        refused = APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/clips/")
        assert refused.status_code == 401
    # The session that changed it stays logged in.
    assert client.get("/settings/security/").status_code == 200


def test_a_password_set_anywhere_else_revokes_them_too(owner):
    api_token_create(user=owner)
    owner.set_password("set-by-support-2026")
    owner.save()
    assert not AuthToken.objects.filter(user=owner).exists()


def test_the_token_endpoint_keeps_its_contract(owner):
    answer = APIClient().post(
        "/api/v1/auth/token/", {"username": "owner", "password": "secret-pass-123"}, format="json"
    )
    assert answer.status_code == 200
    token = answer.json()["token"]
    assert len(token) >= 40
    listed = APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/clips/")
    assert listed.status_code == 200


def test_the_sqlite_file_is_created_readable_by_its_owner_only(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {
        "PATH": "/usr/bin:/bin",
        "VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "clipmaker.settings",
        "TESTING": "1",
    }
    subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=root,
        env=env,
        check=True,
        timeout=60,
    )
    database = tmp_path / "clipmaker.sqlite3"
    assert database.exists()
    assert database.stat().st_mode & 0o777 == 0o600


def test_broker_messages_carry_ids_only(owner, django_capture_on_commit_callbacks, settings):
    """What goes to the broker when a clip is uploaded and published: no token, no file."""
    import io

    from celery.signals import before_task_publish

    from clipmaker.clips.demo import make_tiny_video
    from clipmaker.clips.probing import clip_probe
    from clipmaker.clips.services import clip_create
    from publishing.services import publication_create

    sent: list[str] = []

    def capture(body: Any = None, headers: Any = None, **kwargs: Any) -> None:
        sent.append(json.dumps({"body": body, "headers": headers}, default=str))

    before_task_publish.connect(capture, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            clip = clip_create(
                owner=owner, file=io.BytesIO(make_tiny_video()), filename="a.mp4", title="x"
            )
        clip_probe(clip_id=clip.pk)
        clip.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            publication_create(user=owner, clip=clip, platforms=["vk", "rutube", "dzen"])
    finally:
        before_task_publish.disconnect(capture)

    assert len(sent) == 4  # one probe, three publishes
    for message in sent:
        for secret in every_secret():
            assert secret not in message
        assert "mdat" not in message
