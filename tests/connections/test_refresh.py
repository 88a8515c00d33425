"""Token refresh: rotation, refusal → expired, the per-connection lock, and the beat task."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest
import responses
from django.db import connection as db_connection
from django.utils import timezone

from platforms import services
from platforms.models import ConnectionStatus, PlatformConnection
from platforms.providers import TransientError
from platforms.tasks import refresh_expiring_tokens
from tests.factories import PlatformConnectionFactory
from tests.fixtures.platform_urls import fake_url

VK_TOKEN_URL = f"{fake_url('VK_ID_URL')}/oauth2/auth"
YA_TOKEN_URL = f"{fake_url('YANDEX_OAUTH_URL')}/token"


def vk_connection(**kwargs: Any) -> PlatformConnection:
    defaults: dict[str, Any] = {
        "platform": "vk",
        "tokens": ("old-access", "old-refresh"),
        "expires_at": timezone.now() + timedelta(minutes=3),
        "extra": {"device_id": "dev-1"},
    }
    return PlatformConnectionFactory(**{**defaults, **kwargs})


def fresh_tokens(n: int = 1) -> dict[str, Any]:
    return {
        "access_token": f"new-access-{n}",
        "refresh_token": f"new-refresh-{n}",
        "expires_in": 3600,
        "user_id": 1,
        "token_type": "Bearer",
    }


def events(caplog: Any, name: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage() == name]


@pytest.mark.django_db
def test_refresh_stores_the_rotated_tokens(http, caplog):
    conn = vk_connection()
    http.post(VK_TOKEN_URL, json=fresh_tokens())
    caplog.set_level(logging.INFO, logger="clipmaker.events")

    fresh = services.connection_refresh(connection=conn)

    sent = {k: v[0] for k, v in parse_qs(http.calls[0].request.body).items()}
    assert sent["grant_type"] == "refresh_token"
    assert sent["refresh_token"] == "old-refresh"
    assert sent["device_id"] == "dev-1"
    stored = PlatformConnection.objects.get(pk=conn.pk)
    assert stored.get_token("access_token") == "new-access-1"
    assert stored.get_token("refresh_token") == "new-refresh-1"  # the old one is replaced
    assert stored.expires_at > timezone.now() + timedelta(minutes=55)
    assert stored.extra["device_id"] == "dev-1"
    assert fresh.get_token("access_token") == "new-access-1"
    [record] = events(caplog, "token_refresh_success")
    assert record.fields["connection_id"] == str(conn.pk)
    assert "new-access" not in caplog.text and "old-refresh" not in caplog.text


@pytest.mark.django_db
def test_refresh_keeps_the_refresh_token_when_the_server_does_not_rotate_it(http):
    conn = vk_connection(platform="dzen", extra={})
    http.post(YA_TOKEN_URL, json={"access_token": "ya-new", "expires_in": 3600})

    services.connection_refresh(connection=conn)

    stored = PlatformConnection.objects.get(pk=conn.pk)
    assert stored.get_token("access_token") == "ya-new"
    assert stored.get_token("refresh_token") == "old-refresh"


@pytest.mark.django_db
def test_refused_refresh_marks_the_connection_expired_and_raises(http, caplog):
    conn = vk_connection()
    http.post(
        VK_TOKEN_URL,
        status=400,
        json={"error": "invalid_grant", "error_description": "refresh token revoked"},
    )
    caplog.set_level(logging.INFO, logger="clipmaker.events")

    with pytest.raises(services.ConnectionRefreshFailed) as info:
        services.connection_refresh(connection=conn)

    assert "Переподключите" in info.value.user_message
    stored = PlatformConnection.objects.get(pk=conn.pk)
    assert stored.status == ConnectionStatus.EXPIRED
    assert stored.last_check_ok is False
    assert stored.last_error
    [record] = events(caplog, "token_refresh_failed")
    assert record.fields["platform"] == "vk"


@pytest.mark.django_db
def test_transient_refresh_failure_propagates_and_leaves_the_connection_active(http):
    conn = vk_connection()
    http.post(VK_TOKEN_URL, status=502, json={"error": "server_error"})

    with pytest.raises(TransientError):
        services.connection_refresh(connection=conn)

    stored = PlatformConnection.objects.get(pk=conn.pk)
    assert stored.status == ConnectionStatus.ACTIVE
    assert stored.get_token("refresh_token") == "old-refresh"


@pytest.mark.django_db
def test_refresh_of_an_expired_connection_is_refused_without_calling_the_platform(http):
    conn = vk_connection(status=ConnectionStatus.EXPIRED)

    with pytest.raises(services.ConnectionRefreshFailed):
        services.connection_refresh(connection=conn)

    assert len(http.calls) == 0


@pytest.mark.django_db
def test_a_stale_caller_gets_the_token_another_worker_already_refreshed(http):
    conn = vk_connection()
    stale_copy = PlatformConnection.objects.get(pk=conn.pk)
    http.post(VK_TOKEN_URL, json=fresh_tokens())
    services.connection_refresh(connection=conn)

    again = services.connection_refresh(connection=stale_copy)

    assert len(http.calls) == 1
    assert again.get_token("access_token") == "new-access-1"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_refreshes_make_one_provider_call(fake_platforms):
    conn = vk_connection()
    copies = [PlatformConnection.objects.get(pk=conn.pk) for _ in range(2)]
    calls = []

    def slow_token_endpoint(request: Any) -> tuple[int, dict[str, str], str]:
        calls.append(time.monotonic())
        time.sleep(0.5)  # long enough for the second worker to be waiting on the lock
        import json

        return 200, {}, json.dumps(fresh_tokens(len(calls)))

    results: list[Any] = []
    errors: list[BaseException] = []

    def worker(copy: PlatformConnection) -> None:
        try:
            results.append(services.connection_refresh(connection=copy))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            db_connection.close()

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, VK_TOKEN_URL, callback=slow_token_endpoint)
        threads = [threading.Thread(target=worker, args=(c,)) for c in copies]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)

    assert not errors, errors
    assert len(calls) == 1
    assert [r.get_token("access_token") for r in results] == ["new-access-1", "new-access-1"]
    stored = PlatformConnection.objects.get(pk=conn.pk)
    assert stored.get_token("refresh_token") == "new-refresh-1"


@pytest.mark.django_db
def test_a_refresh_waiting_too_long_for_another_workers_lock_retries_later(http, monkeypatch):
    conn = vk_connection()
    monkeypatch.setattr(services, "REFRESH_LOCK_WAIT_SECONDS", 0.2)
    release = threading.Event()
    held = threading.Event()

    def other_worker() -> None:
        with services._refresh_lock(conn.pk):
            held.set()
            release.wait(5)

    holder = threading.Thread(target=other_worker)
    holder.start()
    try:
        assert held.wait(5)
        with pytest.raises(TransientError, match="уже идёт"):
            services.connection_refresh(connection=conn)
    finally:
        release.set()
        holder.join()

    conn.refresh_from_db()
    assert conn.status == ConnectionStatus.ACTIVE  # nothing was refused, only postponed
    assert len(http.calls) == 0


@pytest.mark.django_db
def test_beat_task_refreshes_only_tokens_expiring_within_ten_minutes(http):
    soon = vk_connection()
    later = vk_connection(expires_at=timezone.now() + timedelta(hours=2))
    no_expiry = vk_connection(platform="rutube", expires_at=None, tokens=("rt", None))
    expired = vk_connection(status=ConnectionStatus.EXPIRED)
    http.post(VK_TOKEN_URL, json=fresh_tokens())

    summary = refresh_expiring_tokens.apply().get()

    assert summary == {"refreshed": 1, "expired": 0, "failed_transient": 0}
    assert PlatformConnection.objects.get(pk=soon.pk).get_token("access_token") == "new-access-1"
    for other in (later, no_expiry, expired):
        stored = PlatformConnection.objects.get(pk=other.pk)
        assert stored.get_token("access_token") == other.get_token("access_token")


@pytest.mark.django_db
def test_beat_task_marks_refused_connections_expired_and_carries_on(http):
    refused = vk_connection()
    ok = vk_connection(platform="dzen", extra={})
    http.post(VK_TOKEN_URL, status=400, json={"error": "invalid_grant"})
    http.post(
        YA_TOKEN_URL, json={"access_token": "ya-2", "refresh_token": "ya-r2", "expires_in": 60}
    )

    summary = refresh_expiring_tokens.apply().get()

    assert summary == {"refreshed": 1, "expired": 1, "failed_transient": 0}
    assert PlatformConnection.objects.get(pk=refused.pk).status == ConnectionStatus.EXPIRED
    assert PlatformConnection.objects.get(pk=ok.pk).get_token("access_token") == "ya-2"


@pytest.mark.django_db
def test_beat_task_is_registered_under_its_scheduled_name():
    from clipmaker.celery import app
    from clipmaker.schedules import periodic_tasks

    names = {p.task for p in periodic_tasks()}
    assert "platforms.tasks.refresh_expiring_tokens" in names
    assert "platforms.tasks.refresh_expiring_tokens" in app.tasks
